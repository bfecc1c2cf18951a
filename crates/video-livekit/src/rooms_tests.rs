use std::collections::HashMap;

use super::*;

fn twirp(code: &str) -> ServiceError {
    ServiceError::Twirp(ServerError::Twirp(ServerErrorCode {
        code: code.to_owned(),
        msg: "LiveKit's own words, never shown".to_owned(),
        meta: HashMap::new(),
    }))
}

#[test]
fn livekit_errors_are_mapped_never_passed_through() {
    assert!(matches!(
        map_error(twirp("not_found"), Missing::Track),
        RoomAdminError::NotFound(Missing::Track)
    ));
    for code in ["unavailable", "deadline_exceeded", "canceled", "aborted"] {
        assert!(
            matches!(
                map_error(twirp(code), Missing::Room),
                RoomAdminError::Unavailable { .. }
            ),
            "{code}"
        );
    }
    for code in [
        "unauthenticated",
        "permission_denied",
        "internal",
        "invalid_argument",
    ] {
        let error = map_error(twirp(code), Missing::Room);
        assert!(matches!(error, RoomAdminError::Internal { .. }), "{code}");
        assert!(!error.to_string().contains("LiveKit's own words"), "{code}");
    }
}

#[test]
fn sources_map_both_ways() {
    for source in TrackSource::ALL {
        assert_eq!(core_source(proto_source(source) as i32), Some(source));
    }
    assert_eq!(core_source(proto::TrackSource::Unknown as i32), None);
    assert_eq!(core_source(99), None);
}

