/**
 * The client of the token server's room administration routes (`/api/video/rooms`), for the LMS
 * and for a host's page: open, list, describe and end rooms; list, describe and remove
 * participants; mute a track; change what a participant may publish. The routes are
 * provider-neutral, so every provider implementation shares this client, as it shares
 * `TokenEndpoint`, and with the same options. It is the one place where the wire's names
 * (`created_at`, `max_participants`, `publish_sources`, ...) become the front end's.
 */

import { checkAdminName } from './names';
import {
  isRecord,
  parseProblemDetails,
  parseRetryAfter,
  TokenServerHttp,
  type TokenServerOptions,
} from './token-server-http';
import {
  PARTICIPANT_ROLES,
  RoomAdminForbiddenError,
  RoomAdminNetworkError,
  RoomAdminNotFoundError,
  RoomAdminNotSupportedError,
  RoomAdminRejectedError,
  RoomAdminResponseInvalidError,
  RoomAdminServerError,
  RoomAdminUnavailableError,
  TRACK_SOURCES,
  type RoomOptions,
  type ParticipantDetails,
  type ParticipantRole,
  type RoomAdmin,
  type RoomInfo,
  type TrackInfo,
  type TrackKind,
  type TrackSource,
  type VideoProviderName,
} from './types';

/** The room administration routes' path on the token server. */
export const ROOMS_PATH = '/api/video/rooms';

/** The codes of a 404 that names what is missing; any other 404 is a server without the route. */
const NOT_FOUND_CODES = new Set(['room_not_found', 'participant_not_found', 'track_not_found']);

/** Thrown for a 200 body that is not what the call expects. */
function invalid(what: string): RoomAdminResponseInvalidError {
  return new RoomAdminResponseInvalidError('invalid_response', `The token server's answer has ${what}`);
}

/** Reads the members of a wire object, naming the first that is missing or ill-typed. */
class WireObject {
  readonly #body: Record<string, unknown>;
  readonly #what: string;

  constructor(body: unknown, what: string) {
    if (!isRecord(body)) {
      throw invalid(`a ${what} that is not a JSON object`);
    }
    this.#body = body;
    this.#what = what;
  }

  #fail(field: string): never {
    throw invalid(`a ${this.#what} without a valid "${field}"`);
  }

  string(field: string): string {
    const value = this.#body[field];
    return typeof value === 'string' ? value : this.#fail(field);
  }

  optionalString(field: string): string | undefined {
    const value = this.#body[field];
    return value === null || value === undefined ? undefined : this.string(field);
  }

  number(field: string): number {
    const value = this.#body[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : this.#fail(field);
  }

  optionalNumber(field: string): number | undefined {
    const value = this.#body[field];
    return value === null || value === undefined ? undefined : this.number(field);
  }

  boolean(field: string): boolean {
    const value = this.#body[field];
    return typeof value === 'boolean' ? value : this.#fail(field);
  }

  date(field: string): Date {
    const date = new Date(this.string(field));
    return Number.isNaN(date.getTime()) ? this.#fail(field) : date;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.string(field);
    return (allowed as readonly string[]).includes(value) ? (value as T) : this.#fail(field);
  }

  optionalOneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.#body[field];
    return value === null || value === undefined ? undefined : this.oneOf(field, allowed);
  }

  array(field: string): unknown[] {
    const value = this.#body[field];
    return Array.isArray(value) ? value : this.#fail(field);
  }

  sources(field: string): TrackSource[] {
    return this.array(field).map((value) =>
      typeof value === 'string' && (TRACK_SOURCES as readonly string[]).includes(value)
        ? (value as TrackSource)
        : this.#fail(field),
    );
  }
}

/** Maps the wire's `Room` to a {@link RoomInfo}. */
export function parseRoom(body: unknown): RoomInfo {
  const wire = new WireObject(body, 'room');
  return {
    name: wire.string('name'),
    participants: wire.number('participants'),
    createdAt: wire.date('created_at'),
    maxParticipants: wire.optionalNumber('max_participants'),
    emptyTimeoutSeconds: wire.optionalNumber('empty_timeout_seconds'),
    metadata: wire.string('metadata'),
  };
}

