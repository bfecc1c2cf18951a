import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  JoinTicketExpiredError,
  JoinTicketProviderMismatchError,
  RoomAdminNotSupportedError,
  RoomConnectionError,
  RoomStateError,
  TokenRequestRejectedError,
  type ConnectionState,
  type DisconnectReason,
  type JoinTicket,
  type LocalMediaError,
  type ParticipantInfo,
  type TrackSource,
} from '../../types';
import { DailyVideoProvider, publishSourcesOf } from './index';

// A stand-in for daily-js's call object (Daily's servers cannot be reached from here): it records
// every call into one shared log, so the tests assert the exact sequence the provider drives, and
// emits events shaped as daily-js's typings declare them.
const fake = vi.hoisted(() => {
  type Listener = (event: unknown) => void;
  const log: string[] = [];
  const calls: FakeCall[] = [];
  const next = {
    /** What `join()` rejects with, if anything. */
    joinError: undefined as unknown,
    /** A fatal `error` event emitted during `join()` (before it rejects or resolves). */
    fatalDuringJoin: undefined as Record<string, unknown> | undefined,
    /** Remote participants present when `join()` resolves. */
    remotes: [] as { user_id: string; user_name: string; session_id: string }[],
    /** The local participant's `permissions.canSend`. */
    canSend: new Set(['video', 'audio']) as Set<string> | boolean,
    /** Holds `join()` until this promise resolves. */
    hold: undefined as Promise<void> | undefined,
  };

  function participant(fields: Record<string, unknown>) {
    return {
      local: false,
      owner: false,
      tracks: { audio: { state: 'off' }, video: { state: 'off' }, screenAudio: { state: 'off' }, screenVideo: { state: 'off' } },
      permissions: { hasPresence: true, canSend: true as Set<string> | boolean, canReceive: { base: true }, canAdmin: false },
      ...fields,
    };
  }

  class FakeCall {
    readonly listeners = new Map<string, Set<Listener>>();
    joined = false;
    readonly local = participant({
      local: true,
      user_id: 'ada',
      user_name: 'Ada Lovelace',
      session_id: 'local-session',
      permissions: { hasPresence: true, canSend: next.canSend, canReceive: { base: true }, canAdmin: false },
    });
    readonly remotes = new Map<string, ReturnType<typeof participant>>();

    constructor() {
      calls.push(this);
    }

    on(event: string, listener: Listener): this {
      if (!this.listeners.has(event)) {
        this.listeners.set(event, new Set());
      }
      this.listeners.get(event)?.add(listener);
      return this;
    }

    off(event: string, listener: Listener): this {
      this.listeners.get(event)?.delete(listener);
      return this;
    }

    emit(action: string, fields: Record<string, unknown> = {}): void {
      for (const listener of [...(this.listeners.get(action) ?? [])]) {
        listener({ action, callClientId: 'c1', ...fields });
      }
    }

    async join(properties: unknown): Promise<unknown> {
      log.push(`join ${JSON.stringify(properties)}`);
      await (next.hold ?? Promise.resolve());
      if (next.fatalDuringJoin !== undefined) {
        this.emit('error', next.fatalDuringJoin);
      }
      if (next.joinError !== undefined) {
        throw next.joinError;
      }
      for (const remote of next.remotes) {
        this.remotes.set(remote.session_id, participant(remote));
      }
      this.joined = true;
      this.emit('joined-meeting', { participants: this.participants() });
      return this.participants();
    }

    participants(): Record<string, unknown> {
      return { local: this.local, ...Object.fromEntries(this.remotes) };
    }

    setLocalAudio(enabled: boolean): this {
      log.push(`setLocalAudio ${enabled}`);
      return this;
    }

    setLocalVideo(enabled: boolean): this {
      log.push(`setLocalVideo ${enabled}`);
      return this;
    }

    async leave(): Promise<void> {
      log.push('leave');
      this.emit('left-meeting');
    }

    async destroy(): Promise<void> {
      log.push('destroy');
    }

    listenerCount(): number {
      return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
    }
  }

  return { log, calls, next, FakeCall, participant };
});

vi.mock('@daily-co/daily-js', () => ({
  default: {
    createCallObject: (...args: unknown[]) => {
      fake.log.push(`createCallObject ${JSON.stringify(args)}`);
      return new fake.FakeCall();
    },
  },
}));

