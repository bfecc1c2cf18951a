/**
 * The Google Meet implementation of the {@link VideoProvider} contract.
 *
 * Google Meet cannot run inside the page: a Meet meeting is opened from its link, in a tab of its
 * own, and Meet knows the people in it by their Google accounts. So this provider never connects:
 * its join fetches the ticket (`GET /api/video/token?...&provider=google-meet`, which answers the
 * room's meeting link as `url` and an empty `token`) and hands the link over as {@link
 * GoogleMeetVideoProvider.meeting}, for the page to offer as "Open Google Meet". No SDK, no
 * dependency: it is a link.
 *
 * What cannot exist without media in the page fails with {@link OperationNotSupportedError}
 * instead of pretending: publishing local media, and hearing of the participants.
 */

import { RoomAdminClient, RoomAdminRoutes } from '../../room-admin';
import {
  DEFAULT_TICKET_RENEWAL_MARGIN_MS,
  hostHandle,
  ticketForJoin,
  type SessionProviderOptions,
} from '../../session-provider';
import { assertTicketUsable, brokenMeetTicketRule, TokenEndpoint } from '../../token-endpoint';
import {
  OperationNotSupportedError,
  RoomConnectionError,
  RoomStateError,
  TokenResponseInvalidError,
  type ConnectionState,
  type DisconnectReason,
  type JoinOptions,
  type JoinRequest,
  type JoinTicket,
  type ParticipantInfo,
  type ParticipantRole,
  type PublishOptions,
  type RoomHandle,
  type TrackSource,
  type VideoProvider,
  type VideoProviderEventName,
  type VideoProviderListener,
} from '../../types';

/** Options of {@link GoogleMeetVideoProvider}: the token server's, as for Daily and Twilio. */
export type GoogleMeetVideoProviderOptions = SessionProviderOptions;

/** The meeting a join handed over: where the participant goes, and what they asked for. */
export interface GoogleMeetMeeting {
  /** The meeting link, e.g. `https://meet.google.com/abc-mnop-xyz` (always `https:`): open it in a new tab. */
  readonly url: string;
  /** The room the link is for. */
  readonly room: string;
  /** The identity the ticket was issued to; Meet never receives it (it uses the Google account). */
  readonly identity: string;
  /**
   * The role the ticket was asked for. **Not enforced by Meet**: hosts, participants and viewers
   * get the same link, and a viewer can turn on camera and microphone in Meet.
   */
  readonly role: ParticipantRole;
  /** Until when the token server offers the link; the link itself keeps working afterwards. */
  readonly expiresAt: Date;
}

/**
 * The events this provider refuses: they happen in Meet's tab, where the page cannot see them,
 * so a listener would wait for ever. The others (`connectionStateChanged`, `disconnected`,
 * `localMediaError`) are about the page's own connection and devices, which it never has: they
 * are accepted, and are never emitted.
 */
const UNSEEN_EVENTS: ReadonlySet<VideoProviderEventName> = new Set([
  'participantJoined',
  'participantLeft',
  'participantUpdated',
  'publishSourcesChanged',
]);

// One instance each, so a React store reading them sees no change.
const NO_PARTICIPANTS: readonly ParticipantInfo[] = Object.freeze([]);
const NO_SOURCES: readonly TrackSource[] = Object.freeze([]);

/** The error for asking Meet's provider for media in the page. */
function noMedia(operation: string): OperationNotSupportedError {
  return new OperationNotSupportedError(
    'google-meet',
    operation,
    'Google Meet runs in its own tab, not in this page: turn your camera and microphone on or off in Meet',
  );
}

/** Rejects a join that asks to turn a device on: there is no media in the page to turn on. */
function refusePublish(options: JoinOptions | undefined): void {
  const publish = options?.publish;
  if (publish?.camera === true || publish?.microphone === true) {
    throw noMedia('JoinOptions.publish');
  }
}

/**
 * The Google Meet implementation of {@link VideoProvider}.
 *
 * - `createRoom(request)` checks the room name and fetches a host ticket, which makes the token
 *   server create the room's Meet space (once per room); the handle holds the link.
 * - `joinRoom(handleOrRequest)` and `connect(ticket)` resolve once the link is in hand (a
 *   handle's ticket is renewed when about to expire, as for Daily and Twilio) and set
 *   {@link meeting}. They open nothing: a tab opened after a network round trip may be stopped
 *   by a popup blocker, so the page offers the link for the participant to click. They reject a
 *   `publish` that turns a device on ({@link OperationNotSupportedError}); absent, nothing is
 *   published, whatever the role. `connect()` checks its ticket as `parseJoinTicket` does (an
 *   empty token, an `https:` link; else {@link TokenResponseInvalidError} `invalid_response`).
 * - The page never connects: `connectionState` stays `disconnected`, `participants` and
 *   `publishSources` stay empty, `disconnectReason` stays `undefined`, and no event is ever
 *   emitted. `on()` throws {@link OperationNotSupportedError} for the participant events (see
 *   {@link UNSEEN_EVENTS}). Still, one meeting at a time: joining while {@link meeting} is set
 *   is `already_in_room` until `leaveRoom()`.
 * - `publishLocalMedia()` rejects with {@link OperationNotSupportedError}, and there is no
 *   `mediaTracks()`: the page has no media of this session.
 * - `leaveRoom()` forgets the link. It cannot take anyone out of the meeting in Meet's tab.
 * - Roles are not enforced by Meet (see {@link GoogleMeetMeeting.role}).
 * - Room administration goes to the token server (`/api/video/rooms?provider=google-meet`),
 *   which has none for Google Meet and answers 501: {@link RoomAdminNotSupportedError}.
 */
