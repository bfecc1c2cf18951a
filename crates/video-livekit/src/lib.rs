//! The LiveKit provider of OpenConnect Video.
//!
//! [`LiveKitProvider`] implements [`video_core::VideoProvider`]: it turns a
//! [`JoinRequest`](video_core::JoinRequest) into a LiveKit access token (an HS256 JWT signed with
//! the API secret, minted by LiveKit's official `livekit-api` crate) plus the server URL.
//! [`LiveKitSettings`] holds the server URL, API key, API secret and token lifetime, read from
//! `LIVEKIT_*` environment variables or built in code; [`grants`] maps each
//! [`Role`](video_core::Role) to LiveKit's permissions.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use video_core::{JoinRequest, ParticipantIdentity, Role, RoomName};
//! use video_livekit::{LiveKitProvider, LiveKitSettings};
//!
//! let settings = LiveKitSettings::new(
//!     "wss://video.example.edu",
//!     "APIexample",
//!     "a-secret-of-at-least-32-characters-long".into(),
//! )?
//! .with_token_ttl(Duration::from_secs(15 * 60))?;
//! let provider = LiveKitProvider::new(settings);
//!
//! let request = JoinRequest::new(
//!     RoomName::parse("physics-101")?,
//!     ParticipantIdentity::parse("student-42")?,
//!     Role::Participant,
//! );
//! let ticket = provider.mint(&request)?;
//! assert_eq!(ticket.url, "wss://video.example.edu");
//! assert_eq!(ticket.token().split('.').count(), 3); // header.claims.signature
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod grants;
mod provider;
mod settings;
pub mod webhooks;

pub use provider::{LiveKitError, LiveKitProvider};
pub use settings::LiveKitSettings;
