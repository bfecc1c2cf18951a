import { beforeEach, describe, expect, it, vi } from 'vitest';

import {
  JoinTicketProviderMismatchError,
  RoomAdminNotSupportedError,
  RoomConnectionError,
  type ConnectionState,
  type DisconnectReason,
  type JoinTicket,
  type LocalMediaError,
  type ParticipantInfo,
  type TrackSource,
} from '../../types';
import { TwilioVideoProvider } from './index';

// A stand-in for twilio-video (Twilio's servers cannot be reached from here): `connect()` and
// the local track factories record every call into one shared log, so the tests assert the exact
// sequence the provider drives; the room emits events with the arguments twilio-video's typings
// declare.
const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  const log: string[] = [];
  const rooms: FakeRoom[] = [];
  const next = {
    /** What `connect()` rejects with, if anything. */
    connectError: undefined as unknown,
    /** Remote participants present when `connect()` resolves. */
    remotes: [] as string[],
    /** What `createLocalVideoTrack()` rejects with, if anything. */
    cameraError: undefined as unknown,
    /** Holds `connect()` until released. */
    hold: false,
    release: () => undefined as void,
  };

  class FakeTrack {
    readonly kind: 'audio' | 'video';
    isEnabled = true;
    readonly mediaStreamTrack: { id: string; kind: string };

    constructor(kind: 'audio' | 'video') {
      this.kind = kind;
      this.mediaStreamTrack = { id: `local-${kind}`, kind };
    }

    enable(enabled = true): this {
      log.push(`${this.kind} enable ${enabled}`);
      this.isEnabled = enabled;
      return this;
    }

    disable(): this {
      return this.enable(false);
    }

    stop(): this {
      log.push(`${this.kind} stop`);
      return this;
    }
  }

  class FakeRemote {
    readonly identity: string;
    readonly videoTracks = new Map<string, { track: { mediaStreamTrack: unknown; isEnabled: boolean } | null }>();
    readonly audioTracks = new Map<string, { track: { mediaStreamTrack: unknown; isEnabled: boolean } | null }>();

    constructor(identity: string) {
      this.identity = identity;
    }
  }

  class FakeRoom {
    readonly listeners = new Map<string, Set<Listener>>();
    readonly participants = new Map<string, FakeRemote>();
    state = 'connected';
    readonly localParticipant = {
      identity: 'ada',
      publishTrack: async (track: FakeTrack) => {
        log.push(`publishTrack ${track.kind}`);
        return {};
      },
    };

    constructor(readonly name: string) {
      rooms.push(this);
      for (const identity of next.remotes) {
        this.participants.set(`PA_${identity}`, new FakeRemote(identity));
      }
    }

    on(event: string, listener: Listener): this {
      if (!this.listeners.has(event)) {
        this.listeners.set(event, new Set());
      }
      this.listeners.get(event)?.add(listener);
      return this;
    }

    removeListener(event: string, listener: Listener): this {
      this.listeners.get(event)?.delete(listener);
      return this;
    }

    emit(event: string, ...args: unknown[]): void {
      for (const listener of [...(this.listeners.get(event) ?? [])]) {
        listener(...args);
      }
    }

    disconnect(): this {
      log.push('disconnect');
      if (this.state !== 'disconnected') {
        this.state = 'disconnected';
        this.emit('disconnected', this);
      }
      return this;
    }

    listenerCount(): number {
      return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
    }
  }

  function connect(token: string, options: { name: string }) {
    log.push(`connect ${token} ${JSON.stringify(options)}`);
    let cancel: () => void = () => undefined;
    const promise = new Promise((resolve, reject) => {
      cancel = () => {
        log.push('cancel');
        reject(new Error('Canceled'));
      };
      const settle = () => {
        if (next.connectError !== undefined) {
          reject(next.connectError);
        } else {
          resolve(new FakeRoom(options.name));
        }
      };
      if (next.hold) {
        next.release = settle;
      } else {
        void Promise.resolve().then(settle);
      }
    });
    return Object.assign(promise, { cancel });
  }

  return { log, rooms, next, FakeTrack, FakeRemote, FakeRoom, connect };
});

