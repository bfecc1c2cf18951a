//! `GET /api/video/rooms/{room}/attendance`: who attended a room, and for how long, as JSON or
//! as CSV for a gradebook. Attendance is personal data: only the LMS back end (`api-key`) or a
//! host of the room (`jwt`) may read it, and no answer may be cached.

use std::collections::BTreeMap;
use std::time::SystemTime;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoParams, IntoResponses, ToSchema};
use video_attendance::{AttendanceError, AttendanceReport, AttendanceStore as _, TimeRange};
use video_core::{NameError, Role, RoomName};

use crate::problem::{ApiError, ErrorDoc, error_responses};
use crate::query::{NameSchema, parse_pairs};
use crate::routes::rooms::{host_only_errors, may_administer};
use crate::routes::token::{authorization, rfc3339};
use crate::startup::AppState;
use crate::telemetry;

/// The optional time range of a report: sessions are cut to `[from, until)`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query; `time_range` parses it strictly.
pub(crate) struct ReportQuery {
    /// Start of the range (inclusive), RFC 3339, e.g. `2026-12-01T08:00:00Z`.
    #[param(format = DateTime)]
    from: Option<String>,
    /// End of the range (exclusive), RFC 3339; after `from`.
    #[param(format = DateTime)]
    until: Option<String>,
}

/// One participant's attendance.
#[derive(Serialize, ToSchema)]
pub(crate) struct ParticipantAttendance {
    /// The LMS user id (the token's identity).
    #[schema(example = "student-42")]
    identity: String,
    /// The name shown in the session, if any.
    #[schema(example = "Bob Brown")]
    display_name: Option<String>,
    /// `host`, `participant` or `viewer`, as the token granted.
    #[schema(example = "participant")]
    role: Option<&'static str>,
    /// The first join in the range.
    #[schema(format = DateTime, example = "2026-12-01T08:00:05Z")]
    first_join: String,
    /// The last leave in the range; `null` while still connected.
    #[schema(format = DateTime, example = "2026-12-01T08:50:12Z")]
    last_leave: Option<String>,
    /// Total connected time in the range, in whole seconds.
    #[schema(example = 3007)]
    connected_seconds: u64,
    /// How many times the participant connected (a rejoin after a dropped connection counts).
    #[schema(example = 2)]
    sessions: usize,
}

/// One session of the room: from the first join (or its start) to its end.
#[derive(Serialize, ToSchema)]
pub(crate) struct RoomSessionTimes {
    /// When it started, if known.
    #[schema(format = DateTime)]
    start: Option<String>,
    /// When it ended; `null` while it runs.
    #[schema(format = DateTime)]
    end: Option<String>,
}

/// A room's attendance report.
#[derive(Serialize, ToSchema)]
pub(crate) struct AttendanceResponse {
    /// The room.
    #[schema(example = "physics-101")]
    room: String,
    /// The start of the range, if one was asked for.
    #[schema(format = DateTime)]
    from: Option<String>,
    /// The end of the range, if one was asked for.
    #[schema(format = DateTime)]
    until: Option<String>,
    /// When the report was made: open sessions count until then.
    #[schema(format = DateTime)]
    generated_at: String,
    /// Per participant, by first join.
    participants: Vec<ParticipantAttendance>,
    /// Per room session.
    room_sessions: Vec<RoomSessionTimes>,
}

impl AttendanceResponse {
    fn new(report: &AttendanceReport, now: SystemTime) -> Self {
        Self {
            room: report.room.as_str().to_owned(),
            from: report.range.from.map(rfc3339),
            until: report.range.until.map(rfc3339),
            generated_at: rfc3339(now),
            participants: report
                .participants
                .iter()
                .map(|p| ParticipantAttendance {
                    identity: p.identity.as_str().to_owned(),
                    display_name: p.display_name.as_ref().map(|n| n.as_str().to_owned()),
                    role: p.role.map(Role::as_str),
                    first_join: rfc3339(p.first_join),
                    last_leave: p.last_leave.map(rfc3339),
                    connected_seconds: p.connected_seconds(),
                    sessions: p.sessions,
                })
                .collect(),
            room_sessions: report
                .room_sessions
                .iter()
                .map(|s| RoomSessionTimes {
                    start: s.started.map(rfc3339),
                    end: s.finished.map(rfc3339),
                })
                .collect(),
        }
    }

    /// The participants as CSV for a gradebook: a header line, one line per participant.
    /// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
    /// return first) gets a leading `'`, as OWASP recommends against CSV injection.
    fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "identity",
            "display_name",
            "role",
            "first_join",
            "last_leave",
            "connected_seconds",
            "sessions",
        ])?;
        for p in &self.participants {
            writer.write_record([
                inert(&p.identity),
                inert(p.display_name.as_deref().unwrap_or("")),
                p.role.unwrap_or("").to_owned(),
                p.first_join.clone(),
                p.last_leave.clone().unwrap_or_default(),
                p.connected_seconds.to_string(),
                p.sessions.to_string(),
            ])?;
        }
        writer
            .into_inner()
            .map_err(|error| error.into_error().into())
    }
}

fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The parameters of the report's query.
const REPORT_PARAMETERS: &[&str] = &["from", "until"];

