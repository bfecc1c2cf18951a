/**
 * The Twilio Video {@link VideoProvider}, on `twilio-video`.
 *
 * Tickets come from the token server (`GET /api/video/token?...&provider=twilio`): `token` is a
 * Twilio access token whose video grant names the room, and `url` is empty, since Twilio's SDK
 * connects with the token alone: `connect(token, { name: room, audio: false, video: false })`,
 * then the camera and microphone are created and published one by one, so that a refused device
 * never fails the join. This is the only module that imports `twilio-video`, and it loads it on the
 * first join (a dynamic `import()`), so that a page that uses another provider does not download it.
 */

import type { LocalAudioTrack, LocalVideoTrack, Participant, RemoteParticipant, Room, TwilioError } from 'twilio-video';

/** The parts of `twilio-video` this provider calls. */
type TwilioSdk = Pick<typeof import('twilio-video'), 'connect' | 'createLocalAudioTrack' | 'createLocalVideoTrack'>;

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
  type ParticipantRole,
  type PublishOptions,
  type RoomConnectionErrorCode,
  type TrackSource,
} from '../../types';

/** Options of {@link TwilioVideoProvider}. Every member is optional. */
export type TwilioVideoProviderOptions = SessionProviderOptions;

/**
 * What each role may publish. A Twilio access token carries no permissions (its video grant names
 * a room, nothing else), so this client applies the role table itself: a modified client could
 * publish anyway (see `docs/providers/twilio/README.md`).
 */
export const TWILIO_PUBLISH_SOURCES: Record<ParticipantRole, readonly TrackSource[]> = {
  host: TRACK_SOURCES,
  participant: ['camera', 'microphone'],
  viewer: [],
};

/** Why connecting failed, from the `code` of twilio-video's `TwilioError`. */
const CONNECT_ERROR_CODES: Record<number, RoomConnectionErrorCode> = {
  20101: 'not_allowed', // AccessTokenInvalidError
  20102: 'not_allowed', // AccessTokenHeaderInvalidError
  20103: 'not_allowed', // AccessTokenIssuerInvalidError
  20104: 'not_allowed', // AccessTokenExpiredError
  20105: 'not_allowed', // AccessTokenNotYetValidError
  20106: 'not_allowed', // AccessTokenGrantsInvalidError
  20107: 'not_allowed', // AccessTokenSignatureInvalidError
  53000: 'server_unreachable', // SignalingConnectionError
  53002: 'timeout', // SignalingConnectionTimeoutError
  53006: 'server_unreachable', // SignalingServerBusyError
  53105: 'room_full', // RoomMaxParticipantsExceededError
  53106: 'room_not_found', // RoomNotFoundError
  53118: 'room_not_found', // RoomCompletedError: the room has ended
};

/** Why a connected session ended, from the `code` of the `disconnected` event's error. */
const DISCONNECT_REASONS: Record<number, DisconnectReason> = {
  53118: 'room_ended', // RoomCompletedError
  53205: 'duplicate_identity', // ParticipantDuplicateIdentityError
  53000: 'connection_lost', // SignalingConnectionError
  53001: 'connection_lost', // SignalingConnectionDisconnectedError
  53002: 'connection_lost', // SignalingConnectionTimeoutError
  53405: 'connection_lost', // MediaConnectionError
  53407: 'connection_lost', // MediaDTLSTransportFailedError
};

/** The numeric code of a `TwilioError` (matched by shape: the class is not needed to read it). */
function twilioCode(error: unknown): number | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Maps the error of twilio-video's `disconnected` event to a {@link DisconnectReason}. */
export function toDisconnectReason(error: TwilioError | undefined | null): DisconnectReason {
  const code = twilioCode(error);
  return (code === undefined ? undefined : DISCONNECT_REASONS[code]) ?? 'unknown';
}

/** Maps what `connect()` rejected with to a {@link RoomConnectionError}, with the token redacted. */
export function toRoomConnectionError(error: unknown, token: string, ended?: DisconnectReason): RoomConnectionError {
  const code = twilioCode(error);
  const mapped = (code === undefined ? undefined : CONNECT_ERROR_CODES[code]) ?? 'unknown';
  const status = code === undefined ? '' : ` (Twilio error ${code})`;
  return new RoomConnectionError(
    mapped,
    `Could not connect to the video server: ${redactToken(messageOf(error), token)}${status}`,
    undefined,
    { cause: error, provider: 'twilio', ...(ended !== undefined && { disconnectReason: ended }) },
  );
}

