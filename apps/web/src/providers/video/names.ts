/**
 * The name rules of the token server (`crates/video-core/src/names.rs`), for checks before any
 * network call. A room name, a participant identity and a display name are accepted exactly
 * when they are not empty, are at most {@link MAX_NAME_BYTES} bytes of UTF-8, and contain no
 * control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F). Nothing is trimmed or
 * normalized. The server stays the authority; these checks only answer early with its code.
 */

import {
  InvalidJoinRequestError,
  InvalidRoomAdminRequestError,
  type JoinRequestField,
  type NameRuleCode,
  type RoomAdminParameter,
} from './types';

/** The longest accepted name, in bytes of UTF-8. */
export const MAX_NAME_BYTES = 256;

// The Cc category is exactly these two ranges.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

const encoder = new TextEncoder();

const FIELD_LABEL: Record<JoinRequestField, string> = {
  room: 'room name',
  user: 'user id',
  displayName: 'display name',
};

const PARAMETER_LABEL: Record<RoomAdminParameter, string> = {
  room: 'room name',
  identity: 'participant identity',
  track: 'track id',
};

/**
 * The rule `value` breaks, with the server's code and a message about the `label`led value
 * (never repeating it); `undefined` when it follows them all.
 */
export function brokenNameRule(label: string, value: string): { code: NameRuleCode; message: string } | undefined {
  if (value.length === 0) {
    return { code: 'empty_parameter', message: `The ${label} must not be empty` };
  }
  const bytes = encoder.encode(value).length;
  if (bytes > MAX_NAME_BYTES) {
    return {
      code: 'parameter_too_long',
      message: `The ${label} must be at most ${MAX_NAME_BYTES} bytes of UTF-8, got ${bytes}`,
    };
  }
  if (CONTROL_CHARACTER.test(value)) {
    return { code: 'invalid_characters', message: `The ${label} must not contain control characters` };
  }
  return undefined;
}

/**
 * Returns `value` when it follows the name rules; throws an {@link InvalidJoinRequestError}
 * otherwise, with the server's code for the broken rule (`empty_parameter`, `parameter_too_long`,
 * `invalid_characters`). The message never repeats the value.
 */
export function checkName(field: JoinRequestField, value: string): string {
  const broken = brokenNameRule(FIELD_LABEL[field], value);
  if (broken !== undefined) {
    throw new InvalidJoinRequestError(field, broken.code, broken.message);
  }
  return value;
}

/**
 * Returns `value`, an argument of a room administration call that becomes a path segment, when it
 * follows the name rules; throws an {@link InvalidRoomAdminRequestError} otherwise.
 */
export function checkAdminName(parameter: RoomAdminParameter, value: string): string {
  const broken = brokenNameRule(PARAMETER_LABEL[parameter], value);
  if (broken !== undefined) {
    throw new InvalidRoomAdminRequestError(parameter, broken.code, broken.message);
  }
  return value;
}
