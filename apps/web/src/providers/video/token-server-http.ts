/**
 * What every client of the token server shares: where the server is and how to reach it
 * ({@link TokenServerOptions}), one request with the configured headers, credentials and a
 * timeout that also covers the body ({@link TokenServerHttp}), and the reading of its RFC 9457
 * problem details and `Retry-After`. The token endpoint (`./token-endpoint.ts`) and room
 * administration (`./room-admin.ts`) each map the answers to their own types and errors.
 */

import type { ProblemDetails, VideoProviderError, VideoProviderErrorOptions } from './types';

/** The default time allowed for one request to the token server, body included. */
export const DEFAULT_TOKEN_SERVER_TIMEOUT_MS = 10_000;

/** Extra request headers: fixed, or computed for every request (e.g. a fresh LMS session token). */
export type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** How to reach the token server. Every member is optional; see each default. */
export interface TokenServerOptions {
  /**
   * The token server's origin (and path prefix), e.g. `https://video.example.edu`. Default `''`:
   * same origin as the page, which is how the token server serves the page.
   */
  readonly baseUrl?: string;
  /** The `fetch` to use, e.g. one that adds LMS authentication. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** The request's credentials mode. Default `same-origin`; `include` for a cross-origin server with cookies. */
  readonly credentials?: RequestCredentials;
  /**
   * Headers added to every request, after `Accept` (and `Content-Type` for a body), so they may
   * override them; e.g. `Authorization: Bearer <LMS api key or session JWT>`.
   */
  readonly headers?: HeadersSource;
  /** Milliseconds before a request fails with code `timeout`. Default {@link DEFAULT_TOKEN_SERVER_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/** Whether `value` is a JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/**
 * A `Retry-After` header in whole seconds: delay-seconds as sent, or an HTTP date turned into the
 * seconds from `now` (at least 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** One answer of the token server, its body read as text. */
export interface TokenServerResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * How a client names its failures: its own error classes, with the same codes. `network`: the
 * server could not be reached (`network_error`) or did not answer in time (`timeout`);
 * `invalidResponse`: its answer is not what the client expects (`invalid_response`) or has a
 * status it does not expect (`unexpected_status`).
 */
export interface TokenServerErrors {
  readonly network: (
    code: 'network_error' | 'timeout',
    message: string,
    options: VideoProviderErrorOptions,
  ) => VideoProviderError;
  readonly invalidResponse: (
    code: 'invalid_response' | 'unexpected_status',
    message: string,
    options?: VideoProviderErrorOptions,
  ) => VideoProviderError;
}

/** Sends requests to the token server, as {@link TokenServerOptions} say. */
export class TokenServerHttp {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch | undefined;
  readonly #credentials: RequestCredentials;
  readonly #headers: HeadersSource | undefined;
  readonly #timeoutMs: number;
  readonly #errors: TokenServerErrors;

  constructor(options: TokenServerOptions, errors: TokenServerErrors) {
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#fetch = options.fetch;
    this.#credentials = options.credentials ?? 'same-origin';
    this.#headers = options.headers;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_SERVER_TIMEOUT_MS;
    this.#errors = errors;
  }

  /** The URL of `pathAndQuery` (which starts with `/`); relative when `baseUrl` is `''`. */
  url(pathAndQuery: string): string {
    return `${this.#baseUrl}${pathAndQuery}`;
  }

  /**
   * Sends `method <baseUrl><pathAndQuery>` with `Accept: application/json`, a JSON `body` (with
   * `Content-Type: application/json`) when given, the configured headers and credentials, and
   * `cache: 'no-store'`; resolves to the answer, whatever its status, with its body read.
   * Rejects with the client's `network` error (`network_error`, or `timeout` when neither the
   * answer nor its body arrived within the timeout).
   */
  async send(method: string, pathAndQuery: string, body?: unknown): Promise<TokenServerResponse> {
    const headers = new Headers({ Accept: 'application/json' });
    if (body !== undefined) {
      headers.set('Content-Type', 'application/json');
    }
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
      const response = await fetchFn(this.url(pathAndQuery), {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        credentials: this.#credentials,
        cache: 'no-store',
        signal: controller.signal,
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    } catch (cause) {
      if (controller.signal.aborted) {
        throw this.#errors.network('timeout', `The token server did not answer within ${this.#timeoutMs} ms`, { cause });
      }
      throw this.#errors.network('network_error', 'The token server could not be reached', { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  /** A 2xx answer's body as JSON; the client's `invalid_response` error when it is not JSON. */
  json({ status, text }: TokenServerResponse): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw this.#errors.invalidResponse(
        'invalid_response',
        `The token server answered ${status} with a body that is not JSON`,
        { cause },
      );
    }
  }

  /** The client's `unexpected_status` error for a status it has no meaning for. */
  unexpectedStatus(status: number): VideoProviderError {
    return this.#errors.invalidResponse(
      'unexpected_status',
      `The token server answered with the unexpected status ${status}`,
    );
  }
}