/** Maps the wire's `Track` to a {@link TrackInfo}. */
export function parseTrack(body: unknown): TrackInfo {
  const wire = new WireObject(body, 'track');
  return {
    id: wire.string('id'),
    kind: wire.oneOf<TrackKind>('kind', ['audio', 'video']),
    source: wire.optionalOneOf('source', TRACK_SOURCES),
    muted: wire.boolean('muted'),
    name: wire.string('name'),
  };
}

/** Maps the wire's `Participant` to a {@link ParticipantDetails}. */
export function parseParticipant(body: unknown): ParticipantDetails {
  const wire = new WireObject(body, 'participant');
  return {
    identity: wire.string('identity'),
    displayName: wire.optionalString('display_name'),
    role: wire.optionalOneOf<ParticipantRole>('role', PARTICIPANT_ROLES),
    joinedAt: wire.date('joined_at'),
    publishSources: wire.sources('publish_sources'),
    tracks: wire.array('tracks').map(parseTrack),
  };
}

/** The wire body of `POST /api/video/rooms`: only the options that were given. */
export function openRoomBody(name: string, options: RoomOptions = {}): Record<string, unknown> {
  return {
    name,
    ...(options.maxParticipants !== undefined && { max_participants: options.maxParticipants }),
    ...(options.emptyTimeoutSeconds !== undefined && { empty_timeout_seconds: options.emptyTimeoutSeconds }),
    ...(options.metadata !== undefined && { metadata: options.metadata }),
  };
}

/** `/api/video/rooms/{room}[/participants/{identity}]`, each segment checked and percent-encoded. */
function roomPath(room: string, identity?: string): string {
  const path = `${ROOMS_PATH}/${encodeURIComponent(checkAdminName('room', room))}`;
  return identity === undefined
    ? path
    : `${path}/participants/${encodeURIComponent(checkAdminName('identity', identity))}`;
}

/**
 * The {@link RoomAdmin} operations over HTTP. Each call sends one request with
 * `Accept: application/json`, a JSON body (`Content-Type: application/json`) where the route
 * takes one, the configured headers (e.g. `Authorization: Bearer <LMS api key or session JWT>`)
 * and credentials, and `cache: 'no-store'`.
 */
export class RoomAdminClient implements RoomAdmin {
  readonly #http: TokenServerHttp;
  readonly #provider: VideoProviderName | undefined;

