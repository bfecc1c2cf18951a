//! Provider-neutral contract of OpenConnect Video.
//!
//! This crate knows nothing of HTTP and nothing of any one video vendor. It defines:
//!
//! - [`RoomName`], [`ParticipantIdentity`] and [`DisplayName`]: validated names, built only
//!   through `parse` (see [`names`] for the exact rules), and [`decode_query_component`], the
//!   strict percent-decoder that turns wire input into the `&str` those parsers take;
//! - [`Role`]: what a participant may do in a room (host, participant, viewer);
//! - [`JoinRequest`] and [`JoinTicket`]: what a provider is asked for and what it answers;
//! - [`SessionEvent`]: what a provider reports about rooms and participants (see [`events`]),
//!   with the provider's [`EventId`] for idempotency;
//! - [`VideoProvider`]: the trait every provider implements, usable as
//!   `Arc<dyn VideoProvider>` from an async web server;
//! - [`config`]: typed configuration read from the environment, with secrets kept in
//!   [`secrecy::SecretString`] and errors that name the variable and the rule, never the value.
//!
//! # Example
//!
//! ```
//! use video_core::{DisplayName, JoinRequest, ParticipantIdentity, Role, RoomName};
//!
//! let request = JoinRequest::new(
//!     RoomName::parse("physics-101")?,
//!     ParticipantIdentity::parse("student-42")?,
//!     Role::Participant,
//! )
//! .with_display_name(DisplayName::parse("Ada Lovelace")?);
//!
//! assert_eq!(request.room().as_str(), "physics-101");
//! assert!(!request.role().can_moderate());
//! # Ok::<(), video_core::NameError>(())
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod events;
pub mod names;
mod provider;
mod role;

pub use events::{EventId, ParticipantEvent, ParticipantSessionId, SessionEvent, SessionEventKind};
pub use names::{
    DisplayName, MAX_NAME_BYTES, NameError, ParticipantIdentity, QueryDecodeError, RoomName,
    decode_query_component,
};
pub use provider::{BoxFuture, JoinRequest, JoinTicket, ProviderError, VideoProvider};
pub use role::{Role, UnknownRole};
