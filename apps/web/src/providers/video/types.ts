/**
 * The provider-neutral video contract of the LMS front end.
 *
 * The words mirror the Rust side (`crates/video-core`): a {@link JoinRequest} (room, user
 * identity, display name, role) is turned by the token server into a {@link JoinTicket} (a
 * signed token and the media server URL), and a {@link VideoProvider} uses that ticket to put
 * the participant into the room. Vendors live in `./providers/<name>/` and are created through
 * `createVideoProvider()` in `./index.ts`; nothing outside those folders imports a vendor SDK.
 */

/** The names of the providers `createVideoProvider()` knows, as in the server's `VIDEO_PROVIDER`. */
export type VideoProviderName = 'livekit';

/**
 * What a participant may do in a room; the token server turns it into permissions.
 *
 * - `host`: the instructor (publish, data, room admin);
 * - `participant`: a student (publish camera and microphone, subscribe, data);
 * - `viewer`: subscribe only.
 */
export type ParticipantRole = 'host' | 'participant' | 'viewer';

/** All roles, in the order the token server documents them. */
export const PARTICIPANT_ROLES: readonly ParticipantRole[] = ['host', 'participant', 'viewer'];

/** A request to let one participant into one room, as sent to the token server. */
export interface JoinRequest {
  /** The room, e.g. `physics-101`. */
  readonly room: string;
  /** The participant's stable identity, e.g. the LMS user id. */
  readonly user: string;
  /** The name other participants see; the server falls back to the identity. */
  readonly displayName?: string;
  /** Defaults to `participant` for `joinRoom()` and to `host` for `createRoom()`. */
  readonly role?: ParticipantRole;
}

/**
 * What a client needs to join: the token server's answer, mapped from the wire once
 * (`expires_at` becomes {@link JoinTicket.expiresAt}) by `parseJoinTicket()`.
 */
export interface JoinTicket {
  /** The signed access token; a credential, never log it. */
  readonly token: string;
  /** The media server's URL, e.g. `wss://video.example.edu`. */
  readonly url: string;
  /** The identity the token was issued to. */
  readonly identity: string;
  /** The room the token admits to. */
  readonly room: string;
  /** When the media server stops accepting the token. */
  readonly expiresAt: Date;
}

/**
 * A room prepared by {@link VideoProvider.createRoom}: the validated room name, the host's
 * ticket and the request that produced it (so the ticket can be renewed). Pass it to
 * {@link VideoProvider.joinRoom}.
 */
export interface RoomHandle {
  /** The provider that prepared the room; a handle only works with that provider. */
  readonly provider: VideoProviderName;
  /** The validated room name. */
  readonly room: string;
  /** The request the ticket was issued for, with its role filled in. */
  readonly request: Readonly<JoinRequest> & { readonly role: ParticipantRole };
  /** The ticket fetched while preparing; renewed by `joinRoom()` when close to expiry. */
  readonly ticket: JoinTicket;
}

/** Which local devices to publish once connected. */
export interface PublishOptions {
  readonly camera?: boolean;
  readonly microphone?: boolean;
}

/** Options for {@link VideoProvider.connect} and {@link VideoProvider.joinRoom}. */
export interface JoinOptions {
  /**
   * Local media to start publishing after the connection is up. Defaults to camera and
   * microphone, except for the `viewer` role, which publishes nothing. Failures (no device,
   * permission refused) do not fail the join: they are reported as `localMediaError` events.
   */
  readonly publish?: PublishOptions;
}

/** The state of the connection to the media server. */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** A participant as the UI sees it. */
export interface ParticipantInfo {
  /** The participant's stable identity (the token's subject). */
  readonly identity: string;
  /** The display name, when the participant has one. */
  readonly name: string | undefined;
  /** Whether this is the local participant. */
  readonly isLocal: boolean;
}

