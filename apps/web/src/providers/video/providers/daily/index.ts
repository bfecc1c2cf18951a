/**
 * The Daily {@link VideoProvider}, on `@daily-co/daily-js`'s call object (no iframe, no Daily UI).
 *
 * Tickets come from the token server (`GET /api/video/token?...&provider=daily`): `url` is the
 * room's URL (`https://{domain}.daily.co/{room}`) and `token` a Daily meeting token, handed to
 * `Daily.createCallObject()` and then `call.join({ url, token })`. This is the only module that
 * imports `@daily-co/daily-js`, and it loads it on the first join (a dynamic `import()`), so that
 * a page that uses another provider does not download it.
 */

import type {
  DailyCall,
  DailyCallFactory,
  DailyCameraErrorType,
  DailyEventObjectCameraError,
  DailyEventObjectFatalError,
  DailyEventObjectNetworkConnectionEvent,
  DailyEventObjectParticipant,
  DailyEventObjectParticipantLeft,
  DailyEventObjectTrack,
  DailyFatalErrorType,
  DailyParticipant,
  DailyParticipantPermissions,
} from '@daily-co/daily-js';

import { messageOf, redactToken, SessionVideoProvider, type SessionProviderOptions } from '../../session-provider';
import {
  LocalMediaError,
  RoomConnectionError,
  TRACK_SOURCES,
  type DisconnectReason,
  type JoinTicket,
  type LocalMediaSource,
  type ParticipantInfo,
  type ParticipantMedia,
  type PublishOptions,
  type RoomConnectionErrorCode,
  type TrackSource,
} from '../../types';

/** Options of {@link DailyVideoProvider}. Every member is optional. */
export type DailyVideoProviderOptions = SessionProviderOptions;

/** Daily's names of what a participant may send, in the token server's words. */
const CAN_SEND_SOURCES: Record<string, TrackSource> = {
  video: 'camera',
  audio: 'microphone',
  screenVideo: 'screen_share',
  screenAudio: 'screen_share_audio',
};

/**
 * What a participant may publish, from Daily's `permissions.canSend`: `true` every source,
 * `false` none, else the listed ones (custom tracks have no neutral name), in
 * {@link TRACK_SOURCES}' order.
 */
export function publishSourcesOf(permissions: DailyParticipantPermissions | undefined): TrackSource[] {
  const canSend = permissions?.canSend;
  if (canSend === true) {
    return [...TRACK_SOURCES];
  }
  if (canSend === undefined || canSend === false) {
    return [];
  }
  const allowed = new Set([...canSend].map((value) => CAN_SEND_SOURCES[value]));
  return TRACK_SOURCES.filter((source) => allowed.has(source));
}

/** Why joining failed, from the type of Daily's fatal `error` event. */
const JOIN_ERROR_CODES: Record<DailyFatalErrorType, RoomConnectionErrorCode> = {
  'not-allowed': 'not_allowed',
  'exp-token': 'not_allowed',
  'nbf-token': 'not_allowed',
  'exp-room': 'not_allowed',
  'nbf-room': 'not_allowed',
  'no-room': 'room_not_found',
  'meeting-full': 'room_full',
  'connection-error': 'server_unreachable',
  ejected: 'leave_request',
  'end-of-life': 'unknown',
};

/**
 * Why a connected session ended, from the type of Daily's fatal `error` event. Daily says
 * `ejected` both for a participant an owner (or the REST API) ejected and, as far as its
 * documentation says, for everyone when a room is deleted: both read `removed`.
 */
export function toDisconnectReason(type: DailyFatalErrorType | undefined): DisconnectReason {
  switch (type) {
    case 'ejected':
      return 'removed';
    case 'exp-room':
      return 'room_ended';
    case 'connection-error':
      return 'connection_lost';
    default:
      return 'unknown';
  }
}

/**
 * Maps what `call.join()` rejected with, and the fatal `error` event Daily emitted meanwhile (if
 * any), to a {@link RoomConnectionError}, with the token redacted from Daily's message.
 */
export function toRoomConnectionError(
  error: unknown,
  fatal: DailyEventObjectFatalError | undefined,
  token: string,
  ended?: DisconnectReason,
): RoomConnectionError {
  const type = fatal?.error?.type as DailyFatalErrorType | undefined;
  const code: RoomConnectionErrorCode = type === undefined ? 'unknown' : (JOIN_ERROR_CODES[type] ?? 'unknown');
  const detail = redactToken(fatal?.errorMsg ?? messageOf(error), token);
  const disconnectReason = code === 'leave_request' ? 'removed' : ended;
  return new RoomConnectionError(code, `Could not connect to the video server: ${detail}`, undefined, {
    cause: error,
    provider: 'daily',
    ...(disconnectReason !== undefined && { disconnectReason }),
  });
}

