//! The meeting-token contract: what a token holds for each role (insta snapshots, times
//! redacted), that only claims Daily documents are used, and that tokens verify with the
//! domain's API key and with no other (checked by `jsonwebtoken`'s verifier, not by our code).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use video_core::config::{AppEnv, Environment};
use video_core::{
    DisplayName, JoinRequest, ParticipantIdentity, ProviderSettings, Role, RoomName, VideoProvider,
};
use video_daily::claims::MeetingTokenClaims;
use video_daily::{DailyProvider, DailySettings};

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const WRONG_KEY: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const DOMAIN_ID: &str = "30f866c3-9123-452a-8723-ff58322d09c5";

/// Every abbreviation on Daily's "Self-signing tokens" page: `iat` (required there with `r` and
/// `d`), the token properties, then the `permissions` object's.
const DOCUMENTED: &[&str] = &[
    "iat", "nbf", "exp", "d", "r", "ud", "u", "o", "k", "ctoe", "rome", "ij", "sr", "sro", "ast",
    "er", "ss", "vo", "ao", "mjh", "ejt", "eje", "uil", "erui", "p",
];
const DOCUMENTED_PERMISSIONS: &[&str] = &["hp", "cs", "cr"];

fn provider(ttl: Duration) -> DailyProvider {
    let settings = DailySettings::new("openconnect", DOMAIN_ID, KEY.into())
        .unwrap()
        .with_token_ttl(ttl)
        .unwrap();
    DailyProvider::new(settings)
}

fn request(role: Role) -> JoinRequest {
    JoinRequest::new(
        RoomName::parse("physics-101").unwrap(),
        ParticipantIdentity::parse("student-42").unwrap(),
        role,
    )
    .with_display_name(DisplayName::parse("Ada L.").unwrap())
}

/// Checked by `jsonwebtoken`: HS256 signature, `exp` and `nbf`.
fn verify(token: &str, key: &str) -> Result<MeetingTokenClaims, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "nbf"]);
    validation.validate_nbf = true;
    jsonwebtoken::decode(
        token,
        &DecodingKey::from_secret(key.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
}

/// The token's parts, decoded without checking anything (for snapshots and key lists).
fn decode_part(token: &str, index: usize) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(index).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn tokens_verify_with_the_api_key_and_hold_the_request() {
    let ttl = Duration::from_secs(900);
    for role in Role::ALL {
        let ticket = provider(ttl).mint(&request(role)).unwrap();
        let claims = verify(ticket.token(), KEY).unwrap();
        assert_eq!(
            (
                claims.room_name.as_str(),
                claims.domain_id.as_str(),
                claims.user_id.as_str()
            ),
            ("physics-101", DOMAIN_ID, "student-42"),
            "{role}"
        );
        assert_eq!(claims.user_name.as_deref(), Some("Ada L."));
        assert_eq!(claims.exp - claims.nbf, ttl.as_secs(), "{role}");
        assert_eq!(claims.iat, claims.nbf);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(claims.nbf.abs_diff(now) <= 2, "nbf is now");
        assert_eq!(
            ticket.expires_at,
            UNIX_EPOCH + Duration::from_secs(claims.exp),
            "expires_at is exp"
        );
        assert_eq!(ticket.url, "https://openconnect.daily.co/physics-101");
        assert_eq!(
            (ticket.identity.as_str(), ticket.room.as_str(), ticket.role),
            ("student-42", "physics-101", role)
        );
        assert_eq!(claims.is_owner, role == Role::Host, "only a host owns");
    }
}

#[test]
fn tokens_do_not_verify_with_another_key() {
    let ticket = provider(Duration::from_secs(60))
        .mint(&request(Role::Host))
        .unwrap();
    let error = verify(ticket.token(), WRONG_KEY).unwrap_err();
    assert_eq!(
        error.kind(),
        &jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
    // And a token changed after signing does not verify with the right key.
    let mut claims = decode_part(ticket.token(), 1);
    claims["o"] = Value::Bool(true);
    claims["r"] = Value::String("another-room".into());
    let forged = {
        use base64::Engine as _;
        let parts: Vec<&str> = ticket.token().split('.').collect();
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&claims).unwrap());
        format!("{}.{body}.{}", parts[0], parts[2])
    };
    assert!(verify(&forged, KEY).is_err());
}

#[test]
fn the_header_is_a_plain_hs256_jwt() {
    let ticket = provider(Duration::from_secs(60))
        .mint(&request(Role::Viewer))
        .unwrap();
    assert_eq!(
        decode_part(ticket.token(), 0),
        serde_json::json!({"typ": "JWT", "alg": "HS256"})
    );
}

