import { describe, expect, it, vi } from 'vitest';

import {
  JoinTicketExpiredError,
  JoinTicketProviderMismatchError,
  OperationNotSupportedError,
  RoomAdminNotSupportedError,
  RoomStateError,
  TokenRequestRejectedError,
  TokenResponseInvalidError,
  VideoProviderError,
  type JoinTicket,
  type VideoProviderEventName,
} from '../../types';
import { GoogleMeetVideoProvider } from './index';

// Google Meet has no SDK here: the provider only talks to the token server, whose answers are
// swapped in through `fetch` (the server's own tests check them against a stand-in of Google).
const HOUR_MS = 3_600_000;
const LINK = 'https://meet.google.com/abc-mnop-xyz';

/** The token server's answer for Google Meet, as `apps/token-server/tests/api/google_meet.rs` pins it. */
function wireTicket(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: '',
    url: LINK,
    identity: 'ada',
    room: 'physics-101',
    expires_at: new Date(Date.now() + 6 * HOUR_MS).toISOString(),
    provider: 'google-meet',
    ...overrides,
  };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A `fetch` that answers `responses` in order and records each request as `METHOD url`. */
function fetchAnswering(...responses: Response[]) {
  const requests: string[] = [];
  const fetchFn = vi.fn<typeof fetch>(async (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
    const next = responses.shift();
    if (next === undefined) {
      throw new Error('unexpected extra fetch');
    }
    return next;
  });
  return { fetchFn, requests };
}

function provider(fetchFn: typeof fetch) {
  return new GoogleMeetVideoProvider({ tokenEndpoint: { fetch: fetchFn } });
}

function meetTicket(overrides: Partial<JoinTicket> = {}): JoinTicket {
  return {
    provider: 'google-meet',
    token: '',
    url: LINK,
    identity: 'ada',
    room: 'physics-101',
    expiresAt: new Date(Date.now() + HOUR_MS),
    ...overrides,
  };
}

describe('joining hands over the meeting link', () => {
  it('a student: asks for provider=google-meet, role participant; the link is in `meeting`', async () => {
    const { fetchFn, requests } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    expect(lms.meeting).toBeUndefined();

    await lms.joinRoom({ room: 'physics-101', user: 'ada', displayName: 'Ada L' });

    expect(requests).toEqual([
      'GET /api/video/token?room=physics-101&user=ada&name=Ada+L&role=participant&provider=google-meet',
    ]);
    expect(lms.meeting).toEqual({
      url: LINK,
      room: 'physics-101',
      identity: 'ada',
      role: 'participant',
      expiresAt: expect.any(Date),
    });
    expect(Object.isFrozen(lms.meeting)).toBe(true);
  });

  it('the page never connects: state, participants, publish sources and reason stay empty', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    const states: string[] = [];
    lms.on('connectionStateChanged', (state) => states.push(state));
    lms.on('disconnected', (reason) => states.push(`disconnected ${reason}`));

    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    await lms.leaveRoom();

    expect(states).toEqual([]);
    expect(lms.connectionState).toBe('disconnected');
    expect(lms.participants).toEqual([]);
    expect(lms.publishSources).toEqual([]);
    expect(lms.disconnectReason).toBeUndefined();
  });

  it('a viewer gets the same kind of link: the role is recorded, Meet does not enforce it', async () => {
    const { fetchFn, requests } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);

    await lms.joinRoom({ room: 'physics-101', user: 'ada', role: 'viewer' });

    expect(requests).toEqual(['GET /api/video/token?room=physics-101&user=ada&role=viewer&provider=google-meet']);
    expect(lms.meeting).toMatchObject({ url: LINK, role: 'viewer' });
  });

  it('createRoom fetches a host ticket (the server creates the space); joinRoom(handle) reuses it', async () => {
    const { fetchFn, requests } = fetchAnswering(jsonResponse(200, wireTicket({ identity: 'prof' })));
    const lms = provider(fetchFn);

    const handle = await lms.createRoom({ room: 'physics-101', user: 'prof' });
    expect(handle).toMatchObject({ provider: 'google-meet', room: 'physics-101', request: { role: 'host' } });
    expect(handle.ticket).toMatchObject({ provider: 'google-meet', token: '', url: LINK });
    expect(lms.meeting).toBeUndefined();

    await lms.joinRoom(handle);

    expect(requests).toEqual(['GET /api/video/token?room=physics-101&user=prof&role=host&provider=google-meet']);
    expect(lms.meeting).toMatchObject({ url: LINK, identity: 'prof', role: 'host' });
  });

  it("renews a handle's ticket that is about to expire", async () => {
    const soon = wireTicket({ expires_at: new Date(Date.now() + 30_000).toISOString() });
    const renewed = 'https://meet.google.com/abc-mnop-xyz?authuser=0';
    const { fetchFn, requests } = fetchAnswering(jsonResponse(200, soon), jsonResponse(200, wireTicket({ url: renewed })));
    const lms = provider(fetchFn);

    await lms.joinRoom(await lms.createRoom({ room: 'physics-101', user: 'ada' }));

    expect(requests).toHaveLength(2);
    expect(lms.meeting?.url).toBe(renewed);
  });

  it('connect() takes a ticket the LMS fetched, with the role it says', async () => {
    const { fetchFn } = fetchAnswering();
    const lms = provider(fetchFn);

    await lms.connect(meetTicket(), { role: 'host' });

    expect(fetchFn).not.toHaveBeenCalled();
    expect(lms.meeting).toMatchObject({ url: LINK, role: 'host' });
  });

  it('leaveRoom forgets the link, and a new join is possible', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()), jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    await lms.joinRoom({ room: 'physics-101', user: 'ada' });

    await lms.leaveRoom();
    await lms.leaveRoom();
    expect(lms.meeting).toBeUndefined();

    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    expect(lms.meeting?.url).toBe(LINK);
  });
});