const DEVICE_OF_MEDIA: Record<'video' | 'audio', LocalMediaSource> = { video: 'camera', audio: 'microphone' };

/** Maps Daily's `camera-error` event to one {@link LocalMediaError} per device it is about. */
export function toLocalMediaErrors(event: DailyEventObjectCameraError): LocalMediaError[] {
  const error = event.error;
  const devicesOf = (media: readonly ('video' | 'audio')[] | undefined): LocalMediaSource[] => {
    const devices = (media ?? []).map((kind) => DEVICE_OF_MEDIA[kind]).filter((device) => device !== undefined);
    return devices.length > 0 ? devices : ['camera', 'microphone'];
  };
  const make = (code: LocalMediaError['code'], devices: LocalMediaSource[], what: (device: string) => string) =>
    devices.map((device) => new LocalMediaError(code, device, what(device), { cause: event }));
  const inUse = (device: string) => `The ${device} is in use by another program`;
  const type: DailyCameraErrorType = error.type;
  switch (error.type) {
    case 'permissions':
      return make('permission_denied', devicesOf(error.blockedMedia), (d) => `Permission to use the ${d} was denied`);
    case 'not-found':
      return make('device_not_found', devicesOf(error.missingMedia), (d) => `No ${d} was found`);
    case 'constraints':
      return make('media_error', devicesOf(error.failedMedia), (d) => `The ${d} could not be started`);
    default:
      break;
  }
  switch (type) {
    case 'cam-in-use':
      return make('device_in_use', ['camera'], inUse);
    case 'mic-in-use':
      return make('device_in_use', ['microphone'], inUse);
    case 'cam-mic-in-use':
      return make('device_in_use', ['camera', 'microphone'], inUse);
    default:
      return make('media_error', ['camera', 'microphone'], (d) => `The ${d} could not be started`);
  }
}

function participantInfo(participant: DailyParticipant): ParticipantInfo {
  return {
    identity: participant.user_id,
    name: participant.user_name === '' ? undefined : participant.user_name,
    isLocal: participant.local,
  };
}

/** A Daily track's `MediaStreamTrack` when it can be shown or heard. */
function playable(state: { state: string; persistentTrack?: MediaStreamTrack } | undefined): MediaStreamTrack | undefined {
  return state !== undefined && state.state === 'playable' ? state.persistentTrack : undefined;
}

/**
 * The Daily implementation of {@link VideoProvider}.
 *
 * - `createRoom()` checks the name and fetches a host ticket; it does not create the Daily room:
 *   the room must exist on the Daily domain (created in Daily's dashboard or REST API), or joining
 *   fails with `room_not_found`.
 * - Joining creates one call object (`Daily.createCallObject()`), joins with the ticket's URL
 *   and token, and starts the camera and microphone as `publish` asks (`startVideoOff`,
 *   `startAudioOff`); leaving calls `leave()` then `destroy()`, since daily-js allows one call
 *   object at a time.
 * - What the local participant may publish is Daily's `permissions.canSend`; a host (a meeting
 *   owner) changing it in the call is a `publishSourcesChanged` event.
 * - Room administration goes to the token server (`/api/video/rooms?provider=daily`), which has
 *   none for Daily and answers 501: {@link RoomAdminNotSupportedError}.
 */
export class DailyVideoProvider extends SessionVideoProvider<DailyCall> {
  readonly name = 'daily' as const;

  /** daily-js's default export, once loaded. */
  #daily: DailyCallFactory | undefined;
  /** Daily's last fatal `error` event of the session being joined, to explain a failed join. */
  #fatal: DailyEventObjectFatalError | undefined;

  constructor(options: DailyVideoProviderOptions = {}) {
    super('daily', options);
  }

  /**
   * The daily-js call object of the current session (from the moment it starts joining until it
   * ends), for Daily-specific UI.
   */
  get call(): DailyCall | undefined {
    return this.session;
  }

