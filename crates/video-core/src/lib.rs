#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod config;
pub mod events;
pub mod names;
mod provider;
pub mod records;
mod role;
pub mod rooms;

pub use events::{
    EventId, ParticipantEvent, ParticipantSessionId, ReceiveError, ReceivedEvent, SessionEvent,
    SessionEventKind, SessionEventReceiver,
};
pub use names::{
    DisplayName, MAX_NAME_BYTES, NO_CONTROL_CHARACTERS_PATTERN, NameError, ParticipantIdentity,
    RoomName,
};
pub use provider::{
    BoxFuture, JoinRequest, JoinTicket, ProviderError, ProviderSettings, VideoProvider,
};
pub use records::{RoomRecords, RoomRecordsError};
pub use role::{Role, UnknownRole};
pub use rooms::{
    Missing, ParticipantInfo, RoomAdmin, RoomAdminError, RoomInfo, RoomOptions, TrackId, TrackInfo,
    TrackKind, TrackSource,
};
