/**
 * What the Daily and Twilio providers share: the {@link VideoProvider} contract's bookkeeping
 * (one session at a time, connection state, participants, what the local participant may
 * publish, why a session ended, events), tickets from the token server and room administration
 * through it. Each vendor's provider says how to open, close and drive its SDK's session
 * (the abstract members below) and maps the SDK's events onto the protected methods.
 *
 * The LiveKit provider predates this class and keeps its own copy of the same rules; its tests
 * pin them.
 */

import { VideoProviderEmitter } from './events';
import { checkName } from './names';
import { RoomAdminClient, RoomAdminRoutes } from './room-admin';
import { TokenEndpoint, assertTicketUsable, type TokenEndpointOptions } from './token-endpoint';
import {
  LocalMediaError,
  RoomConnectionError,
  RoomStateError,
  type ConnectionState,
  type DisconnectReason,
  type JoinOptions,
  type JoinRequest,
  type JoinTicket,
  type LocalMediaSource,
  type ParticipantInfo,
  type ParticipantRole,
  type PublishOptions,
  type RoomHandle,
  type TrackSource,
  type VideoProvider,
  type VideoProviderEventName,
  type VideoProviderListener,
  type VideoProviderName,
} from './types';

/** A handle's ticket closer than this to its expiry is renewed before joining. */
export const DEFAULT_TICKET_RENEWAL_MARGIN_MS = 60_000;

/** The options every session provider takes. Every member is optional. */
export interface SessionProviderOptions {
  /**
   * How to reach the token server, for tickets (`/api/video/token`, with `provider=<name>`) and
   * for room administration (`/api/video/rooms`, with the same base URL, fetch, credentials,
   * headers and timeout). Default: same origin.
   */
  readonly tokenEndpoint?: TokenEndpointOptions;
  /** See {@link DEFAULT_TICKET_RENEWAL_MARGIN_MS}. */
  readonly ticketRenewalMarginMs?: number;
}

/** A JSON Web Token (three base64url parts, the first of them a JSON object). */
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * `message` with every JWT in it, and the ticket's own token wherever it appears, replaced by
 * `[token]`: error messages are shown to users, and SDKs echo what they were given.
 */
export function redactToken(message: string, token?: string): string {
  const withoutToken = token !== undefined && token.length > 0 ? message.split(token).join('[token]') : message;
  return withoutToken.replace(JWT_PATTERN, '[token]');
}

/** The message of whatever an SDK threw, as a string. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  if (typeof error === 'object' && error !== null) {
    const record = error as Record<string, unknown>;
    for (const key of ['errorMsg', 'msg', 'message']) {
      const value = record[key];
      if (typeof value === 'string') {
        return value;
      }
    }
  }
  return String(error);
}

/** Whether `target` is a handle from `createRoom()` rather than a request. */
export function isRoomHandle(target: RoomHandle | JoinRequest): target is RoomHandle {
  return 'ticket' in target && 'provider' in target;
}

/**
 * A handle for `createRoom()`: the room name checked with the server's rules, and a ticket for
 * `request` (role `host` unless given) from `tokens`, for `provider`.
 */
export async function hostHandle(
  provider: VideoProviderName,
  tokens: TokenEndpoint,
  request: JoinRequest,
): Promise<RoomHandle> {
  const room = checkName('room', request.room);
  const full = { ...request, room, role: request.role ?? 'host' } as const;
  const ticket = await tokens.fetchJoinTicket(full);
  return Object.freeze({ provider, room, request: Object.freeze(full), ticket });
}

/**
 * The ticket and the role a join of `target` uses. For a handle (of `provider`'s: another's is
 * `foreign_handle`): its request's role, and its own ticket while that has more than
 * `renewalMarginMs` left, else a fresh one for its request. For a request: a fresh ticket in its
 * role (`participant` by default).
 */
export async function ticketForJoin(
  provider: VideoProviderName,
  tokens: TokenEndpoint,
  target: RoomHandle | JoinRequest,
  renewalMarginMs: number,
): Promise<{ readonly ticket: JoinTicket; readonly role: ParticipantRole }> {
  if (isRoomHandle(target)) {
    if (target.provider !== provider) {
      throw new RoomStateError('foreign_handle', `This room was prepared by the ${target.provider} provider`);
    }
    const current = target.ticket.expiresAt.getTime() - Date.now() > renewalMarginMs;
    const ticket = current ? target.ticket : await tokens.fetchJoinTicket(target.request);
    return { ticket, role: target.request.role };
  }
  const role = target.role ?? 'participant';
  return { ticket: await tokens.fetchJoinTicket({ ...target, role }), role };
}

