//! Abuse limits: rate limits, CORS, request bounds and slow clients, against the real server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{parse_response, spawn_app};

#[test]
fn per_address_rate_limit_answers_429_with_retry_after() {
    let app = spawn_app(&[
        ("RATE_LIMIT_IP_PER_MINUTE", "60"),
        ("RATE_LIMIT_IP_BURST", "3"),
    ]);
    for i in 0..3 {
        assert_eq!(
            app.get(&format!("/api/video/token?room=r&user=u{i}"))
                .status,
            200
        );
    }
    let limited = app.get("/api/video/token?room=r&user=u9");
    assert_eq!(limited.status, 429, "{}", limited.text());
    assert_eq!(
        limited.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(limited.json()["code"], "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=2).contains(&retry),
        "one token per second comes back: {retry}"
    );
    assert_eq!(
        app.get("/healthz").status,
        200,
        "probes are never rate limited"
    );
}

#[test]
fn per_identity_rate_limit_is_separate_per_user() {
    let app = spawn_app(&[
        ("RATE_LIMIT_IDENTITY_PER_MINUTE", "1"),
        ("RATE_LIMIT_IDENTITY_BURST", "2"),
    ]);
    assert_eq!(app.get("/api/video/token?room=r&user=alice").status, 200);
    assert_eq!(
        app.get("/api/video/token?room=other&user=alice").status,
        200
    );
    let limited = app.get("/api/video/token?room=r&user=alice");
    assert_eq!(limited.status, 429);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((30..=60).contains(&retry), "one per minute: {retry}");
    assert_eq!(
        app.get("/api/video/token?room=r&user=bob").status,
        200,
        "bob has his own budget"
    );
}

fn preflight(origin: &str) -> [(&'static str, String); 3] {
    [
        ("Origin", origin.to_owned()),
        ("Access-Control-Request-Method", "GET".to_owned()),
        ("Access-Control-Request-Headers", "authorization".to_owned()),
    ]
}

#[test]
fn cors_allows_only_the_configured_origins() {
    let app = spawn_app(&[("CORS_ALLOWED_ORIGINS", "https://lms.example.edu")]);
    let headers = preflight("https://lms.example.edu");
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let answer =
        crate::helpers::request_with(app.address, "OPTIONS", b"/api/video/token", &headers);
    assert_eq!(answer.status, 200, "{:?}", answer.headers);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://lms.example.edu")
    );
    assert!(
        answer
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    let simple = app.get_with(
        "/api/video/token?room=r&user=u",
        &[("Origin", "https://lms.example.edu")],
    );
    assert_eq!(
        simple.header("access-control-allow-origin"),
        Some("https://lms.example.edu")
    );

    let foreign = app.get_with(
        "/api/video/token?room=r&user=u",
        &[("Origin", "https://evil.example")],
    );
    assert_eq!(
        foreign.header("access-control-allow-origin"),
        None,
        "{:?}",
        foreign.headers
    );
}

#[test]
fn no_cross_origin_access_by_default() {
    let app = spawn_app(&[]);
    let response = app.get_with(
        "/api/video/token?room=r&user=u",
        &[("Origin", "https://lms.example.edu")],
    );
    assert_eq!(response.header("access-control-allow-origin"), None);
    let headers = preflight("https://lms.example.edu");
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let answer =
        crate::helpers::request_with(app.address, "OPTIONS", b"/api/video/token", &headers);
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[test]
fn request_bodies_are_refused_with_413() {
    let app = spawn_app(&[]);
    let big = crate::helpers::request_with(
        app.address,
        "GET",
        b"/api/video/token?room=r&user=u",
        &[("Content-Length", "1000000")],
    );
    assert_eq!(
        (big.status, big.json()["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let chunked = crate::helpers::request_with(
        app.address,
        "GET",
        b"/api/video/token?room=r&user=u",
        &[("Transfer-Encoding", "chunked")],
    );
    assert_eq!(chunked.status, 413);
}

#[test]
fn oversized_heads_are_refused() {
    let app = spawn_app(&[]);
    // Targets over 64 KiB: the HTTP layer refuses them (400, before routing).
    let target = format!("/healthz?x={}", "r".repeat(70 * 1024));
    assert_eq!(app.get(&target).status, 400);
    // A head over 128 KiB, or with more than 96 header lines: 431.
    let big = "v".repeat(200 * 1024);
    assert_eq!(app.get_with("/healthz", &[("X-Big", &big)]).status, 431);
    let names: Vec<String> = (0..120).map(|i| format!("X-Header-{i}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    assert_eq!(app.get_with("/healthz", &many).status, 431);
}

#[test]
fn slow_clients_are_cut_off_after_the_request_timeout() {
    let app = spawn_app(&[]);
    let started = Instant::now();
    let mut stream = TcpStream::connect(app.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(b"GET /api/video/token?room=r&user=u HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(15),
        "{waited:?}"
    );
    if !raw.is_empty() {
        assert_eq!(parse_response(&raw).status, 408);
    }
}
