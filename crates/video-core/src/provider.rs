use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::config::{AppEnv, ConfigError};
use crate::{
    DisplayName, ParticipantIdentity, Role, RoomAdmin, RoomName, RoomRecords, SessionEventReceiver,
};

/// A boxed, `Send` future: what [`VideoProvider`] methods return, so that the trait stays
/// usable as `Arc<dyn VideoProvider>` from any async runtime.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A request to let one participant join one room in a given role.
///
/// Built from already-validated parts, so a provider never re-checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    room: RoomName,
    identity: ParticipantIdentity,
    display_name: Option<DisplayName>,
    role: Role,
}

impl JoinRequest {
    /// A request without a display name.
    pub fn new(room: RoomName, identity: ParticipantIdentity, role: Role) -> Self {
        Self {
            room,
            identity,
            display_name: None,
            role,
        }
    }

    /// Sets the name other participants see.
    #[must_use]
    pub fn with_display_name(mut self, display_name: DisplayName) -> Self {
        self.display_name = Some(display_name);
        self
    }

    /// The room to join.
    pub fn room(&self) -> &RoomName {
        &self.room
    }

    /// The participant's stable identity.
    pub fn identity(&self) -> &ParticipantIdentity {
        &self.identity
    }

    /// The name other participants see, if one was given.
    pub fn display_name(&self) -> Option<&DisplayName> {
        self.display_name.as_ref()
    }

    /// The role the participant joins in.
    pub fn role(&self) -> Role {
        self.role
    }
}

/// What a client needs to join: a signed access token and the media server's URL.
///
/// The token is a credential: it is kept in a [`SecretString`], hidden from `Debug`, and must
/// only be exposed (with [`JoinTicket::token`]) to hand it to the participant.
#[derive(Clone)]
pub struct JoinTicket {
    /// The signed access token.
    pub token: SecretString,
    /// The URL the client connects to (e.g. `wss://video.example.edu`).
    pub url: String,
    /// When the token stops being accepted.
    pub expires_at: SystemTime,
    /// The identity the token was issued to.
    pub identity: ParticipantIdentity,
    /// The room the token admits to.
    pub room: RoomName,
    /// The role the token grants.
    pub role: Role,
}

impl JoinTicket {
    /// The access token itself, to hand to the participant's client and nowhere else.
    pub fn token(&self) -> &str {
        self.token.expose_secret()
    }
}

impl fmt::Debug for JoinTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinTicket")
            .field("token", &"[REDACTED]")
            .field("url", &self.url)
            .field("expires_at", &self.expires_at)
            .field("identity", &self.identity)
            .field("room", &self.room)
            .field("role", &self.role)
            .finish()
    }
}

/// Why a provider could not issue a [`JoinTicket`].
///
/// The messages are safe to show to a caller; the `source` chain holds the details, for the log
/// only, and never contains a secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider cannot serve requests right now (misconfigured credentials, an upstream
    /// service down). Retrying later may succeed.
    #[error("the {provider} video provider is unavailable")]
    Unavailable {
        /// The provider's name, e.g. `livekit`.
        provider: &'static str,
        /// What went wrong, for the log.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The provider cannot serve this request as asked, whatever the moment: a limit of the
    /// vendor's that our names allow past (e.g. an identity longer than its user id holds). The
    /// caller must change the request; retrying it unchanged will not succeed.
    #[error("the {provider} video provider cannot serve this request: {reason}")]
    Refused {
        /// The provider's name, e.g. `daily`.
        provider: &'static str,
        /// Which limit the request exceeds, safe to show to the caller (it names the limit, never
        /// a secret), e.g. `the identity has 40 characters; Daily's user_id holds at most 36`.
        reason: String,
    },
    /// The provider failed in a way retrying will not fix: a bug, or an invariant broken.
    #[error("the {provider} video provider failed")]
    Internal {
        /// The provider's name, e.g. `livekit`.
        provider: &'static str,
        /// What went wrong, for the log.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

/// A video provider: turns "this participant may join this room in this role" into a ticket.
///
/// Implementations must be cheap to share (`Send + Sync`, held as `Arc<dyn VideoProvider>`)
/// and must never log or expose secrets or issued tokens.
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, SystemTime};
/// use video_core::{BoxFuture, JoinRequest, JoinTicket, ProviderError, VideoProvider};
///
/// /// A provider for tests: every ticket carries a fixed token.
/// struct Fixed;
///
/// impl VideoProvider for Fixed {
///     fn name(&self) -> &'static str {
///         "fixed"
///     }
///
///     fn join<'a>(&'a self, request: &'a JoinRequest) -> BoxFuture<'a, Result<JoinTicket, ProviderError>> {
///         Box::pin(async move {
///             Ok(JoinTicket {
///                 token: "not-a-real-token".into(),
///                 url: "wss://video.example.edu".to_owned(),
///                 expires_at: SystemTime::now() + Duration::from_secs(60),
///                 identity: request.identity().clone(),
///                 room: request.room().clone(),
///                 role: request.role(),
///             })
///         })
///     }
///
///     fn check_ready(&self) -> BoxFuture<'_, Result<(), ProviderError>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// let provider: Arc<dyn VideoProvider> = Arc::new(Fixed);
/// assert_eq!(provider.name(), "fixed");
/// ```
pub trait VideoProvider: Send + Sync {
    /// The provider's configuration name, as in `VIDEO_PROVIDER` (e.g. `livekit`).
    fn name(&self) -> &'static str;

    /// Issues a ticket that lets the requested participant join the requested room with the
    /// permissions of the requested role.
    fn join<'a>(
        &'a self,
        request: &'a JoinRequest,
    ) -> BoxFuture<'a, Result<JoinTicket, ProviderError>>;

    /// Checks that the provider can serve [`join`](Self::join) now (configured, able to sign),
    /// for readiness probes.
    fn check_ready(&self) -> BoxFuture<'_, Result<(), ProviderError>>;
}

