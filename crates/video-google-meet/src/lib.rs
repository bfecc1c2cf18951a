#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod directory;
mod oauth;
mod provider;
mod settings;

pub use directory::{
    InMemorySpaceDirectory, InvalidMeetingSpace, MeetingSpace, RecordsSpaceDirectory,
    SpaceDirectory, SpaceDirectoryError,
};
pub use oauth::{DEFAULT_TOKEN_URI, MEET_SCOPE, TOKEN_AUDIENCE};
pub use provider::{Endpoint, GoogleMeetError, GoogleMeetProvider};
pub use settings::{AccessType, GoogleMeetSettings};
