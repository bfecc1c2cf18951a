import { describe, expect, it } from 'vitest';

import {
  InvalidJoinRequestError,
  InvalidRoomAdminRequestError,
  JoinTicketProviderMismatchError,
  LocalMediaError,
  OperationNotSupportedError,
  RoomAdminForbiddenError,
  RoomAdminNetworkError,
  RoomAdminNotFoundError,
  RoomAdminNotSupportedError,
  RoomAdminUnavailableError,
  RoomConnectionError,
  TokenRequestNetworkError,
  TokenRequestRejectedError,
  TokenServerError,
} from '../providers/video';
import { describeError, describeSessionEnd } from './describe-error';

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
      "a token Daily refused names Daily's keys",
      new RoomConnectionError('not_allowed', 'Could not connect to the video server: bad token', undefined, { provider: 'daily' }),
      {
        title: 'The video server refused your access',
        detail:
          'The video server did not accept the access token: it has expired, or it was not signed with ' +
          "the Daily domain's API key (the token server's DAILY_API_KEY and DAILY_DOMAIN_ID must be that domain's). " +
          'Try again; if it keeps failing, tell your administrator. (Could not connect to the video server: bad token)',
        code: 'not_allowed',
        name: 'RoomConnectionError',
        status: undefined,
      },
    ],
    [
      'a Daily room that was never created',
      new RoomConnectionError('room_not_found', 'Could not connect to the video server: no such room', undefined, { provider: 'daily' }),
      {
        title: 'This video room does not exist (or has ended)',
        detail: 'Could not connect to the video server: no such room',
        code: 'room_not_found',
        name: 'RoomConnectionError',
        status: undefined,
      },
    ],
    [
      'a ticket for another provider',
      new JoinTicketProviderMismatchError('livekit', 'twilio'),
      {
        title: 'This page uses another video provider',
        detail:
          'This page joins livekit sessions, and the token server answered for twilio: the course and the page ' +
          'must use the same provider. Tell your administrator.',
        code: 'provider_mismatch',
        name: 'JoinTicketProviderMismatchError',
        status: undefined,
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
      'a room administration refusal shows the problem, like the token endpoint\'s',
      new RoomAdminForbiddenError(403, {
        title: 'Not a host of this room',
        detail: 'Only a host of this room may manage it.',
        code: 'not_room_host',
        status: 403,
      }),
      {
        title: 'Not a host of this room',
        detail: 'Only a host of this room may manage it.',
        code: 'not_room_host',
        name: 'RoomAdminForbiddenError',
        status: 403,
      },
    ],
    [
      'an unavailable media server says when to try again',
      new RoomAdminUnavailableError(503, { title: 'Video provider unavailable', detail: 'LiveKit did not answer.', code: 'provider_unavailable' }, 5),
      {
        title: 'Video provider unavailable',
        detail: 'LiveKit did not answer. Try again in 5 s.',
        code: 'provider_unavailable',
        name: 'RoomAdminUnavailableError',
        status: 503,
      },
    ],
    [
      'a participant who already left, without problem details',
      new RoomAdminNotFoundError(404, undefined),
      {
        title: 'Not found',
        detail: 'The token server refused the room administration call (HTTP 404)',
        code: 'http_404',
        name: 'RoomAdminNotFoundError',
        status: 404,
      },
    ],
    [
      'a token server without room administration',
      new RoomAdminNotSupportedError(501, undefined),
      {
        title: 'Room management is not available',
        detail: 'The token server failed (HTTP 501)',
        code: 'http_501',
        name: 'RoomAdminNotSupportedError',
        status: 501,
      },
    ],
    [
      'a room administration call that cannot reach the token server',
      new RoomAdminNetworkError('timeout', 'The token server did not answer within 10000 ms'),
      {
        title: 'Cannot reach the token server',
        detail: 'The token server did not answer within 10000 ms',
        code: 'timeout',
        name: 'RoomAdminNetworkError',
        status: undefined,
      },
    ],
    [
      'a name refused before the call',
      new InvalidRoomAdminRequestError('identity', 'empty_parameter', 'The participant identity must not be empty'),
      {
        title: 'Please check the name',
        detail: 'The participant identity must not be empty',
        code: 'empty_parameter',
        name: 'InvalidRoomAdminRequestError',
        status: undefined,
      },
    ],
    [
      'something the provider cannot do at all (Google Meet publishing from the page)',
      new OperationNotSupportedError('google-meet', 'publishLocalMedia', 'Google Meet runs in its own tab'),
      {
        title: 'Not available with this video provider',
        detail: 'Google Meet runs in its own tab',
        code: 'not_supported',
        name: 'OperationNotSupportedError',
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

describe('describeSessionEnd', () => {
  it.each([
    ['removed', false, 'The host removed you from this session.'],
    ['room_ended', false, 'The host ended this session.'],
    ['room_ended', true, 'You ended this session for everyone.'],
    ['duplicate_identity', false, 'You joined this session from another window or device, so it ended here.'],
    ['server_shutdown', false, 'The video server is shutting down, so the session ended. Try joining again in a moment.'],
    ['left', false, 'You left the live session.'],
    ['connection_lost', false, 'The live session ended or the connection was lost.'],
    ['unknown', false, 'The live session ended or the connection was lost.'],
    [undefined, false, 'The live session ended or the connection was lost.'],
  ] as const)('%s (ended by me: %s) says "%s"', (reason, endedByMe, text) => {
    expect(describeSessionEnd(reason, endedByMe)).toBe(text);
  });
});
