#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod attendance;
pub mod auth;
pub mod cli;
pub mod config;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod providers;
pub mod query;
pub mod rate_limit;
mod routes;
pub mod startup;
pub mod telemetry;

pub use config::ServerConfig;
pub use startup::{AppFactory, Application, BackgroundServer};
