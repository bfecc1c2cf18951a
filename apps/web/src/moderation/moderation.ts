/**
 * What the host's participant panel offers for each participant, decided from the token server's
 * description of them (`listParticipants`): pure functions, so the rules are tested without a page.
 */

import type { ParticipantDetails, TrackInfo, TrackSource } from '../providers/video';

/** One button of a participant's row, with what it does. */
export type ModerationAction =
  | { readonly kind: 'mute'; readonly label: string; readonly track: TrackInfo }
  | { readonly kind: 'invite'; readonly label: 'Invite to speak' }
  | { readonly kind: 'send-back'; readonly label: 'Send back' }
  | { readonly kind: 'remove'; readonly label: 'Remove' };

const SOURCE_LABELS: Record<TrackSource, string> = {
  camera: 'Camera',
  microphone: 'Microphone',
  screen_share: 'Screen share',
  screen_share_audio: 'Screen share audio',
};

/** A track's name for people: its source (`Microphone`), else its kind (`Audio`). */
export function trackLabel(track: TrackInfo): string {
  if (track.source !== undefined) {
    return SOURCE_LABELS[track.source];
  }
  return track.kind === 'audio' ? 'Audio' : 'Video';
}

/** What a participant may publish, for people: `camera, microphone`, or that they only watch. */
export function publishLabel(sources: readonly TrackSource[]): string {
  return sources.length === 0
    ? 'Watching only: may not publish'
    : `May publish: ${sources.map((source) => SOURCE_LABELS[source].toLowerCase()).join(', ')}`;
}

/**
 * The host's buttons for `participant`, in the row's order: mute each unmuted microphone and
 * camera, then invite to speak (who may publish nothing) or send back (who may publish; never
 * another host), then remove. None for the host themself (`self`): their own controls are on the
 * stage.
 */
export function moderationActions(participant: ParticipantDetails, self: string): ModerationAction[] {
  if (participant.identity === self) {
    return [];
  }
  const actions: ModerationAction[] = [];
  for (const source of ['microphone', 'camera'] as const) {
    for (const track of participant.tracks) {
      if (track.source === source && !track.muted) {
        actions.push({ kind: 'mute', label: `Mute ${source}`, track });
      }
    }
  }
  if (participant.role !== 'host') {
    actions.push(
      participant.publishSources.length === 0
        ? { kind: 'invite', label: 'Invite to speak' }
        : { kind: 'send-back', label: 'Send back' },
    );
  }
  actions.push({ kind: 'remove', label: 'Remove' });
  return actions;
}

/** The host first, then everyone else in the order they joined. */
export function sortParticipants(participants: readonly ParticipantDetails[], self: string): ParticipantDetails[] {
  return [...participants].sort((a, b) => {
    if ((a.identity === self) !== (b.identity === self)) {
      return a.identity === self ? -1 : 1;
    }
    return a.joinedAt.getTime() - b.joinedAt.getTime();
  });
}
