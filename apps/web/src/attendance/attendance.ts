/**
 * The token server's attendance report of a room (`GET /api/video/rooms/{room}/attendance`), for
 * the instructor's page: who attended and for how long, and the same as CSV for a gradebook.
 * Attendance is personal data: the server answers only the LMS back end or a host of the room,
 * and nothing here stores it.
 */

import { parseProblemDetails } from '../providers/video/token-server-http';
import type { ProblemDetails } from '../providers/video/types';

/** One participant's attendance, as the server reports it (wire names mapped once, here). */
export interface ParticipantAttendance {
  readonly identity: string;
  readonly displayName: string | undefined;
  readonly role: string | undefined;
  readonly firstJoin: Date;
  /** `undefined` while the participant is still connected. */
  readonly lastLeave: Date | undefined;
  readonly connectedSeconds: number;
  readonly sessions: number;
}

/** A room's attendance report. */
export interface AttendanceReport {
  readonly room: string;
  readonly generatedAt: Date;
  readonly participants: readonly ParticipantAttendance[];
}

/** The server refused or failed: its problem details, and the HTTP status. */
export class AttendanceRequestError extends Error {
  override readonly name = 'AttendanceRequestError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, problem: ProblemDetails | undefined) {
    super(problem?.detail ?? `The attendance report could not be read (HTTP ${status})`);
    this.status = status;
    this.code = problem?.code ?? `http_${status}`;
  }
}

/** Where and how to ask: the same origin and credentials as the token request by default. */
export interface AttendanceOptions {
  readonly baseUrl?: string;
  readonly credentials?: RequestCredentials;
  readonly headers?: HeadersInit;
  readonly fetch?: typeof fetch;
}

export function attendanceUrl(room: string, baseUrl = ''): string {
  return `${baseUrl.replace(/\/$/, '')}/api/video/rooms/${encodeURIComponent(room)}/attendance`;
}

async function request(room: string, accept: string, options: AttendanceOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const headers = new Headers(options.headers);
  headers.set('Accept', accept);
  const response = await doFetch(attendanceUrl(room, options.baseUrl), {
    method: 'GET',
    headers,
    credentials: options.credentials ?? 'same-origin',
    cache: 'no-store',
  });
  if (!response.ok) {
    throw new AttendanceRequestError(response.status, parseProblemDetails(await response.text()));
  }
  return response;
}

function date(value: unknown): Date | undefined {
  return typeof value === 'string' && value !== '' ? new Date(value) : undefined;
}

/** Reads the room's report as JSON and maps it from the wire's snake_case. */
export async function fetchAttendance(room: string, options: AttendanceOptions = {}): Promise<AttendanceReport> {
  const body = (await (await request(room, 'application/json', options)).json()) as Record<string, unknown>;
  const participants = Array.isArray(body.participants) ? (body.participants as Record<string, unknown>[]) : [];
  return {
    room: String(body.room ?? room),
    generatedAt: date(body.generated_at) ?? new Date(),
    participants: participants.map((p) => ({
      identity: String(p.identity),
      displayName: typeof p.display_name === 'string' ? p.display_name : undefined,
      role: typeof p.role === 'string' ? p.role : undefined,
      firstJoin: date(p.first_join) ?? new Date(0),
      lastLeave: date(p.last_leave),
      connectedSeconds: Number(p.connected_seconds ?? 0),
      sessions: Number(p.sessions ?? 0),
    })),
  };
}

/** Reads the room's report as CSV (for a gradebook import). */
export async function fetchAttendanceCsv(room: string, options: AttendanceOptions = {}): Promise<Blob> {
  return (await request(room, 'text/csv', options)).blob();
}

/** `3725` → `1:02:05`; `65` → `1:05`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
