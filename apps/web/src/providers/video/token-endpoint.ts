/**
 * The client of the token server's `GET /api/video/token` (see `docs/CONTRACT-DRAFT.md`). The
 * endpoint is provider-neutral (the server picks the vendor with `VIDEO_PROVIDER`, or with the
 * request's `provider` parameter on a server that serves several), so every provider
 * implementation shares this client. It is the one place where the wire's names (`expires_at`,
 * `provider`) become the front end's ({@link JoinTicket.expiresAt}, {@link JoinTicket.provider}).
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
  JoinTicketExpiredError,
  JoinTicketProviderMismatchError,
  TokenRequestNetworkError,
  TokenRequestRejectedError,
  TokenResponseInvalidError,
  TokenServerError,
  type JoinRequest,
  type JoinTicket,
  type VideoProviderName,
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
  /** Absent from a server that serves LiveKit only: then `livekit`. */
  provider?: string;
}

/** The providers a ticket may name; a `Record` so that a new {@link VideoProviderName} must be added here. */
const TICKET_PROVIDERS: Record<VideoProviderName, true> = { livekit: true, daily: true, twilio: true, 'google-meet': true };

function isTicketProvider(name: string): name is VideoProviderName {
  return Object.hasOwn(TICKET_PROVIDERS, name);
}

/** Whether `value` is an absolute `https:` URL, as read by the WHATWG URL parser. */
export function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Why a Google Meet ticket's `token` and `url` are not usable, or `undefined` when they are: the
 * token must be `""` (a Meet link needs none) and the url an `https:` link, the only kind the page
 * may put behind "Open Google Meet" (never `javascript:`, `http:` or a relative path).
 */
export function brokenMeetTicketRule(token: string, url: string): string | undefined {
  if (token !== '') {
    return 'a Google Meet ticket must have an empty "token"';
  }
  if (!isHttpsUrl(url)) {
    return 'a Google Meet ticket\'s "url" must be an https: link';
  }
  return undefined;
}

/**
 * Maps the token endpoint's 200 body to a {@link JoinTicket}.
 *
 * `token`, `identity`, `room` and `expires_at` must be non-empty strings; `url` too, except for
 * Twilio, whose SDK connects with the token alone (its `url` is `""`). Google Meet's ticket is
 * the meeting link: its `token` must be `""` and its `url` an `https:` link. `provider` is
 * optional (absent: `livekit`, as from a server that serves LiveKit only) and, when present, a
 * non-empty string.
 *
 * Throws a {@link TokenResponseInvalidError} (code `invalid_response`) naming the first field
 * that is missing or has the wrong type, an `expires_at` that is not a timestamp, or a provider
 * this client does not know; and a {@link JoinTicketProviderMismatchError} (code
 * `provider_mismatch`) when `expected` is given and the ticket is for another provider.
 */
export function parseJoinTicket(body: unknown, expected?: VideoProviderName): JoinTicket {
  if (!isRecord(body)) {
    throw new TokenResponseInvalidError('invalid_response', 'The token server answered with something other than a JSON object');
  }
  const rawProvider = body.provider;
  if (rawProvider !== undefined && (typeof rawProvider !== 'string' || rawProvider.length === 0)) {
    throw new TokenResponseInvalidError('invalid_response', `The token server's answer has no valid "provider"`);
  }
  const provider = rawProvider ?? 'livekit';
  const fields = ['token', 'url', 'identity', 'room', 'expires_at'] as const;
  for (const field of fields) {
    const value = body[field];
    const mayBeEmpty = (field === 'url' && provider === 'twilio') || (field === 'token' && provider === 'google-meet');
    if (typeof value !== 'string' || (value.length === 0 && !mayBeEmpty)) {
      throw new TokenResponseInvalidError(
        'invalid_response',
        `The token server's answer has no valid "${field}"`,
      );
    }
  }
  if (expected !== undefined && provider !== expected) {
    throw new JoinTicketProviderMismatchError(expected, provider);
  }
  if (!isTicketProvider(provider)) {
    throw new TokenResponseInvalidError(
      'invalid_response',
      `The token server's answer names a video provider this page does not know`,
    );
  }
  const wire = body as unknown as JoinTicketWire;
  const meetRule = provider === 'google-meet' ? brokenMeetTicketRule(wire.token, wire.url) : undefined;
  if (meetRule !== undefined) {
    throw new TokenResponseInvalidError('invalid_response', `The token server's answer is not usable: ${meetRule}`);
  }
  const expiresAt = new Date(wire.expires_at);
  if (Number.isNaN(expiresAt.getTime())) {
    throw new TokenResponseInvalidError(
      'invalid_response',
      `The token server's answer has an "expires_at" that is not a timestamp`,
    );
  }
  return {
    provider,
    token: wire.token,
    url: wire.url,
    identity: wire.identity,
    room: wire.room,
    expiresAt,
  };
}

