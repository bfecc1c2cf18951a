use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_api::access_token::{AccessToken, AccessTokenError, TokenVerifier, VideoGrants};
use secrecy::ExposeSecret;
use video_core::{
    BoxFuture, DisplayName, JoinRequest, JoinTicket, ProviderError, Role, VideoProvider,
};

use crate::LiveKitSettings;
use crate::webhooks::{ISSUED_AT_ATTRIBUTE, ROLE_ATTRIBUTE};

pub(crate) const PROVIDER: &str = "livekit";
/// Room and identity of the readiness probe token.
const PROBE: &str = "openconnect-readiness-probe";

/// Why LiveKit could not mint or check a token. Never contains the secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum LiveKitError {
    /// `livekit-api` refused to sign the token.
    #[error("could not sign a LiveKit access token")]
    Signing(#[source] AccessTokenError),
    /// A freshly signed token did not verify with the same key and secret.
    #[error("a freshly signed LiveKit access token did not verify")]
    SelfCheck(#[source] AccessTokenError),
}

impl From<LiveKitError> for ProviderError {
    fn from(error: LiveKitError) -> Self {
        match error {
            // Keys that cannot sign are a configuration problem: unavailable until fixed.
            LiveKitError::Signing(AccessTokenError::InvalidKeys) | LiveKitError::SelfCheck(_) => {
                ProviderError::Unavailable {
                    provider: PROVIDER,
                    source: Box::new(error),
                }
            }
            LiveKitError::Signing(_) => ProviderError::Internal {
                provider: PROVIDER,
                source: Box::new(error),
            },
        }
    }
}

/// The LiveKit [`VideoProvider`]: signs access tokens with the configured API key and secret.
#[derive(Debug, Clone)]
pub struct LiveKitProvider {
    settings: LiveKitSettings,
}

impl LiveKitProvider {
    /// A provider for the given deployment.
    pub fn new(settings: LiveKitSettings) -> Self {
        Self { settings }
    }

    /// The deployment this provider signs for.
    pub fn settings(&self) -> &LiveKitSettings {
        &self.settings
    }

    /// Mints a ticket for `request` now: an HS256 token with `iss` = API key, `sub` = identity,
    /// `name` = display name (if any), the [grants](crate::grants) of the requested role for
    /// the requested room, the role itself as the participant attribute
    /// [`ROLE_ATTRIBUTE`](crate::webhooks::ROLE_ATTRIBUTE) and the signing time (Unix ms) as
    /// [`ISSUED_AT_ATTRIBUTE`](crate::webhooks::ISSUED_AT_ATTRIBUTE) (so LiveKit's webhooks
    /// report them),
    /// `nbf` = now and `exp` = `nbf` + the configured lifetime, exactly.
    pub fn mint(&self, request: &JoinRequest) -> Result<JoinTicket, LiveKitError> {
        let ttl = self.settings.token_ttl();
        let identity = request.identity().as_str();
        let name = request.display_name().map(DisplayName::as_str);
        let policy = self.settings.grant_policy();
        let mut sign = || {
            self.sign(
                identity,
                name,
                Some(request.role()),
                policy.grants(request.role(), request.room()),
            )
        };
        let (token, not_before) = mint_within_one_second(&mut unix_seconds, &mut sign)?;
        Ok(JoinTicket {
            token: token.into(),
            url: self.settings.url().to_owned(),
            expires_at: UNIX_EPOCH + Duration::from_secs(not_before) + ttl,
            identity: request.identity().clone(),
            room: request.room().clone(),
            role: request.role(),
        })
    }

    fn sign(
        &self,
        identity: &str,
        name: Option<&str>,
        role: Option<Role>,
        grants: VideoGrants,
    ) -> Result<String, LiveKitError> {
        let settings = &self.settings;
        let mut token =
            AccessToken::with_api_key(settings.api_key(), settings.api_secret().expose_secret())
                .with_identity(identity)
                .with_ttl(settings.token_ttl())
                .with_grants(grants);
        if let Some(role) = role {
            // Read back from LiveKit's webhooks, which report a participant's attributes.
            let issued_at = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
                .to_string();
            token = token.with_attributes([
                (ROLE_ATTRIBUTE, role.as_str()),
                (ISSUED_AT_ATTRIBUTE, issued_at.as_str()),
            ]);
        }
        if let Some(name) = name {
            token = token.with_name(name);
        }
        token.to_jwt().map_err(LiveKitError::Signing)
    }

    /// Signs a probe token (for a room and identity no one uses, with no permission but to
    /// join) and verifies it with the same key and secret: proves the provider can serve
    /// [`mint`](Self::mint).
    pub fn self_check(&self) -> Result<(), LiveKitError> {
        let grants = VideoGrants {
            room_join: true,
            room: PROBE.to_owned(),
            can_subscribe: Some(false),
            can_publish: Some(false),
            can_publish_data: Some(false),
            ..VideoGrants::default()
        };
        let token = self.sign(PROBE, None, None, grants)?;
        let settings = &self.settings;
        TokenVerifier::with_api_key(settings.api_key(), settings.api_secret().expose_secret())
            .verify(&token)
            .map(drop)
            .map_err(LiveKitError::SelfCheck)
    }
}

impl VideoProvider for LiveKitProvider {
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

/// `livekit-api` reads the clock twice (for `nbf`, then for `exp`); if a second boundary falls
/// between the two reads, `exp - nbf` would be the lifetime plus one second. Signing takes
/// microseconds, so reading the clock around it and signing again when the second changed makes
/// `exp - nbf` exact. Returns the token and its `nbf`.
fn mint_within_one_second(
    now: &mut dyn FnMut() -> u64,
    sign: &mut dyn FnMut() -> Result<String, LiveKitError>,
) -> Result<(String, u64), LiveKitError> {
    const ATTEMPTS: usize = 3;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let before = now();
        let token = sign()?;
        let after = now();
        // After the last attempt, `before` is still a safe `nbf`: the token's real `nbf` and
        // `exp` are the same or one second later, so the reported expiry is never too late.
        if before == after || attempt == ATTEMPTS {
            return Ok((token, before));
        }
    }
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
