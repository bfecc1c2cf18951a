import { describe, expect, it } from 'vitest';

import { readInitialForm } from './App';

describe('readInitialForm', () => {
  it.each([
    ['', 'instructor'],
    ['?view=instructor', 'instructor'],
    ['?view=student', 'student'],
    ['?view=viewer', 'viewer'],
    ['?view=host', 'instructor'],
    ['?view=VIEWER', 'instructor'],
  ])('%s opens the %s view', (search, view) => {
    expect(readInitialForm(search).view).toBe(view);
  });

  it('takes the room, user and display name from the link the LMS sends', () => {
    expect(readInitialForm('?view=viewer&room=physics-101&user=guest-7&name=Grace+H')).toEqual({
      view: 'viewer',
      room: 'physics-101',
      user: 'guest-7',
      displayName: 'Grace H',
    });
  });
});
