// Two people meet: the live-session page in real headless Chromium (fake camera and microphone),
// served by the real token server, against the real LiveKit server (the pinned version, started
// by scripts/livekit.sh on free loopback ports). Each person has a browser context of their own.
//
// Run with `npm run e2e` after `npm run build` and `cargo build -p token-server`. The server's own
// view is checked by a Rust test on livekit-api's RoomService client
// (crates/video-livekit/tests/real_server.rs, `participants_match_the_browsers`), run from here
// while the pages are in the room. Screenshots go to $E2E_SCREENSHOT_DIR (default /tmp).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { RequestResponse_Reason } from '@livekit/protocol';
import { SignJWT, decodeJwt } from 'jose';

import { startLiveKitAndTokenServer } from './livekit.mjs';
import { signalJoin } from './signal.mjs';
import {
  TOKEN_PATH,
  WEB_ROOT,
  assertAudioReceived,
  assertRemoteVideoPlays,
  assertServerLists as assertListed,
  attendanceAfterLeave as attendance,
  fetchTicket as fetchTicketFrom,
  launchChromium,
  openSessionPage,
  startTokenServer,
  waitConnected,
  withLogs as withLogsOf,
} from './support.mjs';

const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR ?? '/tmp';
// Not the default (camera, microphone): the server must report exactly what the admin set.
const PARTICIPANT_SOURCES = 'camera,microphone,screen_share';

