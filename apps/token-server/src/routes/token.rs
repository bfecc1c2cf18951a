//! `GET /api/video/token`: a signed join ticket for one participant in one room.

use std::cell::Cell;
use std::time::SystemTime;

use actix_web::error::JsonPayloadError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use video_core::{
    DisplayName, JoinTicket, NameError, ParticipantIdentity, Role, RoomName, decode_query_component,
};

use crate::auth::TokenQuery;

use crate::problem::{ApiError, ProblemDetails};
use crate::rfc3339::{Rfc3339, SecondStamp};
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
    #[schema(value_type = String, format = DateTime)]
    expires_at: Rfc3339,
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

    /// The JSON body: the same bytes as `serde_json::to_vec(self)` (a test holds it to that),
    /// in one buffer sized for it. A field that needs no escaping, such as the token (a JWT is
    /// base64url and dots), is copied as it is instead of being scanned by `serde_json`'s
    /// escaper, which was measurable on this path.
    pub(crate) fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let fields = [
            ("{\"token\":", self.token),
            (",\"url\":", self.url),
            (",\"identity\":", self.identity),
            (",\"room\":", self.room),
            (",\"expires_at\":", self.expires_at.as_str()),
        ];
        let length: usize = fields
            .iter()
            .map(|(key, value)| key.len() + value.len() + 2)
            .sum();
        let mut body = Vec::with_capacity(length + 1);
        for (key, value) in fields {
            body.extend_from_slice(key.as_bytes());
            json_string(&mut body, value)?;
        }
        body.push(b'}');
        Ok(body)
    }
}

/// Appends `value` as a JSON string: as it is when no byte needs escaping (`serde_json` escapes
/// only `"`, `\` and control characters below U+0020), otherwise through `serde_json`.
fn json_string(out: &mut Vec<u8>, value: &str) -> serde_json::Result<()> {
    // No early exit: this way the check compiles to SIMD, 16 bytes at a time (a byte-by-byte
    // `all` cost about as much as serde_json's scan on a 500-byte token).
    let needs_escaping = value.bytes().fold(false, |found, b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !needs_escaping {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, value)
    }
}

