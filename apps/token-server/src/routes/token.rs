//! `GET /api/video/token`: a signed join ticket for one participant in one room.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use video_core::JoinTicket;

use crate::problem::{ApiError, ProblemDetails};
use crate::query::parse_token_query;
use crate::startup::AppState;
use crate::telemetry;

/// The query parameters of `GET /api/video/token`.
///
/// Names follow the same rules: 1 to 256 bytes of UTF-8 (`maxLength` counts characters, so it
/// is only an upper bound: 256 two-byte characters are too long), no control characters (the
/// `pattern`), kept exactly as given (case and white space are significant). The query must be valid
/// `application/x-www-form-urlencoded` UTF-8 (`+` is a space, `%2B` a plus sign); each
/// parameter may appear once, and no other parameter is accepted.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query for OpenAPI; the handler parses the raw query strictly.
pub(crate) struct TokenParams {
    /// The room to join, e.g. `physics-101`. LiveKit creates it on first join.
    #[param(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        example = "physics-101"
    )]
    room: String,
    /// The participant's stable identity, e.g. the LMS user id. Required, except with
    /// `TOKEN_SERVER_AUTH=jwt`, where it defaults to the session token's `sub` (and must equal
    /// it when given).
    #[param(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        example = "student-42"
    )]
    user: Option<String>,
    /// The name other participants see (optional).
    #[param(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        example = "Ada Lovelace"
    )]
    name: Option<String>,
    /// The role: `host` (instructor), `participant` (student) or `viewer` (observer, subscribe
    /// only). Defaults to `participant`; with `TOKEN_SERVER_AUTH=jwt`, to the session token's
    /// role, which may be lowered but never raised.
    #[param(inline, example = "participant")]
    role: Option<RoleParam>,
}

/// A role's wire name.
#[derive(ToSchema)]
#[schema(as = Role)]
#[allow(dead_code)] // Documents the accepted values for OpenAPI.
pub(crate) enum RoleParam {
    /// Instructor: publishes any source, publishes data, moderates the room.
    #[schema(rename = "host")]
    Host,
    /// Student: publishes camera and microphone, publishes data, subscribes.
    #[schema(rename = "participant")]
    Participant,
    /// Observer: subscribes only.
    #[schema(rename = "viewer")]
    Viewer,
}

/// A join ticket: what the client needs to connect to the video server.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTU1MDgwMDAsImlzcyI6ImRldmtleSIsIm5iZiI6MTc5NTQ4NjQwMCwic3ViIjoic3R1ZGVudC00MiIsInZpZGVvIjp7InJvb20iOiJwaHlzaWNzLTEwMSIsInJvb21Kb2luIjp0cnVlfX0.signature",
    "url": "ws://localhost:7880",
    "identity": "student-42",
    "room": "physics-101",
    "expires_at": "2026-11-24T07:00:00Z"
}))]
pub(crate) struct TokenResponse<'a> {
    /// The access token (a JWT for LiveKit). A credential: hand it to this participant only.
    token: &'a str,
    /// The video server URL the client connects to with the token.
    url: &'a str,
    /// The identity the token was issued to.
    identity: &'a str,
    /// The room the token admits to.
    room: &'a str,
    /// When the token expires (RFC 3339, UTC).
    #[schema(format = DateTime)]
    expires_at: String,
}

impl<'a> TokenResponse<'a> {
    /// The answer for `ticket`, borrowing from it: the token is not copied out of its
    /// zeroizing `SecretString` before it is written into the response body.
    pub(crate) fn new(ticket: &'a JoinTicket) -> Self {
        Self {
            token: ticket.token(),
            url: &ticket.url,
            identity: ticket.identity.as_str(),
            room: ticket.room.as_str(),
            expires_at: expiry_text(ticket.expires_at),
        }
    }
}

/// `time` as RFC 3339 in whole seconds, UTC (`2026-11-24T06:00:00Z`), by `humantime`. Past the
/// year 9999, which `humantime` refuses with an error, the text is empty rather than a panic; a
/// time before 1970 (which it would panic on) counts as 1970.
fn expiry_text(time: SystemTime) -> String {
    let mut text = String::new();
    if write!(
        text,
        "{}",
        humantime::format_rfc3339_seconds(time.max(UNIX_EPOCH))
    )
    .is_err()
    {
        text.clear();
    }
    text
}

