import { Room } from 'livekit-client';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { LiveKitStage } from './LiveKitStage';

// The in-room view needs a LiveKit server to connect to, which the browser test cannot have; this
// renders it with the real @livekit/components-react and a real, unconnected livekit-client Room.
// Server rendering runs no effects, so no tiles yet: useTracks fills them in once subscribed.
describe('LiveKitStage', () => {
  it('renders inside the room context: the tile areas and the mute and leave controls', () => {
    const html = renderToStaticMarkup(<LiveKitStage room={new Room()} publishSources={['camera', 'microphone']} onLeave={() => undefined} />);
    const text = html.replace(/<[^>]+>/g, ' ');

    expect(html).toContain('aria-label="Your video"');
    expect(html).toContain('aria-label="Other participants"');
    expect(text).toContain('Waiting for others to join…');
    expect(html).toMatch(/<button[^>]*data-lk-source="microphone"[^>]*>.*Microphone<\/button>/);
    expect(html).toMatch(/<button[^>]*data-lk-source="camera"[^>]*>.*Camera<\/button>/);
    expect(html).toMatch(/<button[^>]*>Leave<\/button>/);
  });

  it('shows a viewer no publishing controls, only leave', () => {
    const html = renderToStaticMarkup(<LiveKitStage room={new Room()} publishSources={[]} onLeave={() => undefined} />);

    expect(html).toContain('aria-label="Other participants"');
    expect(html).not.toContain('data-lk-source="microphone"');
    expect(html).not.toContain('data-lk-source="camera"');
    expect(html).toMatch(/<button[^>]*>Leave<\/button>/);
  });

  it('offers only the toggles of the sources the participant may publish', () => {
    const html = renderToStaticMarkup(<LiveKitStage room={new Room()} publishSources={['microphone']} onLeave={() => undefined} />);

    expect(html).toContain('data-lk-source="microphone"');
    expect(html).not.toContain('data-lk-source="camera"');
  });
});