/** The events a provider emits, with their arguments. */
export interface VideoProviderEvents {
  /** The connection state changed; the new state is also in {@link VideoProvider.connectionState}. */
  connectionStateChanged: [state: ConnectionState];
  /** A participant entered the room (the local one once connected, then each remote one). */
  participantJoined: [participant: ParticipantInfo];
  /** A participant left the room, or the local participant left it. */
  participantLeft: [participant: ParticipantInfo];
  /** A local camera or microphone could not be published or toggled. */
  localMediaError: [error: LocalMediaError];
}

/** The name of an event of {@link VideoProviderEvents}. */
export type VideoProviderEventName = keyof VideoProviderEvents;

/** A listener for one event of {@link VideoProviderEvents}. */
export type VideoProviderListener<E extends VideoProviderEventName> = (
  ...args: VideoProviderEvents[E]
) => void;

/**
 * A video vendor behind one contract, so the LMS can start and join live sessions without
 * knowing which vendor serves them. One provider instance holds at most one room connection.
 *
 * Every promise rejects only with a {@link VideoProviderError} subclass, so callers can switch
 * on `error.name` / `error.code` and show `error.message` to the user.
 */
export interface VideoProvider {
  /** The provider's configuration name, as in the server's `VIDEO_PROVIDER`. */
  readonly name: VideoProviderName;

  /** The current connection state; `disconnected` before the first join and after leaving. */
  readonly connectionState: ConnectionState;

  /** The participants in the current room, local first; empty when not connected. */
  readonly participants: readonly ParticipantInfo[];

  /**
   * Connects to the room a ticket admits to, with a ticket the caller obtained itself (for an
   * LMS that fetches tickets through its own back end).
   *
   * Resolves once the media connection is established (state `connected`); local media is
   * then published as {@link JoinOptions.publish} asks, without delaying the promise.
   *
   * Rejects with {@link JoinTicketExpiredError} for an expired ticket,
   * {@link RoomStateError} (`already_in_room`) while already in a room, and
   * {@link RoomConnectionError} when the media server cannot be reached or refuses the token;
   * after a rejection the provider is `disconnected` again.
   */
  connect(ticket: JoinTicket, options?: JoinOptions): Promise<void>;

  /**
   * Prepares a room for a host (the instructor's "Start Live Session"). Vendors may create rooms
   * lazily on first join, so this method's meaning is defined here, not by the vendor:
   *
   * 1. validates the room name with the server's rules ({@link InvalidJoinRequestError} with the
   *    server's code, e.g. `parameter_too_long`, before any request is sent);
   * 2. fetches a ticket for the request (role `host` unless given) from the token server, which
   *    proves the server accepts the request (token endpoint errors reject as for `joinRoom`);
   * 3. warms the connection to the media server the ticket names, so that joining is fast.
   *
   * Resolves to a {@link RoomHandle} to pass to {@link joinRoom}. Rejects with
   * {@link RoomStateError} (`already_in_room`) while the provider is in a room.
   */
  createRoom(request: JoinRequest): Promise<RoomHandle>;

  /**
   * Joins a room: a {@link RoomHandle} from {@link createRoom} (its ticket is reused, or renewed
   * when it is about to expire), or a {@link JoinRequest} (role `participant` unless given; the
   * student's "Join"), for which a ticket is fetched from the token server first.
   *
   * Resolves as {@link connect} does. Rejects with the token endpoint errors
   * ({@link TokenRequestNetworkError}, {@link TokenRequestRejectedError}, {@link TokenServerError},
   * {@link TokenResponseInvalidError}) or with the errors of {@link connect}.
   */
  joinRoom(target: RoomHandle | JoinRequest, options?: JoinOptions): Promise<void>;

  /**
   * Leaves the current room: unpublishes and stops local media and closes the connection.
   * Resolves once disconnected; resolves at once when not in a room. Never rejects.
   */
  leaveRoom(): Promise<void>;