/// Issue a join ticket.
///
/// Returns a signed access token for `user` in `room` with the permissions of `role`, and the
/// URL of the video server to connect to. Every response carries `Cache-Control: no-store`:
/// the token is a credential and must not be cached by browsers or proxies.
///
/// Callers authenticate as `TOKEN_SERVER_AUTH` says: not at all (`none`, development only), with
/// an API key (`api-key`, the LMS back end, trusted with `user` and `role`), or with the LMS's
/// session JWT (`jwt`: the identity is the token's `sub`, the rooms and the highest role come
/// from its claims).
#[utoipa::path(
    get,
    path = "/api/video/token",
    tag = "tokens",
    params(TokenParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A join ticket.", body = TokenResponse<'static>,
            headers(("Cache-Control" = String, description = "Always `no-store`."))),
        (status = 400, description = "A query parameter is missing, empty, too long, \
            duplicated, unknown, malformed or has control characters; or the role is unknown.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("missing_parameter" = (value = json!({"type": "urn:openconnect-video:problem:missing_parameter", "title": "Missing parameter", "status": 400, "detail": "The `room` query parameter is required.", "code": "missing_parameter", "parameter": "room"}))),
                ("empty_parameter" = (value = json!({"type": "urn:openconnect-video:problem:empty_parameter", "title": "Empty parameter", "status": 400, "detail": "The `user` query parameter must not be empty.", "code": "empty_parameter", "parameter": "user"}))),
                ("parameter_too_long" = (value = json!({"type": "urn:openconnect-video:problem:parameter_too_long", "title": "Parameter too long", "status": 400, "detail": "The `room` query parameter must be at most 256 bytes of UTF-8, got 257.", "code": "parameter_too_long", "parameter": "room"}))),
                ("invalid_characters" = (value = json!({"type": "urn:openconnect-video:problem:invalid_characters", "title": "Invalid characters", "status": 400, "detail": "The `user` query parameter must not contain control characters (found one at byte 3).", "code": "invalid_characters", "parameter": "user"}))),
                ("duplicate_parameter" = (value = json!({"type": "urn:openconnect-video:problem:duplicate_parameter", "title": "Duplicated parameter", "status": 400, "detail": "The `room` query parameter must appear at most once.", "code": "duplicate_parameter", "parameter": "room"}))),
                ("unknown_parameter" = (value = json!({"type": "urn:openconnect-video:problem:unknown_parameter", "title": "Unknown parameter", "status": 400, "detail": "The query accepts only the parameters room, user, name and role.", "code": "unknown_parameter"}))),
                ("malformed_query" = (value = json!({"type": "urn:openconnect-video:problem:malformed_query", "title": "Malformed query string", "status": 400, "detail": "The query string has a `%` that is not followed by two hexadecimal digits.", "code": "malformed_query"}))),
                ("unknown_role" = (value = json!({"type": "urn:openconnect-video:problem:unknown_role", "title": "Unknown role", "status": 400, "detail": "The `role` query parameter must be one of: host, participant, viewer.", "code": "unknown_role", "parameter": "role"})))
            )),
        (status = 401, description = "Credentials are missing or invalid (`TOKEN_SERVER_AUTH` \
            is `api-key` or `jwt`).", body = ProblemDetails, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer`, or `Bearer error=\"invalid_token\"`")),
            examples(
                ("missing_credentials" = (value = json!({"type": "urn:openconnect-video:problem:missing_credentials", "title": "Missing credentials", "status": 401, "detail": "This endpoint needs an `Authorization: Bearer` header.", "code": "missing_credentials"}))),
                ("invalid_credentials" = (value = json!({"type": "urn:openconnect-video:problem:invalid_credentials", "title": "Invalid credentials", "status": 401, "detail": "The bearer token has expired.", "code": "invalid_credentials"})))
            )),
        (status = 403, description = "The session token does not allow this user, room or role.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("user_mismatch" = (value = json!({"type": "urn:openconnect-video:problem:user_mismatch", "title": "User mismatch", "status": 403, "detail": "The `user` parameter must be the session token's subject (`sub`).", "code": "user_mismatch", "parameter": "user"}))),
                ("room_not_allowed" = (value = json!({"type": "urn:openconnect-video:problem:room_not_allowed", "title": "Room not allowed", "status": 403, "detail": "The session token does not allow this room.", "code": "room_not_allowed", "parameter": "room"}))),
                ("role_not_allowed" = (value = json!({"type": "urn:openconnect-video:problem:role_not_allowed", "title": "Role not allowed", "status": 403, "detail": "The session token does not grant this role.", "code": "role_not_allowed", "parameter": "role"})))
            )),
        (status = 413, description = "The request has a body (this API takes none).",
            body = ProblemDetails, content_type = "application/problem+json",
            example = json!({"type": "urn:openconnect-video:problem:payload_too_large", "title": "Request body too large", "status": 413, "detail": "This API takes no request body larger than 4096 bytes.", "code": "payload_too_large"})),
        (status = 429, description = "Too many requests from this address or for this identity.",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait before retrying.")),
            example = json!({"type": "urn:openconnect-video:problem:rate_limited", "title": "Too many requests", "status": 429, "detail": "Too many token requests; retry in 2 second(s).", "code": "rate_limited"})),
        (status = 405, description = "Only GET is allowed.", body = ProblemDetails,
            content_type = "application/problem+json",
            headers(("Allow" = String, description = "`GET`")),
            example = json!({"type": "urn:openconnect-video:problem:method_not_allowed", "title": "Method not allowed", "status": 405, "detail": "This resource only answers GET requests.", "code": "method_not_allowed"})),
        (status = 500, description = "The server failed to issue a token (logged).",
            body = ProblemDetails, content_type = "application/problem+json",
            example = json!({"type": "urn:openconnect-video:problem:internal_error", "title": "Internal error", "status": 500, "detail": "The server failed to issue a token. The error has been logged.", "code": "internal_error"})),
        (status = 503, description = "The video provider cannot issue tokens right now, or the \
            keys that check session tokens cannot be loaded.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("provider_unavailable" = (value = json!({"type": "urn:openconnect-video:problem:provider_unavailable", "title": "Video provider unavailable", "status": 503, "detail": "The video provider cannot issue tokens right now; try again later.", "code": "provider_unavailable"}))),
                ("auth_unavailable" = (value = json!({"type": "urn:openconnect-video:problem:auth_unavailable", "title": "Authentication unavailable", "status": 503, "detail": "The keys that check session tokens cannot be loaded right now; try again later.", "code": "auth_unavailable"})))
            )),
    )
)]
pub(crate) async fn issue_token(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(peer) = request.peer_addr() {
        state
            .limiter
            .check_ip(peer.ip())
            .map_err(ApiError::RateLimited)?;
    }
    let caller = state
        .auth
        .authenticate(authorization(&request))
        .await
        .map_err(ApiError::Unauthenticated)?;
    let join = caller.authorize(parse_token_query(request.query_string())?)?;
    state
        .limiter
        .check_identity(join.identity().as_str())
        .map_err(ApiError::RateLimited)?;
    let ticket = state
        .provider
        .join(&join)
        .await
        .map_err(ApiError::Provider)?;
    let response = TokenResponse::new(&ticket);
    // The audit trail: who got into which room as what, until when, vouched for how. Never the
    // token or a credential. Names cannot hold control characters, so one token is one line.
    telemetry::audit(&request, || {
        format!(
            "token issued room={:?} identity={:?} role={} expires_at={} auth={}",
            response.room,
            response.identity,
            join.role(),
            response.expires_at,
            state.auth.mode()
        )
    });
    Ok(HttpResponse::Ok().json(&response))
}