/// The RFC 3339 text of a token's expiry. Every token issued in the same second expires in the
/// same second, so each thread formats the text once per second and copies it after that.
fn expiry_text(time: SystemTime) -> Rfc3339 {
    thread_local! {
        static EXPIRY: Cell<SecondStamp> = const { Cell::new(SecondStamp::new()) };
    }
    EXPIRY.with(|cached| {
        let mut stamp = cached.get();
        let text = stamp.of(time);
        cached.set(stamp);
        text
    })
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
    // Cannot fail (string fields only); handled as `HttpResponse::json` handles it.
    Ok(match response.to_json() {
        Ok(body) => HttpResponse::Ok()
            .insert_header(header::ContentType::json())
            .body(body),
        Err(error) => HttpResponse::from_error(JsonPayloadError::Serialize(error)),
    })
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

/// Parses the raw query string strictly: each of `room`, `user`, `name`, `role` at most once,
/// nothing else, valid form encoding, valid names. `room` is required here; whether `user` is
/// depends on the caller (see [`crate::auth::Caller::authorize`]).
pub(crate) fn parse_token_query(query: &str) -> Result<TokenQuery, ApiError> {
    let mut room = None;
    let mut user = None;
    let mut name = None;
    let mut role = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_query_component(raw_key).map_err(ApiError::MalformedQuery)?;
        let value = decode_query_component(raw_value).map_err(ApiError::MalformedQuery)?;
        let (slot, parameter) = match key.as_ref() {
            "room" => (&mut room, "room"),
            "user" => (&mut user, "user"),
            "name" => (&mut name, "name"),
            "role" => (&mut role, "role"),
            _ => return Err(ApiError::UnknownParameter),
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(ApiError::DuplicateParameter(parameter));
        }
    }
    let invalid = |parameter| move |source: NameError| ApiError::InvalidName { parameter, source };
    let room = RoomName::parse(room.ok_or(ApiError::MissingParameter("room"))?)
        .map_err(invalid("room"))?;
    let user = user
        .map(ParticipantIdentity::parse)
        .transpose()
        .map_err(invalid("user"))?;
    let name = name
        .map(DisplayName::parse)
        .transpose()
        .map_err(invalid("name"))?;
    let role = role
        .map(|role| role.parse::<Role>())
        .transpose()
        .map_err(|_| ApiError::UnknownRole)?;
    Ok(TokenQuery {
        room,
        user,
        name,
        role,
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use video_core::JoinRequest;

    use super::*;

    /// What an unauthenticated (development) caller's query becomes.
    fn parse_join_request(query: &str) -> Result<JoinRequest, ApiError> {
        Ok(crate::auth::Caller::Anyone.authorize(parse_token_query(query)?)?)
    }

    #[test]
    fn parses_a_full_query() {
        let request =
            parse_join_request("room=physics+101&user=s%C3%A9b&name=S%C3%A9b+B.&role=viewer")
                .unwrap();
        assert_eq!(request.room().as_str(), "physics 101");
        assert_eq!(request.identity().as_str(), "séb");
        assert_eq!(
            request.display_name().map(DisplayName::as_str),
            Some("Séb B.")
        );
        assert_eq!(request.role(), Role::Viewer);
    }

    #[test]
    fn role_defaults_to_participant_and_empty_pairs_are_skipped() {
        let request = parse_join_request("&room=a&&user=b&").unwrap();
        assert_eq!(request.role(), Role::Participant);
        assert_eq!(request.display_name(), None);
    }

    #[test]
    fn refuses_bad_queries_with_the_right_code() {
        let long = "x".repeat(257);
        let cases = [
            ("", "missing_parameter"),
            ("room=a", "missing_parameter"),
            ("user=a", "missing_parameter"),
            ("room=&user=a", "empty_parameter"),
            ("room&user=a", "empty_parameter"),
            ("room=a&user=a&name=", "empty_parameter"),
            (&format!("room={long}&user=a") as &str, "parameter_too_long"),
            ("room=a&user=a%0A", "invalid_characters"),
            ("room=a&room=b&user=c", "duplicate_parameter"),
            ("room=a&user=b&admin=1", "unknown_parameter"),
            ("room=a%&user=b", "malformed_query"),
            ("room=a&user=%FF", "malformed_query"),
            ("ro%zzom=a&user=b", "malformed_query"),
            ("room=a&user=b&role=admin", "unknown_role"),
            ("room=a&user=b&role=Host", "unknown_role"),
        ];
        for (query, code) in cases {
            let error = parse_join_request(query).map(|_| ()).unwrap_err();
            assert_eq!(error.code(), code, "{query}");
        }
    }

    #[test]
    fn expiry_is_rfc3339_utc_in_whole_seconds() {
        let time = UNIX_EPOCH + Duration::from_secs(1_795_500_000);
        assert_eq!(expiry_text(time).as_str(), "2026-11-24T06:00:00Z");
        // The per-thread cache: the same second gives the same text, the next one new text.
        let later = time + Duration::from_millis(999);
        assert_eq!(expiry_text(later).as_str(), "2026-11-24T06:00:00Z");
        let next = time + Duration::from_secs(1);
        assert_eq!(expiry_text(next).as_str(), "2026-11-24T06:00:01Z");
        assert_eq!(expiry_text(time).to_string(), "2026-11-24T06:00:00Z");
        assert_eq!(expiry_text(UNIX_EPOCH).as_str(), "1970-01-01T00:00:00Z");
        // Past the year 9999 `humantime` gives up: an empty text, not a panic.
        let year_10000 = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(expiry_text(year_10000).as_str(), "");
    }

    /// The hand-written body is byte for byte what `serde_json` writes, for values that need
    /// escaping and values that do not.
    #[test]
    fn json_body_is_what_serde_json_writes() {
        let values = [
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_",
            "",
            "plain text, with spaces / slashes and ü ñ 漢字 😀",
            "quote \" backslash \\ tab \t newline \n nul \u{0} unit \u{1f} del \u{7f} c1 \u{85}",
            "\"",
            "\\",
            "</script>",
        ];
        for (i, value) in values.iter().enumerate() {
            let other = values[(i + 1) % values.len()];
            let response = TokenResponse {
                token: value,
                url: other,
                identity: value,
                room: other,
                expires_at: expiry_text(UNIX_EPOCH + Duration::from_secs(1_795_500_000)),
            };
            let expected = serde_json::to_vec(&response).unwrap();
            assert_eq!(response.to_json().unwrap(), expected, "{value:?}");
        }
    }
}
