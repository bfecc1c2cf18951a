import { describe, expect, it, vi } from 'vitest';

import { AttendanceRequestError, attendanceUrl, fetchAttendance, fetchAttendanceCsv, formatDuration } from './attendance';

function answering(response: Response) {
  return vi.fn<typeof fetch>(async () => response);
}

describe('the attendance request', () => {
  it('asks for JSON with the exact request and maps the wire names once', async () => {
    const body = {
      room: 'physics 101',
      generated_at: '2026-12-01T09:00:00Z',
      participants: [
        {
          identity: 'student-bob', display_name: 'Bob Brown', role: 'participant',
          first_join: '2026-12-01T08:00:05Z', last_leave: null, connected_seconds: 3595, sessions: 2,
        },
      ],
      room_sessions: [],
    };
    const fetchFn = answering(new Response(JSON.stringify(body), { status: 200 }));

    const report = await fetchAttendance('physics 101', {
      baseUrl: 'https://video.example.edu/',
      headers: { Authorization: 'Bearer lms-session' },
      fetch: fetchFn,
    });

    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe('https://video.example.edu/api/video/rooms/physics%20101/attendance');
    expect(init?.method).toBe('GET');
    expect(init?.cache).toBe('no-store');
    expect(init?.credentials).toBe('same-origin');
    expect(Object.fromEntries(new Headers(init?.headers))).toEqual({
      accept: 'application/json',
      authorization: 'Bearer lms-session',
    });
    expect(report).toEqual({
      room: 'physics 101',
      generatedAt: new Date('2026-12-01T09:00:00Z'),
      participants: [
        {
          identity: 'student-bob', displayName: 'Bob Brown', role: 'participant',
          firstJoin: new Date('2026-12-01T08:00:05Z'), lastLeave: undefined, connectedSeconds: 3595, sessions: 2,
        },
      ],
    });
  });

  it('asks for CSV with Accept: text/csv', async () => {
    const fetchFn = answering(new Response('identity,display_name\n', { status: 200 }));
    const blob = await fetchAttendanceCsv('r1', { fetch: fetchFn });
    expect(await blob.text()).toBe('identity,display_name\n');
    expect(new Headers(fetchFn.mock.calls[0]?.[1]?.headers).get('accept')).toBe('text/csv');
    expect(fetchFn.mock.calls[0]?.[0]).toBe('/api/video/rooms/r1/attendance');
  });

  it('a refusal is an AttendanceRequestError with the problem code and detail', async () => {
    const problem = {
      type: 'urn:openconnect-video:problem:not_room_host', title: 'Not a host of this room', status: 403,
      detail: 'Only the LMS back end (`api-key`) or a session token that grants `host` for this room may read its attendance.',
      code: 'not_room_host',
    };
    const fetchFn = answering(new Response(JSON.stringify(problem), { status: 403 }));
    const error = await fetchAttendance('r1', { fetch: fetchFn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttendanceRequestError);
    expect(error).toMatchObject({ status: 403, code: 'not_room_host', message: problem.detail });
  });

  it('a refusal without problem details falls back to http_<status>', async () => {
    const error = await fetchAttendance('r1', { fetch: answering(new Response('down', { status: 502 })) }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 502, code: 'http_502' });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0:00'],
    [65, '1:05'],
    [3725, '1:02:05'],
    [-3, '0:00'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('builds the report URL with the room encoded', () => {
    expect(attendanceUrl('a/b?c')).toBe('/api/video/rooms/a%2Fb%3Fc/attendance');
  });
});
