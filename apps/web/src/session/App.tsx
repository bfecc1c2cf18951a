import { useCallback, useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';

import {
  GoogleMeetVideoProvider,
  hasMediaTracks,
  LiveKitVideoProvider,
  RoomConnectionError,
  type VideoProvider,
  type VideoProviderName,
} from '../providers/video';
import { AttendancePanel } from '../attendance/AttendancePanel';
import { ParticipantsPanel } from '../moderation/ParticipantsPanel';
import { describeSessionEnd } from './describe-error';
import { ErrorMessage } from './ErrorMessage';
import { GoogleMeetStage } from './GoogleMeetStage';
import { LiveKitStage } from './LiveKitStage';
import { MediaStage } from './MediaStage';

/**
 * The instructor starts a session (role `host`); a student joins one (role `participant`); a
 * viewer (an observer: a guest, an assessor) watches and listens without publishing (role `viewer`).
 */
export type View = 'instructor' | 'student' | 'viewer';

const VIEWS: readonly View[] = ['instructor', 'student', 'viewer'];

const VIEW_LABELS: Record<View, { readonly tab: string; readonly submit: string; readonly hint: string }> = {
  instructor: {
    tab: 'Instructor',
    submit: 'Start Live Session',
    hint: 'Starts the room as its host (instructor): you can publish and manage the room.',
  },
  student: {
    tab: 'Student',
    submit: 'Join',
    hint: 'Joins the room as a participant (student): camera and microphone.',
  },
  viewer: {
    tab: 'Viewer',
    submit: 'Watch',
    hint: 'Watches the room as a viewer: you see and hear the session, and publish nothing.',
  },
};

/** The hints for Google Meet, which runs in its own tab and enforces no role. */
const GOOGLE_MEET_HINTS: Record<View, string> = {
  instructor:
    "Gets the room's Google Meet link, to open in a new tab. Meet's host controls are the meeting organizer's: " +
    'this page cannot manage the room.',
  student: "Gets the room's Google Meet link, to open in a new tab: you join with your Google account.",
  viewer: "Gets the room's Google Meet link, to open in a new tab. Meet does not enforce the viewer role.",
};

/** The form's hint for `view` with the provider called `provider`. */
export function viewHint(view: View, provider: VideoProviderName): string {
  return provider === 'google-meet' ? GOOGLE_MEET_HINTS[view] : VIEW_LABELS[view].hint;
}

/** The form's fields. */
export interface SessionForm {
  readonly view: View;
  readonly room: string;
  readonly user: string;
  readonly displayName: string;
}

/**
 * Reads the form's initial values from the page's query string, so the LMS can link to
 * `/?view=student&room=physics-101&user=ada&name=Ada`.
 */
export function readInitialForm(search: string): SessionForm {
  const query = new URLSearchParams(search);
  return {
    view: VIEWS.find((view) => view === query.get('view')) ?? 'instructor',
    room: query.get('room') ?? '',
    user: query.get('user') ?? '',
    displayName: query.get('name') ?? '',
  };
}

function useProviderState(provider: VideoProvider) {
  const subscribe = useCallback(
    (onChange: () => void) => {
      // Google Meet's provider never changes state (the page never connects) and refuses the
      // participant events, which happen in Meet's tab: there is nothing to subscribe to.
      if (provider instanceof GoogleMeetVideoProvider) {
        return () => undefined;
      }
      const unsubscribe = [
        provider.on('connectionStateChanged', onChange),
        provider.on('participantJoined', onChange),
        provider.on('participantLeft', onChange),
        provider.on('publishSourcesChanged', onChange),
        provider.on('disconnected', onChange),
      ];
      return () => unsubscribe.forEach((off) => off());
    },
    [provider],
  );
  const connectionState = useSyncExternalStore(subscribe, () => provider.connectionState);
  const participants = useSyncExternalStore(subscribe, () => provider.participants);
  const publishSources = useSyncExternalStore(subscribe, () => provider.publishSources);
  const disconnectReason = useSyncExternalStore(subscribe, () => provider.disconnectReason);
  return { connectionState, participants, publishSources, disconnectReason };
}

/** A host invited this participant to speak, or sent them back, during the session. */
type SpeakChange = 'invited' | 'sent-back';

type Phase = 'idle' | 'joining' | 'in-room';

/** The live-session page: the instructor's and the student's forms, then the session itself. */
export function App({ provider, initial }: { provider: VideoProvider; initial: SessionForm }) {
  const [form, setForm] = useState(initial);
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [speakChange, setSpeakChange] = useState<SpeakChange | undefined>(undefined);
  // The host ended the session from this page: the page then says so in the host's words.
  const [endedByMe, setEndedByMe] = useState(false);
  const { connectionState, participants, publishSources, disconnectReason } = useProviderState(provider);

  useEffect(() => {
    if (provider instanceof GoogleMeetVideoProvider) {
      return undefined; // No media and no publish permission in the page (see useProviderState).
    }
    const unsubscribe = [
      provider.on('localMediaError', (mediaError) => {
        setNotice(`${mediaError.message} (${mediaError.code})`);
      }),
      provider.on('publishSourcesChanged', (sources, previous) => {
        if (previous.length === 0 && sources.length > 0) {
          setSpeakChange('invited');
        } else if (previous.length > 0 && sources.length === 0) {
          setSpeakChange('sent-back');
        }
      }),
    ];
    return () => unsubscribe.forEach((off) => off());
  }, [provider]);

  // Google Meet's session runs in its own tab: this page only holds its link.
  const meeting = provider instanceof GoogleMeetVideoProvider ? provider.meeting : undefined;
  // The session ended without the user leaving: the host removed them or ended it for everyone,
  // or the connection was lost. (A Meet page is never connected, and never learns of an end.)
  const ended = phase === 'in-room' && connectionState === 'disconnected' && meeting === undefined;
  const shownNotice = notice ?? (ended ? describeSessionEnd(disconnectReason, endedByMe) : undefined);

  const instructor = form.view === 'instructor';

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    setNotice(undefined);
    setSpeakChange(undefined);
    setEndedByMe(false);
    setPhase('joining');
    const request = {
      room: form.room,
      user: form.user,
      ...(form.displayName !== '' && { displayName: form.displayName }),
    };
    try {
      if (instructor) {
        const handle = await provider.createRoom({ ...request, role: 'host' });
        await provider.joinRoom(handle);
      } else {
        await provider.joinRoom({ ...request, role: form.view === 'viewer' ? 'viewer' : 'participant' });
      }
      setPhase('in-room');
    } catch (caught) {
      setPhase('idle');
      if (caught instanceof RoomConnectionError && caught.code === 'cancelled') {
        return;
      }
      const sentAway = caught instanceof RoomConnectionError ? caught.disconnectReason : undefined;
      if (sentAway === 'removed' || sentAway === 'room_ended' || sentAway === 'duplicate_identity') {
        // The server sent this page away as it joined: said as for a session that ended.
        setNotice(describeSessionEnd(sentAway));
      } else {
        setError(caught);
      }
    }
  }

  async function leave() {
    setPhase('idle');
    setNotice(
      meeting === undefined
        ? 'You left the live session.'
        : "This page no longer shows the meeting's link. If the meeting is open in Google Meet, leave it there.",
    );
    await provider.leaveRoom();
  }

  async function endSession() {
    setEndedByMe(true);
    try {
      await provider.endRoom(form.room);
    } catch (caught) {
      setEndedByMe(false);
      throw caught;
    }
  }

  async function turnOn(publish: { microphone?: boolean; camera?: boolean }) {
    setSpeakChange(undefined);
    await provider.publishLocalMedia(publish);
  }

  const liveKitRoom = provider instanceof LiveKitVideoProvider ? provider.room : undefined;
  const notices = shownNotice !== undefined && (
    <p className="notice" role="status" data-testid="session-notice">
      {shownNotice}
    </p>
  );

  return (
    <main className="app">
      <header className="app-header">
        <h1>OpenConnect Video</h1>
        <p>
          Live session ·{' '}
          {meeting === undefined ? (
            <span data-testid="connection-state">{connectionState}</span>
          ) : (
            'in Google Meet, in another tab'
          )}
        </p>
      </header>

      {phase === 'in-room' && meeting !== undefined ? (
        <GoogleMeetStage meeting={meeting} instructor={instructor} onLeave={() => void leave()} />
      ) : phase === 'in-room' && !ended ? (
        <section className="session" aria-label="Live session">
          <div className="session-bar">
            <h2>{form.room}</h2>
            <p data-testid="participants">
              {participants.length} in the room:{' '}
              {participants.map((p) => `${p.name ?? p.identity}${p.isLocal ? ' (you)' : ''}`).join(', ')}
            </p>
          </div>
          {speakChange === 'invited' && publishSources.length > 0 && (
            <div className="speak-prompt" role="status" data-testid="speak-prompt">
              <strong>The host invited you to speak.</strong>
              {publishSources.includes('microphone') && (
                <button type="button" className="primary" onClick={() => void turnOn({ microphone: true })}>
                  Turn on microphone
                </button>
              )}
              {publishSources.includes('camera') && (
                <button type="button" onClick={() => void turnOn({ camera: true })}>
                  Turn on camera
                </button>
              )}
              <button type="button" onClick={() => setSpeakChange(undefined)}>
                Not now
              </button>
            </div>
          )}
          {speakChange === 'sent-back' && (
            <p className="notice" role="status" data-testid="speak-notice">
              The host sent you back to watching: your microphone and camera are off.
            </p>
          )}
          {liveKitRoom !== undefined ? (
            <LiveKitStage room={liveKitRoom} publishSources={publishSources} onLeave={() => void leave()} />
          ) : hasMediaTracks(provider) ? (
            <MediaStage provider={provider} publishSources={publishSources} onLeave={() => void leave()} />
          ) : (
            <button type="button" onClick={() => void leave()}>
              Leave
            </button>
          )}
          {notices}
          {instructor && (
            <ParticipantsPanel provider={provider} room={form.room} self={form.user} endSession={endSession} />
          )}
          {/* Attendance comes from LiveKit's webhooks; Daily and Twilio send the token server none. */}
          {instructor && provider.name === 'livekit' && <AttendancePanel room={form.room} />}
          {instructor && provider.name !== 'livekit' && (
            <p className="hint" data-testid="attendance-unsupported">
              Attendance is recorded for LiveKit sessions only: the token server receives no {provider.name} events.
            </p>
          )}
        </section>
      ) : (
        <section className="card">
          {notices}
          <div className="views" role="group" aria-label="View">
            {VIEWS.map((view) => (
              <button
                key={view}
                type="button"
                aria-pressed={form.view === view}
                onClick={() => setForm({ ...form, view })}
              >
                {VIEW_LABELS[view].tab}
              </button>
            ))}
          </div>
          <form onSubmit={(event) => void start(event)}>
            <label>
              Room
              <input
                name="room"
                value={form.room}
                required
                placeholder="physics-101"
                onChange={(event) => setForm({ ...form, room: event.target.value })}
              />
            </label>
            <label>
              User ID
              <input
                name="user"
                value={form.user}
                required
                placeholder="your LMS user id"
                onChange={(event) => setForm({ ...form, user: event.target.value })}
              />
            </label>
            <label>
              Display name
              <input
                name="displayName"
                value={form.displayName}
                placeholder="optional, e.g. Ada Lovelace"
                onChange={(event) => setForm({ ...form, displayName: event.target.value })}
              />
            </label>
            <button type="submit" className="primary" disabled={phase === 'joining'}>
              {phase === 'joining' ? 'Connecting…' : VIEW_LABELS[form.view].submit}
            </button>
          </form>
          <p className="hint">{viewHint(form.view, provider.name)}</p>
          <ErrorMessage error={error} />
        </section>
      )}
    </main>
  );
}
