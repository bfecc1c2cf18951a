use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_api::access_token::TokenVerifier;

use crate::helpers::{API_KEY, LIVEKIT_URL, spawn_app, verify};

#[test]
fn issues_a_verifiable_token_with_the_ticket_fields() {
    // Arrange
    let app = spawn_app(&[]);

    // Act
    let response = app.get("/api/video/token?room=demo&user=alice");

    // Assert
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body = response.json();
    assert_eq!(body["url"], LIVEKIT_URL);
    assert_eq!(body["identity"], "alice");
    assert_eq!(body["room"], "demo");
    let claims = verify(body["token"].as_str().unwrap());
    assert_eq!(claims.iss, API_KEY);
    assert_eq!(claims.sub, "alice");
    assert_eq!(claims.video.room, "demo");
    assert!(claims.video.room_join);
    assert_eq!(
        claims.exp - claims.nbf,
        1800,
        "exp - nbf = LIVEKIT_TOKEN_TTL_HOURS (0.5 h)"
    );
    let expires_at = humantime::parse_rfc3339(body["expires_at"].as_str().unwrap()).unwrap();
    let exp = SystemTime::UNIX_EPOCH + Duration::from_secs(claims.exp as u64);
    assert_eq!(
        expires_at, exp,
        "expires_at is the token's exp, in RFC 3339"
    );
}

#[test]
fn grants_follow_the_role() {
    let app = spawn_app(&[]);
    let grants = |role: &str| {
        let body = app
            .get(&format!("/api/video/token?room=r&user=u&role={role}"))
            .json();
        verify(body["token"].as_str().unwrap()).video
    };

    let host = grants("host");
    assert_eq!(
        (host.can_publish, host.can_publish_data, host.room_admin),
        (Some(true), Some(true), true)
    );
    assert!(host.can_publish_sources.is_empty());

    let participant = grants("participant");
    assert_eq!(
        (
            participant.can_publish,
            participant.can_publish_data,
            participant.room_admin
        ),
        (Some(true), Some(true), false)
    );
    assert_eq!(participant.can_publish_sources, ["camera", "microphone"]);

    let viewer = grants("viewer");
    assert_eq!(
        (
            viewer.can_publish,
            viewer.can_publish_data,
            viewer.room_admin
        ),
        (Some(false), Some(false), false)
    );
    for grants in [host, participant, viewer] {
        assert_eq!(grants.can_subscribe, Some(true));
    }
}

#[test]
fn default_role_is_participant() {
    let app = spawn_app(&[]);
    let body = app.get("/api/video/token?room=r&user=u").json();
    let video = verify(body["token"].as_str().unwrap()).video;
    assert_eq!((video.can_publish, video.room_admin), (Some(true), false));
    assert_eq!(video.can_publish_sources, ["camera", "microphone"]);
}

#[test]
fn decodes_names_exactly_and_sets_the_display_name() {
    let app = spawn_app(&[]);
    let body = app
        .get("/api/video/token?room=Physik+101%2B&user=s%C3%A9b%40uni.example&name=S%C3%A9b+%F0%9F%8E%93")
        .json();
    assert_eq!(
        (body["room"].as_str(), body["identity"].as_str()),
        (Some("Physik 101+"), Some("séb@uni.example"))
    );
    let claims = verify(body["token"].as_str().unwrap());
    assert_eq!(
        (claims.video.room.as_str(), claims.sub.as_str()),
        ("Physik 101+", "séb@uni.example")
    );
    assert_eq!(claims.name, "Séb 🎓");
}

#[test]
fn names_of_exactly_256_bytes_are_accepted() {
    let app = spawn_app(&[]);
    let room = "r".repeat(256);
    let response = app.get(&format!("/api/video/token?room={room}&user=u"));
    assert_eq!(response.status, 200);
    assert_eq!(
        verify(response.json()["token"].as_str().unwrap())
            .video
            .room,
        room
    );
}

#[test]
fn a_token_does_not_verify_with_another_secret() {
    let app = spawn_app(&[]);
    let token = app.get("/api/video/token?room=r&user=u").json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = TokenVerifier::with_api_key(API_KEY, "a-completely-different-secret-0123456789");
    assert!(other.verify(&token).is_err());
}

#[test]
fn decoded_claims_match_the_snapshot() {
    let app = spawn_app(&[]);
    let body = app
        .get("/api/video/token?room=physics-101&user=student-42&name=Ada&role=host")
        .json();
    let claims = verify(body["token"].as_str().unwrap());
    let claims = serde_json::to_value(&claims).unwrap();
    let issued_at: u128 = claims["attributes"]["openconnect.issued_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    assert!(now.abs_diff(issued_at) < 60_000, "issued now, in ms");
    insta::assert_json_snapshot!("host_token_claims", claims, {
        ".exp" => "[exp]",
        ".nbf" => "[nbf]",
        ".attributes[\"openconnect.issued_at\"]" => "[issued_at ms]",
    });
}

#[test]
fn the_admin_grant_policy_reaches_the_tokens() {
    let app = spawn_app(&[
        (
            "LIVEKIT_PARTICIPANT_SOURCES",
            "camera,microphone,screen_share",
        ),
        ("LIVEKIT_VIEWER_CAN_PUBLISH_DATA", "true"),
    ]);
    let student = app.get("/api/video/token?room=r&user=s").json();
    let video = verify(student["token"].as_str().unwrap()).video;
    assert_eq!(
        video.can_publish_sources,
        ["camera", "microphone", "screen_share"]
    );
    let observer = app.get("/api/video/token?room=r&user=o&role=viewer").json();
    let video = verify(observer["token"].as_str().unwrap()).video;
    assert_eq!(
        (video.can_publish, video.can_publish_data),
        (Some(false), Some(true))
    );
}