/** Maps a `getUserMedia` failure (a `DOMException`'s name) to a {@link LocalMediaError}. */
export function toLocalMediaError(device: LocalMediaSource, error: unknown): LocalMediaError {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new LocalMediaError('permission_denied', device, `Permission to use the ${device} was denied`, { cause: error });
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new LocalMediaError('device_not_found', device, `No ${device} was found`, { cause: error });
    case 'NotReadableError':
      return new LocalMediaError('device_in_use', device, `The ${device} is in use by another program`, { cause: error });
    default:
      return new LocalMediaError('media_error', device, `The ${device} could not be started`, { cause: error });
  }
}

/** One Twilio session: the room once connected, and the local tracks this page created. */
export class TwilioSession {
  readonly role: ParticipantRole;
  /** `connect()`'s promise while connecting, to cancel it. */
  pending: (Promise<Room> & { cancel: () => void }) | undefined;
  room: Room | undefined;
  microphone: LocalAudioTrack | undefined;
  camera: LocalVideoTrack | undefined;
  /** Unsubscribes from the room's events. */
  detach: (() => void) | undefined;
  /** The session ended; a room that connects late is disconnected at once. */
  disposed = false;

  constructor(role: ParticipantRole) {
    this.role = role;
  }
}

function participantInfo(participant: Participant, isLocal: boolean): ParticipantInfo {
  // Twilio has no display name: its access token carries the identity only.
  return { identity: participant.identity, name: undefined, isLocal };
}

/** The first track of `publications` as a browser track, when it is there and enabled. */
function firstTrack(
  publications: Map<string, { track: { mediaStreamTrack: MediaStreamTrack; isEnabled: boolean } | null }>,
): MediaStreamTrack | undefined {
  for (const publication of publications.values()) {
    if (publication.track !== null && publication.track.isEnabled) {
      return publication.track.mediaStreamTrack;
    }
  }
  return undefined;
}

/**
 * The Twilio Video implementation of {@link VideoProvider}.
 *
 * - `createRoom()` checks the name and fetches a host ticket. Twilio creates an ad-hoc room when
 *   the first participant connects, if the account allows it (the default); otherwise joining
 *   fails with `room_not_found`.
 * - Display names: Twilio's token carries the identity only, so `ParticipantInfo.name` is always
 *   `undefined`.
 * - What the local participant may publish follows the role of the request (or
 *   `JoinOptions.role` for `connect()`): {@link TWILIO_PUBLISH_SOURCES}. It never changes during
 *   a session: Twilio has no permission a host could change.
 * - Turning a device off disables its track (`track.disable()`, Twilio's mute; the camera light
 *   stays on); turning it on again enables it. Leaving stops the tracks and disconnects.
 * - Room administration goes to the token server (`/api/video/rooms?provider=twilio`), which has
 *   none for Twilio and answers 501: {@link RoomAdminNotSupportedError}.
 */
export class TwilioVideoProvider extends SessionVideoProvider<TwilioSession> {
  readonly name = 'twilio' as const;

  /** twilio-video, once loaded. */
  #sdk: TwilioSdk | undefined;

  constructor(options: TwilioVideoProviderOptions = {}) {
    super('twilio', options);
  }

  /** The twilio-video `Room` of the current session once connected, for Twilio-specific UI. */
  get room(): Room | undefined {
    return this.session?.room;
  }

  /** Each participant's enabled camera and microphone tracks, local first. */
  mediaTracks(): ParticipantMedia[] {
    const session = this.session;
    const room = session?.room;
    if (session === undefined || room === undefined || this.connectionState === 'connecting') {
      return [];
    }
    const local: ParticipantMedia = {
      participant: participantInfo(room.localParticipant, true),
      camera: session.camera?.isEnabled === true ? session.camera.mediaStreamTrack : undefined,
      microphone: session.microphone?.isEnabled === true ? session.microphone.mediaStreamTrack : undefined,
    };
    const remotes = [...room.participants.values()].map((participant) => ({
      participant: participantInfo(participant, false),
      camera: firstTrack(participant.videoTracks),
      microphone: firstTrack(participant.audioTracks),
    }));
    return [local, ...remotes];
  }

  protected async loadSdk(): Promise<void> {
    this.#sdk ??= await import('twilio-video');
  }

