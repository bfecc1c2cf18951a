//! `GET /api/video/token`: a signed join ticket for one participant in one room.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoResponses, ToSchema};
use video_core::{JoinTicket, NameError, ProviderError};

use crate::auth::{AuthError, Denied};
use crate::problem::{ApiError, ErrorDoc, error_responses};
use crate::query::{ProviderSchema, QueryDecodeError, TokenQuery, parse_token_query};
use crate::startup::AppState;
use crate::telemetry;

/// A join ticket: what the client needs to connect to the video server.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTU1MDgwMDAsImlzcyI6ImRldmtleSIsIm5iZiI6MTc5NTQ4NjQwMCwic3ViIjoic3R1ZGVudC00MiIsInZpZGVvIjp7InJvb20iOiJwaHlzaWNzLTEwMSIsInJvb21Kb2luIjp0cnVlfX0.signature",
    "url": "ws://localhost:7880",
    "identity": "student-42",
    "room": "physics-101",
    "expires_at": "2026-11-24T07:00:00Z",
    "provider": "livekit"
}))]
pub(crate) struct TokenResponse<'a> {
    /// The access token (a JWT for LiveKit, a meeting token for Daily, an access token for
    /// Twilio; empty for Google Meet, whose link needs none). A credential: hand it to this
    /// participant only.
    token: &'a str,
    /// Where the client connects with the token: the LiveKit server's URL, the Daily room's
    /// URL, the room's Google Meet link (the same for everyone in the room); empty for Twilio,
    /// whose SDK connects with the token alone.
    url: &'a str,
    /// The identity the token was issued to.
    identity: &'a str,
    /// The room the token admits to.
    room: &'a str,
    /// When the token expires (RFC 3339, UTC).
    #[schema(format = DateTime)]
    expires_at: String,
    /// The provider that issued the ticket, so the client knows which SDK joins with it: the
    /// request's `provider`, or the server's default (`VIDEO_PROVIDER`).
    #[schema(value_type = ProviderSchema)]
    provider: &'static str,
}

impl<'a> TokenResponse<'a> {
    /// The answer for `ticket`, borrowing from it: the token is not copied out of its
    /// zeroizing `SecretString` before it is written into the response body.
    pub(crate) fn new(ticket: &'a JoinTicket, provider: &'static str) -> Self {
        Self {
            token: ticket.token(),
            url: &ticket.url,
            identity: ticket.identity.as_str(),
            room: ticket.room.as_str(),
            expires_at: rfc3339(ticket.expires_at),
            provider,
        }
    }
}

