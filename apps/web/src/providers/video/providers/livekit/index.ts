/**
 * The LiveKit {@link VideoProvider}, on `livekit-client`.
 *
 * Tickets come from the token server (`GET /api/video/token`); the token is handed to
 * `Room.connect()` together with the URL the server names (its `LIVEKIT_URL`). This is the only
 * module that imports `livekit-client`, apart from the page's LiveKit media view.
 */

import {
  ConnectionError,
  ConnectionErrorReason,
  ConnectionState as LiveKitConnectionState,
  DisconnectReason as LiveKitDisconnectReason,
  MediaDeviceFailure,
  Room,
  RoomEvent,
  Track,
  type Participant,
  type RemoteParticipant,
  type RoomConnectOptions,
  type RoomOptions as LiveKitRoomOptions,
} from 'livekit-client';

import { VideoProviderEmitter } from '../../events';
import { RoomAdminClient, RoomAdminRoutes } from '../../room-admin';
import { hostHandle, isRoomHandle, publishFor, ticketForJoin } from '../../session-provider';
import { TokenEndpoint, assertTicketUsable, type TokenEndpointOptions } from '../../token-endpoint';
import {
  LocalMediaError,
  RoomConnectionError,
  RoomStateError,
  TRACK_SOURCES,
  type ConnectionState,
  type DisconnectReason,
  type TrackSource,
  type JoinOptions,
  type JoinRequest,
  type JoinTicket,
  type LocalMediaSource,
  type ParticipantInfo,
  type PublishOptions,
  type RoomConnectionErrorCode,
  type RoomHandle,
  type VideoProvider,
  type VideoProviderEventName,
  type VideoProviderListener,
} from '../../types';

/** A handle's ticket closer than this to its expiry is renewed before joining. */
export const DEFAULT_TICKET_RENEWAL_MARGIN_MS = 60_000;

/** Options of {@link LiveKitVideoProvider}. Every member is optional. */
export interface LiveKitVideoProviderOptions {
  /**
   * How to reach the token server, for tickets (`/api/video/token`) and for room administration
   * (`/api/video/rooms`, with the same base URL, fetch, credentials, headers and timeout).
   * Default: same origin.
   */
  readonly tokenEndpoint?: TokenEndpointOptions;
  /** Passed to every `new Room()`. Default: adaptive stream and dynacast on. */
  readonly roomOptions?: LiveKitRoomOptions;
  /** Passed to every `Room.connect()`. Default: `livekit-client`'s defaults. */
  readonly connectOptions?: RoomConnectOptions;
  /** See {@link DEFAULT_TICKET_RENEWAL_MARGIN_MS}. */
  readonly ticketRenewalMarginMs?: number;
  /**
   * Whether token and room-administration requests carry `provider=livekit`. Default `true`, so
   * that a token server that serves several providers (`VIDEO_PROVIDERS`) answers for LiveKit
   * whatever its default. Set it to `false` only for a token server from before `VIDEO_PROVIDERS`, which
   * refuses parameters it does not know (400 `unknown_parameter`); without the parameter a
   * server answers for its default provider. Either way a ticket for another provider is refused
   * (`JoinTicketProviderMismatchError`).
   */
  readonly sendProviderParameter?: boolean;
}

const DEFAULT_ROOM_OPTIONS: LiveKitRoomOptions = { adaptiveStream: true, dynacast: true };

const CONNECTION_STATES: Record<LiveKitConnectionState, ConnectionState> = {
  [LiveKitConnectionState.Disconnected]: 'disconnected',
  [LiveKitConnectionState.Connecting]: 'connecting',
  [LiveKitConnectionState.Connected]: 'connected',
  [LiveKitConnectionState.Reconnecting]: 'reconnecting',
  [LiveKitConnectionState.SignalReconnecting]: 'reconnecting',
};

