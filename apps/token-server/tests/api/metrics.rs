//! `/metrics`: served on `METRICS_ADDR` only, in Prometheus' text format, counting what the
//! server did by fixed labels: never a person, a room, a credential or an address.

use std::collections::BTreeSet;
use std::time::Duration;

use token_server::auth::AuthError;
use token_server::metrics::{self, Metrics};
use video_attendance::AttendanceError;
use video_core::Role;

use crate::attendance::{event, signed};
use crate::helpers::{API_SECRET, PostgresDatabase, TestApp, request, spawn_app};

const METRICS_ON: (&str, &str) = ("METRICS_ADDR", "127.0.0.1:0");

/// The value of the sample `series` (name and labels exactly as rendered), if present.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().unwrap())
    })
}

fn value(scrape: &str, series: &str) -> f64 {
    sample(scrape, series).unwrap_or_else(|| panic!("no {series} in\n{scrape}"))
}

#[test]
fn the_scrape_counts_what_happened_and_names_no_one() {
    // Arrange: an API-key server, and requests full of values that must never become labels.
    let key = "zz-backend-key-5d1e0c9a77b2-0123456789abcdef";
    // LiveKit's API where nothing listens: room administration fails fast, as unavailable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let livekit_api = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let app = spawn_app(&[
        METRICS_ON,
        ("LIVEKIT_API_URL", &livekit_api),
        ("TOKEN_SERVER_AUTH", "api-key"),
        ("TOKEN_SERVER_API_KEYS", key),
        ("RATE_LIMIT_IDENTITY_PER_MINUTE", "1"),
        ("RATE_LIMIT_IDENTITY_BURST", "1"),
    ]);
    let (user, room, wrong_key) = ("zz-user-8f3a", "zz-room-4c1e", "zz-wrong-key-77e1");
    let token = format!("/api/video/token?room={room}&user={user}&role=host");
    let bearer = format!("Bearer {key}");

    // Act
    let issued = app.get_with(&token, &[("Authorization", &bearer)]);
    let limited = app.get_with(&token, &[("Authorization", &bearer)]);
    let wrong = format!("Bearer {wrong_key}");
    let refused = app.get_with(&token, &[("Authorization", &wrong)]);
    let missing = app.get(&token);
    let unmatched = app.get("/zz-path-91b2/zz-room-4c1e");
    let attendance = app.get(&format!("/api/video/rooms/{room}/attendance"));
    let odd_method = app.request("ZZMETHOD", "/healthz");
    // A webhook about the room, signed with the wrong secret, and one signed correctly.
    let body = event(
        "participant_joined",
        "EV_zz-event-id-3b",
        1_796_000_000,
        Some((user, "Zz Person-Name", "host")),
    );
    let forged = app.post_with(
        "/api/video/webhooks/livekit",
        &[(
            "Authorization",
            &signed(&body, "zz-not-the-secret-0123456789abcdef"),
        )],
        body.as_bytes(),
    );
    let stored = app.post_with(
        "/api/video/webhooks/livekit",
        &[("Authorization", &signed(&body, API_SECRET))],
        body.as_bytes(),
    );
    let removal = app.send(
        "DELETE",
        &format!("/api/video/rooms/{room}/participants/{user}"),
        &[("Authorization", &bearer)],
        b"",
    );
    let scrape = app.scrape();

    // Assert: what was answered…
    let statuses = [
        issued.status,
        limited.status,
        refused.status,
        missing.status,
        unmatched.status,
        attendance.status,
        odd_method.status,
        forged.status,
        stored.status,
        removal.status,
    ];
    assert_eq!(statuses, [200, 429, 401, 401, 404, 401, 405, 401, 200, 503]);
    // …is what was counted, by fixed words only.
    let token_route = r#"route="/api/video/token",method="GET""#;
    for (status, count) in [("200", 1.0), ("429", 1.0), ("401", 2.0)] {
        let series =
            format!("token_server_http_requests_total{{{token_route},status=\"{status}\"}}");
        assert_eq!(value(&scrape, &series), count, "{series}");
    }
    assert_eq!(
        value(
            &scrape,
            r#"token_server_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_http_requests_total{route="/api/video/rooms/{room}/attendance",method="GET",status="401"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_http_requests_total{route="/healthz",method="other",status="405"}"#
        ),
        1.0
    );
    let token_count = format!("token_server_http_request_duration_seconds_count{{{token_route}}}");
    assert_eq!(value(&scrape, &token_count), 4.0);
    let token_fast =
        format!("token_server_http_request_duration_seconds_bucket{{{token_route},le=\"5\"}}");
    assert_eq!(value(&scrape, &token_fast), 4.0);
    assert_eq!(
        value(
            &scrape,
            r#"token_server_tokens_issued_total{provider="livekit",role="host"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_tokens_issued_total{provider="livekit",role="viewer"}"#
        ),
        0.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_rate_limited_total{limit="identity"}"#
        ),
        1.0
    );
    assert_eq!(
        value(&scrape, r#"token_server_rate_limited_total{limit="ip"}"#),
        0.0
    );
    // The token route's wrong key and missing header, and the attendance route's missing one.
    assert_eq!(
        value(
            &scrape,
            r#"token_server_auth_failures_total{reason="invalid"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_auth_failures_total{reason="missing"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_webhook_events_total{event="unknown",outcome="unauthorized"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_webhook_events_total{event="participant_joined",outcome="stored"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_provider_calls_total{provider="livekit",operation="remove_participant",outcome="unavailable"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_http_requests_total{route="/api/video/rooms/{room}/participants/{identity}",method="DELETE",status="503"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_build_info{version="0.1.0",provider="livekit"}"#
        ),
        1.0
    );
    let lowered = scrape.to_lowercase();
    for secret in [
        user,
        room,
        key,
        wrong_key,
        "zz-path-91b2",
        "zzmethod",
        "zz-event-id",
        "zz person-name",
        "zz-not-the-secret",
        API_SECRET,
        "127.0.0.1",
        &livekit_api,
        "physics-101",
    ] {
        assert!(
            !lowered.contains(&secret.to_lowercase()),
            "the scrape names {secret:?}:\n{scrape}"
        );
    }
}