vi.mock('twilio-video', () => ({
  connect: fake.connect,
  createLocalAudioTrack: async () => {
    fake.log.push('createLocalAudioTrack');
    return new fake.FakeTrack('audio');
  },
  createLocalVideoTrack: async () => {
    fake.log.push('createLocalVideoTrack');
    if (fake.next.cameraError !== undefined) {
      throw fake.next.cameraError;
    }
    return new fake.FakeTrack('video');
  },
}));

const HOUR_MS = 3_600_000;
const TOKEN = 'eyJjdHkiOiJ0d2lsaW8tZnBhO3Y9MSJ9.eyJncmFudHMiOnt9fQ.c2ln';

function wireTicket(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: TOKEN,
    url: '',
    identity: 'ada',
    room: 'physics-101',
    expires_at: new Date(Date.now() + 6 * HOUR_MS).toISOString(),
    provider: 'twilio',
    ...overrides,
  };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function fetchAnswering(...responses: Response[]) {
  return vi.fn<typeof fetch>(async (input, init) => {
    fake.log.push(`fetch ${init?.method ?? 'GET'} ${String(input)}`);
    const next = responses.shift();
    if (next === undefined) {
      throw new Error('unexpected extra fetch');
    }
    return next;
  });
}

function provider(fetchFn: typeof fetch) {
  return new TwilioVideoProvider({ tokenEndpoint: { fetch: fetchFn } });
}

function recordEvents(target: TwilioVideoProvider): string[] {
  const events: string[] = [];
  target.on('connectionStateChanged', (state: ConnectionState) => events.push(`state ${state}`));
  target.on('participantJoined', (p: ParticipantInfo) => events.push(`joined ${p.identity}${p.isLocal ? ' (local)' : ''}`));
  target.on('participantLeft', (p: ParticipantInfo) => events.push(`left ${p.identity}${p.isLocal ? ' (local)' : ''}`));
  target.on('participantUpdated', (p: ParticipantInfo) => events.push(`updated ${p.identity}`));
  target.on('localMediaError', (e: LocalMediaError) => events.push(`media ${e.source} ${e.code}`));
  target.on('publishSourcesChanged', (sources: readonly TrackSource[]) => events.push(`may publish [${sources.join(',')}]`));
  target.on('disconnected', (reason: DisconnectReason) => events.push(`disconnected ${reason}`));
  return events;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    await Promise.resolve();
  }
}

async function joined(role: 'host' | 'participant' | 'viewer' = 'participant', publish?: { camera?: boolean; microphone?: boolean }) {
  const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
  await lms.joinRoom({ room: 'physics-101', user: 'ada', role }, publish === undefined ? undefined : { publish });
  await settle();
  const room = fake.rooms[0];
  if (room === undefined) {
    throw new Error('no room');
  }
  return { lms, room };
}

/** A TwilioError as twilio-video builds them: an Error with a numeric `code`. */
function twilioError(code: number, message: string): Error {
  return Object.assign(new Error(message), { name: 'TwilioError', code });
}

beforeEach(() => {
  fake.log.length = 0;
  fake.rooms.length = 0;
  fake.next.connectError = undefined;
  fake.next.remotes = [];
  fake.next.cameraError = undefined;
  fake.next.hold = false;
});

