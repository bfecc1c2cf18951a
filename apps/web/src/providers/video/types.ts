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
export type VideoProviderName = 'livekit' | 'daily' | 'twilio' | 'google-meet';

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
  /**
   * The provider the ticket is for (the wire's `provider`). Absent means `livekit`, as the token
   * server answered before it served several providers; `parseJoinTicket()` always sets it. A
   * provider refuses a ticket for another one ({@link JoinTicketProviderMismatchError}).
   */
  readonly provider?: VideoProviderName;
  /**
   * The signed access token; a credential, never log it. Empty for Google Meet, whose link needs
   * no token (Meet knows participants by their Google account).
   */
  readonly token: string;
  /**
   * Where to connect: LiveKit's media server (`wss://video.example.edu`), Daily's room URL
   * (`https://{domain}.daily.co/{room}`), Google Meet's meeting link
   * (`https://meet.google.com/abc-mnop-xyz`, always `https:`); empty for Twilio, whose SDK
   * connects with the token alone.
   */
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
   * The role the ticket was issued for, for {@link VideoProvider.connect}: only providers whose
   * tokens carry no permissions (Twilio) use it, to publish what the role allows; default
   * `participant`. `joinRoom()` takes the role from its request or handle instead.
   */
  readonly role?: ParticipantRole;
  /**
   * Local media to start publishing after the connection is up. Defaults to camera and
   * microphone, except for the `viewer` role, which publishes nothing. Failures (no device,
   * permission refused) do not fail the join: they are reported as `localMediaError` events.
   * Google Meet publishes nothing from the page: a `publish` that turns a device on makes its
   * join reject with {@link OperationNotSupportedError}.
   */
  readonly publish?: PublishOptions;
}

/** The state of the connection to the media server. */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/**
 * Why a connected session ended, in provider-neutral words:
 *
 * - `left`: this page left (`leaveRoom()`);
 * - `removed`: a host or the LMS removed this participant (`removeParticipant`);
 * - `room_ended`: a host or the LMS ended the session for everyone (`endRoom`);
 * - `duplicate_identity`: the same identity joined from elsewhere, which replaced this page;
 * - `server_shutdown`: the media server is shutting down;
 * - `connection_lost`: the connection failed for good (signalling closed, timeout, media failure);
 * - `unknown`: the media server gave another reason, or none.
 */
export type DisconnectReason =
  | 'left'
  | 'removed'
  | 'room_ended'
  | 'duplicate_identity'
  | 'server_shutdown'
  | 'connection_lost'
  | 'unknown';

/** A kind of media a participant publishes, as the token server names it. */
export type TrackSource = 'camera' | 'microphone' | 'screen_share' | 'screen_share_audio';

/** All track sources, in the token server's order. */
export const TRACK_SOURCES: readonly TrackSource[] = ['camera', 'microphone', 'screen_share', 'screen_share_audio'];

/** What "invite to speak" lets a participant publish. */
export const SPEAKER_SOURCES: readonly TrackSource[] = ['camera', 'microphone'];

/** A participant as the UI sees it. */
export interface ParticipantInfo {
  /** The participant's stable identity (the token's subject). */
  readonly identity: string;
  /** The display name, when the participant has one. */
  readonly name: string | undefined;
  /** Whether this is the local participant. */
  readonly isLocal: boolean;
}

/**
 * One participant's media as plain browser tracks, for a page that renders its own tiles (the
 * Daily and Twilio views): `undefined` when the participant has no such track now, or it cannot
 * be played yet.
 */
export interface ParticipantMedia {
  readonly participant: ParticipantInfo;
  readonly camera: MediaStreamTrack | undefined;
  readonly microphone: MediaStreamTrack | undefined;
}

/**
 * A provider that exposes its participants' media as {@link ParticipantMedia} (Daily, Twilio;
 * LiveKit's page uses LiveKit's own components instead). Read it again after
 * `participantJoined`, `participantLeft` and `participantUpdated`.
 */
export interface MediaTracksSource {
  /** Every participant's media, local first; empty when not connected. */
  mediaTracks(): ParticipantMedia[];
}