describe('what joining refuses', () => {
  it('one meeting at a time: joining while holding a link is already_in_room', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    await lms.joinRoom({ room: 'physics-101', user: 'ada' });

    await expect(lms.joinRoom({ room: 'chemistry-7', user: 'ada' })).rejects.toMatchObject({
      name: 'RoomStateError',
      code: 'already_in_room',
    });
    await expect(lms.createRoom({ room: 'chemistry-7', user: 'ada' })).rejects.toBeInstanceOf(RoomStateError);
    await expect(lms.connect(meetTicket())).rejects.toBeInstanceOf(RoomStateError);
    expect(fetchFn).toHaveBeenCalledTimes(1);
  });

  it("another provider's handle is foreign_handle", async () => {
    const lms = provider(fetchAnswering().fetchFn);
    const handle = {
      provider: 'daily' as const,
      room: 'physics-101',
      request: { room: 'physics-101', user: 'ada', role: 'host' as const },
      ticket: { ...meetTicket(), provider: 'daily' as const, token: 'eyJ.a.b' },
    };
    await expect(lms.joinRoom(handle)).rejects.toMatchObject({ name: 'RoomStateError', code: 'foreign_handle' });
  });

  it('a ticket the server issued for another provider is provider_mismatch, and no link is kept', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket({ provider: 'livekit', token: 'eyJ.a.b', url: 'wss://lk' })));
    const lms = provider(fetchFn);
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTicketProviderMismatchError);
    expect(error).toMatchObject({ expected: 'google-meet', actual: 'livekit' });
    expect(lms.meeting).toBeUndefined();
  });

  it('an answer whose link is not https is invalid_response, and no link is kept', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket({ url: 'javascript:alert(1)' })));
    const lms = provider(fetchFn);
    const error = await lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseInvalidError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(lms.meeting).toBeUndefined();
  });

  it.each([
    ['expired', meetTicket({ expiresAt: new Date(Date.now() - 1) }), JoinTicketExpiredError],
    ["for another provider", meetTicket({ provider: 'twilio' }), JoinTicketProviderMismatchError],
    ['with an http link', meetTicket({ url: 'http://meet.google.com/abc-mnop-xyz' }), TokenResponseInvalidError],
    ['with a token', meetTicket({ token: 'eyJ.a.b' }), TokenResponseInvalidError],
  ])('connect() refuses a ticket %s', async (_case, ticket, type) => {
    const lms = provider(fetchAnswering().fetchFn);
    await expect(lms.connect(ticket)).rejects.toBeInstanceOf(type);
    expect(lms.meeting).toBeUndefined();
  });

  it('token server refusals stay typed', async () => {
    const { fetchFn } = fetchAnswering(
      jsonResponse(400, { code: 'provider_not_enabled', title: 'Provider not enabled', detail: 'google-meet' }),
    );
    await expect(provider(fetchFn).joinRoom({ room: 'physics-101', user: 'ada' })).rejects.toBeInstanceOf(
      TokenRequestRejectedError,
    );
  });

  it('leaving while the ticket is fetched cancels the join, and keeps no link', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    const joining = lms.joinRoom({ room: 'physics-101', user: 'ada' }).catch((e: unknown) => e);
    await Promise.resolve();
    await lms.leaveRoom();
    expect(await joining).toMatchObject({ name: 'RoomConnectionError', code: 'cancelled' });
    expect(lms.meeting).toBeUndefined();
  });
});

