#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod grants;
mod provider;
pub mod rooms;
mod settings;
pub mod webhooks;

pub use provider::{LiveKitError, LiveKitProvider};
pub use rooms::LiveKitRoomAdmin;
pub use settings::LiveKitSettings;
