//! Durable records a provider keeps per room, in a store its host provides: [`RoomRecords`].
//!
//! Some providers must remember something about a room between requests: Google Meet, which
//! meeting space (and so which link) a room uses, so that every participant of a class lands in
//! the same meeting. Kept in one process's memory, that is lost at a restart and differs between
//! replicas. A host with a database shared by its replicas (the token server's attendance
//! database) implements [`RoomRecords`] once, and every provider that keeps records stores them
//! there ([`ProviderSettings::with_room_records`](crate::ProviderSettings::with_room_records)).

use std::error::Error as StdError;
use std::fmt;

use crate::{BoxFuture, RoomName};

/// Why a [`RoomRecords`] store could not answer. The message is safe to show; the source, for
/// the log, must not hold a secret.
#[derive(Debug, thiserror::Error)]
#[error("the room records could not be read or written")]
pub struct RoomRecordsError {
    #[source]
    source: Box<dyn StdError + Send + Sync>,
}

impl RoomRecordsError {
    /// Wraps what went wrong in the store.
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

/// A store of one text record per provider and room, kept by the first writer.
///
/// The record is the provider's to encode (Google Meet writes its space as JSON). Implementations
/// must keep the *first* record written for a `(provider, room)` pair, also when several
/// processes write at once (a unique key on the pair does it), and hand that one back to every
/// writer: that is what makes every replica agree on a room's meeting.
pub trait RoomRecords: fmt::Debug + Send + Sync {
    /// The record `provider` keeps for `room`, if any.
    fn get<'a>(
        &'a self,
        provider: &'static str,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Option<String>, RoomRecordsError>>;

    /// Records `record` for `room` unless `provider` has one for it already, and returns the
    /// record kept: `record`, or the one that was there first.
    fn insert_if_absent<'a>(
        &'a self,
        provider: &'static str,
        room: &'a RoomName,
        record: String,
    ) -> BoxFuture<'a, Result<String, RoomRecordsError>>;
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn errors_keep_their_cause_for_the_log_only() {
        let error = RoomRecordsError::new("connection refused");
        assert_eq!(
            error.to_string(),
            "the room records could not be read or written"
        );
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("connection refused")
        );
    }
}
