import {
  InvalidJoinRequestError,
  JoinTicketExpiredError,
  LocalMediaError,
  RoomConnectionError,
  TokenEndpointHttpError,
  TokenRequestNetworkError,
  TokenResponseInvalidError,
  VideoProviderError,
} from '../providers/video';

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
  if (error instanceof TokenEndpointHttpError) {
    const fallback = error.status < 500 ? 'The token server refused the request' : 'The token server failed';
    return {
      ...base,
      title: error.problem?.title ?? fallback,
      detail: error.problem?.detail ?? error.message,
      status: error.status,
    };
  }
  if (error instanceof TokenRequestNetworkError) {
    return { ...base, title: 'Cannot reach the token server' };
  }
  if (error instanceof TokenResponseInvalidError) {
    return { ...base, title: 'The token server sent an unusable answer' };
  }
  if (error instanceof InvalidJoinRequestError) {
    return { ...base, title: 'Please check the form' };
  }
  if (error instanceof JoinTicketExpiredError) {
    return { ...base, title: 'The join ticket has expired' };
  }
  if (error instanceof RoomConnectionError && error.code === 'not_allowed') {
    return {
      ...base,
      title: 'The video server refused your access',
      detail:
        'The video server did not accept the access token: it has expired, or it was not signed with ' +
        "this video server's key (the token server's LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be the " +
        `video server's). Try again; if it keeps failing, tell your administrator. (${error.message})`,
      status: error.status,
    };
  }
  if (error instanceof RoomConnectionError) {
    return { ...base, title: 'Cannot connect to the video server', status: error.status };
  }
  if (error instanceof LocalMediaError) {
    return { ...base, title: error.source === 'camera' ? 'Camera unavailable' : 'Microphone unavailable' };
  }
  return { ...base, title: 'The video session failed' };
}
