/**
 * The client of the token server's `GET /api/video/token` (see `docs/CONTRACT-DRAFT.md`). The
 * endpoint is provider-neutral (the server picks the vendor with `VIDEO_PROVIDER`), so every
 * provider implementation shares this client. It is the one place where the wire's names
 * (`expires_at`) become the front end's ({@link JoinTicket.expiresAt}).
 */

import {
  isRecord,
  parseProblemDetails,
  TokenServerHttp,
  DEFAULT_TOKEN_SERVER_TIMEOUT_MS,
  type TokenServerOptions,
  type TokenServerResponse,
} from './token-server-http';
import {
  TokenRequestNetworkError,
  TokenRequestRejectedError,
  TokenResponseInvalidError,
  TokenServerError,
  type JoinRequest,
  type JoinTicket,
} from './types';

/** The token endpoint's path on the token server. */
export const TOKEN_ENDPOINT_PATH = '/api/video/token';

/** The default time allowed for one token request, body included. */
export const DEFAULT_TOKEN_TIMEOUT_MS = DEFAULT_TOKEN_SERVER_TIMEOUT_MS;

/** How to reach the token endpoint: the token server's options, and the endpoint's path. */
export interface TokenEndpointOptions extends TokenServerOptions {
  /** The endpoint's path under `baseUrl`. Default {@link TOKEN_ENDPOINT_PATH}. */
  readonly path?: string;
}

/** The token endpoint's 200 body, exactly as the server sends it. */
interface JoinTicketWire {
  token: string;
  url: string;
  identity: string;
  room: string;
  expires_at: string;
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
  readonly #http: TokenServerHttp;
  readonly #path: string;

  constructor(options: TokenEndpointOptions = {}) {
    this.#http = new TokenServerHttp(options, {
      network: (code, message, errorOptions) => new TokenRequestNetworkError(code, message, errorOptions),
      invalidResponse: (code, message, errorOptions) => new TokenResponseInvalidError(code, message, errorOptions),
    });
    this.#path = options.path ?? TOKEN_ENDPOINT_PATH;
  }

  /** The URL a request is sent to; relative when `baseUrl` is `''`. */
  url(request: JoinRequest, defaultRole: 'host' | 'participant' = 'participant'): string {
    return this.#http.url(this.#pathAndQuery(request, defaultRole));
  }

  #pathAndQuery(request: JoinRequest, defaultRole: 'host' | 'participant'): string {
    return `${this.#path}?${tokenQuery(request, defaultRole).toString()}`;
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
    const response = await this.#http.send('GET', this.#pathAndQuery(request, defaultRole));
    const ticket = this.#interpret(response);
    if (ticket.room !== request.room || ticket.identity !== request.user) {
      throw new TokenResponseInvalidError(
        'invalid_response',
        'The token server issued a ticket for another room or user than requested',
      );
    }
    return ticket;
  }

  #interpret(response: TokenServerResponse): JoinTicket {
    const { status, text } = response;
    if (status >= 200 && status < 300) {
      return parseJoinTicket(this.#http.json(response));
    }
    if (status >= 400 && status < 500) {
      throw new TokenRequestRejectedError(status, parseProblemDetails(text));
    }
    if (status >= 500 && status < 600) {
      throw new TokenServerError(status, parseProblemDetails(text));
    }
    throw this.#http.unexpectedStatus(status);
  }
}