  /**
   * Subscribes to an event. Returns a function that removes the listener. Listeners are called
   * synchronously, in subscription order; an exception in one does not reach the others.
   */
  on<E extends VideoProviderEventName>(event: E, listener: VideoProviderListener<E>): () => void;
}

/**
 * An RFC 9457 problem details body, as the token server sends with every error
 * (`application/problem+json`). Only the members that were present and well-typed are set.
 */
export interface ProblemDetails {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  /** The stable machine-readable code, e.g. `parameter_too_long` or `provider_unavailable`. */
  readonly code?: string;
  /** The query parameter at fault (`room`, `user`, `name`, `role`), for parameter problems. */
  readonly parameter?: string;
}

/** Options of every provider error: the underlying cause, kept for debugging only. */
export interface VideoProviderErrorOptions {
  readonly cause?: unknown;
}

/**
 * The base of every error a {@link VideoProvider} rejects with. `name` is stable (it does not
 * depend on minified class names) and `code` is a stable, machine-readable reason; `message` is
 * safe to show to users and never contains a token.
 */
export abstract class VideoProviderError extends Error {
  abstract override readonly name: string;
  /** A stable, snake_case reason, e.g. `parameter_too_long`, `network_error`, `timeout`. */
  readonly code: string;

  protected constructor(code: string, message: string, options?: VideoProviderErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Which part of a {@link JoinRequest} a validation rule refused. */
export type JoinRequestField = 'room' | 'user' | 'displayName';

/**
 * The token server's codes for a name that breaks one of its rules (`RoomName`,
 * `ParticipantIdentity`, `DisplayName`): empty, longer than 256 bytes of UTF-8, or holding a
 * control character.
 */
export type NameRuleCode = 'empty_parameter' | 'parameter_too_long' | 'invalid_characters';

/** A request refused locally, before any network call, with the server's rule and code. */
export class InvalidJoinRequestError extends VideoProviderError {
  override readonly name = 'InvalidJoinRequestError';
  declare readonly code: NameRuleCode;
  /** The refused field of the {@link JoinRequest}. */
  readonly field: JoinRequestField;
  /** The same field's query parameter on the wire (`room`, `user`, `name`), as in the server's problem. */
  readonly parameter: 'room' | 'user' | 'name';

  constructor(field: JoinRequestField, code: NameRuleCode, message: string) {
    super(code, message);
    this.field = field;
    this.parameter = field === 'displayName' ? 'name' : field;
  }
}

/** The token server could not be reached, or did not answer in time. */
export class TokenRequestNetworkError extends VideoProviderError {
  override readonly name = 'TokenRequestNetworkError';
  declare readonly code: 'network_error' | 'timeout';

  constructor(code: 'network_error' | 'timeout', message: string, options?: VideoProviderErrorOptions) {
    super(code, message, options);
  }
}

/** The token server answered with an HTTP error status (and, normally, problem details). */
export abstract class TokenEndpointHttpError extends VideoProviderError {
  /** The HTTP status. */
  readonly status: number;
  /** The problem details body, when the server sent one. */
  readonly problem: ProblemDetails | undefined;

  protected constructor(status: number, problem: ProblemDetails | undefined, fallback: string) {
    const code = problem?.code ?? `http_${status}`;
    const message =
      problem?.title !== undefined && problem.detail !== undefined
        ? `${problem.title}: ${problem.detail}`
        : (problem?.detail ?? problem?.title ?? `${fallback} (HTTP ${status})`);
    super(code, message);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * The token server refused the request (HTTP 4xx): the caller's fault, e.g. `empty_parameter`,
 * `parameter_too_long`, `invalid_characters`, `missing_parameter` or `unknown_role`. `code` is
 * the problem's `code`, or `http_<status>` when the body had none.
 */
export class TokenRequestRejectedError extends TokenEndpointHttpError {
  override readonly name = 'TokenRequestRejectedError';

  constructor(status: number, problem: ProblemDetails | undefined) {
    super(status, problem, 'The token server refused the request');
  }
}

/**
 * The token server failed (HTTP 5xx), e.g. `provider_unavailable` (503, retry later) or
 * `internal_error` (500). `code` is the problem's `code`, or `http_<status>`.
 */
export class TokenServerError extends TokenEndpointHttpError {
  override readonly name = 'TokenServerError';

  constructor(status: number, problem: ProblemDetails | undefined) {
    super(status, problem, 'The token server failed');
  }
}

/** The token server's answer was not a ticket: not JSON, missing fields, or an unexpected status. */
export class TokenResponseInvalidError extends VideoProviderError {
  override readonly name = 'TokenResponseInvalidError';
  declare readonly code: 'invalid_response' | 'unexpected_status';

  constructor(code: 'invalid_response' | 'unexpected_status', message: string, options?: VideoProviderErrorOptions) {
    super(code, message, options);
  }
}

/** A ticket that expired before it was used. */
export class JoinTicketExpiredError extends VideoProviderError {
  override readonly name = 'JoinTicketExpiredError';
  readonly expiresAt: Date;

  constructor(expiresAt: Date) {
    super('ticket_expired', `The join ticket expired at ${expiresAt.toISOString()}`);
    this.expiresAt = expiresAt;
  }
}

/** The call does not fit the provider's state, e.g. joining while already in a room. */
export class RoomStateError extends VideoProviderError {
  override readonly name = 'RoomStateError';
  declare readonly code: 'already_in_room' | 'foreign_handle';

  constructor(code: 'already_in_room' | 'foreign_handle', message: string) {
    super(code, message);
  }
}

/**
 * Why the media connection failed, in provider-neutral snake_case:
 * `not_allowed` (token refused), `server_unreachable`, `timeout`, `cancelled` (left while
 * connecting), `leave_request` (removed by the server), `internal_error`, `websocket`,
 * `service_not_found`, or `unknown`.
 */
export type RoomConnectionErrorCode =
  | 'not_allowed'
  | 'server_unreachable'
  | 'internal_error'
  | 'cancelled'
  | 'leave_request'
  | 'timeout'
  | 'websocket'
  | 'service_not_found'
  | 'unknown';

/** The media server could not be reached, or refused the connection. */
export class RoomConnectionError extends VideoProviderError {
  override readonly name = 'RoomConnectionError';
  declare readonly code: RoomConnectionErrorCode;
  /** The HTTP status the media server answered with, when known. */
  readonly status: number | undefined;

  constructor(
    code: RoomConnectionErrorCode,
    message: string,
    status: number | undefined,
    options?: VideoProviderErrorOptions,
  ) {
    super(code, message, options);
    this.status = status;
  }
}

/** `createVideoProvider()` was asked for a provider it does not know. */
export class UnknownVideoProviderError extends VideoProviderError {
  override readonly name = 'UnknownVideoProviderError';
  /** The name that was asked for. */
  readonly providerName: string;

  constructor(providerName: string, known: readonly string[]) {
    super('unknown_provider', `Unknown video provider "${providerName}"; known: ${known.join(', ')}`);
    this.providerName = providerName;
  }
}

/** Which local device a {@link LocalMediaError} is about. */
export type LocalMediaSource = 'camera' | 'microphone';

/**
 * A local camera or microphone could not be started: `permission_denied`, `device_not_found`,
 * `device_in_use` or `media_error`. Emitted as `localMediaError`; the join itself stands.
 */
export class LocalMediaError extends VideoProviderError {
  override readonly name = 'LocalMediaError';
  declare readonly code: 'permission_denied' | 'device_not_found' | 'device_in_use' | 'media_error';
  readonly source: LocalMediaSource;

  constructor(
    code: 'permission_denied' | 'device_not_found' | 'device_in_use' | 'media_error',
    source: LocalMediaSource,
    message: string,
    options?: VideoProviderErrorOptions,
  ) {
    super(code, message, options);
    this.source = source;
  }
}
