import {
  InvalidJoinRequestError,
  InvalidRoomAdminRequestError,
  JoinTicketExpiredError,
  JoinTicketProviderMismatchError,
  LocalMediaError,
  OperationNotSupportedError,
  RoomAdminForbiddenError,
  RoomAdminNotFoundError,
  RoomAdminNotSupportedError,
  RoomAdminUnavailableError,
  RoomConnectionError,
  TokenServerHttpError,
  TokenServerNetworkError,
  TokenServerResponseInvalidError,
  VideoProviderError,
  type DisconnectReason,
  type VideoProviderName,
} from '../providers/video';

/** Whose keys sign the tokens each provider's media server checks, for a refused token. */
const SIGNING_KEYS: Record<VideoProviderName, string> = {
  livekit:
    "this video server's key (the token server's LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be the " +
    "video server's)",
  daily: "the Daily domain's API key (the token server's DAILY_API_KEY and DAILY_DOMAIN_ID must be that domain's)",
  twilio:
    "the Twilio account's API key (the token server's TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and " +
    'TWILIO_API_KEY_SECRET must be that account\'s)',
  // Never shown: Meet's provider connects to no video server, so nothing refuses a token of ours.
  'google-meet': 'no key of ours (a Google Meet link carries no token: Meet admits people by their Google account)',
};

/** What the page's error area shows for one error. */
export interface ErrorDescription {
  /** A short headline: the problem's title when the token server sent one. */
  readonly title: string;
  /** The explanation: the problem's detail, or the error's message. */
  readonly detail: string;
  /** The stable code, e.g. `parameter_too_long`; `unexpected` for errors that are not ours. */
  readonly code: string;
  /** The error class's stable name, e.g. `TokenRequestRejectedError`. */
  readonly name: string;
  /** The HTTP status, for token server and media server refusals. */
  readonly status: number | undefined;
}

/** Turns whatever a provider call rejected with into the text the error area shows. */
export function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof VideoProviderError)) {
    const detail = error instanceof Error ? error.message : String(error);
    return { title: 'Something went wrong', detail, code: 'unexpected', name: 'Error', status: undefined };
  }
  const base = { detail: error.message, code: error.code, name: error.name, status: undefined };
  if (error instanceof TokenServerHttpError) {
    const retry =
      error instanceof RoomAdminUnavailableError && error.retryAfterSeconds !== undefined
        ? ` Try again in ${error.retryAfterSeconds} s.`
        : '';
    return {
      ...base,
      title: error.problem?.title ?? httpFallbackTitle(error),
      detail: `${error.problem?.detail ?? error.message}${retry}`,
      status: error.status,
    };
  }
  if (error instanceof TokenServerNetworkError) {
    return { ...base, title: 'Cannot reach the token server' };
  }
  if (error instanceof TokenServerResponseInvalidError) {
    return { ...base, title: 'The token server sent an unusable answer' };
  }
  if (error instanceof InvalidJoinRequestError) {
    return { ...base, title: 'Please check the form' };
  }
  if (error instanceof InvalidRoomAdminRequestError) {
    return { ...base, title: 'Please check the name' };
  }
  if (error instanceof JoinTicketExpiredError) {
    return { ...base, title: 'The join ticket has expired' };
  }
  if (error instanceof JoinTicketProviderMismatchError) {
    return {
      ...base,
      title: 'This page uses another video provider',
      detail:
        `This page joins ${error.expected} sessions, and the token server answered for ${error.actual}: the ` +
        'course and the page must use the same provider. Tell your administrator.',
    };
  }
  if (error instanceof RoomConnectionError && error.code === 'not_allowed') {
    return {
      ...base,
      title: 'The video server refused your access',
      detail:
        'The video server did not accept the access token: it has expired, or it was not signed with ' +
        `${SIGNING_KEYS[error.provider ?? 'livekit']}. Try again; if it keeps failing, tell your administrator. ` +
        `(${error.message})`,
      status: error.status,
    };
  }
  if (error instanceof RoomConnectionError && error.code === 'room_not_found') {
    return { ...base, title: 'This video room does not exist (or has ended)' };
  }
  if (error instanceof RoomConnectionError && error.code === 'room_full') {
    return { ...base, title: 'This video room is full' };
  }
  if (error instanceof RoomConnectionError) {
    return { ...base, title: 'Cannot connect to the video server', status: error.status };
  }
  if (error instanceof OperationNotSupportedError) {
    return { ...base, title: 'Not available with this video provider' };
  }
  if (error instanceof LocalMediaError) {
    return { ...base, title: error.source === 'camera' ? 'Camera unavailable' : 'Microphone unavailable' };
  }
  return { ...base, title: 'The video session failed' };
}

/** The headline of a token server error that came without a problem title. */
function httpFallbackTitle(error: TokenServerHttpError): string {
  if (error instanceof RoomAdminNotFoundError) {
    return 'Not found';
  }
  if (error instanceof RoomAdminForbiddenError) {
    return 'You may not manage this room';
  }
  if (error instanceof RoomAdminUnavailableError) {
    return 'The video server is unavailable';
  }
  if (error instanceof RoomAdminNotSupportedError) {
    return 'Room management is not available';
  }
  return error.status < 500 ? 'The token server refused the request' : 'The token server failed';
}

/**
 * What the page says when a connected session ended without the user leaving: who ended it, in
 * the participant's words. `endedByMe`: this page's host ended the session for everyone.
 */
export function describeSessionEnd(reason: DisconnectReason | undefined, endedByMe = false): string {
  switch (reason) {
    case 'removed':
      return 'The host removed you from this session.';
    case 'room_ended':
      return endedByMe ? 'You ended this session for everyone.' : 'The host ended this session.';
    case 'duplicate_identity':
      return 'You joined this session from another window or device, so it ended here.';
    case 'left':
      return 'You left the live session.';
    case 'server_shutdown':
      return 'The video server is shutting down, so the session ended. Try joining again in a moment.';
    default:
      return 'The live session ended or the connection was lost.';
  }
}
