#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod claims;
mod provider;
mod settings;

pub use provider::{DailyError, DailyProvider};
pub use settings::DailySettings;
