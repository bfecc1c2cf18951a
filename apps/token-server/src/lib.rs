//! The OpenConnect Video token server.
//!
//! An Actix-web application over `video-core` and the provider crates: `GET /api/video/token`
//! issues join tickets, `/healthz` and `/readyz` are probes, `/api-docs/openapi.json` and
//! `/swagger-ui/` describe the API, and `/` serves the built web page when there is one. This
//! crate is the only one that speaks HTTP.
//!
//! # Example
//!
//! Embedding the server in another program: configuration from explicit pairs (or
//! [`Environment::from_process`](video_core::config::Environment::from_process)), bound to a free
//! port, run on actix's runtime.
//!
//! ```no_run
//! use token_server::auth::AuthMode;
//! use token_server::{Application, ServerConfig};
//! use video_core::config::Environment;
//!
//! let env = Environment::from_pairs([("PORT", "0"), ("LIVEKIT_URL", "ws://localhost:7880")]);
//! let config = ServerConfig::from_env(&env)?;
//! assert_eq!(config.auth.mode(), AuthMode::None); // development default
//! actix_web::rt::System::new().block_on(async {
//!     let application = Application::build(&config)?;
//!     println!("listening on http://{}", application.address());
//!     application.run_until_stopped().await?;
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod auth;
pub mod cli;
pub mod config;
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
