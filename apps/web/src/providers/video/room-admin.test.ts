import { describe, expect, it, vi } from 'vitest';

import { RoomAdminClient } from './room-admin';
import { parseRetryAfter } from './token-server-http';
import {
  InvalidRoomAdminRequestError,
  RoomAdminForbiddenError,
  RoomAdminNetworkError,
  RoomAdminNotFoundError,
  RoomAdminNotSupportedError,
  RoomAdminRejectedError,
  RoomAdminResponseInvalidError,
  RoomAdminServerError,
  RoomAdminUnavailableError,
  VideoProviderError,
  inviteToSpeak,
  sendBack,
  type ParticipantDetails,
  type RoomInfo,
} from './types';

// The token server's bodies, in the wire's snake_case, as the HTTP contract of issue 13 gives them.
const WIRE_ROOM = {
  name: 'physics-101',
  participants: 2,
  created_at: '2026-12-01T08:00:05Z',
  max_participants: 30,
  empty_timeout_seconds: null,
  metadata: '',
};

const ROOM: RoomInfo = {
  name: 'physics-101',
  participants: 2,
  createdAt: new Date('2026-12-01T08:00:05Z'),
  maxParticipants: 30,
  emptyTimeoutSeconds: undefined,
  metadata: '',
};

const WIRE_MICROPHONE = { id: 'TR_AMkd8', kind: 'audio', source: 'microphone', muted: false, name: '' };

const WIRE_STUDENT = {
  identity: 'student-bob',
  display_name: 'Bob Brown',
  role: 'participant',
  joined_at: '2026-12-01T08:01:00Z',
  publish_sources: ['camera', 'microphone'],
  tracks: [WIRE_MICROPHONE, { id: 'TR_VCam1', kind: 'video', source: 'camera', muted: true, name: 'camera' }],
};

