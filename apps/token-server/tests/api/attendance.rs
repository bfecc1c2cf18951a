//! Attendance: LiveKit's webhooks in (verified, stored once, in any order), reports out (JSON and
//! CSV), for the LMS back end or a host of the room only. The webhooks are signed here exactly as
//! LiveKit signs them (a JWT of the key pair whose `sha256` claim is the body's hash); the real
//! LiveKit server's own deliveries are tested in crates/video-livekit/tests/real_server.rs and in
//! the browser tests.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use livekit_api::access_token::AccessToken;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{API_KEY, API_SECRET, TestApp, postgres_url, spawn_app};

const WEBHOOK: &str = "/api/video/webhooks/livekit";
const T0: i64 = 1_796_000_000; // 2026-11-30T00:53:20Z

pub(crate) fn signed(body: &str, secret: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    AccessToken::with_api_key(API_KEY, secret)
        .with_sha256(&hash)
        .to_jwt()
        .unwrap()
}

/// A LiveKit event body, in LiveKit's protobuf JSON.
pub(crate) fn event(kind: &str, id: &str, at: i64, identity: Option<(&str, &str, &str)>) -> String {
    let mut body = json!({
        "event": kind, "id": id, "createdAt": at.to_string(),
        "room": {"sid": "RM_1", "name": "physics-101"},
    });
    if let Some((identity, name, role)) = identity {
        body["participant"] = json!({
            "sid": format!("PA_{identity}"), "identity": identity, "name": name,
            "attributes": {"openconnect.role": role},
        });
    }
    body.to_string()
}

fn deliver(app: &TestApp, body: &str) -> crate::helpers::Response {
    app.post_with(
        WEBHOOK,
        &[
            ("Content-Type", "application/webhook+json"),
            ("Authorization", &signed(body, API_SECRET)),
        ],
        body.as_bytes(),
    )
}

fn ack(app: &TestApp, body: &str) -> String {
    let response = deliver(app, body);
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["status"].as_str().unwrap().to_owned()
}

fn report(app: &TestApp, query: &str, headers: &[(&str, &str)]) -> crate::helpers::Response {
    app.get_with(
        &format!("/api/video/rooms/physics-101/attendance{query}"),
        headers,
    )
}

/// A class of one hour, as LiveKit reports it.
fn class_events() -> Vec<String> {
    let ada = Some(("prof-ada", "Ada Lovelace", "host"));
    let bob = Some(("student-bob", "Bob Brown", "participant"));
    vec![
        event("room_started", "EV_1", T0, None),
        event("participant_joined", "EV_2", T0 + 5, ada),
        event("participant_joined", "EV_3", T0 + 60, bob),
        event("participant_left", "EV_4", T0 + 3000, bob),
        event("participant_left", "EV_5", T0 + 3600, ada),
        event("room_finished", "EV_6", T0 + 3605, None),
    ]
}

/// Delivers the class out of order, as LiveKit's retries may: Bob's leave before his join.
fn class(app: &TestApp) {
    let mut events = class_events();
    events.swap(2, 3);
    for body in &events {
        assert_eq!(ack(app, body), "stored");
    }
}

#[test]
fn signed_events_in_any_order_and_retried_make_one_report() {
    let app = spawn_app(&[]);
    class(&app);
    // LiveKit retries a delivery it thinks failed: the same id is stored once.
    assert_eq!(ack(&app, &class_events()[2]), "duplicate");
    // Other events are verified and acknowledged, not stored.
    assert_eq!(
        ack(&app, &event("track_published", "EV_7", T0 + 70, None)),
        "ignored"
    );

    let response = report(&app, "", &[]);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body: Value = response.json();
    assert_eq!(body["room"], "physics-101");
    let participants = body["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 2, "{body}");
    let by = |id: &str| {
        participants
            .iter()
            .find(|p| p["identity"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by("prof-ada"),
        json!({"identity": "prof-ada", "display_name": "Ada Lovelace", "role": "host",
            "first_join": "2026-11-30T00:53:25Z", "last_leave": "2026-11-30T01:53:20Z",
            "connected_seconds": 3595, "sessions": 1})
    );
    assert_eq!(by("student-bob")["connected_seconds"], 2940);
    assert_eq!(by("student-bob")["role"], "participant");
    assert_eq!(
        body["room_sessions"],
        json!([{"start": "2026-11-30T00:53:20Z", "end": "2026-11-30T01:53:25Z"}])
    );

    // A time range cuts the sessions: the first ten minutes.
    let first = report(
        &app,
        "?from=2026-11-30T00:53:20Z&until=2026-11-30T01:03:20Z",
        &[],
    )
    .json();
    let bob = first["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identity"] == "student-bob")
        .unwrap()
        .clone();
    assert_eq!(bob["connected_seconds"], 540);
}

#[test]
fn the_report_as_csv_for_a_gradebook() {
    let app = spawn_app(&[]);
    class(&app);
    // A display name that a spreadsheet would run as a formula.
    assert_eq!(
        ack(
            &app,
            &event(
                "participant_joined",
                "EV_8",
                T0 + 100,
                Some(("student-eve", "=HYPERLINK(\"x\")", "viewer"))
            )
        ),
        "stored"
    );
    assert_eq!(
        ack(
            &app,
            &event(
                "participant_left",
                "EV_9",
                T0 + 160,
                Some(("student-eve", "=HYPERLINK(\"x\")", "viewer"))
            )
        ),
        "stored"
    );
    let response = report(&app, "", &[("Accept", "text/csv")]);
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        response.header("content-disposition"),
        Some("attachment; filename=\"attendance-physics-101.csv\"")
    );
    let csv = response.text();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "identity,display_name,role,first_join,last_leave,connected_seconds,sessions"
    );
    assert!(
        lines.contains(
            &"prof-ada,Ada Lovelace,host,2026-11-30T00:53:25Z,2026-11-30T01:53:20Z,3595,1"
        ),
        "{csv}"
    );
    assert!(lines.contains(&"student-eve,\"'=HYPERLINK(\"\"x\"\")\",viewer,2026-11-30T00:55:00Z,2026-11-30T00:56:00Z,60,1"), "{csv}");
}

