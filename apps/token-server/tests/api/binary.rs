//! The built binary as an admin runs it: startup errors, logs, shutdown, subcommands.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::{API_KEY, API_SECRET, request, request_with, verify};

const BIN: &str = env!("CARGO_BIN_EXE_token-server");

/// The binary with a clean environment: only what the test sets, and an attendance database in
/// a directory of its own (never in the working directory), kept for the life of the process.
fn command(vars: &[(&str, &str)]) -> Command {
    let data_dir = tempfile::tempdir().expect("data directory").keep();
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("DATA_DIR", &data_dir)
        .envs(vars.iter().copied())
        .env("WEB_DIST_DIR", "/nonexistent-web-dist");
    command
}

fn production(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("APP_ENV", "production".into()),
        ("LIVEKIT_URL", "wss://video.example.edu".into()),
        ("LIVEKIT_API_KEY", API_KEY.into()),
        ("LIVEKIT_API_SECRET", secret.into()),
        ("TOKEN_SERVER_AUTH", "api-key".into()),
        ("TOKEN_SERVER_API_KEYS", BACKEND_KEY.into()),
    ]
}

/// The LMS back end's key in production-mode tests.
const BACKEND_KEY: &str = "lms-backend-api-key-0123456789abcdef";

#[test]
fn startup_errors_name_the_variable_and_rule_and_exit_78() {
    let strong = API_SECRET.to_owned();
    // (environment, the message on stderr, a value that must not appear in it)
    type Case = (Vec<(&'static str, String)>, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            production("")
                .into_iter()
                .filter(|(k, _)| *k != "LIVEKIT_API_SECRET")
                .collect(),
            "LIVEKIT_API_SECRET is not set: required when APP_ENV=production",
            "",
        ),
        (
            production("S3CRET-too-short"),
            "LIVEKIT_API_SECRET is invalid: must be at least 32 characters when APP_ENV=production",
            "S3CRET-too-short",
        ),
        (
            [
                production(&strong),
                vec![("LIVEKIT_URL", "ftp://hidden-host.example".into())],
            ]
            .concat(),
            "LIVEKIT_URL is invalid: must be a ws://, wss://, http:// or https:// URL with a host",
            "hidden-host",
        ),
        (
            vec![("LIVEKIT_TOKEN_TTL_HOURS", "48-hours-please".into())],
            "LIVEKIT_TOKEN_TTL_HOURS is invalid: must be a number of hours greater than 0 and at most 24",
            "48-hours-please",
        ),
        (
            vec![("VIDEO_PROVIDER", "twilio-xyz".into())],
            "VIDEO_PROVIDER is invalid: must be one of: livekit",
            "twilio-xyz",
        ),
        (
            vec![("PORT", "eighty-eighty".into())],
            "PORT is invalid: must be a whole number",
            "eighty-eighty",
        ),
        (
            [
                production(&strong),
                vec![("LIVEKIT_API_KEY", "devkey".into())],
            ]
            .concat(),
            "LIVEKIT_API_KEY is invalid: must not be the development key when APP_ENV=production",
            "",
        ),
    ];
    for (vars, message, value) in cases {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let output = command(&vars).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(78), "{message}: {stderr}");
        assert!(stderr.contains(message), "want {message:?} in {stderr}");
        if !value.is_empty() {
            assert!(!stderr.contains(value), "the value leaked: {stderr}");
        }
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = command(&[("PORT", &port)]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("could not start on 127.0.0.1:{port} (HOST, PORT)")),
        "{stderr}"
    );
}

/// A running binary whose stderr is collected line by line.
struct Running {
    child: Child,
    address: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    reader: std::thread::JoinHandle<()>,
}

fn start(vars: &[(&str, &str)]) -> Running {
    let mut child = command(vars)
        .env("PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (sender, receiver) = mpsc::channel();
    let lines = Arc::clone(&log);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let address = rest.split_whitespace().next().unwrap().to_owned();
                let _ = sender.send(address);
            }
            lines.lock().unwrap().push(line);
        }
    });
    let address = receiver
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no listening line: {:?}", log.lock().unwrap()))
        .parse()
        .unwrap();
    Running {
        child,
        address,
        log,
        reader,
    }
}

