//! The report: a room's attendance per participant and per room session, over a time range.

use std::time::{Duration, SystemTime};

use video_core::{DisplayName, ParticipantIdentity, Role, RoomName};

use crate::fold::{RoomAttendance, RoomSession, Session};

/// A half-open time range `[from, until)`; an absent bound is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// The start of the range (inclusive), if any.
    pub from: Option<SystemTime>,
    /// The end of the range (exclusive), if any.
    pub until: Option<SystemTime>,
}

impl TimeRange {
    /// Every time.
    pub const ALL: TimeRange = TimeRange {
        from: None,
        until: None,
    };
}

/// A room's attendance over a [`TimeRange`]: what an LMS imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceReport {
    /// The room.
    pub room: RoomName,
    /// The range the report covers.
    pub range: TimeRange,
    /// One line per participant connected during the range, ordered by first join, then identity.
    pub participants: Vec<ParticipantReport>,
    /// The room's sessions that overlap the range, unclipped, in time order.
    pub room_sessions: Vec<RoomSession>,
}

/// One participant's attendance within the report's range. Sessions are cut at the range's
/// bounds, so times and totals never reach outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantReport {
    /// Who.
    pub identity: ParticipantIdentity,
    /// The display name most recently reported, if any.
    pub display_name: Option<DisplayName>,
    /// The role most recently reported, if any.
    pub role: Option<Role>,
    /// The first join within the range (the range's start if already connected then).
    pub first_join: SystemTime,
    /// The last leave within the range (the range's end if still connected then); `None` while
    /// the participant is still connected.
    pub last_leave: Option<SystemTime>,
    /// The total connected time within the range; a session still open counts until `now`.
    pub connected: Duration,
    /// How many (non-overlapping) sessions fall within the range.
    pub sessions: usize,
}

impl ParticipantReport {
    /// [`connected`](Self::connected) in whole seconds (rounded down).
    pub fn connected_seconds(&self) -> u64 {
        self.connected.as_secs()
    }
}

impl RoomAttendance {
    /// The report over `range`; sessions still open count until `now` (the caller's clock, so
    /// a report is reproducible).
    pub fn report(&self, range: TimeRange, now: SystemTime) -> AttendanceReport {
        let mut participants: Vec<ParticipantReport> = self
            .participants
            .iter()
            .filter_map(|person| {
                let clipped: Vec<(SystemTime, SystemTime, bool)> = person
                    .sessions
                    .iter()
                    .filter_map(|session| clip(session, range, now))
                    .collect();
                let (first, last) = (clipped.first()?, clipped.last()?);
                Some(ParticipantReport {
                    identity: person.identity.clone(),
                    display_name: person.display_name.clone(),
                    role: person.role,
                    first_join: first.0,
                    last_leave: (!last.2).then_some(last.1),
                    connected: clipped
                        .iter()
                        .map(|(from, until, _)| until.duration_since(*from).unwrap_or_default())
                        .sum(),
                    sessions: clipped.len(),
                })
            })
            .collect();
        participants.sort_by(|a, b| (a.first_join, &a.identity).cmp(&(b.first_join, &b.identity)));
        let room_sessions = self
            .room_sessions
            .iter()
            .filter(|s| {
                s.started
                    .is_none_or(|started| range.until.is_none_or(|until| started < until))
                    && s.finished
                        .is_none_or(|finished| range.from.is_none_or(|from| finished >= from))
            })
            .copied()
            .collect();
        AttendanceReport {
            room: self.room.clone(),
            range,
            participants,
            room_sessions,
        }
    }
}

/// The part of `session` within `range`: (start, end, still open), or `None` when none of it is.
fn clip(
    session: &Session,
    range: TimeRange,
    now: SystemTime,
) -> Option<(SystemTime, SystemTime, bool)> {
    let end = session.left.unwrap_or(now.max(session.joined));
    let zero_length = end == session.joined;
    let starts_in_time = range.until.is_none_or(|until| session.joined < until);
    let ends_in_time = range
        .from
        .is_none_or(|from| end > from || (zero_length && session.joined >= from));
    if !(starts_in_time && ends_in_time) {
        return None;
    }
    let start = range
        .from
        .map_or(session.joined, |from| from.max(session.joined));
    let stop = range.until.map_or(end, |until| until.min(end));
    Some((start, stop.max(start), session.left.is_none()))
}
