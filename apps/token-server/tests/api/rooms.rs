//! Room administration through the running server, against the real LiveKit server: the routes,
//! their bad input, every authorization refusal, and LiveKit stopped or silent mid-test (503
//! within the timeout while tokens are still issued). People in a room (remove, mute, invite to
//! speak, end for everyone) are tested with real browsers in apps/web/e2e.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::attendance::{LMS_SECRET, session};
use crate::helpers::{Response, TestApp, spawn_app};

use crate::livekit;

const BACKEND_KEY: &str = "lms-backend-key-rooms-0123456789abcdef";

/// A token server administering `livekit`'s rooms, with `extra` settings.
fn app_for(livekit: &livekit::LiveKit, extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![
        ("LIVEKIT_URL", livekit.url.as_str()),
        ("LIVEKIT_API_KEY", livekit.api_key.as_str()),
        ("LIVEKIT_API_SECRET", livekit.api_secret.as_str()),
    ];
    vars.extend_from_slice(extra);
    spawn_app(&vars)
}

fn call(app: &TestApp, method: &str, target: &str, auth: Option<&str>, body: &str) -> Response {
    let bearer = auth.map(|credential| format!("Bearer {credential}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(bearer) = &bearer {
        headers.push(("Authorization", bearer.as_str()));
    }
    app.send(method, target, &headers, body.as_bytes())
}

fn problem(response: &Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let body = response.json();
    assert_eq!(body["code"], code, "{body}");
    body
}

#[test]
fn rooms_open_list_describe_and_end_through_the_api() {
    let livekit = livekit::LiveKit::start();
    let app = app_for(&livekit, &[]);

    let opened = call(
        &app,
        "POST",
        "/api/video/rooms",
        None,
        r#"{"name":"physics 101/β","max_participants":30.0,"empty_timeout_seconds":900,"metadata":"course-7"}"#,
    );
    assert_eq!(opened.status, 200, "{}", opened.text());
    assert_eq!(opened.header("cache-control"), Some("no-store"));
    let room = opened.json();
    assert_eq!(room["name"], "physics 101/β");
    assert_eq!(room["max_participants"], 30);
    assert_eq!(room["empty_timeout_seconds"], 900);
    assert_eq!(
        (room["metadata"].as_str(), room["participants"].as_u64()),
        (Some("course-7"), Some(0))
    );
    assert!(room["created_at"].as_str().unwrap().ends_with('Z'));

    // A room name with a space and a slash, percent-encoded in the path.
    let path = "/api/video/rooms/physics%20101%2F%CE%B2";
    let described = call(&app, "GET", path, None, "");
    assert_eq!(described.status, 200, "{}", described.text());
    assert_eq!(described.json(), room);
    let listed = call(&app, "GET", "/api/video/rooms", None, "").json();
    assert_eq!(listed["rooms"], json!([room]));
    let participants = call(&app, "GET", &format!("{path}/participants"), None, "");
    assert_eq!(participants.json(), json!({"participants": []}));

    // Nobody in an open room, and no such room, are different answers.
    let nobody = format!("{path}/participants/nobody");
    problem(
        &call(&app, "GET", &nobody, None, ""),
        404,
        "participant_not_found",
    );
    problem(
        &call(&app, "DELETE", &nobody, None, ""),
        404,
        "participant_not_found",
    );
    problem(
        &call(
            &app,
            "POST",
            &format!("{nobody}/tracks/TR_x/mute"),
            None,
            r#"{"muted":true}"#,
        ),
        404,
        "participant_not_found",
    );
    problem(
        &call(
            &app,
            "PUT",
            &format!("{nobody}/permissions"),
            None,
            r#"{"publish_sources":[]}"#,
        ),
        404,
        "participant_not_found",
    );

    let ended = call(&app, "DELETE", path, None, "");
    assert_eq!(ended.status, 204, "{}", ended.text());
    problem(&call(&app, "GET", path, None, ""), 404, "room_not_found");
    problem(&call(&app, "DELETE", path, None, ""), 404, "room_not_found");
    problem(
        &call(&app, "GET", &format!("{path}/participants"), None, ""),
        404,
        "room_not_found",
    );
    problem(
        &call(&app, "DELETE", &nobody, None, ""),
        404,
        "room_not_found",
    );
    assert_eq!(
        call(&app, "GET", "/api/video/rooms", None, "").json(),
        json!({"rooms": []})
    );

    // Another method at a room path: 405 with the methods it answers.
    let refused = call(&app, "PATCH", "/api/video/rooms", None, "{}");
    problem(&refused, 405, "method_not_allowed");
    assert_eq!(refused.header("allow"), Some("GET, POST"));
    assert_eq!(
        call(&app, "PUT", path, None, "").header("allow"),
        Some("GET, DELETE")
    );
}

#[test]
fn bad_room_requests_are_problem_details_that_never_repeat_the_input() {
    let livekit = livekit::LiveKit::start();
    let app = app_for(&livekit, &[]);
    let long = "r".repeat(257);
    let secret_looking = "SECRET-INPUT-7f3a";
    for (method, target, body, code) in [
        (
            "POST",
            "/api/video/rooms".to_owned(),
            format!(r#"{{"name":"{secret_looking}""#),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            format!(r#"{{"name":"a","{secret_looking}":1}}"#),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            format!(r#"{{"name":"a","max_participants":"{secret_looking}"}}"#),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            r#"{"name":"a","max_participants":0}"#.to_owned(),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            r#"{"name":"a","max_participants":10001}"#.to_owned(),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            r#"{"name":"a","empty_timeout_seconds":86401}"#.to_owned(),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            format!(r#"{{"name":"a","metadata":"{}"}}"#, "é".repeat(1025)),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            r#"{"name":""}"#.to_owned(),
            "empty_parameter",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            format!(r#"{{"name":"{long}"}}"#),
            "parameter_too_long",
        ),
        (
            "POST",
            "/api/video/rooms".to_owned(),
            r#"{"name":"tab\there"}"#.to_owned(),
            "invalid_characters",
        ),
        (
            "GET",
            format!("/api/video/rooms/{long}"),
            String::new(),
            "parameter_too_long",
        ),
        (
            "GET",
            "/api/video/rooms/a%09b/participants".to_owned(),
            String::new(),
            "invalid_characters",
        ),
        (
            "DELETE",
            format!("/api/video/rooms/a/participants/{long}"),
            String::new(),
            "parameter_too_long",
        ),
        (
            "POST",
            "/api/video/rooms/a/participants/b/tracks/TR_1/mute".to_owned(),
            format!(r#"{{"muted":"{secret_looking}"}}"#),
            "invalid_body",
        ),
        (
            "POST",
            "/api/video/rooms/a/participants/b/tracks/TR_1/mute".to_owned(),
            String::new(),
            "invalid_body",
        ),
        (
            "PUT",
            "/api/video/rooms/a/participants/b/permissions".to_owned(),
            format!(r#"{{"publish_sources":["{secret_looking}"]}}"#),
            "invalid_body",
        ),
    ] {
        let response = call(&app, method, &target, None, &body);
        let problem = problem(&response, 400, code);
        assert!(
            !response.text().contains(secret_looking),
            "{method} {target}: {problem}"
        );
        assert!(!response.text().contains(&long), "{method} {target}");
    }
    let body = problem(
        &call(&app, "POST", "/api/video/rooms", None, r#"{"name":""}"#),
        400,
        "empty_parameter",
    );
    assert_eq!(body["parameter"], "name");
    assert_eq!(body["detail"], "The `name` in the body must not be empty.");
    // Metadata whose characters are all JSON-escaped surrogate pairs (12 bytes each) still fits.
    let escaped = format!(
        r#"{{"name":"a","metadata":"{}"}}"#,
        "\\ud83d\\ude00".repeat(512)
    );
    assert_eq!(
        call(&app, "POST", "/api/video/rooms", None, &escaped).status,
        200
    );
    let too_large = call(&app, "POST", "/api/video/rooms", None, &"x".repeat(16_385));
    problem(&too_large, 413, "payload_too_large");
    let form = app.send(
        "POST",
        "/api/video/rooms",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"name=a",
    );
    problem(&form, 415, "unsupported_media_type");
    let undeclared = app.send("POST", "/api/video/rooms", &[], br#"{"name":"a"}"#);
    problem(&undeclared, 415, "unsupported_media_type");
}

#[test]
fn only_the_backend_or_a_host_of_the_room_may_administer_it() {
    let livekit = livekit::LiveKit::start();
    let backend = app_for(
        &livekit,
        &[
            ("APP_ENV", "production"),
            ("TOKEN_SERVER_AUTH", "api-key"),
            ("TOKEN_SERVER_API_KEYS", BACKEND_KEY),
        ],
    );
    problem(
        &call(&backend, "GET", "/api/video/rooms", None, ""),
        401,
        "missing_credentials",
    );
    problem(
        &call(
            &backend,
            "POST",
            "/api/video/rooms",
            Some("lms-backend-key-wrong-0123456789abcd"),
            r#"{"name":"a"}"#,
        ),
        401,
        "invalid_credentials",
    );
    for name in ["physics-101", "physics-202", "chemistry-1"] {
        let body = format!(r#"{{"name":"{name}"}}"#);
        let opened = call(
            &backend,
            "POST",
            "/api/video/rooms",
            Some(BACKEND_KEY),
            &body,
        );
        assert_eq!(opened.status, 200, "{}", opened.text());
    }

    let jwt = app_for(
        &livekit,
        &[
            ("APP_ENV", "production"),
            ("TOKEN_SERVER_AUTH", "jwt"),
            ("AUTH_JWT_HS256_SECRET", LMS_SECRET),
            ("AUTH_JWT_ISSUER", "https://lms.example.edu"),
            ("AUTH_JWT_AUDIENCE", "openconnect-video"),
        ],
    );
    // A host sees the rooms its claim allows, and only those.
    let host = session("host", &["physics-*"]);
    let listed = call(&jwt, "GET", "/api/video/rooms", Some(&host), "").json();
    let names: Vec<&str> = listed["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["physics-101", "physics-202"]);
    assert_eq!(
        call(&jwt, "GET", "/api/video/rooms/physics-101", Some(&host), "").status,
        200
    );
    let exact = session("host", &["physics-101"]);
    assert_eq!(
        call(
            &jwt,
            "GET",
            "/api/video/rooms/physics-101/participants",
            Some(&exact),
            ""
        )
        .status,
        200
    );

    let participant = session("participant", &["physics-101"]);
    let viewer = session("viewer", &["physics-*"]);
    let elsewhere = session("host", &["chemistry-*"]);
    for (credential, who, code) in [
        (&participant, "a student", "not_room_host"),
        (&viewer, "a viewer", "not_room_host"),
        (&elsewhere, "the host of other rooms", "room_not_allowed"),
    ] {
        for (method, target, body) in [
            ("POST", "/api/video/rooms", r#"{"name":"physics-101"}"#),
            ("GET", "/api/video/rooms/physics-101", ""),
            ("DELETE", "/api/video/rooms/physics-101", ""),
            ("GET", "/api/video/rooms/physics-101/participants", ""),
            ("GET", "/api/video/rooms/physics-101/participants/u1", ""),
            ("DELETE", "/api/video/rooms/physics-101/participants/u1", ""),
            (
                "POST",
                "/api/video/rooms/physics-101/participants/u1/tracks/TR_1/mute",
                r#"{"muted":true}"#,
            ),
            (
                "PUT",
                "/api/video/rooms/physics-101/participants/u1/permissions",
                r#"{"publish_sources":[]}"#,
            ),
        ] {
            let response = call(&jwt, method, target, Some(credential), body);
            assert_eq!(
                response.status,
                403,
                "{who}: {method} {target}: {}",
                response.text()
            );
            assert_eq!(response.json()["code"], code, "{who}: {method} {target}");
        }
    }
    for credential in [&participant, &viewer] {
        problem(
            &call(&jwt, "GET", "/api/video/rooms", Some(credential), ""),
            403,
            "not_room_host",
        );
    }
    problem(
        &call(&jwt, "GET", "/api/video/rooms", Some("not.a.jwt"), ""),
        401,
        "invalid_credentials",
    );
    // The room is still open: no refusal changed anything.
    assert_eq!(
        call(
            &backend,
            "GET",
            "/api/video/rooms/physics-101",
            Some(BACKEND_KEY),
            ""
        )
        .status,
        200
    );
}

/// LiveKit stopped mid-test: every room route answers 503 with `Retry-After` within the
/// timeout, tokens are still issued, and `/readyz` stays ready and says the room service is
/// unreachable. A LiveKit that accepts connections and never answers: the same, when the
/// timeout is up.
#[test]
fn livekit_stopped_or_silent_means_503_within_the_timeout_and_tokens_still_issued() {
    let livekit = livekit::LiveKit::start();
    let app = app_for(
        &livekit,
        &[
            ("LIVEKIT_API_TIMEOUT_MS", "1500"),
            ("METRICS_ADDR", "127.0.0.1:0"),
        ],
    );
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/video/rooms",
            None,
            r#"{"name":"seminar"}"#
        )
        .status,
        200
    );
    assert_eq!(app.get("/readyz").json()["room_service"], "reachable");
    drop(livekit);

    let routes = [
        ("GET", "/api/video/rooms", ""),
        ("POST", "/api/video/rooms", r#"{"name":"seminar"}"#),
        ("GET", "/api/video/rooms/seminar", ""),
        ("DELETE", "/api/video/rooms/seminar", ""),
        ("GET", "/api/video/rooms/seminar/participants", ""),
        ("DELETE", "/api/video/rooms/seminar/participants/u1", ""),
        (
            "POST",
            "/api/video/rooms/seminar/participants/u1/tracks/TR_1/mute",
            r#"{"muted":true}"#,
        ),
        (
            "PUT",
            "/api/video/rooms/seminar/participants/u1/permissions",
            r#"{"publish_sources":[]}"#,
        ),
    ];
    for (method, target, body) in routes {
        let started = Instant::now();
        let response = call(&app, method, target, None, body);
        let body = problem(&response, 503, "provider_unavailable");
        assert_eq!(response.header("retry-after"), Some("5"));
        assert!(
            started.elapsed() < Duration::from_millis(1500 + 1000),
            "{method} {target}"
        );
        assert!(
            !body.to_string().contains("127.0.0.1") && !body.to_string().contains("sending"),
            "LiveKit's words stay in the log: {body}"
        );
    }
    let token = app.get("/api/video/token?room=seminar&user=u1");
    assert_eq!(
        token.status,
        200,
        "minting does not need LiveKit: {}",
        token.text()
    );
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["room_service"], "unreachable");
    // Every call to LiveKit's API is counted by the trait's operation and how it ended.
    let scrape = app.scrape();
    let calls = |operation: &str, outcome: &str| {
        let series = format!(
            "token_server_provider_calls_total{{provider=\"livekit\",operation=\"{operation}\",outcome=\"{outcome}\"}} "
        );
        scrape
            .lines()
            .find_map(|line| line.strip_prefix(series.as_str()))
            .map(|value| value.parse::<f64>().unwrap())
    };
    assert_eq!(calls("open_room", "ok"), Some(1.0), "{scrape}");
    assert_eq!(calls("open_room", "unavailable"), Some(1.0), "{scrape}");
    assert_eq!(calls("check_reachable", "ok"), Some(1.0), "{scrape}");
    assert_eq!(
        calls("check_reachable", "unavailable"),
        Some(1.0),
        "{scrape}"
    );
    for operation in [
        "list_rooms",
        "room",
        "end_room",
        "participants",
        "remove_participant",
        "mute_track",
        "set_publish_sources",
    ] {
        assert_eq!(
            calls(operation, "unavailable"),
            Some(1.0),
            "{operation}: {scrape}"
        );
    }

    // Accepts connections, never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let hung = spawn_app(&[
        ("LIVEKIT_URL", url.as_str()),
        ("LIVEKIT_API_TIMEOUT_MS", "800"),
    ]);
    for (method, target, body) in routes {
        let started = Instant::now();
        let response = call(&hung, method, target, None, body);
        problem(&response, 503, "provider_unavailable");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(700) && took < Duration::from_millis(800 + 1000),
            "{method} {target}: {took:?}"
        );
    }
    let started = Instant::now();
    assert_eq!(hung.get("/readyz").json()["room_service"], "unreachable");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "readyz waits at most a second"
    );
    drop(silent);
}

/// `token-server rooms …` as an operator runs it on the server's host: the routes' answers and
/// audit records, the routes' problem codes on failure, and never the secret.
#[test]
fn the_rooms_command_administers_rooms_as_the_routes_do() {
    let livekit = livekit::LiveKit::start();
    let app = app_for(&livekit, &[]);
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/video/rooms",
            None,
            r#"{"name":"lab 3"}"#
        )
        .status,
        200
    );
    let data_dir = tempfile::tempdir().expect("data directory");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_token-server"))
            .env_clear()
            .env("DATA_DIR", data_dir.path())
            .env("LIVEKIT_URL", &livekit.url)
            .env("LIVEKIT_API_KEY", &livekit.api_key)
            .env("LIVEKIT_API_SECRET", &livekit.api_secret)
            .arg("rooms")
            .args(args)
            .output()
            .expect("run token-server rooms");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !stdout.contains(&livekit.api_secret) && !stderr.contains(&livekit.api_secret),
            "the secret is never shown"
        );
        (output.status.code(), stdout, stderr)
    };

    let (code, stdout, _) = run(&["list"]);
    assert_eq!(code, Some(0));
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        listed,
        call(&app, "GET", "/api/video/rooms", None, "").json()
    );
    assert_eq!(listed["rooms"][0]["name"], "lab 3");

    let (code, stdout, stderr) = run(&["participants", "lab 3"]);
    assert_eq!(
        (code, serde_json::from_str::<Value>(&stdout).unwrap()),
        (Some(0), json!({"participants": []}))
    );
    assert!(
        stderr.contains(r#"room participants listed room="lab 3" count=0 by=cli auth=operator"#),
        "{stderr}"
    );

    let (code, _, stderr) = run(&["remove", "lab 3", "nobody"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("participant_not_found: The participant is not in the room."),
        "{stderr}"
    );

    let (code, stdout, stderr) = run(&["end", "lab 3"]);
    assert_eq!((code, stdout.as_str()), (Some(0), "ended \"lab 3\"\n"));
    assert!(
        stderr.contains(r#"room ended room="lab 3" by=cli auth=operator"#),
        "{stderr}"
    );
    problem(
        &call(&app, "GET", "/api/video/rooms/lab%203", None, ""),
        404,
        "room_not_found",
    );

    let (code, _, stderr) = run(&["end", "lab 3"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("room_not_found: The room is not open."),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["end", ""]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("ROOM: must not be empty"), "{stderr}");
}