#[test]
fn forged_tampered_and_unusable_webhooks_are_refused_and_nothing_is_stored() {
    let app = spawn_app(&[]);
    let body = event(
        "participant_joined",
        "EV_1",
        T0,
        Some(("student-bob", "Bob", "participant")),
    );
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, String, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "no signature",
            vec![],
            body.clone(),
            401,
            "webhook_unauthorized",
        ),
        (
            "another secret",
            vec![(
                "Authorization",
                signed(&body, "another-secret-0123456789abcdefghij"),
            )],
            body.clone(),
            401,
            "webhook_unauthorized",
        ),
        (
            "another body's signature",
            vec![(
                "Authorization",
                signed(&body.replace("student-bob", "student-bo"), API_SECRET),
            )],
            body.clone(),
            401,
            "webhook_unauthorized",
        ),
        (
            "not JSON, signed",
            vec![("Authorization", signed("{not json", API_SECRET))],
            "{not json".to_owned(),
            400,
            "webhook_malformed",
        ),
    ];
    for (case, headers, body, status, code) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let response = app.post_with(WEBHOOK, &headers, body.as_bytes());
        assert_eq!(response.status, status, "{case}: {}", response.text());
        assert_eq!(response.json()["code"], code, "{case}");
        assert!(
            !response.text().contains("student-bob"),
            "{case}: the body names no one"
        );
    }
    // A signature that expired an hour ago.
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"iss": API_KEY, "sha256": hash, "nbf": T0 - 7200, "exp": T0 - 3600}),
        &EncodingKey::from_secret(API_SECRET.as_bytes()),
    )
    .unwrap();
    let response = app.post_with(WEBHOOK, &[("Authorization", &expired)], body.as_bytes());
    assert_eq!(response.status, 401, "expired: {}", response.text());

    assert_eq!(report(&app, "", &[]).status, 404, "nothing was stored");
    assert_eq!(report(&app, "", &[]).json()["code"], "no_attendance");
}

#[test]
fn the_webhook_endpoint_bounds_and_methods() {
    let app = spawn_app(&[]);
    let get = app.get(WEBHOOK);
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST"));
    let big = vec![b'x'; 65_537];
    let response = app.post_with(WEBHOOK, &[("Authorization", "x")], &big);
    assert_eq!(response.status, 413);
    // A body up to the webhook bound is read (and refused here only for its signature).
    let response = app.post_with(WEBHOOK, &[("Authorization", "x")], &vec![b'x'; 60_000]);
    assert_eq!(response.status, 401);
    // Only the configured provider has a webhook endpoint.
    let response = app.post_with("/api/video/webhooks/twilio", &[], b"{}");
    assert_eq!(response.status, 404);
    // Other paths still take no body over 4096 bytes.
    let response = app.post_with("/api/video/token", &[], &vec![b'x'; 5000]);
    assert_eq!(response.status, 413);
}