/** What joining turns on: `options.publish`, else camera and microphone except for a viewer. */
export function publishFor(role: ParticipantRole | undefined, options: JoinOptions | undefined): PublishOptions {
  if (options?.publish !== undefined) {
    return options.publish;
  }
  return role === 'viewer' ? { camera: false, microphone: false } : { camera: true, microphone: true };
}

/**
 * The bookkeeping of {@link VideoProvider} over one vendor session object `S` at a time (a Daily
 * call object, a Twilio room). The vendor's subclass implements the abstract members and reports
 * what its SDK says through the protected methods, each of which ignores a session that is no
 * longer the current one.
 */
export abstract class SessionVideoProvider<S extends object> extends RoomAdminRoutes implements VideoProvider {
  abstract readonly name: VideoProviderName;

  readonly #tokens: TokenEndpoint;
  readonly #renewalMarginMs: number;
  readonly #emitter = new VideoProviderEmitter();

  #session: S | undefined;
  #detach: (() => void) | undefined;
  #busy = false;
  /** Bumped by `leaveRoom()`, so a join still fetching its ticket knows it was cancelled. */
  #generation = 0;
  /** The session `leaveRoom()` is closing: its end is `left`, whatever the SDK says. */
  #leaving: S | undefined;
  #state: ConnectionState = 'disconnected';
  #participants: ParticipantInfo[] = [];
  #publishSources: readonly TrackSource[] = [];
  #disconnectReason: DisconnectReason | undefined;
  #endedWhileConnecting: DisconnectReason | undefined;

  protected constructor(name: VideoProviderName, options: SessionProviderOptions) {
    super(new RoomAdminClient(options.tokenEndpoint, name));
    this.#tokens = new TokenEndpoint(options.tokenEndpoint, { name, sendParameter: true });
    this.#renewalMarginMs = options.ticketRenewalMarginMs ?? DEFAULT_TICKET_RENEWAL_MARGIN_MS;
  }

  // What each vendor implements.

  /**
   * Loads the vendor's SDK (a dynamic `import()`, so that the page's bundle carries it only for
   * the provider in use, fetched on the first join); resolves at once once loaded.
   */
  protected abstract loadSdk(): Promise<void>;

  /** Creates the SDK's session object for `ticket`, without connecting (no network). */
  protected abstract createSession(ticket: JoinTicket, role: ParticipantRole): S;
  /** Subscribes to the session's events; returns what unsubscribes. */
  protected abstract attach(session: S): () => void;
  /**
   * Connects the session, with the devices of `publish` if the SDK starts them while joining;
   * resolves to what is left to turn on once connected. Rejects with what the SDK rejected with.
   */
  protected abstract open(session: S, ticket: JoinTicket, publish: PublishOptions): Promise<PublishOptions>;
  /** The participants once connected, local first. */
  protected abstract participantsOf(session: S): ParticipantInfo[];
  /** What the local participant may publish once connected. */
  protected abstract publishSourcesOf(session: S, role: ParticipantRole): TrackSource[];
  /** Turns a local device on or off; rejects (or reports through events) when it cannot. */
  protected abstract setDevice(session: S, device: LocalMediaSource, enabled: boolean): Promise<void>;
  /** Leaves the room (the page's own leave). */
  protected abstract close(session: S): Promise<void>;
  /** Releases what the session holds once it ended, whoever ended it (e.g. Daily's `destroy()`). */
  protected abstract dispose(session: S): Promise<void>;
  /** Maps what `open()` rejected with; `ended` is why the session ended while connecting, if it did. */
  protected abstract toConnectionError(error: unknown, token: string, ended: DisconnectReason | undefined): RoomConnectionError;
  /** Maps what `setDevice()` rejected with. */
  protected abstract toLocalMediaError(device: LocalMediaSource, error: unknown): LocalMediaError;

  // The contract.

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

  /** The vendor session of the current room, from the moment it starts connecting until it ends. */
  protected get session(): S | undefined {
    return this.#session;
  }