describe('two people meet in a live session: real Chromium, real token server, real LiveKit', () => {
  let livekit;
  let server;
  let chromium;

  before(async () => {
    ({ livekit, server } = await startLiveKitAndTokenServer({
      env: { LIVEKIT_PARTICIPANT_SOURCES: PARTICIPANT_SOURCES },
    }));
    chromium = await launchChromium({ media: true });
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    await livekit?.stop();
  });

  const withLogs = (body) => withLogsOf({ livekit, server }, body);
  const openAs = (view, who, base = server.url) => openSessionPage(chromium, base, view, who);
  const fetchTicket = (query) => fetchTicketFrom(server.url, query);
  const assertServerLists = (room, expect, withinSecs = 10) =>
    assertListed(livekit, room, expect, { participantSources: PARTICIPANT_SOURCES, withinSecs });
  const attendanceAfterLeave = (room, identity) => attendance(server.url, room, identity);

  test('instructor and student see and hear each other; the server agrees; leaving removes the student', { timeout: 300_000 }, () =>
    withLogs(async () => {
      const room = 'physics-101';
      const host = await openAs('instructor', { room, user: 'prof-ada', name: 'Ada Lovelace' });
      const student = await openAs('student', { room, user: 'student-bob', name: 'Bob Brown' });
      try {
        await host.page.getByRole('button', { name: 'Start Live Session' }).click();
        await waitConnected(host.page);
        await student.page.getByRole('button', { name: 'Join' }).click();
        await waitConnected(student.page);
        const studentJoined = Date.now();

        // Each page shows the other's video, really playing, and receives the other's sound.
        await assertRemoteVideoPlays(host.page, 'Bob Brown');
        await assertRemoteVideoPlays(student.page, 'Ada Lovelace');
        await assertAudioReceived(host.page, 'the instructor');
        await assertAudioReceived(student.page, 'the student');
        for (const { page } of [host, student]) {
          assert.match(await page.getByTestId('participants').innerText(), /^2 in the room/);
        }
        await host.page.screenshot({ path: join(SCREENSHOTS, 'openconnect-meeting-instructor.png') });
        await student.page.screenshot({ path: join(SCREENSHOTS, 'openconnect-meeting-student.png') });

        // The server lists both, with the permissions of their roles and the tracks they publish.
        await assertServerLists(room, 'prof-ada:host,student-bob:participant');

        // The student leaves: the server drops them within a few seconds, the instructor's page too.
        await student.page.getByRole('button', { name: 'Leave' }).click();
        const studentLeft = Date.now();
        await student.page.getByText('You left the live session.').waitFor();
        await assertServerLists(room, 'prof-ada:host', 5);

        // Attendance, from LiveKit's own signed webhooks: both people, with their roles, and the
        // student's connected time matches the wall clock (LiveKit stamps whole seconds).
        const report = await attendanceAfterLeave(room, 'student-bob');
        const byId = Object.fromEntries(report.participants.map((p) => [p.identity, p]));
        assert.deepEqual(Object.keys(byId).sort(), ['prof-ada', 'student-bob'], JSON.stringify(report));
        assert.equal(byId['prof-ada'].role, 'host');
        assert.equal(byId['prof-ada'].display_name, 'Ada Lovelace');
        assert.equal(byId['prof-ada'].last_leave, null, 'the instructor is still connected');
        assert.equal(byId['student-bob'].role, 'participant');
        assert.equal(byId['student-bob'].sessions, 1);
        const wallClock = (studentLeft - studentJoined) / 1000;
        assert.ok(
          Math.abs(byId['student-bob'].connected_seconds - wallClock) <= 3,
          `connected ${byId['student-bob'].connected_seconds} s, wall clock ${wallClock.toFixed(1)} s`,
        );
        assert.equal(report.room_sessions.length, 1);

        // The instructor's page shows the same report, and downloads it as CSV for the gradebook.
        await host.page.getByRole('button', { name: 'Show attendance' }).click();
        const rows = host.page.getByTestId('attendance-table').locator('tbody tr');
        await rows.filter({ hasText: 'Bob Brown' }).waitFor();
        assert.match(await rows.filter({ hasText: 'Ada Lovelace' }).innerText(), /here now/);
        const download = host.page.waitForEvent('download');
        await host.page.getByRole('button', { name: 'Download CSV' }).click();
        const file = await download;
        assert.equal(file.suggestedFilename(), 'attendance-physics-101.csv');
        const csv = await readFile(await file.path(), 'utf8');
        assert.match(csv, /^identity,display_name,role,first_join,last_leave,connected_seconds,sessions\n/);
        assert.match(csv, /\nstudent-bob,Bob Brown,participant,/);
        await host.page.screenshot({ path: join(SCREENSHOTS, 'openconnect-meeting-attendance.png') });
        await host.page.getByText('Waiting for others to join…').waitFor({ timeout: 10_000 });
        assert.match(await host.page.getByTestId('participants').innerText(), /^1 in the room/);
        assert.deepEqual([...host.pageErrors, ...student.pageErrors], [], 'no uncaught errors in the pages');
      } finally {
        await host.context.close();
        await student.context.close();
      }
    }));

  test('a viewer sees and hears the instructor, publishes nothing, and the server refuses its publish request', { timeout: 180_000 }, () =>
    withLogs(async () => {
      const room = 'open-lecture';
      const host = await openAs('instructor', { room, user: 'prof-ada', name: 'Ada Lovelace' });
      const viewer = await openAs('viewer', { room, user: 'observer-cy', name: 'Cy Observer' });
      try {
        await host.page.getByRole('button', { name: 'Start Live Session' }).click();
        await waitConnected(host.page);
        await viewer.page.getByRole('button', { name: 'Watch' }).click();
        await waitConnected(viewer.page);

        await assertRemoteVideoPlays(viewer.page, 'Ada Lovelace');
        await assertAudioReceived(viewer.page, 'the viewer');
        assert.equal(await viewer.page.locator('.controls button[data-lk-source]').count(), 0,
          'a viewer gets no camera or microphone controls');
        // The instructor's page lists the viewer, with no video of theirs to show.
        assert.match(await host.page.getByTestId('participants').innerText(), /^2 in the room: .*Cy Observer/);
        await assertServerLists(room, 'prof-ada:host,observer-cy:viewer');

        // A client that asks anyway (LiveKit's own signalling messages, sent directly, since the
        // page's client refuses to ask): the server answers NOT_ALLOWED.
        const ticket = await fetchTicket({ room, user: 'observer-dee', role: 'viewer' });
        const signal = await signalJoin(livekit.url, ticket.token);
        try {
          assert.equal(signal.join.room?.name, room);
          assert.equal(signal.join.participant?.permission?.canPublish, false, 'the server tells the viewer it may not publish');
          signal.requestPublishMicrophone('e2e-viewer-microphone');
          const answer = await signal.next('the answer to the publish request', (message) =>
            message.message.case === 'requestResponse' ? message.message.value : undefined,
          );
          assert.equal(answer.reason, RequestResponse_Reason.NOT_ALLOWED, `answer: ${RequestResponse_Reason[answer.reason]}`);
          assert.equal(answer.request.case, 'addTrack');
          const published = await signal.next('a track published', (message) =>
            message.message.case === 'trackPublished' ? message.message.value : undefined, 1_000).catch(() => undefined);
          assert.equal(published, undefined, 'no track was published');
        } finally {
          signal.close();
        }
        assert.deepEqual([...host.pageErrors, ...viewer.pageErrors], []);
      } finally {
        await host.context.close();
        await viewer.context.close();
      }
    }));

  test('the server refuses a token signed with another secret, an expired one, and one edited to another room; the page says so', { timeout: 180_000 }, () =>
    withLogs(async () => {
      // (1) A token server configured with a secret that is not LiveKit's.
      const misconfigured = await startTokenServer({
        livekitUrl: livekit.url,
        apiKey: livekit.apiKey,
        apiSecret: 'not-the-livekit-secret-0123456789abcdefgh',
        webDistDir: join(WEB_ROOT, 'dist'),
      });
      const wrongKey = await openAs('instructor', { room: 'physics-101', user: 'prof-ada' }, misconfigured.url);
      try {
        await wrongKey.page.getByRole('button', { name: 'Start Live Session' }).click();
        await assertRefusedShown(wrongKey.page);
        await wrongKey.page.screenshot({ path: join(SCREENSHOTS, 'openconnect-meeting-refused.png') });
      } finally {
        await wrongKey.context.close();
        await misconfigured.stop();
      }

      // (2) An expired token (LiveKit allows one minute of clock skew: this one expired two
      // minutes ago), handed to the page as if the token server's clock were wrong.
      const late = await openAs('student', { room: 'physics-101', user: 'student-eve' });
      try {
        await late.page.route(`**${TOKEN_PATH}?*`, async (route) => {
          const response = await route.fetch();
          const ticket = await response.json();
          const claims = decodeJwt(ticket.token);
          const now = Math.floor(Date.now() / 1000);
          ticket.token = await new SignJWT({ ...claims, nbf: now - 3600, exp: now - 120 })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .sign(new TextEncoder().encode(livekit.apiSecret));
          await route.fulfill({ response, json: ticket });
        });
        await late.page.getByRole('button', { name: 'Join' }).click();
        await assertRefusedShown(late.page);
      } finally {
        await late.context.close();
      }

      // (3) A token admits to its own room only: LiveKit puts its holder in room A, and the same
      // token with its claims edited to name room B no longer verifies.
      const ticket = await fetchTicket({ room: 'room-a', user: 'student-mallory', role: 'participant' });
      const signal = await signalJoin(livekit.url, ticket.token);
      assert.equal(signal.join.room?.name, 'room-a');
      signal.close();
      const [header, claims, signature] = ticket.token.split('.');
      const edited = Buffer.from(
        Buffer.from(claims, 'base64url').toString('utf8').replace('"room-a"', '"room-b"'),
      ).toString('base64url');
      await assert.rejects(signalJoin(livekit.url, `${header}.${edited}.${signature}`), { status: 401 });
    }));

  /** The page shows the video server's refusal clearly, and stays usable. */
  async function assertRefusedShown(page) {
    const errorArea = page.getByTestId('session-error');
    await errorArea.waitFor({ timeout: 30_000 });
    const shown = await errorArea.innerText();
    assert.match(shown, /The video server refused your access/);
    assert.match(shown, /expired, or it was not signed with this video server's key/);
    assert.match(shown, /HTTP 401/);
    assert.doesNotMatch(shown, /eyJ[\w-]*\./, 'the refused token is not shown (LiveKit echoes it in its error)');
    assert.equal(await page.getByTestId('error-code').innerText(), 'not_allowed');
    assert.equal(await page.getByTestId('connection-state').innerText(), 'disconnected');
  }
});
