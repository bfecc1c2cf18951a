import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import type { ParticipantDetails, TrackInfo } from '../providers/video';
import { moderationActions, publishLabel, sortParticipants, trackLabel } from './moderation';
import { ParticipantsList, RoomAdminUnsupported } from './ParticipantsPanel';

const MICROPHONE: TrackInfo = { id: 'TR_mic', kind: 'audio', source: 'microphone', muted: false, name: '' };
const CAMERA: TrackInfo = { id: 'TR_cam', kind: 'video', source: 'camera', muted: false, name: '' };

function participant(overrides: Partial<ParticipantDetails>): ParticipantDetails {
  return {
    identity: 'student-bob',
    displayName: 'Bob Brown',
    role: 'participant',
    joinedAt: new Date('2026-12-01T08:01:00Z'),
    publishSources: ['camera', 'microphone'],
    tracks: [MICROPHONE, CAMERA],
    ...overrides,
  };
}

const HOST = participant({
  identity: 'prof-ada',
  displayName: 'Ada Lovelace',
  role: 'host',
  joinedAt: new Date('2026-12-01T08:00:00Z'),
});

function labels(p: ParticipantDetails, self = 'prof-ada'): string[] {
  return moderationActions(p, self).map((action) => action.label);
}

describe("the host's buttons for each participant", () => {
  it('a student who publishes: mute microphone, mute camera, send back, remove', () => {
    expect(labels(participant({}))).toEqual(['Mute microphone', 'Mute camera', 'Send back', 'Remove']);
  });

  it('a muted track has no mute button (LiveKit lets only its owner unmute it)', () => {
    expect(labels(participant({ tracks: [{ ...MICROPHONE, muted: true }, CAMERA] }))).toEqual([
      'Mute camera',
      'Send back',
      'Remove',
    ]);
  });

  it('a viewer, or a student sent back: invite to speak, remove', () => {
    expect(labels(participant({ role: 'viewer', publishSources: [], tracks: [] }))).toEqual(['Invite to speak', 'Remove']);
  });

  it('another host is never sent back; the host has no buttons for themself', () => {
    expect(labels(participant({ identity: 'prof-grace', role: 'host' }))).toEqual([
      'Mute microphone',
      'Mute camera',
      'Remove',
    ]);
    expect(labels(HOST)).toEqual([]);
  });

  it('a screen share is listed but has no mute button of its own', () => {
    const share: TrackInfo = { id: 'TR_scr', kind: 'video', source: 'screen_share', muted: false, name: 'screen' };
    expect(labels(participant({ tracks: [share] }))).toEqual(['Send back', 'Remove']);
  });
});

describe('labels and order', () => {
  it.each([
    [MICROPHONE, 'Microphone'],
    [{ ...CAMERA, source: 'screen_share_audio' as const }, 'Screen share audio'],
    [{ ...MICROPHONE, source: undefined }, 'Audio'],
    [{ ...CAMERA, source: undefined }, 'Video'],
  ])('%o is called %s', (track, label) => {
    expect(trackLabel(track)).toBe(label);
  });

  it('says what a participant may publish', () => {
    expect(publishLabel(['camera', 'microphone'])).toBe('May publish: camera, microphone');
    expect(publishLabel([])).toBe('Watching only: may not publish');
  });

  it('lists the host first, then by joining time', () => {
    const early = participant({ identity: 'a', joinedAt: new Date('2026-12-01T07:59:00Z') });
    const late = participant({ identity: 'z', joinedAt: new Date('2026-12-01T08:05:00Z') });
    expect(sortParticipants([late, HOST, early], 'prof-ada').map((p) => p.identity)).toEqual(['prof-ada', 'a', 'z']);
  });
});

describe('ParticipantsList', () => {
  it('renders each participant with their role, tracks, what they may publish and the buttons', () => {
    const html = renderToStaticMarkup(
      <ParticipantsList
        participants={[participant({ tracks: [{ ...MICROPHONE, muted: true }, CAMERA] }), HOST]}
        self="prof-ada"
        busy={false}
        onAction={() => undefined}
      />,
    );
    const rows = html.split('data-testid="moderation-participant"').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('data-identity="prof-ada"');
    expect(rows[0]).toContain('Ada Lovelace</strong> (you)');
    expect(rows[0]).not.toContain('<button');
    expect(rows[1]).toContain('<span class="role">student</span>');
    expect(rows[1]).toContain('May publish: camera, microphone');
    expect(rows[1]).toContain('data-source="microphone" data-muted="true">Microphone: muted</li>');
    expect(rows[1]).toContain('data-source="camera" data-muted="false">Camera: on</li>');
    expect(rows[1]?.match(/<button[^>]*>[^<]*<\/button>/g)).toEqual([
      '<button type="button">Mute camera</button>',
      '<button type="button">Send back</button>',
      '<button type="button" class="danger">Remove</button>',
    ]);
  });

  it('disables every button while an action is under way', () => {
    const html = renderToStaticMarkup(
      <ParticipantsList participants={[participant({})]} self="prof-ada" busy onAction={() => undefined} />,
    );
    expect(html.match(/<button[^>]*disabled=""/g)).toHaveLength(4);
  });
});

describe('a provider without room administration', () => {
  it('says so in place of the panel, with no buttons', () => {
    const html = renderToStaticMarkup(<RoomAdminUnsupported providerName="daily" />);
    expect(html).toContain('The token server has no room administration for daily sessions');
    expect(html).not.toContain('<button');
  });
});
