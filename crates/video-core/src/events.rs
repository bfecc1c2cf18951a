//! Provider-neutral session events: what a video provider reports about rooms and participants.
//!
//! A provider (LiveKit through its webhooks, for example) turns each of its notifications into
//! one [`SessionEvent`]: a room started or finished, a participant joined, left, or never finished
//! connecting. Consumers such as attendance tracking fold these events into sessions; they never
//! see the provider's wire format.
//!
//! Providers deliver notifications at least once and in no guaranteed order, so every event
//! carries the provider's own [`EventId`] (the same notification delivered twice has the same id)
//! and the time it happened at the provider ([`SessionEvent::at`]), not the time it arrived.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use video_core::{EventId, ParticipantIdentity, RoomName, SessionEvent, SessionEventKind};
//! use video_core::{ParticipantEvent, Role};
//!
//! let joined = SessionEvent {
//!     id: EventId::parse("EV_3fGh7Lq")?,
//!     room: RoomName::parse("physics-101")?,
//!     at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000),
//!     kind: SessionEventKind::ParticipantJoined(
//!         ParticipantEvent::new(ParticipantIdentity::parse("student-42")?)
//!             .with_role(Role::Participant),
//!     ),
//! };
//! assert_eq!(joined.kind.name(), "participant_joined");
//! assert_eq!(joined.participant().map(|p| p.identity.as_str()), Some("student-42"));
//! # Ok::<(), video_core::NameError>(())
//! ```

use std::fmt;
use std::time::SystemTime;

use crate::names::{DisplayName, ParticipantIdentity, RoomName, validated_name};
use crate::role::Role;

validated_name!(
    /// The provider's id of one notification, e.g. LiveKit's webhook event `id`. A notification
    /// delivered twice carries the same id, which is what makes consuming events idempotent.
    ///
    /// Accepted exactly when it follows the [name rules](crate::names): not empty, at most
    /// [`MAX_NAME_BYTES`](crate::MAX_NAME_BYTES) bytes of UTF-8, no control character.
    EventId
);
validated_name!(
    /// The provider's id of one connection of a participant, e.g. LiveKit's participant `sid`.
    /// A participant who leaves and joins again has a new one.
    ///
    /// Accepted exactly when it follows the [name rules](crate::names).
    ParticipantSessionId
);

/// One thing that happened in a room, as reported by a video provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    /// The provider's id of this notification (the same for every delivery of it).
    pub id: EventId,
    /// The room it happened in.
    pub room: RoomName,
    /// When it happened at the provider (not when it was delivered).
    pub at: SystemTime,
    /// What happened.
    pub kind: SessionEventKind,
}

impl SessionEvent {
    /// The participant the event is about, for participant events.
    pub fn participant(&self) -> Option<&ParticipantEvent> {
        self.kind.participant()
    }
}

/// What happened: the five kinds of event attendance is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEventKind {
    /// The room was created and a session of it began.
    RoomStarted,
    /// The session of the room ended (the last participant left, or it was closed); anyone
    /// still reported as connected is no longer.
    RoomFinished,
    /// A participant's connection was established (its media is up).
    ParticipantJoined(ParticipantEvent),
    /// A participant left, or was disconnected or removed.
    ParticipantLeft(ParticipantEvent),
    /// A participant's connection was given up before it was established (or while it was):
    /// such a participant may never have been reported as joined.
    ParticipantConnectionAborted(ParticipantEvent),
}

impl SessionEventKind {
    /// The kind's stable name: `room_started`, `room_finished`, `participant_joined`,
    /// `participant_left` or `participant_connection_aborted`.
    pub const fn name(&self) -> &'static str {
        match self {
            SessionEventKind::RoomStarted => "room_started",
            SessionEventKind::RoomFinished => "room_finished",
            SessionEventKind::ParticipantJoined(_) => "participant_joined",
            SessionEventKind::ParticipantLeft(_) => "participant_left",
            SessionEventKind::ParticipantConnectionAborted(_) => "participant_connection_aborted",
        }
    }

    /// The participant the event is about, for participant events.
    pub fn participant(&self) -> Option<&ParticipantEvent> {
        match self {
            SessionEventKind::RoomStarted | SessionEventKind::RoomFinished => None,
            SessionEventKind::ParticipantJoined(p)
            | SessionEventKind::ParticipantLeft(p)
            | SessionEventKind::ParticipantConnectionAborted(p) => Some(p),
        }
    }
}

