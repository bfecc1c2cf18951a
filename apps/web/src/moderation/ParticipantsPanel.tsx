import { useCallback, useEffect, useRef, useState } from 'react';

import {
  inviteToSpeak,
  RoomAdminNotSupportedError,
  sendBack,
  type ParticipantDetails,
  type VideoProvider,
} from '../providers/video';
import { ErrorMessage } from '../session/ErrorMessage';
import { moderationActions, publishLabel, sortParticipants, trackLabel, type ModerationAction } from './moderation';

/** How often the list is read again when nothing in the room said it changed (a safety net). */
export const PARTICIPANTS_POLL_MS = 5_000;

/** A refresh after a room event waits this long, so a burst of events costs one request. */
const EVENT_DEBOUNCE_MS = 150;

const ROLE_LABELS = { host: 'host', participant: 'student', viewer: 'viewer' } as const;

/**
 * The room's participants as the token server reports them (`listParticipants`), kept current:
 * read on mount, again shortly after every join, leave, track or permission change the provider
 * reports, and every {@link PARTICIPANTS_POLL_MS}. Only the latest answer is shown.
 */
function useParticipants(provider: VideoProvider, room: string, pollMs: number) {
  const [participants, setParticipants] = useState<ParticipantDetails[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  // The token server has no room administration for this provider (501): stop asking.
  const [unsupported, setUnsupported] = useState(false);
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    latest.current += 1;
    const request = latest.current;
    try {
      const answer = await provider.listParticipants(room);
      if (request === latest.current) {
        setParticipants(answer);
        setError(undefined);
      }
    } catch (caught) {
      if (request === latest.current) {
        setError(caught);
        if (caught instanceof RoomAdminNotSupportedError) {
          setUnsupported(true);
        }
      }
    }
  }, [provider, room]);

  useEffect(() => {
    if (unsupported) {
      return undefined;
    }
    let debounce: ReturnType<typeof setTimeout> | undefined;
    const soon = (delayMs = EVENT_DEBOUNCE_MS) => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void refresh(), delayMs);
    };
    const unsubscribe = [
      provider.on('participantJoined', () => soon()),
      provider.on('participantLeft', () => soon()),
      provider.on('participantUpdated', () => soon()),
    ];
    soon(0);
    const poll = setInterval(() => void refresh(), pollMs);
    return () => {
      unsubscribe.forEach((off) => off());
      clearTimeout(debounce);
      clearInterval(poll);
      latest.current += 1; // answers still under way are dropped
    };
  }, [provider, refresh, pollMs, unsupported]);

  return { participants, error, refresh, unsupported };
}

/**
 * The host's participant panel: everyone in the room with their tracks and what they may
 * publish, the host's buttons for each (mute microphone or camera, invite to speak or send back,
 * remove), and "End session for everyone" behind a confirmation. Every action goes through the
 * provider's room administration; `endSession` is the page's, so it knows the host ended it.
 */
export function ParticipantsPanel({
  provider,
  room,
  self,
  endSession,
  pollMs = PARTICIPANTS_POLL_MS,
}: {
  provider: VideoProvider;
  room: string;
  self: string;
  endSession: () => Promise<void>;
  pollMs?: number;
}) {
  const { participants, error: listError, refresh, unsupported } = useParticipants(provider, room, pollMs);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [confirmingEnd, setConfirmingEnd] = useState(false);

  /** Runs one host action at a time, shows its failure, and reads the list again unless the session ended. */
  async function act(action: () => Promise<unknown>, { endsSession = false } = {}) {
    setBusy(true);
    setActionError(undefined);
    let ended = endsSession;
    try {
      await action();
    } catch (caught) {
      setActionError(caught);
      setConfirmingEnd(false);
      ended = false;
    } finally {
      setBusy(false);
    }
    if (!ended) {
      await refresh();
    }
  }

  function run(participant: ParticipantDetails, action: ModerationAction) {
    const { identity } = participant;
    switch (action.kind) {
      case 'mute':
        return act(() => provider.muteTrack(room, identity, action.track.id, true));
      case 'invite':
        return act(() => inviteToSpeak(provider, room, identity));
      case 'send-back':
        return act(() => sendBack(provider, room, identity));
      case 'remove':
        return act(() => provider.removeParticipant(room, identity));
    }
  }

  if (unsupported) {
    return <RoomAdminUnsupported providerName={provider.name} />;
  }

  return (
    <section className="moderation" aria-label="Participants">
      <div className="moderation-bar">
        <h3>Participants</h3>
        {confirmingEnd ? (
          <div className="confirm" role="group" aria-label="Confirm ending the session">
            <span>End the session for everyone? Everyone is disconnected.</span>
            <button type="button" className="danger" disabled={busy} onClick={() => void act(endSession, { endsSession: true })}>
              Yes, end the session
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirmingEnd(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirmingEnd(true)}>
            End session for everyone
          </button>
        )}
      </div>
      <ErrorMessage error={actionError ?? listError} testId="moderation-error" />
      {participants === undefined ? (
        <p className="hint">Reading the participants…</p>
      ) : (
        <ParticipantsList
          participants={participants}
          self={self}
          busy={busy}
          onAction={(participant, action) => void run(participant, action)}
        />
      )}
    </section>
  );
}

/**
 * In place of the panel when the token server answered 501 (`RoomAdminNotSupportedError`): the
 * provider of this session has no room administration there (Daily and Twilio today).
 */
export function RoomAdminUnsupported({ providerName }: { providerName: string }) {
  return (
    <section className="moderation" aria-label="Participants">
      <h3>Participants</h3>
      <p className="hint" data-testid="moderation-unsupported">
        The token server has no room administration for {providerName} sessions: no participant list, muting, removing
        or ending the session for everyone from here. Everyone can still leave on their own.
      </p>
    </section>
  );
}

/** The list itself: each participant, their tracks and what they may publish, and the host's buttons. */
export function ParticipantsList({
  participants,
  self,
  busy,
  onAction,
}: {
  participants: readonly ParticipantDetails[];
  self: string;
  busy: boolean;
  onAction: (participant: ParticipantDetails, action: ModerationAction) => void;
}) {
  return (
    <ul className="moderation-list" data-testid="moderation-list">
      {sortParticipants(participants, self).map((participant) => (
        <li key={participant.identity} data-testid="moderation-participant" data-identity={participant.identity}>
          <div className="moderation-who">
            <strong>{participant.displayName ?? participant.identity}</strong>
            {participant.identity === self && ' (you)'}
            {participant.role !== undefined && <span className="role">{ROLE_LABELS[participant.role]}</span>}
          </div>
          <p className="hint" data-testid="publish-sources">
            {publishLabel(participant.publishSources)}
          </p>
          {participant.tracks.length > 0 && (
            <ul className="tracks">
              {participant.tracks.map((track) => (
                <li key={track.id} data-testid="track" data-source={track.source ?? track.kind} data-muted={String(track.muted)}>
                  {trackLabel(track)}: {track.muted ? 'muted' : 'on'}
                </li>
              ))}
            </ul>
          )}
          <div className="moderation-actions">
            {moderationActions(participant, self).map((action) => (
              <button
                key={action.kind === 'mute' ? action.track.id : action.kind}
                type="button"
                className={action.kind === 'remove' ? 'danger' : undefined}
                disabled={busy}
                onClick={() => onAction(participant, action)}
              >
                {action.label}
              </button>
            ))}
          </div>
        </li>
      ))}
    </ul>
  );
}
