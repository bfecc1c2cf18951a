//! Unit tests of the LiveKit provider (kept in their own file so that line coverage
//! measures the provider's code, not its tests).
use std::cell::Cell;

use livekit_api::access_token::Claims;
use secrecy::SecretString;
use video_core::{ParticipantIdentity, Role, RoomName};

use super::*;
use crate::grants::video_grants;

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
    let provider = provider(Duration::from_secs(60));
    assert_eq!(provider.settings().api_key(), KEY);
    provider.self_check().unwrap();
}

#[test]
fn minting_retries_when_the_second_changes_mid_signing() {
    // The clock ticks once during the first attempt, then holds still.
    let clock = Cell::new(0_u64);
    let reads = Cell::new(0);
    let mut now = || {
        reads.set(reads.get() + 1);
        if reads.get() == 2 {
            clock.set(1);
        }
        clock.get()
    };
    let signs = Cell::new(0);
    let (token, nbf) = mint_within_one_second(&mut now, &mut || {
        signs.set(signs.get() + 1);
        Ok(format!("token-{}", signs.get()))
    })
    .unwrap();
    assert_eq!((token.as_str(), nbf, signs.get()), ("token-2", 1, 2));
}

#[test]
fn minting_gives_up_retrying_after_three_attempts_with_the_earliest_safe_nbf() {
    let clock = Cell::new(10_u64);
    let mut now = || {
        clock.set(clock.get() + 1);
        clock.get()
    };
    let (_, nbf) = mint_within_one_second(&mut now, &mut || Ok(String::new())).unwrap();
    assert_eq!(nbf, 15, "third attempt read the clock at 15 before signing");
    let failed = mint_within_one_second(&mut || 0, &mut || {
        Err(LiveKitError::Signing(AccessTokenError::InvalidKeys))
    });
    assert!(matches!(
        failed,
        Err(LiveKitError::Signing(AccessTokenError::InvalidKeys))
    ));
}

#[test]
fn signing_errors_map_to_provider_errors_without_secrets() {
    let unavailable: ProviderError = LiveKitError::Signing(AccessTokenError::InvalidKeys).into();
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
    let self_check: ProviderError = LiveKitError::SelfCheck(AccessTokenError::InvalidKeys).into();
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
    let poll = future.as_mut().poll(&mut cx);
    assert!(poll.is_ready(), "provider futures complete without waiting");
    let std::task::Poll::Ready(output) = poll else {
        unreachable!()
    };
    output
}
