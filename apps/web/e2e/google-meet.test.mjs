// Google Meet in real headless Chromium: the page built for Meet (VITE_VIDEO_PROVIDER=google-meet,
// into a temporary directory), served by the real token server with Google Meet enabled beside
// LiveKit (VIDEO_PROVIDERS=google-meet), shows every person of a room the one meeting link the
// server got for that room.
//
// Google cannot run here (no Workspace, no network to Google), so its two endpoints are a stand-in
// in this file, as in crates/video-google-meet/tests/support: the OAuth token endpoint verifies
// the server's RS256 assertion with the public half of a key pair made at test time (no key is
// committed) and issues access tokens; `spaces.create` checks the bearer token and the body and
// answers a Space with a new meeting code each time. Nothing connects to LiveKit: its variables are
// the development defaults. Run with `npm run e2e` after `cargo build -p token-server`; this file
// builds its own page. Screenshots go to $E2E_SCREENSHOT_DIR (default /tmp).

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';

import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';

import {
  TOKEN_PATH,
  buildPage,
  launchChromium,
  openSessionPage,
  startTokenServer,
  tail,
  within,
  withLogs,
} from './support.mjs';

const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR ?? '/tmp';
const CLIENT_EMAIL = 'openconnect-meet@openconnect-e2e.iam.gserviceaccount.com';
const PRIVATE_KEY_ID = 'e2e0c0ffee0123456789abcdef0123456789abcd';
const ORGANIZER = 'meet-organizer@school.example';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
// The assertion's audience and scope, as Google documents them (crates/video-google-meet/src/oauth.rs).
const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const MEET_SCOPE = 'https://www.googleapis.com/auth/meetings.space.created';

/** `n` in letters (a, b, ..., z, ba, ...): Meet's codes are letters and hyphens. */
function letters(n) {
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

/** The whole body of `request`, as text. */
async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The stand-in for Google's OAuth token endpoint (`POST /token`) and the Meet REST API's
 * `POST /v2/spaces`, on 127.0.0.1:0. It checks each request as Google would; a request it refuses
 * is answered as Google would and its reason kept in `rejections`. `spaces` lists the Spaces it
 * created, in order.
 */
async function startGoogleStandIn(publicKeyPem) {
  const publicKey = await importSPKI(publicKeyPem, 'RS256');
  const issued = new Set();
  const tokenRequests = [];
  const spaces = [];
  const rejections = [];

  async function token(request, body) {
    tokenRequests.push(body);
    const form = new URLSearchParams(body);
    const contentType = request.headers['content-type'] ?? '';
    if (contentType !== 'application/x-www-form-urlencoded') {
      return [400, { error: 'invalid_request', error_description: `content type ${contentType}` }];
    }
    if (form.get('grant_type') !== GRANT_TYPE) {
      return [400, { error: 'unsupported_grant_type', error_description: `grant_type ${form.get('grant_type')}` }];
    }
    const assertion = form.get('assertion') ?? '';
    try {
      const header = decodeProtectedHeader(assertion);
      assert.deepEqual(header, { alg: 'RS256', typ: 'JWT', kid: PRIVATE_KEY_ID }, 'the assertion header');
      const { payload } = await jwtVerify(assertion, publicKey, {
        algorithms: ['RS256'],
        issuer: CLIENT_EMAIL,
        subject: ORGANIZER,
        audience: TOKEN_AUDIENCE,
        maxTokenAge: '1 minute',
      });
      assert.equal(payload.scope, MEET_SCOPE, 'the assertion scope');
      assert.equal(payload.exp - payload.iat, 3600, 'exp is iat + 3600');
    } catch (error) {
      return [400, { error: 'invalid_grant', error_description: `${error.code ?? error.name}: ${error.message}` }];
    }
    const accessToken = `ya29.e2e-stand-in-${issued.size + 1}`;
    issued.add(accessToken);
    return [200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' }];
  }

  function createSpace(request, body) {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !issued.has(bearer)) {
      const message = 'Request had invalid authentication credentials.';
      return [401, { error: { code: 401, message, status: 'UNAUTHENTICATED' } }];
    }
    let json;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const jsonBody = /^application\/json\b/.test(request.headers['content-type'] ?? '');
    if (!jsonBody || !isDeepStrictEqual(json, { config: { accessType: 'TRUSTED' } })) {
      return [400, { error: { code: 400, message: `body ${body}`, status: 'INVALID_ARGUMENT' } }];
    }
    const n = spaces.length + 1;
    const code = `oce-meet-${letters(n + 26 * 26)}`;
    const space = {
      name: `spaces/e2eStandIn${n}`,
      meetingUri: `https://meet.google.com/${code}`,
      meetingCode: code,
      config: { accessType: 'TRUSTED', entryPointAccess: 'ALL' },
    };
    spaces.push(space);
    return [200, space];
  }

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const path = new URL(request.url, 'http://stand-in').pathname;
        if (request.method === 'POST' && path === '/token') {
          return token(request, body);
        }
        if (request.method === 'POST' && path === '/v2/spaces') {
          return createSpace(request, body);
        }
        return [404, { error: { code: 404, status: 'NOT_FOUND' } }];
      })
      .then(([status, answer]) => {
        if (status !== 200) {
          rejections.push(`${request.method} ${request.url}: ${status} ${JSON.stringify(answer)}`);
        }
        response.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(JSON.stringify(answer));
      });
  });
  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    apiUrl: base,
    tokenUri: `${base}/token`,
    tokenRequests,
    spaces,
    rejections,
    async close() {
      server.closeAllConnections();
      await new Promise((done) => server.close(() => done()));
    },
  };
}

