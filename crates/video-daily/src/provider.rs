use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use url::Url;
use video_core::{
    BoxFuture, JoinRequest, JoinTicket, ProviderError, Role, RoomName, VideoProvider,
};

use crate::DailySettings;
use crate::claims::{MAX_USER_ID_CHARS, MeetingTokenClaims, claims_for, meeting_token_claims};

pub(crate) const PROVIDER: &str = "daily";
/// Room and identity of the readiness probe token.
const PROBE: &str = "openconnect-readiness-probe";

/// Why Daily could not mint or check a token. Never contains the API key or a token.
#[derive(Debug, thiserror::Error)]
pub enum DailyError {
    /// `jsonwebtoken` refused to sign the token.
    #[error("could not sign a Daily meeting token")]
    Signing(#[source] jsonwebtoken::errors::Error),
    /// A freshly signed token did not verify with the same key.
    #[error("a freshly signed Daily meeting token did not verify")]
    SelfCheck(#[source] jsonwebtoken::errors::Error),
    /// The identity does not fit Daily's `user_id`.
    #[error(
        "the participant identity has {chars} characters; Daily's user_id holds at most {max}",
        max = MAX_USER_ID_CHARS
    )]
    UserIdTooLong {
        /// The identity's length in characters.
        chars: usize,
    },
}

impl From<DailyError> for ProviderError {
    fn from(error: DailyError) -> Self {
        match error {
            // A key that cannot sign or verify is a configuration problem: unavailable until fixed.
            DailyError::SelfCheck(_) => ProviderError::Unavailable {
                provider: PROVIDER,
                source: Box::new(error),
            },
            // A limit of Daily's that our names allow past: the caller must use a shorter one.
            DailyError::UserIdTooLong { .. } => ProviderError::Refused {
                provider: PROVIDER,
                reason: error.to_string(),
            },
            DailyError::Signing(_) => ProviderError::Internal {
                provider: PROVIDER,
                source: Box::new(error),
            },
        }
    }
}

/// The Daily [`VideoProvider`]: self-signs meeting tokens with the domain's API key.
#[derive(Debug, Clone)]
pub struct DailyProvider {
    settings: DailySettings,
}

impl DailyProvider {
    /// A provider for the given Daily domain.
    pub fn new(settings: DailySettings) -> Self {
        Self { settings }
    }

    /// The domain this provider signs for.
    pub fn settings(&self) -> &DailySettings {
        &self.settings
    }

    /// The room's URL: `https://{domain}.daily.co/{room}`, the room name percent-encoded as one
    /// path segment.
    pub fn room_url(&self, room: &RoomName) -> String {
        let base = format!("https://{}.daily.co/", self.settings.domain());
        match Url::parse(&base) {
            Ok(mut url) => {
                if let Ok(mut segments) = url.path_segments_mut() {
                    segments.pop_if_empty().push(room.as_str());
                }
                url.into()
            }
            // Unreachable: the domain is one checked DNS label. Never a wrong room, though.
            Err(_) => format!("{base}{}", room.as_str()),
        }
    }

    /// Mints a ticket for `request` now: an HS256 meeting token signed with the API key, with
    /// the [claims](crate::claims) of the requested role for the requested room, `iat` = `nbf` =
    /// now and `exp` = `nbf` + the configured lifetime, and the room's URL.
    ///
    /// Refuses an identity longer than Daily's `user_id` (36 characters) rather than cutting it:
    /// a cut identity could name someone else.
    pub fn mint(&self, request: &JoinRequest) -> Result<JoinTicket, DailyError> {
        let chars = request.identity().as_str().chars().count();
        if chars > MAX_USER_ID_CHARS {
            return Err(DailyError::UserIdTooLong { chars });
        }
        let now = unix_seconds();
        let ttl = self.settings.token_ttl();
        let claims = meeting_token_claims(request, self.settings.domain_id(), now, ttl.as_secs());
        let token = self.sign(&claims)?;
        Ok(JoinTicket {
            token: token.into(),
            url: self.room_url(request.room()),
            expires_at: UNIX_EPOCH + Duration::from_secs(claims.exp),
            identity: request.identity().clone(),
            room: request.room().clone(),
            role: request.role(),
        })
    }

