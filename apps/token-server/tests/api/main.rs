//! Integration tests: the real server on 127.0.0.1:0, spoken to over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod attendance;
mod auth;
mod binary;
mod errors;
// The stand-in of Google's two endpoints, shared with video-google-meet's own tests.
#[path = "../../../../crates/video-google-meet/tests/support/mod.rs"]
mod google;
mod google_meet;
mod health;
mod helpers;
mod limits;
// The Rust harness of the real LiveKit server, shared with video-livekit's own tests.
#[path = "../../../../crates/video-livekit/tests/support/mod.rs"]
mod livekit;
mod livekit_restart;
mod metrics;
mod openapi;
mod provider_faults;
mod providers;
mod rooms;
mod token;
mod web_page;