  /**
   * `provider`: added as `?provider=<name>` to every request, so that a token server that serves
   * several providers administers this provider's room of that name (and answers 501
   * `not_supported` when that provider has no room administration). Absent: the server's default
   * provider, as for a server that serves one.
   */
  constructor(options: TokenServerOptions = {}, provider?: VideoProviderName) {
    this.#provider = provider;
    this.#http = new TokenServerHttp(options, {
      network: (code, message, errorOptions) => new RoomAdminNetworkError(code, message, errorOptions),
      invalidResponse: (code, message, errorOptions) => new RoomAdminResponseInvalidError(code, message, errorOptions),
    });
  }

  async openRoom(name: string, options?: RoomOptions): Promise<RoomInfo> {
    checkAdminName('room', name);
    return parseRoom(await this.#call('POST', ROOMS_PATH, openRoomBody(name, options)));
  }

  async listRooms(): Promise<RoomInfo[]> {
    const body = new WireObject(await this.#call('GET', ROOMS_PATH), 'list of rooms');
    return body.array('rooms').map(parseRoom);
  }

  async getRoom(name: string): Promise<RoomInfo> {
    return parseRoom(await this.#call('GET', roomPath(name)));
  }

  async endRoom(name: string): Promise<void> {
    await this.#call('DELETE', roomPath(name));
  }

  async listParticipants(room: string): Promise<ParticipantDetails[]> {
    const body = new WireObject(await this.#call('GET', `${roomPath(room)}/participants`), 'list of participants');
    return body.array('participants').map(parseParticipant);
  }

  async getParticipant(room: string, identity: string): Promise<ParticipantDetails> {
    return parseParticipant(await this.#call('GET', roomPath(room, identity)));
  }

  async removeParticipant(room: string, identity: string): Promise<void> {
    await this.#call('DELETE', roomPath(room, identity));
  }

  async muteTrack(room: string, identity: string, trackId: string, muted: boolean): Promise<TrackInfo> {
    const path = `${roomPath(room, identity)}/tracks/${encodeURIComponent(checkAdminName('track', trackId))}/mute`;
    return parseTrack(await this.#call('POST', path, { muted }));
  }

  async setPublishSources(
    room: string,
    identity: string,
    sources: readonly TrackSource[],
  ): Promise<ParticipantDetails> {
    const body = { publish_sources: [...sources] };
    return parseParticipant(await this.#call('PUT', `${roomPath(room, identity)}/permissions`, body));
  }

  /**
   * Sends one request and resolves to its JSON body (`undefined` for a 204), or rejects with the
   * typed error its status and problem details call for.
   */
  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const query = this.#provider === undefined ? '' : `?${new URLSearchParams({ provider: this.#provider }).toString()}`;
    const response = await this.#http.send(method, `${path}${query}`, body);
    const { status, text } = response;
    if (status === 204) {
      return undefined;
    }
    if (status >= 200 && status < 300) {
      return this.#http.json(response);
    }
    const problem = parseProblemDetails(text);
    switch (status) {
      case 400:
        throw new RoomAdminRejectedError(status, problem);
      case 401:
      case 403:
        throw new RoomAdminForbiddenError(status, problem);
      case 404:
        throw NOT_FOUND_CODES.has(problem?.code ?? '')
          ? new RoomAdminNotFoundError(status, problem)
          : new RoomAdminNotSupportedError(status, problem);
      case 405:
      case 501:
        throw new RoomAdminNotSupportedError(status, problem);
      case 429:
      case 503:
        throw new RoomAdminUnavailableError(status, problem, parseRetryAfter(response.headers.get('Retry-After')));
    }
    if (status >= 400 && status < 500) {
      throw new RoomAdminRejectedError(status, problem);
    }
    if (status >= 500 && status < 600) {
      throw new RoomAdminServerError(status, problem);
    }
    throw this.#http.unexpectedStatus(status);
  }
}

/**
 * The room administration of a {@link VideoProvider}: every {@link RoomAdmin} method forwarded to
 * the token server's routes through one {@link RoomAdminClient} (with `provider=<name>` when the
 * client was made with one). The providers extend it, so the forwarding is written once.
 */
export abstract class RoomAdminRoutes implements RoomAdmin {
  readonly #admin: RoomAdminClient;

  protected constructor(admin: RoomAdminClient) {
    this.#admin = admin;
  }

  openRoom(name: string, options?: RoomOptions): Promise<RoomInfo> {
    return this.#admin.openRoom(name, options);
  }

  listRooms(): Promise<RoomInfo[]> {
    return this.#admin.listRooms();
  }

  getRoom(name: string): Promise<RoomInfo> {
    return this.#admin.getRoom(name);
  }

  endRoom(name: string): Promise<void> {
    return this.#admin.endRoom(name);
  }

  listParticipants(room: string): Promise<ParticipantDetails[]> {
    return this.#admin.listParticipants(room);
  }

  getParticipant(room: string, identity: string): Promise<ParticipantDetails> {
    return this.#admin.getParticipant(room, identity);
  }

  removeParticipant(room: string, identity: string): Promise<void> {
    return this.#admin.removeParticipant(room, identity);
  }

  muteTrack(room: string, identity: string, trackId: string, muted: boolean): Promise<TrackInfo> {
    return this.#admin.muteTrack(room, identity, trackId, muted);
  }

  setPublishSources(room: string, identity: string, sources: readonly TrackSource[]): Promise<ParticipantDetails> {
    return this.#admin.setPublishSources(room, identity, sources);
  }
}