    fn sign(&self, claims: &MeetingTokenClaims) -> Result<String, DailyError> {
        let key = EncodingKey::from_secret(self.settings.api_key().expose_secret().as_bytes());
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key)
            .map_err(DailyError::Signing)
    }

    /// Signs a probe token (a viewer's, for a room and identity no one uses) and verifies it with
    /// the same key: proves the provider can serve [`mint`](Self::mint).
    pub fn self_check(&self) -> Result<(), DailyError> {
        let (domain_id, now) = (self.settings.domain_id(), unix_seconds());
        let claims = claims_for(PROBE, PROBE, None, Role::Viewer, domain_id, now, 60);
        let token = self.sign(&claims)?;
        let key = DecodingKey::from_secret(self.settings.api_key().expose_secret().as_bytes());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf"]);
        validation.validate_nbf = true;
        jsonwebtoken::decode::<MeetingTokenClaims>(&token, &key, &validation)
            .map(drop)
            .map_err(DailyError::SelfCheck)
    }
}

impl VideoProvider for DailyProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn join<'a>(
        &'a self,
        request: &'a JoinRequest,
    ) -> BoxFuture<'a, Result<JoinTicket, ProviderError>> {
        Box::pin(async move { self.mint(request).map_err(ProviderError::from) })
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), ProviderError>> {
        Box::pin(async move { self.self_check().map_err(ProviderError::from) })
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use video_core::{DisplayName, ParticipantIdentity};

    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const DOMAIN_ID: &str = "30f866c3-9123-452a-8723-ff58322d09c5";

    fn provider() -> DailyProvider {
        DailyProvider::new(DailySettings::new("openconnect", DOMAIN_ID, KEY.into()).unwrap())
    }

    fn request(identity: &str, room: &str) -> JoinRequest {
        JoinRequest::new(
            RoomName::parse(room).unwrap(),
            ParticipantIdentity::parse(identity).unwrap(),
            Role::Participant,
        )
    }

    #[test]
    fn the_room_url_is_on_the_domain_with_the_room_encoded() {
        let provider = provider();
        assert_eq!(
            provider.room_url(&RoomName::parse("physics-101").unwrap()),
            "https://openconnect.daily.co/physics-101"
        );
        assert_eq!(
            provider.room_url(&RoomName::parse("a b/c?d#e").unwrap()),
            "https://openconnect.daily.co/a%20b%2Fc%3Fd%23e"
        );
    }

    #[test]
    fn identities_longer_than_daily_user_ids_are_refused_not_cut() {
        let provider = provider();
        let exactly = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"; // a UUID: 36 characters
        assert!(provider.mint(&request(exactly, "r")).is_ok());
        let error = provider
            .mint(&request(&format!("{exactly}x"), "r"))
            .unwrap_err();
        assert!(matches!(error, DailyError::UserIdTooLong { chars: 37 }));
        assert_eq!(
            error.to_string(),
            "the participant identity has 37 characters; Daily's user_id holds at most 36"
        );
        // Characters, not bytes.
        assert!(provider.mint(&request(&"é".repeat(36), "r")).is_ok());
        // The caller's to fix, and the reason is theirs to read.
        let provider_error = ProviderError::from(error);
        assert_eq!(
            provider_error.to_string(),
            "the daily video provider cannot serve this request: the participant identity has 37 \
             characters; Daily's user_id holds at most 36"
        );
        assert!(matches!(
            provider_error,
            ProviderError::Refused {
                provider: "daily",
                ..
            }
        ));
    }

    #[test]
    fn errors_map_to_provider_errors_without_secrets() {
        let self_check: ProviderError =
            DailyError::SelfCheck(jsonwebtoken::errors::ErrorKind::InvalidSignature.into()).into();
        assert!(matches!(
            self_check,
            ProviderError::Unavailable {
                provider: "daily",
                ..
            }
        ));
        let signing: ProviderError =
            DailyError::Signing(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into()).into();
        assert!(matches!(signing, ProviderError::Internal { .. }));
        assert_eq!(
            DailyError::Signing(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into())
                .to_string(),
            "could not sign a Daily meeting token"
        );
    }

    #[test]
    fn display_name_and_expiry_reach_the_ticket() {
        let provider = provider();
        let request = request("student-42", "physics-101")
            .with_display_name(DisplayName::parse("Ada L.").unwrap());
        let ticket = provider.mint(&request).unwrap();
        let debug = format!("{ticket:?} {provider:?}");
        assert!(
            !debug.contains(ticket.token()) && !debug.contains(KEY),
            "{debug}"
        );
        let left = ticket
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        assert!(left > Duration::from_secs(6 * 3600 - 5), "{left:?}");
        assert_eq!(provider.settings().domain(), "openconnect");
    }
}
