//! Google Meet through the token server, against the stand-in of Google's two endpoints that
//! video-google-meet's own tests use (Google cannot be reached from here): the answer is the
//! meeting link, one space per room, and what Meet cannot do is said plainly.

use crate::google::{self, StandIn};
use crate::helpers::{TestApp, postgres_url, spawn_app};

/// A server with LiveKit the default and Google Meet enabled beside it, pointed at `stand_in`.
fn with_meet(stand_in: &StandIn, dir: &tempfile::TempDir, extra: &[(&str, &str)]) -> TestApp {
    let key = google::key_json(google::test_key(), &stand_in.token_uri());
    let key_file = google::write_key_file(dir, "service-account.json", &key);
    let key_file = key_file.to_str().unwrap().to_owned();
    let api_url = stand_in.api_url();
    let mut vars = vec![
        ("VIDEO_PROVIDERS", "google-meet"),
        ("GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE", key_file.as_str()),
        ("GOOGLE_MEET_IMPERSONATE_USER", google::USER),
        ("GOOGLE_MEET_API_URL", api_url.as_str()),
    ];
    vars.extend_from_slice(extra);
    spawn_app(&vars)
}

#[test]
fn a_meet_ticket_is_the_rooms_meeting_link_and_one_space_serves_the_whole_class() {
    let stand_in = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let app = with_meet(&stand_in, &dir, &[]);

    let host =
        app.get("/api/video/token?room=physics-101&user=prof-1&role=host&provider=google-meet");
    assert_eq!(host.status, 200, "{}", host.text());
    assert_eq!(host.header("cache-control"), Some("no-store"));
    let body = host.json();
    assert_eq!(body["provider"], "google-meet");
    assert_eq!(
        body["token"], "",
        "Meet has no token: the link is the ticket"
    );
    let link = body["url"].as_str().unwrap().to_owned();
    assert!(link.starts_with("https://meet.google.com/"), "{link}");
    assert_eq!(
        (body["identity"].as_str(), body["room"].as_str()),
        (Some("prof-1"), Some("physics-101"))
    );

    // The students of the same room get the same link, without another space.
    for student in ["student-1", "student-2"] {
        let target =
            format!("/api/video/token?room=physics-101&user={student}&provider=google-meet");
        let answer = app.get(&target);
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.json()["url"], link.as_str());
    }
    // Another room, another space.
    let other = app.get("/api/video/token?room=chemistry-7&user=student-1&provider=google-meet");
    assert_ne!(other.json()["url"], link.as_str());
    assert_eq!(stand_in.spaces_created(), 2);
    assert_eq!(
        stand_in.token_requests().len(),
        1,
        "one token exchange, cached"
    );
    assert!(
        stand_in.rejections().is_empty(),
        "{:?}",
        stand_in.rejections()
    );

    // LiveKit, the default, is unchanged beside it.
    let livekit = app.get("/api/video/token?room=physics-101&user=student-1");
    assert_eq!(livekit.json()["provider"], "livekit");

    // No room administration for Meet: 501 naming the operation.
    let end = app.send(
        "DELETE",
        "/api/video/rooms/physics-101?provider=google-meet",
        &[],
        b"",
    );
    assert_eq!(end.status, 501, "{}", end.text());
    assert_eq!(end.json()["code"], "not_supported");
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.text());
}

#[test]
fn every_replica_and_every_restart_hands_out_the_rooms_one_link() {
    // Two token servers on one PostgreSQL (docs/deployment.md), Google Meet enabled on both: the
    // room's space is recorded in the database, so a class split across the replicas meets in
    // one meeting, and a restart keeps the link.
    let stand_in = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let database = [("DATABASE_URL", postgres_url())];
    let a = with_meet(&stand_in, &dir, &database);
    let b = with_meet(&stand_in, &dir, &database);
    // A room of this run's own: the database may outlive it (TEST_DATABASE_URL).
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let link = |app: &TestApp, room: &str, user: &str| {
        let target = format!("/api/video/token?room={room}&user={user}&provider=google-meet");
        let answer = app.get(&target);
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()["url"].as_str().unwrap().to_owned()
    };
    let room = format!("meet-replicas-{stamp}");
    let first = link(&a, &room, "student-1");
    assert_eq!(link(&b, &room, "student-2"), first);
    assert_eq!(
        stand_in.spaces_created(),
        1,
        "the second replica read the first's space"
    );
    drop(a);
    let restarted = with_meet(&stand_in, &dir, &database);
    assert_eq!(link(&restarted, &room, "student-3"), first);
    assert_eq!(stand_in.spaces_created(), 1);

    // Both replicas on a new room's first join at the same moment: at most two spaces are
    // created, and both hand out the one the database kept.
    for round in 0..5 {
        let room = format!("meet-race-{stamp}-{round}");
        let (from_b, from_restarted) = std::thread::scope(|scope| {
            let one = scope.spawn(|| link(&b, &room, "student-1"));
            let two = scope.spawn(|| link(&restarted, &room, "student-2"));
            (one.join().unwrap(), two.join().unwrap())
        });
        assert_eq!(from_b, from_restarted, "round {round}");
    }
    assert!(
        stand_in.rejections().is_empty(),
        "{:?}",
        stand_in.rejections()
    );
}

#[test]
fn google_unreachable_is_a_503_and_the_server_still_starts_and_serves_livekit() {
    let stand_in = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    stand_in.behave(|behaviour| {
        behaviour.spaces = google::Reply::Status(
            503,
            serde_json::json!({"error": {"code": 503, "message": "backend unavailable", "status": "UNAVAILABLE"}}),
        );
    });
    let app = with_meet(&stand_in, &dir, &[]);
    let answer = app.get("/api/video/token?room=r&user=u&provider=google-meet");
    assert_eq!(answer.status, 503, "{}", answer.text());
    assert_eq!(answer.json()["code"], "provider_unavailable");
    assert!(
        !answer.text().contains("backend unavailable"),
        "Google's words stay in the log"
    );
    let livekit = app.get("/api/video/token?room=r&user=u");
    assert_eq!(livekit.status, 200);
}

#[test]
fn a_bad_key_file_stops_the_server_naming_the_variable_not_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-key.json");
    std::fs::write(
        &path,
        r#"{"type": "service_account", "private_key": "secret-material-0123"}"#,
    )
    .unwrap();
    let env = video_core::config::Environment::from_pairs([
        ("VIDEO_PROVIDERS", "google-meet"),
        (
            "GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE",
            path.to_str().unwrap(),
        ),
        ("GOOGLE_MEET_IMPERSONATE_USER", google::USER),
    ]);
    let error = token_server::ServerConfig::from_env(&env)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE is invalid"),
        "{error}"
    );
    assert!(!error.contains("secret-material"), "{error}");
}

#[test]
fn the_server_warns_that_meet_ignores_roles_not_that_its_spaces_are_in_memory() {
    // When serving, the spaces are in the server's database; the warnings say what is still true.
    let stand_in = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let key = google::key_json(google::test_key(), &stand_in.token_uri());
    let key_file = google::write_key_file(&dir, "service-account.json", &key);
    let config = crate::helpers::test_config(&[
        ("VIDEO_PROVIDERS", "google-meet"),
        (
            "GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE",
            key_file.to_str().unwrap(),
        ),
        ("GOOGLE_MEET_IMPERSONATE_USER", google::USER),
    ]);
    let warnings = config.warnings().join("\n");
    assert!(warnings.contains("cannot enforce roles"), "{warnings}");
    assert!(!warnings.contains("memory"), "{warnings}");
}