  on<E extends VideoProviderEventName>(event: E, listener: VideoProviderListener<E>): () => void {
    return this.#emitter.on(event, listener);
  }

  async connect(ticket: JoinTicket, options?: JoinOptions): Promise<void> {
    const role = options?.role ?? 'participant';
    await this.#exclusive(() => this.#connect(ticket, role, publishFor(role, options)));
  }

  /**
   * Checks the room name with the server's rules and fetches a host ticket (role `host` unless
   * given). Neither Daily nor Twilio has a warm-up call that needs no session object, so nothing
   * more happens until `joinRoom()`.
   */
  async createRoom(request: JoinRequest): Promise<RoomHandle> {
    return this.#exclusive(() => hostHandle(this.name, this.#tokens, request));
  }

  async joinRoom(target: RoomHandle | JoinRequest, options?: JoinOptions): Promise<void> {
    await this.#exclusive(async () => {
      const generation = this.#generation;
      const { ticket, role } = await ticketForJoin(this.name, this.#tokens, target, this.#renewalMarginMs);
      if (generation !== this.#generation) {
        throw new RoomConnectionError('cancelled', 'Left the room before the connection started', undefined);
      }
      await this.#connect(ticket, role, publishFor(role, options));
    });
  }

  async publishLocalMedia(publish: PublishOptions): Promise<void> {
    const session = this.#session;
    if (session !== undefined && this.#state === 'connected') {
      await this.#publish(session, publish);
    }
  }

  async leaveRoom(): Promise<void> {
    this.#generation += 1;
    const session = this.#session;
    if (session === undefined) {
      return;
    }
    this.#leaving = session;
    try {
      await this.close(session);
    } catch (error) {
      console.warn(`leaving the ${this.name} room failed; dropping it anyway`, error);
    }
    await this.#teardown(session, 'left');
  }


  // What the vendor's event handlers report.

  /** Whether `session` is the current one (events of an ended session are ignored). */
  protected isCurrent(session: S): boolean {
    return this.#session === session;
  }

  /** The SDK says the connection dropped and is being re-established, or is back. */
  protected reconnecting(session: S, reconnecting: boolean): void {
    if (this.isCurrent(session) && (this.#state === 'connected' || this.#state === 'reconnecting')) {
      this.#setState(reconnecting ? 'reconnecting' : 'connected');
    }
  }

  /** A participant entered the room (ignored until connected: the join itself lists those present). */
  protected participantJoined(session: S, participant: ParticipantInfo): void {
    if (this.isCurrent(session) && this.#state !== 'connecting') {
      this.#addParticipant(participant);
    }
  }

  /** A remote participant left the room. */
  protected participantLeft(session: S, identity: string): void {
    if (!this.isCurrent(session)) {
      return;
    }
    const info = this.#participants.find((known) => known.identity === identity && !known.isLocal);
    if (info !== undefined) {
      this.#participants = this.#participants.filter((known) => known !== info);
      this.#emitter.emit('participantLeft', info);
    }
  }

  /** A participant's tracks or permission changed. */
  protected participantUpdated(session: S, identity: string): void {
    const info = this.#participants.find((known) => known.identity === identity);
    if (this.isCurrent(session) && info !== undefined) {
      this.#emitter.emit('participantUpdated', info);
    }
  }

  /** What the local participant may publish changed during the session. */
  protected publishSourcesUpdated(session: S, sources: readonly TrackSource[]): void {
    if (!this.isCurrent(session) || (this.#state !== 'connected' && this.#state !== 'reconnecting')) {
      return;
    }
    const previous = this.#publishSources;
    if (previous.length !== sources.length || previous.some((source, index) => source !== sources[index])) {
      this.#publishSources = sources;
      this.#emitter.emit('publishSourcesChanged', sources, previous);
    }
  }

  /** A local device failed, as the SDK reported it in an event. */
  protected localMediaFailed(session: S, error: LocalMediaError): void {
    if (this.isCurrent(session)) {
      this.#emitter.emit('localMediaError', error);
    }
  }

  /**
   * The session ended, for `reason`. Ignored while `leaveRoom()` closes it: that ends it as
   * `left` once the SDK is done.
   */
  protected ended(session: S, reason: DisconnectReason): void {
    if (this.#leaving !== session) {
      void this.#teardown(session, reason);
    }
  }

  // The rules.

  async #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#busy || this.#session !== undefined) {
      throw new RoomStateError('already_in_room', 'Already in a room, or joining one: leave it first');
    }
    this.#busy = true;
    try {
      return await operation();
    } finally {
      this.#busy = false;
    }
  }

  async #connect(ticket: JoinTicket, role: ParticipantRole, publish: PublishOptions): Promise<void> {
    assertTicketUsable(ticket, this.name);
    const generation = this.#generation;
    try {
      await this.loadSdk();
    } catch (cause) {
      throw new RoomConnectionError('unknown', `Could not load the ${this.name} video library`, undefined, { cause });
    }
    if (generation !== this.#generation) {
      throw new RoomConnectionError('cancelled', 'Left the room before the connection started', undefined);
    }
    const session = this.createSession(ticket, role);
    this.#session = session;
    this.#disconnectReason = undefined;
    this.#endedWhileConnecting = undefined;
    this.#detach = this.attach(session);
    this.#setState('connecting');
    let remaining: PublishOptions;
    try {
      remaining = await this.open(session, ticket, publish);
    } catch (error) {
      const leaving = this.#leaving === session;
      const ended = this.#endedWhileConnecting;
      await this.#teardown(session, 'connection_lost');
      if (leaving || ended === 'left') {
        throw new RoomConnectionError('cancelled', 'Left the room while connecting', undefined, { cause: error });
      }
      throw this.toConnectionError(error, ticket.token, ended);
    }
    if (this.#session !== session) {
      // Ended while connecting, and the SDK did not reject: this page left, or the server sent it away.
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
    this.#publishSources = this.publishSourcesOf(session, role);
    this.#setState('connected');
    for (const participant of this.participantsOf(session)) {
      this.#addParticipant(participant);
    }
    // Joining only turns devices on; `false` (or absent) leaves them off.
    void this.#publish(session, {
      ...(remaining.microphone === true && { microphone: true }),
      ...(remaining.camera === true && { camera: true }),
    });
  }

  /** Turns each device of `publish` on or off; failures are `localMediaError` events. */
  async #publish(session: S, publish: PublishOptions): Promise<void> {
    const wanted: [LocalMediaSource, boolean | undefined][] = [
      ['microphone', publish.microphone],
      ['camera', publish.camera],
    ];
    for (const [device, enabled] of wanted) {
      if (enabled === undefined || !this.isCurrent(session)) {
        continue;
      }
      if (enabled && !this.#publishSources.includes(device)) {
        this.#emitter.emit(
          'localMediaError',
          new LocalMediaError('not_allowed', device, `You may not publish your ${device} in this room`),
        );
        continue;
      }
      try {
        await this.setDevice(session, device, enabled);
      } catch (error) {
        if (this.isCurrent(session)) {
          this.#emitter.emit('localMediaError', this.toLocalMediaError(device, error));
        }
      }
    }
  }

  async #teardown(session: S, reason: DisconnectReason): Promise<void> {
    if (this.#session !== session) {
      return;
    }
    const finalReason = this.#leaving === session ? 'left' : reason;
    const wasConnected = this.#state === 'connected' || this.#state === 'reconnecting';
    this.#detach?.();
    this.#detach = undefined;
    this.#session = undefined;
    this.#leaving = undefined;
    this.#publishSources = [];
    const leaving = [...this.#participants].reverse();
    this.#participants = [];
    for (const participant of leaving) {
      this.#emitter.emit('participantLeft', participant);
    }
    if (wasConnected) {
      this.#disconnectReason = finalReason;
    } else {
      this.#endedWhileConnecting = finalReason;
    }
    this.#setState('disconnected');
    if (wasConnected) {
      this.#emitter.emit('disconnected', finalReason);
    }
    try {
      await this.dispose(session);
    } catch (error) {
      console.warn(`releasing the ${this.name} session failed`, error);
    }
  }

  #setState(state: ConnectionState): void {
    if (state !== this.#state) {
      this.#state = state;
      this.#emitter.emit('connectionStateChanged', state);
    }
  }

  #addParticipant(info: ParticipantInfo): void {
    if (this.#participants.some((known) => known.identity === info.identity)) {
      return;
    }
    this.#participants = [...this.#participants, info];
    this.#emitter.emit('participantJoined', info);
  }
}
