//! `video-livekit` against the real LiveKit server (the pinned version, started by
//! `scripts/livekit.sh run`): the server accepts the tokens this crate mints for every role,
//! refuses forged, expired and foreign ones, and its RoomService answers our key pair.
//!
//! `participants_match_the_browsers` is run by the browser tests (apps/web/e2e/meeting.test.mjs)
//! while real browsers are in a room, with the room's expectations in its environment: it is the
//! server's own view of what the pages show.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use livekit_api::services::room::{CreateRoomOptions, RoomClient};
use livekit_protocol::{ParticipantInfo, TrackSource, TrackType, participant_info};
use secrecy::SecretString;
use support::{LiveKit, WebhookSink, http_get};
use video_core::SessionEventKind;
use video_core::{ParticipantIdentity, Role, RoomName};
use video_core::{ReceiveError, ReceivedEvent, SessionEventReceiver as _};
use video_livekit::webhooks::LiveKitWebhooks;
use video_livekit::{LiveKitProvider, LiveKitSettings};

fn provider(livekit: &LiveKit, secret: &str) -> LiveKitProvider {
    let settings = LiveKitSettings::new(
        &livekit.url,
        &livekit.api_key,
        SecretString::from(secret.to_owned()),
    )
    .expect("valid settings");
    LiveKitProvider::new(settings)
}

fn request(room: &str, user: &str, role: Role) -> video_core::JoinRequest {
    video_core::JoinRequest::new(
        RoomName::parse(room).expect("room"),
        ParticipantIdentity::parse(user).expect("identity"),
        role,
    )
}

/// LiveKit's own check of a join token: `GET /rtc/validate?access_token=…`.
fn validate(livekit: &LiveKit, token: &str) -> (u16, String) {
    http_get(
        livekit.address(),
        &format!("/rtc/validate?access_token={token}"),
    )
    .expect("LiveKit answers /rtc/validate")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

#[test]
fn the_real_server_accepts_our_tokens_and_refuses_forged_expired_and_foreign_ones() {
    let livekit = LiveKit::start();
    let ours = provider(&livekit, &livekit.api_secret);

    for role in Role::ALL {
        let ticket = ours
            .mint(&request("physics-101", "ada", role))
            .expect("mint");
        let (status, body) = validate(&livekit, ticket.token());
        assert_eq!(
            (status, body.as_str()),
            (200, "success"),
            "{role} token refused; LiveKit's log ends:\n{}",
            livekit.log_tail()
        );
    }

    // Signed with another secret (a token server configured with the wrong LIVEKIT_API_SECRET).
    let foreign = provider(&livekit, "another-secret-0123456789abcdefghijklmn")
        .mint(&request("physics-101", "ada", Role::Participant))
        .expect("mint");
    assert_eq!(validate(&livekit, foreign.token()).0, 401, "another secret");

    // The development defaults of `livekit-server --dev` are not this server's keys.
    let dev = LiveKitProvider::new(
        LiveKitSettings::new(
            &livekit.url,
            LiveKitSettings::DEV_API_KEY,
            SecretString::from(LiveKitSettings::DEV_API_SECRET.to_owned()),
        )
        .expect("settings"),
    )
    .mint(&request("physics-101", "ada", Role::Participant))
    .expect("mint");
    assert_eq!(validate(&livekit, dev.token()).0, 401, "devkey/secret");

    // A token for room A whose claims were edited to name room B: the signature no longer fits.
    let ticket = ours
        .mint(&request("room-a", "mallory", Role::Participant))
        .expect("mint");
    let forged = edit_claims(ticket.token(), "\"room-a\"", "\"room-b\"");
    assert_eq!(validate(&livekit, &forged).0, 401, "room edited to room-b");

    // Expired: LiveKit tolerates one minute of clock skew, so this one expired two minutes ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let expired = sign_claims(
        &livekit,
        &serde_json::json!({
            "iss": livekit.api_key, "sub": "late-student", "nbf": now - 3600, "exp": now - 120,
            "video": { "roomJoin": true, "room": "physics-101" }
        }),
    );
    let fresh = sign_claims(
        &livekit,
        &serde_json::json!({
            "iss": livekit.api_key, "sub": "late-student", "nbf": now - 3600, "exp": now + 600,
            "video": { "roomJoin": true, "room": "physics-101" }
        }),
    );
    assert_eq!(
        validate(&livekit, &fresh).0,
        200,
        "the same token, not expired"
    );
    assert_eq!(
        validate(&livekit, &expired).0,
        401,
        "expired two minutes ago"
    );
}

/// An HS256 token with the test key pair and exactly these claims (signed by jsonwebtoken, not
/// by livekit-api, so its times can lie in the past).
fn sign_claims(livekit: &LiveKit, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(livekit.api_secret.as_bytes()),
    )
    .expect("sign")
}

/// Replaces `from` by `to` in a JWT's claims, keeping its header and signature.
fn edit_claims(token: &str, from: &str, to: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let claims = String::from_utf8(engine.decode(parts[1]).expect("base64")).expect("utf-8");
    assert!(claims.contains(from), "{claims}");
    let edited = engine.encode(claims.replace(from, to));
    format!("{}.{edited}.{}", parts[0], parts[2])
}

