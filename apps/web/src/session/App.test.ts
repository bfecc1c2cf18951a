import { describe, expect, it } from 'vitest';

import { readInitialForm, viewHint } from './App';

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

describe('viewHint', () => {
  it('keeps the hints of the providers that run in the page', () => {
    for (const provider of ['livekit', 'daily', 'twilio'] as const) {
      expect(viewHint('instructor', provider)).toBe(
        'Starts the room as its host (instructor): you can publish and manage the room.',
      );
      expect(viewHint('viewer', provider)).toBe(
        'Watches the room as a viewer: you see and hear the session, and publish nothing.',
      );
    }
  });

  it.each([
    ['instructor', 'this page cannot manage the room'],
    ['student', 'you join with your Google account'],
    ['viewer', 'Meet does not enforce the viewer role'],
  ] as const)("says what Google Meet's %s gets: a link to open in a new tab", (view, says) => {
    const hint = viewHint(view, 'google-meet');
    expect(hint).toContain("Gets the room's Google Meet link, to open in a new tab");
    expect(hint).toContain(says);
  });
});
