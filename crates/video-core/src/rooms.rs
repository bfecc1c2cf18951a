//! Room administration: what an instructor, or the LMS back end, may do to a room and to the
//! people in it, whatever the provider.
//!
//! [`RoomAdmin`] is a trait of its own beside [`VideoProvider`](crate::VideoProvider): a provider
//! that cannot administer rooms is still a provider. Its operations open a room with
//! [`RoomOptions`], list and describe rooms ([`RoomInfo`]), end a room for everyone, list and
//! describe its participants ([`ParticipantInfo`], with their [`TrackInfo`]s), remove one, mute
//! or unmute one of their tracks, and change what one may publish (invite a student to speak,
//! send them back). Every error is a [`RoomAdminError`], which tells "not there"
//! ([`RoomAdminError::NotFound`]) from "try again later" ([`RoomAdminError::Unavailable`]) and
//! from "broken" ([`RoomAdminError::Internal`]).
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use video_core::{RoomOptions, TrackSource};
//!
//! let options = RoomOptions::default()
//!     .with_max_participants(40)
//!     .with_empty_timeout(Duration::from_secs(600));
//! assert_eq!(options.max_participants, Some(40));
//! // Invite a student to speak: what they may publish from now on.
//! let speak = [TrackSource::Camera, TrackSource::Microphone];
//! assert_eq!(speak.map(TrackSource::as_str), ["camera", "microphone"]);
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::names::{DisplayName, ParticipantIdentity, RoomName, validated_name};
use crate::provider::BoxFuture;
use crate::role::Role;

validated_name!(
    /// The provider's id of one published track, e.g. LiveKit's track `sid` (`TR_AMkd8`).
    ///
    /// Accepted exactly when it follows the [name rules](crate::names).
    TrackId
);

/// A kind of track a participant may publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrackSource {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// A shared screen or window.
    ScreenShare,
    /// The audio of a shared screen or tab.
    ScreenShareAudio,
}

impl TrackSource {
    /// Every source.
    pub const ALL: [TrackSource; 4] = [
        Self::Camera,
        Self::Microphone,
        Self::ScreenShare,
        Self::ScreenShareAudio,
    ];

    /// The wire name: `camera`, `microphone`, `screen_share` or `screen_share_audio`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Microphone => "microphone",
            Self::ScreenShare => "screen_share",
            Self::ScreenShareAudio => "screen_share_audio",
        }
    }

    /// The source with the wire name `name` (exact, lowercase).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == name)
    }
}

impl fmt::Display for TrackSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a track carries sound or pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    /// Sound: a microphone, or a shared screen's audio.
    Audio,
    /// Pictures: a camera, or a shared screen.
    Video,
}

impl TrackKind {
    /// The wire name: `audio` or `video`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }
}

/// How to open a room. Every option is optional; `Default` leaves each to the provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomOptions {
    /// The most participants the room admits at once; `None` for the provider's limit.
    pub max_participants: Option<u32>,
    /// How long the room stays open with no one in it; `None` for the provider's default.
    pub empty_timeout: Option<Duration>,
    /// Free text for the application (e.g. the LMS course id), visible to participants.
    pub metadata: Option<String>,
}

impl RoomOptions {
    /// Admits at most `max` participants at once.
    #[must_use]
    pub fn with_max_participants(mut self, max: u32) -> Self {
        self.max_participants = Some(max);
        self
    }

    /// Closes the room after it has been empty for `timeout`.
    #[must_use]
    pub fn with_empty_timeout(mut self, timeout: Duration) -> Self {
        self.empty_timeout = Some(timeout);
        self
    }

    /// Sets the room's metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }
}

/// An open room, as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    /// The room's name.
    pub name: RoomName,
    /// How many participants are in it now.
    pub participants: u32,
    /// When it was opened.
    pub created_at: SystemTime,
    /// The most participants it admits at once, if limited.
    pub max_participants: Option<u32>,
    /// How long it stays open with no one in it, if the provider says.
    pub empty_timeout: Option<Duration>,
    /// The application's metadata; empty when none was set.
    pub metadata: String,
}

