// Helpers of the browser end-to-end tests: the real token server, a stand-in for the LiveKit
// server's signalling endpoint, headless Debian Chromium, and what the meeting and moderation tests
// do with the live-session page (open it as a person, wait for the connection, check that video
// plays and sound arrives). Every wait here is bounded.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { jwtVerify } from 'jose';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

/** apps/web */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = resolve(WEB_ROOT, '../..');
const run = promisify(execFile);

/** Rejects with `message` after `ms` unless `promise` settles first. */
export function within(ms, message, promise) {
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${message}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A stand-in for a LiveKit server: it answers `livekit-client`'s warm-up request
 * (`prepareConnection`, a HEAD of the server's root), accepts the signalling WebSocket at
 * `/rtc...`, checks the `access_token` it carries with `jose` (HS256, the server's secret and
 * key), and then closes the socket: there is no media server behind it.
 */
export async function startFakeLiveKit({ apiKey, apiSecret }) {
  const httpRequests = [];
  const connections = [];
  const waiters = [];
  const secret = new TextEncoder().encode(apiSecret);

  const server = createServer((request, response) => {
    httpRequests.push({ method: request.method, path: new URL(request.url, 'http://stand-in').pathname });
    // livekit-client fetches these cross-origin; a real LiveKit server allows that too.
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  const wss = new WebSocketServer({ noServer: true });

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url, 'ws://stand-in');
    const token = url.searchParams.get('access_token');
    const verification =
      token === null
        ? Promise.resolve({ error: 'no access_token query parameter' })
        : jwtVerify(token, secret, { algorithms: ['HS256'], issuer: apiKey }).then(
            ({ payload, protectedHeader }) => ({ payload, protectedHeader }),
            (error) => ({ error: `${error.code ?? error.name}: ${error.message}` }),
          );
    wss.handleUpgrade(request, socket, head, (ws) => {
      verification.then((verified) => {
        const connection = { path: url.pathname, query: url.searchParams, token, ...verified };
        connections.push(connection);
        waiters.splice(0).forEach((wake) => wake());
        ws.close(4000, 'e2e stand-in: token checked, no media server here');
      });
    });
  });

  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const { port } = server.address();

  return {
    url: `ws://127.0.0.1:${port}`,
    httpRequests,
    connections,
    /** Resolves with the first signalling connection, waiting at most `ms`. */
    async nextConnection(ms) {
      const arrived = () => connections[0];
      if (arrived() === undefined) {
        await within(ms, 'livekit-client never opened its signalling WebSocket', new Promise((wake) => waiters.push(wake)));
      }
      return arrived();
    },
    async close() {
      for (const client of wss.clients) {
        client.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(() => done()));
    },
  };
}

/** The token server binary: `TOKEN_SERVER_BIN`, or the workspace's debug build. */
export function tokenServerBinary() {
  const bin = process.env.TOKEN_SERVER_BIN ?? resolve(WEB_ROOT, '../../target/debug/token-server');
  if (!existsSync(bin)) {
    throw new Error(`token server binary not found at ${bin}: run \`cargo build -p token-server\` or set TOKEN_SERVER_BIN`);
  }
  return bin;
}

/**
 * Starts the real token server on a free port (PORT=0) and resolves with its base URL once it
 * logs `listening on http://ADDR:PORT`.
 */
export async function startTokenServer({ livekitUrl, apiKey, apiSecret, webDistDir, env = {}, port = 0 }) {
  const bin = tokenServerBinary();
  if (!existsSync(join(webDistDir, 'index.html'))) {
    throw new Error(`${webDistDir}/index.html is missing: run \`npm run build\` first`);
  }
  // Its attendance database (SQLite) in a directory of its own, removed when it stops.
  const dataDir = await mkdtemp(join(tmpdir(), 'openconnect-e2e-data-'));
  const child = spawn(bin, [], {
    env: {
      DATA_DIR: dataDir,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_ENV: 'development',
      VIDEO_PROVIDER: 'livekit',
      LIVEKIT_URL: livekitUrl,
      LIVEKIT_API_KEY: apiKey,
      LIVEKIT_API_SECRET: apiSecret,
      WEB_DIST_DIR: webDistDir,
      RUST_LOG: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const collect = (chunk) => {
    log += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      await rm(dataDir, { recursive: true, force: true });
      return;
    }
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    try {
      await within(5_000, 'token server did not stop on SIGTERM', exited);
    } catch {
      child.kill('SIGKILL');
      await within(5_000, 'token server did not stop on SIGKILL', exited);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await within(
      15_000,
      'token server did not log "listening on http://..."',
      new Promise((resolveUrl, rejectUrl) => {
        const look = () => {
          const match = /listening on (http:\/\/[0-9.]+:[0-9]+)/.exec(log);
          if (match !== null) {
            resolveUrl(match[1]);
          }
        };
        child.stdout.on('data', look);
        child.stderr.on('data', look);
        child.once('exit', (code, signal) =>
          rejectUrl(new Error(`token server exited early (code ${code}, signal ${signal}):\n${log}`)),
        );
        child.once('error', rejectUrl);
      }),
    );
    return { url, stop, log: () => log };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Builds the page with `vite build` into a temporary directory, for a provider other than the one
 * `npm run build` puts in `dist/` (`env`: `VITE_VIDEO_PROVIDER` and the like). Resolves with the
 * directory (a `WEB_DIST_DIR`) and `remove()`. Bounded by 5 minutes: the machine may be busy.
 */
export async function buildPage(env) {
  const outDir = await mkdtemp(join(tmpdir(), 'openconnect-e2e-dist-'));
  const vite = join(WEB_ROOT, 'node_modules/vite/bin/vite.js');
  try {
    await run(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: WEB_ROOT,
      env: { ...process.env, ...env },
      timeout: 5 * 60_000,
    });
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw new Error(`vite build (${JSON.stringify(env)}) failed:\n${error.stdout ?? ''}\n${error.stderr ?? error}`);
  }
  return { dir: outDir, remove: () => rm(outDir, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 that is free now (for a server whose address must be known first). */
export async function freePort() {
  const probe = createServer();
  await new Promise((resolveListen, rejectListen) => {
    probe.once('error', rejectListen);
    probe.listen(0, '127.0.0.1', resolveListen);
  });
  const { port } = probe.address();
  await new Promise((done) => probe.close(() => done()));
  return port;
}

/** The flags that let Debian's Chromium run headless on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * What a two-person meeting over loopback needs on top of {@link CHROMIUM_ARGS}: Chromium's fake
 * camera (a test pattern) and microphone (a beep), granted without a prompt; ICE over loopback
 * (by default Chromium refuses 127.0.0.1 candidates); local addresses as they are, not hidden
 * behind mDNS names (LiveKit cannot resolve `.local` names); remote audio that plays without a
 * click.
 */
export const CHROMIUM_MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Launches Debian's Chromium. `context` is one browser context for tests of a single page;
 * `newContext()` opens another, with its own cookies and storage: a second person on another
 * computer. `media: true` adds {@link CHROMIUM_MEDIA_ARGS}.
 */
export async function launchChromium({ media = false } = {}) {
  const executablePath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install --no-install-recommends chromium`);
  }
  const browser = await within(
    30_000,
    'Chromium did not start',
    chromium.launch({
      executablePath,
      headless: true,
      args: media ? [...CHROMIUM_ARGS, ...CHROMIUM_MEDIA_ARGS] : CHROMIUM_ARGS,
      timeout: 30_000,
    }),
  );
  const contexts = [];
  const newContext = async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    return context;
  };
  const context = await newContext();
  return {
    browser,
    context,
    newContext,
    async close() {
      await within(15_000, 'Chromium did not close', browser.close()).catch(() => undefined);
    },
  };
}

/** The token endpoint's path, as the page requests it. */
export const TOKEN_PATH = '/api/video/token';

/**
 * Keeps every RTCPeerConnection and WebSocket the page creates, so a test can read the
 * connections' statistics and count signalling connections. Runs in the page, before its own
 * scripts (`globalThis` is the page's `window`).
 */
export function recordConnections() {
  const peerConnections = [];
  const webSockets = [];
  globalThis.e2ePeerConnections = peerConnections;
  globalThis.e2eWebSockets = webSockets;
  const NativePeerConnection = globalThis.RTCPeerConnection;
  globalThis.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) {
      super(...args);
      peerConnections.push(this);
    }
  };
  const NativeWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      webSockets.push(this);
    }
  };
}

/**
 * One person: a browser context of their own in `chromium` (from {@link launchChromium}), the page
 * opened from an LMS-style link `base/?view=&room=&user=[&name=]`. Resolves with the page, its
 * context and the uncaught errors it throws.
 */
export async function openSessionPage(chromium, base, view, { room, user, name }) {
  const context = await chromium.newContext();
  await context.addInitScript(recordConnections);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  const query = new URLSearchParams({ view, room, user, ...(name === undefined ? {} : { name }) });
  const response = await page.goto(`${base}/?${query}`, { timeout: 15_000 });
  assert.equal(response?.status(), 200);
  await page.getByRole('heading', { name: 'OpenConnect Video' }).waitFor();
  return { page, context, pageErrors };
}

/** Waits until the page says it is connected to the media server. */
export async function waitConnected(page) {
  await page.getByTestId('connection-state').filter({ hasText: /^connected$/ }).waitFor({ timeout: 30_000 });
}

/**
 * The page shows `name`'s camera and it is really playing: the remote <video> has a size and
 * its currentTime advances.
 */
export async function assertRemoteVideoPlays(page, name) {
  const tile = page.locator('section[aria-label="Other participants"] .lk-participant-tile', { hasText: name });
  await tile.waitFor({ timeout: 30_000 });
  const video = tile.locator('video');
  await page.waitForFunction(
    (element) => element.videoWidth > 0 && element.currentTime > 0,
    await video.elementHandle({ timeout: 30_000 }),
    { timeout: 30_000 },
  );
  const first = await video.evaluate((element) => ({ time: element.currentTime, width: element.videoWidth }));
  await page.waitForTimeout(1_500);
  const later = await video.evaluate((element) => element.currentTime);
  assert.ok(first.width > 0, `${name}'s video has a width`);
  assert.ok(later - first.time > 0.5, `${name}'s video plays: currentTime ${first.time} then ${later}`);
}

/** What the page's peer connections have received: audio samples and energy, video frames. */
export async function receivedMedia(page) {
  return page.evaluate(async () => {
    const totals = { audioSamples: 0, audioEnergy: 0, videoFrames: 0 };
    for (const pc of globalThis.e2ePeerConnections ?? []) {
      if (pc.connectionState === 'closed') {
        continue;
      }
      (await pc.getStats()).forEach((stat) => {
        if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
          totals.audioSamples += stat.totalSamplesReceived ?? 0;
          totals.audioEnergy += stat.totalAudioEnergy ?? 0;
        } else if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
          totals.videoFrames += stat.framesDecoded ?? 0;
        }
      });
    }
    return totals;
  });
}

/** Audio is received: samples keep arriving and they are not silence (Chromium's fake beep). */
export async function assertAudioReceived(page, who) {
  const first = await receivedMedia(page);
  await page.waitForTimeout(1_000);
  const later = await receivedMedia(page);
  assert.ok(later.audioSamples > first.audioSamples, `${who} receives audio samples: ${JSON.stringify([first, later])}`);
  assert.ok(later.audioEnergy > 0, `${who} receives sound, not silence: ${JSON.stringify(later)}`);
}

/** No sound reaches the page any more: over 1.5 s, the received audio energy does not grow. */
export async function assertNoSoundReceived(page, who) {
  const first = await receivedMedia(page);
  await page.waitForTimeout(1_500);
  const later = await receivedMedia(page);
  assert.ok(later.audioEnergy - first.audioEnergy < 1e-6, `${who} hears nothing: ${JSON.stringify([first, later])}`);
}

/**
 * Runs `body`; a failure carries the tails of the servers' logs: `logs` is `{ livekit, server }`
 * (one LiveKit server and one token server) or a function that returns the text to add.
 */
export async function withLogs(logs, body) {
  try {
    await body();
  } catch (error) {
    const text =
      typeof logs === 'function'
        ? `\n${logs()}`
        : `\n--- LiveKit log ---\n${tail(logs.livekit.log())}\n--- token server log ---\n${tail(logs.server.log(), 20)}`;
    error.message += text;
    // The stack was written with the message as it was; test reporters print the stack.
    if (typeof error.stack === 'string' && !error.stack.includes(text)) {
      error.stack += text;
    }
    throw error;
  }
}

/** The last lines of a log, for a failure message. */
export function tail(log, lines = 40) {
  return log.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A ticket from the token server at `serverUrl` for `query` (`room`, `user`, `role`, ...). */
export async function fetchTicket(serverUrl, query) {
  const response = await fetch(`${serverUrl}${TOKEN_PATH}?${new URLSearchParams(query)}`);
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

/**
 * The server's own view, through livekit-api's RoomService client (a Rust test) asking the LiveKit
 * server (or cluster node) `livekit`: exactly these `identity:role` pairs are in `room` within
 * `withinSecs`, each with its role's permissions (`participantSources`: the token server's
 * `LIVEKIT_PARTICIPANT_SOURCES`).
 */
export async function assertServerLists(livekit, room, expect, { participantSources, withinSecs = 10 }) {
  // `--workspace`, as the test command's `cargo test --workspace`: the same feature resolution,
  // so the test binary built there is reused instead of rebuilt (minutes on 2 cores).
  const args = ['test', '-q', '--workspace', '--test', 'real_server', '--locked', '--',
    '--ignored', '--exact', 'participants_match_the_browsers'];
  try {
    await run('cargo', args, {
      cwd: REPO_ROOT,
      timeout: 15 * 60_000,
      env: {
        ...process.env,
        LIVEKIT_URL: livekit.url,
        LIVEKIT_API_KEY: livekit.apiKey,
        LIVEKIT_API_SECRET: livekit.apiSecret,
        LIVE_ROOM: room,
        LIVE_ROOM_EXPECT: expect,
        LIVE_ROOM_PARTICIPANT_SOURCES: participantSources,
        LIVE_ROOM_WITHIN_SECS: String(withinSecs),
      },
    });
  } catch (error) {
    assert.fail(`the view of ${livekit.url} of ${room} is not ${expect}:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  }
}

/**
 * The room's attendance report from the token server at `base`, once LiveKit's webhooks have told
 * it that `identity` left (they arrive asynchronously), waiting at most 15 s.
 */
export async function attendanceAfterLeave(base, room, identity) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${base}/api/video/rooms/${encodeURIComponent(room)}/attendance`);
    const body = response.status === 200 ? await response.json() : undefined;
    const person = body?.participants.find((p) => p.identity === identity);
    if (person?.last_leave) {
      return body;
    }
    assert.ok(Date.now() < deadline, `no leave of ${identity} in the report: HTTP ${response.status} ${JSON.stringify(body)}`);
    await new Promise((wake) => setTimeout(wake, 250));
  }
}