describe('joining a Twilio room', () => {
  it('a student connects with the token and the room name, then creates and publishes microphone and camera', async () => {
    fake.next.remotes = ['prof'];
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    await lms.joinRoom({ room: 'physics-101', user: 'ada', displayName: 'Ada Lovelace' });
    await settle();

    expect(fake.log).toEqual([
      'fetch GET /api/video/token?room=physics-101&user=ada&name=Ada+Lovelace&role=participant&provider=twilio',
      `connect ${TOKEN} {"name":"physics-101","audio":false,"video":false}`,
      'createLocalAudioTrack',
      'publishTrack audio',
      'createLocalVideoTrack',
      'publishTrack video',
    ]);
    expect(events).toEqual(['state connecting', 'state connected', 'joined ada (local)', 'joined prof', 'updated ada', 'updated ada']);
    expect(lms.participants).toEqual([
      { identity: 'ada', name: undefined, isLocal: true },
      { identity: 'prof', name: undefined, isLocal: false },
    ]);
    expect(lms.publishSources).toEqual(['camera', 'microphone']);
    expect(lms.room).toBe(fake.rooms[0]);
  });

  it('a viewer connects and publishes nothing; turning a device on is a not_allowed localMediaError', async () => {
    const { lms } = await joined('viewer');
    const events = recordEvents(lms);
    expect(fake.log.slice(1)).toEqual([`connect ${TOKEN} {"name":"physics-101","audio":false,"video":false}`]);
    expect(lms.publishSources).toEqual([]);

    await lms.publishLocalMedia({ microphone: true });

    expect(events).toEqual(['media microphone not_allowed']);
    expect(fake.log).not.toContain('createLocalAudioTrack');
  });

  it('a host may publish every source', async () => {
    const { lms } = await joined('host', {});
    expect(lms.publishSources).toEqual(['camera', 'microphone', 'screen_share', 'screen_share_audio']);
  });

  it("connect() uses the role it is told, and accepts Twilio's empty url", async () => {
    const lms = provider(fetchAnswering());
    const ticket: JoinTicket = {
      provider: 'twilio',
      token: TOKEN,
      url: '',
      identity: 'ada',
      room: 'physics-101',
      expiresAt: new Date(Date.now() + HOUR_MS),
    };
    await lms.connect(ticket, { role: 'viewer' });
    expect(lms.publishSources).toEqual([]);
    expect(fake.log).toEqual([`connect ${TOKEN} {"name":"physics-101","audio":false,"video":false}`]);
  });

  it('refuses a Daily ticket before connecting', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket({ provider: 'daily', url: 'https://x.daily.co/r' }))));
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTicketProviderMismatchError);
    expect(fake.log.filter((entry) => entry.startsWith('connect'))).toEqual([]);
  });

  it('a refused camera is a localMediaError; the microphone and the session stand', async () => {
    fake.next.cameraError = new DOMException('Permission denied', 'NotAllowedError');
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    await settle();

    expect(events).toContain('media camera permission_denied');
    expect(fake.log).toContain('publishTrack audio');
    expect(fake.log).not.toContain('publishTrack video');
    expect(lms.connectionState).toBe('connected');
  });
});

describe('Twilio errors become typed errors without the token', () => {
  it.each([
    [20101, 'not_allowed'],
    [20104, 'not_allowed'],
    [20107, 'not_allowed'],
    [53000, 'server_unreachable'],
    [53002, 'timeout'],
    [53105, 'room_full'],
    [53106, 'room_not_found'],
    [53118, 'room_not_found'],
    [53999, 'unknown'],
  ])('a connect() rejected with TwilioError %i is a RoomConnectionError %s', async (code, expected) => {
    fake.next.connectError = twilioError(code, `Invalid Access Token: ${TOKEN}`);
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket()), jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RoomConnectionError);
    expect(error).toMatchObject({ code: expected, provider: 'twilio' });
    expect((error as Error).message).toBe(`Could not connect to the video server: Invalid Access Token: [token] (Twilio error ${code})`);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(events).toEqual(['state connecting', 'state disconnected']);

    fake.next.connectError = undefined;
    await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish: {} });
    expect(lms.connectionState).toBe('connected');
  });

  it('the token is redacted even when it is not a JWT-looking string', async () => {
    const token = 'opaque-token-123';
    fake.next.connectError = new Error(`bad token ${token}`);
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket({ token }))));
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unknown', message: 'Could not connect to the video server: bad token [token]' });
  });
});