impl Running {
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for exit and returns the status code and the whole log.
    fn wait(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        self.reader.join().unwrap();
        let log = self.log.lock().unwrap().join("\n");
        (status.code(), log)
    }
}

#[test]
fn logs_never_contain_the_secret_tokens_or_query_strings() {
    let secret = "log-capture-secret-never-to-be-printed-0123456789";
    let running = start(&[
        ("APP_ENV", "production"),
        ("RUST_LOG", "trace"),
        ("LIVEKIT_URL", "wss://video.example.edu"),
        ("LIVEKIT_API_KEY", API_KEY),
        ("LIVEKIT_API_SECRET", secret),
        ("TOKEN_SERVER_AUTH", "api-key"),
        ("TOKEN_SERVER_API_KEYS", BACKEND_KEY),
    ]);
    let bearer = format!("Bearer {BACKEND_KEY}");
    let auth = [("Authorization", bearer.as_str())];
    let mut tokens = Vec::new();
    for role in ["host", "participant", "viewer"] {
        let target = format!("/api/video/token?room=quiet-room-7&user=private-user-9&role={role}");
        let response = request_with(running.address, "GET", target.as_bytes(), &auth);
        assert_eq!(response.status, 200, "{}", response.text());
        tokens.push(response.json()["token"].as_str().unwrap().to_owned());
    }
    let wrong_key = "wrong-key-that-must-not-be-logged-0123456789";
    let wrong =
        [("Authorization", &*format!("Bearer {wrong_key}"))].map(|(n, v)| (n, v.to_owned()));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(
        request_with(
            running.address,
            "GET",
            b"/api/video/token?room=quiet-room-7&user=u",
            &wrong
        )
        .status,
        401
    );
    request_with(
        running.address,
        "GET",
        b"/api/video/token?room=quiet-room-7",
        &auth,
    );
    for target in ["/readyz", "/healthz", "/nope"] {
        request(running.address, "GET", target.as_bytes());
    }
    // Room administration signs a RoomService token with the secret for each call to LiveKit
    // (unreachable here: 503, and the whole error chain goes to the log at trace level).
    let removal = request_with(
        running.address,
        "DELETE",
        b"/api/video/rooms/quiet-room-7/participants/private-user-9",
        &auth,
    );
    assert_eq!(removal.status, 503, "{}", removal.text());
    // Attendance is personal data too: a webhook naming the user in the room, and the report.
    let webhook = crate::attendance::event(
        "participant_joined",
        "EV_log_1",
        1_796_000_000,
        Some(("private-user-9", "Private Name", "participant")),
    )
    .replace("physics-101", "quiet-room-7");
    let signature = crate::attendance::signed(&webhook, secret);
    let length = webhook.len().to_string();
    let mut raw = format!(
        "POST /api/video/webhooks/livekit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {signature}\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(webhook.as_bytes());
    let mut stream = std::net::TcpStream::connect(running.address).unwrap();
    std::io::Write::write_all(&mut stream, &raw).unwrap();
    let stored = crate::helpers::read_response(&mut stream);
    assert_eq!(stored.status, 200, "{}", stored.text());
    let report = request_with(
        running.address,
        "GET",
        b"/api/video/rooms/quiet-room-7/attendance",
        &auth,
    );
    assert_eq!(report.status, 200, "{}", report.text());
    running.terminate();
    let (code, log) = running.wait();

    assert_eq!(code, Some(0), "SIGTERM is a clean stop: {log}");
    assert!(
        log.contains("SIGTERM received; starting graceful shutdown"),
        "{log}"
    );
    assert!(
        log.contains("GET /api/video/token 200"),
        "one access line per request: {log}"
    );
    assert_eq!(log.matches("GET /api/video/token ").count(), 5, "{log}");
    for secret in [secret, BACKEND_KEY, wrong_key] {
        assert!(!log.contains(secret), "a credential leaked: {log}");
    }
    for token in &tokens {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token leaked: {log}");
    }
    // No JWT at all: neither an issued token nor the RoomService tokens signed for LiveKit.
    assert!(!log.contains("eyJ"), "a JWT leaked: {log}");
    assert!(
        log.contains("the livekit room service is unavailable"),
        "the failed removal is logged, with its cause: {log}"
    );
    // One audit record per issued token, naming who got in where, at the end of that request's
    // access line (one line, one write); access lines have no query.
    let audit: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("token_server::audit") && l.contains("token issued"))
        .collect();
    assert_eq!(audit.len(), 3, "{log}");
    assert!(
        audit[0].contains(
            r#"] GET /api/video/token 200 "#
        ) && audit[0].contains(
            r#"ms token issued room="quiet-room-7" identity="private-user-9" role=host expires_at="#
        ),
        "{}",
        audit[0]
    );
    assert!(
        audit.iter().all(|l| l.ends_with("auth=api-key")),
        "{audit:?}"
    );
    let others = log.lines().filter(|l| !l.contains("token_server::audit"));
    for line in others {
        assert!(
            !line.contains("quiet-room-7")
                && !line.contains("private-user-9")
                && !line.contains("Private Name"),
            "a name leaked outside the audit record: {line}"
        );
    }
    assert!(
        log.contains("POST /api/video/webhooks/{provider} 200")
            && log.contains("GET /api/video/rooms/{room}/attendance 200"),
        "routes with parameters are logged by their template: {log}"
    );
    assert!(
        log.lines().any(|l| l.contains("token_server::audit")
            && l.contains(
                "attendance read room=\"quiet-room-7\" participants=1 format=json auth=api-key"
            )),
        "reading attendance is audited: {log}"
    );
    assert!(!log.contains("Private Name"), "{log}");
}