#[test]
fn bad_report_queries_are_problem_details() {
    let app = spawn_app(&[]);
    for (query, code) in [
        ("?from=yesterday", "invalid_time_range"),
        (
            "?from=2026-11-30T02:00:00Z&until=2026-11-30T01:00:00Z",
            "invalid_time_range",
        ),
        ("?room=other", "unknown_parameter"),
        (
            "?from=2026-11-30T01:00:00Z&from=2026-11-30T02:00:00Z",
            "duplicate_parameter",
        ),
        ("?from=%zz", "malformed_query"),
    ] {
        let response = report(&app, query, &[]);
        assert_eq!(response.status, 400, "{query}");
        assert_eq!(response.json()["code"], code, "{query}");
    }
    let long = "r".repeat(300);
    let response = app.get(&format!("/api/video/rooms/{long}/attendance"));
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["code"], "parameter_too_long");
}

const BACKEND_KEY: &str = "lms-backend-key-attendance-0123456789ab";
pub(crate) const LMS_SECRET: &str = "lms-session-hs256-secret-0123456789abcdef";

/// An LMS session token (HS256, `LMS_SECRET`) for `prof-ada` with `role` in `rooms`.
pub(crate) fn session(role: &str, rooms: &[&str]) -> String {
    token_server::auth::install_crypto_provider();
    let issued = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({
            "iss": "https://lms.example.edu", "aud": "openconnect-video", "sub": "prof-ada",
            "iat": issued, "exp": issued + 600, "role": role, "rooms": rooms,
        }),
        &EncodingKey::from_secret(LMS_SECRET.as_bytes()),
    )
    .unwrap()
}

#[test]
fn only_the_backend_or_a_host_of_the_room_may_read_attendance() {
    let backend = spawn_app(&[
        ("APP_ENV", "production"),
        ("TOKEN_SERVER_AUTH", "api-key"),
        ("TOKEN_SERVER_API_KEYS", BACKEND_KEY),
    ]);
    class(&backend); // webhooks need no caller credentials: LiveKit's signature is theirs
    assert_eq!(report(&backend, "", &[]).status, 401);
    let wrong = report(
        &backend,
        "",
        &[(
            "Authorization",
            "Bearer lms-backend-key-wrong-0123456789abcdef",
        )],
    );
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {BACKEND_KEY}");
    assert_eq!(
        report(&backend, "", &[("Authorization", &bearer)]).status,
        200
    );

    let jwt = spawn_app(&[
        ("APP_ENV", "production"),
        ("TOKEN_SERVER_AUTH", "jwt"),
        ("AUTH_JWT_HS256_SECRET", LMS_SECRET),
        ("AUTH_JWT_ISSUER", "https://lms.example.edu"),
        ("AUTH_JWT_AUDIENCE", "openconnect-video"),
    ]);
    class(&jwt);
    for (role, rooms, status, code) in [
        ("host", vec!["physics-101"], 200, None),
        ("host", vec!["physics-*"], 200, None),
        (
            "participant",
            vec!["physics-101"],
            403,
            Some("not_room_host"),
        ),
        ("viewer", vec!["physics-101"], 403, Some("not_room_host")),
        ("host", vec!["chemistry-*"], 403, Some("room_not_allowed")),
    ] {
        let bearer = format!("Bearer {}", session(role, &rooms));
        let response = report(&jwt, "", &[("Authorization", &bearer)]);
        assert_eq!(
            response.status,
            status,
            "{role} {rooms:?}: {}",
            response.text()
        );
        if let Some(code) = code {
            assert_eq!(response.json()["code"], code);
            assert!(
                !response.text().contains("student-bob"),
                "a refusal shows no attendance"
            );
        }
    }
}

#[test]
fn readiness_includes_the_database_and_migrate_is_idempotent() {
    let app = spawn_app(&[]);
    assert_eq!(app.get("/readyz").status, 200);
    let dir = app.data_dir.as_ref().unwrap().path();
    assert!(
        dir.join("attendance.sqlite3").is_file(),
        "SQLite in DATA_DIR"
    );
}

#[test]
fn two_replicas_on_one_postgresql_make_one_report() {
    // Two token servers behind a load balancer share one database; LiveKit's deliveries (and its
    // retries) land on either.
    let url = postgres_url();
    let a = spawn_app(&[("DATABASE_URL", url)]);
    let b = spawn_app(&[("DATABASE_URL", url)]);
    let events = class_events();
    for (i, body) in events.iter().enumerate() {
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        assert_eq!(ack(first, body), "stored");
        // The same delivery retried at the other replica: stored once across both.
        assert_eq!(ack(second, body), "duplicate");
    }
    let from_a = report(&a, "", &[]).json();
    let from_b = report(&b, "", &[]).json();
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("generated_at");
        v
    };
    assert_eq!(
        strip(from_a.clone()),
        strip(from_b),
        "one report, whichever replica answers"
    );
    let bob = from_a["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identity"] == "student-bob")
        .unwrap()
        .clone();
    assert_eq!(bob["connected_seconds"], 2940);
    assert_eq!(a.get("/readyz").status, 200);
}