const STUDENT: ParticipantDetails = {
  identity: 'student-bob',
  displayName: 'Bob Brown',
  role: 'participant',
  joinedAt: new Date('2026-12-01T08:01:00Z'),
  publishSources: ['camera', 'microphone'],
  tracks: [
    { id: 'TR_AMkd8', kind: 'audio', source: 'microphone', muted: false, name: '' },
    { id: 'TR_VCam1', kind: 'video', source: 'camera', muted: true, name: 'camera' },
  ],
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function problem(status: number, code: string, title: string, detail: string, headers: Record<string, string> = {}) {
  return new Response(
    JSON.stringify({ type: `urn:openconnect-video:problem:${code}`, title, status, detail, code }),
    { status, headers: { 'Content-Type': 'application/problem+json', ...headers } },
  );
}

function answering(response: Response) {
  return vi.fn<typeof fetch>(async () => response);
}

/** A client on `fetchFn`, for the LMS: another origin, a bearer token. */
function client(fetchFn: typeof fetch, timeoutMs?: number) {
  return new RoomAdminClient({
    baseUrl: 'https://video.example.edu/',
    headers: async () => ({ Authorization: 'Bearer lms-api-key' }),
    fetch: fetchFn,
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
}

/** The one request `fetchFn` was called with: method, URL, headers and body, as sent. */
function sent(fetchFn: ReturnType<typeof answering>) {
  expect(fetchFn).toHaveBeenCalledTimes(1);
  const [url, init] = fetchFn.mock.calls[0] ?? [];
  expect(init?.cache).toBe('no-store');
  expect(init?.credentials).toBe('same-origin');
  expect(init?.signal).toBeInstanceOf(AbortSignal);
  return {
    method: init?.method,
    url,
    headers: Object.fromEntries(new Headers(init?.headers)),
    body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
  };
}

const ACCEPT = { accept: 'application/json', authorization: 'Bearer lms-api-key' };
const ACCEPT_JSON_BODY = { ...ACCEPT, 'content-type': 'application/json' };

describe('each room administration call sends exactly its request and maps the answer once', () => {
  const BASE = 'https://video.example.edu/api/video/rooms';
  const BOB = `${BASE}/physics-101/participants/student-bob`;
  const NO_CONTENT = () => new Response(null, { status: 204 });
  const viewer = { ...WIRE_STUDENT, identity: 'guest 7', display_name: null, role: null, publish_sources: [], tracks: [] };

  it.each<[string, (admin: RoomAdminClient) => Promise<unknown>, () => Response, Record<string, unknown>, unknown]>([
    [
      'openRoom: POST /api/video/rooms with only the options given, in snake_case',
      (admin) => admin.openRoom('physics-101', { maxParticipants: 30, emptyTimeoutSeconds: 600 }),
      () => json(200, WIRE_ROOM),
      { method: 'POST', url: BASE, headers: ACCEPT_JSON_BODY, body: { name: 'physics-101', max_participants: 30, empty_timeout_seconds: 600 } },
      ROOM,
    ],
    [
      'openRoom without options sends the name only',
      (admin) => admin.openRoom('physics-101'),
      () => json(200, WIRE_ROOM),
      { method: 'POST', url: BASE, headers: ACCEPT_JSON_BODY, body: { name: 'physics-101' } },
      ROOM,
    ],
    [
      'openRoom with metadata sends it',
      (admin) => admin.openRoom('physics-101', { metadata: '{"course":7}' }),
      () => json(200, { ...WIRE_ROOM, metadata: '{"course":7}' }),
      { method: 'POST', url: BASE, headers: ACCEPT_JSON_BODY, body: { name: 'physics-101', metadata: '{"course":7}' } },
      { ...ROOM, metadata: '{"course":7}' },
    ],
    [
      'listRooms: GET /api/video/rooms',
      (admin) => admin.listRooms(),
      () => json(200, { rooms: [WIRE_ROOM] }),
      { method: 'GET', url: BASE, headers: ACCEPT, body: undefined },
      [ROOM],
    ],
    [
      'getRoom: GET /api/video/rooms/{room}, the segment percent-encoded',
      (admin) => admin.getRoom('a b/c?d#é'),
      () => json(200, { ...WIRE_ROOM, name: 'a b/c?d#é' }),
      { method: 'GET', url: `${BASE}/a%20b%2Fc%3Fd%23%C3%A9`, headers: ACCEPT, body: undefined },
      { ...ROOM, name: 'a b/c?d#é' },
    ],
    [
      'endRoom: DELETE /api/video/rooms/{room}; 204 resolves to nothing',
      (admin) => admin.endRoom('physics-101'),
      NO_CONTENT,
      { method: 'DELETE', url: `${BASE}/physics-101`, headers: ACCEPT, body: undefined },
      undefined,
    ],
    [
      'listParticipants: GET .../participants, with their tracks',
      (admin) => admin.listParticipants('physics-101'),
      () => json(200, { participants: [WIRE_STUDENT] }),
      { method: 'GET', url: `${BASE}/physics-101/participants`, headers: ACCEPT, body: undefined },
      [STUDENT],
    ],
    [
      'getParticipant: GET .../participants/{identity}; nulls become undefined',
      (admin) => admin.getParticipant('physics-101', 'guest 7'),
      () => json(200, viewer),
      { method: 'GET', url: `${BASE}/physics-101/participants/guest%207`, headers: ACCEPT, body: undefined },
      { ...STUDENT, identity: 'guest 7', displayName: undefined, role: undefined, publishSources: [], tracks: [] },
    ],
    [
      'removeParticipant: DELETE .../participants/{identity}',
      (admin) => admin.removeParticipant('physics-101', 'student-bob'),
      NO_CONTENT,
      { method: 'DELETE', url: BOB, headers: ACCEPT, body: undefined },
      undefined,
    ],
    [
      'muteTrack: POST .../tracks/{track}/mute with {"muted": true}; resolves to the track',
      (admin) => admin.muteTrack('physics-101', 'student-bob', 'TR_AMkd8', true),
      () => json(200, { ...WIRE_MICROPHONE, muted: true }),
      { method: 'POST', url: `${BOB}/tracks/TR_AMkd8/mute`, headers: ACCEPT_JSON_BODY, body: { muted: true } },
      { id: 'TR_AMkd8', kind: 'audio', source: 'microphone', muted: true, name: '' },
    ],
    [
      'setPublishSources: PUT .../permissions with {"publish_sources": [...]}',
      (admin) => admin.setPublishSources('physics-101', 'student-bob', ['camera', 'microphone']),
      () => json(200, WIRE_STUDENT),
      { method: 'PUT', url: `${BOB}/permissions`, headers: ACCEPT_JSON_BODY, body: { publish_sources: ['camera', 'microphone'] } },
      STUDENT,
    ],
  ])('%s', async (_case, call, response, request, result) => {
    const fetchFn = answering(response());
    expect(await call(client(fetchFn))).toEqual(result);
    expect(sent(fetchFn)).toEqual(request);
  });

  it('inviteToSpeak sends camera and microphone; sendBack sends nothing', async () => {
    const invite = answering(json(200, WIRE_STUDENT));
    await inviteToSpeak(client(invite), 'physics-101', 'student-bob');
    expect(sent(invite).body).toEqual({ publish_sources: ['camera', 'microphone'] });
    const back = answering(json(200, { ...WIRE_STUDENT, publish_sources: [], tracks: [] }));
    expect((await sendBack(client(back), 'physics-101', 'student-bob')).publishSources).toEqual([]);
    expect(sent(back).body).toEqual({ publish_sources: [] });
  });

  it('defaults to the same origin, same-origin credentials and no Authorization', async () => {
    const fetchFn = answering(json(200, { rooms: [] }));
    await new RoomAdminClient({ fetch: fetchFn }).listRooms();
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe('/api/video/rooms');
    expect(init?.credentials).toBe('same-origin');
    expect(Object.fromEntries(new Headers(init?.headers))).toEqual({ accept: 'application/json' });
  });
});

describe('room administration failures become typed errors', () => {
  async function failure(response: Response | (() => Promise<Response>), call?: (admin: RoomAdminClient) => Promise<unknown>) {
    const fetchFn = vi.fn<typeof fetch>(async () => (typeof response === 'function' ? response() : response));
    const admin = client(fetchFn, 50);
    const error = await (call ?? ((a) => a.getRoom('physics-101')))(admin).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'the call should have rejected').toBeInstanceOf(VideoProviderError);
    return error as VideoProviderError;
  }

  it.each([
    [404, 'room_not_found', RoomAdminNotFoundError],
    [404, 'participant_not_found', RoomAdminNotFoundError],
    [404, 'track_not_found', RoomAdminNotFoundError],
    [401, 'missing_credentials', RoomAdminForbiddenError],
    [401, 'invalid_credentials', RoomAdminForbiddenError],
    [403, 'room_not_allowed', RoomAdminForbiddenError],
    [403, 'not_room_host', RoomAdminForbiddenError],
    [400, 'invalid_body', RoomAdminRejectedError],
    [400, 'parameter_too_long', RoomAdminRejectedError],
    [501, 'not_supported', RoomAdminNotSupportedError],
    [404, 'not_found', RoomAdminNotSupportedError],
    [500, 'internal_error', RoomAdminServerError],
  ])('HTTP %d %s is a %O', async (status, code, type) => {
    const error = await failure(problem(status, code, 'Title', 'What happened.'));
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ name: type.name, code, status, message: 'Title: What happened.' });
    expect((error as RoomAdminNotFoundError).problem?.code).toBe(code);
  });

  it('503 provider_unavailable is a RoomAdminUnavailableError with its Retry-After', async () => {
    const error = await failure(
      problem(503, 'provider_unavailable', 'Video provider unavailable', 'LiveKit did not answer in time.', {
        'Retry-After': '5',
      }),
    );
    expect(error).toBeInstanceOf(RoomAdminUnavailableError);
    expect(error).toMatchObject({ name: 'RoomAdminUnavailableError', code: 'provider_unavailable', status: 503, retryAfterSeconds: 5 });
  });

  it('429 rate_limited is a RoomAdminUnavailableError too; no Retry-After leaves it undefined', async () => {
    const error = await failure(problem(429, 'rate_limited', 'Too many requests', 'Slow down.'));
    expect(error).toMatchObject({ name: 'RoomAdminUnavailableError', code: 'rate_limited', retryAfterSeconds: undefined });
  });

  it('a status without problem details falls back to http_<status>', async () => {
    const error = await failure(new Response('bad gateway', { status: 502 }));
    expect(error).toMatchObject({ name: 'RoomAdminServerError', code: 'http_502', problem: undefined });
    expect(error.message).toBe('The token server failed (HTTP 502)');
  });

  it('405 (a token server without the route) is not supported', async () => {
    const error = await failure(new Response('', { status: 405 }));
    expect(error).toMatchObject({ name: 'RoomAdminNotSupportedError', code: 'http_405', status: 405 });
  });

  it('a network failure is a RoomAdminNetworkError with code network_error, and keeps its cause', async () => {
    const offline = new TypeError('Failed to fetch');
    const error = await failure(() => Promise.reject(offline));
    expect(error).toBeInstanceOf(RoomAdminNetworkError);
    expect(error).toMatchObject({ code: 'network_error', cause: offline });
  });

  it('no answer in time is a RoomAdminNetworkError with code timeout', async () => {
    const admin = new RoomAdminClient({
      timeoutMs: 20,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    });
    await expect(admin.endRoom('physics-101')).rejects.toMatchObject({
      name: 'RoomAdminNetworkError',
      code: 'timeout',
      message: 'The token server did not answer within 20 ms',
    });
  });

  it.each([
    ['a body that is not JSON', new Response('{"name":', { status: 200 }), 'not JSON'],
    ['a room without created_at', json(200, { ...WIRE_ROOM, created_at: undefined }), '"created_at"'],
    ['a created_at that is no timestamp', json(200, { ...WIRE_ROOM, created_at: 'soon' }), '"created_at"'],
    ['a string participant count', json(200, { ...WIRE_ROOM, participants: '2' }), '"participants"'],
    ['an array', json(200, [WIRE_ROOM]), 'not a JSON object'],
  ])('a 200 with %s is a RoomAdminResponseInvalidError', async (_case, response, mentions) => {
    const error = await failure(response);
    expect(error).toBeInstanceOf(RoomAdminResponseInvalidError);
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(mentions);
  });

  it.each([
    ['an unknown source', { ...WIRE_STUDENT, publish_sources: ['hologram'] }, '"publish_sources"'],
    ['an unknown role', { ...WIRE_STUDENT, role: 'admin' }, '"role"'],
    ['a track of unknown kind', { ...WIRE_STUDENT, tracks: [{ ...WIRE_MICROPHONE, kind: 'data' }] }, 'track without a valid "kind"'],
    ['a track without muted', { ...WIRE_STUDENT, tracks: [{ ...WIRE_MICROPHONE, muted: undefined }] }, '"muted"'],
  ])('a participant with %s is a RoomAdminResponseInvalidError', async (_case, body, mentions) => {
    const error = await failure(json(200, body), (admin) => admin.getParticipant('physics-101', 'student-bob'));
    expect(error).toMatchObject({ name: 'RoomAdminResponseInvalidError', code: 'invalid_response' });
    expect(error.message).toContain(mentions);
  });

  it('an unexpected status (302) is a RoomAdminResponseInvalidError with code unexpected_status', async () => {
    const error = await failure(new Response(null, { status: 302 }));
    expect(error).toMatchObject({ name: 'RoomAdminResponseInvalidError', code: 'unexpected_status' });
  });

  it.each([
    ['an empty room name', (admin: RoomAdminClient) => admin.endRoom(''), 'room', 'empty_parameter'],
    ['a room name over 256 bytes', (admin: RoomAdminClient) => admin.openRoom('é'.repeat(129)), 'room', 'parameter_too_long'],
    ['an empty identity', (admin: RoomAdminClient) => admin.removeParticipant('physics-101', ''), 'identity', 'empty_parameter'],
    ['a control character in an identity', (admin: RoomAdminClient) => admin.getParticipant('r', 'bob\n'), 'identity', 'invalid_characters'],
    ['an empty track id', (admin: RoomAdminClient) => admin.muteTrack('r', 'bob', '', true), 'track', 'empty_parameter'],
  ])('%s is refused before any request', async (_case, call, parameter, code) => {
    const fetchFn = vi.fn<typeof fetch>();
    const error = await call(client(fetchFn)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRoomAdminRequestError);
    expect(error).toMatchObject({ name: 'InvalidRoomAdminRequestError', parameter, code });
    expect(fetchFn).not.toHaveBeenCalled();
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['5', 5],
    [' 30 ', 30],
    ['Tue, 01 Dec 2026 08:00:10 GMT', 10],
    ['Tue, 01 Dec 2026 07:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ])('%s is %s seconds', (value, seconds) => {
    expect(parseRetryAfter(value, Date.parse('2026-12-01T08:00:00Z'))).toBe(seconds);
  });
});

describe('room administration error classes', () => {
  it('have stable names that survive minification, and are all VideoProviderErrors', () => {
    const errors = [
      new InvalidRoomAdminRequestError('room', 'empty_parameter', 'm'),
      new RoomAdminNetworkError('network_error', 'm'),
      new RoomAdminNotFoundError(404, undefined),
      new RoomAdminForbiddenError(403, undefined),
      new RoomAdminUnavailableError(503, undefined, 1),
      new RoomAdminNotSupportedError(501, undefined),
      new RoomAdminRejectedError(400, undefined),
      new RoomAdminServerError(500, undefined),
      new RoomAdminResponseInvalidError('unexpected_status', 'm'),
    ];
    expect(errors.map((e) => [e.name, e.code, e instanceof VideoProviderError && e instanceof Error])).toEqual([
      ['InvalidRoomAdminRequestError', 'empty_parameter', true],
      ['RoomAdminNetworkError', 'network_error', true],
      ['RoomAdminNotFoundError', 'http_404', true],
      ['RoomAdminForbiddenError', 'http_403', true],
      ['RoomAdminUnavailableError', 'http_503', true],
      ['RoomAdminNotSupportedError', 'http_501', true],
      ['RoomAdminRejectedError', 'http_400', true],
      ['RoomAdminServerError', 'http_500', true],
      ['RoomAdminResponseInvalidError', 'unexpected_status', true],
    ]);
  });
});

describe('room administration for one provider of a server that serves several', () => {
  it('adds ?provider=<name> to every route, and reads 501 as not supported', async () => {
    const calls: [string, (admin: RoomAdminClient) => Promise<unknown>][] = [
      ['POST https://video.example.edu/api/video/rooms?provider=daily', (admin) => admin.openRoom('physics-101')],
      ['GET https://video.example.edu/api/video/rooms?provider=daily', (admin) => admin.listRooms()],
      ['DELETE https://video.example.edu/api/video/rooms/physics%20101?provider=daily', (admin) => admin.endRoom('physics 101')],
      [
        'POST https://video.example.edu/api/video/rooms/physics-101/participants/ada/tracks/TR_1/mute?provider=daily',
        (admin) => admin.muteTrack('physics-101', 'ada', 'TR_1', true),
      ],
    ];
    for (const [expected, call] of calls) {
      const fetchFn = answering(
        problem(501, 'not_supported', 'Not supported', 'The daily provider has no room administration.'),
      );
      const admin = new RoomAdminClient({ baseUrl: 'https://video.example.edu', fetch: fetchFn }, 'daily');

      const error = await call(admin).catch((e: unknown) => e);

      const { method, url } = sent(fetchFn);
      expect(`${method} ${String(url)}`).toBe(expected);
      expect(error).toBeInstanceOf(RoomAdminNotSupportedError);
      expect(error).toMatchObject({ code: 'not_supported', status: 501 });
    }
  });
});
