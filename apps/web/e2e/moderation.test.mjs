// The instructor moderates a live session through the page's own buttons: removes a student, mutes
// a microphone, invites a viewer to speak and sends them back, ends the session for everyone.
// Real headless Chromium (fake camera and microphone), the real token server (its
// /api/video/rooms routes, in TOKEN_SERVER_AUTH=none as in development) and the real LiveKit
// server; each person has a browser context of their own. The server's view is read through the
// token server's own routes.
//
// Run with `npm run e2e` after `npm run build` and `cargo build -p token-server`. Screenshots go to
// $E2E_SCREENSHOT_DIR (default /tmp).

import assert from 'node:assert/strict';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startLiveKitAndTokenServer } from './livekit.mjs';
import {
  TOKEN_PATH,
  assertAudioReceived,
  assertNoSoundReceived,
  assertRemoteVideoPlays,
  launchChromium,
  openSessionPage,
  waitConnected,
  withLogs,
} from './support.mjs';

const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR ?? '/tmp';
const HOST = { user: 'prof-ada', name: 'Ada Lovelace' };
const STUDENT = { user: 'student-bob', name: 'Bob Brown' };
const VIEWER = { user: 'observer-cy', name: 'Cy Observer' };
const REMOVED = 'The host removed you from this session.';
const ENDED_OR_LOST = 'The live session ended or the connection was lost.';
/** A video tile's microphone indicator (@livekit/components-react) when the microphone is muted. */
const MUTED_MICROPHONE = '.lk-track-muted-indicator-microphone[data-lk-muted="true"]';

