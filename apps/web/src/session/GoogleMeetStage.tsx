import type { GoogleMeetMeeting, ParticipantRole } from '../providers/video';

/** What the role the participant chose means in Meet, which does not enforce it. */
const ROLE_NOTES: Record<ParticipantRole, string> = {
  host:
    "You have Meet's host controls only if you sign in as the meeting's organizer, or the organizer makes you a " +
    'co-host there.',
  participant: 'You join as anyone with the link does: directly, or after asking to join.',
  viewer: 'You chose to watch: in Meet, nothing keeps your camera and microphone off but you.',
};

/**
 * The in-room view for Google Meet, which cannot run inside this page: the meeting's link as the
 * call to action, opened in a new tab (`noopener noreferrer`: Meet's tab gets no handle on this
 * page and no referrer), and plain words on what this page does not do. Never an iframe: Meet is
 * not embeddable, and the participant's Google sign-in belongs in Meet's own tab.
 */
export function GoogleMeetStage({
  meeting,
  instructor,
  onLeave,
}: {
  meeting: GoogleMeetMeeting;
  instructor: boolean;
  onLeave: () => void;
}) {
  return (
    <section className="session" aria-label="Live session">
      <div className="session-bar">
        <h2>{meeting.room}</h2>
      </div>
      <div className="meet-handoff" data-testid="google-meet">
        <p>
          <strong>This session runs in Google Meet, in another tab.</strong> This page shows no video and no
          participants: open the meeting, and leave it in Meet when you are done.
        </p>
        <a
          className="meet-link"
          href={meeting.url}
          target="_blank"
          rel="noopener noreferrer"
          data-testid="google-meet-link"
        >
          Open Google Meet
        </a>
        <p className="meet-url">
          Meeting link: <code>{meeting.url}</code>
        </p>
        <p>Meet knows you by your Google account, not by your user id here.</p>
        <p data-testid="google-meet-roles">
          <strong>Roles are not enforced in Google Meet:</strong> instructors, students and viewers get the same
          link. {ROLE_NOTES[meeting.role]}
        </p>
        {instructor && (
          <p className="hint" data-testid="google-meet-admin">
            The participant list, muting, removing, ending the session for everyone and attendance are not available
            here with Google Meet: manage the meeting in Meet.
          </p>
        )}
        <button type="button" onClick={onLeave}>
          Back
        </button>
      </div>
    </section>
  );
}