const CONNECTION_ERROR_CODES: Record<ConnectionErrorReason, RoomConnectionErrorCode> = {
  [ConnectionErrorReason.NotAllowed]: 'not_allowed',
  [ConnectionErrorReason.ServerUnreachable]: 'server_unreachable',
  [ConnectionErrorReason.InternalError]: 'internal_error',
  [ConnectionErrorReason.Cancelled]: 'cancelled',
  [ConnectionErrorReason.LeaveRequest]: 'leave_request',
  [ConnectionErrorReason.Timeout]: 'timeout',
  [ConnectionErrorReason.WebSocket]: 'websocket',
  [ConnectionErrorReason.ServiceNotFound]: 'service_not_found',
};

/** Why LiveKit ended a session, in the provider-neutral words; every other reason is `unknown`. */
const DISCONNECT_REASONS: Partial<Record<LiveKitDisconnectReason, DisconnectReason>> = {
  [LiveKitDisconnectReason.CLIENT_INITIATED]: 'left',
  [LiveKitDisconnectReason.PARTICIPANT_REMOVED]: 'removed',
  [LiveKitDisconnectReason.ROOM_DELETED]: 'room_ended',
  [LiveKitDisconnectReason.DUPLICATE_IDENTITY]: 'duplicate_identity',
  [LiveKitDisconnectReason.SERVER_SHUTDOWN]: 'server_shutdown',
  [LiveKitDisconnectReason.SIGNAL_CLOSE]: 'connection_lost',
  [LiveKitDisconnectReason.JOIN_FAILURE]: 'connection_lost',
  [LiveKitDisconnectReason.STATE_MISMATCH]: 'connection_lost',
  [LiveKitDisconnectReason.CONNECTION_TIMEOUT]: 'connection_lost',
  [LiveKitDisconnectReason.MEDIA_FAILURE]: 'connection_lost',
};

/** Maps the reason of livekit-client's `RoomEvent.Disconnected` to a {@link DisconnectReason}. */
export function toDisconnectReason(reason: LiveKitDisconnectReason | undefined): DisconnectReason {
  return (reason === undefined ? undefined : DISCONNECT_REASONS[reason]) ?? 'unknown';
}

/**
 * What a participant may publish now, from LiveKit's permission: nothing without `canPublish`,
 * every source when `canPublishSources` is empty (LiveKit's "no restriction"), else those sources,
 * in {@link TRACK_SOURCES}' order.
 */
export function publishSourcesOf(participant: Participant): TrackSource[] {
  const permission = participant.permissions;
  if (permission === undefined || !permission.canPublish) {
    return [];
  }
  if (permission.canPublishSources.length === 0) {
    return [...TRACK_SOURCES];
  }
  const allowed = new Set<string>(permission.canPublishSources.map((source) => Track.sourceFromProto(source)));
  return TRACK_SOURCES.filter((source) => allowed.has(source));
}

function sameSources(a: readonly TrackSource[], b: readonly TrackSource[]): boolean {
  return a.length === b.length && a.every((source, index) => source === b[index]);
}

/** A JSON Web Token (three base64url parts, the first of them a JSON object). */
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * `message` with every JWT in it replaced by `[token]`. The LiveKit server echoes a token it
 * refuses in its error text ("invalid token: eyJ…"), and error messages are shown to users.
 */
export function redactTokens(message: string): string {
  return message.replace(JWT_PATTERN, '[token]');
}

/**
 * How long a join waits for `Room.connect()` to settle once the room was disconnected while
 * connecting, before it ends the join itself.
 */
const CONNECT_SETTLE_MS = 500;

/**
 * Maps whatever `Room.connect()` rejected with to a {@link RoomConnectionError}, tokens redacted.
 * A leave request carries LiveKit's reason; otherwise `ended` is why the room was disconnected
 * while connecting, if it was.
 */
