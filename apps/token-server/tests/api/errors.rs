use std::collections::BTreeMap;

use crate::helpers::spawn_app;

/// Every bad input, its expected status and code, and why.
const BAD_QUERIES: &[(&str, &str, &str)] = &[
    (
        "missing room",
        "/api/video/token?user=u",
        "missing_parameter",
    ),
    (
        "missing user",
        "/api/video/token?room=r",
        "missing_parameter",
    ),
    ("no query at all", "/api/video/token", "missing_parameter"),
    (
        "empty room",
        "/api/video/token?room=&user=u",
        "empty_parameter",
    ),
    (
        "empty user",
        "/api/video/token?room=r&user=",
        "empty_parameter",
    ),
    (
        "empty name",
        "/api/video/token?room=r&user=u&name=",
        "empty_parameter",
    ),
    (
        "room without value",
        "/api/video/token?room&user=u",
        "empty_parameter",
    ),
    (
        "control character (newline) in user",
        "/api/video/token?room=r&user=a%0Ab",
        "invalid_characters",
    ),
    (
        "control character (NUL) in room",
        "/api/video/token?room=%00&user=u",
        "invalid_characters",
    ),
    (
        "control character (DEL) in name",
        "/api/video/token?room=r&user=u&name=%7F",
        "invalid_characters",
    ),
    (
        "duplicated room",
        "/api/video/token?room=a&room=b&user=u",
        "duplicate_parameter",
    ),
    (
        "duplicated user, same value",
        "/api/video/token?room=r&user=u&user=u",
        "duplicate_parameter",
    ),
    (
        "duplicated role",
        "/api/video/token?room=r&user=u&role=viewer&role=host",
        "duplicate_parameter",
    ),
    (
        "unknown parameter",
        "/api/video/token?room=r&user=u&admin=true",
        "unknown_parameter",
    ),
    (
        "truncated percent-encoding",
        "/api/video/token?room=r%2&user=u",
        "malformed_query",
    ),
    (
        "non-hex percent-encoding",
        "/api/video/token?room=r&user=%zz",
        "malformed_query",
    ),
    (
        "lone percent sign",
        "/api/video/token?room=100%&user=u",
        "malformed_query",
    ),
    (
        "percent-encoded invalid UTF-8",
        "/api/video/token?room=r&user=%FF%FE",
        "malformed_query",
    ),
    (
        "percent-encoded overlong UTF-8",
        "/api/video/token?room=%C0%AF&user=u",
        "malformed_query",
    ),
    (
        "unknown role",
        "/api/video/token?room=r&user=u&role=admin",
        "unknown_role",
    ),
    (
        "role in the wrong case",
        "/api/video/token?room=r&user=u&role=Host",
        "unknown_role",
    ),
];

fn too_long_cases() -> Vec<(String, String)> {
    vec![
        (
            "257-byte room".into(),
            format!("/api/video/token?room={}&user=u", "r".repeat(257)),
        ),
        (
            "257-byte user".into(),
            format!("/api/video/token?room=r&user={}", "u".repeat(257)),
        ),
        // 129 × "é" (2 bytes each) = 258 bytes, though only 129 characters.
        (
            "258-byte name".into(),
            format!(
                "/api/video/token?room=r&user=u&name={}",
                "%C3%A9".repeat(129)
            ),
        ),
    ]
}

#[test]
fn bad_queries_are_400_problem_details_with_a_stable_code() {
    let app = spawn_app(&[]);
    let mut bodies = BTreeMap::new();
    let long = too_long_cases();
    let cases = BAD_QUERIES
        .iter()
        .map(|(why, target, code)| (why.to_string(), target.to_string(), *code))
        .chain(
            long.into_iter()
                .map(|(why, target)| (why, target, "parameter_too_long")),
        );
    for (why, target, code) in cases {
        let response = app.get(&target);
        assert_eq!(response.status, 400, "{why}: {}", response.text());
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{why}"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"), "{why}");
        let body = response.json();
        assert_eq!(body["code"], code, "{why}");
        assert_eq!(body["status"], 400, "{why}");
        assert_eq!(
            body["type"],
            format!("urn:openconnect-video:problem:{code}"),
            "{why}"
        );
        bodies.insert(why, body);
    }
    insta::assert_json_snapshot!("bad_query_problem_bodies", bodies);
}

#[test]
fn problem_details_never_echo_the_input() {
    let app = spawn_app(&[]);
    let marker = "Z9marker";
    for target in [
        format!("/api/video/token?room={marker}%0A&user=u"),
        format!("/api/video/token?room=r&user={marker}&role={marker}"),
        format!("/api/video/token?room=r&user=u&{marker}=1"),
        format!("/api/video/token?room={}&user={marker}", "x".repeat(300)),
    ] {
        let response = app.get(&target);
        assert_eq!(response.status, 400);
        assert!(!response.text().contains(marker), "{}", response.text());
    }
}

#[test]
fn raw_non_utf8_bytes_in_the_target_are_refused_without_a_500() {
    let app = spawn_app(&[]);
    let response = app.get_raw(b"/api/video/token?room=\xff\xfe&user=u");
    assert!(response.status == 400, "status {}", response.status);
}

#[test]
fn unknown_paths_are_404_problem_details() {
    let app = spawn_app(&[]);
    let mut bodies = BTreeMap::new();
    for target in [
        "/",
        "/nope",
        "/api/video/token/extra",
        "/api/video/tokens?room=r&user=u",
        "/API/VIDEO/TOKEN",
    ] {
        let response = app.get(target);
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{target}"
        );
        bodies.insert(target, response.json());
    }
    insta::assert_json_snapshot!("not_found_problem_bodies", bodies);
}

#[test]
fn wrong_methods_are_405_problem_details_with_allow() {
    let app = spawn_app(&[]);
    let mut bodies = BTreeMap::new();
    for (method, target) in [
        ("POST", "/api/video/token?room=r&user=u"),
        ("PUT", "/api/video/token"),
        ("DELETE", "/api/video/token"),
        ("PATCH", "/healthz"),
        ("POST", "/readyz"),
    ] {
        let response = app.request(method, target);
        assert_eq!(response.status, 405, "{method} {target}");
        assert_eq!(response.header("allow"), Some("GET"), "{method} {target}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json")
        );
        bodies.insert(format!("{method} {target}"), response.json());
    }
    insta::assert_json_snapshot!("method_not_allowed_problem_bodies", bodies);
}
