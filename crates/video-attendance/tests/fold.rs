//! The fold and the report: unit tests of each tolerance, and a property test over any order and
//! duplication of one participant's events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use video_attendance::{RoomAttendance, Session, TimeRange, fold};
use video_core::{
    DisplayName, EventId, ParticipantEvent, ParticipantIdentity, ParticipantSessionId, Role,
    RoomName, SessionEvent, SessionEventKind,
};

fn t(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000 + secs)
}

fn room() -> RoomName {
    RoomName::parse("physics-101").unwrap()
}

fn who(identity: &str, sid: Option<&str>) -> ParticipantEvent {
    let mut p = ParticipantEvent::new(ParticipantIdentity::parse(identity).unwrap());
    if let Some(sid) = sid {
        p = p.with_session_id(ParticipantSessionId::parse(sid).unwrap());
    }
    p
}

fn ev(id: &str, secs: u64, kind: SessionEventKind) -> SessionEvent {
    SessionEvent {
        id: EventId::parse(id).unwrap(),
        room: room(),
        at: t(secs),
        kind,
    }
}

fn joined(id: &str, secs: u64, p: &ParticipantEvent) -> SessionEvent {
    ev(id, secs, SessionEventKind::ParticipantJoined(p.clone()))
}

fn left(id: &str, secs: u64, p: &ParticipantEvent) -> SessionEvent {
    ev(id, secs, SessionEventKind::ParticipantLeft(p.clone()))
}

