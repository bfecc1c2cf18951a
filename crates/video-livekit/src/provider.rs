use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_api::access_token::{AccessToken, AccessTokenError, TokenVerifier};
use secrecy::ExposeSecret;
use video_core::{
    BoxFuture, JoinRequest, JoinTicket, ParticipantIdentity, ProviderError, Role, RoomName,
    VideoProvider,
};

use crate::LiveKitSettings;
use crate::grants::video_grants;

const PROVIDER: &str = "livekit";

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
    /// the requested room, `nbf` = now and `exp` = `nbf` + the configured lifetime, exactly.
    pub fn mint(&self, request: &JoinRequest) -> Result<JoinTicket, LiveKitError> {
        let ttl = self.settings.token_ttl();
        let (token, not_before) = mint_within_one_second(unix_seconds, || self.sign(request, ttl))?;
        Ok(JoinTicket {
            token: token.into(),
            url: self.settings.url().to_owned(),
            expires_at: UNIX_EPOCH + Duration::from_secs(not_before) + ttl,
            identity: request.identity().clone(),
            room: request.room().clone(),
            role: request.role(),
        })
    }

    fn sign(&self, request: &JoinRequest, ttl: Duration) -> Result<String, LiveKitError> {
        let settings = &self.settings;
        let mut token =
            AccessToken::with_api_key(settings.api_key(), settings.api_secret().expose_secret())
                .with_identity(request.identity().as_str())
                .with_ttl(ttl)
                .with_grants(video_grants(request.role(), request.room()));
        if let Some(name) = request.display_name() {
            token = token.with_name(name.as_str());
        }
        token.to_jwt().map_err(LiveKitError::Signing)
    }

    /// Signs a probe token and verifies it with the same key and secret: proves the provider
    /// can serve [`mint`](Self::mint).
    pub fn self_check(&self) -> Result<(), LiveKitError> {
        let probe = JoinRequest::new(probe_room(), probe_identity(), Role::Viewer);
        let ticket = self.mint(&probe)?;
        let settings = &self.settings;
        TokenVerifier::with_api_key(settings.api_key(), settings.api_secret().expose_secret())
            .verify(ticket.token())
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

fn probe_room() -> RoomName {
    RoomName::parse("openconnect-readiness-probe").unwrap_or_else(|_| unreachable!())
}

fn probe_identity() -> ParticipantIdentity {
    ParticipantIdentity::parse("openconnect-readiness-probe").unwrap_or_else(|_| unreachable!())
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
fn mint_within_one_second<E>(
    mut now: impl FnMut() -> u64,
    mut sign: impl FnMut() -> Result<String, E>,
) -> Result<(String, u64), E> {
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
mod tests {
    use std::cell::Cell;

    use livekit_api::access_token::Claims;
    use secrecy::SecretString;
    use video_core::DisplayName;

    use super::*;

    const KEY: &str = "APItestkey";
    const SECRET: &str = "test-secret-0123456789abcdef-0123456789";

    fn provider(ttl: Duration) -> LiveKitProvider {
        let settings = LiveKitSettings::new("wss://video.example.edu", KEY, SECRET.into())
            .unwrap()
            .with_token_ttl(ttl)
            .unwrap();
        LiveKitProvider::new(settings)
    }

    fn request(role: Role) -> JoinRequest {
        JoinRequest::new(
            RoomName::parse("physics-101").unwrap(),
            ParticipantIdentity::parse("student-42").unwrap(),
            role,
        )
    }

    /// Verified by livekit-api's own `TokenVerifier` (HS256 signature, issuer, exp, nbf).
    fn verify(token: &str, secret: &str) -> Result<Claims, AccessTokenError> {
        TokenVerifier::with_api_key(KEY, secret).verify(token)
    }

    #[test]
    fn tokens_verify_and_carry_the_request() {
        let ttl = Duration::from_secs(900);
        for role in Role::ALL {
            let ticket = provider(ttl).mint(&request(role)).unwrap();
            let claims = verify(ticket.token(), SECRET).unwrap();
            assert_eq!(claims.iss, KEY);
            assert_eq!(claims.sub, "student-42");
            assert_eq!(claims.name, "");
            assert_eq!(
                claims.video,
                video_grants(role, &RoomName::parse("physics-101").unwrap())
            );
            assert_eq!((claims.exp - claims.nbf) as u64, ttl.as_secs(), "{role}");
            let expires = ticket
                .expires_at
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            assert_eq!(expires, claims.exp as u64, "expires_at matches exp");
            assert_eq!(
                (
                    ticket.url.as_str(),
                    ticket.identity.as_str(),
                    ticket.room.as_str(),
                    ticket.role
                ),
                ("wss://video.example.edu", "student-42", "physics-101", role)
            );
        }
    }

    #[test]
    fn display_name_becomes_the_name_claim() {
        let request = request(Role::Host).with_display_name(DisplayName::parse("Ada L.").unwrap());
        let ticket = provider(Duration::from_secs(60)).mint(&request).unwrap();
        assert_eq!(verify(ticket.token(), SECRET).unwrap().name, "Ada L.");
    }

    #[test]
    fn a_wrong_secret_does_not_verify() {
        let ticket = provider(Duration::from_secs(60))
            .mint(&request(Role::Viewer))
            .unwrap();
        let error = verify(ticket.token(), "another-secret-0123456789abcdef-01234").unwrap_err();
        assert!(matches!(error, AccessTokenError::Encoding(_)), "{error:?}");
    }

    #[test]
    fn self_check_passes_with_a_working_key() {
        provider(Duration::from_secs(60)).self_check().unwrap();
    }

    #[test]
    fn minting_retries_when_the_second_changes_mid_signing() {
        // The clock ticks once during the first attempt, then holds still.
        let clock = Cell::new(0_u64);
        let reads = Cell::new(0);
        let now = || {
            reads.set(reads.get() + 1);
            if reads.get() == 2 {
                clock.set(1);
            }
            clock.get()
        };
        let signs = Cell::new(0);
        let (token, nbf) = mint_within_one_second(now, || {
            signs.set(signs.get() + 1);
            Ok::<_, ()>(format!("token-{}", signs.get()))
        })
        .unwrap();
        assert_eq!((token.as_str(), nbf, signs.get()), ("token-2", 1, 2));
    }

    #[test]
    fn minting_gives_up_retrying_after_three_attempts_with_the_earliest_safe_nbf() {
        let clock = Cell::new(10_u64);
        let now = || {
            clock.set(clock.get() + 1);
            clock.get()
        };
        let (_, nbf) = mint_within_one_second(now, || Ok::<_, ()>(String::new())).unwrap();
        assert_eq!(nbf, 15, "third attempt read the clock at 15 before signing");
        let failed = mint_within_one_second(|| 0, || Err::<String, _>("refused"));
        assert_eq!(failed, Err("refused"));
    }

    #[test]
    fn signing_errors_map_to_provider_errors_without_secrets() {
        let unavailable: ProviderError =
            LiveKitError::Signing(AccessTokenError::InvalidKeys).into();
        assert!(matches!(
            unavailable,
            ProviderError::Unavailable {
                provider: "livekit",
                ..
            }
        ));
        let internal: ProviderError =
            LiveKitError::Signing(AccessTokenError::InvalidClaims("bad")).into();
        assert!(matches!(
            internal,
            ProviderError::Internal {
                provider: "livekit",
                ..
            }
        ));
        let self_check: ProviderError =
            LiveKitError::SelfCheck(AccessTokenError::InvalidKeys).into();
        assert!(matches!(self_check, ProviderError::Unavailable { .. }));
        assert_eq!(
            LiveKitError::SelfCheck(AccessTokenError::InvalidKeys).to_string(),
            "a freshly signed LiveKit access token did not verify"
        );
    }

    #[test]
    fn works_as_a_shared_dyn_provider() {
        let provider: std::sync::Arc<dyn VideoProvider> =
            std::sync::Arc::new(provider(Duration::from_secs(60)));
        assert_eq!(provider.name(), "livekit");
        let ticket = block_on(provider.join(&request(Role::Participant))).unwrap();
        assert_eq!(verify(ticket.token(), SECRET).unwrap().sub, "student-42");
        block_on(provider.check_ready()).unwrap();
        let debug = format!(
            "{provider:?}",
            provider = LiveKitProvider::new(
                LiveKitSettings::new("ws://x", KEY, SecretString::from(SECRET)).unwrap(),
            )
        );
        assert!(!debug.contains(SECRET), "{debug}");
    }

    /// The futures are ready at once (minting is CPU work); poll them without a runtime.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("provider futures complete without waiting"),
        }
    }
}
