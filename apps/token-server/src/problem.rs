//! HTTP errors as RFC 9457 problem details.
//!
//! Every error the server answers is an [`ApiError`]: it maps to a status, a stable
//! machine-readable `code`, a fixed `title` and a `detail` written for the caller. Causes that
//! are ours (provider failures) go to the log with their full chain; the body says only what
//! the caller can act on.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{Ref, RefOr, Response, ResponseBuilder};

use video_attendance::AttendanceError;
use video_core::{Missing, NameError, ProviderError, ReceiveError, RoomAdminError};

use crate::query::QueryDecodeError;

use crate::auth::{AuthError, Denied};
use crate::telemetry::error_chain;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object, with a stable `code` extension member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:openconnect-video:problem:missing_parameter",
    "title": "Missing parameter",
    "status": 400,
    "detail": "The `room` query parameter is required.",
    "code": "missing_parameter",
    "parameter": "room"
}))]
pub struct ProblemDetails {
    /// A URI that identifies the problem type: `urn:openconnect-video:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short, fixed summary of the problem type.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a person. Never repeats the input.
    pub detail: String,
    /// A stable, machine-readable error code (see `docs/api/README.md`).
    pub code: &'static str,
    /// The query parameter at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<&'static str>,
}

/// Everything the HTTP API can answer with instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A required query parameter is absent.
    #[error("missing query parameter `{0}`")]
    MissingParameter(&'static str),
    /// A query parameter appears more than once.
    #[error("duplicated query parameter `{0}`")]
    DuplicateParameter(&'static str),
    /// The query has a parameter this endpoint does not accept.
    #[error("unknown query parameter")]
    UnknownParameter(&'static [&'static str]),
    /// The query string is not valid form encoding or not UTF-8.
    #[error("malformed query string")]
    MalformedQuery(#[source] QueryDecodeError),
    /// A name parameter breaks the name rules.
    #[error("invalid query parameter `{parameter}`")]
    InvalidName {
        /// The parameter.
        parameter: &'static str,
        /// The rule it broke.
        #[source]
        source: NameError,
    },
    /// A name in the request's path (a room) breaks the name rules.
    #[error("invalid path parameter `{parameter}`")]
    InvalidPathName {
        /// The path parameter.
        parameter: &'static str,
        /// The rule it broke.
        #[source]
        source: NameError,
    },
    /// A name in the request's JSON body breaks the name rules.
    #[error("invalid body member `{field}`")]
    InvalidBodyName {
        /// The member.
        field: &'static str,
        /// The rule it broke.
        #[source]
        source: NameError,
    },
    /// The request has a body that is not declared `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The request body is not the JSON the route takes; the rule it must follow.
    #[error("invalid request body")]
    InvalidBody(&'static str),
    /// Room administration failed: not found, unavailable, or the provider's failure.
    #[error("room administration")]
    Rooms(#[source] RoomAdminError),
    /// `role` is not one of the roles.
    #[error("unknown role")]
    UnknownRole,
    /// `provider` names no provider this server has enabled; the enabled ones, the default first.
    #[error("provider not enabled")]
    ProviderNotEnabled(Vec<&'static str>),
    /// No such resource.
    #[error("not found")]
    NotFound,
    /// The resource exists but not with this method; it answers the one named.
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
    /// The provider could not issue a ticket.
    #[error("the provider could not issue a ticket")]
    Provider(#[source] ProviderError),
    /// The provider is not ready (readiness probe).
    #[error("the provider is not ready")]
    NotReady(#[source] ProviderError),
    /// The caller authentication cannot check credentials now (readiness probe).
    #[error("caller authentication is not ready")]
    AuthNotReady,
    /// The caller is not authenticated.
    #[error("not authenticated")]
    Unauthenticated(AuthError),
    /// The caller is authenticated but may not have this token.
    #[error("forbidden")]
    Forbidden(Denied),
    /// Too many requests; retry after the duration.
    #[error("rate limited")]
    RateLimited(Duration),
    /// The request has a body larger than the API accepts.
    #[error("request body too large")]
    PayloadTooLarge,
    /// A provider's webhook whose signature does not verify, or that is no usable event.
    #[error("webhook refused")]
    Webhook(#[source] ReceiveError),
    /// A webhook body that is not UTF-8 text.
    #[error("webhook body is not UTF-8")]
    WebhookNotText,
    /// The caller may not read this room's attendance: neither the LMS back end nor a host of it.
    #[error("not a host of this room")]
    NotRoomHost,
    /// `from` or `until` is not an RFC 3339 time, or `from` is not before `until`.
    #[error("invalid time range")]
    InvalidTimeRange(&'static str),
    /// The attendance storage failed, or holds nothing for the room.
    #[error("attendance storage")]
    Attendance(#[source] AttendanceError),
    /// The attendance database cannot be reached (readiness probe).
    #[error("the attendance database is not ready")]
    StorageNotReady(#[source] AttendanceError),
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::MissingUser => Self::MissingParameter("user"),
            denied => Self::Forbidden(denied),
        }
    }
}

impl ApiError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code_and_title().0
    }

    /// The stable code and the fixed title of each kind of error, in one table.
    fn code_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::MissingParameter(_) => ("missing_parameter", "Missing parameter"),
            Self::DuplicateParameter(_) => ("duplicate_parameter", "Duplicated parameter"),
            Self::UnknownParameter(_) => ("unknown_parameter", "Unknown parameter"),
            Self::MalformedQuery(_) => ("malformed_query", "Malformed query string"),
            Self::InvalidName { source, .. }
            | Self::InvalidPathName { source, .. }
            | Self::InvalidBodyName { source, .. } => match source {
                NameError::Empty => ("empty_parameter", "Empty parameter"),
                NameError::TooLong { .. } => ("parameter_too_long", "Parameter too long"),
                NameError::ControlCharacter { .. } => ("invalid_characters", "Invalid characters"),
            },
            Self::InvalidBody(_) => ("invalid_body", "Invalid request body"),
            Self::UnsupportedMediaType => ("unsupported_media_type", "Unsupported media type"),
            Self::Rooms(RoomAdminError::NotFound(Missing::Room)) => {
                ("room_not_found", "Room not found")
            }
            Self::Rooms(RoomAdminError::NotFound(Missing::Participant)) => {
                ("participant_not_found", "Participant not found")
            }
            Self::Rooms(RoomAdminError::NotFound(Missing::Track)) => {
                ("track_not_found", "Track not found")
            }
            Self::Rooms(RoomAdminError::RemoteUnmuteDisabled { .. }) => {
                ("remote_unmute_disabled", "Remote unmute disabled")
            }
            Self::Rooms(RoomAdminError::Unavailable { .. }) => {
                ("provider_unavailable", "Video provider unavailable")
            }
            Self::Rooms(RoomAdminError::Internal { .. }) => ("internal_error", "Internal error"),
            Self::Rooms(RoomAdminError::Unsupported { .. }) => {
                ("not_supported", "Not supported by the provider")
            }
            Self::UnknownRole => ("unknown_role", "Unknown role"),
            Self::ProviderNotEnabled(_) => ("provider_not_enabled", "Provider not enabled"),
            Self::NotFound => ("not_found", "Not found"),
            Self::MethodNotAllowed(_) => ("method_not_allowed", "Method not allowed"),
            Self::Provider(ProviderError::Unavailable { .. }) => {
                ("provider_unavailable", "Video provider unavailable")
            }
            Self::Provider(ProviderError::Refused { .. }) => {
                ("provider_refused", "Refused by the video provider")
            }
            Self::Provider(ProviderError::Internal { .. }) => ("internal_error", "Internal error"),
            Self::NotReady(_) | Self::AuthNotReady => ("not_ready", "Not ready"),
            Self::Unauthenticated(AuthError::Missing) => {
                ("missing_credentials", "Missing credentials")
            }
            Self::Unauthenticated(AuthError::Invalid(_)) => {
                ("invalid_credentials", "Invalid credentials")
            }
            Self::Unauthenticated(AuthError::Unavailable) => {
                ("auth_unavailable", "Authentication unavailable")
            }
            Self::Forbidden(Denied::UserMismatch) => ("user_mismatch", "User mismatch"),
            Self::Forbidden(Denied::RoomNotAllowed) => ("room_not_allowed", "Room not allowed"),
            Self::Forbidden(Denied::RoleNotAllowed | Denied::MissingUser) => {
                ("role_not_allowed", "Role not allowed")
            }
            Self::RateLimited(_) => ("rate_limited", "Too many requests"),
            Self::PayloadTooLarge => ("payload_too_large", "Request body too large"),
            Self::Webhook(ReceiveError::Unauthorized(_)) => {
                ("webhook_unauthorized", "Webhook not verified")
            }
            Self::Webhook(ReceiveError::Malformed(_)) | Self::WebhookNotText => {
                ("webhook_malformed", "Webhook not usable")
            }
            Self::NotRoomHost => ("not_room_host", "Not a host of this room"),
            Self::InvalidTimeRange(_) => ("invalid_time_range", "Invalid time range"),
            Self::Attendance(AttendanceError::NotFound) => {
                ("no_attendance", "No attendance recorded")
            }
            Self::Attendance(AttendanceError::Unavailable(_)) => {
                ("storage_unavailable", "Attendance storage unavailable")
            }
            Self::Attendance(_) => ("internal_error", "Internal error"),
            Self::StorageNotReady(_) => ("not_ready", "Not ready"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::MissingParameter(p) => format!("The `{p}` query parameter is required."),
            Self::DuplicateParameter(p) => {
                format!("The `{p}` query parameter must appear at most once.")
            }
            Self::UnknownParameter(accepted) => {
                let (last, rest) = accepted.split_last().unwrap_or((&"", &[]));
                if rest.is_empty() {
                    format!("The query accepts only the parameter {last}.")
                } else {
                    format!(
                        "The query accepts only the parameters {} and {last}.",
                        rest.join(", ")
                    )
                }
            }
            Self::MalformedQuery(QueryDecodeError::MalformedPercentEncoding { .. }) => {
                "The query string has a `%` that is not followed by two hexadecimal digits."
                    .to_owned()
            }
            Self::MalformedQuery(QueryDecodeError::InvalidUtf8) => {
                "The query string does not decode to valid UTF-8.".to_owned()
            }
            Self::InvalidName { parameter, source } => {
                format!("The `{parameter}` query parameter {source}.")
            }
            Self::InvalidPathName { parameter, source } => {
                format!("The `{parameter}` in the path {source}.")
            }
            Self::InvalidBodyName { field, source } => {
                format!("The `{field}` in the body {source}.")
            }
            Self::InvalidBody(shape) => format!("The request body must be {shape}."),
            Self::UnsupportedMediaType => {
                "The request body must be sent as `Content-Type: application/json`.".to_owned()
            }
            Self::Rooms(RoomAdminError::NotFound(Missing::Room)) => {
                "The room is not open.".to_owned()
            }
            Self::Rooms(RoomAdminError::NotFound(Missing::Participant)) => {
                "The participant is not in the room.".to_owned()
            }
            Self::Rooms(RoomAdminError::NotFound(Missing::Track)) => {
                "The participant publishes no track with this id.".to_owned()
            }
            Self::Rooms(RoomAdminError::RemoteUnmuteDisabled { .. }) => {
                "The video provider does not allow unmuting another participant's track; \
                 the participant can unmute it."
                    .to_owned()
            }
            Self::Rooms(RoomAdminError::Unavailable { .. }) => {
                "The video provider's room service cannot be reached right now; try again later."
                    .to_owned()
            }
            Self::Rooms(RoomAdminError::Internal { .. }) => {
                "The video provider's room service failed. The error has been logged.".to_owned()
            }
            Self::Rooms(RoomAdminError::Unsupported {
                provider,
                operation,
            }) => format!(
                "The {provider} provider does not support this ({operation}); \
                 docs/providers says what each provider supports."
            ),
            Self::UnknownRole => {
                "The `role` query parameter must be one of: host, participant, viewer.".to_owned()
            }
            Self::ProviderNotEnabled(enabled) => format!(
                "The `provider` query parameter must name a provider this server has enabled: {}.",
                enabled.join(", ")
            ),
            Self::NotFound => "There is no resource at this path.".to_owned(),
            Self::MethodNotAllowed(method) => {
                format!("This resource only answers {method} requests.")
            }
            Self::Provider(ProviderError::Unavailable { .. }) => {
                "The video provider cannot issue tokens right now; try again later.".to_owned()
            }
            Self::Provider(ProviderError::Refused { provider, reason }) => {
                format!("The {provider} video provider cannot serve this request: {reason}.")
            }
            Self::Provider(ProviderError::Internal { .. }) => {
                "The server failed to issue a token. The error has been logged.".to_owned()
            }
            Self::NotReady(_) => "The video provider cannot issue tokens right now.".to_owned(),
            Self::AuthNotReady => {
                "Caller authentication cannot check credentials yet (the JWKS is not loaded)."
                    .to_owned()
            }
            Self::Unauthenticated(AuthError::Missing) => {
                "This endpoint needs an `Authorization: Bearer` header.".to_owned()
            }
            Self::Unauthenticated(AuthError::Invalid(reason)) => sentence(reason),
            Self::Unauthenticated(AuthError::Unavailable) => {
                "The keys that check session tokens cannot be loaded right now; try again later."
                    .to_owned()
            }
            Self::Forbidden(Denied::UserMismatch) => {
                "The `user` parameter must be the session token's subject (`sub`).".to_owned()
            }
            Self::Forbidden(Denied::RoomNotAllowed) => {
                "The session token does not allow this room.".to_owned()
            }
            Self::Forbidden(Denied::RoleNotAllowed | Denied::MissingUser) => {
                "The session token does not grant this role.".to_owned()
            }
            Self::RateLimited(wait) => format!(
                "Too many token requests; retry in {} second(s).",
                retry_after_secs(*wait)
            ),
            Self::PayloadTooLarge => "The request body is larger than this resource accepts \
                (4096 bytes; 16384 for room administration; 65536 for webhooks)."
                .to_owned(),
            Self::Webhook(error) => sentence(&error.to_string()),
            Self::WebhookNotText => "The webhook body must be UTF-8 JSON.".to_owned(),
            Self::NotRoomHost => {
                "Only the LMS back end (`api-key`) or a session token that grants \
                `host` for this room may do this."
                    .to_owned()
            }
            Self::InvalidTimeRange(rule) => format!("The time range is invalid: {rule}."),
            Self::Attendance(AttendanceError::NotFound) => {
                "No attendance is recorded for this room.".to_owned()
            }
            Self::Attendance(AttendanceError::Unavailable(_)) => {
                "The attendance database cannot be reached right now; try again later.".to_owned()
            }
            Self::Attendance(_) => {
                "The server failed to read or store attendance. The error has been logged."
                    .to_owned()
            }
            Self::StorageNotReady(_) => "The attendance database cannot be reached.".to_owned(),
        }
    }

    fn parameter(&self) -> Option<&'static str> {
        match self {
            Self::MissingParameter(p) | Self::DuplicateParameter(p) => Some(p),
            Self::InvalidName { parameter, .. } | Self::InvalidPathName { parameter, .. } => {
                Some(parameter)
            }
            Self::InvalidBodyName { field, .. } => Some(field),
            Self::UnknownRole | Self::Forbidden(Denied::RoleNotAllowed) => Some("role"),
            Self::ProviderNotEnabled(_) => Some("provider"),
            Self::Forbidden(Denied::UserMismatch) => Some("user"),
            Self::Forbidden(Denied::RoomNotAllowed) => Some("room"),
            Self::InvalidTimeRange(_) => Some("from"),
            _ => None,
        }
    }

    /// The problem details body of this error.
    pub fn problem(&self) -> ProblemDetails {
        let code = self.code();
        ProblemDetails {
            problem_type: format!("urn:openconnect-video:problem:{code}"),
            title: self.code_and_title().1,
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code,
            parameter: self.parameter(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Attendance(AttendanceError::NotFound)
            | Self::Rooms(RoomAdminError::NotFound(_)) => StatusCode::NOT_FOUND,
            Self::Rooms(RoomAdminError::RemoteUnmuteDisabled { .. }) => StatusCode::CONFLICT,
            Self::Rooms(RoomAdminError::Unavailable { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Rooms(RoomAdminError::Internal { .. }) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Rooms(RoomAdminError::Unsupported { .. }) => StatusCode::NOT_IMPLEMENTED,
            Self::Provider(ProviderError::Refused { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Attendance(AttendanceError::Unavailable(_)) | Self::StorageNotReady(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Attendance(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Webhook(ReceiveError::Unauthorized(_)) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::NotRoomHost => StatusCode::FORBIDDEN,
            Self::Provider(ProviderError::Internal { .. }) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Provider(ProviderError::Unavailable { .. })
            | Self::NotReady(_)
            | Self::AuthNotReady
            | Self::Unauthenticated(AuthError::Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(
            self,
            Self::Provider(ProviderError::Unavailable { .. } | ProviderError::Internal { .. })
                | Self::Rooms(RoomAdminError::Unavailable { .. } | RoomAdminError::Internal { .. })
                | Self::NotReady(_)
                | Self::StorageNotReady(_)
                | Self::Attendance(
                    AttendanceError::Unavailable(_)
                        | AttendanceError::Internal(_)
                        | AttendanceError::Configuration(_)
                )
        ) {
            // Ours, not the caller's: the whole chain goes to the log, never to the body.
            log::error!("{}", error_chain(self));
        } else if let Self::Provider(refused) = self {
            // The caller's to fix, but worth knowing: which limit of which provider.
            log::warn!("{refused}");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            Self::MethodNotAllowed(method) => {
                response.insert_header((header::ALLOW, HeaderValue::from_static(method)));
            }
            Self::Attendance(AttendanceError::Unavailable(_))
            | Self::Rooms(RoomAdminError::Unavailable { .. }) => {
                // LiveKit retries a webhook that failed; so may a client reading a report or
                // administering a room.
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Unauthenticated(AuthError::Missing) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            Self::Unauthenticated(AuthError::Invalid(_)) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                ));
            }
            Self::RateLimited(wait) => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs(*wait)));
            }
            _ => {}
        }
        match serde_json::to_vec(&self.problem()) {
            Ok(body) => response.body(body),
            // Serializing strings and integers cannot fail; answer without a body if it did.
            Err(_) => response.finish(),
        }
    }
}

/// One documented error status of an endpoint: what it means, the headers it carries, and
/// sample errors whose problem bodies are its examples. The status is the samples' own.
pub(crate) struct ErrorDoc {
    /// What the status means for this endpoint.
    pub(crate) description: &'static str,
    /// Headers the answer carries: name and description.
    pub(crate) headers: &'static [(&'static str, &'static str)],
    /// One error of each kind the status covers (all with the same status).
    pub(crate) samples: Vec<ApiError>,
}

/// The OpenAPI responses of `docs`: `application/problem+json` with the [`ProblemDetails`]
/// schema and, as examples, the bodies [`ApiError::problem`] writes for the samples (`example`
/// for one sample, `examples` keyed by code for more), so that the document cannot drift from
/// what the server answers.
pub(crate) fn error_responses(docs: Vec<ErrorDoc>) -> BTreeMap<String, RefOr<Response>> {
    let body = |error: &ApiError| serde_json::to_value(error.problem()).unwrap_or_default();
    docs.into_iter()
        .filter_map(|doc| {
            let status = doc.samples.first()?.status_code().as_u16();
            let content =
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ProblemDetails")));
            let content = match doc.samples.as_slice() {
                [sample] => content.example(Some(body(sample))),
                samples => content.examples_from_iter(samples.iter().map(|sample| {
                    let example = ExampleBuilder::new().value(Some(body(sample))).build();
                    (sample.code(), example)
                })),
            };
            let response = doc.headers.iter().fold(
                ResponseBuilder::new()
                    .description(doc.description)
                    .content(PROBLEM_JSON, content.build()),
                |response, (name, description)| {
                    let header = HeaderBuilder::new()
                        .schema(Object::with_type(Type::String))
                        .description(Some(*description))
                        .build();
                    response.header(*name, header)
                },
            );
            Some((status.to_string(), response.build().into()))
        })
        .collect()
}

/// A reason fragment as a sentence: capitalized, with a full stop.
fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

/// Whole seconds to wait, rounded up (`Retry-After` takes whole seconds; never 0).
fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_join_every_cause() {
        let error = ApiError::Provider(ProviderError::Internal {
            provider: "livekit",
            source: "signing failed".into(),
        });
        assert_eq!(
            error_chain(&error),
            "the provider could not issue a ticket: the livekit video provider failed: signing failed"
        );
        let body = error.problem();
        assert_eq!((body.status, body.code), (500, "internal_error"));
        assert!(
            !body.detail.contains("signing failed"),
            "internals stay in the log"
        );
    }

    #[test]
    fn what_a_provider_cannot_do_is_the_callers_to_know() {
        let refused = ApiError::Provider(ProviderError::Refused {
            provider: "daily",
            reason: "the participant identity has 37 characters; Daily's user_id holds at most 36"
                .to_owned(),
        })
        .problem();
        assert_eq!((refused.status, refused.code), (422, "provider_refused"));
        assert_eq!(
            refused.detail,
            "The daily video provider cannot serve this request: the participant identity has 37 \
             characters; Daily's user_id holds at most 36."
        );
        let unsupported = ApiError::Rooms(RoomAdminError::Unsupported {
            provider: "twilio",
            operation: "end_room",
        })
        .problem();
        assert_eq!(
            (unsupported.status, unsupported.code),
            (501, "not_supported")
        );
        assert!(
            unsupported.detail.contains("twilio"),
            "{}",
            unsupported.detail
        );
        let not_enabled = ApiError::ProviderNotEnabled(vec!["livekit", "daily"]).problem();
        assert_eq!(
            (not_enabled.status, not_enabled.code, not_enabled.parameter),
            (400, "provider_not_enabled", Some("provider"))
        );
        assert!(not_enabled.detail.ends_with("enabled: livekit, daily."));
    }
}
