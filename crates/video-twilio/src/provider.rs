use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use video_core::{BoxFuture, JoinRequest, JoinTicket, ProviderError, VideoProvider};

use crate::TwilioSettings;
use crate::claims::{
    AccessTokenClaims, CONTENT_TYPE, MAX_IDENTITY_LENGTH, access_token_claims, identity_length,
};

pub(crate) const PROVIDER: &str = "twilio";
/// Room and identity of the readiness probe token.
const PROBE: &str = "openconnect-readiness-probe";

/// Why Twilio could not mint or check a token. Never contains the secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// `jsonwebtoken` refused to sign the token.
    #[error("could not sign a Twilio access token")]
    Signing(#[source] jsonwebtoken::errors::Error),
    /// A freshly signed token did not verify with the same secret.
    #[error("a freshly signed Twilio access token did not verify")]
    SelfCheck(#[source] jsonwebtoken::errors::Error),
    /// The identity is longer than Twilio Video accepts.
    #[error(
        "the participant identity counts {length} characters as Twilio counts them (any non-ASCII \
         character as two); Twilio accepts at most {max}",
        max = MAX_IDENTITY_LENGTH
    )]
    IdentityTooLong {
        /// The identity's length as Twilio counts it ([`identity_length`]).
        length: usize,
    },
}

impl From<TwilioError> for ProviderError {
    fn from(error: TwilioError) -> Self {
        match error {
            // A secret that cannot verify what it signed is a configuration problem.
            TwilioError::SelfCheck(_) => ProviderError::Unavailable {
                provider: PROVIDER,
                source: Box::new(error),
            },
            // A limit of Twilio's that our names allow past: the caller must use a shorter one.
            TwilioError::IdentityTooLong { .. } => ProviderError::Refused {
                provider: PROVIDER,
                reason: error.to_string(),
            },
            TwilioError::Signing(_) => ProviderError::Internal {
                provider: PROVIDER,
                source: Box::new(error),
            },
        }
    }
}

/// The Twilio Video [`VideoProvider`]: signs access tokens with a video grant, with the
/// configured API key.
///
/// A ticket's `url` is empty: Twilio's Video SDKs connect with the token alone (the room is in
/// its grant).
#[derive(Debug, Clone)]
pub struct TwilioProvider {
    settings: TwilioSettings,
}

impl TwilioProvider {
    /// A provider for the given account and API key.
    pub fn new(settings: TwilioSettings) -> Self {
        Self { settings }
    }

    /// The account and key this provider signs for.
    pub fn settings(&self) -> &TwilioSettings {
        &self.settings
    }

    /// Mints a ticket for `request` now: an access token (header `cty` = `twilio-fpa;v=1`)
    /// whose [claims](crate::claims) name the request's identity and room, `iat` = `nbf` = now
    /// and `exp` = `nbf` + the configured lifetime. The role is not in the token: Twilio's video
    /// grant has no permissions (see [`claims`](crate::claims)).
    ///
    /// Refuses an identity longer than Twilio accepts ([`MAX_IDENTITY_LENGTH`]) rather than
    /// issuing a token Twilio would turn away.
    pub fn mint(&self, request: &JoinRequest) -> Result<JoinTicket, TwilioError> {
        let length = identity_length(request.identity().as_str());
        if length > MAX_IDENTITY_LENGTH {
            return Err(TwilioError::IdentityTooLong { length });
        }
        let claims = self.claims(
            request.identity().as_str(),
            request.room().as_str(),
            self.settings.token_ttl(),
        );
        let token = self.sign(&claims)?;
        Ok(JoinTicket {
            token: token.into(),
            url: String::new(),
            expires_at: UNIX_EPOCH + Duration::from_secs(claims.exp),
            identity: request.identity().clone(),
            room: request.room().clone(),
            role: request.role(),
        })
    }

