/**
 * The name rules of the token server (`crates/video-core/src/names.rs`), for checks before any
 * network call. A room name, a participant identity and a display name are accepted exactly
 * when they are not empty, are at most {@link MAX_NAME_BYTES} bytes of UTF-8, and contain no
 * control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F). Nothing is trimmed or
 * normalized. The server stays the authority; these checks only answer early with its code.
 */

import { InvalidJoinRequestError, type JoinRequestField } from './types';

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

/**
 * Returns `value` when it follows the name rules; throws an {@link InvalidJoinRequestError}
 * otherwise, with the server's code for the broken rule (`empty_parameter`, `parameter_too_long`,
 * `invalid_characters`). The message never repeats the value.
 */
export function checkName(field: JoinRequestField, value: string): string {
  const label = FIELD_LABEL[field];
  if (value.length === 0) {
    throw new InvalidJoinRequestError(field, 'empty_parameter', `The ${label} must not be empty`);
  }
  const bytes = encoder.encode(value).length;
  if (bytes > MAX_NAME_BYTES) {
    throw new InvalidJoinRequestError(
      field,
      'parameter_too_long',
      `The ${label} must be at most ${MAX_NAME_BYTES} bytes of UTF-8, got ${bytes}`,
    );
  }
  if (CONTROL_CHARACTER.test(value)) {
    throw new InvalidJoinRequestError(
      field,
      'invalid_characters',
      `The ${label} must not contain control characters`,
    );
  }
  return value;
}
