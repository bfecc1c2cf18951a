import { describe, expect, it, vi } from 'vitest';

import { parseJoinTicket, TokenEndpoint } from './token-endpoint';
import { JoinTicketProviderMismatchError, TokenResponseInvalidError, VideoProviderError } from './types';

const EXPIRES_AT = '2026-11-24T07:00:00Z';

/** The token endpoint's 200 body, in the wire's snake_case. */
function wire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: 'eyJ.claims.signature',
    url: 'https://example.daily.co/physics-101',
    identity: 'ada',
    room: 'physics-101',
    expires_at: EXPIRES_AT,
    ...overrides,
  };
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseJoinTicket and the provider field', () => {
  it('an answer without provider is a LiveKit ticket, as from a server that serves LiveKit only', () => {
    expect(parseJoinTicket(wire({ url: 'wss://video.example.edu' }))).toEqual({
      provider: 'livekit',
      token: 'eyJ.claims.signature',
      url: 'wss://video.example.edu',
      identity: 'ada',
      room: 'physics-101',
      expiresAt: new Date(EXPIRES_AT),
    });
    expect(parseJoinTicket(wire(), 'livekit').provider).toBe('livekit');
  });

  it('keeps the provider the server names', () => {
    expect(parseJoinTicket(wire({ provider: 'daily' }), 'daily')).toMatchObject({
      provider: 'daily',
      url: 'https://example.daily.co/physics-101',
    });
  });

  it("accepts Twilio's empty url, and only Twilio's", () => {
    expect(parseJoinTicket(wire({ provider: 'twilio', url: '' }), 'twilio')).toMatchObject({ provider: 'twilio', url: '' });
    for (const provider of ['daily', 'livekit', undefined]) {
      const error = caught(() => parseJoinTicket(wire({ provider, url: '' })));
      expect(error, String(provider)).toBeInstanceOf(TokenResponseInvalidError);
      expect((error as Error).message).toContain('"url"');
    }
    // Even Twilio's url must be a string.
    expect(caught(() => parseJoinTicket(wire({ provider: 'twilio', url: null }), 'twilio'))).toMatchObject({
      name: 'TokenResponseInvalidError',
      code: 'invalid_response',
    });
  });

  it("accepts Google Meet's empty token with an https link, and the empty token only for Meet", () => {
    const meet = wire({ provider: 'google-meet', token: '', url: 'https://meet.google.com/abc-mnop-xyz' });
    expect(parseJoinTicket(meet, 'google-meet')).toEqual({
      provider: 'google-meet',
      token: '',
      url: 'https://meet.google.com/abc-mnop-xyz',
      identity: 'ada',
      room: 'physics-101',
      expiresAt: new Date(EXPIRES_AT),
    });
    expect(parseJoinTicket(meet).provider).toBe('google-meet');
    // Every other provider's empty token stays invalid, as before.
    for (const [provider, url] of [
      [undefined, 'wss://video.example.edu'],
      ['livekit', 'wss://video.example.edu'],
      ['daily', 'https://example.daily.co/physics-101'],
      ['twilio', ''],
    ] as const) {
      const error = caught(() => parseJoinTicket(wire({ provider, url, token: '' })));
      expect(error, String(provider)).toBeInstanceOf(TokenResponseInvalidError);
      expect(error, String(provider)).toMatchObject({ code: 'invalid_response' });
      expect((error as Error).message, String(provider)).toContain('"token"');
    }
  });

  it.each([
    ['an http link', { url: 'http://meet.google.com/abc-mnop-xyz' }, 'https: link'],
    ['a javascript: url', { url: 'javascript:alert(1)' }, 'https: link'],
    ['a relative link', { url: '/abc-mnop-xyz' }, 'https: link'],
    ['a link without the scheme', { url: 'meet.google.com/abc-mnop-xyz' }, 'https: link'],
    ['an empty url', { url: '' }, '"url"'],
    ['a token', { token: 'eyJ.claims.signature' }, 'empty "token"'],
    ['no token at all', { token: undefined }, '"token"'],
    ['a null token', { token: null }, '"token"'],
  ])('refuses a Google Meet ticket with %s (invalid_response)', (_case, overrides, mentions) => {
    const body = wire({ provider: 'google-meet', token: '', url: 'https://meet.google.com/abc-mnop-xyz', ...overrides });
    const error = caught(() => parseJoinTicket(body, 'google-meet'));
    expect(error).toBeInstanceOf(TokenResponseInvalidError);
    expect(error).toMatchObject({ name: 'TokenResponseInvalidError', code: 'invalid_response' });
    expect((error as Error).message).toContain(mentions);
  });

  it.each([
    ['a ticket for LiveKit (no provider) asked by Daily', wire(), 'daily', 'livekit'],
    ['a Google Meet ticket asked by Daily', wire({ provider: 'google-meet', token: '' }), 'daily', 'google-meet'],
    ['a LiveKit ticket asked by Google Meet', wire({ provider: 'livekit' }), 'google-meet', 'livekit'],
    ['a Twilio ticket asked by Daily', wire({ provider: 'twilio', url: '' }), 'daily', 'twilio'],
    ['a Daily ticket asked by LiveKit', wire({ provider: 'daily' }), 'livekit', 'daily'],
    ['a provider this page does not know', wire({ provider: 'zoom' }), 'twilio', 'zoom'],
  ] as const)('refuses %s with JoinTicketProviderMismatchError', (_case, body, expected, actual) => {
    const error = caught(() => parseJoinTicket(body, expected));
    expect(error).toBeInstanceOf(JoinTicketProviderMismatchError);
    expect(error).toBeInstanceOf(VideoProviderError);
    expect(error).toMatchObject({ name: 'JoinTicketProviderMismatchError', code: 'provider_mismatch', expected, actual });
    expect((error as Error).message).toBe(`The ticket is for the "${actual}" video provider, not for ${expected}`);
  });

  it.each([
    ['a numeric provider', wire({ provider: 7 }), '"provider"'],
    ['an empty provider', wire({ provider: '' }), '"provider"'],
    ['a null provider', wire({ provider: null }), '"provider"'],
    ['an unknown provider, nobody asking', wire({ provider: 'zoom' }), 'does not know'],
    ['no token', wire({ provider: 'daily', token: undefined }), '"token"'],
    ['an empty identity', wire({ provider: 'twilio', url: '', identity: '' }), '"identity"'],
    ['an expires_at that is no timestamp', wire({ provider: 'daily', expires_at: 'soon' }), 'not a timestamp'],
  ])('refuses %s as a malformed answer (invalid_response)', (_case, body, mentions) => {
    const error = caught(() => parseJoinTicket(body));
    expect(error).toBeInstanceOf(TokenResponseInvalidError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toContain(mentions);
  });
});