    fn claims(&self, identity: &str, room: &str, ttl: Duration) -> AccessTokenClaims {
        let settings = &self.settings;
        access_token_claims(
            settings.account_sid(),
            settings.api_key_sid(),
            identity,
            room,
            unix_seconds(),
            ttl.as_secs(),
        )
    }

    fn sign(&self, claims: &AccessTokenClaims) -> Result<String, TwilioError> {
        let mut header = Header::new(Algorithm::HS256);
        header.cty = Some(CONTENT_TYPE.to_owned());
        let secret = self.settings.api_key_secret().expose_secret();
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .map_err(TwilioError::Signing)
    }

    /// Signs a probe token (for a room and identity no one uses, valid for a minute) and
    /// verifies it with the same secret: proves the provider can serve [`mint`](Self::mint).
    pub fn self_check(&self) -> Result<(), TwilioError> {
        let claims = self.claims(PROBE, PROBE, Duration::from_secs(60));
        let token = self.sign(&claims)?;
        let secret = self.settings.api_key_secret().expose_secret();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        validation.set_issuer(&[self.settings.api_key_sid()]);
        validation.validate_nbf = true;
        let key = DecodingKey::from_secret(secret.as_bytes());
        jsonwebtoken::decode::<AccessTokenClaims>(&token, &key, &validation)
            .map(drop)
            .map_err(TwilioError::SelfCheck)
    }
}

impl VideoProvider for TwilioProvider {
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
    use jsonwebtoken::errors::ErrorKind;

    use super::*;

    #[test]
    fn identities_longer_than_twilio_accepts_are_refused() {
        use video_core::{ParticipantIdentity, Role, RoomName};
        let settings = TwilioSettings::new(
            "AC0123456789abcdef0123456789abcdef",
            "SK0123456789abcdef0123456789abcdef",
            "Zq8h3Lm2Pv7Xw1Rt6Ys4Uk9Jd5Fg0Hb3".into(),
        )
        .unwrap();
        let provider = TwilioProvider::new(settings);
        let request = |identity: &str| {
            JoinRequest::new(
                RoomName::parse("r").unwrap(),
                ParticipantIdentity::parse(identity).unwrap(),
                Role::Participant,
            )
        };
        assert!(provider.mint(&request(&"a".repeat(128))).is_ok());
        assert!(provider.mint(&request(&"é".repeat(64))).is_ok());
        let error = provider.mint(&request(&"é".repeat(65))).unwrap_err();
        assert!(matches!(
            error,
            TwilioError::IdentityTooLong { length: 130 }
        ));
        assert_eq!(
            error.to_string(),
            "the participant identity counts 130 characters as Twilio counts them (any non-ASCII \
             character as two); Twilio accepts at most 128"
        );
        assert!(matches!(
            provider.mint(&request(&"a".repeat(129))),
            Err(TwilioError::IdentityTooLong { length: 129 })
        ));
        // The caller's to fix, and the reason is theirs to read.
        let provider_error = ProviderError::from(error);
        assert!(matches!(
            provider_error,
            ProviderError::Refused {
                provider: "twilio",
                ..
            }
        ));
        assert!(
            provider_error
                .to_string()
                .ends_with("Twilio accepts at most 128"),
            "{provider_error}"
        );
    }

    #[test]
    fn errors_map_to_provider_errors_without_secrets() {
        let self_check: ProviderError =
            TwilioError::SelfCheck(ErrorKind::InvalidSignature.into()).into();
        assert!(matches!(
            self_check,
            ProviderError::Unavailable {
                provider: "twilio",
                ..
            }
        ));
        let signing: ProviderError =
            TwilioError::Signing(ErrorKind::InvalidKeyFormat.into()).into();
        assert!(matches!(
            signing,
            ProviderError::Internal {
                provider: "twilio",
                ..
            }
        ));
        assert_eq!(
            TwilioError::SelfCheck(ErrorKind::InvalidSignature.into()).to_string(),
            "a freshly signed Twilio access token did not verify"
        );
    }
}