/// Who a participant event is about.
///
/// Built with [`ParticipantEvent::new`] and the consuming `with_*` methods; what the provider
/// did not report stays `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantEvent {
    /// The participant's stable identity (the one in the join token).
    pub identity: ParticipantIdentity,
    /// The provider's id of this connection, when it reports one.
    pub session_id: Option<ParticipantSessionId>,
    /// The name shown to others, when the provider reports one.
    pub display_name: Option<DisplayName>,
    /// The participant's role, when the provider reports one (e.g. from token metadata).
    pub role: Option<Role>,
    /// When the participant's join token was issued, when the provider reports it: a token
    /// issued before the participant was removed must not let them back in.
    pub token_issued_at: Option<SystemTime>,
}

impl ParticipantEvent {
    /// An event about `identity`, with nothing else known yet.
    pub fn new(identity: ParticipantIdentity) -> Self {
        Self {
            identity,
            session_id: None,
            display_name: None,
            role: None,
            token_issued_at: None,
        }
    }

    /// Sets the provider's id of this connection.
    pub fn with_session_id(mut self, session_id: ParticipantSessionId) -> Self {
        self.session_id = Some(session_id);
        self
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, display_name: DisplayName) -> Self {
        self.display_name = Some(display_name);
        self
    }

    /// Sets the role.
    pub fn with_role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// Sets when the participant's join token was issued.
    pub fn with_token_issued_at(mut self, issued_at: SystemTime) -> Self {
        self.token_issued_at = Some(issued_at);
        self
    }
}

/// What one verified notification from a provider means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedEvent {
    /// One of the five kinds of [`SessionEvent`].
    Session(SessionEvent),
    /// Another kind of notification (a track published, a recording finished, …): verified,
    /// and deliberately not used.
    Ignored {
        /// The provider's name for it, e.g. LiveKit's `track_published`.
        event: String,
    },
}

/// Why a provider's notification was refused. Messages name no participant, room or secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// The signature is missing, not the provider's, expired, or does not cover this body.
    #[error("the notification's signature does not verify: {0}")]
    Unauthorized(&'static str),
    /// Signed correctly, but not a notification this provider's crate can read.
    #[error("the notification is not a usable event: {0}")]
    Malformed(&'static str),
}

/// Verifies a provider's signed notifications (LiveKit's webhooks, for example) and turns each
/// into a [`ReceivedEvent`]: the provider-neutral side of a webhook endpoint.
pub trait SessionEventReceiver: fmt::Debug + Send + Sync {
    /// Checks one delivery, given its raw body and its raw `Authorization` header, and converts it.
    fn receive(&self, body: &str, authorization: &str) -> Result<ReceivedEvent, ReceiveError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NameError;

    #[test]
    fn ids_follow_the_name_rules() {
        assert_eq!(
            EventId::parse("EV_1").map(|id| id.into_string()),
            Ok("EV_1".to_owned())
        );
        assert_eq!(EventId::parse(""), Err(NameError::Empty));
        assert_eq!(
            ParticipantSessionId::parse("PA_\n"),
            Err(NameError::ControlCharacter { index: 3 })
        );
        assert_eq!(
            "x".repeat(257).parse::<EventId>(),
            Err(NameError::TooLong { len: 257 })
        );
    }

    #[test]
    fn kinds_have_stable_names_and_participants() {
        let who = ParticipantEvent::new(
            ParticipantIdentity::parse("u1").unwrap_or_else(|e| panic!("{e}")),
        );
        let kinds = [
            (SessionEventKind::RoomStarted, "room_started", false),
            (SessionEventKind::RoomFinished, "room_finished", false),
            (
                SessionEventKind::ParticipantJoined(who.clone()),
                "participant_joined",
                true,
            ),
            (
                SessionEventKind::ParticipantLeft(who.clone()),
                "participant_left",
                true,
            ),
            (
                SessionEventKind::ParticipantConnectionAborted(who.clone()),
                "participant_connection_aborted",
                true,
            ),
        ];
        for (kind, name, has_participant) in kinds {
            assert_eq!(kind.name(), name);
            assert_eq!(kind.participant().is_some(), has_participant, "{name}");
        }
    }
}