  /** The loaded SDK (`loadSdk()` resolved before any session exists). */
  get #twilio(): TwilioSdk {
    if (this.#sdk === undefined) {
      throw new Error('twilio-video is not loaded');
    }
    return this.#sdk;
  }

  protected createSession(_ticket: JoinTicket, role: ParticipantRole): TwilioSession {
    return new TwilioSession(role);
  }

  protected attach(session: TwilioSession): () => void {
    // The room exists only once `connect()` resolves: `open()` subscribes to it then.
    return () => session.detach?.();
  }

  protected async open(session: TwilioSession, ticket: JoinTicket, publish: PublishOptions): Promise<PublishOptions> {
    const pending = this.#twilio.connect(ticket.token, { name: ticket.room, audio: false, video: false });
    session.pending = pending;
    const room = await pending;
    session.pending = undefined;
    session.room = room;
    if (session.disposed) {
      room.disconnect();
      return {};
    }
    session.detach = this.#subscribe(session, room);
    return publish;
  }

  #subscribe(session: TwilioSession, room: Room): () => void {
    const onJoined = (participant: RemoteParticipant) => this.participantJoined(session, participantInfo(participant, false));
    const onLeft = (participant: RemoteParticipant) => this.participantLeft(session, participant.identity);
    const onReconnecting = () => this.reconnecting(session, true);
    const onReconnected = () => this.reconnecting(session, false);
    const onDisconnected = (_room: Room, error?: TwilioError) => this.ended(session, toDisconnectReason(error));
    const onPublication = (_publication: unknown, participant: RemoteParticipant) =>
      this.participantUpdated(session, participant.identity);
    const onSubscription = (_track: unknown, _publication: unknown, participant: RemoteParticipant) =>
      this.participantUpdated(session, participant.identity);
    room
      .on('participantConnected', onJoined)
      .on('participantDisconnected', onLeft)
      .on('reconnecting', onReconnecting)
      .on('reconnected', onReconnected)
      .on('disconnected', onDisconnected)
      .on('trackPublished', onPublication)
      .on('trackUnpublished', onPublication)
      .on('trackEnabled', onPublication)
      .on('trackDisabled', onPublication)
      .on('trackSubscribed', onSubscription)
      .on('trackUnsubscribed', onSubscription);
    // `Room` extends Node's `EventEmitter` (the `events` package in the browser), whose typings
    // this browser build does not load: its `removeListener` is reached through this shape.
    const emitter = room as unknown as { removeListener(event: string, listener: (...args: never[]) => void): unknown };
    const subscribed: [string, (...args: never[]) => void][] = [
      ['participantConnected', onJoined],
      ['participantDisconnected', onLeft],
      ['reconnecting', onReconnecting],
      ['reconnected', onReconnected],
      ['disconnected', onDisconnected],
      ['trackPublished', onPublication],
      ['trackUnpublished', onPublication],
      ['trackEnabled', onPublication],
      ['trackDisabled', onPublication],
      ['trackSubscribed', onSubscription],
      ['trackUnsubscribed', onSubscription],
    ];
    return () => {
      for (const [event, listener] of subscribed) {
        emitter.removeListener(event, listener);
      }
    };
  }

  protected participantsOf(session: TwilioSession): ParticipantInfo[] {
    const room = session.room;
    if (room === undefined) {
      return [];
    }
    return [
      participantInfo(room.localParticipant, true),
      ...[...room.participants.values()].map((participant) => participantInfo(participant, false)),
    ];
  }

  protected publishSourcesOf(_session: TwilioSession, role: ParticipantRole): TrackSource[] {
    return [...TWILIO_PUBLISH_SOURCES[role]];
  }

  protected async setDevice(session: TwilioSession, device: LocalMediaSource, enabled: boolean): Promise<void> {
    const room = session.room;
    if (room === undefined) {
      return;
    }
    const existing = device === 'camera' ? session.camera : session.microphone;
    if (existing !== undefined) {
      existing.enable(enabled);
    } else if (enabled) {
      const track =
        device === 'camera' ? await this.#twilio.createLocalVideoTrack() : await this.#twilio.createLocalAudioTrack();
      if (session.disposed || !this.isCurrent(session)) {
        track.stop();
        return;
      }
      try {
        await room.localParticipant.publishTrack(track);
      } catch (error) {
        track.stop();
        throw error;
      }
      if (device === 'camera') {
        session.camera = track as LocalVideoTrack;
      } else {
        session.microphone = track as LocalAudioTrack;
      }
    }
    this.participantUpdated(session, room.localParticipant.identity);
  }

  protected async close(session: TwilioSession): Promise<void> {
    session.pending?.cancel();
    session.room?.disconnect();
  }

  protected async dispose(session: TwilioSession): Promise<void> {
    session.disposed = true;
    session.detach?.();
    session.detach = undefined;
    session.microphone?.stop();
    session.camera?.stop();
    if (session.room !== undefined && session.room.state !== 'disconnected') {
      session.room.disconnect();
    }
  }

  protected toConnectionError(error: unknown, token: string, ended: DisconnectReason | undefined): RoomConnectionError {
    return toRoomConnectionError(error, token, ended);
  }

  protected toLocalMediaError(device: LocalMediaSource, error: unknown): LocalMediaError {
    return toLocalMediaError(device, error);
  }
}