const HOUR_MS = 3_600_000;
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJyIjoicGh5c2ljcy0xMDEifQ.c2lnbmF0dXJl';
const URL = 'https://example.daily.co/physics-101';

function wireTicket(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: TOKEN,
    url: URL,
    identity: 'ada',
    room: 'physics-101',
    expires_at: new Date(Date.now() + 6 * HOUR_MS).toISOString(),
    provider: 'daily',
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
  return new DailyVideoProvider({ tokenEndpoint: { fetch: fetchFn } });
}

function recordEvents(target: DailyVideoProvider): string[] {
  const events: string[] = [];
  target.on('connectionStateChanged', (state: ConnectionState) => events.push(`state ${state}`));
  target.on('participantJoined', (p: ParticipantInfo) => events.push(`joined ${p.identity}${p.isLocal ? ' (local)' : ''}`));
  target.on('participantLeft', (p: ParticipantInfo) => events.push(`left ${p.identity}${p.isLocal ? ' (local)' : ''}`));
  target.on('participantUpdated', (p: ParticipantInfo) => events.push(`updated ${p.identity}`));
  target.on('localMediaError', (e: LocalMediaError) => events.push(`media ${e.source} ${e.code}`));
  target.on('publishSourcesChanged', (sources: readonly TrackSource[], previous: readonly TrackSource[]) =>
    events.push(`may publish [${sources.join(',')}] (was [${previous.join(',')}])`),
  );
  target.on('disconnected', (reason: DisconnectReason) => events.push(`disconnected ${reason}`));
  return events;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    await Promise.resolve();
  }
}

/** A provider that has joined physics-101 as a student, devices as `publish` says. */
async function joined(publish: { camera?: boolean; microphone?: boolean } = {}) {
  const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
  await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish });
  await settle();
  const call = fake.calls[0];
  if (call === undefined) {
    throw new Error('no call object');
  }
  return { lms, call };
}

beforeEach(() => {
  fake.log.length = 0;
  fake.calls.length = 0;
  fake.next.joinError = undefined;
  fake.next.fatalDuringJoin = undefined;
  fake.next.remotes = [];
  fake.next.canSend = new Set(['video', 'audio']);
  fake.next.hold = undefined;
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('joining a Daily room', () => {
  it('a student fetches a Daily ticket, creates one call object and joins with the URL and token', async () => {
    fake.next.remotes = [{ user_id: 'prof', user_name: 'Professor', session_id: 's-prof' }];
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    await lms.joinRoom({ room: 'physics-101', user: 'ada', displayName: 'Ada Lovelace' });
    await settle();

    expect(fake.log).toEqual([
      'fetch GET /api/video/token?room=physics-101&user=ada&name=Ada+Lovelace&role=participant&provider=daily',
      'createCallObject []',
      `join {"url":"${URL}","token":"${TOKEN}","startVideoOff":false,"startAudioOff":false}`,
    ]);
    expect(events).toEqual(['state connecting', 'state connected', 'joined ada (local)', 'joined prof']);
    expect(lms.participants).toEqual([
      { identity: 'ada', name: 'Ada Lovelace', isLocal: true },
      { identity: 'prof', name: 'Professor', isLocal: false },
    ]);
    expect(lms.publishSources).toEqual(['camera', 'microphone']);
    expect(lms.call).toBe(fake.calls[0]);
  });

  it('a viewer joins with camera and microphone off', async () => {
    fake.next.canSend = false;
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    await lms.joinRoom({ room: 'physics-101', user: 'ada', role: 'viewer' });
    expect(fake.log.slice(1)).toEqual([
      'createCallObject []',
      `join {"url":"${URL}","token":"${TOKEN}","startVideoOff":true,"startAudioOff":true}`,
    ]);
    expect(lms.publishSources).toEqual([]);
  });

  it('createRoom fetches a host ticket, and joinRoom(handle) joins with it', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const handle = await lms.createRoom({ room: 'physics-101', user: 'ada' });
    expect(handle).toMatchObject({ provider: 'daily', room: 'physics-101', request: { role: 'host' } });
    expect(handle.ticket).toMatchObject({ provider: 'daily', url: URL, token: TOKEN });
    expect(fake.calls).toHaveLength(0);

    await lms.joinRoom(handle, { publish: { microphone: true } });

    expect(fake.log).toEqual([
      'fetch GET /api/video/token?room=physics-101&user=ada&role=host&provider=daily',
      'createCallObject []',
      `join {"url":"${URL}","token":"${TOKEN}","startVideoOff":true,"startAudioOff":false}`,
    ]);
  });

  it('refuses a ticket the server issued for LiveKit (no provider) before creating a call object', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket({ provider: undefined, url: 'wss://lk' }))));
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTicketProviderMismatchError);
    expect(error).toMatchObject({ code: 'provider_mismatch', expected: 'daily', actual: 'livekit' });
    expect(fake.calls).toHaveLength(0);
  });

  it('token server refusals stay typed', async () => {
    const lms = provider(fetchAnswering(jsonResponse(400, { code: 'unknown_parameter', title: 'Unknown parameter', detail: 'provider' })));
    await expect(lms.joinRoom({ room: 'physics-101', user: 'ada' })).rejects.toBeInstanceOf(TokenRequestRejectedError);
  });

  it('connect() refuses an expired ticket and a ticket of another provider', async () => {
    const lms = provider(fetchAnswering());
    const ticket: JoinTicket = {
      provider: 'daily',
      token: TOKEN,
      url: URL,
      identity: 'ada',
      room: 'physics-101',
      expiresAt: new Date(Date.now() - 1),
    };
    await expect(lms.connect(ticket)).rejects.toBeInstanceOf(JoinTicketExpiredError);
    await expect(lms.connect({ ...ticket, provider: 'twilio' })).rejects.toBeInstanceOf(JoinTicketProviderMismatchError);
    expect(fake.calls).toHaveLength(0);
  });

  it('is refused while in a room', async () => {
    const { lms } = await joined();
    await expect(lms.joinRoom({ room: 'physics-101', user: 'ada' })).rejects.toBeInstanceOf(RoomStateError);
  });
});

