import { ParticipantPermission, TrackSource as ProtoTrackSource } from '@livekit/protocol';
import { ConnectionError, DisconnectReason as LiveKitDisconnectReason, RoomEvent } from 'livekit-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  InvalidJoinRequestError,
  JoinTicketExpiredError,
  JoinTicketProviderMismatchError,
  LocalMediaError,
  RoomConnectionError,
  RoomStateError,
  TokenRequestNetworkError,
  TokenRequestRejectedError,
  TokenResponseInvalidError,
  TokenServerError,
  VideoProviderError,
  RoomAdminNotFoundError,
  type ConnectionState,
  type DisconnectReason,
  type JoinTicket,
  type ParticipantInfo,
  type TrackSource,
} from '../../types';
import { LiveKitVideoProvider, type LiveKitVideoProviderOptions } from './index';

// A stand-in for livekit-client's Room that records every call into one shared log, so the tests
// can assert the exact sequence the provider drives. Everything else in livekit-client (errors,
// enums) is the real module.
const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  const log: string[] = [];
  const rooms: FakeRoom[] = [];
  const next = {
    /** What the next `connect()` does: resolve (after emitting connecting/connected) or reject. */
    connectError: undefined as unknown,
    /** Remote participants already in the room when the next `connect()` resolves. */
    remotes: [] as { identity: string; name: string }[],
    /** What `setCameraEnabled(true)` rejects with, if anything. */
    cameraError: undefined as unknown,
    /** The local participant's permission in the next `Room`. */
    permissions: undefined as unknown,
    /** Runs inside the next `connect()`, before it resolves: the server acting while we join. */
    duringConnect: undefined as ((room: FakeRoom) => void) | undefined,
    /** The next `connect()` never settles (livekit-client after a leave that overtook its join). */
    connectHangs: false,
  };

  class FakeRoom {
    readonly options: unknown;
    readonly listeners = new Map<string, Set<Listener>>();
    readonly remoteParticipants = new Map<string, { identity: string; name: string; isLocal: false }>();
    readonly localParticipant = {
      identity: '',
      name: '',
      isLocal: true as const,
      /** LiveKit's permission of the local participant (a `ParticipantPermission`), set by a test. */
      permissions: next.permissions,
      setMicrophoneEnabled: async (enabled: boolean) => {
        log.push(`setMicrophoneEnabled ${enabled}`);
      },
      setCameraEnabled: async (enabled: boolean) => {
        log.push(`setCameraEnabled ${enabled}`);
        if (next.cameraError !== undefined) {
          throw next.cameraError;
        }
      },
    };

    constructor(options: unknown) {
      this.options = options;
      rooms.push(this);
      log.push(`new Room #${rooms.length}`);
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

    emit(event: string, ...args: unknown[]): void {
      for (const listener of [...(this.listeners.get(event) ?? [])]) {
        listener(...args);
      }
    }

    async prepareConnection(url: string, token?: string): Promise<void> {
      log.push(`prepareConnection #${rooms.indexOf(this) + 1} ${url} ${token}`);
    }

    async connect(url: string, token: string): Promise<void> {
      log.push(`connect #${rooms.indexOf(this) + 1} ${url} ${token}`);
      this.emit('connectionStateChanged', 'connecting');
      await Promise.resolve();
      next.duringConnect?.(this);
      if (next.connectHangs) {
        await new Promise(() => undefined);
      }
      if (next.connectError !== undefined) {
        this.emit('connectionStateChanged', 'disconnected');
        this.emit('disconnected');
        throw next.connectError;
      }
      this.localParticipant.identity = 'ada';
      this.localParticipant.name = 'Ada Lovelace';
      for (const remote of next.remotes) {
        this.remoteParticipants.set(remote.identity, { ...remote, isLocal: false });
      }
      this.emit('connectionStateChanged', 'connected');
    }

    async disconnect(): Promise<void> {
      log.push(`disconnect #${rooms.indexOf(this) + 1}`);
      this.emit('connectionStateChanged', 'disconnected');
      this.emit('disconnected', 1); // DisconnectReason.CLIENT_INITIATED, as livekit-client sends it
    }

    listenerCount(): number {
      return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
    }
  }

  return { log, rooms, next, FakeRoom };
});

vi.mock('livekit-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('livekit-client')>();
  return { ...actual, Room: fake.FakeRoom };
});

const HOUR_MS = 3_600_000;

/** The token endpoint's 200 body, in the wire's snake_case. */
function wireTicket(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: 'eyJ.header-and-claims.signature',
    url: 'ws://127.0.0.1:7880',
    identity: 'ada',
    room: 'physics-101',
    expires_at: new Date(Date.now() + 6 * HOUR_MS).toISOString(),
    ...overrides,
  };
}

function jsonResponse(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } });
}

function problem(status: number, code: string, title: string, detail: string): Response {
  return jsonResponse(
    status,
    { type: `urn:openconnect-video:problem:${code}`, title, status, detail, code },
    'application/problem+json',
  );
}