/// A provider's settings, read by its own crate: everything the server needs to build the
/// provider, show its configuration and warn about it, without knowing which provider it is.
///
/// The server keeps one as `Arc<dyn ProviderSettings>`; adding a provider is its crate, which
/// implements this trait and [`VideoProvider`], plus one entry in the server's provider table.
pub trait ProviderSettings: fmt::Debug + Send + Sync {
    /// The provider's configuration name, as in `VIDEO_PROVIDER` (e.g. `livekit`).
    fn name(&self) -> &'static str;

    /// The provider these settings describe.
    fn build(&self) -> Arc<dyn VideoProvider>;

    /// The same settings, with issued tokens valid for `ttl` (an admin's one-off override).
    fn with_token_ttl(&self, ttl: Duration) -> Result<Arc<dyn ProviderSettings>, ConfigError>;

    /// The effective settings of the provider's own variables as `NAME=value` lines, secrets
    /// redacted (for `check-config`, which says itself which providers are enabled).
    fn describe(&self) -> Vec<String>;

    /// Warnings for the startup log: development fallbacks and risky choices under `app_env`.
    fn warnings(&self, app_env: AppEnv) -> Vec<String>;

    /// The receiver of the provider's signed room and participant notifications (webhooks),
    /// when it sends any; `None` (the default) for a provider that does not.
    fn session_events(&self) -> Option<Arc<dyn SessionEventReceiver>> {
        None
    }

    /// The provider's [room administration](crate::rooms), when it has one; `None` (the
    /// default) for a provider that only issues tickets.
    fn room_admin(&self) -> Option<Arc<dyn RoomAdmin>> {
        None
    }

    /// The same settings, keeping the provider's per-room records (e.g. Google Meet's meeting
    /// space of each room) in `records`, a store its host shares between restarts and replicas,
    /// instead of in this process's memory; `None` (the default) for a provider that keeps no
    /// records, whose settings then stay as they are.
    fn with_room_records(
        &self,
        _records: Arc<dyn RoomRecords>,
    ) -> Option<Arc<dyn ProviderSettings>> {
        None
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn ticket_debug_hides_the_token() {
        let ticket = JoinTicket {
            token: "eyJhbGciOiJIUzI1NiJ9.secret-payload.sig".into(),
            url: "ws://localhost:7880".into(),
            expires_at: SystemTime::UNIX_EPOCH + Duration::from_secs(60),
            identity: ParticipantIdentity::parse("alice").unwrap(),
            room: RoomName::parse("demo").unwrap(),
            role: Role::Viewer,
        };
        let debug = format!("{ticket:?}");
        assert!(!debug.contains("secret-payload"), "{debug}");
        assert!(
            debug.contains("[REDACTED]") && debug.contains("alice"),
            "{debug}"
        );
        assert_eq!(ticket.token(), "eyJhbGciOiJIUzI1NiJ9.secret-payload.sig");
    }

    #[test]
    fn request_accessors() {
        let request = JoinRequest::new(
            RoomName::parse("r").unwrap(),
            ParticipantIdentity::parse("u").unwrap(),
            Role::Host,
        );
        assert_eq!(request.display_name(), None);
        let request = request.with_display_name(DisplayName::parse("Ada").unwrap());
        assert_eq!(request.display_name().map(DisplayName::as_str), Some("Ada"));
        assert_eq!(
            (request.room().as_str(), request.identity().as_str()),
            ("r", "u")
        );
        assert_eq!(request.role(), Role::Host);
    }

    #[test]
    fn provider_errors_say_which_provider_and_keep_the_cause() {
        let error = ProviderError::Unavailable {
            provider: "livekit",
            source: "credentials refused".into(),
        };
        assert_eq!(
            error.to_string(),
            "the livekit video provider is unavailable"
        );
        assert_eq!(
            StdError::source(&error).map(ToString::to_string).as_deref(),
            Some("credentials refused")
        );
        let error = ProviderError::Internal {
            provider: "livekit",
            source: "bug".into(),
        };
        assert_eq!(error.to_string(), "the livekit video provider failed");
        let error = ProviderError::Refused {
            provider: "daily",
            reason: "the identity is too long".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "the daily video provider cannot serve this request: the identity is too long"
        );
        assert!(StdError::source(&error).is_none());
    }
}
