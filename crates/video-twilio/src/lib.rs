#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod claims;
mod provider;
mod settings;

pub use provider::{TwilioError, TwilioProvider};
pub use settings::TwilioSettings;