/** A fetch that answers each call with the next response, and logs the URL it was asked for. */
function fetchAnswering(...responses: (Response | (() => Promise<Response>))[]) {
  return vi.fn<typeof fetch>(async (input) => {
    fake.log.push(`fetch ${String(input)}`);
    const next = responses.shift();
    if (next === undefined) {
      throw new Error('unexpected extra fetch');
    }
    return typeof next === 'function' ? next() : next;
  });
}

function provider(fetchFn: typeof fetch, options: Omit<LiveKitVideoProviderOptions, 'fetch'> = {}) {
  return new LiveKitVideoProvider({
    ...options,
    tokenEndpoint: { ...options.tokenEndpoint, fetch: fetchFn },
  });
}

/** Records a provider's events as strings, in order. */
function recordEvents(target: LiveKitVideoProvider): string[] {
  const events: string[] = [];
  target.on('connectionStateChanged', (state: ConnectionState) => events.push(`state ${state}`));
  target.on('participantJoined', (p: ParticipantInfo) => events.push(`joined ${p.identity}${p.isLocal ? ' (local)' : ''}`));
  target.on('participantLeft', (p: ParticipantInfo) => events.push(`left ${p.identity}${p.isLocal ? ' (local)' : ''}`));
  target.on('localMediaError', (e: LocalMediaError) => events.push(`media ${e.source} ${e.code}`));
  target.on('disconnected', (reason: DisconnectReason) => events.push(`disconnected ${reason}`));
  target.on('participantUpdated', (p: ParticipantInfo) => events.push(`updated ${p.identity}`));
  target.on('publishSourcesChanged', (sources: readonly TrackSource[], previous: readonly TrackSource[]) =>
    events.push(`may publish [${sources.join(',')}] (was [${previous.join(',')}])`),
  );
  return events;
}

/** Lets the publishing that follows a join (deliberately not awaited by joinRoom) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    await Promise.resolve();
  }
}

beforeEach(() => {
  fake.log.length = 0;
  fake.rooms.length = 0;
  fake.next.connectError = undefined;
  fake.next.remotes = [];
  fake.next.cameraError = undefined;
  fake.next.permissions = undefined;
  fake.next.duringConnect = undefined;
  fake.next.connectHangs = false;
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the token request', () => {
  it('sends exactly the configured request', async () => {
    const fetchFn = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn, {
      tokenEndpoint: {
        baseUrl: 'https://video.example.edu/',
        credentials: 'include',
        headers: async () => ({ Authorization: 'Bearer lms-session', Accept: 'application/json, */*' }),
      },
    });

    await lms.joinRoom({ room: 'physics-101', user: 'ada', displayName: 'Ada Lovelace' });

    expect(fetchFn).toHaveBeenCalledTimes(1);
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe(
      'https://video.example.edu/api/video/token?room=physics-101&user=ada&name=Ada+Lovelace&role=participant&provider=livekit',
    );
    expect(init?.method).toBe('GET');
    expect(init?.credentials).toBe('include');
    expect(init?.cache).toBe('no-store');
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    expect(Object.fromEntries(new Headers(init?.headers))).toEqual({
      accept: 'application/json, */*',
      authorization: 'Bearer lms-session',
    });
  });

  it('defaults to the global fetch, the same origin and same-origin credentials', async () => {
    const fetchFn = fetchAnswering(jsonResponse(200, wireTicket({ identity: 'prof. x', room: 'a b&c' })));
    vi.stubGlobal('fetch', fetchFn);
    const lms = new LiveKitVideoProvider();

    await lms.createRoom({ room: 'a b&c', user: 'prof. x' });

    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe('/api/video/token?room=a+b%26c&user=prof.+x&role=host&provider=livekit');
    expect(init?.credentials).toBe('same-origin');
    expect(Object.fromEntries(new Headers(init?.headers))).toEqual({ accept: 'application/json' });
  });

  it('maps the wire ticket to a JoinTicket in one place (expires_at becomes expiresAt)', async () => {
    const wire = wireTicket({ expires_at: '2026-11-24T07:00:00Z' });
    vi.useFakeTimers({ now: new Date('2026-11-24T01:00:00Z'), toFake: ['Date'] });
    try {
      const handle = await provider(fetchAnswering(jsonResponse(200, wire))).createRoom({
        room: 'physics-101',
        user: 'ada',
      });
      expect(handle.ticket).toEqual<JoinTicket>({
        provider: 'livekit',
        token: 'eyJ.header-and-claims.signature',
        url: 'ws://127.0.0.1:7880',
        identity: 'ada',
        room: 'physics-101',
        expiresAt: new Date('2026-11-24T07:00:00Z'),
      });
      expect(handle).toMatchObject({ provider: 'livekit', room: 'physics-101', request: { role: 'host' } });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('which provider the ticket is for', () => {
  it('by default asks for provider=livekit, so a server with several providers answers for LiveKit', async () => {
    const fetchFn = fetchAnswering(jsonResponse(200, wireTicket({ provider: 'livekit' })));
    await provider(fetchFn).joinRoom({ room: 'physics-101', user: 'ada' }, { publish: {} });
    expect(fake.log.slice(0, 1)).toEqual([
      'fetch /api/video/token?room=physics-101&user=ada&role=participant&provider=livekit',
    ]);
  });

  it('leaves provider= out when told the server predates it (it refuses unknown parameters)', async () => {
    const fetchFn = fetchAnswering(jsonResponse(200, wireTicket({ provider: 'livekit' })));
    await provider(fetchFn, { sendProviderParameter: false }).createRoom({ room: 'physics-101', user: 'ada' });
    expect(fake.log[0]).toBe('fetch /api/video/token?room=physics-101&user=ada&role=host');
  });

  it('refuses a ticket for Daily before creating a Room', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket({ provider: 'daily', url: 'https://x.daily.co/r' }))));
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTicketProviderMismatchError);
    expect(error).toMatchObject({ code: 'provider_mismatch', expected: 'livekit', actual: 'daily' });
    expect(fake.rooms).toHaveLength(0);
    expect(lms.connectionState).toBe('disconnected');
  });

  it('connect() refuses a ticket another provider fetched, and takes one without provider as LiveKit', async () => {
    const lms = provider(fetchAnswering());
    const base = { token: 't', url: 'wss://video.example.edu', identity: 'ada', room: 'r', expiresAt: new Date(Date.now() + HOUR_MS) };
    await expect(lms.connect({ ...base, provider: 'twilio' })).rejects.toMatchObject({
      name: 'JoinTicketProviderMismatchError',
      actual: 'twilio',
    });
    expect(fake.log.filter((entry) => entry.startsWith('connect'))).toEqual([]);
    await lms.connect(base, { publish: {} });
    expect(lms.connectionState).toBe('connected');
  });
});