#[test]
fn logs_never_contain_daily_or_twilio_secrets_or_their_tokens() {
    use crate::providers::{ALL_THREE, DAILY_KEY, TWILIO_SECRET};
    let mut vars = vec![
        ("RUST_LOG", "trace"),
        ("LIVEKIT_API_KEY", API_KEY),
        ("LIVEKIT_API_SECRET", API_SECRET),
    ];
    vars.extend(ALL_THREE);
    let running = start(&vars);
    let mut tokens = Vec::new();
    for provider in ["daily", "twilio"] {
        let target =
            format!("/api/video/token?room=quiet-room-7&user=private-user-9&provider={provider}");
        let response = request(running.address, "GET", target.as_bytes());
        assert_eq!(response.status, 200, "{}", response.text());
        tokens.push(response.json()["token"].as_str().unwrap().to_owned());
    }
    // A vendor's limit: refused (422) and logged as a warning, without the identity.
    let long = "private-user-with-a-name-too-long-for-daily";
    let target = format!("/api/video/token?room=quiet-room-7&user={long}&provider=daily");
    assert_eq!(
        request(running.address, "GET", target.as_bytes()).status,
        422
    );
    running.terminate();
    let (code, log) = running.wait();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("enabled: livekit, daily, twilio"),
        "the startup line names the enabled providers: {log}"
    );
    for secret in [DAILY_KEY, TWILIO_SECRET, API_SECRET] {
        assert!(!log.contains(secret), "a secret leaked: {log}");
    }
    for token in &tokens {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token leaked: {log}");
    }
    assert!(!log.contains("eyJ"), "a JWT leaked: {log}");
    assert!(
        log.lines().any(|line| line.contains("WARN")
            && line.contains("the daily video provider cannot serve this request")),
        "{log}"
    );
    let audit: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("token_server::audit") && l.contains("token issued"))
        .collect();
    assert_eq!(audit.len(), 2, "{log}");
    assert!(
        audit[0].contains(" provider=daily auth=none"),
        "{}",
        audit[0]
    );
    assert!(
        audit[1].contains(" provider=twilio auth=none"),
        "{}",
        audit[1]
    );
    for line in log.lines().filter(|l| !l.contains("token_server::audit")) {
        assert!(
            !line.contains("private-user"),
            "a name leaked outside the audit record: {line}"
        );
    }
}

#[test]
fn check_config_prints_the_effective_configuration_redacted() {
    let output = command(
        &production(API_SECRET)
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    )
    .arg("check-config")
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with("configuration OK\n"), "{stdout}");
    assert!(
        stdout.contains("APP_ENV=production") && stdout.contains("LIVEKIT_API_KEY=APItestkey"),
        "{stdout}"
    );
    assert!(
        stdout.contains("LIVEKIT_API_SECRET=[REDACTED] (40 characters)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(API_SECRET)
            && !String::from_utf8_lossy(&output.stderr).contains(API_SECRET)
    );

    let failed = command(&[("APP_ENV", "production")])
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(78));
}