/// Parses `from` and `until` (each at most once, RFC 3339; the query decoded as strictly as the
/// token endpoint's) into a range.
fn time_range(query: &str) -> Result<TimeRange, ApiError> {
    let [from, until] = parse_pairs::<2>(query, REPORT_PARAMETERS)?;
    let time = |value: Option<String>| {
        value
            .map(|value| humantime::parse_rfc3339(&value))
            .transpose()
            .map_err(|_| {
                ApiError::InvalidTimeRange(
                    "from and until must be RFC 3339 times in UTC, e.g. 2026-12-01T08:00:00Z",
                )
            })
    };
    let range = TimeRange {
        from: time(from)?,
        until: time(until)?,
    };
    if let (Some(from), Some(until)) = (range.from, range.until)
        && from >= until
    {
        return Err(ApiError::InvalidTimeRange("from must be before until"));
    }
    Ok(range)
}

struct AttendanceErrors;

impl IntoResponses for AttendanceErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut docs = vec![
            ErrorDoc {
                description: "The room name or the time range is invalid.",
                headers: &[],
                samples: vec![
                    ApiError::InvalidPathName {
                        parameter: "room",
                        source: NameError::TooLong { len: 257 },
                    },
                    ApiError::InvalidTimeRange("from must be before until"),
                    ApiError::UnknownParameter(REPORT_PARAMETERS),
                ],
            },
            ErrorDoc {
                description: "Nothing is recorded for this room.",
                headers: &[],
                samples: vec![ApiError::Attendance(AttendanceError::NotFound)],
            },
            ErrorDoc {
                description: "The attendance database cannot be reached.",
                headers: &[("Retry-After", "Seconds to wait before retrying.")],
                samples: vec![ApiError::Attendance(AttendanceError::Unavailable(
                    "the database's reason, logged only".into(),
                ))],
            },
        ];
        docs.extend(host_only_errors());
        error_responses(docs)
    }
}

/// Read a room's attendance.
///
/// Per participant (identity, display name, role, first join, last leave, connected seconds,
/// number of sessions) and per room session, over the optional range `[from, until)`. JSON by
/// default; CSV for a gradebook with `Accept: text/csv`. Readable by the LMS back end
/// (`api-key`) or by a session token that grants `host` for the room (`jwt`); in `none` mode
/// (development only) by anyone. Never cached.
#[utoipa::path(
    get,
    path = "/api/video/rooms/{room}/attendance",
    tag = "attendance",
    params(
        ("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
            example = "physics-101"),
        ReportQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The room's attendance.",
            content(
                (AttendanceResponse = "application/json"),
                (String = "text/csv", example = "identity,display_name,role,first_join,last_leave,connected_seconds,sessions\nstudent-42,Bob Brown,participant,2026-12-01T08:00:05Z,2026-12-01T08:50:12Z,3007,2\n"),
            ),
            headers(("Cache-Control" = String, description = "Always `no-store`."))),
        AttendanceErrors,
    )
)]
pub(crate) async fn room_attendance(
    request: HttpRequest,
    room: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let attendance = state.attendance.as_ref().ok_or(ApiError::NotFound)?;
    let room = RoomName::parse(room.into_inner()).map_err(|source| ApiError::InvalidPathName {
        parameter: "room",
        source,
    })?;
    let caller = state
        .auth
        .authenticate(authorization(&request))
        .await
        .map_err(|error| {
            state.metrics.auth_failure(&error);
            ApiError::Unauthenticated(error)
        })?;
    may_administer(&caller, &room)?;
    let range = time_range(request.query_string())?;
    let now = SystemTime::now();
    let report = attendance
        .store
        .report(&room, range, now)
        .await
        .map_err(|error| {
            state.metrics.database_error("report", &error);
            ApiError::Attendance(error)
        })?;
    let body = AttendanceResponse::new(&report, now);
    let wants_csv = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    // Reading attendance is reading personal data: who read which room's, vouched for how.
    telemetry::audit(&request, || {
        format!(
            "attendance read room={:?} participants={} format={} auth={}",
            body.room,
            body.participants.len(),
            if wants_csv { "csv" } else { "json" },
            state.auth.mode()
        )
    });
    if wants_csv {
        let csv = body
            .to_csv()
            .map_err(|error| ApiError::Attendance(AttendanceError::Internal(Box::new(error))))?;
        // Room names may hold any printable character: the file name keeps a safe subset.
        let file: String = room
            .as_str()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        return Ok(HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"attendance-{file}.csv\""),
            ))
            .body(csv));
    }
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_are_strict() {
        assert_eq!(time_range("").ok(), Some(TimeRange::ALL));
        let range = time_range("from=2026-12-01T08:00:00Z&until=2026-12-01T09:00:00Z").unwrap();
        assert_eq!(rfc3339(range.from.unwrap()), "2026-12-01T08:00:00Z");
        assert_eq!(rfc3339(range.until.unwrap()), "2026-12-01T09:00:00Z");
        for bad in [
            "from=yesterday",
            "from=2026-12-01T09:00:00Z&until=2026-12-01T08:00:00Z",
        ] {
            assert!(
                matches!(time_range(bad), Err(ApiError::InvalidTimeRange(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            time_range("from=2026-12-01T08:00:00Z&from=2026-12-01T08:00:00Z"),
            Err(ApiError::DuplicateParameter("from"))
        ));
        assert!(matches!(
            time_range("room=x"),
            Err(ApiError::UnknownParameter(_))
        ));
        assert!(matches!(
            time_range("from=%zz"),
            Err(ApiError::MalformedQuery(_))
        ));
    }

    #[test]
    fn formula_cells_are_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-1"), "'-1");
        assert_eq!(inert("@a"), "'@a");
        assert_eq!(inert("Ada"), "Ada");
    }
}
