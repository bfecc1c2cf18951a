// LiveKit's signalling protocol spoken directly, with LiveKit's own message types
// (@livekit/protocol): for what a browser page cannot show, such as the server's answer to a
// publish request that the page's client would refuse to send in the first place.

import { AddTrackRequest, SignalRequest, SignalResponse, TrackSource, TrackType } from '@livekit/protocol';
import WebSocket from 'ws';

import { within } from './support.mjs';

/**
 * Opens a signalling connection with `token`. Resolves with the server's join response and a
 * small client, or rejects with `{ status }` when the server refuses the WebSocket upgrade
 * (401 for a token it does not accept).
 */
export async function signalJoin(livekitUrl, token) {
  const url = `${livekitUrl}/rtc?access_token=${encodeURIComponent(token)}&protocol=16&auto_subscribe=0&sdk=js`;
  const ws = new WebSocket(url);
  ws.binaryType = 'nodebuffer';
  const received = [];
  const waiters = [];
  ws.on('message', (data) => {
    received.push(SignalResponse.fromBinary(new Uint8Array(data)));
    waiters.splice(0).forEach((wake) => wake());
  });

  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_request, response) => {
      const error = new Error(`LiveKit refused the signalling connection with HTTP ${response.statusCode}`);
      error.status = response.statusCode;
      reject(error);
    });
    ws.once('error', reject);
  });
  await within(10_000, 'signalling connection', opened);

  /** The first message (already received or still to come) for which `pick` returns a value. */
  const next = async (what, pick, ms = 10_000) =>
    within(
      ms,
      what,
      new Promise((resolve) => {
        const look = () => {
          for (const message of received) {
            const value = pick(message);
            if (value !== undefined) {
              resolve(value);
              return;
            }
          }
          waiters.push(look);
        };
        look();
      }),
    );

  const join = await next('join response', (m) => (m.message.case === 'join' ? m.message.value : undefined));
  return {
    join,
    next,
    /** Asks to publish a microphone track, as a client does before it sends any media. */
    requestPublishMicrophone(cid) {
      const request = new SignalRequest({
        message: {
          case: 'addTrack',
          value: new AddTrackRequest({ cid, name: 'microphone', type: TrackType.AUDIO, source: TrackSource.MICROPHONE }),
        },
      });
      ws.send(request.toBinary());
    },
    close() {
      ws.terminate();
    },
  };
}
