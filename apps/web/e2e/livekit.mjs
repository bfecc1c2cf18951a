// The real LiveKit server for the browser tests: `scripts/livekit.sh run` (the pinned version,
// built once and cached; the committed test configuration; free loopback ports), started as a
// child process and stopped with it. Every wait is bounded; a server that dies or never gets
// ready fails the test with the tail of its log.

import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

import { WEB_ROOT, freePort, startTokenServer, tail, within } from './support.mjs';

const SCRIPT = resolve(WEB_ROOT, '../../scripts/livekit.sh');
const READY_WITHIN_MS = 30_000;

/**
 * Starts one LiveKit server. Resolves once `GET /` answers 200, with its `url` (ws://),
 * `httpUrl`, the test key pair (`apiKey`, `apiSecret`), its `nodeId` (LiveKit's `ND_…`),
 * `log()` and `stop()`. `webhookUrl`: where LiveKit posts its webhooks (signed with the test key).
 * `redis`: the HOST:PORT of a Redis shared by the nodes of one LiveKit cluster.
 */
export async function startLiveKit({ webhookUrl, redis } = {}) {
  let lastError;
  // A port chosen free can be taken by someone else before LiveKit binds it: try again then.
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      return await startOnce(webhookUrl, redis);
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String(error.message))) {
        throw error;
      }
    }
  }
  throw lastError;
}

async function startOnce(webhookUrl, redis) {
  const args = [
    SCRIPT,
    'run',
    ...(webhookUrl === undefined ? [] : ['--webhook-url', webhookUrl]),
    ...(redis === undefined ? [] : ['--redis', redis]),
  ];
  const child = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let log = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk) => {
    log += chunk.toString();
  });
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    try {
      await within(10_000, 'LiveKit did not stop on SIGTERM', exited);
    } catch {
      child.kill('SIGKILL');
      await within(5_000, 'LiveKit did not stop on SIGKILL', exited);
    }
  };
  const died = exited.then(({ code, signal }) => {
    throw new Error(`LiveKit server exited (code ${code}, signal ${signal}) before it was ready; its log ends:\n${tail(log)}`);
  });

  try {
    // The script prints KEY=VALUE lines, then LIVEKIT_STARTING, then execs the server.
    const settings = await within(
      // The first run on a fresh machine builds the server first (`go install`, minutes).
      15 * 60_000,
      'scripts/livekit.sh never printed LIVEKIT_STARTING',
      Promise.race([
        died,
        new Promise((resolveSettings) => {
          const look = () => {
            if (stdout.includes('LIVEKIT_STARTING')) {
              resolveSettings(Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => l.split(/=(.*)/s, 2))));
            }
          };
          child.stdout.on('data', look);
          look();
        }),
      ]),
    );
    const httpUrl = settings.LIVEKIT_HTTP_URL;
    await within(
      READY_WITHIN_MS,
      `LiveKit did not answer GET ${httpUrl}/ with 200; its log ends:\n${tail(log)}`,
      Promise.race([died, waitForOk(httpUrl)]),
    );
    died.catch(() => undefined); // from here on, an exit is reported by whoever uses the server
    return {
      url: settings.LIVEKIT_URL,
      httpUrl,
      apiKey: settings.LIVEKIT_API_KEY,
      apiSecret: settings.LIVEKIT_API_SECRET,
      // Logged when it starts: `starting LiveKit server {… "nodeID": "ND_…" …}`.
      nodeId: /"nodeID": "(ND_\w+)"/.exec(log)?.[1],
      pid: child.pid,
      log: () => log,
      isRunning: () => child.exitCode === null && child.signalCode === null,
      stop,
    };
  } catch (error) {
    died.catch(() => undefined);
    await stop();
    throw error;
  }
}

async function waitForOk(httpUrl) {
  for (;;) {
    try {
      const response = await fetch(`${httpUrl}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

/**
 * The real LiveKit server and the real token server serving the built page, wired both ways:
 * the token server names LiveKit's URL and key, and LiveKit posts its webhooks to the token
 * server, whose port must therefore be known before LiveKit starts (it is chosen first). `env`
 * adds token server settings. Resolves with both; stop the server, then LiveKit.
 */
export async function startLiveKitAndTokenServer({ env = {} } = {}) {
  const port = await freePort();
  const livekit = await startLiveKit({ webhookUrl: `http://127.0.0.1:${port}/api/video/webhooks/livekit` });
  try {
    const server = await startTokenServer({
      livekitUrl: livekit.url,
      apiKey: livekit.apiKey,
      apiSecret: livekit.apiSecret,
      webDistDir: join(WEB_ROOT, 'dist'),
      env,
      port,
    });
    return { livekit, server };
  } catch (error) {
    await livekit.stop();
    throw error;
  }
}