export function toRoomConnectionError(error: unknown, ended?: DisconnectReason): RoomConnectionError {
  if (error instanceof ConnectionError) {
    const code = CONNECTION_ERROR_CODES[error.reason as ConnectionErrorReason] ?? 'unknown';
    const status = typeof error.status === 'number' ? error.status : undefined;
    const disconnectReason =
      error.reason === ConnectionErrorReason.LeaveRequest
        ? toDisconnectReason(error.context as LiveKitDisconnectReason | undefined)
        : ended;
    return new RoomConnectionError(
      code,
      `Could not connect to the video server: ${redactTokens(error.message)}`,
      status,
      { cause: error, ...(disconnectReason !== undefined && { disconnectReason }) },
    );
  }
  const detail = redactTokens(error instanceof Error ? error.message : String(error));
  return new RoomConnectionError('unknown', `Could not connect to the video server: ${detail}`, undefined, {
    cause: error,
  });
}

/** Maps a camera or microphone failure to a {@link LocalMediaError}. */
export function toLocalMediaError(source: LocalMediaSource, error: unknown): LocalMediaError {
  const failure = MediaDeviceFailure.getFailure(error);
  const device = source === 'camera' ? 'camera' : 'microphone';
  switch (failure) {
    case MediaDeviceFailure.PermissionDenied:
      return new LocalMediaError('permission_denied', source, `Permission to use the ${device} was denied`, {
        cause: error,
      });
    case MediaDeviceFailure.NotFound:
      return new LocalMediaError('device_not_found', source, `No ${device} was found`, { cause: error });
    case MediaDeviceFailure.DeviceInUse:
      return new LocalMediaError('device_in_use', source, `The ${device} is in use by another program`, {
        cause: error,
      });
    default:
      return new LocalMediaError('media_error', source, `The ${device} could not be started`, { cause: error });
  }
}

function participantInfo(participant: Participant): ParticipantInfo {
  return {
    identity: participant.identity,
    name: participant.name === undefined || participant.name === '' ? undefined : participant.name,
    isLocal: participant.isLocal,
  };
}

/**
 * The LiveKit implementation of {@link VideoProvider}.
 *
 * `createRoom()` here means: check the name with the server's rules, fetch a host ticket from the
 * token server (LiveKit creates the room itself when the first participant joins with such a
 * ticket), create the `Room` object that `joinRoom()` will connect, and call its
 * `prepareConnection(url, token)`, which resolves DNS and opens the TLS connection to the media
 * server ahead of time (a failure there is logged by `livekit-client` and does not fail
 * `createRoom()`: the join then simply does that work itself).
 */
export class LiveKitVideoProvider extends RoomAdminRoutes implements VideoProvider {
  readonly name = 'livekit' as const;

  readonly #tokens: TokenEndpoint;
  readonly #roomOptions: LiveKitRoomOptions;
  readonly #connectOptions: RoomConnectOptions | undefined;
  readonly #renewalMarginMs: number;
  readonly #emitter = new VideoProviderEmitter();
  readonly #prepared = new WeakMap<RoomHandle, Room>();
  /** Errors already reported through `RoomEvent.MediaDevicesError`. */
  readonly #reportedMediaErrors = new WeakSet<object>();

  #room: Room | undefined;
  #detach: (() => void) | undefined;
  #busy = false;
  /** Bumped by `leaveRoom()`, so a join still fetching its ticket knows it was cancelled. */
  #generation = 0;
  #state: ConnectionState = 'disconnected';
  #participants: ParticipantInfo[] = [];
  #publishSources: readonly TrackSource[] = [];
  #disconnectReason: DisconnectReason | undefined;
  /** Why the room being connected was disconnected before the connection was complete. */
  #endedWhileConnecting: DisconnectReason | undefined;
  /** Ends the wait for `Room.connect()` when the room is torn down first. */
  #tornDownWhileConnecting: (() => void) | undefined;