describe('what cannot exist for Google Meet fails clearly', () => {
  it('publishLocalMedia rejects with OperationNotSupportedError, in a meeting or not', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    const before = await lms.publishLocalMedia({ microphone: true }).catch((e: unknown) => e);
    await lms.joinRoom({ room: 'physics-101', user: 'ada' });
    const during = await lms.publishLocalMedia({ camera: false }).catch((e: unknown) => e);

    for (const error of [before, during]) {
      expect(error).toBeInstanceOf(OperationNotSupportedError);
      expect(error).toBeInstanceOf(VideoProviderError);
      expect(error).toMatchObject({
        name: 'OperationNotSupportedError',
        code: 'not_supported',
        provider: 'google-meet',
        operation: 'publishLocalMedia',
      });
      expect((error as Error).message).toContain('in Meet');
    }
  });

  it.each([
    [{ camera: true }],
    [{ microphone: true }],
    [{ camera: true, microphone: false }],
  ])('a join asking to publish %j is refused before any request', async (publish) => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);

    const joining = await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish }).catch((e: unknown) => e);
    const connecting = await lms.connect(meetTicket(), { publish }).catch((e: unknown) => e);

    for (const error of [joining, connecting]) {
      expect(error).toMatchObject({ name: 'OperationNotSupportedError', code: 'not_supported', operation: 'JoinOptions.publish' });
    }
    expect(fetchFn).not.toHaveBeenCalled();
    expect(lms.meeting).toBeUndefined();
  });

  it('a join asking for nothing to be published goes ahead', async () => {
    const { fetchFn } = fetchAnswering(jsonResponse(200, wireTicket()));
    const lms = provider(fetchFn);
    await lms.joinRoom({ room: 'physics-101', user: 'ada' }, { publish: { camera: false, microphone: false } });
    expect(lms.meeting?.url).toBe(LINK);
  });

  it.each(['participantJoined', 'participantLeft', 'participantUpdated', 'publishSourcesChanged'] as const)(
    'on(%j) throws: what happens in the meeting never reaches the page',
    (event: VideoProviderEventName) => {
      const lms = provider(fetchAnswering().fetchFn);
      let caught: unknown;
      try {
        lms.on(event, () => undefined);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OperationNotSupportedError);
      expect(caught).toMatchObject({ code: 'not_supported', provider: 'google-meet', operation: `on('${event}')` });
    },
  );

  it.each(['connectionStateChanged', 'disconnected', 'localMediaError'] as const)(
    'on(%j) is accepted (the page never connects and has no devices, so it never fires)',
    (event: VideoProviderEventName) => {
      const lms = provider(fetchAnswering().fetchFn);
      const off = lms.on(event, () => undefined);
      expect(off).toBeTypeOf('function');
      off();
    },
  );

  it('offers no media tracks for the page', () => {
    expect('mediaTracks' in provider(fetchAnswering().fetchFn)).toBe(false);
  });
});

describe('room administration', () => {
  it.each([
    ['endRoom', (lms: GoogleMeetVideoProvider) => lms.endRoom('physics-101'), 'DELETE /api/video/rooms/physics-101?provider=google-meet'],
    [
      'listParticipants',
      (lms: GoogleMeetVideoProvider) => lms.listParticipants('physics-101'),
      'GET /api/video/rooms/physics-101/participants?provider=google-meet',
    ],
    [
      'removeParticipant',
      (lms: GoogleMeetVideoProvider) => lms.removeParticipant('physics-101', 'bob'),
      'DELETE /api/video/rooms/physics-101/participants/bob?provider=google-meet',
    ],
  ])('%s goes to the token server with provider=google-meet; its 501 is RoomAdminNotSupportedError', async (_name, call, request) => {
    const { fetchFn, requests } = fetchAnswering(
      jsonResponse(501, {
        title: 'Not supported',
        detail: 'Google Meet has no room administration here.',
        code: 'not_supported',
        status: 501,
      }),
    );

    const error = await call(provider(fetchFn)).catch((e: unknown) => e);

    expect(requests).toEqual([request]);
    expect(error).toBeInstanceOf(RoomAdminNotSupportedError);
    expect(error).toMatchObject({ name: 'RoomAdminNotSupportedError', code: 'not_supported', status: 501 });
  });
});