  /** Each participant's playable camera and microphone tracks, local first. */
  mediaTracks(): ParticipantMedia[] {
    const call = this.session;
    if (call === undefined || this.connectionState === 'disconnected' || this.connectionState === 'connecting') {
      return [];
    }
    const all = Object.values(call.participants());
    all.sort((a, b) => Number(b.local) - Number(a.local));
    return all.map((participant) => ({
      participant: participantInfo(participant),
      camera: playable(participant.tracks.video),
      microphone: playable(participant.tracks.audio),
    }));
  }

  protected async loadSdk(): Promise<void> {
    this.#daily ??= (await import('@daily-co/daily-js')).default;
  }

  protected createSession(): DailyCall {
    if (this.#daily === undefined) {
      throw new Error('daily-js is not loaded');
    }
    this.#fatal = undefined;
    return this.#daily.createCallObject();
  }

  protected attach(call: DailyCall): () => void {
    const onJoined = (event: DailyEventObjectParticipant) => {
      this.participantJoined(call, participantInfo(event.participant));
    };
    const onLeft = (event: DailyEventObjectParticipantLeft) => {
      this.participantLeft(call, event.participant.user_id);
    };
    const onUpdated = (event: DailyEventObjectParticipant) => {
      if (event.participant.local) {
        this.publishSourcesUpdated(call, publishSourcesOf(event.participant.permissions));
      }
      this.participantUpdated(call, event.participant.user_id);
    };
    const onTrack = (event: DailyEventObjectTrack) => {
      if (event.participant !== null) {
        this.participantUpdated(call, event.participant.user_id);
      }
    };
    const onNetwork = (event: DailyEventObjectNetworkConnectionEvent) => {
      if (event.type === 'signaling') {
        if (event.event === 'interrupted') {
          this.reconnecting(call, true);
        } else if (event.event === 'connected') {
          this.reconnecting(call, false);
        }
      }
    };
    const onCameraError = (event: DailyEventObjectCameraError) => {
      for (const error of toLocalMediaErrors(event)) {
        this.localMediaFailed(call, error);
      }
    };
    const onFatal = (event: DailyEventObjectFatalError) => {
      this.#fatal = event;
      this.ended(call, toDisconnectReason(event.error?.type as DailyFatalErrorType | undefined));
    };
    const onLeftMeeting = () => this.ended(call, 'unknown');
    call
      .on('participant-joined', onJoined)
      .on('participant-left', onLeft)
      .on('participant-updated', onUpdated)
      .on('track-started', onTrack)
      .on('track-stopped', onTrack)
      .on('network-connection', onNetwork)
      .on('camera-error', onCameraError)
      .on('error', onFatal)
      .on('left-meeting', onLeftMeeting);
    return () => {
      call
        .off('participant-joined', onJoined)
        .off('participant-left', onLeft)
        .off('participant-updated', onUpdated)
        .off('track-started', onTrack)
        .off('track-stopped', onTrack)
        .off('network-connection', onNetwork)
        .off('camera-error', onCameraError)
        .off('error', onFatal)
        .off('left-meeting', onLeftMeeting);
    };
  }

  protected async open(call: DailyCall, ticket: JoinTicket, publish: PublishOptions): Promise<PublishOptions> {
    await call.join({
      url: ticket.url,
      token: ticket.token,
      startVideoOff: publish.camera !== true,
      startAudioOff: publish.microphone !== true,
    });
    // Daily started (or tried to start) the devices while joining; failures are `camera-error` events.
    return {};
  }

  protected participantsOf(call: DailyCall): ParticipantInfo[] {
    const { local, ...remotes } = call.participants();
    return [participantInfo(local), ...Object.values(remotes).map(participantInfo)];
  }

  protected publishSourcesOf(call: DailyCall): TrackSource[] {
    return publishSourcesOf(call.participants().local?.permissions);
  }

  protected async setDevice(call: DailyCall, device: LocalMediaSource, enabled: boolean): Promise<void> {
    if (device === 'camera') {
      call.setLocalVideo(enabled);
    } else {
      call.setLocalAudio(enabled);
    }
  }

  protected async close(call: DailyCall): Promise<void> {
    await call.leave();
  }

  protected async dispose(call: DailyCall): Promise<void> {
    await call.destroy();
  }

  protected toConnectionError(error: unknown, token: string, ended: DisconnectReason | undefined): RoomConnectionError {
    return toRoomConnectionError(error, this.#fatal, token, ended);
  }

  protected toLocalMediaError(device: LocalMediaSource, error: unknown): LocalMediaError {
    return new LocalMediaError('media_error', device, `The ${device} could not be started`, { cause: error });
  }
}