#[test]
fn the_room_service_answers_our_key_pair_and_refuses_another() {
    let livekit = LiveKit::start();
    let rt = runtime();
    let rooms = RoomClient::with_api_key(&livekit.http_url, &livekit.api_key, &livekit.api_secret);

    let created = rt
        .block_on(rooms.create_room("seminar-7", CreateRoomOptions::default()))
        .expect("create_room");
    assert_eq!(created.name, "seminar-7");
    let listed = rt.block_on(rooms.list_rooms(vec![])).expect("list_rooms");
    assert_eq!(
        listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["seminar-7"]
    );
    let participants = rt
        .block_on(rooms.list_participants("seminar-7"))
        .expect("list_participants");
    assert!(participants.is_empty(), "{participants:?}");
    rt.block_on(rooms.delete_room("seminar-7"))
        .expect("delete_room");
    assert!(
        rt.block_on(rooms.list_rooms(vec![]))
            .expect("list_rooms")
            .is_empty()
    );

    let stranger = RoomClient::with_api_key(
        &livekit.http_url,
        &livekit.api_key,
        "not-the-secret-0123456789abcdefghijkl",
    );
    assert!(
        rt.block_on(stranger.list_rooms(vec![])).is_err(),
        "a RoomService call signed with another secret must fail"
    );
}

#[test]
fn webhooks_the_real_server_signs_verify_and_become_session_events() {
    let sink = WebhookSink::start();
    let livekit = LiveKit::start_with_webhook(&sink.url);
    let settings = LiveKitSettings::new(
        &livekit.url,
        &livekit.api_key,
        SecretString::from(livekit.api_secret.clone()),
    )
    .expect("settings");
    let webhooks = LiveKitWebhooks::new(&settings);
    let rt = runtime();
    let rooms = RoomClient::with_api_key(&livekit.http_url, &livekit.api_key, &livekit.api_secret);

    rt.block_on(rooms.create_room("seminar-9", CreateRoomOptions::default()))
        .expect("create_room");
    let started = sink.next_containing("room_started", Duration::from_secs(15));
    assert!(
        !started.authorization.starts_with("Bearer "),
        "LiveKit sends the bare JWT"
    );
    let ReceivedEvent::Session(event) = webhooks
        .receive(&started.body, &started.authorization)
        .unwrap_or_else(|e| panic!("{e}: {}", started.body))
    else {
        panic!("room_started is a session event");
    };
    assert_eq!(event.kind, SessionEventKind::RoomStarted);
    assert_eq!(event.room.as_str(), "seminar-9");
    let age = std::time::SystemTime::now()
        .duration_since(event.at)
        .expect("not in the future");
    assert!(age < Duration::from_secs(30), "{age:?}");

    rt.block_on(rooms.delete_room("seminar-9"))
        .expect("delete_room");
    let finished = sink.next_containing("room_finished", Duration::from_secs(15));
    let ReceivedEvent::Session(event) = webhooks
        .receive(&finished.body, &finished.authorization)
        .expect("verifies")
    else {
        panic!("room_finished is a session event");
    };
    assert_eq!(event.kind, SessionEventKind::RoomFinished);
    assert_ne!(event.id.as_str(), "", "LiveKit gives every event an id");

    // The same delivery with one byte of its body changed, or verified with another secret.
    let tampered = finished.body.replace("seminar-9", "seminar-8");
    assert!(matches!(
        webhooks.receive(&tampered, &finished.authorization),
        Err(ReceiveError::Unauthorized(_))
    ));
    let stranger = LiveKitWebhooks::new(
        &LiveKitSettings::new(
            &livekit.url,
            &livekit.api_key,
            SecretString::from("another-secret-0123456789abcdefghijklmn".to_owned()),
        )
        .expect("settings"),
    );
    assert!(matches!(
        stranger.receive(&finished.body, &finished.authorization),
        Err(ReceiveError::Unauthorized(_))
    ));
}

/// How long LiveKit keeps retrying a webhook its receiver refuses (a token server that is down or
/// restarting): measured, and printed (`--nocapture`) for docs/operations; the assertion only
/// says that it retries at all, several times, for seconds rather than not at all or forever.
#[test]
fn livekit_retries_a_refused_webhook_for_seconds_then_gives_up() {
    let sink = WebhookSink::answering(503);
    let livekit = LiveKit::start_with_webhook(&sink.url);
    let rt = runtime();
    let rooms = RoomClient::with_api_key(&livekit.http_url, &livekit.api_key, &livekit.api_secret);
    rt.block_on(rooms.create_room("retried-room", CreateRoomOptions::default()))
        .expect("create_room");
    // Deliveries of the one room_started event (the room_finished of an empty room follows
    // after its 30 s empty timeout, with retries of its own).
    let attempts = sink.all_containing("room_started", Duration::from_secs(25));
    assert!(
        attempts.len() >= 3,
        "{} deliveries; LiveKit's log ends:\n{}",
        attempts.len(),
        livekit.log_tail()
    );
    let first = attempts.first().expect("one").at;
    let last = attempts.last().expect("one").at;
    let window = last.duration_since(first);
    let gaps: Vec<String> = attempts
        .windows(2)
        .map(|pair| format!("{:.1}", pair[1].at.duration_since(pair[0].at).as_secs_f64()))
        .collect();
    eprintln!(
        "LiveKit webhook retries: {} deliveries of one event over {:.1} s (gaps {} s)",
        attempts.len(),
        window.as_secs_f64(),
        gaps.join(", ")
    );
    assert!(
        window >= Duration::from_secs(3) && window <= Duration::from_secs(25),
        "{window:?}"
    );
}