/// One published track of a participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// The provider's id of the track.
    pub id: TrackId,
    /// Sound or pictures.
    pub kind: TrackKind,
    /// What it comes from, when the provider knows.
    pub source: Option<TrackSource>,
    /// Whether it is muted now.
    pub muted: bool,
    /// The name the publishing client gave it; may be empty.
    pub name: String,
}

/// A participant in a room, as the provider describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantInfo {
    /// Their stable identity (the LMS user id).
    pub identity: ParticipantIdentity,
    /// The name others see, if any.
    pub display_name: Option<DisplayName>,
    /// The role their token granted, when the provider reports it.
    pub role: Option<Role>,
    /// When they joined.
    pub joined_at: SystemTime,
    /// What they may publish now (in [`TrackSource::ALL`]'s order); empty when nothing.
    pub publish_sources: Vec<TrackSource>,
    /// The tracks they publish now.
    pub tracks: Vec<TrackInfo>,
}

impl ParticipantInfo {
    /// The published track with the id `track`, if any.
    pub fn track(&self, track: &TrackId) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| &t.id == track)
    }
}

/// What a [`RoomAdminError::NotFound`] did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The room is not open.
    Room,
    /// The participant is not in the room.
    Participant,
    /// The participant publishes no such track.
    Track,
}

impl Missing {
    /// `room`, `participant` or `track`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Room => "room",
            Self::Participant => "participant",
            Self::Track => "track",
        }
    }
}