  constructor(options: LiveKitVideoProviderOptions = {}) {
    super(new RoomAdminClient(options.tokenEndpoint, options.sendProviderParameter === false ? undefined : 'livekit'));
    this.#tokens = new TokenEndpoint(options.tokenEndpoint, {
      name: 'livekit',
      sendParameter: options.sendProviderParameter ?? true,
    });
    this.#roomOptions = options.roomOptions ?? DEFAULT_ROOM_OPTIONS;
    this.#connectOptions = options.connectOptions;
    this.#renewalMarginMs = options.ticketRenewalMarginMs ?? DEFAULT_TICKET_RENEWAL_MARGIN_MS;
  }

  get connectionState(): ConnectionState {
    return this.#state;
  }

  get participants(): readonly ParticipantInfo[] {
    return this.#participants;
  }

  get publishSources(): readonly TrackSource[] {
    return this.#publishSources;
  }

  get disconnectReason(): DisconnectReason | undefined {
    return this.#disconnectReason;
  }

  /**
   * The LiveKit `Room` of the current session (from the moment it starts connecting until it is
   * left), for LiveKit-specific UI such as `@livekit/components-react`'s `RoomContext`.
   */
  get room(): Room | undefined {
    return this.#room;
  }

  on<E extends VideoProviderEventName>(event: E, listener: VideoProviderListener<E>): () => void {
    return this.#emitter.on(event, listener);
  }

  async connect(ticket: JoinTicket, options?: JoinOptions): Promise<void> {
    await this.#exclusive(() => this.#connect(ticket, new Room(this.#roomOptions), publishFor(undefined, options)));
  }

  async createRoom(request: JoinRequest): Promise<RoomHandle> {
    return this.#exclusive(async () => {
      const handle = await hostHandle(this.name, this.#tokens, request);
      const liveKitRoom = new Room(this.#roomOptions);
      try {
        await liveKitRoom.prepareConnection(handle.ticket.url, handle.ticket.token);
      } catch (error) {
        // livekit-client catches its own warm-up failures; this guards against any it does not.
        console.warn('could not prepare the LiveKit connection; joining will do it', error);
      }
      this.#prepared.set(handle, liveKitRoom);
      return handle;
    });
  }

  async joinRoom(target: RoomHandle | JoinRequest, options?: JoinOptions): Promise<void> {
    await this.#exclusive(async () => {
      const generation = this.#generation;
      const { ticket, role } = await ticketForJoin(this.name, this.#tokens, target, this.#renewalMarginMs);
      // The Room that createRoom() prepared for this handle, if any.
      const room = isRoomHandle(target) ? this.#prepared.get(target) : undefined;
      if (isRoomHandle(target)) {
        this.#prepared.delete(target);
      }
      if (generation !== this.#generation) {
        throw new RoomConnectionError('cancelled', 'Left the room before the connection started', undefined);
      }
      await this.#connect(ticket, room ?? new Room(this.#roomOptions), publishFor(role, options));
    });
  }

  async publishLocalMedia(publish: PublishOptions): Promise<void> {
    const room = this.#room;
    if (room !== undefined && this.#state === 'connected') {
      await this.#publish(room, publish);
    }
  }

  async leaveRoom(): Promise<void> {
    this.#generation += 1;
    const room = this.#room;
    if (room === undefined) {
      return;
    }
    try {
      await room.disconnect();
    } catch (error) {
      console.warn('leaving the LiveKit room failed; dropping it anyway', error);
    }
    this.#teardown(room, 'left');
  }


  /** Runs one join-like operation at a time, and none while in a room. */
  async #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#busy || this.#room !== undefined) {
      throw new RoomStateError('already_in_room', 'Already in a room, or joining one: leave it first');
    }
    this.#busy = true;
    try {
      return await operation();
    } finally {
      this.#busy = false;
    }
  }

  async #connect(ticket: JoinTicket, room: Room, publish: PublishOptions): Promise<void> {
    assertTicketUsable(ticket, this.name);
    this.#room = room;
    this.#disconnectReason = undefined;
    this.#endedWhileConnecting = undefined;
    this.#detach = this.#attach(room);
    // livekit-client may never settle `connect()` when the server's leave overtakes its own
    // join (a removed participant's old token turned away at once): the join then ends
    // CONNECT_SETTLE_MS after the room was torn down, unless `connect()` settles first (as it
    // does, with its own error, when the connection fails).
    const connecting = room.connect(ticket.url, ticket.token, this.#connectOptions);
    connecting.catch(() => undefined); // a rejection after the teardown has nobody to tell
    const tornDown = new Promise<void>((resolve) => {
      this.#tornDownWhileConnecting = () => setTimeout(resolve, CONNECT_SETTLE_MS);
    });
    try {
      await Promise.race([connecting, tornDown]);
    } catch (error) {
      const ended = this.#endedWhileConnecting;
      this.#teardown(room, 'connection_lost');
      throw toRoomConnectionError(error, ended);
    } finally {
      this.#tornDownWhileConnecting = undefined;
    }
    if (this.#room !== room) {
      // Disconnected while the connection was being established: this page left, or the server
      // sent it away (e.g. a removed participant's old token). livekit-client stops trying.
      void room.disconnect();
      const ended = this.#endedWhileConnecting;
      if (ended === undefined || ended === 'left') {
        throw new RoomConnectionError('cancelled', 'Left the room while connecting', undefined);
      }
      throw new RoomConnectionError(
        'leave_request',
        `The video server ended the connection while joining (${ended})`,
        undefined,
        { disconnectReason: ended },
      );
    }
    this.#publishSources = publishSourcesOf(room.localParticipant);
    this.#setState('connected');
    this.#addParticipant(room.localParticipant);
    for (const participant of room.remoteParticipants.values()) {
      this.#addParticipant(participant);
    }
    // Joining only turns devices on; `false` (or absent) leaves them off.
    void this.#publish(room, {
      ...(publish.microphone === true && { microphone: true }),
      ...(publish.camera === true && { camera: true }),
    });
  }

  #attach(room: Room): () => void {
    const onState = (state: LiveKitConnectionState) => {
      const mapped = CONNECTION_STATES[state];
      // `disconnected` is handled by `onDisconnected`: livekit-client emits `Disconnected`, with
      // the reason, right after this state change.
      if (mapped !== 'disconnected' && this.#room === room) {
        this.#setState(mapped);
      }
    };
    const onJoined = (participant: RemoteParticipant) => {
      if (this.#room === room && this.#state === 'connected') {
        this.#addParticipant(participant);
      }
    };
    const onLeft = (participant: RemoteParticipant) => {
      if (this.#room === room) {
        this.#removeParticipant(participant.identity);
      }
    };
    const onDisconnected = (reason?: LiveKitDisconnectReason) => {
      // This page left, the server ended the session or removed us, or the connection was lost for good.
      this.#teardown(room, toDisconnectReason(reason));
    };
    const onUpdated = (participant: Participant) => {
      const info = this.#participants.find((known) => known.identity === participant.identity);
      if (this.#room === room && info !== undefined) {
        this.#emitter.emit('participantUpdated', info);
      }
    };
    const onTrackEvent = (_publication: unknown, participant: Participant) => onUpdated(participant);
    const onPermissions = (_previous: unknown, participant: Participant) => {
      if (participant.isLocal && this.#room === room && (this.#state === 'connected' || this.#state === 'reconnecting')) {
        const previous = this.#publishSources;
        const sources = publishSourcesOf(participant);
        if (!sameSources(previous, sources)) {
          this.#publishSources = sources;
          this.#emitter.emit('publishSourcesChanged', sources, previous);
        }
      }
      onUpdated(participant);
    };
    const onMediaError = (error: Error, kind?: MediaDeviceKind) => {
      this.#reportedMediaErrors.add(error);
      if (this.#room === room) {
        this.#emitter.emit('localMediaError', toLocalMediaError(kind === 'audioinput' ? 'microphone' : 'camera', error));
      }
    };
    const onLocalTrack = () => onUpdated(room.localParticipant);
    room
      .on(RoomEvent.ConnectionStateChanged, onState)
      .on(RoomEvent.ParticipantConnected, onJoined)
      .on(RoomEvent.ParticipantDisconnected, onLeft)
      .on(RoomEvent.Disconnected, onDisconnected)
      .on(RoomEvent.MediaDevicesError, onMediaError)
      .on(RoomEvent.ParticipantPermissionsChanged, onPermissions)
      .on(RoomEvent.TrackPublished, onTrackEvent)
      .on(RoomEvent.TrackUnpublished, onTrackEvent)
      .on(RoomEvent.TrackMuted, onTrackEvent)
      .on(RoomEvent.TrackUnmuted, onTrackEvent)
      .on(RoomEvent.LocalTrackPublished, onLocalTrack)
      .on(RoomEvent.LocalTrackUnpublished, onLocalTrack);
    return () => {
      room
        .off(RoomEvent.ConnectionStateChanged, onState)
        .off(RoomEvent.ParticipantConnected, onJoined)
        .off(RoomEvent.ParticipantDisconnected, onLeft)
        .off(RoomEvent.Disconnected, onDisconnected)
        .off(RoomEvent.MediaDevicesError, onMediaError)
        .off(RoomEvent.ParticipantPermissionsChanged, onPermissions)
        .off(RoomEvent.TrackPublished, onTrackEvent)
        .off(RoomEvent.TrackUnpublished, onTrackEvent)
        .off(RoomEvent.TrackMuted, onTrackEvent)
        .off(RoomEvent.TrackUnmuted, onTrackEvent)
        .off(RoomEvent.LocalTrackPublished, onLocalTrack)
        .off(RoomEvent.LocalTrackUnpublished, onLocalTrack);
    };
  }

  /**
   * Forgets `room` if it is the current one: listeners off, participants left, state
   * disconnected; for a session that was connected, the `disconnected` event with `reason`.
   */
  #teardown(room: Room, reason: DisconnectReason): void {
    if (this.#room !== room) {
      return;
    }
    const wasConnected = this.#state === 'connected' || this.#state === 'reconnecting';
    this.#detach?.();
    this.#detach = undefined;
    this.#room = undefined;
    this.#publishSources = [];
    const leaving = [...this.#participants].reverse();
    this.#participants = [];
    for (const participant of leaving) {
      this.#emitter.emit('participantLeft', participant);
    }
    if (wasConnected) {
      this.#disconnectReason = reason;
    } else {
      this.#endedWhileConnecting = reason;
      this.#tornDownWhileConnecting?.();
    }
    this.#setState('disconnected');
    if (wasConnected) {
      this.#emitter.emit('disconnected', reason);
    }
  }

  /** Turns each device of `publish` on (`true`) or off (`false`); failures are `localMediaError` events. */
  async #publish(room: Room, publish: PublishOptions): Promise<void> {
    const wanted: [LocalMediaSource, boolean | undefined][] = [
      ['microphone', publish.microphone],
      ['camera', publish.camera],
    ];
    for (const [source, enabled] of wanted) {
      if (enabled === undefined || this.#room !== room) {
        continue;
      }
      try {
        if (source === 'camera') {
          await room.localParticipant.setCameraEnabled(enabled);
        } else {
          await room.localParticipant.setMicrophoneEnabled(enabled);
        }
      } catch (error) {
        const reported = typeof error === 'object' && error !== null && this.#reportedMediaErrors.has(error);
        if (!reported && this.#room === room) {
          this.#emitter.emit('localMediaError', toLocalMediaError(source, error));
        }
      }
    }
  }

  #setState(state: ConnectionState): void {
    if (state !== this.#state) {
      this.#state = state;
      this.#emitter.emit('connectionStateChanged', state);
    }
  }

  #addParticipant(participant: Participant): void {
    if (this.#participants.some((known) => known.identity === participant.identity)) {
      return;
    }
    const info = participantInfo(participant);
    this.#participants = [...this.#participants, info];
    this.#emitter.emit('participantJoined', info);
  }

  #removeParticipant(identity: string): void {
    const info = this.#participants.find((known) => known.identity === identity && !known.isLocal);
    if (info === undefined) {
      return;
    }
    this.#participants = this.#participants.filter((known) => known !== info);
    this.#emitter.emit('participantLeft', info);
  }
}
