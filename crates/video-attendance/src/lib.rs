#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod fold;
mod report;
mod sql;
mod store;

pub use fold::{ParticipantSessions, RoomAttendance, RoomSession, Session, fold};
pub use report::{AttendanceReport, ParticipantReport, TimeRange};
pub use sql::{Backend, SqlStore};
pub use store::{Appended, AttendanceError, AttendanceStore};
