/**
 * The client of the token server's `GET /api/video/token` (see `docs/CONTRACT-DRAFT.md`). The
 * endpoint is provider-neutral (the server picks the vendor with `VIDEO_PROVIDER`), so every
 * provider implementation shares this client. It is the one place where the wire's names
 * (`expires_at`) become the front end's ({@link JoinTicket.expiresAt}).
 */

import {
  TokenRequestNetworkError,
  TokenRequestRejectedError,
  TokenResponseInvalidError,
  TokenServerError,
  type JoinRequest,
  type JoinTicket,
  type ProblemDetails,
} from './types';

/** The token endpoint's path on the token server. */
export const TOKEN_ENDPOINT_PATH = '/api/video/token';

/** The default time allowed for one token request, body included. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;

/** Extra request headers: fixed, or computed for every request (e.g. a fresh LMS session token). */
export type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** How to reach the token server. Every member is optional; see each default. */
export interface TokenEndpointOptions {
  /**
   * The token server's origin (and path prefix), e.g. `https://video.example.edu`. Default `''`:
   * same origin as the page, which is how the token server serves the page.
   */
  readonly baseUrl?: string;
  /** The endpoint's path under `baseUrl`. Default {@link TOKEN_ENDPOINT_PATH}. */
  readonly path?: string;
  /** The `fetch` to use, e.g. one that adds LMS authentication. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** The request's credentials mode. Default `same-origin`; `include` for a cross-origin server with cookies. */
  readonly credentials?: RequestCredentials;
  /** Headers added to every request, after `Accept`, so they may override it. */
  readonly headers?: HeadersSource;
  /** Milliseconds before a request fails with code `timeout`. Default {@link DEFAULT_TOKEN_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/** The token endpoint's 200 body, exactly as the server sends it. */
interface JoinTicketWire {
  token: string;
  url: string;
  identity: string;
  room: string;
  expires_at: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Maps the token endpoint's 200 body to a {@link JoinTicket}. Throws a
 * {@link TokenResponseInvalidError} (code `invalid_response`) naming the first field that is
 * missing or has the wrong type, or an `expires_at` that is not a timestamp.
 */
export function parseJoinTicket(body: unknown): JoinTicket {
  if (!isRecord(body)) {
    throw new TokenResponseInvalidError('invalid_response', 'The token server answered with something other than a JSON object');
  }
  const fields = ['token', 'url', 'identity', 'room', 'expires_at'] as const;
  for (const field of fields) {
    const value = body[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw new TokenResponseInvalidError(
        'invalid_response',
        `The token server's answer has no valid "${field}"`,
      );
    }
  }
  const wire = body as unknown as JoinTicketWire;
  const expiresAt = new Date(wire.expires_at);
  if (Number.isNaN(expiresAt.getTime())) {
    throw new TokenResponseInvalidError(
      'invalid_response',
      `The token server's answer has an "expires_at" that is not a timestamp`,
    );
  }
  return {
    token: wire.token,
    url: wire.url,
    identity: wire.identity,
    room: wire.room,
    expiresAt,
  };
}

/**
 * Reads an RFC 9457 problem details body, keeping only well-typed members. Returns `undefined`
 * when the body is not a JSON object.
 */
export function parseProblemDetails(text: string): ProblemDetails | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(body)) {
    return undefined;
  }
  const problem: { -readonly [K in keyof ProblemDetails]: ProblemDetails[K] } = {};
  for (const key of ['type', 'title', 'detail', 'code', 'parameter'] as const) {
    const value = body[key];
    if (typeof value === 'string') {
      problem[key] = value;
    }
  }
  if (typeof body.status === 'number') {
    problem.status = body.status;
  }
  return Object.keys(problem).length === 0 ? undefined : problem;
}

