import { useEffect, useRef, useState } from 'react';

import type { MediaTracksSource, ParticipantMedia, TrackSource, VideoProvider } from '../providers/video';

/**
 * Shows `track` in `element` (a `<video>` or `<audio>`), or nothing; returns what detaches it.
 * Only plain browser APIs: the vendor SDKs stay inside their providers.
 */
export function attachTrack(element: HTMLMediaElement, track: MediaStreamTrack | undefined): () => void {
  element.srcObject = track === undefined ? null : new MediaStream([track]);
  return () => {
    element.srcObject = null;
  };
}

function TrackVideo({ track, muted, label }: { track: MediaStreamTrack; muted: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => (ref.current === null ? undefined : attachTrack(ref.current, track)), [track]);
  return <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} className="media-video" />;
}

function TrackAudio({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => (ref.current === null ? undefined : attachTrack(ref.current, track)), [track]);
  return <audio ref={ref} autoPlay />;
}

function Tile({ media }: { media: ParticipantMedia }) {
  const { participant, camera, microphone } = media;
  const name = `${participant.name ?? participant.identity}${participant.isLocal ? ' (you)' : ''}`;
  return (
    <figure className="media-tile" data-identity={participant.identity}>
      {camera === undefined ? (
        <div className="media-placeholder">Camera off</div>
      ) : (
        // Your own video is muted: its sound would echo.
        <TrackVideo track={camera} muted label={`Video of ${name}`} />
      )}
      {/* Remote sound plays; your own microphone is never played back to you. */}
      {!participant.isLocal && microphone !== undefined && <TrackAudio track={microphone} />}
      <figcaption>
        {name} · {microphone === undefined ? 'microphone off' : 'microphone on'}
      </figcaption>
    </figure>
  );
}

/**
 * The tiles of one room from plain {@link ParticipantMedia}: your own tile, then everyone else's,
 * and the microphone and camera toggles for the sources you may publish now.
 */
export function MediaTiles({
  media,
  publishSources,
  onToggle,
  onLeave,
}: {
  media: readonly ParticipantMedia[];
  publishSources: readonly TrackSource[];
  onToggle: (publish: { microphone?: boolean; camera?: boolean }) => void;
  onLeave: () => void;
}) {
  const local = media.filter((entry) => entry.participant.isLocal);
  const remote = media.filter((entry) => !entry.participant.isLocal);
  const own = local[0];
  const microphoneOn = own?.microphone !== undefined;
  const cameraOn = own?.camera !== undefined;
  return (
    <div className="stage">
      <div className="tiles">
        <section className="tile-group" aria-label="Your video">
          {local.map((entry) => (
            <Tile key={entry.participant.identity} media={entry} />
          ))}
        </section>
        <section className="tile-group" aria-label="Other participants">
          {remote.length === 0 ? (
            <p className="waiting">Waiting for others to join…</p>
          ) : (
            remote.map((entry) => <Tile key={entry.participant.identity} media={entry} />)
          )}
        </section>
      </div>
      <div className="controls">
        {publishSources.includes('microphone') && (
          <button type="button" aria-pressed={microphoneOn} onClick={() => onToggle({ microphone: !microphoneOn })}>
            Microphone
          </button>
        )}
        {publishSources.includes('camera') && (
          <button type="button" aria-pressed={cameraOn} onClick={() => onToggle({ camera: !cameraOn })}>
            Camera
          </button>
        )}
        <button type="button" onClick={onLeave}>
          Leave
        </button>
      </div>
    </div>
  );
}

/**
 * The media view of a provider without its own components (Daily, Twilio): it reads the
 * provider's {@link MediaTracksSource.mediaTracks} again whenever someone joins, leaves or
 * changes their tracks, and toggles your devices through `publishLocalMedia`.
 */
export function MediaStage({
  provider,
  publishSources,
  onLeave,
}: {
  provider: VideoProvider & MediaTracksSource;
  publishSources: readonly TrackSource[];
  onLeave: () => void;
}) {
  const [media, setMedia] = useState<readonly ParticipantMedia[]>(() => provider.mediaTracks());
  useEffect(() => {
    const refresh = () => setMedia(provider.mediaTracks());
    const unsubscribe = [
      provider.on('connectionStateChanged', refresh),
      provider.on('participantJoined', refresh),
      provider.on('participantLeft', refresh),
      provider.on('participantUpdated', refresh),
    ];
    refresh();
    return () => unsubscribe.forEach((off) => off());
  }, [provider]);
  return (
    <MediaTiles
      media={media}
      publishSources={publishSources}
      onToggle={(publish) => void provider.publishLocalMedia(publish)}
      onLeave={onLeave}
    />
  );
}
