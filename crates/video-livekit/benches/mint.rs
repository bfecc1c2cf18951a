//! What one LiveKit token costs: `LiveKitProvider::mint` per role, against the bare
//! `livekit-api` SDK doing the same work (the peers' `limit/mint-bench` baseline).
//!
//! Run with `cargo bench -p video-livekit --bench mint`; see `docs/performance.md`.
#![allow(clippy::expect_used)] // A bench that cannot build its fixtures should stop loudly.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use livekit_api::access_token::{AccessToken, VideoGrants};
use video_core::{DisplayName, JoinRequest, ParticipantIdentity, Role, RoomName};
use video_livekit::grants::video_grants;
use video_livekit::{LiveKitProvider, LiveKitSettings};

const URL: &str = "wss://video.example.edu";
const KEY: &str = "APIbenchkey";
/// The peers' bench secret (`../shared/peers/env.sh`): same length, same HMAC work.
const SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";

fn provider() -> LiveKitProvider {
    let settings = LiveKitSettings::new(URL, KEY, SECRET.into()).expect("bench settings");
    LiveKitProvider::new(settings)
}

fn request(role: Role) -> JoinRequest {
    JoinRequest::new(
        RoomName::parse("physics-101").expect("room"),
        ParticipantIdentity::parse("student-42").expect("identity"),
        role,
    )
}

fn mint(c: &mut Criterion) {
    let provider = provider();
    let mut group = c.benchmark_group("mint");
    for role in Role::ALL {
        let request = request(role);
        group.bench_function(role.as_str(), |b| {
            b.iter(|| provider.mint(black_box(&request)).expect("mint"));
        });
    }
    let named = request(Role::Participant)
        .with_display_name(DisplayName::parse("Ada Lovelace").expect("display name"));
    group.bench_function("participant_with_name", |b| {
        b.iter(|| provider.mint(black_box(&named)).expect("mint"));
    });
    // The same claims as the peers' `mint-bench` (livekit-api alone, no provider around it):
    // the difference to `mint/participant` is what the provider adds.
    group.bench_function("livekit_api_baseline", |b| {
        b.iter(|| {
            AccessToken::with_api_key(black_box(KEY), black_box(SECRET))
                .with_identity(black_box("student-42"))
                .with_ttl(Duration::from_secs(6 * 3600))
                .with_grants(VideoGrants {
                    room_join: true,
                    room: black_box("physics-101").to_owned(),
                    can_publish: Some(true),
                    can_subscribe: Some(true),
                    can_publish_data: Some(true),
                    ..VideoGrants::default()
                })
                .to_jwt()
                .expect("to_jwt")
        });
    });
    group.finish();

    let room = RoomName::parse("physics-101").expect("room");
    c.bench_function("grants/participant", |b| {
        b.iter(|| video_grants(black_box(Role::Participant), black_box(&room)));
    });
}

criterion_group! {
    name = benches;
    // Short runs: the whole `cargo bench` must finish in a few minutes on 2 shared cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = mint
}
criterion_main!(benches);
