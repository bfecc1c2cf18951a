// Browser end-to-end tests of the live-session page against the real token server, for what the
// real LiveKit server cannot show (meeting.test.mjs runs the page against the real one).
//
// Run with `npm run e2e` after `npm run build` and `cargo build -p token-server`. The token
// server serves the built page and the token endpoint on one origin. In the first test its
// LIVEKIT_URL points at a stand-in (support.mjs), kept for three things a real LiveKit server does
// not expose: the exact token and claims that livekit-client sends on the signalling WebSocket
// (the real server only accepts or refuses it), the connection warm-up request (`HEAD /`) that
// createRoom() makes, and a server that drops the socket in the middle of the handshake. The other
// tests never reach a media server. Screenshots go to $E2E_SCREENSHOT_DIR (default /tmp).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { WEB_ROOT, launchChromium, startFakeLiveKit, startTokenServer, within } from './support.mjs';

const API_KEY = 'e2e-api-key';
// At least 32 characters, as the token server requires; a test value, never used elsewhere.
const API_SECRET = 'e2e-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR ?? '/tmp';
const TOKEN_PATH = '/api/video/token';

describe('live-session page in headless Chromium, served by the real token server', () => {
  let livekit;
  let server;
  let browser;

  before(async () => {
    livekit = await startFakeLiveKit({ apiKey: API_KEY, apiSecret: API_SECRET });
    server = await startTokenServer({
      livekitUrl: livekit.url,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      webDistDir: join(WEB_ROOT, 'dist'),
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await livekit?.close();
  });

  /** A new page at the token server's `/`, recording uncaught page errors and token requests. */
  async function openPage() {
    const page = await browser.context.newPage();
    const pageErrors = [];
    const tokenRequests = [];
    page.on('pageerror', (error) => pageErrors.push(error));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === TOKEN_PATH) {
        tokenRequests.push(request.url());
      }
    });
    const response = await page.goto(`${server.url}/`, { timeout: 15_000 });
    assert.equal(response?.status(), 200, 'the token server serves the page at /');
    await page.getByRole('heading', { name: 'OpenConnect Video' }).waitFor({ timeout: 10_000 });
    return { page, pageErrors, tokenRequests };
  }

  test('instructor: Start Live Session fetches a host token and livekit-client dials LIVEKIT_URL with it', { timeout: 60_000 }, async () => {
    const { page, pageErrors } = await openPage();
    try {
      await page.getByRole('button', { name: 'Instructor' }).click();
      await page.getByLabel('Room').fill('physics-101');
      await page.getByLabel('User ID').fill('prof-ada');
      await page.getByLabel('Display name').fill('Ada Lovelace');

      const tokenResponse = page.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH, { timeout: 15_000 });
      await page.getByRole('button', { name: 'Start Live Session' }).click();

      // (1) The page fetched a host token from the token server, same origin.
      const response = await tokenResponse;
      const requested = new URL(response.url());
      assert.equal(requested.origin, server.url);
      assert.deepEqual(Object.fromEntries(requested.searchParams), {
        room: 'physics-101',
        user: 'prof-ada',
        name: 'Ada Lovelace',
        role: 'host',
        provider: 'livekit',
      });
      assert.equal(response.status(), 200);
      const ticket = await response.json();
      assert.equal(ticket.provider, 'livekit', 'the answer names its provider');
      assert.equal(ticket.url, livekit.url, 'the ticket names the configured LIVEKIT_URL');
      assert.equal(ticket.room, 'physics-101');
      assert.equal(ticket.identity, 'prof-ada');
      assert.ok(Date.parse(ticket.expires_at) > Date.now(), 'expires_at is in the future');

      // (2) livekit-client opened its signalling WebSocket to LIVEKIT_URL carrying that token.
      const signal = await livekit.nextConnection(20_000);
      assert.match(signal.path, /^\/rtc(\/|$)/, `signalling path ${signal.path}`);
      assert.equal(signal.token, ticket.token, 'the WebSocket carries the token the page fetched');
      assert.equal(signal.error, undefined, `the token verifies with the server's secret: ${signal.error}`);
      assert.equal(signal.protectedHeader.alg, 'HS256');
      const claims = signal.payload;
      assert.equal(claims.iss, API_KEY);
      assert.equal(claims.sub, 'prof-ada');
      assert.equal(claims.name, 'Ada Lovelace');
      assert.equal(claims.video?.room, 'physics-101');
      assert.equal(claims.video?.roomJoin, true);
      assert.equal(claims.video?.roomAdmin, true, 'the instructor (host) is room admin');
      assert.equal(claims.video?.canPublish, true);
      assert.ok(claims.exp * 1000 > Date.now(), 'the token has not expired');
      assert.equal(livekit.connections.length, 1, 'exactly one signalling connection');

      // createRoom() prepared the connection: livekit-client's warm-up request reached the server first.
      assert.ok(
        livekit.httpRequests.some((r) => r.method === 'HEAD' && r.path === '/'),
        `prepareConnection's HEAD / reached LIVEKIT_URL: ${JSON.stringify(livekit.httpRequests)}`,
      );

      // The stand-in closed the socket: the page shows a connection error and stays usable.
      const errorArea = page.getByTestId('session-error');
      await errorArea.waitFor({ timeout: 30_000 });
      const shown = await errorArea.innerText();
      assert.match(shown, /Cannot connect to the video server/);
      assert.match(shown, /RoomConnectionError/);
      assert.equal(await page.getByTestId('error-code').innerText(), 'internal_error');
      assert.equal(await page.getByTestId('connection-state').innerText(), 'disconnected');
      assert.equal(await page.getByRole('button', { name: 'Start Live Session' }).isEnabled(), true);
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
      await page.screenshot({ path: join(SCREENSHOTS, 'openconnect-e2e-start.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test("student: a room name the token server refuses shows its problem details and code", { timeout: 60_000 }, async () => {
    const { page, pageErrors } = await openPage();
    const connectionsBefore = livekit.connections.length;
    try {
      await page.getByRole('button', { name: 'Student' }).click();
      await page.getByLabel('Room').fill('r'.repeat(300));
      await page.getByLabel('User ID').fill('student-bob');

      const tokenResponse = page.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH, { timeout: 15_000 });
      await page.getByRole('button', { name: 'Join' }).click();

      const response = await tokenResponse;
      assert.equal(new URL(response.url()).searchParams.get('role'), 'participant');
      assert.equal(response.status(), 400);
      assert.match(response.headers()['content-type'] ?? '', /^application\/problem\+json/);
      const problem = await response.json();
      assert.equal(typeof problem.code, 'string');
      assert.ok(problem.code.length > 0, 'the problem has a code');

      const errorArea = page.getByTestId('session-error');
      await errorArea.waitFor({ timeout: 10_000 });
      const shown = await errorArea.innerText();
      assert.ok(shown.includes(problem.title), `the title "${problem.title}" is shown: ${shown}`);
      assert.ok(shown.includes(problem.detail), `the detail "${problem.detail}" is shown: ${shown}`);
      assert.match(shown, /HTTP 400/);
      assert.match(shown, /TokenRequestRejectedError/);
      assert.equal(await page.getByTestId('error-code').innerText(), problem.code);
      assert.equal(livekit.connections.length, connectionsBefore, 'no signalling connection without a token');
      assert.deepEqual(pageErrors, []);
      await page.screenshot({ path: join(SCREENSHOTS, 'openconnect-e2e-refused.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('instructor: a control character in the room name is refused in the page, before any request', { timeout: 60_000 }, async () => {
    const { page, pageErrors, tokenRequests } = await openPage();
    try {
      await page.getByRole('button', { name: 'Instructor' }).click();
      await page.getByLabel('Room').fill('physics\u0007101');
      await page.getByLabel('User ID').fill('prof-ada');
      await page.getByRole('button', { name: 'Start Live Session' }).click();

      const errorArea = page.getByTestId('session-error');
      await errorArea.waitFor({ timeout: 10_000 });
      assert.match(await errorArea.innerText(), /InvalidJoinRequestError/);
      assert.equal(await page.getByTestId('error-code').innerText(), 'invalid_characters');
      // Give a stray request the time to show up before asserting there was none.
      await within(5_000, 'settle', page.waitForTimeout(300));
      assert.deepEqual(tokenRequests, [], 'no token request was sent');
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close();
    }
  });
});