#[test]
fn mint_prints_a_verifiable_ticket() {
    let vars: Vec<_> = production(API_SECRET);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = command(&vars)
        .args([
            "mint",
            "--room",
            "physics-101",
            "--user",
            "prof-1",
            "--role",
            "host",
            "--ttl-hours",
            "0.25",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["url"], "wss://video.example.edu");
    let claims = verify(body["token"].as_str().unwrap());
    assert_eq!(
        (claims.sub.as_str(), claims.video.room.as_str()),
        ("prof-1", "physics-101")
    );
    assert!(claims.video.room_admin);
    assert_eq!(claims.exp - claims.nbf, 900);

    let bad = command(&vars)
        .args(["mint", "--room", "r", "--user", "u", "--role", "admin"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("--role: must be one of: host, participant, viewer")
    );
    let bad_ttl = command(&vars)
        .args(["mint", "--room", "r", "--user", "u", "--ttl-hours", "25"])
        .output()
        .unwrap();
    assert_eq!(
        bad_ttl.status.code(),
        Some(78),
        "{}",
        String::from_utf8_lossy(&bad_ttl.stderr)
    );
}

#[test]
fn mint_issues_an_enabled_providers_ticket_with_its_own_lifetime() {
    let mut vars = vec![
        ("LIVEKIT_API_KEY", API_KEY),
        ("LIVEKIT_API_SECRET", API_SECRET),
    ];
    vars.extend(crate::providers::ALL_THREE);
    let mint = |extra: &[&str]| {
        command(&vars)
            .args(["mint", "--room", "physics-101", "--user", "prof-1"])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = mint(&["--provider", "twilio", "--ttl-hours", "0.5"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (body["provider"].as_str(), body["url"].as_str()),
        (Some("twilio"), Some(""))
    );
    let token = body["token"].as_str().unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(crate::providers::TWILIO_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["nbf"].as_u64().unwrap(),
        1800
    );

    // Without --provider: the default, LiveKit.
    let default = mint(&[]);
    let body: serde_json::Value = serde_json::from_slice(&default.stdout).unwrap();
    assert_eq!(body["provider"], "livekit");

    // Not enabled: a clear error naming the enabled ones.
    let zoom = mint(&["--provider", "zoom"]);
    assert_eq!(zoom.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&zoom.stderr).contains(
            "--provider must be an enabled provider (VIDEO_PROVIDER, VIDEO_PROVIDERS): livekit, \
             daily, twilio"
        ),
        "{}",
        String::from_utf8_lossy(&zoom.stderr)
    );
    // A provider without room administration, for `rooms`.
    let rooms = command(&vars)
        .args(["rooms", "--provider", "daily", "list"])
        .output()
        .unwrap();
    assert_eq!(rooms.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&rooms.stderr)
            .contains("the daily provider has no room administration"),
        "{}",
        String::from_utf8_lossy(&rooms.stderr)
    );
}

/// The audit record follows its own filter: alone when access lines are off, left out of the
/// access line when audit is off.
#[test]
fn audit_and_access_lines_can_be_switched_apart() {
    let issue_one = |rust_log: &str| {
        let running = start(&[("RUST_LOG", rust_log)]);
        let response = request(
            running.address,
            "GET",
            b"/api/video/token?room=room-a&user=user-b",
        );
        assert_eq!(response.status, 200, "{}", response.text());
        running.terminate();
        running.wait().1
    };

    let log = issue_one("warn,token_server::cli=info,token_server::audit=info");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("room-a")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(
        lines[0].contains(
            " INFO  token_server::audit] token issued room=\"room-a\" identity=\"user-b\""
        ),
        "{log}"
    );
    assert!(!log.contains("GET /api/video/token"), "{log}");

    let log = issue_one("info,token_server::audit=off");
    assert!(
        log.contains("token_server::access] GET /api/video/token 200 "),
        "{log}"
    );
    assert!(!log.contains("room-a") && !log.contains("user-b"), "{log}");
}