#[test]
fn metrics_are_served_on_their_own_listener_only() {
    let app = spawn_app(&[METRICS_ON]);
    let metrics_address = app.metrics_address.unwrap();
    assert_ne!(metrics_address, app.address);

    // The API's port has no /metrics.
    assert_eq!(app.get("/metrics").status, 404);
    // The metrics port has nothing but /metrics.
    let scrape = request(metrics_address, "GET", b"/metrics");
    assert_eq!(scrape.status, 200);
    assert_eq!(
        scrape.header("content-type"),
        Some(metrics::TEXT_FORMAT),
        "Prometheus' text format"
    );
    assert!(
        scrape
            .text()
            .contains("# TYPE token_server_http_requests_total counter")
    );
    for path in ["/api/video/token?room=a&user=b", "/healthz", "/metrics/x"] {
        let response = request(metrics_address, "GET", path.as_bytes());
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.json()["code"], "not_found", "{path}");
    }
    let post = request(metrics_address, "POST", b"/metrics");
    assert_eq!((post.status, post.header("allow")), (405, Some("GET")));
    // Scrapes are not counted as API traffic.
    let scrape = app.scrape();
    assert!(!scrape.contains(r#"route="/metrics""#), "{scrape}");
}

#[test]
fn without_metrics_addr_nothing_is_served() {
    let app: TestApp = spawn_app(&[]);
    assert_eq!(app.metrics_address, None);
    assert_eq!(app.get("/metrics").status, 404);
}

#[test]
fn a_database_that_goes_away_is_counted_by_operation() {
    // Arrange: a server on a PostgreSQL database of its own, ready.
    let database = actix_web::rt::System::new().block_on(PostgresDatabase::create());
    let url = secrecy::ExposeSecret::expose_secret(&database.url).to_owned();
    let app = spawn_app(&[METRICS_ON, ("DATABASE_URL", &url)]);
    assert_eq!(app.get("/readyz").status, 200);

    // Act: the database is dropped under it (its connections terminated).
    actix_web::rt::System::new().block_on(database.drop_database());
    let ready = app.get("/readyz");
    let body = event("room_started", "EV_db_1", 1_796_000_000, None);
    let webhook = app.post_with(
        "/api/video/webhooks/livekit",
        &[("Authorization", &signed(&body, API_SECRET))],
        body.as_bytes(),
    );
    let scrape = app.scrape();

    // Assert
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert!([500, 503].contains(&webhook.status), "{}", webhook.text());
    assert_eq!(
        value(
            &scrape,
            r#"token_server_database_errors_total{operation="ping"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_database_errors_total{operation="append"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_webhook_events_total{event="room_started",outcome="storage_error"}"#
        ),
        1.0
    );
    assert!(
        !scrape.contains("attendance_test_"),
        "no database name:\n{scrape}"
    );
}

#[test]
fn provider_calls_and_database_errors_are_counted_by_operation_and_outcome() {
    // The room administration routes call `provider_call`; the attendance routes, the readiness
    // probe and the purge call `database_error`. Here, directly.
    let metrics = Metrics::new(&["livekit"]);
    metrics.provider_call("livekit", "list_rooms", "ok", Duration::from_millis(12));
    metrics.provider_call("livekit", "list_rooms", "ok", Duration::from_millis(30));
    metrics.provider_call(
        "livekit",
        "delete_room",
        "unavailable",
        Duration::from_secs(3),
    );
    let unavailable = AttendanceError::Unavailable("the database is down".into());
    metrics.database_error("ping", &unavailable);
    metrics.database_error("report", &AttendanceError::NotFound);
    let scrape = metrics.render().unwrap();
    let calls = |labels: &str| {
        value(
            &scrape,
            &format!("token_server_provider_calls_total{{{labels}}}"),
        )
    };
    assert_eq!(
        calls(r#"provider="livekit",operation="list_rooms",outcome="ok""#),
        2.0
    );
    assert_eq!(
        calls(r#"provider="livekit",operation="delete_room",outcome="unavailable""#),
        1.0
    );
    let duration = "token_server_provider_call_duration_seconds";
    assert_eq!(
        value(
            &scrape,
            &format!(
                r#"{duration}_bucket{{provider="livekit",operation="list_rooms",le="0.025"}}"#
            )
        ),
        1.0
    );
    assert_eq!(
        value(
            &scrape,
            &format!(r#"{duration}_count{{provider="livekit",operation="list_rooms"}}"#)
        ),
        2.0
    );
    assert_eq!(
        value(
            &scrape,
            &format!(r#"{duration}_bucket{{provider="livekit",operation="delete_room",le="2.5"}}"#)
        ),
        0.0
    );
    let errors = |operation: &str| {
        value(
            &scrape,
            &format!("token_server_database_errors_total{{operation=\"{operation}\"}}"),
        )
    };
    // "No attendance for this room" is an answer, not a database error.
    assert_eq!((errors("ping"), errors("report")), (1.0, 0.0));
}

/// Every `token_server_*` name in `text`, as written (histograms with their suffixes).
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("token_server_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

/// What the server exports, each recording function called once.
fn every_exported_name() -> BTreeSet<String> {
    let metrics = Metrics::new(&["livekit"]);
    metrics.http_request(
        Some("/api/video/token"),
        &actix_web::http::Method::GET,
        actix_web::http::StatusCode::OK,
        Duration::from_micros(300),
    );
    metrics.token_issued("livekit", Role::Participant);
    metrics.auth_failure(&AuthError::Missing);
    metrics.rate_limited("ip");
    metrics.webhook("room_started", "stored");
    metrics.provider_call("livekit", "list_rooms", "ok", Duration::from_millis(5));
    metrics.database_error("append", &AttendanceError::Unavailable("down".into()));
    let scrape = metrics.render().unwrap();
    // The samples' names (`…_bucket`, `…_count` for histograms) and the metrics' own.
    let exported: BTreeSet<String> = scrape
        .lines()
        .filter_map(|line| match line.strip_prefix("# TYPE ") {
            Some(typed) => typed.split(' ').next(),
            None if line.starts_with('#') => None,
            None => line.split(['{', ' ']).next(),
        })
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    // Every documented metric is exported.
    for (name, _) in metrics::METRICS {
        assert!(
            exported.iter().any(|e| e.starts_with(name)),
            "{name} is not exported:\n{scrape}"
        );
    }
    exported
}

#[test]
fn the_dashboard_and_the_alerts_query_only_exported_metrics() {
    let exported = every_exported_name();
    let deploy = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/monitoring/");
    for file in ["grafana-dashboard.json", "alerts.yml"] {
        let text = std::fs::read_to_string(format!("{deploy}{file}")).unwrap();
        let queried = metric_names(&text);
        assert!(queried.len() >= 5, "{file} queries {queried:?}");
        let unknown: Vec<_> = queried.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{file} queries metrics the server does not export: {unknown:?}; it exports {exported:?}"
        );
    }
}

#[test]
fn operations_doc_lists_every_metric() {
    let doc = include_str!("../../../../docs/operations.md");
    for (name, _) in metrics::METRICS {
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/operations.md lacks {name}"
        );
    }
    for name in metric_names(doc) {
        let known = metrics::METRICS
            .iter()
            .any(|(metric, _)| name.starts_with(metric) || metric.starts_with(&name));
        assert!(
            known,
            "docs/operations.md names {name}, which the server does not export"
        );
    }
}

#[test]
fn the_web_page_is_one_route_and_its_missing_files_are_unmatched() {
    let dist =
        std::env::temp_dir().join(format!("token-server-metrics-dist-{}", std::process::id()));
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Live</title>",
    )
    .unwrap();
    std::fs::write(dist.join("assets/zz-app-1f2e.js"), "console.log('live');").unwrap();
    let app = spawn_app(&[METRICS_ON, ("WEB_DIST_DIR", dist.to_str().unwrap())]);

    let statuses = [
        app.get("/").status,
        app.get("/assets/zz-app-1f2e.js").status,
        app.get("/zz-missing-7c0d/file").status,
    ];
    let scrape = app.scrape();
    std::fs::remove_dir_all(&dist).unwrap();

    assert_eq!(statuses, [200, 200, 404]);
    assert_eq!(
        value(
            &scrape,
            r#"token_server_http_requests_total{route="web_page",method="GET",status="200"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            &scrape,
            r#"token_server_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        1.0
    );
    assert!(
        !scrape.contains(r#"route="""#),
        "no empty route label:\n{scrape}"
    );
    assert!(!scrape.contains("zz-"), "no path in a label:\n{scrape}");
}
