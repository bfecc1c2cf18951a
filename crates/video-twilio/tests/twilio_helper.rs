//! Our access tokens against the ones Twilio's official helper library mints for the same
//! inputs (`twilio` from PyPI: `AccessToken` with a `VideoGrant`): the same header, the same
//! claims with the same values except the times; and ours verified by verifiers we did not write
//! (PyJWT, and the helper library's own decoder), and refused with another secret.
//!
//! The libraries are installed, pinned, into a venv under `target/` (`CARGO_TARGET_TMPDIR`) on the
//! first run. Without `python3` or PyPI the test is skipped with a message, except under CI
//! (`CI` set), where it fails: there, the check must run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    let mut helper_keys = keys(&helper["claims"]);
    assert!(
        !helper_keys.contains(&"iat".to_owned()),
        "the Python helper now writes iat: drop this exception ({versions})"
    );
    helper_keys.push("iat".to_owned());
    helper_keys.sort();
    assert_eq!(keys(ours), helper_keys, "claim names ({versions})");

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

fn keys(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn run_helper(python: &Path, input: &Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/twilio_helper.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The venv's Python, with the pinned packages installed (once per target directory); `None`
/// (after saying why) when they cannot be installed here and this is not CI.
fn helper_python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("twilio-helper-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(format!("installed {}", PACKAGES.join(" ")));
    if marker.exists() {
        return Some(python);
    }
    let steps: [(&str, Vec<&str>); 2] = [
        ("python3", vec!["-m", "venv", "--clear", path_str(&venv)]),
        (
            path_str(&python),
            [
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ]
            .into_iter()
            .chain(PACKAGES)
            .collect(),
        ),
    ];
    for (program, args) in steps {
        let failure = match Command::new(program).args(&args).output() {
            Ok(output) if output.status.success() => continue,
            Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
            Err(error) => error.to_string(),
        };
        let message = format!(
            "cannot install Twilio's helper library ({}) into {}: `{program} {}` failed: {failure}",
            PACKAGES.join(", "),
            venv.display(),
            args.join(" ")
        );
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("SKIPPED the comparison with Twilio's helper library: {message}");
        return None;
    }
    std::fs::write(&marker, b"").unwrap();
    Some(python)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("target directory paths are UTF-8")
}