describe('Google Meet: the page built for Meet, the real token server, a stand-in for Google', () => {
  let google;
  let built;
  let keyDir;
  let server;
  let chromium;

  before(async () => {
    // The service account's key, made now: Google's are 2048-bit RSA, the private half PKCS#8 PEM.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    google = await startGoogleStandIn(publicKey);
    keyDir = await mkdtemp(join(tmpdir(), 'openconnect-e2e-meet-key-'));
    const keyFile = join(keyDir, 'service-account.json');
    // As Google Cloud downloads it (fields the server does not read are left out).
    const key = {
      type: 'service_account',
      project_id: 'openconnect-e2e',
      private_key_id: PRIVATE_KEY_ID,
      private_key: privateKey,
      client_email: CLIENT_EMAIL,
      client_id: '104857600000000000002',
      token_uri: google.tokenUri,
    };
    await writeFile(keyFile, JSON.stringify(key, null, 2), { mode: 0o600 });

    built = await buildPage({ VITE_VIDEO_PROVIDER: 'google-meet' });
    server = await startTokenServer({
      // LiveKit stays the default provider; nothing connects to it here (development defaults).
      livekitUrl: 'ws://localhost:7880',
      apiKey: 'devkey',
      apiSecret: 'secret',
      webDistDir: built.dir,
      env: {
        VIDEO_PROVIDERS: 'google-meet',
        GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE: keyFile,
        GOOGLE_MEET_IMPERSONATE_USER: ORGANIZER,
        GOOGLE_MEET_API_URL: google.apiUrl,
      },
    });
    chromium = await launchChromium();
  }, { timeout: 360_000 });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    await google?.close();
    await built?.remove();
    if (keyDir !== undefined) {
      await rm(keyDir, { recursive: true, force: true });
    }
  });

  const logs = () =>
    `--- token server log ---\n${tail(server.log(), 20)}\n--- Google stand-in ---\n` +
    `spaces: ${JSON.stringify(google.spaces.map((s) => s.meetingUri))}\n` +
    `rejections: ${JSON.stringify(google.rejections)}`;

  /**
   * One person's page at `?view=&room=&user=`, recording the token requests and any WebSocket
   * (there must be none: Meet's page connects to nothing).
   */
  async function openAs(view, who) {
    const person = await openSessionPage(chromium, server.url, view, who);
    person.tokenRequests = [];
    person.webSockets = [];
    person.page.on('request', (request) => {
      if (new URL(request.url()).pathname === TOKEN_PATH) {
        person.tokenRequests.push(new URL(request.url()));
      }
    });
    person.page.on('websocket', (socket) => person.webSockets.push(socket.url()));
    return person;
  }

  /**
   * Clicks the view's button and waits for the "Open Google Meet" link; resolves with the ticket
   * the token server answered and what the page shows.
   */
  async function getLink(person, button) {
    const { page: tab } = person;
    const answered = tab.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH, { timeout: 15_000 });
    await tab.getByRole('button', { name: button }).click();
    const response = await answered;
    // A page built for another provider fails here, not after waiting for a link.
    const asked = new URL(response.url()).searchParams.get('provider');
    assert.equal(asked, 'google-meet', `the page asked ${response.url()}`);
    assert.equal(response.status(), 200, await response.text());
    const ticket = await response.json();
    const link = tab.getByRole('link', { name: 'Open Google Meet' });
    await link.waitFor({ timeout: 15_000 });
    return {
      ticket,
      href: await link.getAttribute('href'),
      target: await link.getAttribute('target'),
      rel: (await link.getAttribute('rel')) ?? '',
      roles: await tab.getByTestId('google-meet-roles').innerText(),
      iframes: await tab.locator('iframe').count(),
    };
  }

  /** The page shows `link` as Meet's page must: a new tab, no opener, roles not enforced, no iframe. */
  function assertMeetLink(shown, link, who) {
    assert.equal(shown.href, link, `${who}'s page links to the room's meeting`);
    assert.equal(shown.target, '_blank', `${who}'s link opens a new tab`);
    assert.ok(shown.rel.split(/\s+/).includes('noopener'), `${who}'s link has rel noopener: "${shown.rel}"`);
    assert.match(shown.roles, /Roles are not enforced in Google Meet/, `${who}'s page says roles are not enforced`);
    assert.equal(shown.iframes, 0, `${who}'s page has no iframe`);
  }

  /** Every token request of `person` asked for Google Meet, with `role`; and no WebSocket was opened. */
  function assertAskedForMeet(person, role, who) {
    assert.ok(person.tokenRequests.length > 0, `${who}'s page asked the token server`);
    for (const url of person.tokenRequests) {
      assert.equal(url.origin, server.url, `${who}'s page asks its own origin`);
      assert.equal(url.searchParams.get('provider'), 'google-meet', `${who}'s request ${url.search}`);
      assert.equal(url.searchParams.get('role'), role, `${who}'s request ${url.search}`);
    }
    assert.deepEqual(person.webSockets, [], `${who}'s page opened no WebSocket`);
    assert.deepEqual(person.pageErrors, [], `${who}'s page threw nothing`);
  }

  const title = 'an instructor and two students of a room get the one meeting link; another room gets another';
  test(title, { timeout: 120_000 }, () =>
    withLogs(logs, async () => {
      const room = 'physics-101';
      const host = await openAs('instructor', { room, user: 'prof-ada', name: 'Ada Lovelace' });
      const bob = await openAs('student', { room, user: 'student-bob', name: 'Bob Brown' });
      const eve = await openAs('student', { room, user: 'student-eve', name: 'Eve Evans' });
      const other = await openAs('instructor', { room: 'chemistry-202', user: 'prof-marie', name: 'Marie Curie' });
      try {
        // The instructor starts the session: the server creates the room's space, once.
        const hostShown = await getLink(host, 'Start Live Session');
        assert.equal(google.spaces.length, 1, 'one space created for the room');
        const link = google.spaces[0].meetingUri;
        const { token, url, provider } = hostShown.ticket;
        assert.deepEqual(
          { token, url, provider, room: hostShown.ticket.room },
          { token: '', url: link, provider: 'google-meet', room },
          "the ticket is the space's link",
        );
        assertMeetLink(hostShown, link, 'the instructor');
        assertAskedForMeet(host, 'host', 'the instructor');

        // Two students join at once: the same link, and still one space.
        const [bobShown, eveShown] = await Promise.all([getLink(bob, 'Join'), getLink(eve, 'Join')]);
        assertMeetLink(bobShown, link, 'Bob');
        assertMeetLink(eveShown, link, 'Eve');
        assertAskedForMeet(bob, 'participant', 'Bob');
        assertAskedForMeet(eve, 'participant', 'Eve');
        assert.equal(google.spaces.length, 1, 'the students got the space the instructor started: no other created');
        await host.page.screenshot({ path: join(SCREENSHOTS, 'openconnect-e2e-meet-host.png'), fullPage: true });
        await bob.page.screenshot({ path: join(SCREENSHOTS, 'openconnect-e2e-meet-student.png'), fullPage: true });

        // Another room: another space, another link.
        const otherShown = await getLink(other, 'Start Live Session');
        assert.equal(google.spaces.length, 2, 'a second space for the second room');
        assert.notEqual(google.spaces[1].meetingUri, link);
        assertMeetLink(otherShown, google.spaces[1].meetingUri, 'the other instructor');
        assertAskedForMeet(other, 'host', 'the other instructor');

        // Every request to Google was as Google wants it, and one access token served both rooms.
        assert.deepEqual(google.rejections, [], 'the stand-in refused nothing');
        assert.equal(google.tokenRequests.length, 1, 'one token exchange: the server reuses its access token');

        // Clicked, the link opens Meet in a new tab that has no handle on the page and no referrer.
        // Meet itself is a stand-in page (routed here): nothing reaches Google.
        const meetRequests = [];
        await host.context.route('https://meet.google.com/**', (route) => {
          meetRequests.push({ url: route.request().url(), referer: route.request().headers().referer });
          return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Meet (e2e stand-in)</title>' });
        });
        const opened = host.context.waitForEvent('page', { timeout: 15_000 });
        await host.page.getByRole('link', { name: 'Open Google Meet' }).click();
        const meetTab = await opened;
        await meetTab.waitForLoadState('load', { timeout: 15_000 });
        assert.equal(meetTab.url(), link);
        assert.deepEqual(meetRequests, [{ url: link, referer: undefined }], 'the tab loaded the link, with no Referer');
        const handles = meetTab.evaluate(() => ({ opener: globalThis.opener, referrer: globalThis.document.referrer }));
        assert.deepEqual(
          await within(10_000, 'reading the new tab', handles),
          { opener: null, referrer: '' },
          'the new tab has no opener and no referrer',
        );
        assert.equal(host.page.url().startsWith(server.url), true, 'the page itself stayed where it was');
      } finally {
        await Promise.all([host, bob, eve, other].map((person) => person.context.close()));
      }
    }),
  );
});
