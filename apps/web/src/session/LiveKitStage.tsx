import {
  ParticipantTile,
  RoomAudioRenderer,
  RoomContext,
  StartAudio,
  TrackToggle,
  useTracks,
  type TrackReferenceOrPlaceholder,
} from '@livekit/components-react';
import { Track, type Room } from 'livekit-client';

import type { TrackSource } from '../providers/video';

function tileKey(track: TrackReferenceOrPlaceholder): string {
  return `${track.participant.identity}:${track.source}`;
}

function Tiles() {
  const cameras = useTracks([{ source: Track.Source.Camera, withPlaceholder: true }], { onlySubscribed: false });
  const local = cameras.filter((track) => track.participant.isLocal);
  const remote = cameras.filter((track) => !track.participant.isLocal);
  return (
    <div className="tiles">
      <section className="tile-group" aria-label="Your video">
        {local.map((track) => (
          <ParticipantTile key={tileKey(track)} trackRef={track} />
        ))}
      </section>
      <section className="tile-group" aria-label="Other participants">
        {remote.length === 0 ? (
          <p className="waiting">Waiting for others to join…</p>
        ) : (
          remote.map((track) => <ParticipantTile key={tileKey(track)} trackRef={track} />)
        )}
      </section>
    </div>
  );
}

/**
 * The LiveKit media view, on `@livekit/components-react`: the local and remote camera tiles,
 * remote audio, and the microphone and camera toggles for the sources the participant may publish
 * now (`publishSources`: none for a viewer, until a host invites them to speak). Leaving goes
 * through the provider.
 */
export function LiveKitStage({
  room,
  publishSources,
  onLeave,
}: {
  room: Room;
  publishSources: readonly TrackSource[];
  onLeave: () => void;
}) {
  return (
    <RoomContext.Provider value={room}>
      <div className="stage" data-lk-theme="default">
        <Tiles />
        <RoomAudioRenderer />
        <div className="controls">
          {publishSources.includes('microphone') && (
            <TrackToggle source={Track.Source.Microphone}>Microphone</TrackToggle>
          )}
          {publishSources.includes('camera') && <TrackToggle source={Track.Source.Camera}>Camera</TrackToggle>}
          <StartAudio label="Allow audio" />
          <button type="button" className="lk-button lk-disconnect-button" onClick={onLeave}>
            Leave
          </button>
        </div>
      </div>
    </RoomContext.Provider>
  );
}
