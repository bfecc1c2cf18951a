// The multi-node layout of the scale-out test (docs/deployment.md, "Scaling out"), all on loopback:
// one Redis (scripts/redis.sh), two LiveKit nodes of the pinned version sharing it
// (scripts/livekit.sh run --redis: free ports, the same key pair), one PostgreSQL
// (scripts/postgres.sh) and two token-server replicas sharing it. Node A posts its webhooks to
// replica 1 and node B to replica 2; replica 1 hands out node A's URL and replica 2 node B's, so a
// page opened from replica 2 joins through node B.
//
// Everything started is stopped by `stop()`, also when the start fails half-way; Redis and
// PostgreSQL are started with `--owner-pid` as well, so they go away with this process even if it
// is killed.

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { SignJWT } from 'jose';

import { startLiveKit } from './livekit.mjs';
import { WEB_ROOT, freePort, startTokenServer, tail } from './support.mjs';

const SCRIPTS = resolve(WEB_ROOT, '../../scripts');
const run = promisify(execFile);

/** Runs `scripts/NAME start --owner-pid <us>` and returns its KEY=VALUE lines and a `stop()`. */
async function startScriptService(name) {
  const script = join(SCRIPTS, name);
  // The first run on a fresh machine installs the Debian package (apt-get): minutes.
  const { stdout } = await run('bash', [script, 'start', '--owner-pid', String(process.pid)], { timeout: 15 * 60_000 });
  const settings = Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => l.split(/=(.*)/s, 2)));
  const dir = Object.entries(settings).find(([key]) => key.endsWith('_DIR'))?.[1];
  if (dir === undefined) {
    throw new Error(`scripts/${name} start printed no *_DIR line:\n${stdout}`);
  }
  return { settings, stop: () => run('bash', [script, 'stop', dir], { timeout: 60_000 }) };
}

/** Two distinct free TCP ports on 127.0.0.1. */
async function twoFreePorts() {
  for (;;) {
    const ports = [await freePort(), await freePort()];
    if (ports[0] !== ports[1]) {
      return ports;
    }
  }
}

/**
 * Starts the layout and resolves with it once every part answers:
 * - `nodes`: the two LiveKit nodes (each as from `startLiveKit`: `url`, `httpUrl`, `apiKey`,
 *   `apiSecret`, `nodeId`, `stop()`, `isRunning()`, `log()`);
 * - `replicas`: the two token servers (`url`, `log()`, `stop()`, and `livekit`, the node whose URL
 *   it hands out and whose webhooks it receives);
 * - `urls()`: both replicas' and both nodes' URLs, for a test that acts through one and checks
 *   through the other;
 * - `roomNode(room)`: the node hosting `room` now (undefined when none does); `hostingNodeIds()`:
 *   the node ID of every room's host, one per room;
 * - `nodesInCluster()`: the node IDs registered in Redis;
 * - `logs()`: the tails of every log, for a failure message; `stop()`.
 * `env`: extra settings for both replicas (the same for both, as a deployment must have them).
 */
export async function startScaleOutLayout({ env = {} } = {}) {
  const stops = [];
  const stop = async () => {
    const errors = [];
    for (const stopOne of stops.splice(0).reverse()) {
      await stopOne().catch((error) => errors.push(error));
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, 'the scale-out layout did not stop cleanly');
    }
  };
  /** Starts all of `starters` at once; every one that started is stopped by `stop()`. */
  const startAll = async (starters) => {
    const results = await Promise.allSettled(starters.map((start) => start()));
    for (const result of results) {
      if (result.status === 'fulfilled') {
        stops.push(() => result.value.stop());
      }
    }
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
    return results.map((result) => result.value);
  };

  try {
    const [redis, postgres] = await startAll([
      () => startScriptService('redis.sh'),
      () => startScriptService('postgres.sh'),
    ]);
    const redisAddress = redis.settings.REDIS_ADDRESS;
    const redisPort = redis.settings.REDIS_PORT;

    // LiveKit needs the URL of its replica before it starts, and the replica LiveKit's URL: the
    // replicas' ports are chosen first.
    const ports = await twoFreePorts();
    const nodes = await startAll(
      ports.map((port) => () => startLiveKit({ redis: redisAddress, webhookUrl: `http://127.0.0.1:${port}/api/video/webhooks/livekit` })),
    );
    // Both replicas start at once, as in a rollout: both migrate the one database.
    const replicas = await startAll(
      nodes.map((node, i) => () =>
        startTokenServer({
          livekitUrl: node.url,
          apiKey: node.apiKey,
          apiSecret: node.apiSecret,
          webDistDir: join(WEB_ROOT, 'dist'),
          env: { DATABASE_URL: postgres.settings.DATABASE_URL, ...env },
          port: ports[i],
        }),
      ),
    );
    replicas.forEach((replica, i) => {
      replica.livekit = nodes[i];
    });

    /** LiveKit's own bookkeeping in Redis (v1.13.5, pkg/routing/redisrouter.go: `room_node_map`, `nodes`). */
    const redisCli = async (...args) =>
      (await run('redis-cli', ['-h', '127.0.0.1', '-p', redisPort, '--raw', ...args], { timeout: 10_000 })).stdout.trim();

    return {
      nodes,
      replicas,
      urls: () => ({
        replicas: replicas.map((replica) => replica.url),
        nodes: nodes.map((node) => ({ url: node.url, httpUrl: node.httpUrl })),
      }),
      async roomNode(room) {
        const nodeId = await redisCli('HGET', 'room_node_map', room);
        return nodes.find((node) => node.nodeId === nodeId);
      },
      async hostingNodeIds() {
        return (await redisCli('HVALS', 'room_node_map')).split('\n').filter((id) => id !== '');
      },
      async nodesInCluster() {
        return (await redisCli('HKEYS', 'nodes')).split('\n').filter((id) => id !== '').sort();
      },
      logs: () =>
        [
          ...nodes.map((node, i) => `--- LiveKit node ${'AB'[i]} (${node.nodeId}) ---\n${tail(node.log(), 25)}`),
          ...replicas.map((replica, i) => `--- token server replica ${i + 1} ---\n${tail(replica.log(), 15)}`),
        ].join('\n'),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Creates `room` through the RoomService of `node` (LiveKit's Twirp API, JSON, with a token that
 * may create rooms signed with the node's key pair). LiveKit places it on a node of the cluster.
 */
export async function createRoom(node, room) {
  const token = await new SignJWT({ video: { roomCreate: true } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(node.apiKey)
    .setNotBefore('0s')
    .setExpirationTime('1m')
    .sign(new TextEncoder().encode(node.apiSecret));
  const response = await fetch(`${node.httpUrl}/twirp/livekit.RoomService/CreateRoom`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: room }),
  });
  if (response.status !== 200) {
    throw new Error(`CreateRoom ${room} on ${node.httpUrl}: HTTP ${response.status} ${await response.text()}`);
  }
}