/** Whether `provider` exposes {@link MediaTracksSource.mediaTracks}. */
export function hasMediaTracks<P extends object>(provider: P): provider is P & MediaTracksSource {
  return typeof (provider as Partial<MediaTracksSource>).mediaTracks === 'function';
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
  /**
   * A participant (local or remote) published, unpublished, muted or unmuted a track, or what
   * they may publish changed: a moment to refresh a view of the room (e.g. `listParticipants`).
   */
  participantUpdated: [participant: ParticipantInfo];
  /**
   * What the local participant may publish changed during the session: a host invited them to
   * speak (`sources` no longer empty) or sent them back (`sources` empty). The new value is also
   * in {@link VideoProvider.publishSources}.
   */
  publishSourcesChanged: [sources: readonly TrackSource[], previous: readonly TrackSource[]];
  /**
   * The session ended for this page, after `connectionStateChanged('disconnected')`; the reason
   * is also in {@link VideoProvider.disconnectReason}. Only for a session that was connected.
   */
  disconnected: [reason: DisconnectReason];
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
 * Google Meet's provider is the exception to "connection": Meet cannot run inside the page, so
 * its join hands over the meeting's link and the page never connects (its state stays
 * `disconnected`); what cannot exist without media in the page rejects or throws
 * {@link OperationNotSupportedError}. See `GoogleMeetVideoProvider`.
 *
 * Every promise rejects only with a {@link VideoProviderError} subclass, so callers can switch
 * on `error.name` / `error.code` and show `error.message` to the user.
 *
 * Room administration ({@link RoomAdmin}) goes through the token server, which is
 * provider-neutral, so every provider offers it; a server whose provider cannot administer rooms
 * answers {@link RoomAdminNotSupportedError}.
 */
export interface VideoProvider extends RoomAdmin {
  /** The provider's configuration name, as in the server's `VIDEO_PROVIDER`. */
  readonly name: VideoProviderName;

  /** The current connection state; `disconnected` before the first join and after leaving. */
  readonly connectionState: ConnectionState;

  /** The participants in the current room, local first; empty when not connected. */
  readonly participants: readonly ParticipantInfo[];

  /**
   * What the local participant may publish now (the media server's permission); empty when not
   * connected and for a viewer who was not invited to speak.
   */
  readonly publishSources: readonly TrackSource[];

  /**
   * Why the last connected session ended; `undefined` before the first one ends and from the
   * moment the next one starts connecting.
   */
  readonly disconnectReason: DisconnectReason | undefined;

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
   * Starts (or stops) publishing local media in the current room, e.g. after a host invited this
   * viewer to speak: `true` turns a device on, `false` off, absent leaves it as it is. Resolves
   * once done; failures (no device, permission refused, not allowed to publish) are
   * `localMediaError` events, as after a join. Resolves at once when not connected.
   *
   * Rejects with {@link OperationNotSupportedError} for a provider whose sessions run outside
   * the page (Google Meet), which has no local media to publish.
   */
  publishLocalMedia(publish: PublishOptions): Promise<void>;

  /**
   * Leaves the current room: unpublishes and stops local media and closes the connection.
   * Resolves once disconnected; resolves at once when not in a room. Never rejects.
   */
  leaveRoom(): Promise<void>;

  /**
   * Subscribes to an event. Returns a function that removes the listener. Listeners are called
   * synchronously, in subscription order; an exception in one does not reach the others.
   *
   * Throws {@link OperationNotSupportedError} for an event the provider can never see: Google
   * Meet's provider refuses the participant events (`participantJoined`, `participantLeft`,
   * `participantUpdated`, `publishSourcesChanged`), which happen in Meet's tab, not in the page.
   */
  on<E extends VideoProviderEventName>(event: E, listener: VideoProviderListener<E>): () => void;
}

/** A room as the media server describes it (the token server's `Room`, mapped once). */
export interface RoomInfo {
  /** The room's name, e.g. `physics-101`. */
  readonly name: string;
  /** How many participants are in the room now. */
  readonly participants: number;
  /** When the room was opened. */
  readonly createdAt: Date;
  /** The most participants the room admits; `undefined`: no limit. */
  readonly maxParticipants: number | undefined;
  /** Seconds an empty room stays open; `undefined`: the media server's default. */
  readonly emptyTimeoutSeconds: number | undefined;
  /** Free-form metadata, `''` when none. */
  readonly metadata: string;
}

/**
 * How to open a room ({@link RoomAdmin.openRoom}); each absent member keeps the media server's
 * default. (Not livekit-client's `RoomOptions`, which configure one client's connection.)
 */
export interface RoomOptions {
  readonly maxParticipants?: number;
  readonly emptyTimeoutSeconds?: number;
  readonly metadata?: string;
}

/** Whether a track carries sound or pictures. */
export type TrackKind = 'audio' | 'video';

