//! `LiveKitRoomAdmin` against the real LiveKit server (the pinned version, started by
//! `scripts/livekit.sh run`): rooms open, list, describe and end; what is missing is told apart;
//! and a LiveKit that is stopped or does not answer makes every operation fail as unavailable
//! within the configured timeout. The operations on people in a room (remove, mute, invite to
//! speak) are exercised with real browsers and LiveKit's own signalling by apps/web/e2e, through
//! the token server's routes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use support::LiveKit;
use video_core::{
    Missing, ParticipantIdentity, RoomAdmin, RoomAdminError, RoomName, RoomOptions, TrackId,
    TrackSource,
};
use video_livekit::{LiveKitRoomAdmin, LiveKitSettings};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn admin(url: &str, secret: &str, timeout: Duration) -> LiveKitRoomAdmin {
    let settings = LiveKitSettings::new(url, "oc-test-key", SecretString::from(secret.to_owned()))
        .expect("settings")
        .with_api_timeout(timeout)
        .expect("timeout");
    LiveKitRoomAdmin::new(&settings)
}

fn room(name: &str) -> RoomName {
    RoomName::parse(name).expect("room")
}

fn missing<T: std::fmt::Debug>(result: Result<T, RoomAdminError>) -> Missing {
    match result {
        Err(RoomAdminError::NotFound(what)) => what,
        other => panic!("expected not found, got {other:?}"),
    }
}

#[test]
fn rooms_open_list_describe_and_end_on_the_real_server() {
    let livekit = LiveKit::start();
    let rt = runtime();
    let admin = admin(&livekit.url, &livekit.api_secret, Duration::from_secs(5));
    rt.block_on(admin.check_reachable()).expect("reachable");

    let seminar = room("seminar 7 · Ünïcødé");
    let options = RoomOptions::default()
        .with_max_participants(12)
        .with_empty_timeout(Duration::from_secs(600))
        .with_metadata("course-42");
    let opened = rt
        .block_on(admin.open_room(&seminar, &options))
        .expect("open");
    assert_eq!(opened.name, seminar);
    assert_eq!(opened.max_participants, Some(12));
    assert_eq!(opened.empty_timeout, Some(Duration::from_secs(600)));
    assert_eq!(
        (opened.metadata.as_str(), opened.participants),
        ("course-42", 0)
    );
    let age = std::time::SystemTime::now()
        .duration_since(opened.created_at)
        .expect("created in the past");
    assert!(age < Duration::from_secs(30), "{age:?}");

    // Opening an open room returns it.
    let again = rt
        .block_on(admin.open_room(&seminar, &RoomOptions::default()))
        .expect("open again");
    assert_eq!(again.created_at, opened.created_at);

    let other = room("lab-3");
    rt.block_on(admin.open_room(&other, &RoomOptions::default()))
        .expect("open");
    let listed = rt.block_on(admin.list_rooms()).expect("list");
    assert_eq!(
        listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["lab-3", "seminar 7 · Ünïcødé"]
    );
    assert_eq!(
        rt.block_on(admin.room(&seminar)).expect("describe"),
        listed[1]
    );
    assert!(
        rt.block_on(admin.participants(&seminar))
            .expect("participants")
            .is_empty()
    );

    // Nobody in an open room, and no such room, are different answers.
    let nobody = ParticipantIdentity::parse("nobody").unwrap();
    let track = TrackId::parse("TR_missing").unwrap();
    assert_eq!(
        missing(rt.block_on(admin.participant(&seminar, &nobody))),
        Missing::Participant
    );
    assert_eq!(
        missing(rt.block_on(admin.remove_participant(&seminar, &nobody))),
        Missing::Participant
    );
    assert_eq!(
        missing(rt.block_on(admin.mute_track(&seminar, &nobody, &track, true))),
        Missing::Participant
    );
    assert_eq!(
        missing(rt.block_on(admin.set_publish_sources(
            &seminar,
            &nobody,
            &[TrackSource::Microphone]
        ))),
        Missing::Participant
    );

    rt.block_on(admin.end_room(&seminar)).expect("end");
    assert_eq!(missing(rt.block_on(admin.room(&seminar))), Missing::Room);
    assert_eq!(
        missing(rt.block_on(admin.end_room(&seminar))),
        Missing::Room
    );
    assert_eq!(
        missing(rt.block_on(admin.participants(&seminar))),
        Missing::Room
    );
    assert_eq!(
        missing(rt.block_on(admin.participant(&seminar, &nobody))),
        Missing::Room
    );
    assert_eq!(
        missing(rt.block_on(admin.remove_participant(&seminar, &nobody))),
        Missing::Room
    );
    assert_eq!(
        rt.block_on(admin.list_rooms())
            .expect("list")
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["lab-3"]
    );
}

/// LiveKit refuses the key pair with a plain-text 401, which `livekit-api` reports as an answer it
/// cannot decode: unavailable (the log says why), and never LiveKit's words in the message.
#[test]
fn another_secret_is_refused_without_livekits_words() {
    let livekit = LiveKit::start();
    let rt = runtime();
    let stranger = admin(
        &livekit.url,
        "not-the-secret-0123456789abcdefghijkl",
        Duration::from_secs(5),
    );
    let error = rt.block_on(stranger.list_rooms()).expect_err("refused");
    assert!(
        matches!(error, RoomAdminError::Unavailable { .. }),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "the livekit room service is unavailable");
    let logged = std::error::Error::source(&error).unwrap().to_string();
    assert!(logged.contains("LIVEKIT_API_SECRET"), "{logged}");
}

/// One room-administration call, named.
type Operation<'a> = (
    &'static str,
    Box<dyn Fn() -> Result<(), RoomAdminError> + 'a>,
);

/// A LiveKit that is down (nothing listens) fails at once; one that accepts connections and
/// never answers fails when the timeout is up, not later.
#[test]
fn a_stopped_or_silent_livekit_is_unavailable_within_the_timeout() {
    let rt = runtime();
    let timeout = Duration::from_millis(800);
    let seminar = room("seminar-7");

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = admin(&format!("ws://127.0.0.1:{port}"), "secret-x", timeout);

    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("ws://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let hung = admin(&silent_url, "secret-x", timeout);

    for (what, admin) in [("stopped", &down), ("silent", &hung)] {
        let operations: Vec<Operation<'_>> = vec![
            ("check", Box::new(|| rt.block_on(admin.check_reachable()))),
            (
                "list",
                Box::new(|| rt.block_on(admin.list_rooms()).map(drop)),
            ),
            (
                "open",
                Box::new(|| {
                    rt.block_on(admin.open_room(&seminar, &RoomOptions::default()))
                        .map(drop)
                }),
            ),
            ("end", Box::new(|| rt.block_on(admin.end_room(&seminar)))),
            (
                "participants",
                Box::new(|| rt.block_on(admin.participants(&seminar)).map(drop)),
            ),
        ];
        for (operation, call) in operations {
            let started = Instant::now();
            let error = call().expect_err("no LiveKit");
            let took = started.elapsed();
            assert!(
                matches!(error, RoomAdminError::Unavailable { .. }),
                "{what} {operation}: {error:?}"
            );
            assert!(
                took < timeout + Duration::from_millis(500),
                "{what} {operation} took {took:?}"
            );
        }
    }
    drop(silent);
}
