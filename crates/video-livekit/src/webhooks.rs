//! LiveKit's webhooks, verified and turned into provider-neutral [`SessionEvent`]s.
//!
//! LiveKit posts each event as protobuf JSON (`application/webhook+json`) and signs it with a
//! JWT in the `Authorization` header (no `Bearer` prefix), issued by one of its API keys, whose
//! `sha256` claim is the base64 SHA-256 of the body. [`LiveKitWebhooks::receive`] checks all of it
//! with `livekit-api`'s `WebhookReceiver` over the raw body and header, then converts the five
//! events attendance needs (`room_started`, `room_finished`, `participant_joined`,
//! `participant_left`, `participant_connection_aborted`); every other event is
//! [`ReceivedEvent::Ignored`], explicitly.
//!
//! The participant's role comes from the [`ROLE_ATTRIBUTE`] attribute, and when their token was
//! issued from [`ISSUED_AT_ATTRIBUTE`], which [`LiveKitProvider`](crate::LiveKitProvider) puts in
//! every token it mints; LiveKit reports a participant's attributes with each participant event.
//!
//! # Example
//!
//! ```
//! use video_core::{ReceiveError, SessionEventReceiver as _};
//! use video_livekit::{LiveKitSettings, webhooks::LiveKitWebhooks};
//!
//! let settings = LiveKitSettings::new(
//!     "wss://video.example.edu",
//!     "APIexample",
//!     "a-secret-of-at-least-32-characters-long".into(),
//! )?;
//! let webhooks = LiveKitWebhooks::new(&settings);
//! // A body whose Authorization header was not issued by this key pair is refused.
//! let refused = webhooks.receive(r#"{"event":"room_started"}"#, "not-a-jwt");
//! assert!(matches!(refused, Err(ReceiveError::Unauthorized(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use livekit_api::access_token::TokenVerifier;
use livekit_api::webhooks::{self as lk, WebhookReceiver};
use livekit_protocol::ParticipantInfo;
use secrecy::ExposeSecret;
use video_core::{
    DisplayName, EventId, ParticipantEvent, ParticipantIdentity, ParticipantSessionId,
    ReceiveError, ReceivedEvent, Role, RoomName, SessionEvent, SessionEventKind,
    SessionEventReceiver,
};

use crate::LiveKitSettings;

/// The participant attribute that carries the [`Role`] in every token this crate mints
/// (`host`, `participant` or `viewer`).
pub const ROLE_ATTRIBUTE: &str = "openconnect.role";

/// The participant attribute that carries when the token was issued (Unix milliseconds) in
/// every token this crate mints: LiveKit reports it with each participant event, which lets the
/// token server tell a removed participant's old token from a new one.
pub const ISSUED_AT_ATTRIBUTE: &str = "openconnect.issued_at";

/// Verifies LiveKit's webhooks with the deployment's API key and secret.
#[derive(Clone)]
pub struct LiveKitWebhooks {
    receiver: WebhookReceiver,
}

impl fmt::Debug for LiveKitWebhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveKitWebhooks").finish_non_exhaustive()
    }
}

impl LiveKitWebhooks {
    /// A receiver for the webhooks LiveKit signs with `settings`' key pair (LiveKit's
    /// `webhook.api_key` must be that key).
    pub fn new(settings: &LiveKitSettings) -> Self {
        let verifier =
            TokenVerifier::with_api_key(settings.api_key(), settings.api_secret().expose_secret());
        Self {
            receiver: WebhookReceiver::new(verifier),
        }
    }
}

impl SessionEventReceiver for LiveKitWebhooks {
    /// Verifies one delivery (the raw body and the raw `Authorization` header; a `Bearer `
    /// prefix that a proxy may add is accepted) and converts it.
    fn receive(&self, body: &str, authorization: &str) -> Result<ReceivedEvent, ReceiveError> {
        let token = authorization
            .strip_prefix("Bearer ")
            .unwrap_or(authorization);
        let event = self
            .receiver
            .receive(body, token)
            .map_err(|error| match error {
                lk::WebhookError::InvalidData(_) => {
                    ReceiveError::Malformed("not LiveKit's protobuf JSON")
                }
                lk::WebhookError::InvalidSignature | lk::WebhookError::InvalidBase64(_) => {
                    ReceiveError::Unauthorized("the body's SHA-256 is not the signed one")
                }
                lk::WebhookError::InvalidAuth(_) => {
                    ReceiveError::Unauthorized("not a valid token of this key pair")
                }
            })?;
        convert(event)
    }
}

fn convert(event: livekit_protocol::WebhookEvent) -> Result<ReceivedEvent, ReceiveError> {
    let participant = |info: Option<&ParticipantInfo>| participant_event(info);
    let kind = match event.event.as_str() {
        "room_started" => SessionEventKind::RoomStarted,
        "room_finished" => SessionEventKind::RoomFinished,
        "participant_joined" => {
            SessionEventKind::ParticipantJoined(participant(event.participant.as_ref())?)
        }
        "participant_left" => {
            SessionEventKind::ParticipantLeft(participant(event.participant.as_ref())?)
        }
        "participant_connection_aborted" => {
            SessionEventKind::ParticipantConnectionAborted(participant(event.participant.as_ref())?)
        }
        _ => return Ok(ReceivedEvent::Ignored { event: event.event }),
    };
    let room = event
        .room
        .as_ref()
        .ok_or(ReceiveError::Malformed("no room"))?;
    let created_at =
        u64::try_from(event.created_at).map_err(|_| ReceiveError::Malformed("createdAt < 0"))?;
    Ok(ReceivedEvent::Session(SessionEvent {
        id: EventId::parse(event.id).map_err(|_| ReceiveError::Malformed("invalid event id"))?,
        room: RoomName::parse(room.name.clone())
            .map_err(|_| ReceiveError::Malformed("invalid room name"))?,
        at: SystemTime::UNIX_EPOCH + Duration::from_secs(created_at),
        kind,
    }))
}

fn participant_event(info: Option<&ParticipantInfo>) -> Result<ParticipantEvent, ReceiveError> {
    let info = info.ok_or(ReceiveError::Malformed("no participant"))?;
    let identity = ParticipantIdentity::parse(info.identity.clone())
        .map_err(|_| ReceiveError::Malformed("invalid participant identity"))?;
    let mut participant = ParticipantEvent::new(identity);
    if let Ok(sid) = ParticipantSessionId::parse(info.sid.clone()) {
        participant = participant.with_session_id(sid);
    }
    if let Ok(name) = DisplayName::parse(info.name.clone()) {
        participant = participant.with_display_name(name);
    }
    if let Some(role) = info
        .attributes
        .get(ROLE_ATTRIBUTE)
        .and_then(|role| role.parse::<Role>().ok())
    {
        participant = participant.with_role(role);
    }
    if let Some(millis) = info
        .attributes
        .get(ISSUED_AT_ATTRIBUTE)
        .and_then(|millis| millis.parse::<u64>().ok())
    {
        participant = participant
            .with_token_issued_at(SystemTime::UNIX_EPOCH + Duration::from_millis(millis));
    }
    Ok(participant)
}

#[cfg(test)]
#[path = "webhooks_tests.rs"]
mod tests;
