//! The storage contract: events are appended durably, reports are computed from what is stored.

use std::error::Error as StdError;
use std::time::{Duration, SystemTime};

use video_core::{BoxFuture, RoomName, SessionEvent};

use crate::fold::fold;
use crate::report::{AttendanceReport, TimeRange};

/// Why a storage operation failed. The messages never contain identities, names or URLs; the
/// cause, when there is one, is kept as the source for the log.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceError {
    /// Nothing is recorded for the room asked about.
    #[error("no attendance is recorded for this room")]
    NotFound,
    /// The database could not be reached or was busy; the same call may succeed later.
    #[error("the attendance database is unavailable")]
    Unavailable(#[source] Box<dyn StdError + Send + Sync>),
    /// The database is configured wrongly (e.g. an unsupported URL scheme).
    #[error("the attendance database is misconfigured: {0}")]
    Configuration(&'static str),
    /// Anything else: a failed migration, a row that cannot be read back, a bug.
    #[error("attendance storage failed")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl AttendanceError {
    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, AttendanceError::Unavailable(_))
    }
}

/// What [`AttendanceStore::append`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The event was stored (and committed) now.
    Stored,
    /// An event with the same id was already stored; nothing changed.
    Duplicate,
}

/// Durable storage of session events.
///
/// Usable as `Arc<dyn AttendanceStore>` from an async web server. Implementations must commit an
/// appended event durably before the returned future completes (a webhook is acknowledged only
/// then), and must store each event id at most once even with several writers.
pub trait AttendanceStore: Send + Sync {
    /// Stores `event` unless an event with its id is already stored.
    fn append<'a>(
        &'a self,
        event: &'a SessionEvent,
    ) -> BoxFuture<'a, Result<Appended, AttendanceError>>;

    /// Every stored event of `room`, in no particular order.
    fn room_events<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Vec<SessionEvent>, AttendanceError>>;

    /// Deletes every event that happened before `cutoff`; returns how many were deleted.
    fn purge_before(&self, cutoff: SystemTime) -> BoxFuture<'_, Result<u64, AttendanceError>>;

    /// The report of `room` over `range`, folded from the stored events ([`fold`]); sessions
    /// still open count until `now`. [`AttendanceError::NotFound`] when nothing is stored for it.
    fn report<'a>(
        &'a self,
        room: &'a RoomName,
        range: TimeRange,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<AttendanceReport, AttendanceError>> {
        Box::pin(async move {
            let events = self.room_events(room).await?;
            if events.is_empty() {
                return Err(AttendanceError::NotFound);
            }
            Ok(fold(room, events).report(range, now))
        })
    }

    /// Deletes every event older than `days` days before `now` (`ATTENDANCE_RETENTION_DAYS`).
    ///
    /// A session whose join is purged but whose leave is kept no longer counts: purge with a
    /// retention well beyond the longest meeting.
    fn purge_older_than(
        &self,
        days: u32,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<u64, AttendanceError>> {
        let cutoff = now
            .checked_sub(Duration::from_secs(u64::from(days) * 24 * 60 * 60))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        self.purge_before(cutoff)
    }
}
