/**
 * The entry point of the video providers: the contract (re-exported from `./types`) and
 * {@link createVideoProvider}, which picks an implementation by name. To add a vendor, implement
 * {@link VideoProvider} in `./providers/<name>/index.ts`, add its name to `VideoProviderName`
 * and its options to {@link VideoProviderOptionsByName}, and register its constructor below.
 */

import { DailyVideoProvider, type DailyVideoProviderOptions } from './providers/daily';
import { GoogleMeetVideoProvider, type GoogleMeetVideoProviderOptions } from './providers/google-meet';
import { LiveKitVideoProvider, type LiveKitVideoProviderOptions } from './providers/livekit';
import { TwilioVideoProvider, type TwilioVideoProviderOptions } from './providers/twilio';
import { UnknownVideoProviderError, type VideoProvider, type VideoProviderName } from './types';

export * from './types';
export { checkAdminName, checkName, MAX_NAME_BYTES } from './names';
export {
  DEFAULT_TOKEN_TIMEOUT_MS,
  TOKEN_ENDPOINT_PATH,
  TokenEndpoint,
  parseJoinTicket,
  type TokenEndpointOptions,
} from './token-endpoint';
export {
  DEFAULT_TOKEN_SERVER_TIMEOUT_MS,
  parseProblemDetails,
  parseRetryAfter,
  type HeadersSource,
  type TokenServerOptions,
} from './token-server-http';
export { ROOMS_PATH, RoomAdminClient, RoomAdminRoutes, parseParticipant, parseRoom, parseTrack } from './room-admin';
export { LiveKitVideoProvider, type LiveKitVideoProviderOptions } from './providers/livekit';
export { DailyVideoProvider, type DailyVideoProviderOptions } from './providers/daily';
export { TwilioVideoProvider, TWILIO_PUBLISH_SOURCES, type TwilioVideoProviderOptions } from './providers/twilio';
export {
  GoogleMeetVideoProvider,
  type GoogleMeetMeeting,
  type GoogleMeetVideoProviderOptions,
} from './providers/google-meet';
export { DEFAULT_TICKET_RENEWAL_MARGIN_MS, type SessionProviderOptions } from './session-provider';

/** The options each provider takes, by name. */
export interface VideoProviderOptionsByName {
  livekit: LiveKitVideoProviderOptions;
  daily: DailyVideoProviderOptions;
  twilio: TwilioVideoProviderOptions;
  'google-meet': GoogleMeetVideoProviderOptions;
}

/** What {@link createVideoProvider} returns for each name. */
export interface VideoProviderByName {
  livekit: LiveKitVideoProvider;
  daily: DailyVideoProvider;
  twilio: TwilioVideoProvider;
  'google-meet': GoogleMeetVideoProvider;
}

const FACTORIES: { [N in VideoProviderName]: (options?: VideoProviderOptionsByName[N]) => VideoProviderByName[N] } = {
  livekit: (options) => new LiveKitVideoProvider(options),
  daily: (options) => new DailyVideoProvider(options),
  twilio: (options) => new TwilioVideoProvider(options),
  'google-meet': (options) => new GoogleMeetVideoProvider(options),
};

/** The provider names {@link createVideoProvider} accepts. */
export const VIDEO_PROVIDER_NAMES = Object.keys(FACTORIES) as VideoProviderName[];

/** Whether `name` is a provider {@link createVideoProvider} knows. */
export function isVideoProviderName(name: string): name is VideoProviderName {
  return Object.hasOwn(FACTORIES, name);
}

/**
 * Creates the provider called `name` (as in the server's `VIDEO_PROVIDER`: `livekit`, `daily`,
 * `twilio`, `google-meet`).
 * Throws {@link UnknownVideoProviderError} (code `unknown_provider`) for any other name, so a
 * name read from configuration fails clearly.
 */
export function createVideoProvider<N extends VideoProviderName>(
  name: N,
  options?: VideoProviderOptionsByName[N],
): VideoProviderByName[N];
export function createVideoProvider(name: string, options?: VideoProviderOptionsByName[VideoProviderName]): VideoProvider;
export function createVideoProvider(name: string, options?: VideoProviderOptionsByName[VideoProviderName]): VideoProvider {
  if (!isVideoProviderName(name)) {
    throw new UnknownVideoProviderError(name, VIDEO_PROVIDER_NAMES);
  }
  return FACTORIES[name](options);
}
