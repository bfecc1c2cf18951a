#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod grants;
mod provider;
mod settings;
pub mod webhooks;

pub use provider::{LiveKitError, LiveKitProvider};
pub use settings::LiveKitSettings;