describe('token endpoint failures become typed errors', () => {
  async function joinError(...responses: (Response | (() => Promise<Response>))[]): Promise<unknown> {
    const lms = provider(fetchAnswering(...responses), { tokenEndpoint: { timeoutMs: 50 } });
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'joinRoom should have rejected').toBeInstanceOf(VideoProviderError);
    expect(fake.rooms, 'no Room is created when there is no ticket').toHaveLength(0);
    expect(lms.connectionState).toBe('disconnected');
    return error;
  }

  it('a network failure is a TokenRequestNetworkError with code network_error', async () => {
    const offline = new TypeError('Failed to fetch');
    const error = await joinError(() => Promise.reject(offline));
    expect(error).toBeInstanceOf(TokenRequestNetworkError);
    expect(error).toMatchObject({ name: 'TokenRequestNetworkError', code: 'network_error', cause: offline });
  });

  it('a server that does not answer in time is a TokenRequestNetworkError with code timeout', async () => {
    const lms = new LiveKitVideoProvider({
      tokenEndpoint: {
        timeoutMs: 20,
        fetch: (_input, init) =>
          new Promise((_resolve, reject) => {
            init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          }),
      },
    });
    await expect(lms.joinRoom({ room: 'r', user: 'u' })).rejects.toMatchObject({
      name: 'TokenRequestNetworkError',
      code: 'timeout',
      message: 'The token server did not answer within 20 ms',
    });
  });

  it('a 4xx problem details body is a TokenRequestRejectedError carrying its code, title and detail', async () => {
    // The token server's answer to a 300-character room name, byte for byte.
    const body =
      '{"type":"urn:openconnect-video:problem:parameter_too_long","title":"Parameter too long","status":400,' +
      '"detail":"The `room` query parameter must be at most 256 bytes of UTF-8, got 300.",' +
      '"code":"parameter_too_long","parameter":"room"}';
    const error = await joinError(
      new Response(body, { status: 400, headers: { 'Content-Type': 'application/problem+json' } }),
    );
    expect(error).toBeInstanceOf(TokenRequestRejectedError);
    expect(error).toMatchObject({
      name: 'TokenRequestRejectedError',
      code: 'parameter_too_long',
      status: 400,
      message: 'Parameter too long: The `room` query parameter must be at most 256 bytes of UTF-8, got 300.',
    });
    expect((error as TokenRequestRejectedError).problem).toEqual({
      type: 'urn:openconnect-video:problem:parameter_too_long',
      title: 'Parameter too long',
      status: 400,
      detail: 'The `room` query parameter must be at most 256 bytes of UTF-8, got 300.',
      code: 'parameter_too_long',
      parameter: 'room',
    });
  });

  it('a problem body with ill-typed members keeps only the well-typed ones', async () => {
    const error = await joinError(jsonResponse(422, { title: 7, detail: 'no room', code: ['x'], status: '422' }));
    expect(error).toMatchObject({ code: 'http_422', message: 'no room', problem: { detail: 'no room' } });
    expect(Object.keys((error as TokenRequestRejectedError).problem ?? {})).toEqual(['detail']);
  });

  it('a 4xx without problem details falls back to code http_<status>', async () => {
    const error = await joinError(new Response('<h1>Not Found</h1>', { status: 404, headers: { 'Content-Type': 'text/html' } }));
    expect(error).toBeInstanceOf(TokenRequestRejectedError);
    expect(error).toMatchObject({ code: 'http_404', status: 404, problem: undefined });
    expect((error as Error).message).toBe('The token server refused the request (HTTP 404)');
  });

  it('a 5xx problem details body is a TokenServerError (503 provider_unavailable)', async () => {
    const error = await joinError(
      problem(503, 'provider_unavailable', 'Video provider unavailable', 'the livekit video provider is unavailable'),
    );
    expect(error).toBeInstanceOf(TokenServerError);
    expect(error).toMatchObject({ name: 'TokenServerError', code: 'provider_unavailable', status: 503 });
  });

  it('a 5xx with a plain-text body is a TokenServerError with code http_500', async () => {
    const error = await joinError(new Response('upstream exploded', { status: 500 }));
    expect(error).toMatchObject({ name: 'TokenServerError', code: 'http_500', status: 500, problem: undefined });
  });

  it('a 200 whose body is not JSON is a TokenResponseInvalidError', async () => {
    const error = await joinError(new Response('{"token": "abc",', { status: 200 }));
    expect(error).toBeInstanceOf(TokenResponseInvalidError);
    expect(error).toMatchObject({ name: 'TokenResponseInvalidError', code: 'invalid_response' });
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it.each([
    ['an array', [wireTicket()], 'something other than a JSON object'],
    ['no token', wireTicket({ token: undefined }), '"token"'],
    ['an empty url', wireTicket({ url: '' }), '"url"'],
    ['a numeric identity', wireTicket({ identity: 42 }), '"identity"'],
    ['no expires_at (only a camelCase expiresAt)', wireTicket({ expires_at: undefined, expiresAt: '2030-01-01T00:00:00Z' }), '"expires_at"'],
    ['an expires_at that is no timestamp', wireTicket({ expires_at: 'tomorrow-ish' }), 'not a timestamp'],
    ['a ticket for another room', wireTicket({ room: 'chemistry-202' }), 'another room or user'],
    ['a ticket for another user', wireTicket({ identity: 'mallory' }), 'another room or user'],
  ])('a 200 with %s is a TokenResponseInvalidError', async (_case, body, mentions) => {
    const error = await joinError(jsonResponse(200, body));
    expect(error).toBeInstanceOf(TokenResponseInvalidError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toContain(mentions);
  });

  it('an unexpected status (304) is a TokenResponseInvalidError with code unexpected_status', async () => {
    const error = await joinError(new Response(null, { status: 304 }));
    expect(error).toMatchObject({ name: 'TokenResponseInvalidError', code: 'unexpected_status' });
  });
});

describe('createRoom', () => {
  it.each([
    ['an empty name', '', 'empty_parameter'],
    ['257 bytes of UTF-8', `${'é'.repeat(128)}a`, 'parameter_too_long'],
    ['a 300-character name', 'r'.repeat(300), 'parameter_too_long'],
    ['a control character', 'physics\u0007101', 'invalid_characters'],
    ['a newline', 'physics\n101', 'invalid_characters'],
    ['a C1 control character', 'physics\u0085101', 'invalid_characters'],
    ['DEL', 'physics\u007f', 'invalid_characters'],
  ])('refuses %s before any request, with the server code', async (_case, room, code) => {
    const fetchFn = fetchAnswering();
    const error = await provider(fetchFn)
      .createRoom({ room, user: 'ada' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidJoinRequestError);
    expect(error).toMatchObject({ name: 'InvalidJoinRequestError', code, field: 'room', parameter: 'room' });
    expect(fetchFn).not.toHaveBeenCalled();
    expect(fake.rooms).toHaveLength(0);
  });

  it('accepts a name of exactly 256 bytes, and keeps white space as given', async () => {
    for (const room of ['é'.repeat(128), ' physics 101 ']) {
      const fetchFn = fetchAnswering(jsonResponse(200, wireTicket({ room })));
      const handle = await provider(fetchFn).createRoom({ room, user: 'ada' });
      expect(handle.room).toBe(room);
    }
  });

  it('fetches a host ticket and prepares the connection; joinRoom(handle) reuses both', async () => {
    const fetchFn = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    const events = recordEvents(lms);

    const handle = await lms.createRoom({ room: 'physics-101', user: 'ada', displayName: 'Ada Lovelace' });
    expect(fake.log).toEqual([
      'fetch /api/video/token?room=physics-101&user=ada&name=Ada+Lovelace&role=host&provider=livekit',
      'new Room #1',
      'prepareConnection #1 ws://127.0.0.1:7880 eyJ.header-and-claims.signature',
    ]);
    expect(lms.connectionState).toBe('disconnected');

    await lms.joinRoom(handle);
    await settle();

    expect(fake.log.slice(3)).toEqual([
      'connect #1 ws://127.0.0.1:7880 eyJ.header-and-claims.signature',
      'setMicrophoneEnabled true',
      'setCameraEnabled true',
    ]);
    expect(events).toEqual(['state connecting', 'state connected', 'joined ada (local)']);
    expect(lms.connectionState).toBe('connected');
    expect(lms.room).toBe(fake.rooms[0]);
    expect(fake.rooms[0]?.options).toEqual({ adaptiveStream: true, dynacast: true });
  });

  it('joinRoom(handle) renews a ticket that is about to expire', async () => {
    const fetchFn = fetchAnswering(
      jsonResponse(200, wireTicket({ token: 'old', expires_at: new Date(Date.now() + 30_000).toISOString() })),
      jsonResponse(200, wireTicket({ token: 'renewed' })),
    );
    const lms = provider(fetchFn);
    const handle = await lms.createRoom({ room: 'physics-101', user: 'ada' });

    await lms.joinRoom(handle, { publish: {} });

    expect(fake.log).toEqual([
      'fetch /api/video/token?room=physics-101&user=ada&role=host&provider=livekit',
      'new Room #1',
      'prepareConnection #1 ws://127.0.0.1:7880 old',
      'fetch /api/video/token?room=physics-101&user=ada&role=host&provider=livekit',
      'connect #1 ws://127.0.0.1:7880 renewed',
    ]);
  });

  it('is refused while in a room', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    await expect(lms.createRoom({ room: 'physics-101', user: 'ada' })).rejects.toMatchObject({
      name: 'RoomStateError',
      code: 'already_in_room',
    });
  });
});

describe('joinRoom and the LiveKit room', () => {
  it('a student join fetches a participant ticket, connects a new Room and publishes camera and microphone', async () => {
    fake.next.remotes = [{ identity: 'prof', name: 'Professor' }];
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    await settle();

    expect(fake.log).toEqual([
      'fetch /api/video/token?room=physics-101&user=ada&role=participant&provider=livekit',
      'new Room #1',
      'connect #1 ws://127.0.0.1:7880 eyJ.header-and-claims.signature',
      'setMicrophoneEnabled true',
      'setCameraEnabled true',
    ]);
    expect(events).toEqual(['state connecting', 'state connected', 'joined ada (local)', 'joined prof']);
    expect(lms.participants).toEqual([
      { identity: 'ada', name: 'Ada Lovelace', isLocal: true },
      { identity: 'prof', name: 'Professor', isLocal: false },
    ]);
  });

  it('a viewer publishes nothing', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    await lms.joinRoom({ room: 'physics-101', user: 'ada', role: 'viewer' });
    await settle();
    expect(fake.log).toEqual([
      'fetch /api/video/token?room=physics-101&user=ada&role=viewer&provider=livekit',
      'new Room #1',
      'connect #1 ws://127.0.0.1:7880 eyJ.header-and-claims.signature',
    ]);
  });

  it.each([
    [ConnectionError.notAllowed('invalid token: signature mismatch', 401), 'not_allowed', 401],
    [ConnectionError.internal('Websocket got closed during a (re)connection attempt: bye'), 'internal_error', undefined],
    [ConnectionError.timeout('room connection has timed out (signal)'), 'timeout', undefined],
    [new Error("LiveKit doesn't seem to be supported on this browser."), 'unknown', undefined],
  ])('a failed Room.connect (%s) is a RoomConnectionError and leaves the provider reusable', async (cause, code, status) => {
    fake.next.connectError = cause;
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket()), jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RoomConnectionError);
    expect(error).toMatchObject({ name: 'RoomConnectionError', code, status, cause });
    expect((error as Error).message).toBe(`Could not connect to the video server: ${cause.message}`);
    expect(events).toEqual(['state connecting', 'state disconnected']);
    expect(lms.room).toBeUndefined();
    expect(fake.rooms[0]?.listenerCount()).toBe(0);

    fake.next.connectError = undefined;
    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    expect(lms.connectionState).toBe('connected');
  });

  it('never repeats the token that LiveKit echoes in its refusal', async () => {
    // LiveKit's own words for a token signed with another secret, token included.
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLW9mLWFub3RoZXI-c2VjcmV0';
    fake.next.connectError = ConnectionError.notAllowed(
      `could not establish signal connection: invalid token: ${token}, error: go-jose/go-jose: error in cryptographic primitive`,
      401,
    );
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket({ token }))));

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'RoomConnectionError', code: 'not_allowed', status: 401 });
    expect((error as Error).message).toBe(
      'Could not connect to the video server: could not establish signal connection: invalid token: [token], ' +
        'error: go-jose/go-jose: error in cryptographic primitive',
    );
    expect((error as Error).message).not.toContain('eyJ');
  });

  it('reports remote participants joining and leaving', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    const events = recordEvents(lms);

    fake.rooms[0]?.emit(RoomEvent.ParticipantConnected, { identity: 'bob', name: '', isLocal: false });
    fake.rooms[0]?.emit(RoomEvent.ParticipantDisconnected, { identity: 'bob', name: '', isLocal: false });

    expect(events).toEqual(['joined bob', 'left bob']);
    expect(lms.participants.map((p) => p.identity)).toEqual(['ada']);
  });

  it('a camera refused by the user is a localMediaError event, not a failed join', async () => {
    fake.next.cameraError = new DOMException('Permission denied', 'NotAllowedError');
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    await settle();

    expect(events).toContain('media camera permission_denied');
    expect(lms.connectionState).toBe('connected');
  });

  it('a media error livekit-client already reported is not reported twice', async () => {
    const refused = new DOMException('Requested device not found', 'NotFoundError');
    fake.next.cameraError = refused;
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);
    const room = () => fake.rooms[0];
    lms.on('connectionStateChanged', (state) => {
      if (state === 'connected') {
        // livekit-client emits MediaDevicesError before rejecting setCameraEnabled.
        const original = room()?.localParticipant.setCameraEnabled;
        const target = room();
        if (target !== undefined && original !== undefined) {
          target.localParticipant.setCameraEnabled = async (enabled: boolean) => {
            target.emit(RoomEvent.MediaDevicesError, refused, 'videoinput');
            return original(enabled);
          };
        }
      }
    });

    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    await settle();

    expect(events.filter((e) => e.startsWith('media'))).toEqual(['media camera device_not_found']);
  });

  it('is refused while joining or in a room', async () => {
    let release: (response: Response) => void = () => undefined;
    const fetchFn = fetchAnswering(() => new Promise<Response>((resolve) => (release = resolve)));
    const lms = provider(fetchFn);

    const first = lms.joinRoom({ room: 'physics-101', user: 'ada' });
    const second = lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(await second).toBeInstanceOf(RoomStateError);
    release(jsonResponse(200, wireTicket()));
    await first;

    const third = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(third).toMatchObject({ name: 'RoomStateError', code: 'already_in_room' });
    expect(fetchFn).toHaveBeenCalledTimes(1);
  });

  it('leaving while the ticket is being fetched cancels the join', async () => {
    let release: (response: Response) => void = () => undefined;
    const lms = provider(fetchAnswering(() => new Promise<Response>((resolve) => (release = resolve))));

    const joining = lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    await lms.leaveRoom();
    release(jsonResponse(200, wireTicket()));

    expect(await joining).toMatchObject({ name: 'RoomConnectionError', code: 'cancelled' });
    expect(fake.rooms).toHaveLength(0);
  });

  it('a handle from another provider is refused', async () => {
    const lms = provider(fetchAnswering());
    const foreign = {
      provider: 'acme' as 'livekit',
      room: 'r',
      request: { room: 'r', user: 'u', role: 'host' as const },
      ticket: { token: 't', url: 'ws://x', identity: 'u', room: 'r', expiresAt: new Date(Date.now() + HOUR_MS) },
    };
    await expect(lms.joinRoom(foreign)).rejects.toMatchObject({ name: 'RoomStateError', code: 'foreign_handle' });
  });
});