/** The query string of a token request: `room`, `user`, then `name` when given, then `role`. */
export function tokenQuery(request: JoinRequest, defaultRole: 'host' | 'participant'): URLSearchParams {
  const query = new URLSearchParams();
  query.set('room', request.room);
  query.set('user', request.user);
  if (request.displayName !== undefined && request.displayName !== '') {
    query.set('name', request.displayName);
  }
  query.set('role', request.role ?? defaultRole);
  return query;
}

/** Fetches {@link JoinTicket}s from the token server. */
export class TokenEndpoint {
  readonly #baseUrl: string;
  readonly #path: string;
  readonly #fetch: typeof fetch | undefined;
  readonly #credentials: RequestCredentials;
  readonly #headers: HeadersSource | undefined;
  readonly #timeoutMs: number;

  constructor(options: TokenEndpointOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#path = options.path ?? TOKEN_ENDPOINT_PATH;
    this.#fetch = options.fetch;
    this.#credentials = options.credentials ?? 'same-origin';
    this.#headers = options.headers;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  }

  /** The URL a request is sent to; relative when `baseUrl` is `''`. */
  url(request: JoinRequest, defaultRole: 'host' | 'participant' = 'participant'): string {
    return `${this.#baseUrl}${this.#path}?${tokenQuery(request, defaultRole).toString()}`;
  }

  /**
   * Sends `GET <baseUrl><path>?room=&user=[&name=]&role=` with `Accept: application/json`, the
   * configured headers and credentials, and `cache: 'no-store'`.
   *
   * Resolves to the ticket. Rejects with {@link TokenRequestNetworkError} (`network_error`,
   * `timeout`), {@link TokenRequestRejectedError} (4xx), {@link TokenServerError} (5xx) or
   * {@link TokenResponseInvalidError} (`invalid_response`, `unexpected_status`; also when the
   * ticket names another room or identity than requested).
   */
  async fetchJoinTicket(
    request: JoinRequest,
    defaultRole: 'host' | 'participant' = 'participant',
  ): Promise<JoinTicket> {
    const headers = new Headers({ Accept: 'application/json' });
    const extra = typeof this.#headers === 'function' ? await this.#headers() : this.#headers;
    if (extra !== undefined) {
      new Headers(extra).forEach((value, key) => headers.set(key, value));
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    // Called without a receiver: `window.fetch` throws "Illegal invocation" when called as a method
    // of another object.
    const fetchFn = this.#fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    try {
      let response: Response;
      let text: string;
      try {
        response = await fetchFn(this.url(request, defaultRole), {
          method: 'GET',
          headers,
          credentials: this.#credentials,
          cache: 'no-store',
          signal: controller.signal,
        });
        text = await response.text();
      } catch (cause) {
        if (controller.signal.aborted) {
          throw new TokenRequestNetworkError(
            'timeout',
            `The token server did not answer within ${this.#timeoutMs} ms`,
            { cause },
          );
        }
        throw new TokenRequestNetworkError('network_error', 'The token server could not be reached', {
          cause,
        });
      }
      const ticket = this.#interpret(response, text);
      if (ticket.room !== request.room || ticket.identity !== request.user) {
        throw new TokenResponseInvalidError(
          'invalid_response',
          'The token server issued a ticket for another room or user than requested',
        );
      }
      return ticket;
    } finally {
      clearTimeout(timer);
    }
  }

  #interpret(response: Response, text: string): JoinTicket {
    const { status } = response;
    if (status >= 200 && status < 300) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw new TokenResponseInvalidError(
          'invalid_response',
          `The token server answered ${status} with a body that is not JSON`,
          { cause },
        );
      }
      return parseJoinTicket(body);
    }
    if (status >= 400 && status < 500) {
      throw new TokenRequestRejectedError(status, parseProblemDetails(text));
    }
    if (status >= 500 && status < 600) {
      throw new TokenServerError(status, parseProblemDetails(text));
    }
    throw new TokenResponseInvalidError(
      'unexpected_status',
      `The token server answered with the unexpected status ${status}`,
    );
  }
}