/// `time` as RFC 3339 in whole seconds, UTC (`2026-11-24T06:00:00Z`), by `humantime`. Past the
/// year 9999, which `humantime` refuses with an error, the text is empty rather than a panic; a
/// time before 1970 (which it would panic on) counts as 1970.
pub(crate) fn rfc3339(time: SystemTime) -> String {
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

/// The error answers of `GET /api/video/token`, with examples written by [`ApiError`] itself.
struct TokenErrors;

impl IntoResponses for TokenErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let invalid = |parameter, source| ApiError::InvalidName { parameter, source };
        let provider_error = |internal: bool| {
            let source = "the provider's reason, logged only".into();
            if internal {
                ProviderError::Internal {
                    provider: "livekit",
                    source,
                }
            } else {
                ProviderError::Unavailable {
                    provider: "livekit",
                    source,
                }
            }
        };
        error_responses(vec![
            ErrorDoc {
                description: "A query parameter is missing, empty, too long, duplicated, unknown, \
                    malformed or has control characters; or the role is unknown; or `provider` \
                    names a provider this server has not enabled.",
                headers: &[],
                samples: vec![
                    ApiError::MissingParameter("room"),
                    invalid("user", NameError::Empty),
                    invalid("room", NameError::TooLong { len: 257 }),
                    invalid("user", NameError::ControlCharacter { index: 3 }),
                    ApiError::DuplicateParameter("room"),
                    ApiError::UnknownParameter(crate::query::TOKEN_PARAMETERS),
                    ApiError::MalformedQuery(QueryDecodeError::MalformedPercentEncoding {
                        index: 0,
                    }),
                    ApiError::UnknownRole,
                    ApiError::ProviderNotEnabled(vec!["livekit", "daily"]),
                ],
            },
            ErrorDoc {
                description: "Credentials are missing or invalid (`TOKEN_SERVER_AUTH` is \
                    `api-key` or `jwt`).",
                headers: &[(
                    "WWW-Authenticate",
                    "`Bearer`, or `Bearer error=\"invalid_token\"`",
                )],
                samples: vec![
                    ApiError::Unauthenticated(AuthError::Missing),
                    ApiError::Unauthenticated(AuthError::Invalid("the bearer token has expired")),
                ],
            },
            ErrorDoc {
                description: "The session token does not allow this user, room or role.",
                headers: &[],
                samples: vec![
                    ApiError::Forbidden(Denied::UserMismatch),
                    ApiError::Forbidden(Denied::RoomNotAllowed),
                    ApiError::Forbidden(Denied::RoleNotAllowed),
                ],
            },
            ErrorDoc {
                description: "Only GET is allowed.",
                headers: &[("Allow", "`GET`")],
                samples: vec![ApiError::MethodNotAllowed("GET")],
            },
            ErrorDoc {
                description: "The request has a body (this API takes none).",
                headers: &[],
                samples: vec![ApiError::PayloadTooLarge],
            },
            ErrorDoc {
                description: "Too many requests from this address or for this identity.",
                headers: &[("Retry-After", "Seconds to wait before retrying.")],
                samples: vec![ApiError::RateLimited(Duration::from_secs(2))],
            },
            ErrorDoc {
                description: "The provider cannot serve this request as asked: a limit of its \
                    own that the name rules allow past (Daily's user ids hold 36 characters, \
                    Twilio's identities 128). The detail says which; change the request.",
                headers: &[],
                samples: vec![ApiError::Provider(ProviderError::Refused {
                    provider: "daily",
                    reason: "the participant identity has 40 characters; Daily's user_id holds \
                        at most 36"
                        .to_owned(),
                })],
            },
            ErrorDoc {
                description: "The server failed to issue a token (logged).",
                headers: &[],
                samples: vec![ApiError::Provider(provider_error(true))],
            },
            ErrorDoc {
                description: "The video provider cannot issue tokens right now, or the keys that \
                    check session tokens cannot be loaded.",
                headers: &[],
                samples: vec![
                    ApiError::Provider(provider_error(false)),
                    ApiError::Unauthenticated(AuthError::Unavailable),
                ],
            },
        ])
    }
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
    params(TokenQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A join ticket.", body = TokenResponse<'static>,
            headers(("Cache-Control" = String, description = "Always `no-store`."))),
        TokenErrors,
    )
)]
pub(crate) async fn issue_token(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(peer) = request.peer_addr() {
        state.limiter.check_ip(peer.ip()).map_err(|wait| {
            state.metrics.rate_limited("ip");
            ApiError::RateLimited(wait)
        })?;
    }
    let caller = state
        .auth
        .authenticate(authorization(&request))
        .await
        .map_err(|error| {
            state.metrics.auth_failure(&error);
            ApiError::Unauthenticated(error)
        })?;
    let mut query = parse_token_query(request.query_string())?;
    let provider = state.providers.select(query.provider.take().as_deref())?;
    let join = caller.authorize(query)?;
    state
        .limiter
        .check_identity(join.identity().as_str())
        .map_err(|wait| {
            state.metrics.rate_limited("identity");
            ApiError::RateLimited(wait)
        })?;
    let ticket = provider
        .tickets
        .join(&join)
        .await
        .map_err(ApiError::Provider)?;
    state.metrics.token_issued(provider.name(), join.role());
    let response = TokenResponse::new(&ticket, provider.name());
    // The audit trail: who got into which room as what, until when, vouched for how. Never the
    // token or a credential. Names cannot hold control characters, so one token is one line.
    telemetry::audit(&request, || {
        format!(
            "token issued room={:?} identity={:?} role={} expires_at={} provider={} auth={}",
            response.room,
            response.identity,
            join.role(),
            response.expires_at,
            response.provider,
            state.auth.mode()
        )
    });
    Ok(HttpResponse::Ok().json(&response))
}

/// The `Authorization` header: `Ok(None)` when absent, `Err` when repeated or not ASCII.
pub(crate) fn authorization(request: &HttpRequest) -> Result<Option<&str>, ()> {
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
        assert_eq!(rfc3339(time).as_str(), "2026-11-24T06:00:00Z");
        let later = time + Duration::from_millis(999);
        assert_eq!(rfc3339(later).as_str(), "2026-11-24T06:00:00Z");
        let next = time + Duration::from_secs(1);
        assert_eq!(rfc3339(next).as_str(), "2026-11-24T06:00:01Z");
        assert_eq!(rfc3339(time).to_string(), "2026-11-24T06:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH).as_str(), "1970-01-01T00:00:00Z");
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(rfc3339(before).as_str(), "1970-01-01T00:00:00Z");
        // Past the year 9999 `humantime` gives up: an empty text, not a panic.
        let year_10000 = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(rfc3339(year_10000).as_str(), "");
    }
}
