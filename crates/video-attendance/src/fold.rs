//! The fold: one room's session events, in any order and with duplicates, into attendance
//! sessions.

use std::collections::{BTreeMap, HashSet};
use std::time::SystemTime;

use video_core::{
    DisplayName, ParticipantEvent, ParticipantIdentity, ParticipantSessionId, Role, RoomName,
    SessionEvent, SessionEventKind,
};

/// One period during which a participant was connected to a room.
///
/// `left` is never before `joined`; `None` means still connected (no leave and no
/// `room_finished` has been reported yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// When the participant joined.
    pub joined: SystemTime,
    /// When the participant left, if known.
    pub left: Option<SystemTime>,
}

/// One session of a room, from `room_started` to `room_finished`.
///
/// A bound the provider did not report is `None`; when `room_started` is missing, the first join
/// of that session stands in for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomSession {
    /// When the room session started.
    pub started: Option<SystemTime>,
    /// When it finished; `None` while it runs.
    pub finished: Option<SystemTime>,
}

/// A participant's sessions in one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantSessions {
    /// Who.
    pub identity: ParticipantIdentity,
    /// The display name most recently reported, if any.
    pub display_name: Option<DisplayName>,
    /// The role most recently reported, if any.
    pub role: Option<Role>,
    /// The sessions, in time order, never overlapping: only the last one may be open.
    pub sessions: Vec<Session>,
}

/// The attendance of one room, folded from its session events by [`fold`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomAttendance {
    /// The room.
    pub room: RoomName,
    /// Every participant who joined, ordered by identity.
    pub participants: Vec<ParticipantSessions>,
    /// The room's sessions, in time order.
    pub room_sessions: Vec<RoomSession>,
}

/// Folds `room`'s session events into attendance sessions; events of other rooms are skipped.
///
/// The result depends only on the set of events, never on the order they are given in:
///
/// - **idempotent**: events with the same [`EventId`](video_core::EventId) count once;
/// - **order-tolerant**: events are applied in the order of their time (`at`), so a leave
///   delivered before its join still closes it; at equal times a room starts first, then joins,
///   then leaves, then the room finishes;
/// - a leave closes the connection with its participant session id (or, without one, every open
///   connection of that identity); `participant_connection_aborted` closes like a leave; a leave
///   with nothing to close is ignored;
/// - `room_finished` closes every open connection in the room at its time (a missing leave);
/// - a participant's overlapping connections (a rejoin before the old connection's leave) are
///   merged, so sessions never overlap and are never negative.
pub fn fold(room: &RoomName, events: impl IntoIterator<Item = SessionEvent>) -> RoomAttendance {
    let mut events: Vec<SessionEvent> = events.into_iter().filter(|e| &e.room == room).collect();
    events.sort_by(|a, b| {
        (a.at, rank(&a.kind), &a.id, a.kind.name()).cmp(&(
            b.at,
            rank(&b.kind),
            &b.id,
            b.kind.name(),
        ))
    });
    let mut seen = HashSet::new();
    let mut state = RoomFold::default();
    for event in events {
        if seen.insert(event.id.clone()) {
            state.apply(event.at, event.kind);
        }
    }
    state.finish(room.clone())
}

/// The order of kinds at equal times.
fn rank(kind: &SessionEventKind) -> u8 {
    match kind {
        SessionEventKind::RoomStarted => 0,
        SessionEventKind::ParticipantJoined(_) => 1,
        SessionEventKind::ParticipantLeft(_)
        | SessionEventKind::ParticipantConnectionAborted(_) => 2,
        SessionEventKind::RoomFinished => 3,
    }
}

#[derive(Default)]
struct RoomFold {
    started: Option<SystemTime>,
    first_join: Option<SystemTime>,
    room_sessions: Vec<RoomSession>,
    people: BTreeMap<ParticipantIdentity, PersonFold>,
}

#[derive(Default)]
struct PersonFold {
    display_name: Option<DisplayName>,
    role: Option<Role>,
    open: Vec<(Option<ParticipantSessionId>, SystemTime)>,
    intervals: Vec<(SystemTime, Option<SystemTime>)>,
}

impl RoomFold {
    fn apply(&mut self, at: SystemTime, kind: SessionEventKind) {
        match kind {
            SessionEventKind::RoomStarted => {
                self.started.get_or_insert(at);
            }
            SessionEventKind::RoomFinished => {
                for person in self.people.values_mut() {
                    person.close_all(at);
                }
                let started = self.started.take().or(self.first_join.take());
                // A second `room_finished` with nothing in between adds no empty room session.
                if started.is_some() || self.room_sessions.is_empty() {
                    self.room_sessions.push(RoomSession {
                        started,
                        finished: Some(at),
                    });
                }
            }
            SessionEventKind::ParticipantJoined(who) => {
                self.first_join.get_or_insert(at);
                let person = self.person(&who);
                if !person.open.iter().any(|(id, _)| *id == who.session_id) {
                    person.open.push((who.session_id, at));
                }
            }
            SessionEventKind::ParticipantLeft(who)
            | SessionEventKind::ParticipantConnectionAborted(who) => {
                let person = self.person(&who);
                match &who.session_id {
                    None => person.close_all(at),
                    Some(id) => {
                        let position = person
                            .open
                            .iter()
                            .position(|(open, _)| open.as_ref() == Some(id))
                            .or_else(|| person.open.iter().position(|(open, _)| open.is_none()));
                        if let Some(position) = position {
                            let (_, joined) = person.open.remove(position);
                            person.intervals.push((joined, Some(at)));
                        }
                    }
                }
            }
        }
    }

    /// The participant's state, updated with what this event says about them.
    fn person(&mut self, who: &ParticipantEvent) -> &mut PersonFold {
        let person = self.people.entry(who.identity.clone()).or_default();
        if let Some(name) = &who.display_name {
            person.display_name = Some(name.clone());
        }
        if let Some(role) = who.role {
            person.role = Some(role);
        }
        person
    }

    fn finish(mut self, room: RoomName) -> RoomAttendance {
        if let Some(started) = self.started.or(self.first_join) {
            self.room_sessions.push(RoomSession {
                started: Some(started),
                finished: None,
            });
        }
        let participants = self
            .people
            .into_iter()
            .filter_map(|(identity, mut person)| {
                person
                    .intervals
                    .extend(person.open.drain(..).map(|(_, joined)| (joined, None)));
                let sessions = merge(person.intervals);
                (!sessions.is_empty()).then_some(ParticipantSessions {
                    identity,
                    display_name: person.display_name,
                    role: person.role,
                    sessions,
                })
            })
            .collect();
        RoomAttendance {
            room,
            participants,
            room_sessions: self.room_sessions,
        }
    }
}

impl PersonFold {
    fn close_all(&mut self, at: SystemTime) {
        self.intervals
            .extend(self.open.drain(..).map(|(_, joined)| (joined, Some(at))));
    }
}

/// Merges overlapping intervals (an open one covers everything after its start).
fn merge(mut intervals: Vec<(SystemTime, Option<SystemTime>)>) -> Vec<Session> {
    intervals.sort_by_key(|&(joined, left)| (joined, left.is_none(), left));
    let mut merged: Vec<Session> = Vec::with_capacity(intervals.len());
    for (joined, left) in intervals {
        if let Some(last) = merged.last_mut() {
            match last.left {
                None => continue,
                Some(end) if joined < end => {
                    last.left = left.map(|left| left.max(end));
                    continue;
                }
                Some(_) => {}
            }
        }
        merged.push(Session { joined, left });
    }
    merged
}
