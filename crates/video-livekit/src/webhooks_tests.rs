#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use livekit_api::access_token::AccessToken;
use sha2::{Digest, Sha256};
use video_core::{ReceiveError, ReceivedEvent, Role, SessionEventKind, SessionEventReceiver as _};

use super::*;

const KEY: &str = "APItest";
const SECRET: &str = "webhook-test-secret-0123456789abcdef";

fn webhooks() -> LiveKitWebhooks {
    LiveKitWebhooks::new(&LiveKitSettings::new("ws://127.0.0.1:7880", KEY, SECRET.into()).unwrap())
}

/// Signs `body` as LiveKit does: a JWT of the key pair whose `sha256` claim is the body's hash.
fn sign(body: &str, secret: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    AccessToken::with_api_key(KEY, secret)
        .with_sha256(&hash)
        .to_jwt()
        .unwrap()
}

fn participant_body(event: &str, attributes: &str) -> String {
    format!(
        r#"{{"event":"{event}","room":{{"sid":"RM_1","name":"physics-101"}},
            "participant":{{"sid":"PA_7","identity":"student-42","name":"Bob Brown","attributes":{attributes}}},
            "id":"EV_{event}","createdAt":"1760000000"}}"#
    )
}

fn receive(body: &str) -> Result<ReceivedEvent, ReceiveError> {
    webhooks().receive(body, &sign(body, SECRET))
}

#[test]
fn the_five_events_become_session_events_with_id_room_time_and_participant() {
    for (name, role) in [
        ("participant_joined", "host"),
        ("participant_left", "participant"),
        ("participant_connection_aborted", "viewer"),
    ] {
        let body = participant_body(name, &format!(r#"{{"{ROLE_ATTRIBUTE}":"{role}"}}"#));
        let ReceivedEvent::Session(event) = receive(&body).unwrap() else {
            panic!("{name} is a session event");
        };
        assert_eq!(event.kind.name(), name);
        assert_eq!(event.id.as_str(), format!("EV_{name}"));
        assert_eq!(event.room.as_str(), "physics-101");
        assert_eq!(
            event.at,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000)
        );
        let participant = event.participant().unwrap();
        assert_eq!(participant.identity.as_str(), "student-42");
        assert_eq!(participant.session_id.as_ref().unwrap().as_str(), "PA_7");
        assert_eq!(
            participant.display_name.as_ref().unwrap().as_str(),
            "Bob Brown"
        );
        assert_eq!(participant.role, Some(role.parse::<Role>().unwrap()));
    }
    for (name, kind) in [
        ("room_started", SessionEventKind::RoomStarted),
        ("room_finished", SessionEventKind::RoomFinished),
    ] {
        // createdAt as a number is accepted too (protobuf JSON allows both).
        let body = format!(
            r#"{{"event":"{name}","room":{{"name":"physics-101"}},"id":"EV_r","createdAt":1760000001}}"#
        );
        let ReceivedEvent::Session(event) = receive(&body).unwrap() else {
            panic!("{name}");
        };
        assert_eq!(event.kind, kind);
        assert!(event.participant().is_none());
    }
}

#[test]
fn the_tokens_issue_time_is_read_from_its_attribute() {
    let body = participant_body(
        "participant_joined",
        r#"{"openconnect.role":"participant","openconnect.issued_at":"1700000000123"}"#,
    );
    let ReceivedEvent::Session(event) = receive(&body).unwrap() else {
        panic!("a session event");
    };
    assert_eq!(
        event.participant().unwrap().token_issued_at,
        Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123))
    );
    let body = participant_body("participant_joined", r#"{"openconnect.issued_at":"soon"}"#);
    let ReceivedEvent::Session(event) = receive(&body).unwrap() else {
        panic!("a session event");
    };
    assert_eq!(event.participant().unwrap().token_issued_at, None);
}

