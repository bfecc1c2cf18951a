//! The access-token contract: the header and claims (insta snapshots, times redacted), the same
//! token for every role, and tokens that verify with the API key's secret and with no other
//! (checked by `jsonwebtoken`'s verifier, not by our code). The comparison with Twilio's own
//! helper library is in `twilio_helper.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use video_core::config::{AppEnv, Environment};
use video_core::{
    DisplayName, JoinRequest, ParticipantIdentity, ProviderSettings, Role, RoomName, VideoProvider,
};
use video_twilio::claims::AccessTokenClaims;
use video_twilio::{TwilioProvider, TwilioSettings};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const API_KEY_SID: &str = "SKfedcba9876543210fedcba9876543210";
const SECRET: &str = "Zq8h3Lm2Pv7Xw1Rt6Ys4Uk9Jd5Fg0Hb3";
const WRONG_SECRET: &str = "Zq8h3Lm2Pv7Xw1Rt6Ys4Uk9Jd5Fg0Hb4";

fn provider(ttl: Duration) -> TwilioProvider {
    let settings = TwilioSettings::new(ACCOUNT_SID, API_KEY_SID, SECRET.into())
        .unwrap()
        .with_token_ttl(ttl)
        .unwrap();
    TwilioProvider::new(settings)
}

fn request(role: Role) -> JoinRequest {
    JoinRequest::new(
        RoomName::parse("physics-101").unwrap(),
        ParticipantIdentity::parse("student-42").unwrap(),
        role,
    )
}

/// Checked by `jsonwebtoken`: HS256 signature, `exp`, `nbf` and the issuer.
fn verify(token: &str, secret: &str) -> Result<AccessTokenClaims, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
    validation.set_issuer(&[API_KEY_SID]);
    validation.validate_nbf = true;
    jsonwebtoken::decode(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
}

/// One of the token's parts, decoded without checking anything.
fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn tokens_verify_with_the_secret_and_hold_the_request() {
    let ttl = Duration::from_secs(900);
    for role in Role::ALL {
        let ticket = provider(ttl).mint(&request(role)).unwrap();
        let claims = verify(ticket.token(), SECRET).unwrap();
        assert_eq!(
            (claims.iss.as_str(), claims.sub.as_str()),
            (API_KEY_SID, ACCOUNT_SID)
        );
        assert_eq!(
            (
                claims.grants.identity.as_str(),
                claims.grants.video.room.as_str()
            ),
            ("student-42", "physics-101")
        );
        assert_eq!(claims.jti, format!("{API_KEY_SID}-{}", claims.iat));
        assert_eq!(claims.iat, claims.nbf);
        assert_eq!(claims.exp - claims.nbf, ttl.as_secs(), "{role}");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(claims.nbf.abs_diff(now) <= 2, "nbf is now");
        assert_eq!(
            ticket.expires_at,
            UNIX_EPOCH + Duration::from_secs(claims.exp)
        );
        assert_eq!(
            (
                ticket.url.as_str(),
                ticket.identity.as_str(),
                ticket.room.as_str(),
                ticket.role
            ),
            ("", "student-42", "physics-101", role)
        );
    }
}

#[test]
fn tokens_do_not_verify_with_another_secret_or_once_changed() {
    let ticket = provider(Duration::from_secs(60))
        .mint(&request(Role::Viewer))
        .unwrap();
    let error = verify(ticket.token(), WRONG_SECRET).unwrap_err();
    assert_eq!(
        error.kind(),
        &jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
    let mut claims = decode_part(ticket.token(), 1);
    claims["grants"]["video"]["room"] = Value::String("another-room".into());
    let parts: Vec<&str> = ticket.token().split('.').collect();
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&claims).unwrap());
    let forged = format!("{}.{body}.{}", parts[0], parts[2]);
    assert!(verify(&forged, SECRET).is_err());
}

/// The header and claims Twilio receives; `iat`, `nbf`, `exp` and the time in `jti` redacted.
/// Every role gets this token: Twilio's video grant has no permissions to write the role into.
#[test]
fn access_token_header_and_claims() {
    let tokens: Vec<String> = Role::ALL
        .into_iter()
        .map(|role| {
            let request = request(role).with_display_name(DisplayName::parse("Ada L.").unwrap());
            let ticket = provider(Duration::from_secs(900)).mint(&request).unwrap();
            ticket.token().to_owned()
        })
        .collect();
    let token = &tokens[0];
    insta::assert_json_snapshot!("access_token_header", decode_part(token, 0));
    let redactions = |claims: Value| {
        let mut claims = claims;
        let jti = claims["jti"].as_str().unwrap().to_owned();
        assert!(jti.starts_with(&format!("{API_KEY_SID}-")), "{jti}");
        claims["jti"] = Value::String(format!("{API_KEY_SID}-[iat]"));
        for time in ["iat", "nbf", "exp"] {
            claims[time] = Value::String(format!("[{time}]"));
        }
        claims
    };
    let claims: Vec<Value> = tokens
        .iter()
        .map(|token| redactions(decode_part(token, 1)))
        .collect();
    assert!(
        claims.iter().all(|c| *c == claims[0]),
        "every role's claims are the same: {claims:?}"
    );
    insta::assert_json_snapshot!("access_token_claims", claims[0]);
}

#[test]
fn works_as_a_shared_dyn_provider_built_from_the_environment() {
    let env = Environment::from_pairs([
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID),
        ("TWILIO_API_KEY_SID", API_KEY_SID),
        ("TWILIO_API_KEY_SECRET", SECRET),
    ]);
    let settings: Arc<dyn ProviderSettings> =
        Arc::new(TwilioSettings::from_env(&env, AppEnv::Production).unwrap());
    let provider: Arc<dyn VideoProvider> = settings.build();
    assert_eq!(provider.name(), "twilio");
    let ticket = block_on(provider.join(&request(Role::Host))).unwrap();
    assert_eq!(
        verify(ticket.token(), SECRET).unwrap().grants.identity,
        "student-42"
    );
    block_on(provider.check_ready()).unwrap();
    let debug = format!(
        "{settings:?} {ticket:?} {provider:?}",
        provider = provider_debug()
    );
    assert!(
        !debug.contains(SECRET) && !debug.contains(ticket.token()),
        "{debug}"
    );
}

fn provider_debug() -> TwilioProvider {
    provider(Duration::from_secs(60))
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