/// The `Authorization` header: `Ok(None)` when absent, `Err` when repeated or not ASCII.
fn authorization(request: &HttpRequest) -> Result<Option<&str>, ()> {
    let mut values = request.headers().get_all(header::AUTHORIZATION);
    let first = values.next();
    if values.next().is_some() {
        return Err(());
    }
    first.map(|value| value.to_str().map_err(drop)).transpose()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn expiry_is_rfc3339_utc_in_whole_seconds() {
        let time = UNIX_EPOCH + Duration::from_secs(1_795_500_000);
        assert_eq!(expiry_text(time).as_str(), "2026-11-24T06:00:00Z");
        let later = time + Duration::from_millis(999);
        assert_eq!(expiry_text(later).as_str(), "2026-11-24T06:00:00Z");
        let next = time + Duration::from_secs(1);
        assert_eq!(expiry_text(next).as_str(), "2026-11-24T06:00:01Z");
        assert_eq!(expiry_text(time).to_string(), "2026-11-24T06:00:00Z");
        assert_eq!(expiry_text(UNIX_EPOCH).as_str(), "1970-01-01T00:00:00Z");
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(expiry_text(before).as_str(), "1970-01-01T00:00:00Z");
        // Past the year 9999 `humantime` gives up: an empty text, not a panic.
        let year_10000 = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(expiry_text(year_10000).as_str(), "");
    }
}