#[test]
fn participants_are_described_in_our_words() {
    let info = proto::ParticipantInfo {
        identity: "ada".to_owned(),
        name: "Ada Lovelace".to_owned(),
        joined_at: 1_700_000_000,
        attributes: HashMap::from([(ROLE_ATTRIBUTE.to_owned(), "viewer".to_owned())]),
        permission: Some(proto::ParticipantPermission {
            can_publish: true,
            can_publish_sources: vec![
                proto::TrackSource::Microphone as i32,
                proto::TrackSource::Camera as i32,
            ],
            ..Default::default()
        }),
        tracks: vec![
            proto::TrackInfo {
                sid: "TR_a".to_owned(),
                r#type: proto::TrackType::Audio as i32,
                source: proto::TrackSource::Microphone as i32,
                muted: true,
                ..Default::default()
            },
            proto::TrackInfo {
                sid: "TR_d".to_owned(),
                r#type: proto::TrackType::Data as i32,
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let participant = participant_info(&info).unwrap();
    assert_eq!(participant.identity.as_str(), "ada");
    assert_eq!(
        participant.display_name.as_ref().map(DisplayName::as_str),
        Some("Ada Lovelace")
    );
    assert_eq!(participant.role, Some(Role::Viewer));
    assert_eq!(
        participant.joined_at,
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    );
    assert_eq!(
        participant.publish_sources,
        [TrackSource::Camera, TrackSource::Microphone]
    );
    assert_eq!(participant.tracks.len(), 1, "data tracks are not media");
    assert_eq!(
        (participant.tracks[0].kind, participant.tracks[0].muted),
        (TrackKind::Audio, true)
    );

    let host = proto::ParticipantInfo {
        identity: "host".to_owned(),
        permission: Some(proto::ParticipantPermission {
            can_publish: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    let host = participant_info(&host).unwrap();
    assert_eq!(host.publish_sources, TrackSource::ALL, "no list = all");
    assert_eq!((host.display_name, host.role), (None, None));

    let outsider = proto::ParticipantInfo {
        identity: "bad\nidentity".to_owned(),
        ..Default::default()
    };
    assert_eq!(participant_info(&outsider), None);
}

#[test]
fn rooms_are_described_in_our_words() {
    let room = proto::Room {
        name: "physics-101".to_owned(),
        num_participants: 2,
        creation_time: 1_700_000_000,
        creation_time_ms: 1_700_000_000_250,
        max_participants: 0,
        empty_timeout: 300,
        metadata: "course-7".to_owned(),
        ..Default::default()
    };
    let info = room_info(&room).unwrap();
    assert_eq!(
        info.created_at,
        UNIX_EPOCH + Duration::from_millis(1_700_000_000_250)
    );
    assert_eq!(info.max_participants, None, "0 = no limit");
    assert_eq!(info.empty_timeout, Some(Duration::from_secs(300)));
    assert_eq!((info.participants, info.metadata.as_str()), (2, "course-7"));
}

#[test]
fn other_client_failures_are_internal() {
    let error = map_error(
        ServiceError::Env(std::env::VarError::NotPresent),
        Missing::Room,
    );
    assert!(
        matches!(error, RoomAdminError::Internal { .. }),
        "{error:?}"
    );
}

#[test]
fn a_panic_inside_livekit_api_is_an_internal_error_and_a_slow_call_unavailable() {
    let settings = LiveKitSettings::new("ws://127.0.0.1:1", "APIkey", "secret-x".into())
        .unwrap()
        .with_api_timeout(Duration::from_millis(100))
        .unwrap();
    let admin = LiveKitRoomAdmin::new(&settings);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let panicked: Result<(), _> = rt.block_on(admin.bounded(async {
        let answer: Option<()> = None;
        answer.map(Ok).expect("an answer livekit-api unwraps")
    }));
    assert!(
        matches!(panicked, Err(RoomAdminError::Internal { .. })),
        "{panicked:?}"
    );
    let slow: Result<(), _> = rt.block_on(admin.bounded(async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok(())
    }));
    let Err(RoomAdminError::Unavailable { source, .. }) = slow else {
        panic!("{slow:?}");
    };
    assert_eq!(
        source.to_string(),
        "LiveKit's room service did not answer within 100 ms"
    );
}

#[test]
fn debug_shows_no_secret() {
    let settings = LiveKitSettings::new(
        "ws://127.0.0.1:1",
        "APIkey",
        "a-secret-that-must-never-be-shown-0123".into(),
    )
    .unwrap();
    let debug = format!("{:?}", LiveKitRoomAdmin::new(&settings));
    assert!(!debug.contains("never-be-shown"), "{debug}");
}

/// A stand-in for LiveKit's RoomService that answers each method from a script, for the races a
/// real server cannot be made to lose on cue (a participant, a track or the server itself gone
/// between two calls of one operation). Everything else is tested against the real server
/// (tests/room_admin.rs).
struct Scripted {
    url: String,
}

enum Answer {
    /// 200 with this protobuf body.
    Ok(Vec<u8>),
    /// A Twirp error with this code.
    Error(&'static str),
}

fn scripted(script: Vec<(&'static str, Answer)>) -> Scripted {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let script = std::sync::Arc::new(std::sync::Mutex::new(
        script
            .into_iter()
            .collect::<std::collections::VecDeque<_>>(),
    ));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let script = std::sync::Arc::clone(&script);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap();
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let method = request_line
                        .split('/')
                        .nth(3)
                        .unwrap_or("")
                        .split(' ')
                        .next();
                    let (expected, answer) = script.lock().unwrap().pop_front().unwrap();
                    assert_eq!(method, Some(expected), "the calls, in order");
                    let (status, kind, body) = match answer {
                        Answer::Ok(body) => ("200 OK", "application/protobuf", body),
                        Answer::Error(code) => (
                            "400 Bad Request",
                            "application/json",
                            format!(r#"{{"code":"{code}","msg":"LiveKit's own words"}}"#)
                                .into_bytes(),
                        ),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    writer.write_all(head.as_bytes()).unwrap();
                    writer.write_all(&body).unwrap();
                }
            });
        }
    });
    Scripted { url }
}

fn scripted_admin(script: Vec<(&'static str, Answer)>) -> LiveKitRoomAdmin {
    let server = scripted(script);
    let settings = LiveKitSettings::new(&server.url, "APIkey", "secret-x".into()).unwrap();
    LiveKitRoomAdmin::new(&settings)
}

fn encoded(message: &impl prost::Message) -> Answer {
    Answer::Ok(message.encode_to_vec())
}

fn ada_with_microphone() -> Answer {
    encoded(&proto::ParticipantInfo {
        identity: "ada".to_owned(),
        tracks: vec![proto::TrackInfo {
            sid: "TR_1".to_owned(),
            r#type: proto::TrackType::Audio as i32,
            source: proto::TrackSource::Microphone as i32,
            ..Default::default()
        }],
        ..Default::default()
    })
}

fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn a_mute_is_answered_with_the_track_as_it_is_then() {
    let admin = scripted_admin(vec![
        ("GetParticipant", ada_with_microphone()),
        (
            "MutePublishedTrack",
            encoded(&proto::MuteRoomTrackResponse {
                track: Some(proto::TrackInfo {
                    sid: "TR_1".to_owned(),
                    r#type: proto::TrackType::Audio as i32,
                    source: proto::TrackSource::Microphone as i32,
                    muted: true,
                    ..Default::default()
                }),
            }),
        ),
    ]);
    assert_eq!(admin.provider(), "livekit");
    let (room, ada) = (
        RoomName::parse("r").unwrap(),
        ParticipantIdentity::parse("ada").unwrap(),
    );
    let track =
        block_on(admin.mute_track(&room, &ada, &TrackId::parse("TR_1").unwrap(), true)).unwrap();
    assert_eq!(
        (track.kind, track.source, track.muted),
        (TrackKind::Audio, Some(TrackSource::Microphone), true)
    );
}

#[test]
fn races_between_two_calls_are_answered_in_our_words() {
    let (room, ada) = (
        RoomName::parse("r").unwrap(),
        ParticipantIdentity::parse("ada").unwrap(),
    );
    let track = TrackId::parse("TR_1").unwrap();

    // LiveKit refuses to unmute someone else's track unless configured to.
    let admin = scripted_admin(vec![
        ("GetParticipant", ada_with_microphone()),
        ("MutePublishedTrack", Answer::Error("failed_precondition")),
    ]);
    assert!(matches!(
        block_on(admin.mute_track(&room, &ada, &track, false)),
        Err(RoomAdminError::RemoteUnmuteDisabled {
            provider: "livekit"
        })
    ));

    // The participant left between the look and the mute: one more look tells which is gone.
    let admin = scripted_admin(vec![
        ("GetParticipant", ada_with_microphone()),
        ("MutePublishedTrack", Answer::Error("not_found")),
        ("ListRooms", encoded(&proto::ListRoomsResponse::default())),
    ]);
    assert!(matches!(
        block_on(admin.mute_track(&room, &ada, &track, true)),
        Err(RoomAdminError::NotFound(Missing::Room))
    ));

    // The update failed after the look; the server went away before telling which is gone.
    let admin = scripted_admin(vec![
        ("GetParticipant", ada_with_microphone()),
        ("UpdateParticipant", Answer::Error("not_found")),
        ("ListRooms", Answer::Error("unavailable")),
    ]);
    assert!(matches!(
        block_on(admin.set_publish_sources(&room, &ada, &[TrackSource::Microphone])),
        Err(RoomAdminError::Unavailable { .. })
    ));

    // LiveKit unavailable while looking for a room.
    let admin = scripted_admin(vec![("ListRooms", Answer::Error("unavailable"))]);
    assert!(matches!(
        block_on(admin.room(&room)),
        Err(RoomAdminError::Unavailable { .. })
    ));
    assert!(matches!(not_as_asked(), RoomAdminError::Internal { .. }));

    // LiveKit unavailable while describing a participant: unavailable, not "not found".
    let admin = scripted_admin(vec![("GetParticipant", Answer::Error("unavailable"))]);
    assert!(matches!(
        block_on(admin.participant(&room, &ada)),
        Err(RoomAdminError::Unavailable { .. })
    ));

    // A participant with a camera track, as LiveKit describes video.
    let admin = scripted_admin(vec![(
        "GetParticipant",
        encoded(&proto::ParticipantInfo {
            identity: "ada".to_owned(),
            tracks: vec![proto::TrackInfo {
                sid: "TR_2".to_owned(),
                r#type: proto::TrackType::Video as i32,
                source: proto::TrackSource::Camera as i32,
                ..Default::default()
            }],
            ..Default::default()
        }),
    )]);
    let described = block_on(admin.participant(&room, &ada)).unwrap();
    assert_eq!(described.tracks[0].kind, TrackKind::Video);
}

/// Each operation makes exactly these RoomService calls, in this order, and maps the answers
/// (the scripted server asserts the order; the real server checks the rest in
/// tests/room_admin.rs).
#[test]
fn every_operation_makes_its_roomservice_calls_in_order() {
    let (room, ada) = (
        RoomName::parse("r").unwrap(),
        ParticipantIdentity::parse("ada").unwrap(),
    );
    let lk_room = proto::Room {
        name: "r".to_owned(),
        num_participants: 1,
        creation_time: 1_700_000_000,
        ..Default::default()
    };
    let rooms = || {
        encoded(&proto::ListRoomsResponse {
            rooms: vec![lk_room.clone()],
        })
    };
    let admin = scripted_admin(vec![
        ("ListRooms", rooms()),
        ("CreateRoom", encoded(&lk_room)),
        ("ListRooms", rooms()),
        ("ListRooms", rooms()),
        (
            "ListParticipants",
            encoded(&proto::ListParticipantsResponse::default()),
        ),
        ("ListRooms", rooms()),
        (
            "RemoveParticipant",
            encoded(&proto::RemoveParticipantResponse::default()),
        ),
        ("DeleteRoom", encoded(&proto::DeleteRoomResponse::default())),
        ("GetParticipant", ada_with_microphone()),
        (
            "UpdateParticipant",
            encoded(&proto::ParticipantInfo {
                identity: "ada".to_owned(),
                permission: Some(proto::ParticipantPermission {
                    can_publish: true,
                    can_publish_sources: vec![proto::TrackSource::Microphone as i32],
                    ..Default::default()
                }),
                ..Default::default()
            }),
        ),
    ]);
    assert!(format!("{admin:?}").starts_with("LiveKitRoomAdmin"));
    block_on(admin.check_reachable()).unwrap();
    let opened = block_on(admin.open_room(&room, &RoomOptions::default())).unwrap();
    assert_eq!((opened.name.as_str(), opened.participants), ("r", 1));
    assert_eq!(
        block_on(admin.list_rooms()).unwrap(),
        std::slice::from_ref(&opened)
    );
    assert_eq!(block_on(admin.room(&room)).unwrap(), opened);
    assert!(block_on(admin.participants(&room)).unwrap().is_empty());
    block_on(admin.remove_participant(&room, &ada)).unwrap();
    block_on(admin.end_room(&room)).unwrap();
    let invited =
        block_on(admin.set_publish_sources(&room, &ada, &[TrackSource::Microphone])).unwrap();
    assert_eq!(invited.publish_sources, [TrackSource::Microphone]);
}