describe('connect with a ticket from elsewhere', () => {
  const ticket = (expiresAt: Date): JoinTicket => ({
    token: 'lms-issued',
    url: 'wss://video.example.edu',
    identity: 'ada',
    room: 'physics-101',
    expiresAt,
  });

  it('connects without asking the token server', async () => {
    const fetchFn = fetchAnswering();
    const lms = provider(fetchFn);
    await lms.connect(ticket(new Date(Date.now() + HOUR_MS)), { publish: { microphone: true } });
    await settle();
    expect(fetchFn).not.toHaveBeenCalled();
    expect(fake.log).toEqual(['new Room #1', 'connect #1 wss://video.example.edu lms-issued', 'setMicrophoneEnabled true']);
  });

  it('refuses an expired ticket before connecting', async () => {
    const lms = provider(fetchAnswering());
    const expired = new Date(Date.now() - 1_000);
    const error = await lms.connect(ticket(expired)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTicketExpiredError);
    expect(error).toMatchObject({ name: 'JoinTicketExpiredError', code: 'ticket_expired', expiresAt: expired });
    expect(fake.log).not.toContain('connect #1 wss://video.example.edu lms-issued');
    expect(lms.room).toBeUndefined();
  });
});

describe('leaveRoom', () => {
  it('disconnects once, reports everyone as left and can be called again', async () => {
    fake.next.remotes = [{ identity: 'prof', name: 'Professor' }];
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish: {} });
    const events = recordEvents(lms);

    await lms.leaveRoom();
    await lms.leaveRoom();

    expect(fake.log.filter((entry) => entry.startsWith('disconnect'))).toEqual(['disconnect #1']);
    expect(events).toEqual(['left prof', 'left ada (local)', 'state disconnected', 'disconnected left']);
    expect(lms.disconnectReason).toBe('left');
    expect(lms.room).toBeUndefined();
    expect(lms.participants).toEqual([]);
    expect(fake.rooms[0]?.listenerCount()).toBe(0);
  });

  it('resolves at once when not in a room', async () => {
    await expect(provider(fetchAnswering()).leaveRoom()).resolves.toBeUndefined();
    expect(fake.log).toEqual([]);
  });

  it('follows a disconnect the server decided (the room ends)', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish: {} });
    const events = recordEvents(lms);

    fake.rooms[0]?.emit(RoomEvent.ConnectionStateChanged, 'disconnected');
    fake.rooms[0]?.emit(RoomEvent.Disconnected);

    expect(events).toEqual(['left ada (local)', 'state disconnected', 'disconnected unknown']);
    expect(lms.room).toBeUndefined();
  });
});

