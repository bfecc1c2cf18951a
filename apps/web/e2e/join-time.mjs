/* global document, performance, Element, MutationObserver -- watchJoin() runs in the page */
// Measures how long a student waits: from the click on "Join" to the first decoded frame of the
// instructor's video, in real headless Chromium against the real token server and the real LiveKit
// server on loopback (docs/performance.md). A benchmark, not a test: it prints figures and asserts
// nothing about them.
//
//   node apps/web/e2e/join-time.mjs           # after `npm run build` and `cargo build -p token-server`
//   JOINS=10 node apps/web/e2e/join-time.mjs
//
// The instructor joins once and stays; each sample is a new student in a fresh browser context (a
// cold page load, its own connection), with the instructor's video already published. Both times
// are read in the student's page: the click's `performance.now()` and the `now` that
// `requestVideoFrameCallback` reports for the first frame of the remote <video>.

import { join } from 'node:path';

import { startLiveKit } from './livekit.mjs';
import { WEB_ROOT, launchChromium, startTokenServer, within } from './support.mjs';

const JOINS = Number(process.env.JOINS ?? 7);
const ROOM = 'join-time';

/** Runs in the page: records the click on the form's button and the first remote video frame. */
function watchJoin() {
  const marks = {};
  globalThis.e2eJoin = marks;
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof Element && event.target.closest('button[type="submit"]')) {
        marks.clickedAt ??= performance.now();
      }
    },
    { capture: true },
  );
  const watch = () => {
    const video = document.querySelector('section[aria-label="Other participants"] video');
    if (video !== null && video.dataset.e2eWatched === undefined) {
      video.dataset.e2eWatched = 'yes';
      video.requestVideoFrameCallback((now) => {
        marks.firstFrameAt ??= now;
      });
    }
  };
  new MutationObserver(watch).observe(document, { childList: true, subtree: true });
}

async function main() {
  const livekit = await startLiveKit();
  const server = await startTokenServer({
    livekitUrl: livekit.url,
    apiKey: livekit.apiKey,
    apiSecret: livekit.apiSecret,
    webDistDir: join(WEB_ROOT, 'dist'),
    // One person joining many times from one address: no rate limit in the way.
    env: { RATE_LIMIT_IP_PER_MINUTE: '0', RATE_LIMIT_IDENTITY_PER_MINUTE: '0' },
  });
  const chromium = await launchChromium({ media: true });
  const samples = [];
  try {
    const host = await (await chromium.newContext()).newPage();
    await host.goto(`${server.url}/?${new URLSearchParams({ view: 'instructor', room: ROOM, user: 'prof-ada', name: 'Ada' })}`);
    await host.getByRole('button', { name: 'Start Live Session' }).click();
    await host.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
    await host.waitForTimeout(2_000); // the instructor's camera is published

    for (let i = 1; i <= JOINS; i += 1) {
      const context = await chromium.newContext();
      await context.addInitScript(watchJoin);
      const page = await context.newPage();
      await page.goto(`${server.url}/?${new URLSearchParams({ view: 'student', room: ROOM, user: `student-${i}` })}`);
      await page.getByRole('button', { name: 'Join' }).waitFor();
      await page.getByRole('button', { name: 'Join' }).click();
      await within(
        30_000,
        `join ${i}: no frame of the instructor's video`,
        page.waitForFunction(() => globalThis.e2eJoin.firstFrameAt !== undefined, undefined, { timeout: 30_000 }),
      );
      const { clickedAt, firstFrameAt } = await page.evaluate(() => globalThis.e2eJoin);
      samples.push(firstFrameAt - clickedAt);
      console.log(`join ${i}: ${(firstFrameAt - clickedAt).toFixed(0)} ms`);
      await context.close();
      await host.waitForTimeout(500);
    }
  } finally {
    await chromium.close();
    await server.stop();
    await livekit.stop();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  console.log(
    `click "Join" to first decoded remote video frame, ${samples.length} joins: ` +
      `median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms`,
  );
}

await main();