describe('Daily errors become typed errors without the token', () => {
  it.each([
    ['no-room', 'room_not_found'],
    ['meeting-full', 'room_full'],
    ['not-allowed', 'not_allowed'],
    ['exp-token', 'not_allowed'],
    ['nbf-room', 'not_allowed'],
    ['connection-error', 'server_unreachable'],
    ['end-of-life', 'unknown'],
  ])('a join that fails with Daily error %s is a RoomConnectionError %s', async (type, code) => {
    fake.next.fatalDuringJoin = {
      errorMsg: `Meeting token ${TOKEN} refused`,
      error: { type, msg: `Meeting token ${TOKEN} refused` },
    };
    fake.next.joinError = new Error(`join failed for ${TOKEN}`);
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket()), jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RoomConnectionError);
    expect(error).toMatchObject({ name: 'RoomConnectionError', code, provider: 'daily' });
    expect((error as Error).message).toBe('Could not connect to the video server: Meeting token [token] refused');
    expect((error as Error).message).not.toContain('eyJ');
    expect(events).toEqual(['state connecting', 'state disconnected']);
    expect(fake.log.filter((entry) => entry === 'destroy')).toEqual(['destroy']);
    expect(fake.calls[0]?.listenerCount()).toBe(0);

    // The provider is usable again: daily-js allows a new call object once the last is destroyed.
    fake.next.fatalDuringJoin = undefined;
    fake.next.joinError = undefined;
    await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish: {} });
    expect(lms.connectionState).toBe('connected');
  });

  it('a join rejected without an error event keeps the (redacted) rejection message, code unknown', async () => {
    fake.next.joinError = `something about ${TOKEN}`;
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unknown', message: 'Could not connect to the video server: something about [token]' });
  });

  it('an ejection while joining is a leave_request with the reason removed', async () => {
    fake.next.fatalDuringJoin = { errorMsg: 'You were ejected', error: { type: 'ejected', msg: 'You were ejected' } };
    fake.next.joinError = new Error('ejected');
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'leave_request', disconnectReason: 'removed' });
    expect(lms.disconnectReason).toBeUndefined();
  });

  it.each([
    ['permissions', { blockedBy: 'user', blockedMedia: ['video'] }, ['media camera permission_denied']],
    ['not-found', { missingMedia: ['audio'] }, ['media microphone device_not_found']],
    ['cam-mic-in-use', {}, ['media camera device_in_use', 'media microphone device_in_use']],
    ['constraints', { reason: 'invalid', failedMedia: ['video'] }, ['media camera media_error']],
    ['unknown', {}, ['media camera media_error', 'media microphone media_error']],
  ])("Daily's camera-error %s is a localMediaError, and the session stands", async (type, fields, expected) => {
    const { lms, call } = await joined();
    const events = recordEvents(lms);
    call.emit('camera-error', { errorMsg: { errorMsg: 'x' }, error: { type, msg: 'x', ...fields } });
    expect(events).toEqual(expected);
    expect(lms.connectionState).toBe('connected');
  });
});