describe('why a session ended, and what the local participant may publish', () => {
  async function joined(options: { permissions?: ParticipantPermission; tickets?: number } = {}) {
    fake.next.permissions = options.permissions;
    const tickets = Array.from({ length: options.tickets ?? 1 }, () => jsonResponse(200, wireTicket()));
    const lms = provider(fetchAnswering(...tickets));
    await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish: {} });
    return lms;
  }

  it.each([
    [LiveKitDisconnectReason.PARTICIPANT_REMOVED, 'removed'],
    [LiveKitDisconnectReason.ROOM_DELETED, 'room_ended'],
    [LiveKitDisconnectReason.DUPLICATE_IDENTITY, 'duplicate_identity'],
    [LiveKitDisconnectReason.SERVER_SHUTDOWN, 'server_shutdown'],
    [LiveKitDisconnectReason.SIGNAL_CLOSE, 'connection_lost'],
    [LiveKitDisconnectReason.ROOM_CLOSED, 'unknown'],
  ])('LiveKit reason %s (Disconnected after the state change, as livekit-client emits them) is %s', async (reason, expected) => {
    const lms = await joined();
    const events = recordEvents(lms);

    fake.rooms[0]?.emit(RoomEvent.ConnectionStateChanged, 'disconnected');
    expect(lms.connectionState, 'the state alone does not end the session: its reason follows').toBe('connected');
    fake.rooms[0]?.emit(RoomEvent.Disconnected, reason);

    expect(events).toEqual(['left ada (local)', 'state disconnected', `disconnected ${expected}`]);
    expect(lms.disconnectReason).toBe(expected);
    expect(fake.rooms[0]?.listenerCount()).toBe(0);
  });

  it('a connection that never came up ends without a reason; the next join clears the last one', async () => {
    const lms = await joined({ tickets: 2 });
    fake.rooms[0]?.emit(RoomEvent.Disconnected, LiveKitDisconnectReason.PARTICIPANT_REMOVED);
    expect(lms.disconnectReason).toBe('removed');

    fake.next.connectError = ConnectionError.notAllowed('invalid token', 401);
    const events = recordEvents(lms);
    lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch(() => undefined);
    await settle();
    await settle();

    expect(events).not.toContain('disconnected connection_lost');
    expect(lms.connectionState).toBe('disconnected');
    expect(lms.disconnectReason).toBeUndefined();
  });

  it('a participant the server removes while they join (an old token turned away) gets a leave_request with the reason', async () => {
    fake.next.duringConnect = (room) => {
      room.emit(RoomEvent.ConnectionStateChanged, 'disconnected');
      room.emit(RoomEvent.Disconnected, LiveKitDisconnectReason.PARTICIPANT_REMOVED);
    };
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    const events = recordEvents(lms);

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RoomConnectionError);
    expect(error).toMatchObject({ code: 'leave_request', disconnectReason: 'removed' });
    expect(events).toEqual(['state connecting', 'state disconnected']);
    expect(lms.disconnectReason, 'no session was connected').toBeUndefined();
  });

  it('removed while joining, when livekit-client never settles its connect(): the join still ends, with the reason', async () => {
    fake.next.connectHangs = true;
    fake.next.duringConnect = (room) => {
      room.emit(RoomEvent.ConnectionStateChanged, 'disconnected');
      room.emit(RoomEvent.Disconnected, LiveKitDisconnectReason.PARTICIPANT_REMOVED);
    };
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RoomConnectionError);
    expect(error).toMatchObject({ code: 'leave_request', disconnectReason: 'removed' });
    expect(lms.connectionState).toBe('disconnected');
    expect(fake.log.at(-1), 'livekit-client is told to stop trying').toBe('disconnect #1');
  });

  it("livekit-client's own leave request while connecting carries LiveKit's reason", async () => {
    fake.next.connectError = ConnectionError.leaveRequest(
      'Received leave request while trying to (re)connect',
      LiveKitDisconnectReason.ROOM_DELETED,
    );
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'RoomConnectionError', code: 'leave_request', disconnectReason: 'room_ended' });
  });

  it('leaving while connecting is still a quiet cancellation', async () => {
    const lms = provider(fetchAnswering(jsonResponse(200, wireTicket())));
    fake.next.duringConnect = () => void lms.leaveRoom();

    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'cancelled' });
  });

  it('publishSources follows LiveKit permission: a viewer invited to speak, then sent back', async () => {
    const lms = await joined({ permissions: new ParticipantPermission({ canSubscribe: true, canPublish: false }) });
    expect(lms.publishSources).toEqual([]);
    const events = recordEvents(lms);
    const local = fake.rooms[0]?.localParticipant;

    local!.permissions = new ParticipantPermission({
      canPublish: true,
      canPublishSources: [ProtoTrackSource.MICROPHONE, ProtoTrackSource.CAMERA],
    });
    fake.rooms[0]?.emit(RoomEvent.ParticipantPermissionsChanged, undefined, local);
    local!.permissions = new ParticipantPermission({ canPublish: false });
    fake.rooms[0]?.emit(RoomEvent.ParticipantPermissionsChanged, undefined, local);

    expect(events).toEqual([
      'may publish [camera,microphone] (was [])',
      'updated ada',
      'may publish [] (was [camera,microphone])',
      'updated ada',
    ]);
    expect(lms.publishSources).toEqual([]);
  });

  it('canPublish with no listed sources means every source (LiveKit: no restriction)', async () => {
    const lms = await joined({ permissions: new ParticipantPermission({ canPublish: true }) });
    expect(lms.publishSources).toEqual(['camera', 'microphone', 'screen_share', 'screen_share_audio']);
    await lms.leaveRoom();
    expect(lms.publishSources).toEqual([]);
  });

  it('a remote participant muting, publishing or changing permission is a participantUpdated event', async () => {
    fake.next.remotes = [{ identity: 'bob', name: 'Bob' }];
    const lms = await joined();
    const events = recordEvents(lms);
    const bob = fake.rooms[0]?.remoteParticipants.get('bob');

    fake.rooms[0]?.emit(RoomEvent.TrackMuted, {}, bob);
    fake.rooms[0]?.emit(RoomEvent.TrackPublished, {}, bob);
    fake.rooms[0]?.emit(RoomEvent.ParticipantPermissionsChanged, undefined, bob);
    fake.rooms[0]?.emit(RoomEvent.TrackUnmuted, {}, { identity: 'stranger', isLocal: false });

    expect(events).toEqual(['updated bob', 'updated bob', 'updated bob']);
  });

  it('publishLocalMedia turns devices on and off in the room, and does nothing outside one', async () => {
    await provider(fetchAnswering()).publishLocalMedia({ microphone: true });
    expect(fake.log).toEqual([]);

    const lms = await joined();
    await lms.publishLocalMedia({ microphone: true });
    await lms.publishLocalMedia({ camera: false });

    expect(fake.log.slice(-2)).toEqual(['setMicrophoneEnabled true', 'setCameraEnabled false']);
  });
});

