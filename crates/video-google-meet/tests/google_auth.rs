//! Our token request against the one Google's own auth library sends (`google-auth` from PyPI:
//! `google.oauth2.service_account.Credentials` for the same key file, scope and subject): the same
//! content type, form fields and grant type; an assertion with the same header and the same
//! claims with the same values except the times. And our assertion verified by a verifier we did
//! not write (`google.auth.jwt.decode`: RS256 signature with the public key, `iat`, `exp`, `aud`),
//! and refused with another key or another audience.
//!
//! The libraries are installed, pinned, into a venv under `target/` (`CARGO_TARGET_TMPDIR`) on the
//! first run. Without `python3` or PyPI the test is skipped with a message, except under CI
//! (`CI` set), where it fails: there, the check must run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../tests/support/python_helper.rs"]
mod python_helper;

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::{CLIENT_EMAIL, PRIVATE_KEY_ID, StandIn, USER};
use video_core::{JoinRequest, ParticipantIdentity, Role, RoomName, VideoProvider};
use video_google_meet::{MEET_SCOPE, TOKEN_AUDIENCE};

/// Google's auth library and the crypto library it verifies RS256 with, pinned so the comparison
/// is repeatable.
const PACKAGES: [&str; 2] = ["google-auth==2.63.0", "cryptography==50.0.2"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_token_request_matches_the_one_googles_auth_library_sends() {
    let Some(python) = helper_python() else {
        return;
    };
    // Our request, as the token endpoint receives it.
    let stand_in = StandIn::start();
    let provider = support::provider(&stand_in);
    let request = JoinRequest::new(
        RoomName::parse("physics-101").unwrap(),
        ParticipantIdentity::parse("student-42").unwrap(),
        Role::Participant,
    );
    provider.join(&request).await.unwrap();
    let ours = stand_in.token_requests().remove(0);

    let report = run_helper(
        &python,
        &json!({
            "key_info": support::key_json(support::test_key(), &stand_in.token_uri()),
            "public_pem": support::test_key().public_pem,
            "other_public_pem": support::other_key().public_pem,
            "scope": MEET_SCOPE,
            "subject": USER,
            "audience": TOKEN_AUDIENCE,
            "ours": {"content_type": ours.content_type, "form": ours.form},
        }),
    );
    let helper = &report["helper"];
    let versions = &report["versions"];

    // The same request: one POST to the key file's token_uri, form-encoded, the same fields.
    assert_eq!(helper["token_calls"], 1, "{versions}");
    assert_eq!(helper["method"], "POST");
    assert_eq!(helper["url"], stand_in.token_uri());
    assert_eq!(
        helper["content_type"],
        ours.content_type.as_str(),
        "{versions}"
    );
    assert_eq!(
        helper["fields"],
        json!(ours.form.keys().collect::<Vec<_>>())
    );
    assert_eq!(helper["grant_type"], ours.form["grant_type"].as_str());

    // The same header, field for field (RS256, JWT, the key's id).
    assert_eq!(
        report["ours_header"], helper["header"],
        "header ({versions})"
    );
    assert_eq!(
        helper["header"],
        json!({"typ": "JWT", "alg": "RS256", "kid": PRIVATE_KEY_ID})
    );

    // The same claims with the same values, except the times.
    let ours = &report["ours_claims"];
    assert_eq!(
        python_helper::keys(ours),
        python_helper::keys(&helper["claims"]),
        "claim names ({versions})"
    );
    for claim in ["iss", "sub", "scope", "aud"] {
        assert_eq!(ours[claim], helper["claims"][claim], "{claim} ({versions})");
    }
    assert_eq!(
        (&ours["iss"], &ours["sub"], &ours["scope"], &ours["aud"]),
        (
            &json!(CLIENT_EMAIL),
            &json!(USER),
            &json!(MEET_SCOPE),
            &json!(TOKEN_AUDIENCE)
        )
    );
    for claims in [ours, &helper["claims"]] {
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap(),
            claims["exp"].as_u64().unwrap(),
        );
        assert_eq!(exp - iat, 3600, "lifetime of {claims}");
    }
    let apart = ours["iat"]
        .as_u64()
        .unwrap()
        .abs_diff(helper["claims"]["iat"].as_u64().unwrap());
    assert!(apart <= 30, "signed {apart} s apart");

    // Verified by google-auth; refused with another key, or for another audience.
    assert_eq!(
        report["ours_other_key"], "MalformedError: Could not verify token signature.",
        "{versions}"
    );
    let other_audience = report["ours_other_audience"].as_str().unwrap();
    assert!(
        other_audience.starts_with("InvalidValue: Token has wrong audience"),
        "{other_audience} ({versions})"
    );
}

fn run_helper(python: &Path, input: &Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/google_auth.py");
    python_helper::run_script(python, &script, input)
}

/// The venv's Python, with the pinned packages installed; `None` when they cannot be (not CI).
fn helper_python() -> Option<PathBuf> {
    python_helper::venv_python(
        env!("CARGO_TARGET_TMPDIR"),
        "google-auth-venv",
        &PACKAGES,
        "Google's auth library",
    )
}