/** A track a participant publishes. */
export interface TrackInfo {
  /** The media server's id of the track (LiveKit's track sid, e.g. `TR_AMkd8`). */
  readonly id: string;
  readonly kind: TrackKind;
  /** Which device or share it comes from; `undefined` when the server does not say. */
  readonly source: TrackSource | undefined;
  readonly muted: boolean;
  /** The track's name, `''` when none. */
  readonly name: string;
}

/** A participant as the media server describes it, with what they publish and may publish. */
export interface ParticipantDetails {
  readonly identity: string;
  /** The display name; `undefined` when the participant has none. */
  readonly displayName: string | undefined;
  /** The role their token granted; `undefined` for a participant the token server did not admit. */
  readonly role: ParticipantRole | undefined;
  /** When they joined. */
  readonly joinedAt: Date;
  /** What they may publish now; empty: nothing (a viewer, or a student sent back). */
  readonly publishSources: readonly TrackSource[];
  /** The tracks they publish. */
  readonly tracks: readonly TrackInfo[];
}

/**
 * Room administration, for the LMS back end or a host of the room, in the same words as the Rust
 * trait (`video_core::RoomAdmin`) and through the token server's `/api/video/rooms` routes.
 *
 * Names are checked with the server's rules before any request
 * ({@link InvalidRoomAdminRequestError}); every other failure rejects with a
 * {@link RoomAdminHttpError} subclass (not found, forbidden, unavailable, not supported,
 * rejected, server failure), {@link RoomAdminNetworkError} or
 * {@link RoomAdminResponseInvalidError}.
 */
export interface RoomAdmin {
  /** Opens a room with `options` (`POST /api/video/rooms`); opening an open room resolves to it. */
  openRoom(name: string, options?: RoomOptions): Promise<RoomInfo>;
  /** The open rooms (`GET /api/video/rooms`); a host's session token sees only the rooms it hosts. */
  listRooms(): Promise<RoomInfo[]>;
  /** One room (`GET /api/video/rooms/{room}`); {@link RoomAdminNotFoundError} `room_not_found`. */
  getRoom(name: string): Promise<RoomInfo>;
  /**
   * Ends the session for everyone (`DELETE /api/video/rooms/{room}`): every participant is
   * disconnected, with the reason `room_ended`.
   */
  endRoom(name: string): Promise<void>;
  /** The participants in a room (`GET .../participants`), with their tracks. */
  listParticipants(room: string): Promise<ParticipantDetails[]>;
  /** One participant (`GET .../participants/{identity}`); `participant_not_found` when absent. */
  getParticipant(room: string, identity: string): Promise<ParticipantDetails>;
  /**
   * Removes a participant (`DELETE .../participants/{identity}`): they are disconnected with the
   * reason `removed`, and the tokens issued to them before now no longer admit them; a fresh
   * token from the token server still does.
   */
  removeParticipant(room: string, identity: string): Promise<void>;
  /** Mutes or unmutes one of a participant's tracks (`POST .../tracks/{track}/mute`); resolves to the track. */
  muteTrack(room: string, identity: string, trackId: string, muted: boolean): Promise<TrackInfo>;
  /**
   * Sets what a participant may publish (`PUT .../permissions`): {@link SPEAKER_SOURCES} invites
   * them to speak, `[]` sends them back (their tracks are unpublished). Resolves to the participant.
   */
  setPublishSources(room: string, identity: string, sources: readonly TrackSource[]): Promise<ParticipantDetails>;
}

/** Invites a participant to speak: lets them publish camera and microphone ({@link SPEAKER_SOURCES}). */
export function inviteToSpeak(admin: RoomAdmin, room: string, identity: string): Promise<ParticipantDetails> {
  return admin.setPublishSources(room, identity, SPEAKER_SOURCES);
}