describe('Daily events', () => {
  it('participants joining, updating and leaving; tracks starting', async () => {
    const { lms, call } = await joined();
    const events = recordEvents(lms);
    const bob = fake.participant({ user_id: 'bob', user_name: '', session_id: 's-bob' });

    call.emit('participant-joined', { participant: bob });
    call.emit('participant-updated', { participant: bob });
    call.emit('track-started', { participant: bob, track: {}, type: 'video' });
    call.emit('track-stopped', { participant: null, track: {}, type: 'video' });
    call.emit('participant-left', { participant: bob });

    expect(events).toEqual(['joined bob', 'updated bob', 'updated bob', 'left bob']);
    expect(lms.participants).toEqual([{ identity: 'ada', name: 'Ada Lovelace', isLocal: true }]);
  });

  it('a signalling interruption is reconnecting, then connected', async () => {
    const { lms, call } = await joined();
    const events = recordEvents(lms);
    call.emit('network-connection', { type: 'signaling', event: 'interrupted' });
    call.emit('network-connection', { type: 'sfu', event: 'interrupted' });
    call.emit('network-connection', { type: 'signaling', event: 'connected' });
    expect(events).toEqual(['state reconnecting', 'state connected']);
  });

  it('a meeting owner changing our canSend is publishSourcesChanged', async () => {
    fake.next.canSend = false;
    const { lms, call } = await joined();
    const events = recordEvents(lms);

    call.local.permissions = { ...call.local.permissions, canSend: new Set(['audio', 'video', 'customVideo']) };
    call.emit('participant-updated', { participant: call.local });
    call.local.permissions = { ...call.local.permissions, canSend: false };
    call.emit('participant-updated', { participant: call.local });

    expect(events).toEqual([
      'may publish [camera,microphone] (was [])',
      'updated ada',
      'may publish [] (was [camera,microphone])',
      'updated ada',
    ]);
  });

  it.each([
    ['ejected', 'removed'],
    ['exp-room', 'room_ended'],
    ['connection-error', 'connection_lost'],
    ['exp-token', 'unknown'],
  ])("a fatal error %s after joining ends the session as %s, and destroys the call object", async (type, reason) => {
    const { lms, call } = await joined();
    const events = recordEvents(lms);

    call.emit('error', { errorMsg: 'bye', error: { type, msg: 'bye' } });
    call.emit('left-meeting');
    await settle();

    expect(events).toEqual(['left ada (local)', 'state disconnected', `disconnected ${reason}`]);
    expect(lms.disconnectReason).toBe(reason);
    expect(fake.log.slice(-1)).toEqual(['destroy']);
    expect(call.listenerCount()).toBe(0);
  });

  it('left-meeting that this page did not ask for ends the session as unknown', async () => {
    const { lms, call } = await joined();
    call.emit('left-meeting');
    await settle();
    expect(lms.disconnectReason).toBe('unknown');
  });
});

describe('own microphone and camera', () => {
  it('publishLocalMedia turns devices on and off with setLocalAudio and setLocalVideo', async () => {
    const { lms } = await joined();
    fake.log.length = 0;

    await lms.publishLocalMedia({ microphone: false, camera: true });
    await lms.publishLocalMedia({ camera: false });

    expect(fake.log).toEqual(['setLocalAudio false', 'setLocalVideo true', 'setLocalVideo false']);
  });

  it('a device the participant may not publish is a not_allowed localMediaError, not a silent no-op', async () => {
    fake.next.canSend = new Set(['audio']);
    const { lms } = await joined();
    const events = recordEvents(lms);
    fake.log.length = 0;

    await lms.publishLocalMedia({ camera: true, microphone: true });

    expect(fake.log).toEqual(['setLocalAudio true']);
    expect(events).toEqual(['media camera not_allowed']);
  });

  it('does nothing outside a room', async () => {
    await provider(fetchAnswering()).publishLocalMedia({ camera: true });
    expect(fake.log).toEqual([]);
  });
});