describe('Twilio events', () => {
  it('participants connecting, publishing, and disconnecting', async () => {
    const { lms, room } = await joined('participant', {});
    const events = recordEvents(lms);
    const bob = new fake.FakeRemote('bob');

    room.emit('participantConnected', bob);
    room.emit('trackPublished', {}, bob);
    room.emit('trackSubscribed', {}, {}, bob);
    room.emit('trackDisabled', {}, bob);
    room.emit('participantDisconnected', bob);

    expect(events).toEqual(['joined bob', 'updated bob', 'updated bob', 'updated bob', 'left bob']);
  });

  it('reconnecting, then reconnected', async () => {
    const { lms, room } = await joined('participant', {});
    const events = recordEvents(lms);
    room.emit('reconnecting', twilioError(53001, 'Signaling connection disconnected'));
    room.emit('reconnected');
    expect(events).toEqual(['state reconnecting', 'state connected']);
  });

  it.each([
    [53118, 'room_ended'],
    [53205, 'duplicate_identity'],
    [53001, 'connection_lost'],
    [53405, 'connection_lost'],
    [20104, 'unknown'],
    [undefined, 'unknown'],
  ])('disconnected with TwilioError %s ends the session as %s, and stops the local tracks', async (code, reason) => {
    const { lms, room } = await joined('participant');
    const events = recordEvents(lms);
    fake.log.length = 0;

    room.state = 'disconnected';
    room.emit('disconnected', room, code === undefined ? undefined : twilioError(code, 'bye'));
    await settle();

    expect(events).toEqual(['left ada (local)', 'state disconnected', `disconnected ${reason}`]);
    expect(fake.log).toEqual(['audio stop', 'video stop']);
    expect(room.listenerCount()).toBe(0);
  });
});

describe('own microphone and camera', () => {
  it('mutes and unmutes with disable() and enable() once published', async () => {
    const { lms } = await joined('participant');
    const events = recordEvents(lms);
    fake.log.length = 0;

    await lms.publishLocalMedia({ microphone: false, camera: false });
    await lms.publishLocalMedia({ camera: true });

    expect(fake.log).toEqual(['audio enable false', 'video enable false', 'video enable true']);
    expect(events).toEqual(['updated ada', 'updated ada', 'updated ada']);
  });

  it('media tracks: the local enabled ones and the remote subscribed, enabled ones', async () => {
    fake.next.remotes = ['prof'];
    const { lms, room } = await joined('participant');
    const prof = room.participants.get('PA_prof');
    const remoteVideo = { id: 'remote-video' };
    prof?.videoTracks.set('MT1', { track: { mediaStreamTrack: remoteVideo, isEnabled: true } });
    prof?.audioTracks.set('MT2', { track: null });
    await lms.publishLocalMedia({ microphone: false });

    expect(lms.mediaTracks()).toEqual([
      { participant: { identity: 'ada', name: undefined, isLocal: true }, camera: { id: 'local-video', kind: 'video' }, microphone: undefined },
      { participant: { identity: 'prof', name: undefined, isLocal: false }, camera: remoteVideo, microphone: undefined },
    ]);
  });
});

describe('leaving', () => {
  it('disconnects once and stops the local tracks; the reason is left', async () => {
    fake.next.remotes = ['prof'];
    const { lms, room } = await joined('participant');
    const events = recordEvents(lms);
    fake.log.length = 0;

    await lms.leaveRoom();
    await lms.leaveRoom();

    expect(fake.log).toEqual(['disconnect', 'audio stop', 'video stop']);
    expect(events).toEqual(['left prof', 'left ada (local)', 'state disconnected', 'disconnected left']);
    expect(lms.disconnectReason).toBe('left');
    expect(lms.room).toBeUndefined();
    expect(room.listenerCount()).toBe(0);
  });

  it('leaving while connecting cancels connect()', async () => {
    fake.next.hold = true;
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const joining = lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(fake.log.some((entry) => entry.startsWith('connect'))).toBe(true));

    await lms.leaveRoom();

    expect(await joining).toMatchObject({ name: 'RoomConnectionError', code: 'cancelled' });
    expect(fake.log.slice(-1)).toEqual(['cancel']);
    expect(lms.connectionState).toBe('disconnected');
    expect(lms.disconnectReason).toBeUndefined();
  });
});

describe('room administration', () => {
  it('goes to the token server with provider=twilio; its 501 is RoomAdminNotSupportedError', async () => {
    const fetchFn = fetchAnswering(jsonResponse(501, { title: 'Not supported', code: 'not_supported', status: 501 }));
    const error = await provider(fetchFn).endRoom('physics-101').catch((e: unknown) => e);
    expect(fake.log).toEqual(['fetch DELETE /api/video/rooms/physics-101?provider=twilio']);
    expect(error).toBeInstanceOf(RoomAdminNotSupportedError);
  });
});