/**
 * Throws unless `ticket` may be used to join now by the provider called `provider`: a
 * {@link JoinTicketProviderMismatchError} for another provider's ticket (absent provider:
 * `livekit`), a {@link JoinTicketExpiredError} once it has expired.
 */
export function assertTicketUsable(ticket: JoinTicket, provider: VideoProviderName): void {
  const issuedFor = ticket.provider ?? 'livekit';
  if (issuedFor !== provider) {
    throw new JoinTicketProviderMismatchError(provider, issuedFor);
  }
  if (ticket.expiresAt.getTime() <= Date.now()) {
    throw new JoinTicketExpiredError(ticket.expiresAt);
  }
}

/**
 * The query string of a token request: `room`, `user`, then `name` when given, then `role`, then
 * `provider` when given.
 */
export function tokenQuery(
  request: JoinRequest,
  defaultRole: 'host' | 'participant',
  provider?: VideoProviderName,
): URLSearchParams {
  const query = new URLSearchParams();
  query.set('room', request.room);
  query.set('user', request.user);
  if (request.displayName !== undefined && request.displayName !== '') {
    query.set('name', request.displayName);
  }
  query.set('role', request.role ?? defaultRole);
  if (provider !== undefined) {
    query.set('provider', provider);
  }
  return query;
}

/**
 * Which provider a {@link TokenEndpoint} fetches tickets for: tickets for another provider are
 * refused, and `sendParameter` adds `provider=<name>` to every request, so that a token server
 * that serves several providers answers for this one. Every provider sends it by default; a
 * token server from before `VIDEO_PROVIDERS` refuses it (400 `unknown_parameter`), for which the LiveKit
 * provider can leave it out (`LiveKitVideoProviderOptions.sendProviderParameter: false`).
 */
export interface TicketProvider {
  readonly name: VideoProviderName;
  readonly sendParameter: boolean;
}

/** Fetches {@link JoinTicket}s from the token server. */
export class TokenEndpoint {
  readonly #http: TokenServerHttp;
  readonly #path: string;
  readonly #provider: TicketProvider | undefined;

  /** `provider`: see {@link TicketProvider}; absent, any provider's ticket is accepted and none is asked for. */
  constructor(options: TokenEndpointOptions = {}, provider?: TicketProvider) {
    this.#http = new TokenServerHttp(options, {
      network: (code, message, errorOptions) => new TokenRequestNetworkError(code, message, errorOptions),
      invalidResponse: (code, message, errorOptions) => new TokenResponseInvalidError(code, message, errorOptions),
    });
    this.#path = options.path ?? TOKEN_ENDPOINT_PATH;
    this.#provider = provider;
  }

  /** The URL a request is sent to; relative when `baseUrl` is `''`. */
  url(request: JoinRequest, defaultRole: 'host' | 'participant' = 'participant'): string {
    return this.#http.url(this.#pathAndQuery(request, defaultRole));
  }

  #pathAndQuery(request: JoinRequest, defaultRole: 'host' | 'participant'): string {
    const provider = this.#provider?.sendParameter === true ? this.#provider.name : undefined;
    return `${this.#path}?${tokenQuery(request, defaultRole, provider).toString()}`;
  }

  /**
   * Sends `GET <baseUrl><path>?room=&user=[&name=]&role=[&provider=]` with
   * `Accept: application/json`, the configured headers and credentials, and `cache: 'no-store'`.
   *
   * Resolves to the ticket. Rejects with {@link TokenRequestNetworkError} (`network_error`,
   * `timeout`), {@link TokenRequestRejectedError} (4xx), {@link TokenServerError} (5xx),
   * {@link TokenResponseInvalidError} (`invalid_response`, `unexpected_status`; also when the
   * ticket names another room or identity than requested) or
   * {@link JoinTicketProviderMismatchError} (`provider_mismatch`: a ticket for another provider).
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
      return parseJoinTicket(this.#http.json(response), this.#provider?.name);
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
