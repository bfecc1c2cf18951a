//! The OpenConnect Video token server.
//!
//! An Actix-web application over `video-core` and the provider crates: `GET /api/video/token`
//! issues join tickets, `/healthz` and `/readyz` are probes, `/api-docs/openapi.json` and
//! `/swagger-ui/` describe the API, and `/` serves the built web page when there is one. This
//! crate is the only one that speaks HTTP.

pub mod auth;
pub mod cli;
pub mod config;
pub mod limits;
pub mod openapi;
pub mod problem;
pub mod providers;
mod routes;
pub mod startup;
pub mod telemetry;

pub use config::ServerConfig;
pub use startup::Application;
