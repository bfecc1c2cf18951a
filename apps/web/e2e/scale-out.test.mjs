/* global document -- the join-time probe runs in the page */
// Scale-out for real: one class across two LiveKit nodes on one Redis and two token-server replicas
// on one PostgreSQL (the layout of ./scale-out.mjs, on loopback), in real headless Chromium. What
// this proves and what it does not (several machines, real networks, TURN): docs/deployment.md,
// "Scaling out". Run with `npm run e2e` (after `npm run build` and `cargo build -p token-server`).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { performance } from 'node:perf_hooks';

import { createRoom, startScaleOutLayout } from './scale-out.mjs';
import {
  TOKEN_PATH,
  assertAudioReceived,
  assertRemoteVideoPlays,
  assertServerLists,
  attendanceAfterLeave,
  launchChromium,
  openSessionPage,
  waitConnected,
  withLogs,
} from './support.mjs';

const PARTICIPANT_SOURCES = 'camera,microphone';
const RATE_LIMIT_IDENTITY_BURST = 3;

describe('scale-out: two LiveKit nodes on Redis, two token-server replicas on PostgreSQL, one class', () => {
  let layout;
  let chromium;
  let layoutStartup;

  before(async () => {
    const started = performance.now();
    layout = await startScaleOutLayout({
      env: {
        LIVEKIT_PARTICIPANT_SOURCES: PARTICIPANT_SOURCES,
        // Small, so the per-replica test reaches it in a few requests; the sustained rate is the default.
        RATE_LIMIT_IDENTITY_BURST: String(RATE_LIMIT_IDENTITY_BURST),
      },
    });
    layoutStartup = `layout up in ${(performance.now() - started).toFixed(0)} ms (Redis, PostgreSQL, 2 LiveKit nodes, 2 token servers)`;
    chromium = await launchChromium({ media: true });
  });

  after(async () => {
    await chromium?.close();
    await layout?.stop();
  });

  /** Runs `body`; a failure carries the tails of every log of the layout. */
  const withLayoutLogs = (body) => withLogs(() => layout.logs(), body);

  /** `person` clicks `button`; resolves with the ticket's LiveKit URL and the click's time. */
  async function clickJoin(person, button) {
    const ticket = person.page.waitForResponse((response) => new URL(response.url()).pathname === TOKEN_PATH);
    const clickedAt = performance.now();
    await person.page.getByRole('button', { name: button }).click();
    const { url } = await (await ticket).json();
    await waitConnected(person.page);
    return { url, clickedAt, connectedAt: performance.now() };
  }

  const serverLists = (node, room, expect, withinSecs = 10) =>
    assertServerLists(node, room, expect, { participantSources: PARTICIPANT_SOURCES, withinSecs });

  test('the host joins through node A, the student through node B: they see and hear each other, either node lists both, either replica gives the same report', { timeout: 300_000 }, (t) =>
    withLayoutLogs(async () => {
      t.diagnostic(layoutStartup);
      const room = 'scale-out-101';
      const [replicaA, replicaB] = layout.replicas;
      const [nodeA, nodeB] = layout.nodes;
      const host = await openSessionPage(chromium, replicaA.url, 'instructor', { room, user: 'prof-ada', name: 'Ada Lovelace' });
      const student = await openSessionPage(chromium, replicaB.url, 'student', { room, user: 'student-bob', name: 'Bob Brown' });
      try {
        const hostJoined = await clickJoin(host, 'Start Live Session');
        assert.equal(hostJoined.url, nodeA.url, 'the host joins through node A');
        const joined = await clickJoin(student, 'Join');
        assert.equal(joined.url, nodeB.url, 'the student joins through node B');
        const hostingNode = await layout.roomNode(room);
        assert.ok(hostingNode !== undefined, `LiveKit placed ${room} on a node of the cluster`);

        await student.page.waitForFunction(
          () => [...document.querySelectorAll('section[aria-label="Other participants"] video')].some((v) => v.currentTime > 0),
          undefined,
          { timeout: 30_000 },
        );
        const studentSeesHost = performance.now();
        await assertRemoteVideoPlays(student.page, 'Ada Lovelace');
        await assertRemoteVideoPlays(host.page, 'Bob Brown');
        await assertAudioReceived(host.page, 'the instructor');
        await assertAudioReceived(student.page, 'the student');
        // Whoever connected through the node that does not host the room was routed across nodes.
        t.diagnostic(
          `room on node ${hostingNode === nodeA ? 'A' : 'B'}; host through node A: click to connected ` +
            `${(hostJoined.connectedAt - hostJoined.clickedAt).toFixed(0)} ms; student through node B: click "Join" to ` +
            `connected ${(joined.connectedAt - joined.clickedAt).toFixed(0)} ms, to the host's video playing ` +
            `(first frame shown) ${(studentSeesHost - joined.clickedAt).toFixed(0)} ms`,
        );

        // The RoomService of either node answers for the whole cluster.
        for (const node of layout.nodes) {
          await serverLists(node, room, 'prof-ada:host,student-bob:participant');
        }

        await student.page.getByRole('button', { name: 'Leave' }).click();
        await student.page.getByText('You left the live session.').waitFor();
        await host.page.getByRole('button', { name: 'Leave' }).click();
        await host.page.getByText('You left the live session.').waitFor();

        // Only the node hosting the room sends its webhooks, so one replica has received them all;
        // the other reads the same rows from the shared database.
        const receivers = layout.replicas.filter((replica) => /POST \/api\/video\/webhooks\/\{provider\} 200/.test(replica.log()));
        assert.deepEqual(receivers.map((replica) => replica.livekit), [hostingNode], 'the webhooks went to the hosting node\'s replica only');
        await attendanceAfterLeave(replicaA.url, room, 'student-bob');
        await attendanceAfterLeave(replicaA.url, room, 'prof-ada');
        const reports = await Promise.all(
          layout.replicas.map(async (replica) => (await fetch(`${replica.url}/api/video/rooms/${room}/attendance`)).json()),
        );
        assert.deepEqual(reports[1], reports[0], 'both replicas give the same report');
        const byId = Object.fromEntries(reports[0].participants.map((p) => [p.identity, p]));
        assert.deepEqual(Object.keys(byId).sort(), ['prof-ada', 'student-bob'], JSON.stringify(reports[0]));
        assert.equal(byId['prof-ada'].role, 'host');
        assert.equal(byId['student-bob'].role, 'participant');
        assert.deepEqual([byId['prof-ada'].sessions, byId['student-bob'].sessions], [1, 1]);
        assert.equal(reports[0].room_sessions.length, 1, 'one session of the room, not one per node');
        assert.deepEqual([...host.pageErrors, ...student.pageErrors], [], 'no uncaught errors in the pages');
      } finally {
        await host.context.close();
        await student.context.close();
      }
    }));

  test('room administration from either replica acts on the room wherever it lives: mute, remove, end', { timeout: 300_000 }, () =>
    withLayoutLogs(async () => {
      const room = 'scale-out-moderation';
      const [replicaA, replicaB] = layout.replicas;
      const host = await openSessionPage(chromium, replicaA.url, 'instructor', { room, user: 'prof-ada', name: 'Ada Lovelace' });
      const student = await openSessionPage(chromium, replicaB.url, 'student', { room, user: 'student-eve', name: 'Eve Evans' });
      try {
        await clickJoin(host, 'Start Live Session');
        await clickJoin(student, 'Join');
        await assertRemoteVideoPlays(host.page, 'Eve Evans');
        const hostingNode = await layout.roomNode(room);
        assert.ok(hostingNode !== undefined, `LiveKit placed ${room} on a node of the cluster`);
        // The replica paired with the node that does NOT host the room administers it.
        const far = layout.replicas.find((replica) => replica.livekit !== hostingNode);
        const near = layout.replicas.find((replica) => replica.livekit === hostingNode);
        const api = (replica, path, init) => fetch(`${replica.url}/api/video/rooms/${encodeURIComponent(room)}${path}`, init);
        const participants = async (replica) => {
          const response = await api(replica, '/participants');
          assert.equal(response.status, 200, await response.clone().text());
          return (await response.json()).participants;
        };

        // Mute the student's microphone from the far replica; the near one sees it muted.
        const eve = (await participants(far)).find((p) => p.identity === 'student-eve');
        const microphone = eve?.tracks.find((track) => track.source === 'microphone');
        assert.ok(microphone !== undefined, JSON.stringify(eve));
        const muted = await api(far, `/participants/student-eve/tracks/${encodeURIComponent(microphone.id)}/mute`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ muted: true }),
        });
        assert.equal(muted.status, 200, await muted.clone().text());
        assert.equal((await muted.json()).muted, true);
        const seen = (await participants(near)).find((p) => p.identity === 'student-eve');
        assert.equal(seen.tracks.find((track) => track.id === microphone.id)?.muted, true, JSON.stringify(seen));

        // Remove the student from the far replica: either node's RoomService lists only the host.
        const removed = await api(far, '/participants/student-eve', { method: 'DELETE' });
        assert.equal(removed.status, 204, await removed.clone().text());
        for (const node of layout.nodes) {
          await serverLists(node, room, 'prof-ada:host');
        }

        // End the session from the far replica: the room is gone for both replicas.
        const ended = await api(far, '', { method: 'DELETE' });
        assert.equal(ended.status, 204, await ended.clone().text());
        for (const replica of layout.replicas) {
          const rooms = await (await fetch(`${replica.url}/api/video/rooms`)).json();
          assert.ok(!rooms.rooms.some((r) => r.name === room), JSON.stringify(rooms));
        }
        await host.page.getByTestId('connection-state').filter({ hasText: /^disconnected$/ }).waitFor({ timeout: 15_000 });
      } finally {
        await host.context.close();
        await student.context.close();
      }
    }));

  test('rate limits are counted per replica: an identity over its burst on one replica is served by the other', () =>
    withLayoutLogs(async () => {
      const query = new URLSearchParams({ room: 'scale-out-rate', user: 'student-rate', role: 'participant' });
      /** Token requests to `replica` until the first 429: how many were served before it. */
      async function servedBeforeRefusal(replica) {
        for (let served = 0; served <= 2 * RATE_LIMIT_IDENTITY_BURST; served += 1) {
          const response = await fetch(`${replica.url}${TOKEN_PATH}?${query}`);
          await response.arrayBuffer();
          if (response.status === 429) {
            return served;
          }
          assert.equal(response.status, 200);
        }
        assert.fail(`${replica.url} never refused`);
      }
      // The burst, on each replica in turn: with N replicas an identity gets N times the limit.
      assert.equal(await servedBeforeRefusal(layout.replicas[0]), RATE_LIMIT_IDENTITY_BURST);
      assert.equal(await servedBeforeRefusal(layout.replicas[1]), RATE_LIMIT_IDENTITY_BURST);
    }));

  test('a LiveKit node that hosts no room is stopped mid-session: the class goes on', { timeout: 300_000 }, (t) =>
    withLayoutLogs(async () => {
      const room = 'scale-out-resilience';
      await createRoom(layout.nodes[0], room);
      const hostingNode = await layout.roomNode(room);
      assert.ok(hostingNode !== undefined, `LiveKit placed ${room} on a node of the cluster`);
      const [otherNode] = layout.nodes.filter((node) => node !== hostingNode);
      const replica = layout.replicas.find((r) => r.livekit === hostingNode);
      // Everyone signals through the hosting node: the stopped node carries nobody's connection.
      const host = await openSessionPage(chromium, replica.url, 'instructor', { room, user: 'prof-ada', name: 'Ada Lovelace' });
      const student = await openSessionPage(chromium, replica.url, 'student', { room, user: 'student-cy', name: 'Cy Chen' });
      let late;
      try {
        await clickJoin(host, 'Start Live Session');
        await clickJoin(student, 'Join');
        await assertRemoteVideoPlays(student.page, 'Ada Lovelace');
        await assertRemoteVideoPlays(host.page, 'Cy Chen');

        // The other node hosts no room (the first test's room closes soon after its class left).
        const deadline = Date.now() + 30_000;
        while ((await layout.hostingNodeIds()).includes(otherNode.nodeId)) {
          assert.ok(Date.now() < deadline, `a room still lives on the node to stop: ${await layout.hostingNodeIds()}`);
          await new Promise((wake) => setTimeout(wake, 500));
        }
        assert.deepEqual(await layout.nodesInCluster(), [...layout.nodes.map((node) => node.nodeId)].sort());
        const stopping = performance.now();
        await otherNode.stop();
        t.diagnostic(`node ${otherNode.nodeId} stopped (SIGTERM) in ${(performance.now() - stopping).toFixed(0)} ms`);
        assert.equal(otherNode.isRunning(), false);
        assert.deepEqual(await layout.nodesInCluster(), [hostingNode.nodeId], 'the stopped node left the cluster');

        // The class goes on: media keeps flowing both ways, nobody was disconnected, the server
        // lists both, and a latecomer joins and sees the host.
        await assertAudioReceived(host.page, 'the instructor');
        await assertAudioReceived(student.page, 'the student');
        await assertRemoteVideoPlays(student.page, 'Ada Lovelace');
        await assertRemoteVideoPlays(host.page, 'Cy Chen');
        for (const { page } of [host, student]) {
          assert.equal(await page.getByTestId('connection-state').innerText(), 'connected');
        }
        late = await openSessionPage(chromium, replica.url, 'student', { room, user: 'student-dee', name: 'Dee Diaz' });
        await clickJoin(late, 'Join');
        await assertRemoteVideoPlays(late.page, 'Ada Lovelace');
        await serverLists(hostingNode, room, 'prof-ada:host,student-cy:participant,student-dee:participant');
        assert.deepEqual([...host.pageErrors, ...student.pageErrors, ...late.pageErrors], []);
      } finally {
        await host.context.close();
        await student.context.close();
        await late?.context.close();
      }
    }));
});
