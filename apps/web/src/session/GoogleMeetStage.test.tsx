import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import type { GoogleMeetMeeting, ParticipantRole } from '../providers/video';
import { GoogleMeetStage } from './GoogleMeetStage';

// Google Meet's in-room view: a link to Meet's own tab, never the meeting itself.
const LINK = 'https://meet.google.com/abc-mnop-xyz';

function meeting(role: ParticipantRole): GoogleMeetMeeting {
  return { url: LINK, room: 'physics-101', identity: 'ada', role, expiresAt: new Date('2026-11-24T07:00:00Z') };
}

function render(role: ParticipantRole, instructor = false): string {
  return renderToStaticMarkup(<GoogleMeetStage meeting={meeting(role)} instructor={instructor} onLeave={() => undefined} />);
}

/** What a reader sees: the markup without tags, React's escapes undone. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('GoogleMeetStage', () => {
  it('offers the link as "Open Google Meet", in a new tab without opener or referrer', () => {
    const html = render('participant');

    expect(html).toContain(
      `<a class="meet-link" href="${LINK}" target="_blank" rel="noopener noreferrer" data-testid="google-meet-link">Open Google Meet</a>`,
    );
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(html).toContain(`Meeting link: <code>${LINK}</code>`);
  });

  it('never embeds the meeting, nor any media', () => {
    const html = render('host', true);
    expect(html).not.toMatch(/<(iframe|frame|object|embed|video|audio)\b/);
  });

  it('says plainly that the session runs in Google Meet in another tab, and that roles are not enforced there', () => {
    const shown = text(render('participant'));

    expect(shown).toContain('physics-101');
    expect(shown).toContain('This session runs in Google Meet, in another tab.');
    expect(shown).toContain('This page shows no video and no participants');
    expect(shown).toContain('Roles are not enforced in Google Meet: instructors, students and viewers get the same link.');
    expect(shown).toContain('Meet knows you by your Google account');
  });

  it.each([
    ['host', "You have Meet's host controls only if you sign in as the meeting's organizer"],
    ['participant', 'You join as anyone with the link does'],
    ['viewer', 'nothing keeps your camera and microphone off but you'],
  ] as const)('tells a %s what their role means in Meet', (role, note) => {
    expect(text(render(role))).toContain(note);
  });

  it("tells the instructor that this page cannot manage Meet's room; nobody else", () => {
    expect(text(render('host', true))).toContain(
      'The participant list, muting, removing, ending the session for everyone and attendance are not available here ' +
        'with Google Meet: manage the meeting in Meet.',
    );
    expect(render('participant')).not.toContain('google-meet-admin');
  });

  it('has a Back button, and no media controls', () => {
    const html = render('participant');
    expect(html).toMatch(/<button type="button">Back<\/button>/);
    expect(html).not.toContain('>Microphone<');
    expect(html).not.toContain('>Camera<');
  });
});