describe('TokenEndpoint for one provider', () => {
  function answering(body: unknown) {
    return vi.fn<typeof fetch>(async () => new Response(JSON.stringify(body), { status: 200 }));
  }

  it('sends provider=<name> last when asked to, and accepts that provider only', async () => {
    const fetchFn = answering(wire({ provider: 'daily' }));
    const endpoint = new TokenEndpoint({ fetch: fetchFn }, { name: 'daily', sendParameter: true });

    const ticket = await endpoint.fetchJoinTicket({ room: 'physics-101', user: 'ada', displayName: 'Ada L' });

    expect(fetchFn.mock.calls[0]?.[0]).toBe('/api/video/token?room=physics-101&user=ada&name=Ada+L&role=participant&provider=daily');
    expect(ticket.provider).toBe('daily');
  });

  it('leaves the parameter out when not asked to, and still refuses another provider', async () => {
    const fetchFn = answering(wire({ provider: 'daily' }));
    const endpoint = new TokenEndpoint({ fetch: fetchFn }, { name: 'livekit', sendParameter: false });

    const error = await endpoint.fetchJoinTicket({ room: 'physics-101', user: 'ada' }, 'host').catch((e: unknown) => e);

    expect(fetchFn.mock.calls[0]?.[0]).toBe('/api/video/token?room=physics-101&user=ada&role=host');
    expect(error).toMatchObject({ name: 'JoinTicketProviderMismatchError', expected: 'livekit', actual: 'daily' });
  });

  it('without a provider, takes any known provider and sends none', async () => {
    const fetchFn = answering(wire({ provider: 'twilio', url: '' }));
    const ticket = await new TokenEndpoint({ fetch: fetchFn }).fetchJoinTicket({ room: 'physics-101', user: 'ada' });
    expect(fetchFn.mock.calls[0]?.[0]).toBe('/api/video/token?room=physics-101&user=ada&role=participant');
    expect(ticket.provider).toBe('twilio');
  });
});