describe('leaving', () => {
  it('leaves, then destroys the call object; the reason is left', async () => {
    fake.next.remotes = [{ user_id: 'prof', user_name: 'Professor', session_id: 's-prof' }];
    const { lms, call } = await joined();
    const events = recordEvents(lms);
    fake.log.length = 0;

    await lms.leaveRoom();
    await lms.leaveRoom();

    expect(fake.log).toEqual(['leave', 'destroy']);
    expect(events).toEqual(['left prof', 'left ada (local)', 'state disconnected', 'disconnected left']);
    expect(lms.disconnectReason).toBe('left');
    expect(lms.call).toBeUndefined();
    expect(call.listenerCount()).toBe(0);
  });

  it('leaving while call.join() is pending leaves and destroys the call object, and cancels the join', async () => {
    let release: () => void = () => undefined;
    fake.next.hold = new Promise((resolve) => (release = resolve));
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);
    const joining = lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(fake.log.some((entry) => entry.startsWith('join'))).toBe(true));

    await lms.leaveRoom();
    release();

    expect(await joining).toMatchObject({ name: 'RoomConnectionError', code: 'cancelled' });
    expect(fake.log.slice(-2)).toEqual(['leave', 'destroy']);
    expect(events).toEqual(['state connecting', 'state disconnected']);
    expect(lms.disconnectReason).toBeUndefined();
  });

  it('leaving while the ticket is fetched cancels the join before any call object', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const joining = lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    await Promise.resolve();
    await lms.leaveRoom();
    expect(await joining).toMatchObject({ name: 'RoomConnectionError', code: 'cancelled' });
    expect(fake.calls).toHaveLength(0);
  });
});

describe('room administration', () => {
  it('goes to the token server with provider=daily; its 501 is RoomAdminNotSupportedError', async () => {
    const fetchFn = fetchAnswering(
      jsonResponse(501, { title: 'Not supported', detail: 'Daily has no room administration here.', code: 'not_supported', status: 501 }),
    );
    const error = await provider(fetchFn).removeParticipant('physics-101', 'bob').catch((e: unknown) => e);
    expect(fake.log).toEqual(['fetch DELETE /api/video/rooms/physics-101/participants/bob?provider=daily']);
    expect(error).toBeInstanceOf(RoomAdminNotSupportedError);
    expect(error).toMatchObject({ code: 'not_supported' });
  });
});

describe('media tracks for the page', () => {
  it('lists each participant with their playable camera and microphone, local first', async () => {
    fake.next.remotes = [{ user_id: 'prof', user_name: 'Professor', session_id: 's-prof' }];
    const { lms, call } = await joined();
    const camera = { kind: 'video', id: 'cam' } as unknown as MediaStreamTrack;
    const voice = { kind: 'audio', id: 'mic' } as unknown as MediaStreamTrack;
    call.local.tracks.video = { state: 'playable', persistentTrack: camera } as never;
    const prof = call.remotes.get('s-prof');
    if (prof !== undefined) {
      prof.tracks.audio = { state: 'playable', persistentTrack: voice } as never;
      prof.tracks.video = { state: 'loading', persistentTrack: camera } as never;
    }

    expect(lms.mediaTracks()).toEqual([
      { participant: { identity: 'ada', name: 'Ada Lovelace', isLocal: true }, camera, microphone: undefined },
      { participant: { identity: 'prof', name: 'Professor', isLocal: false }, camera: undefined, microphone: voice },
    ]);
    await lms.leaveRoom();
    expect(lms.mediaTracks()).toEqual([]);
  });
});

describe('publishSourcesOf', () => {
  it.each([
    [true, ['camera', 'microphone', 'screen_share', 'screen_share_audio']],
    [false, []],
    [new Set(['screenAudio', 'video']), ['camera', 'screen_share_audio']],
    [new Set(['customAudio']), []],
  ] as const)('canSend %s is %j', (canSend, expected) => {
    expect(publishSourcesOf({ hasPresence: true, canSend: canSend as never, canReceive: { base: true }, canAdmin: false })).toEqual(expected);
  });
});
