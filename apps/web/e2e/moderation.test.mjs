// The instructor moderates a live session through the page's own buttons: removes a student, mutes
// a microphone, invites a viewer to speak and sends them back, ends the session for everyone.
// Real headless Chromium (fake camera and microphone), the real token server (its
// /api/video/rooms routes, in TOKEN_SERVER_AUTH=none as in development) and the real LiveKit
// server; each person has a browser context of their own. The server's view is read through the
// token server's own routes, and LiveKit's answer to a removed student's old token through
// LiveKit's signalling (signal.mjs).
//
// Run with `npm run e2e` after `npm run build` and `cargo build -p token-server`. Screenshots go to
// $E2E_SCREENSHOT_DIR (default /tmp).

import assert from 'node:assert/strict';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DisconnectReason } from '@livekit/protocol';

import { startLiveKitAndTokenServer } from './livekit.mjs';
import { signalJoin } from './signal.mjs';
import {
  TOKEN_PATH,
  assertAudioReceived,
  assertNoSoundReceived,
  assertRemoteVideoPlays,
  fetchTicket,
  launchChromium,
  openSessionPage,
  waitConnected,
  withLogs,
} from './support.mjs';

const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR ?? '/tmp';
const HOST = { user: 'prof-ada', name: 'Ada Lovelace' };
const STUDENT = { user: 'student-bob', name: 'Bob Brown' };
const VIEWER = { user: 'observer-cy', name: 'Cy Observer' };
/** Why the old-token test is a TODO while it is one (see the test); `false` once the server refuses the token. */
const OLD_TOKEN_TODO = 'the open-source LiveKit server ignores revoke_token_ts, and the token server does not refuse a removed participant yet';
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

  /** A student or viewer joins `room` with `button`; resolves with the page and the token it was given. */
  async function join(view, room, who, button) {
    const person = await open(view, room, who);
    const tokenResponse = person.page.waitForResponse((r) => new URL(r.url()).pathname === TOKEN_PATH);
    await person.page.getByRole('button', { name: button }).click();
    const ticket = await (await tokenResponse).json();
    await waitConnected(person.page);
    return { ...person, token: ticket.token };
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

  /** The host's panel row of `name`. */
  const rowOf = (page, name) => page.getByTestId('moderation-participant').filter({ hasText: name });

  /** The room and the token a removed student still holds, for the next test. */
  let removed;

  test('the host removes the student: the student is told, the server lists only the host, a fresh token admits again', { timeout: 180_000 }, () =>
    withLogs({ livekit, server }, async () => {
      const room = 'moderation-remove';
      const host = await startAsHost(room);
      const student = await join('student', room, STUDENT, 'Join');
      try {
        await assertRemoteVideoPlays(host.page, STUDENT.name);
        const row = rowOf(host.page, STUDENT.name);
        await row.getByRole('button', { name: 'Remove' }).click();

        // The student's page says who ended it, and shows no frozen picture.
        await student.page.getByText('The host removed you from this session.').waitFor({ timeout: 10_000 });
        assert.equal(await student.page.getByTestId('connection-state').innerText(), 'disconnected');
        assert.equal(await student.page.locator('.lk-participant-tile').count(), 0, 'no video tile is left on the page');
        await student.page.screenshot({ path: joinPath(SCREENSHOTS, 'openconnect-moderation-removed.png') });

        // The server lists only the host; so does the host's panel.
        const left = await eventually(
          'the server lists only the host',
          () => serverParticipants(room),
          (list) => list.length === 1,
        );
        assert.deepEqual(left.map((p) => [p.identity, p.role]), [[HOST.user, 'host']]);
        await row.waitFor({ state: 'detached', timeout: 10_000 });
        removed = { room, token: student.token };

        // A fresh token from the token server still admits them.
        const fresh = await fetchTicket(server.url, { room, user: STUDENT.user, role: 'participant' });
        const again = await signalJoin(livekit.url, fresh.token);
        assert.equal(again.join.participant?.identity, STUDENT.user);
        again.leave();
        await eventually(
          'the student, back with a fresh token and gone again, is not listed',
          async () => (await serverParticipants(room)).map((p) => p.identity),
          (identities) => identities.length === 1,
        );
        assertNoPageErrors();
      } finally {
        await closeAll();
      }
    }));

  // LiveKit's RemoveParticipant takes `revoke_token_ts`, which LiveKit Cloud honours and the
  // open-source server (v1.13.5, the one tested) ignores (crates/video-livekit/src/rooms.rs): until
  // the token server closes that gap itself, this test is a TODO, run and reported, not failing.
  test("a removed student's old token does not get them back in", { timeout: 60_000, todo: OLD_TOKEN_TODO }, () =>
    withLogs({ livekit, server }, async () => {
      assert.ok(removed !== undefined, 'the previous test removed a student');
      const host = await startAsHost(removed.room);
      try {
        const outcome = await oldTokenOutcome(removed.token);
        assert.notEqual(outcome, 'stayed', 'the removed student rejoined with the token they held');
        await eventually(
          `after the old token was tried (${outcome}), the server lists only the host`,
          async () => (await serverParticipants(removed.room)).map((p) => p.identity),
          (identities) => identities.length === 1 && identities[0] === HOST.user,
          5_000,
        );
        assert.equal(await host.page.getByTestId('connection-state').innerText(), 'connected');
        assertNoPageErrors();
      } finally {
        await closeAll();
      }
    }));

  /**
   * What LiveKit does with a removed participant's old token: `refused` (the signalling
   * connection is refused), `removed` (admitted, then removed at once with the reason
   * PARTICIPANT_REMOVED), or `stayed`.
   */
  async function oldTokenOutcome(token) {
    let signal;
    try {
      signal = await signalJoin(livekit.url, token);
    } catch (error) {
      assert.ok(error.status >= 400, `the old token is refused with an HTTP error, not: ${error.message}`);
      return 'refused';
    }
    try {
      const leave = await signal
        .next('a leave', (message) => (message.message.case === 'leave' ? message.message.value : undefined), 10_000)
        .catch(() => undefined);
      if (leave === undefined) {
        return 'stayed';
      }
      assert.equal(DisconnectReason[leave.reason], 'PARTICIPANT_REMOVED');
      return 'removed';
    } finally {
      signal.close();
    }
  }

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
