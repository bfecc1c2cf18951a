//! The token server restarted while a session runs, with the real LiveKit server posting its
//! webhooks: an event LiveKit could not deliver while the server was down arrives once it is back
//! (LiveKit retries a failed delivery 4 times, after 1, 2, 4 and 8 s: a 15 s window, measured in
//! crates/video-livekit/tests/real_server.rs), and nothing stored before is lost.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use livekit_api::services::room::{CreateRoomOptions, RoomClient};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

use crate::livekit;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The room's report once `ready` accepts it, within `within`.
fn report_when(
    app: &TestApp,
    room: &str,
    within: Duration,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let response = app.get(&format!("/api/video/rooms/{room}/attendance"));
        if response.status == 200 {
            let body = response.json();
            if ready(&body) {
                return body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "not within {within:?}: {}",
            response.text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_event_sent_while_the_token_server_restarts_is_not_lost() {
    let port = free_port().to_string();
    let livekit = livekit::LiveKit::start_with_webhook(&format!(
        "http://127.0.0.1:{port}/api/video/webhooks/livekit"
    ));
    let data = tempfile::tempdir().expect("data directory");
    let data_dir = data.path().to_string_lossy().into_owned();
    let settings = [
        ("PORT", port.as_str()),
        ("DATA_DIR", data_dir.as_str()),
        ("LIVEKIT_URL", livekit.url.as_str()),
        ("LIVEKIT_API_KEY", livekit.api_key.as_str()),
        ("LIVEKIT_API_SECRET", livekit.api_secret.as_str()),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rooms = RoomClient::with_api_key(&livekit.http_url, &livekit.api_key, &livekit.api_secret);

    let first = spawn_app(&settings);
    rt.block_on(rooms.create_room("lecture-1", CreateRoomOptions::default()))
        .expect("create_room");
    report_when(&first, "lecture-1", Duration::from_secs(15), |r| {
        r["room_sessions"].as_array().is_some_and(|s| s.len() == 1)
    });

    // The token server goes down; the session ends while it is down.
    drop(first);
    rt.block_on(rooms.delete_room("lecture-1"))
        .expect("delete_room");
    std::thread::sleep(Duration::from_secs(3));

    // Back on the same address and database, within LiveKit's retry window.
    let second = spawn_app(&settings);
    let report = report_when(&second, "lecture-1", Duration::from_secs(20), |r| {
        r["room_sessions"][0]["end"].is_string()
    });
    assert!(report["room_sessions"][0]["start"].is_string(), "{report}");
    assert_eq!(
        report["room_sessions"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
}
