//! Our access tokens against the ones Twilio's official helper library mints for the same
//! inputs (`twilio` from PyPI: `AccessToken` with a `VideoGrant`): the same header, the same
//! claims with the same values except the times; and ours verified by verifiers we did not write
//! (PyJWT, and the helper library's own decoder), and refused with another secret.
//!
//! The libraries are installed, pinned, into a venv under `target/` (`CARGO_TARGET_TMPDIR`) on the
//! first run. Without `python3` or PyPI the test is skipped with a message, except under CI
//! (`CI` set), where it fails: there, the check must run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../tests/support/python_helper.rs"]
mod python_helper;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use video_core::{JoinRequest, ParticipantIdentity, Role, RoomName};
use video_twilio::{TwilioProvider, TwilioSettings};

/// The helper library and the JWT library it builds on, pinned so the comparison is repeatable.
const PACKAGES: [&str; 2] = ["twilio==9.13.0", "PyJWT==2.15.1"];

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const API_KEY_SID: &str = "SKfedcba9876543210fedcba9876543210";
const SECRET: &str = "Zq8h3Lm2Pv7Xw1Rt6Ys4Uk9Jd5Fg0Hb3";
const WRONG_SECRET: &str = "Zq8h3Lm2Pv7Xw1Rt6Ys4Uk9Jd5Fg0Hb4";
const TTL: u64 = 3_600;

#[test]
fn our_tokens_match_the_ones_twilios_helper_library_mints() {
    let Some(python) = helper_python() else {
        return;
    };
    let settings = TwilioSettings::new(ACCOUNT_SID, API_KEY_SID, SECRET.into())
        .unwrap()
        .with_token_ttl(Duration::from_secs(TTL))
        .unwrap();
    let provider = TwilioProvider::new(settings);
    for (identity, room) in [
        ("student-42", "physics-101"),
        ("Ada Lovelace <ada@example.edu>", "Salle 2 · été"),
    ] {
        let request = JoinRequest::new(
            RoomName::parse(room).unwrap(),
            ParticipantIdentity::parse(identity).unwrap(),
            Role::Viewer,
        );
        let ticket = provider.mint(&request).unwrap();
        let report = run_helper(
            &python,
            &json!({
                "account_sid": ACCOUNT_SID,
                "api_key_sid": API_KEY_SID,
                "secret": SECRET,
                "wrong_secret": WRONG_SECRET,
                "identity": identity,
                "room": room,
                "ttl": TTL,
                "token": ticket.token(),
            }),
        );
        compare(&report, identity, room);
    }
}

fn compare(report: &Value, identity: &str, room: &str) {
    let helper = &report["helper"];
    let ours = &report["ours_claims"];
    let versions = &report["versions"];

    // The same header, field for field.
    assert_eq!(
        report["ours_header"], helper["header"],
        "header (helper {versions})"
    );
    assert_eq!(
        helper["header"],
        json!({"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"})
    );

    // The same claims, plus `iat`, which the Python helper leaves out and Twilio's Node.js helper
    // writes (its JWT library adds it).
    let mut helper_keys = python_helper::keys(&helper["claims"]);
    assert!(
        !helper_keys.contains(&"iat".to_owned()),
        "the Python helper now writes iat: drop this exception ({versions})"
    );
    helper_keys.push("iat".to_owned());
    helper_keys.sort();
    assert_eq!(
        python_helper::keys(ours),
        helper_keys,
        "claim names ({versions})"
    );

    // The same values, except the times.
    for claim in ["iss", "sub", "grants"] {
        assert_eq!(ours[claim], helper["claims"][claim], "{claim} ({versions})");
    }
    assert_eq!(
        ours["grants"],
        json!({"identity": identity, "video": {"room": room}})
    );
    for claims in [ours, &helper["claims"]] {
        let (nbf, exp) = (
            claims["nbf"].as_u64().unwrap(),
            claims["exp"].as_u64().unwrap(),
        );
        assert_eq!(exp - nbf, TTL, "lifetime of {claims}");
        assert_eq!(
            claims["jti"].as_str().unwrap(),
            format!("{API_KEY_SID}-{nbf}"),
            "jti of {claims}"
        );
    }
    assert_eq!(ours["iat"], ours["nbf"]);
    let apart = ours["nbf"]
        .as_u64()
        .unwrap()
        .abs_diff(helper["claims"]["nbf"].as_u64().unwrap());
    assert!(apart <= 5, "minted {apart} s apart");

    // Verified by verifiers we did not write; refused with another secret.
    assert_eq!(report["ours_twilio_decoder"], *ours, "the helper's decoder");
    assert_eq!(report["ours_wrong_secret"], "InvalidSignatureError");
}

fn run_helper(python: &Path, input: &Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/twilio_helper.py");
    python_helper::run_script(python, &script, input)
}

/// The venv's Python, with the pinned packages installed; `None` when they cannot be (not CI).
fn helper_python() -> Option<PathBuf> {
    python_helper::venv_python(
        env!("CARGO_TARGET_TMPDIR"),
        "twilio-helper-venv",
        &PACKAGES,
        "Twilio's helper library",
    )
}