/** Polls `read` every 200 ms until `done(value)` holds, at most `ms`; resolves with that value. */
async function eventually(what, read, done, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    assert.ok(Date.now() < deadline, `${what} within ${ms} ms; last seen: ${JSON.stringify(value)}`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

describe('the instructor moderates a live session: real Chromium, real token server, real LiveKit', () => {
  let livekit;
  let server;
  let chromium;
  const pages = [];

  before(async () => {
    ({ livekit, server } = await startLiveKitAndTokenServer());
    chromium = await launchChromium({ media: true });
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    await livekit?.stop();
  });

  /** One person's page, closed by {@link closeAll} after the test. */
  async function open(view, room, who) {
    const person = await openSessionPage(chromium, server.url, view, { room, ...who });
    pages.push(person);
    return person;
  }

  function assertNoPageErrors() {
    assert.deepEqual(pages.flatMap(({ pageErrors }) => pageErrors), [], 'no uncaught errors in the pages');
  }

  async function closeAll() {
    await Promise.all(pages.splice(0).map(({ context }) => context.close()));
  }

  /** The instructor starts `room` from the page; resolves once connected. */
  async function startAsHost(room) {
    const host = await open('instructor', room, HOST);
    await host.page.getByRole('button', { name: 'Start Live Session' }).click();
    await waitConnected(host.page);
    return host;
  }

  /** A student or viewer joins `room` with `button`; resolves with the page and the ticket it was given. */
  async function join(view, room, who, button) {
    const person = await open(view, room, who);
    const tokenResponse = person.page.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH);
    await person.page.getByRole('button', { name: button }).click();
    const ticket = await (await tokenResponse).json();
    await waitConnected(person.page);
    return { ...person, ticket };
  }

  /** The token server's answer to GET path, as JSON, with its status. */
  async function api(path) {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: response.status === 200 ? await response.json() : await response.text() };
  }

  /** The server's participants of `room` (GET /api/video/rooms/{room}/participants). */
  async function serverParticipants(room) {
    const { status, body } = await api(`/api/video/rooms/${encodeURIComponent(room)}/participants`);
    assert.equal(status, 200, JSON.stringify(body));
    return body.participants;
  }

  /** The server lists exactly `identities` in `room` (in any order) within 10 s. */
  async function assertServerLists(room, identities) {
    await eventually(
      `the server lists ${identities.join(', ')} in ${room}`,
      async () => (await serverParticipants(room)).map((p) => p.identity).sort(),
      (listed) => JSON.stringify(listed) === JSON.stringify([...identities].sort()),
    );
  }

  /** The host's panel row of `name`. */
  const rowOf = (page, name) => page.getByTestId('moderation-participant').filter({ hasText: name });

  test('the host removes the student: the student is told, the server lists only the host, the old token is turned away, a fresh one admits', { timeout: 180_000 }, () =>
    withLogs({ livekit, server }, async () => {
      const room = 'moderation-remove';
      const host = await startAsHost(room);
      const student = await join('student', room, STUDENT, 'Join');
      try {
        await assertRemoteVideoPlays(host.page, STUDENT.name);
        const row = rowOf(host.page, STUDENT.name);
        await row.getByRole('button', { name: 'Remove' }).click();

        // The student's page says who ended it, and shows no frozen picture.
        await student.page.getByText(REMOVED).waitFor({ timeout: 10_000 });
        assert.equal(await student.page.getByTestId('connection-state').innerText(), 'disconnected');
        assert.equal(await student.page.locator('.lk-participant-tile').count(), 0, 'no video tile is left on the page');
        await student.page.screenshot({ path: joinPath(SCREENSHOTS, 'openconnect-moderation-removed.png') });

        // The server lists only the host; so does the host's panel.
        await assertServerLists(room, [HOST.user]);
        assert.equal((await serverParticipants(room))[0].role, 'host');
        await row.waitFor({ state: 'detached', timeout: 10_000 });

        // The student comes back with the token they hold, from a page of their own whose token
        // request is answered with the old ticket: LiveKit admits it (the open-source server
        // ignores revoke_token_ts), the token server hears of the join and removes them again.
        const comeback = await openSessionPage(chromium, server.url, 'student', { room, ...STUDENT });
        try {
          await comeback.page.route(`**${TOKEN_PATH}?*`, (route) => route.fulfill({ json: student.ticket }));
          const again = comeback.page.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH);
          await comeback.page.getByRole('button', { name: 'Join' }).click();
          assert.equal((await (await again).json()).token, student.ticket.token, 'the page joined with the old token');
          await eventually(
            'the token server turns the old token away',
            () => server.log(),
            (log) => /participant removed again \(token revoked\)/.test(log),
            20_000,
          );
          // Out of the room, and it stays out; the page can join again and says why it is out: as
          // a rule "removed". LiveKit's leave comes milliseconds after the join, and when it
          // overtakes livekit-client's own join the client may resume and lose the reason; the page
          // then says the session ended, or that it could not connect.
          const reason = new RegExp(`^(${REMOVED}|${ENDED_OR_LOST})$`);
          await comeback.page.getByRole('button', { name: 'Join' }).waitFor({ timeout: 20_000 });
          await comeback.page
            .getByTestId('session-notice')
            .filter({ hasText: reason })
            .or(comeback.page.getByRole('alert'))
            .first()
            .waitFor({ timeout: 10_000 });
          await comeback.page.waitForTimeout(3_000); // longer than a rejoin and the webhook's way
          assert.equal(await comeback.page.getByTestId('connection-state').innerText(), 'disconnected');
          assert.equal(await comeback.page.locator('.lk-participant-tile').count(), 0);
          await assertServerLists(room, [HOST.user]);
          const said = (await comeback.page.locator('main').innerText()).replace(/\s+/g, ' ').slice(0, 200);
          console.log(`the page that came back with the old token says: ${said}`);
        } finally {
          await comeback.context.close();
        }

        // The student's own page asks again and gets a fresh token, which admits them; they stay.
        const fresh = student.page.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH);
        await student.page.getByRole('button', { name: 'Join' }).click();
        assert.notEqual((await (await fresh).json()).token, student.ticket.token, 'a new token');
        await waitConnected(student.page);
        await rowOf(host.page, STUDENT.name).waitFor({ timeout: 10_000 });
        await student.page.waitForTimeout(3_000); // longer than the webhook's way to the token server
        assert.equal(await student.page.getByTestId('connection-state').innerText(), 'connected');
        await assertServerLists(room, [HOST.user, STUDENT.user]);
        assertNoPageErrors();
      } finally {
        await closeAll();
      }
    }));

  test("the host mutes the student's microphone: both pages and the server show it muted, the host hears nothing", { timeout: 180_000 }, () =>
    withLogs({ livekit, server }, async () => {
      const room = 'moderation-mute';
      const host = await startAsHost(room);
      const student = await join('student', room, STUDENT, 'Join');
      try {
        await assertRemoteVideoPlays(host.page, STUDENT.name);
        await assertAudioReceived(host.page, 'the instructor');
        const row = rowOf(host.page, STUDENT.name);
        await row.getByRole('button', { name: 'Mute microphone' }).click();

        // The host's page: the panel and the student's video tile.
        await row.locator('[data-testid="track"][data-source="microphone"][data-muted="true"]').waitFor({ timeout: 10_000 });
        assert.equal(await row.getByRole('button', { name: 'Mute microphone' }).count(), 0, 'no mute button for a muted track');
        await host.page
          .locator('section[aria-label="Other participants"] .lk-participant-tile', { hasText: STUDENT.name })
          .locator(MUTED_MICROPHONE)
          .waitFor({ timeout: 10_000 });

        // The student's page: their microphone toggle is off, and so is their own tile's microphone.
        const toggle = student.page.locator('.controls button[data-lk-source="microphone"]');
        await student.page.waitForFunction(
          (button) => button.getAttribute('aria-pressed') === 'false',
          await toggle.elementHandle(),
          { timeout: 10_000 },
        );
        await student.page
          .locator('section[aria-label="Your video"] .lk-participant-tile')
          .locator(MUTED_MICROPHONE)
          .waitFor({ timeout: 10_000 });
        assert.equal(await student.page.getByTestId('connection-state').innerText(), 'connected');

        // The server, and the ears: the host receives silence from the student.
        const bob = (await serverParticipants(room)).find((p) => p.identity === STUDENT.user);
        assert.deepEqual(
          bob.tracks.filter((t) => t.source === 'microphone').map((t) => t.muted),
          [true],
          JSON.stringify(bob),
        );
        await host.page.waitForTimeout(1_000); // what was already on its way plays out
        await assertNoSoundReceived(host.page, 'the instructor');
        await host.page.screenshot({ path: joinPath(SCREENSHOTS, 'openconnect-moderation-muted-host.png') });
        await student.page.screenshot({ path: joinPath(SCREENSHOTS, 'openconnect-moderation-muted-student.png') });
        assertNoPageErrors();
      } finally {
        await closeAll();
      }
    }));

  test('invite to speak lets a viewer publish without reconnecting; send back stops it', { timeout: 180_000 }, () =>
    withLogs({ livekit, server }, async () => {
      const room = 'moderation-speak';
      const host = await startAsHost(room);
      const viewer = await join('viewer', room, VIEWER, 'Watch');
      try {
        const viewerRow = `/api/video/rooms/${room}/participants/${VIEWER.user}`;
        assert.equal(await viewer.page.locator('.controls button[data-lk-source]').count(), 0, 'a viewer has no microphone or camera');
        const signalSockets = await viewer.page.evaluate(() => globalThis.e2eWebSockets.length);
        const row = rowOf(host.page, VIEWER.name);
        await row.getByText('Watching only').waitFor({ timeout: 10_000 });

        // Invited: the viewer sees the prompt, turns the microphone on, and the host hears them.
        await row.getByRole('button', { name: 'Invite to speak' }).click();
        const prompt = viewer.page.getByTestId('speak-prompt');
        await prompt.getByText('The host invited you to speak.').waitFor({ timeout: 10_000 });
        await viewer.page.screenshot({ path: joinPath(SCREENSHOTS, 'openconnect-moderation-invited.png') });
        await prompt.getByRole('button', { name: 'Turn on microphone' }).click();
        await viewer.page.locator('.controls button[data-lk-source="microphone"][aria-pressed="true"]').waitFor({ timeout: 15_000 });
        await eventually(
          "the server lists the viewer's microphone",
          async () => (await api(viewerRow)).body,
          (p) => p.tracks?.some((t) => t.source === 'microphone' && !t.muted),
        );
        await row.locator('[data-testid="track"][data-source="microphone"][data-muted="false"]').waitFor({ timeout: 10_000 });
        await assertAudioReceived(host.page, 'the instructor');
        assert.equal(await viewer.page.getByTestId('connection-state').innerText(), 'connected');
        assert.equal(
          await viewer.page.evaluate(() => globalThis.e2eWebSockets.length),
          signalSockets,
          'the viewer published on the signalling connection it had: no reconnection',
        );
        assert.deepEqual((await api(viewerRow)).body.publish_sources, ['camera', 'microphone']);

        // Sent back: the viewer is told, has no microphone any more, and the host hears nothing.
        await row.getByRole('button', { name: 'Send back' }).click();
        await viewer.page.getByTestId('speak-notice').waitFor({ timeout: 10_000 });
        assert.match(await viewer.page.getByTestId('speak-notice').innerText(), /sent you back to watching/);
        await viewer.page.locator('.controls button[data-lk-source]').first().waitFor({ state: 'detached', timeout: 10_000 });
        const sentBack = await eventually(
          'the server lists the viewer publishing nothing',
          async () => (await api(viewerRow)).body,
          (p) => p.publish_sources?.length === 0 && p.tracks?.length === 0,
        );
        assert.equal(sentBack.role, 'viewer');
        await row.getByText('Watching only').waitFor({ timeout: 10_000 });
        await host.page.waitForTimeout(1_000);
        await assertNoSoundReceived(host.page, 'the instructor');
        assert.equal(await viewer.page.getByTestId('connection-state').innerText(), 'connected');
        assert.equal(await viewer.page.evaluate(() => globalThis.e2eWebSockets.length), signalSockets);
        assertNoPageErrors();
      } finally {
        await closeAll();
      }
    }));

  test('"End session for everyone" disconnects both pages with a message, and the room is gone', { timeout: 180_000 }, () =>
    withLogs({ livekit, server }, async () => {
      const room = 'moderation-end';
      const host = await startAsHost(room);
      const student = await join('student', room, STUDENT, 'Join');
      try {
        await assertRemoteVideoPlays(student.page, HOST.name);
        const listed = await api('/api/video/rooms');
        assert.ok(listed.body.rooms.some((r) => r.name === room), `the room is open: ${JSON.stringify(listed.body)}`);

        await host.page.getByRole('button', { name: 'End session for everyone' }).click();
        await host.page.getByRole('button', { name: 'Yes, end the session' }).click();

        await student.page.getByText('The host ended this session.').waitFor({ timeout: 10_000 });
        await host.page.getByText('You ended this session for everyone.').waitFor({ timeout: 10_000 });
        for (const { page } of [host, student]) {
          assert.equal(await page.getByTestId('connection-state').innerText(), 'disconnected');
          assert.equal(await page.locator('.lk-participant-tile').count(), 0, 'no video tile is left on the page');
        }
        await student.page.screenshot({ path: joinPath(SCREENSHOTS, 'openconnect-moderation-ended.png') });

        await eventually(
          'the room is gone from GET /api/video/rooms',
          async () => (await api('/api/video/rooms')).body.rooms.map((r) => r.name),
          (names) => !names.includes(room),
        );
        assert.equal((await api(`/api/video/rooms/${room}`)).status, 404);
        assertNoPageErrors();
      } finally {
        await closeAll();
      }
    }));
});