export class GoogleMeetVideoProvider extends RoomAdminRoutes implements VideoProvider {
  readonly name = 'google-meet' as const;

  readonly #tokens: TokenEndpoint;
  readonly #renewalMarginMs: number;

  #meeting: GoogleMeetMeeting | undefined;
  #busy = false;
  /** Bumped by `leaveRoom()`, so a join still fetching its ticket knows it was cancelled. */
  #generation = 0;

  constructor(options: GoogleMeetVideoProviderOptions = {}) {
    super(new RoomAdminClient(options.tokenEndpoint, 'google-meet'));
    this.#tokens = new TokenEndpoint(options.tokenEndpoint, { name: 'google-meet', sendParameter: true });
    this.#renewalMarginMs = options.ticketRenewalMarginMs ?? DEFAULT_TICKET_RENEWAL_MARGIN_MS;
  }

  /** The meeting the last join handed over, until `leaveRoom()`; `undefined` before. */
  get meeting(): GoogleMeetMeeting | undefined {
    return this.#meeting;
  }

  /** Always `disconnected`: the session runs in Meet's tab, the page never connects. */
  get connectionState(): ConnectionState {
    return 'disconnected';
  }

  /** Always empty: Meet does not tell the page who is in the meeting. */
  get participants(): readonly ParticipantInfo[] {
    return NO_PARTICIPANTS;
  }

  /** Always empty: the page publishes nothing (in Meet, what each person may do is Meet's). */
  get publishSources(): readonly TrackSource[] {
    return NO_SOURCES;
  }

  /** Always `undefined`: no connected session ever ends here. */
  get disconnectReason(): DisconnectReason | undefined {
    return undefined;
  }

  /**
   * Accepts `connectionStateChanged`, `disconnected` and `localMediaError`, which never fire;
   * throws {@link OperationNotSupportedError} for the participant events, which the page cannot
   * see.
   */
  on<E extends VideoProviderEventName>(event: E, listener: VideoProviderListener<E>): () => void {
    void listener; // Never called: none of the events it may be for happens in the page.
    if (UNSEEN_EVENTS.has(event)) {
      throw new OperationNotSupportedError(
        'google-meet',
        `on('${event}')`,
        `Google Meet does not tell this page about its participants: "${event}" is never known here`,
      );
    }
    return () => undefined;
  }

  async connect(ticket: JoinTicket, options?: JoinOptions): Promise<void> {
    refusePublish(options);
    await this.#exclusive(async () => this.#handOver(ticket, options?.role ?? 'participant'));
  }

  /**
   * Checks the room name with the server's rules and fetches a host ticket (role `host` unless
   * given): the token server creates the room's Meet space on its first ticket. No warm-up.
   */
  async createRoom(request: JoinRequest): Promise<RoomHandle> {
    return this.#exclusive(() => hostHandle(this.name, this.#tokens, request));
  }

  async joinRoom(target: RoomHandle | JoinRequest, options?: JoinOptions): Promise<void> {
    refusePublish(options);
    await this.#exclusive(async () => {
      const generation = this.#generation;
      const { ticket, role } = await ticketForJoin(this.name, this.#tokens, target, this.#renewalMarginMs);
      if (generation !== this.#generation) {
        throw new RoomConnectionError('cancelled', 'Left the room before the meeting link arrived', undefined);
      }
      this.#handOver(ticket, role);
    });
  }

  /** Rejects with {@link OperationNotSupportedError}: the page has no local media in a Meet session. */
  async publishLocalMedia(publish: PublishOptions): Promise<void> {
    void publish; // Whatever it asks for, even "off": there is no device of this session in the page.
    throw noMedia('publishLocalMedia');
  }

  /** Forgets the link (and cancels a join still fetching it). Never rejects. */
  async leaveRoom(): Promise<void> {
    this.#generation += 1;
    this.#meeting = undefined;
  }


  // The rules.

  async #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#busy || this.#meeting !== undefined) {
      throw new RoomStateError('already_in_room', 'Already in a room, or joining one: leave it first');
    }
    this.#busy = true;
    try {
      return await operation();
    } finally {
      this.#busy = false;
    }
  }

  /** Checks the ticket (for `connect()`'s, which did not come through `parseJoinTicket`) and keeps its link. */
  #handOver(ticket: JoinTicket, role: ParticipantRole): void {
    assertTicketUsable(ticket, this.name);
    const broken = brokenMeetTicketRule(ticket.token, ticket.url);
    if (broken !== undefined) {
      throw new TokenResponseInvalidError('invalid_response', `The join ticket is not usable: ${broken}`);
    }
    this.#meeting = Object.freeze({
      url: ticket.url,
      room: ticket.room,
      identity: ticket.identity,
      role,
      expiresAt: ticket.expiresAt,
    });
  }
}