/// What a participant of each role may do, as the server reports it.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    can_publish: bool,
    can_subscribe: bool,
    can_publish_data: bool,
    sources: Vec<TrackSource>,
    published: Vec<(TrackType, TrackSource)>,
}

fn seen(participant: &ParticipantInfo) -> Seen {
    let permission = participant.permission.clone().unwrap_or_default();
    let mut sources: Vec<TrackSource> = permission.can_publish_sources().collect();
    sources.sort_by_key(|s| *s as i32);
    let mut published: Vec<(TrackType, TrackSource)> = participant
        .tracks
        .iter()
        .map(|t| (t.r#type(), t.source()))
        .collect();
    published.sort_by_key(|(kind, source)| (*kind as i32, *source as i32));
    Seen {
        can_publish: permission.can_publish,
        can_subscribe: permission.can_subscribe,
        can_publish_data: permission.can_publish_data,
        sources,
        published,
    }
}

fn source(name: &str) -> TrackSource {
    match name {
        "camera" => TrackSource::Camera,
        "microphone" => TrackSource::Microphone,
        "screen_share" => TrackSource::ScreenShare,
        "screen_share_audio" => TrackSource::ScreenShareAudio,
        other => panic!("unknown source {other}"),
    }
}

/// What the server must report for `role`, with the page publishing camera and microphone for
/// every role that may (the viewer publishes nothing: it may not).
fn expected(role: &str, participant_sources: &[TrackSource]) -> Seen {
    let camera_and_microphone = vec![
        (TrackType::Audio, TrackSource::Microphone),
        (TrackType::Video, TrackSource::Camera),
    ];
    match role {
        "host" => Seen {
            can_publish: true,
            can_subscribe: true,
            can_publish_data: true,
            sources: vec![], // every source
            published: camera_and_microphone,
        },
        "participant" => Seen {
            can_publish: !participant_sources.is_empty(),
            can_subscribe: true,
            can_publish_data: true,
            sources: participant_sources.to_vec(),
            published: camera_and_microphone,
        },
        "viewer" => Seen {
            can_publish: false,
            can_subscribe: true,
            can_publish_data: false,
            sources: vec![],
            published: vec![],
        },
        other => panic!("unknown role {other}"),
    }
}

/// Run by the browser tests, with:
/// `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET` (the server the pages are in),
/// `LIVE_ROOM` (the room), `LIVE_ROOM_EXPECT` (`identity:role,…`, exactly who must be there),
/// `LIVE_ROOM_PARTICIPANT_SOURCES` (the token server's `LIVEKIT_PARTICIPANT_SOURCES`) and
/// `LIVE_ROOM_WITHIN_SECS` (how long the list may take to become exactly that).
#[test]
#[ignore = "run by apps/web/e2e/meeting.test.mjs while browsers are in the room"]
fn participants_match_the_browsers() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let url = var("LIVEKIT_URL").replacen("ws", "http", 1);
    let rooms = RoomClient::with_api_key(&url, &var("LIVEKIT_API_KEY"), &var("LIVEKIT_API_SECRET"));
    let room = var("LIVE_ROOM");
    let participant_sources: Vec<TrackSource> = var("LIVE_ROOM_PARTICIPANT_SOURCES")
        .split(',')
        .filter(|s| !s.is_empty() && *s != "none")
        .map(source)
        .collect::<Vec<_>>();
    let mut participant_sources = participant_sources;
    participant_sources.sort_by_key(|s| *s as i32);
    let want: BTreeMap<String, String> = var("LIVE_ROOM_EXPECT")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (identity, role) = pair.split_once(':').expect("identity:role");
            (identity.to_owned(), role.to_owned())
        })
        .collect();
    let within = Duration::from_secs(var("LIVE_ROOM_WITHIN_SECS").parse().expect("seconds"));

    let rt = runtime();
    let deadline = Instant::now() + within;
    let expected_seen: BTreeMap<String, Seen> = want
        .iter()
        .map(|(identity, role)| (identity.clone(), expected(role, &participant_sources)))
        .collect();
    let mut last: BTreeMap<String, Seen>;
    loop {
        let participants = rt
            .block_on(rooms.list_participants(&room))
            .unwrap_or_default();
        last = participants
            .iter()
            .filter(|p| p.state() != participant_info::State::Disconnected)
            .map(|p| (p.identity.clone(), seen(p)))
            .collect();
        if last == expected_seen {
            return;
        }
        if Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!(
        "room {room}: after {within:?} the server lists\n{last:#?}\nexpected\n{expected_seen:#?}"
    );
}
