import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { ParticipantMedia } from '../providers/video';
import { attachTrack, MediaTiles } from './MediaStage';

// The Daily and Twilio media view, from plain browser tracks. Server rendering runs no effects,
// so the tracks are not attached here: `attachTrack` is tested on its own below.
const CAMERA = { kind: 'video', id: 'cam' } as unknown as MediaStreamTrack;
const VOICE = { kind: 'audio', id: 'mic' } as unknown as MediaStreamTrack;

const ME: ParticipantMedia = {
  participant: { identity: 'ada', name: 'Ada Lovelace', isLocal: true },
  camera: CAMERA,
  microphone: undefined,
};
const PROF: ParticipantMedia = {
  participant: { identity: 'prof', name: undefined, isLocal: false },
  camera: undefined,
  microphone: VOICE,
};

function render(media: ParticipantMedia[], publishSources: ('camera' | 'microphone')[] = ['camera', 'microphone']) {
  return renderToStaticMarkup(
    <MediaTiles media={media} publishSources={publishSources} onToggle={() => undefined} onLeave={() => undefined} />,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('MediaTiles', () => {
  it('your tile with your muted video, the others with their sound, and the toggles in their state', () => {
    const html = render([ME, PROF]);

    expect(html).toMatch(/aria-label="Your video"><figure[^>]*data-identity="ada"><video[^>]*muted=""[^>]*aria-label="Video of Ada Lovelace \(you\)"/);
    expect(html).toContain('Ada Lovelace (you) · microphone off');
    expect(html).toMatch(/aria-label="Other participants"><figure[^>]*data-identity="prof"><div class="media-placeholder">Camera off<\/div><audio autoplay=""><\/audio>/);
    expect(html).toContain('prof · microphone on');
    expect(html.match(/<audio/g)).toHaveLength(1);
    expect(html).toMatch(/<button type="button" aria-pressed="false">Microphone<\/button>/);
    expect(html).toMatch(/<button type="button" aria-pressed="true">Camera<\/button>/);
    expect(html).toMatch(/<button type="button">Leave<\/button>/);
  });

  it('alone in the room: waiting for others', () => {
    expect(render([ME])).toContain('Waiting for others to join…');
  });

  it('a viewer gets no toggles, only leave', () => {
    const html = render([ME, PROF], []);
    expect(html).not.toContain('>Microphone<');
    expect(html).not.toContain('>Camera<');
    expect(html).toContain('>Leave<');
  });
});

describe('attachTrack', () => {
  it('puts the track in a MediaStream on the element, and takes it off again', () => {
    class FakeMediaStream {
      constructor(readonly tracks: MediaStreamTrack[]) {}
    }
    vi.stubGlobal('MediaStream', FakeMediaStream);
    const element = { srcObject: null } as unknown as HTMLMediaElement;

    const detach = attachTrack(element, CAMERA);
    expect(element.srcObject).toEqual(new FakeMediaStream([CAMERA]));

    detach();
    expect(element.srcObject).toBeNull();
  });
});