#[test]
fn unknown_or_missing_role_names_and_sids_are_left_out_not_guessed() {
    let body = participant_body("participant_joined", r#"{"openconnect.role":"admin"}"#)
        .replace(r#""sid":"PA_7","#, "")
        .replace(r#""name":"Bob Brown","#, "");
    let ReceivedEvent::Session(event) = receive(&body).unwrap() else {
        panic!("a session event");
    };
    let participant = event.participant().unwrap();
    assert_eq!(participant.role, None);
    assert_eq!(participant.session_id, None);
    assert_eq!(participant.display_name, None);
}

#[test]
fn other_events_are_verified_and_ignored_explicitly() {
    let body =
        r#"{"event":"track_published","room":{"name":"physics-101"},"id":"EV_t","createdAt":"1"}"#;
    assert_eq!(
        receive(body).unwrap(),
        ReceivedEvent::Ignored {
            event: "track_published".to_owned()
        }
    );
}

#[test]
fn a_bearer_prefix_added_by_a_proxy_is_accepted() {
    let body = participant_body("participant_joined", "{}");
    let header = format!("Bearer {}", sign(&body, SECRET));
    assert!(matches!(
        webhooks().receive(&body, &header),
        Ok(ReceivedEvent::Session(_))
    ));
}

#[test]
fn forged_deliveries_are_unauthorized() {
    let body = participant_body("participant_joined", "{}");
    let other_body = body.replace("student-42", "student-43");
    let no_hash = AccessToken::with_api_key(KEY, SECRET).to_jwt().unwrap();
    let bad_base64 = AccessToken::with_api_key(KEY, SECRET)
        .with_sha256("not base64!")
        .to_jwt()
        .unwrap();
    let cases = [
        (
            "another secret",
            sign(&body, "another-secret-0123456789abcdefghij"),
        ),
        ("the signature of another body", sign(&other_body, SECRET)),
        ("no header", String::new()),
        ("not a JWT", "garbage".to_owned()),
        ("no sha256 claim", no_hash),
        ("a sha256 claim that is not base64", bad_base64),
    ];
    for (case, header) in cases {
        let error = webhooks().receive(&body, &header).unwrap_err();
        assert!(
            matches!(error, ReceiveError::Unauthorized(_)),
            "{case}: {error}"
        );
        assert!(!error.to_string().contains("student-42"), "{case}: {error}");
    }
}

#[test]
fn signed_bodies_that_are_not_usable_events_are_malformed() {
    let joined = participant_body("participant_joined", "{}");
    let cases = [
        ("not JSON", "{not json".to_owned()),
        (
            "no room",
            joined.replace(r#""room":{"sid":"RM_1","name":"physics-101"},"#, ""),
        ),
        (
            "an empty room name",
            joined.replace(r#""name":"physics-101""#, r#""name":"""#),
        ),
        (
            "no participant",
            r#"{"event":"participant_left","room":{"name":"r"},"id":"EV_1","createdAt":"1"}"#
                .to_owned(),
        ),
        (
            "an empty identity",
            joined.replace(r#""identity":"student-42""#, r#""identity":"""#),
        ),
        (
            "an empty event id",
            joined.replace(r#""id":"EV_participant_joined""#, r#""id":"""#),
        ),
        (
            "a negative time",
            joined.replace(r#""createdAt":"1760000000""#, r#""createdAt":"-5""#),
        ),
    ];
    for (case, body) in cases {
        let error = receive(&body).unwrap_err();
        assert!(
            matches!(error, ReceiveError::Malformed(_)),
            "{case}: {error}"
        );
    }
}

#[test]
fn debug_shows_no_secret() {
    let shown = format!("{:?}", webhooks());
    assert!(!shown.contains(SECRET), "{shown}");
}

#[test]
fn the_settings_hand_out_this_receiver_for_the_server() {
    use video_core::ProviderSettings as _;
    let settings = LiveKitSettings::new("ws://127.0.0.1:7880", KEY, SECRET.into()).unwrap();
    let receiver = settings.session_events().expect("LiveKit sends webhooks");
    let body = participant_body("participant_left", "{}");
    assert!(matches!(
        receiver.receive(&body, &sign(&body, SECRET)),
        Ok(ReceivedEvent::Session(_))
    ));
}