fn sessions(attendance: &RoomAttendance, identity: &str) -> Vec<(u64, Option<u64>)> {
    let secs = |at: SystemTime| at.duration_since(t(0)).unwrap().as_secs();
    attendance
        .participants
        .iter()
        .find(|p| p.identity.as_str() == identity)
        .map(|p| {
            p.sessions
                .iter()
                .map(|s| (secs(s.joined), s.left.map(secs)))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn duplicates_count_once() {
    let ada = who("ada", Some("PA_1"));
    let events = vec![
        joined("e1", 10, &ada),
        joined("e1", 10, &ada),
        left("e2", 70, &ada),
        left("e2", 70, &ada),
    ];
    let attendance = fold(&room(), events);
    assert_eq!(sessions(&attendance, "ada"), vec![(10, Some(70))]);
    let report = attendance.report(TimeRange::ALL, t(1000));
    assert_eq!(report.participants[0].connected_seconds(), 60);
    assert_eq!(report.participants[0].sessions, 1);
}

#[test]
fn a_leave_delivered_before_its_join_closes_it() {
    let ada = who("ada", Some("PA_1"));
    let attendance = fold(&room(), vec![left("e2", 70, &ada), joined("e1", 10, &ada)]);
    assert_eq!(sessions(&attendance, "ada"), vec![(10, Some(70))]);
}

#[test]
fn room_finished_closes_a_missing_leave_and_the_room_session() {
    let ada = who("ada", Some("PA_1"));
    let events = vec![
        ev("r1", 0, SessionEventKind::RoomStarted),
        joined("e1", 10, &ada),
        ev("r2", 500, SessionEventKind::RoomFinished),
    ];
    let attendance = fold(&room(), events);
    assert_eq!(sessions(&attendance, "ada"), vec![(10, Some(500))]);
    assert_eq!(attendance.room_sessions.len(), 1);
    assert_eq!(attendance.room_sessions[0].started, Some(t(0)));
    assert_eq!(attendance.room_sessions[0].finished, Some(t(500)));
}

#[test]
fn an_aborted_connection_never_joined_counts_nothing_and_closes_like_a_leave() {
    let bob = who("bob", Some("PA_9"));
    let aborted = ev(
        "e1",
        5,
        SessionEventKind::ParticipantConnectionAborted(bob.clone()),
    );
    assert!(fold(&room(), vec![aborted]).participants.is_empty());

    let events = vec![
        joined("e2", 10, &bob),
        ev(
            "e3",
            40,
            SessionEventKind::ParticipantConnectionAborted(bob),
        ),
    ];
    assert_eq!(
        sessions(&fold(&room(), events), "bob"),
        vec![(10, Some(40))]
    );
}

#[test]
fn a_rejoin_before_the_old_leave_is_merged_and_a_later_rejoin_is_a_new_session() {
    let first = who("ada", Some("PA_1"));
    let second = who("ada", Some("PA_2"));
    let third = who("ada", Some("PA_3"));
    let events = vec![
        joined("e1", 0, &first),
        joined("e2", 50, &second),
        left("e3", 60, &first),
        left("e4", 100, &second),
        joined("e5", 200, &third),
        left("e6", 230, &third),
    ];
    let attendance = fold(&room(), events);
    assert_eq!(
        sessions(&attendance, "ada"),
        vec![(0, Some(100)), (200, Some(230))]
    );
    let report = attendance.report(TimeRange::ALL, t(1000));
    let ada = &report.participants[0];
    assert_eq!((ada.connected_seconds(), ada.sessions), (130, 2));
    assert_eq!((ada.first_join, ada.last_leave), (t(0), Some(t(230))));
}

#[test]
fn the_report_cuts_sessions_at_the_range_and_counts_open_ones_until_now() {
    let ada = who("ada", None)
        .with_display_name(DisplayName::parse("Ada Lovelace").unwrap())
        .with_role(Role::Host);
    let bob = who("bob", None);
    let events = vec![
        joined("e1", 0, &ada),
        left("e2", 100, &ada),
        joined("e3", 300, &ada),
        joined("e4", 50, &bob),
    ];
    let attendance = fold(&room(), events);
    let range = TimeRange {
        from: Some(t(60)),
        until: Some(t(400)),
    };
    let report = attendance.report(range, t(350));
    // Both first joined at the range's start: ordered by identity.
    let ada = &report.participants[0];
    assert_eq!(ada.identity.as_str(), "ada");
    assert_eq!(
        ada.display_name.as_ref().map(DisplayName::as_str),
        Some("Ada Lovelace")
    );
    assert_eq!(ada.role, Some(Role::Host));
    // 60..100 and 300..350 (still connected at `now`).
    assert_eq!((ada.connected_seconds(), ada.sessions), (90, 2));
    assert_eq!((ada.first_join, ada.last_leave), (t(60), None));
    let bob = &report.participants[1];
    assert_eq!(bob.identity.as_str(), "bob");
    assert_eq!((bob.first_join, bob.connected_seconds()), (t(60), 290));

    let before = TimeRange {
        from: None,
        until: Some(t(40)),
    };
    let report = attendance.report(before, t(350));
    assert_eq!(
        report.participants.len(),
        1,
        "only ada was there before 40 s"
    );
    assert_eq!(report.participants[0].connected_seconds(), 40);
    assert_eq!(report.participants[0].last_leave, Some(t(40)));
}

#[test]
fn other_rooms_are_ignored() {
    let mut elsewhere = joined("e1", 0, &who("ada", None));
    elsewhere.room = RoomName::parse("chemistry").unwrap();
    let attendance = fold(&room(), vec![elsewhere]);
    assert!(attendance.participants.is_empty());
    assert!(attendance.room_sessions.is_empty());
}

/// One participant's connections: (start, duration, has a leave, has a session id), seconds.
fn connections() -> impl Strategy<Value = Vec<(u64, u64, bool, bool)>> {
    prop::collection::vec((0_u64..200, 0_u64..60, any::<bool>(), any::<bool>()), 1..8)
}

/// The events of those connections (each with its own id and session id), and optionally a
/// `room_finished` at `finish`.
fn events_of(connections: &[(u64, u64, bool, bool)], finish: Option<u64>) -> Vec<SessionEvent> {
    let mut events = Vec::new();
    for (i, &(start, duration, has_leave, has_sid)) in connections.iter().enumerate() {
        let sid = format!("PA_{i}");
        let p = who("ada", has_sid.then_some(sid.as_str()));
        events.push(joined(&format!("j{i}"), start, &p));
        if has_leave {
            events.push(left(&format!("l{i}"), start + duration, &p));
        }
    }
    if let Some(finish) = finish {
        events.push(ev("finish", finish, SessionEventKind::RoomFinished));
    }
    events
}

fn assert_well_formed(sessions: &[Session]) {
    for session in sessions {
        if let Some(left) = session.left {
            assert!(left >= session.joined, "negative session {session:?}");
        }
    }
    for pair in sessions.windows(2) {
        let end = pair[0].left.expect("only the last session may be open");
        assert!(end <= pair[1].joined, "overlapping sessions {pair:?}");
    }
}

proptest! {
    #[test]
    fn any_order_and_duplication_gives_the_sorted_result(
        connections in connections(),
        finish in prop::option::of(0_u64..300),
        order in any::<prop::sample::Index>(),
        duplicates in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        seed in any::<u64>(),
    ) {
        let sorted = events_of(&connections, finish);
        let mut shuffled = sorted.clone();
        for index in &duplicates {
            shuffled.push(index.get(&sorted).clone());
        }
        // A deterministic shuffle driven by the generated seed and index.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = usize::try_from(state % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        let rotation = order.index(shuffled.len());
        shuffled.rotate_left(rotation);

        let expected = fold(&room(), sorted);
        let actual = fold(&room(), shuffled);
        prop_assert_eq!(&actual, &expected);
        for person in &actual.participants {
            assert_well_formed(&person.sessions);
        }
    }

    #[test]
    fn connected_time_is_the_time_covered_by_some_connection(connections in connections()) {
        // Every connection has its own session id and a leave: the connected time must be
        // exactly the number of seconds covered by at least one [start, start + duration).
        let closed: Vec<_> = connections.iter().map(|&(s, d, _, _)| (s, d, true, true)).collect();
        let attendance = fold(&room(), events_of(&closed, None));
        let report = attendance.report(TimeRange::ALL, t(10_000));
        let covered = (0_u64..300)
            .filter(|&second| closed.iter().any(|&(s, d, _, _)| s <= second && second < s + d))
            .count() as u64;
        prop_assert_eq!(report.participants[0].connected_seconds(), covered);
        assert_well_formed(&attendance.participants[0].sessions);
    }
}