/** Sends a participant back to listening: they may publish nothing, and their tracks are unpublished. */
export function sendBack(admin: RoomAdmin, room: string, identity: string): Promise<ParticipantDetails> {
  return admin.setPublishSources(room, identity, []);
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

/** The token server could not be reached (`network_error`), or did not answer in time (`timeout`). */
export abstract class TokenServerNetworkError extends VideoProviderError {
  declare readonly code: 'network_error' | 'timeout';

  constructor(code: 'network_error' | 'timeout', message: string, options?: VideoProviderErrorOptions) {
    super(code, message, options);
  }
}

/** The token server's answer was not what the client expects (`invalid_response`, `unexpected_status`). */
export abstract class TokenServerResponseInvalidError extends VideoProviderError {
  declare readonly code: 'invalid_response' | 'unexpected_status';

  constructor(code: 'invalid_response' | 'unexpected_status', message: string, options?: VideoProviderErrorOptions) {
    super(code, message, options);
  }
}

/** The token server could not be reached for a ticket, or did not answer in time. */
export class TokenRequestNetworkError extends TokenServerNetworkError {
  override readonly name = 'TokenRequestNetworkError';
}

/**
 * The token server answered with an HTTP error status (and, normally, problem details): `code`
 * is the problem's `code`, or `http_<status>` when the body had none.
 */
export abstract class TokenServerHttpError extends VideoProviderError {
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

/** The token endpoint answered with an HTTP error status. */
export abstract class TokenEndpointHttpError extends TokenServerHttpError {}

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
export class TokenResponseInvalidError extends TokenServerResponseInvalidError {
  override readonly name = 'TokenResponseInvalidError';
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
 * `not_allowed` (token refused), `room_not_found` (the vendor has no such room: Daily and Twilio
 * rooms that were not created), `room_full`, `server_unreachable`, `timeout`, `cancelled` (left while
 * connecting), `leave_request` (removed by the server), `internal_error`, `websocket`,
 * `service_not_found`, or `unknown`.
 */
export type RoomConnectionErrorCode =
  | 'not_allowed'
  | 'room_not_found'
  | 'room_full'
  | 'server_unreachable'
  | 'internal_error'
  | 'cancelled'
  | 'leave_request'
  | 'timeout'
  | 'websocket'
  | 'service_not_found'
  | 'unknown';

/** Options of a {@link RoomConnectionError}: its cause, and why the server sent the participant away. */
export interface RoomConnectionErrorOptions extends VideoProviderErrorOptions {
  readonly disconnectReason?: DisconnectReason;
  /** The provider whose media server refused; absent for LiveKit's errors, as before. */
  readonly provider?: VideoProviderName;
}

/** The media server could not be reached, or refused the connection. */
export class RoomConnectionError extends VideoProviderError {
  override readonly name = 'RoomConnectionError';
  declare readonly code: RoomConnectionErrorCode;
  /** The HTTP status the media server answered with, when known. */
  readonly status: number | undefined;
  /**
   * Why the media server ended the connection before it was complete, when it said (code
   * `leave_request`): e.g. `removed` for a participant a host removed, or who came back with a
   * token issued before the removal.
   */
  readonly disconnectReason: DisconnectReason | undefined;
  /** The provider whose media server this is, when the provider said (Daily, Twilio). */
  readonly provider: VideoProviderName | undefined;

  constructor(
    code: RoomConnectionErrorCode,
    message: string,
    status: number | undefined,
    options?: RoomConnectionErrorOptions,
  ) {
    super(code, message, options);
    this.status = status;
    this.disconnectReason = options?.disconnectReason;
    this.provider = options?.provider;
  }
}

/**
 * A ticket for another provider than the one using it (code `provider_mismatch`): the token
 * server answered for another vendor (its default `VIDEO_PROVIDER`, or the course's), or
 * `connect()` was given a ticket fetched for another provider. `actual` is the ticket's
 * `provider` as sent (absent on the wire means `livekit`).
 */
export class JoinTicketProviderMismatchError extends VideoProviderError {
  override readonly name = 'JoinTicketProviderMismatchError';
  declare readonly code: 'provider_mismatch';
  /** The provider that asked for, or was given, the ticket. */
  readonly expected: VideoProviderName;
  /** The provider the ticket is for. */
  readonly actual: string;

  constructor(expected: VideoProviderName, actual: string) {
    super(
      'provider_mismatch',
      `The ticket is for the ${JSON.stringify(actual.slice(0, 64))} video provider, not for ${expected}`,
    );
    this.expected = expected;
    this.actual = actual;
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

/**
 * The provider cannot do this at all (code `not_supported`), whatever its state: e.g. publishing
 * local media, or hearing of participants, with Google Meet, whose sessions run in Meet's own tab
 * rather than in the page. Not a room administration 501, which is {@link RoomAdminNotSupportedError}.
 */
export class OperationNotSupportedError extends VideoProviderError {
  override readonly name = 'OperationNotSupportedError';
  declare readonly code: 'not_supported';
  /** The provider that cannot do it. */
  readonly provider: VideoProviderName;
  /** What was asked, e.g. `publishLocalMedia` or `on('participantJoined')`. */
  readonly operation: string;

  constructor(provider: VideoProviderName, operation: string, message: string) {
    super('not_supported', message);
    this.provider = provider;
    this.operation = operation;
  }
}

/** Which local device a {@link LocalMediaError} is about. */
export type LocalMediaSource = 'camera' | 'microphone';

/** Why a local camera or microphone could not be started or toggled. */
export type LocalMediaErrorCode = 'permission_denied' | 'device_not_found' | 'device_in_use' | 'not_allowed' | 'media_error';

/**
 * A local camera or microphone could not be started: `permission_denied` (the browser or the
 * user refused it), `device_not_found`, `device_in_use`, `not_allowed` (the participant may not
 * publish that source: see {@link VideoProvider.publishSources}) or `media_error`. Emitted as
 * `localMediaError`; the join itself stands.
 */
export class LocalMediaError extends VideoProviderError {
  override readonly name = 'LocalMediaError';
  declare readonly code: LocalMediaErrorCode;
  readonly source: LocalMediaSource;

  constructor(
    code: LocalMediaErrorCode,
    source: LocalMediaSource,
    message: string,
    options?: VideoProviderErrorOptions,
  ) {
    super(code, message, options);
    this.source = source;
  }
}

/** Which part of a {@link RoomAdmin} call a name rule refused: its path segment. */
export type RoomAdminParameter = 'room' | 'identity' | 'track';

/** A room administration call refused locally, before any request, with the server's rule and code. */
export class InvalidRoomAdminRequestError extends VideoProviderError {
  override readonly name = 'InvalidRoomAdminRequestError';
  declare readonly code: NameRuleCode;
  /** The refused argument. */
  readonly parameter: RoomAdminParameter;

  constructor(parameter: RoomAdminParameter, code: NameRuleCode, message: string) {
    super(code, message);
    this.parameter = parameter;
  }
}

/** The token server could not be reached for a room administration call, or did not answer in time. */
export class RoomAdminNetworkError extends TokenServerNetworkError {
  override readonly name = 'RoomAdminNetworkError';
}

/** The token server answered a room administration call with an HTTP error status. */
export abstract class RoomAdminHttpError extends TokenServerHttpError {
  constructor(status: number, problem: ProblemDetails | undefined) {
    super(status, problem, status < 500 ? 'The token server refused the room administration call' : 'The token server failed');
  }
}

/** No such room (`room_not_found`), participant (`participant_not_found`) or track (`track_not_found`): HTTP 404. */
export class RoomAdminNotFoundError extends RoomAdminHttpError {
  override readonly name = 'RoomAdminNotFoundError';
}

/**
 * The caller may not administer this room: HTTP 401 (`missing_credentials`,
 * `invalid_credentials`) or 403 (`room_not_allowed`, `not_room_host`).
 */
export class RoomAdminForbiddenError extends RoomAdminHttpError {
  override readonly name = 'RoomAdminForbiddenError';
}

/**
 * Retry later: the media server is unreachable or slow (503 `provider_unavailable`) or the
 * caller sent too many requests (429 `rate_limited`).
 */
export class RoomAdminUnavailableError extends RoomAdminHttpError {
  override readonly name = 'RoomAdminUnavailableError';
  /** The server's `Retry-After`, in seconds, when it sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, problem: ProblemDetails | undefined, retryAfterSeconds: number | undefined) {
    super(status, problem);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The token server cannot administer rooms: its provider has no room administration (501
 * `not_supported`), or it has no such route (404 or 405 without a room administration code).
 */
export class RoomAdminNotSupportedError extends RoomAdminHttpError {
  override readonly name = 'RoomAdminNotSupportedError';
}

/**
 * The token server refused the call's input (HTTP 400: `empty_parameter`, `parameter_too_long`,
 * `invalid_characters`, `invalid_body`; or another 4xx).
 */
export class RoomAdminRejectedError extends RoomAdminHttpError {
  override readonly name = 'RoomAdminRejectedError';
}

/** The token server failed (HTTP 5xx other than 501 and 503), e.g. `internal_error`. */
export class RoomAdminServerError extends RoomAdminHttpError {
  override readonly name = 'RoomAdminServerError';
}

/** The token server's answer was not what the call expects: not JSON, missing fields, or an unexpected status. */
export class RoomAdminResponseInvalidError extends TokenServerResponseInvalidError {
  override readonly name = 'RoomAdminResponseInvalidError';
}