/// Why a room could not be administered. The messages are safe to show; the `source` chains
/// hold the provider's own errors, for the log only, never a secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum RoomAdminError {
    /// The room, the participant or the track is not there (any more).
    #[error("no such {}", .0.as_str())]
    NotFound(Missing),
    /// The provider refuses to unmute someone else's track (a participant turns their own
    /// microphone back on); the provider can be configured to allow it.
    #[error("the {provider} room service does not allow unmuting another participant's track")]
    RemoteUnmuteDisabled {
        /// The provider's name, e.g. `livekit`.
        provider: &'static str,
    },
    /// The provider cannot be reached, or did not answer in time. Retrying later may succeed.
    #[error("the {provider} room service is unavailable")]
    Unavailable {
        /// The provider's name, e.g. `livekit`.
        provider: &'static str,
        /// What went wrong, for the log.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The provider has no such operation: its vendor's API cannot do it, or its crate does not
    /// offer room administration at all. Retrying will not help.
    #[error("the {provider} provider does not support {operation}")]
    Unsupported {
        /// The provider's name, e.g. `daily`.
        provider: &'static str,
        /// The operation, as the [`RoomAdmin`] method's name, e.g. `remove_participant`.
        operation: &'static str,
    },
    /// The provider refused or failed in a way retrying will not fix (wrong credentials, a bug).
    #[error("the {provider} room service failed")]
    Internal {
        /// The provider's name, e.g. `livekit`.
        provider: &'static str,
        /// What went wrong, for the log.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

/// A provider's room administration.
///
/// Implementations are shared (`Arc<dyn RoomAdmin>`), bound every call to the provider by a
/// timeout (a slow provider is [`RoomAdminError::Unavailable`], never a hang), map the provider's
/// errors into [`RoomAdminError`] without passing its messages through, and never log a secret.
pub trait RoomAdmin: Send + Sync {
    /// The provider's configuration name, e.g. `livekit`.
    fn provider(&self) -> &'static str;

    /// Opens `room` with `options`, or returns it as it is when it is already open.
    fn open_room<'a>(
        &'a self,
        room: &'a RoomName,
        options: &'a RoomOptions,
    ) -> BoxFuture<'a, Result<RoomInfo, RoomAdminError>>;

    /// Every open room.
    fn list_rooms(&self) -> BoxFuture<'_, Result<Vec<RoomInfo>, RoomAdminError>>;

    /// One open room; [`Missing::Room`] when it is not open.
    fn room<'a>(&'a self, room: &'a RoomName) -> BoxFuture<'a, Result<RoomInfo, RoomAdminError>>;

    /// Ends the session of `room` for everyone: every participant is disconnected.
    fn end_room<'a>(&'a self, room: &'a RoomName) -> BoxFuture<'a, Result<(), RoomAdminError>>;

    /// The participants in `room` now.
    fn participants<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Vec<ParticipantInfo>, RoomAdminError>>;

    /// One participant in `room`.
    fn participant<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
    ) -> BoxFuture<'a, Result<ParticipantInfo, RoomAdminError>>;

    /// Disconnects `identity` from `room`. Where the provider can, the tokens issued to them
    /// before now stop admitting them (see the provider's documentation).
    fn remove_participant<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
    ) -> BoxFuture<'a, Result<(), RoomAdminError>>;

    /// Mutes (or unmutes) one track `identity` publishes in `room`; returns it as it is then.
    fn mute_track<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
        track: &'a TrackId,
        muted: bool,
    ) -> BoxFuture<'a, Result<TrackInfo, RoomAdminError>>;

    /// Lets `identity` publish exactly `sources` from now on, without reconnecting: none to send
    /// a student back to listening, camera and microphone to invite one to speak. Tracks of
    /// sources no longer allowed stop being published.
    fn set_publish_sources<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
        sources: &'a [TrackSource],
    ) -> BoxFuture<'a, Result<ParticipantInfo, RoomAdminError>>;

    /// Checks that the provider's room service answers now, for readiness reports.
    fn check_reachable(&self) -> BoxFuture<'_, Result<(), RoomAdminError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_round_trip() {
        for source in TrackSource::ALL {
            assert_eq!(TrackSource::from_name(source.as_str()), Some(source));
            assert_eq!(source.to_string(), source.as_str());
        }
        assert_eq!(TrackSource::from_name("Camera"), None);
        assert_eq!(
            [TrackKind::Audio, TrackKind::Video].map(TrackKind::as_str),
            ["audio", "video"]
        );
    }

    #[test]
    fn options_build_up() {
        let options = RoomOptions::default()
            .with_max_participants(3)
            .with_empty_timeout(Duration::from_secs(60))
            .with_metadata("course-7");
        assert_eq!(
            options,
            RoomOptions {
                max_participants: Some(3),
                empty_timeout: Some(Duration::from_secs(60)),
                metadata: Some("course-7".to_owned()),
            }
        );
    }

    #[test]
    fn errors_say_what_is_missing_and_keep_the_cause_for_the_log() {
        assert_eq!(
            RoomAdminError::NotFound(Missing::Participant).to_string(),
            "no such participant"
        );
        let error = RoomAdminError::Unavailable {
            provider: "livekit",
            source: "connection refused".into(),
        };
        assert_eq!(error.to_string(), "the livekit room service is unavailable");
        assert_eq!(
            StdError::source(&error).map(ToString::to_string).as_deref(),
            Some("connection refused")
        );
        let error = RoomAdminError::Unsupported {
            provider: "daily",
            operation: "remove_participant",
        };
        assert_eq!(
            error.to_string(),
            "the daily provider does not support remove_participant"
        );
    }

    #[test]
    fn a_participant_finds_its_tracks() {
        let track = TrackInfo {
            id: TrackId::parse("TR_1").unwrap(),
            kind: TrackKind::Audio,
            source: Some(TrackSource::Microphone),
            muted: false,
            name: String::new(),
        };
        let participant = ParticipantInfo {
            identity: ParticipantIdentity::parse("ada").unwrap(),
            display_name: None,
            role: Some(Role::Participant),
            joined_at: SystemTime::UNIX_EPOCH,
            publish_sources: vec![TrackSource::Microphone],
            tracks: vec![track.clone()],
        };
        assert_eq!(participant.track(&track.id), Some(&track));
        assert_eq!(participant.track(&TrackId::parse("TR_2").unwrap()), None);
    }
}