describe('room administration through the provider', () => {
  it('goes to the token server named by tokenEndpoint, with its headers', async () => {
    const fetchFn = vi.fn<typeof fetch>(async () =>
      jsonResponse(404, { title: 'Room not found', detail: 'No open room.', code: 'room_not_found', status: 404 }),
    );
    const lms = new LiveKitVideoProvider({
      tokenEndpoint: { baseUrl: 'https://video.example.edu', headers: { Authorization: 'Bearer jwt' }, fetch: fetchFn },
    });

    const error = await lms.endRoom('physics-101').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RoomAdminNotFoundError);
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect([init?.method, url]).toEqual(['DELETE', 'https://video.example.edu/api/video/rooms/physics-101?provider=livekit']);
    expect(new Headers(init?.headers).get('authorization')).toBe('Bearer jwt');
  });
});

describe('error classes', () => {
  it('have stable names that survive minification, and are all VideoProviderErrors', () => {
    const errors = [
      new InvalidJoinRequestError('displayName', 'empty_parameter', 'm'),
      new TokenRequestNetworkError('network_error', 'm'),
      new TokenRequestRejectedError(400, undefined),
      new TokenServerError(500, undefined),
      new TokenResponseInvalidError('invalid_response', 'm'),
      new JoinTicketExpiredError(new Date(0)),
      new RoomStateError('already_in_room', 'm'),
      new RoomConnectionError('timeout', 'm', undefined),
      new LocalMediaError('media_error', 'camera', 'm'),
    ];
    expect(errors.map((e) => [e.name, e.code, e instanceof VideoProviderError && e instanceof Error])).toEqual([
      ['InvalidJoinRequestError', 'empty_parameter', true],
      ['TokenRequestNetworkError', 'network_error', true],
      ['TokenRequestRejectedError', 'http_400', true],
      ['TokenServerError', 'http_500', true],
      ['TokenResponseInvalidError', 'invalid_response', true],
      ['JoinTicketExpiredError', 'ticket_expired', true],
      ['RoomStateError', 'already_in_room', true],
      ['RoomConnectionError', 'timeout', true],
      ['LocalMediaError', 'media_error', true],
    ]);
  });
});
