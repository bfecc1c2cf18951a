import { describe, expect, it } from 'vitest';

import {
  InvalidJoinRequestError,
  LocalMediaError,
  RoomConnectionError,
  TokenRequestNetworkError,
  TokenRequestRejectedError,
  TokenServerError,
} from '../providers/video';
import { describeError } from './describe-error';

describe('describeError', () => {
  it.each([
    [
      'a problem details refusal shows its title, detail, code and status',
      new TokenRequestRejectedError(400, {
        title: 'Parameter too long',
        detail: 'The `room` query parameter must be at most 256 bytes of UTF-8, got 300.',
        code: 'parameter_too_long',
        status: 400,
        parameter: 'room',
      }),
      {
        title: 'Parameter too long',
        detail: 'The `room` query parameter must be at most 256 bytes of UTF-8, got 300.',
        code: 'parameter_too_long',
        name: 'TokenRequestRejectedError',
        status: 400,
      },
    ],
    [
      'a 5xx without a body falls back to a generic title',
      new TokenServerError(502, undefined),
      {
        title: 'The token server failed',
        detail: 'The token server failed (HTTP 502)',
        code: 'http_502',
        name: 'TokenServerError',
        status: 502,
      },
    ],
    [
      'a network failure',
      new TokenRequestNetworkError('network_error', 'The token server could not be reached'),
      {
        title: 'Cannot reach the token server',
        detail: 'The token server could not be reached',
        code: 'network_error',
        name: 'TokenRequestNetworkError',
        status: undefined,
      },
    ],
    [
      'a local validation failure',
      new InvalidJoinRequestError('room', 'empty_parameter', 'The room name must not be empty'),
      {
        title: 'Please check the form',
        detail: 'The room name must not be empty',
        code: 'empty_parameter',
        name: 'InvalidJoinRequestError',
        status: undefined,
      },
    ],
    [
      'a refused token says why it can be refused, and keeps its status',
      new RoomConnectionError('not_allowed', 'Could not connect to the video server: invalid token', 401),
      {
        title: 'The video server refused your access',
        detail:
          'The video server did not accept the access token: it has expired, or it was not signed with ' +
          "this video server's key (the token server's LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be the " +
          "video server's). Try again; if it keeps failing, tell your administrator. " +
          '(Could not connect to the video server: invalid token)',
        code: 'not_allowed',
        name: 'RoomConnectionError',
        status: 401,
      },
    ],
    [
      'an unreachable media server',
      new RoomConnectionError('server_unreachable', 'Could not connect to the video server: refused', undefined),
      {
        title: 'Cannot connect to the video server',
        detail: 'Could not connect to the video server: refused',
        code: 'server_unreachable',
        name: 'RoomConnectionError',
        status: undefined,
      },
    ],
    [
      'a microphone failure',
      new LocalMediaError('device_not_found', 'microphone', 'No microphone was found'),
      {
        title: 'Microphone unavailable',
        detail: 'No microphone was found',
        code: 'device_not_found',
        name: 'LocalMediaError',
        status: undefined,
      },
    ],
    [
      'an error that is not ours',
      new RangeError('boom'),
      { title: 'Something went wrong', detail: 'boom', code: 'unexpected', name: 'Error', status: undefined },
    ],
  ])('%s', (_case, error, expected) => {
    expect(describeError(error)).toEqual(expected);
  });
});