/// The example meeting token on Daily's "Working with Daily meeting tokens" page (signed with a
/// key we do not have): its header is ours, and its claim names are among the documented ones.
#[test]
fn dailys_own_example_token_has_our_header_and_documented_claim_names() {
    const EXAMPLE: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE1NDg3MjE1NjksImV4cCI6MTg2NDA4MTUzOCwiciI6ImhlbGxvIiwibyI6dHJ1ZSwic3MiOnRydWUsImVyIjoibG9jYWwiLCJkIjoiMjVkZjUwNTctZWYwZC00ZDk3LWJkZTYtMGNmMjg3Mjc2Y2JiIiwiaWF0IjoxNTQ4NzIxODMxfQ.mvVciAengBR4xCblhFpo4mKYftQv1skYO4Y6IKr9Zgo";
    let ours = provider(Duration::from_secs(60))
        .mint(&request(Role::Host))
        .unwrap();
    assert_eq!(decode_part(EXAMPLE, 0), decode_part(ours.token(), 0));
    let example = decode_part(EXAMPLE, 1);
    assert_eq!(example["r"], "hello");
    assert_eq!(
        example["o"], true,
        "the example is an owner's token, as a host's"
    );
    for key in example.as_object().unwrap().keys() {
        assert!(DOCUMENTED.contains(&key.as_str()), "{key}");
    }
    // Its signature is not ours to check; ours does not accept it.
    assert!(verify(EXAMPLE, KEY).is_err());
}

#[test]
fn only_claims_daily_documents_are_used() {
    let documented: BTreeSet<&str> = DOCUMENTED.iter().copied().collect();
    let documented_permissions: BTreeSet<&str> = DOCUMENTED_PERMISSIONS.iter().copied().collect();
    for role in Role::ALL {
        let ticket = provider(Duration::from_secs(60))
            .mint(&request(role))
            .unwrap();
        let claims = decode_part(ticket.token(), 1);
        let Value::Object(claims) = claims else {
            panic!("claims are an object")
        };
        for key in claims.keys() {
            assert!(documented.contains(key.as_str()), "{role}: {key}");
        }
        for key in claims["p"].as_object().unwrap().keys() {
            assert!(
                documented_permissions.contains(key.as_str()),
                "{role}: p.{key}"
            );
        }
        assert_eq!(
            claims["p"]["cr"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["b"],
            "{role}: p.cr holds only `b` (base)"
        );
    }
}

/// The claims of each role, as Daily receives them; `iat`, `nbf` and `exp` redacted.
#[test]
fn meeting_token_claims_per_role() {
    for role in Role::ALL {
        let ticket = provider(Duration::from_secs(900))
            .mint(&request(role))
            .unwrap();
        let claims = decode_part(ticket.token(), 1);
        insta::assert_json_snapshot!(format!("claims_{role}"), claims, {
            ".iat" => "[iat]",
            ".nbf" => "[nbf]",
            ".exp" => "[exp]",
        });
    }
}

#[test]
fn a_token_without_display_name_has_no_user_name() {
    let request = JoinRequest::new(
        RoomName::parse("r").unwrap(),
        ParticipantIdentity::parse("u").unwrap(),
        Role::Participant,
    );
    let ticket = provider(Duration::from_secs(60)).mint(&request).unwrap();
    let claims = decode_part(ticket.token(), 1);
    assert!(claims.get("u").is_none(), "{claims}");
    assert_eq!(verify(ticket.token(), KEY).unwrap().user_name, None);
}

#[test]
fn works_as_a_shared_dyn_provider_built_from_the_environment() {
    let env = Environment::from_pairs([
        ("DAILY_API_KEY", KEY),
        ("DAILY_DOMAIN", "openconnect"),
        ("DAILY_DOMAIN_ID", DOMAIN_ID),
    ]);
    let settings: Arc<dyn ProviderSettings> =
        Arc::new(DailySettings::from_env(&env, AppEnv::Production).unwrap());
    let provider: Arc<dyn VideoProvider> = settings.build();
    assert_eq!(provider.name(), "daily");
    let ticket = block_on(provider.join(&request(Role::Participant))).unwrap();
    assert_eq!(verify(ticket.token(), KEY).unwrap().user_id, "student-42");
    block_on(provider.check_ready()).unwrap();
    let debug = format!("{settings:?} {ticket:?}");
    assert!(
        !debug.contains(KEY) && !debug.contains(ticket.token()),
        "{debug}"
    );
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
