//! Integration tests: the real server on 127.0.0.1:0, spoken to over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod attendance;
mod auth;
mod binary;
mod errors;
mod health;
mod helpers;
mod limits;
mod livekit_restart;
mod metrics;
mod openapi;
mod provider_faults;
mod token;
mod web_page;
