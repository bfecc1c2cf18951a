use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use video_core::{BoxFuture, JoinRequest, JoinTicket, ProviderError, RoomName, VideoProvider};

use crate::oauth::{CachedToken, GRANT_TYPE, TokenAnswer, sign_assertion};
use crate::{GoogleMeetSettings, MeetingSpace, SpaceDirectoryError};

pub(crate) const PROVIDER: &str = "google-meet";

/// The longest part of Google's error message kept for the log, in characters.
const MAX_DETAIL_CHARS: usize = 200;

/// Which of Google's endpoints a [`GoogleMeetError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Google's OAuth 2.0 token endpoint (the key file's `token_uri`).
    Token,
    /// The Meet REST API's `spaces.create` (`POST {GOOGLE_MEET_API_URL}/v2/spaces`).
    SpacesCreate,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Token => "Google's OAuth token endpoint",
            Self::SpacesCreate => "the Meet REST API (spaces.create)",
        })
    }
}

/// Why the provider could not give a ticket. Never contains the private key, an assertion or an
/// access token: Google's own error code and message are kept (for the log) only when they
/// repeat neither.
#[derive(Debug, thiserror::Error)]
pub enum GoogleMeetError {
    /// The HTTP client (rustls with bundled roots) could not be built.
    #[error("the HTTP client for Google could not be built: {reason}")]
    HttpClient {
        /// What the TLS or HTTP library said.
        reason: String,
    },
    /// `jsonwebtoken` could not sign the assertion (RS256).
    #[error("could not sign the service account's assertion (RS256)")]
    Signing(#[source] jsonwebtoken::errors::Error),
    /// The endpoint could not be reached (DNS, connection, TLS, a broken answer).
    #[error("{endpoint} could not be reached")]
    Unreachable {
        /// Which endpoint.
        endpoint: Endpoint,
        /// What the HTTP client said (it names the URL, never the request's body or headers).
        #[source]
        source: reqwest::Error,
    },
    /// The endpoint did not answer within `GOOGLE_MEET_API_TIMEOUT_MS`.
    #[error("{endpoint} did not answer within {} ms", timeout.as_millis())]
    TimedOut {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The bound that ran out.
        timeout: Duration,
    },
    /// The endpoint refused: credentials or delegation not accepted (the token endpoint's
    /// errors, 401 and 403), a quota (429) or Google's own failure (5xx).
    #[error("{endpoint} refused the request: HTTP {status}{}", detail_suffix(.detail))]
    Refused {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// Google's error code and message, when it gave one that is safe to log.
        detail: Option<String>,
    },
    /// The Meet REST API refused the request itself (another 4xx): a fault of this crate.
    #[error("{endpoint} rejected the request: HTTP {status}{}", detail_suffix(.detail))]
    Rejected {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// Google's error code and message, when it gave one that is safe to log.
        detail: Option<String>,
    },
    /// A 2xx answer that is not what Google documents.
    #[error("{endpoint} answered with something other than {expected}")]
    Malformed {
        /// Which endpoint.
        endpoint: Endpoint,
        /// What was expected.
        expected: &'static str,
    },
    /// Another request's access-token refresh, which this one waited for, failed just now; that
    /// request's error says why. Not retried at once, so that an outage costs one call to the
    /// token endpoint rather than one per waiting request.
    #[error("the access-token refresh this request waited for failed")]
    RefreshFailed,
    /// The [`SpaceDirectory`](crate::SpaceDirectory) failed.
    #[error(transparent)]
    Directory(#[from] SpaceDirectoryError),
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail
        .as_deref()
        .map(|detail| format!(" ({detail})"))
        .unwrap_or_default()
}

impl From<GoogleMeetError> for ProviderError {
    fn from(error: GoogleMeetError) -> Self {
        match error {
            GoogleMeetError::Rejected { .. } | GoogleMeetError::Malformed { .. } => {
                ProviderError::Internal {
                    provider: PROVIDER,
                    source: Box::new(error),
                }
            }
            GoogleMeetError::HttpClient { .. }
            | GoogleMeetError::Signing(_)
            | GoogleMeetError::Unreachable { .. }
            | GoogleMeetError::TimedOut { .. }
            | GoogleMeetError::Refused { .. }
            | GoogleMeetError::RefreshFailed
            | GoogleMeetError::Directory(_) => ProviderError::Unavailable {
                provider: PROVIDER,
                source: Box::new(error),
            },
        }
    }
}

/// The Google Meet [`VideoProvider`]: one Meet meeting space per room, created with
/// `spaces.create` on the room's first join and remembered in the settings'
/// [`SpaceDirectory`](crate::SpaceDirectory); the ticket is the space's link.
///
/// Cheap to clone: clones share the HTTP client, the access token and the in-flight space
/// creations.
#[derive(Clone)]
pub struct GoogleMeetProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: GoogleMeetSettings,
    http: Result<reqwest::Client, String>,
    /// The access token; held across a refresh, so that one refresh runs at a time.
    token: tokio::sync::Mutex<TokenState>,
    /// Finished refreshes, successful or not.
    refreshes: AtomicU64,
    /// One gate per room whose space is being looked up or created.
    creating: Mutex<HashMap<RoomName, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct TokenState {
    cached: Option<CachedToken>,
    last_refresh_failed: bool,
}

/// The Space resource's fields this crate reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpaceAnswer {
    name: String,
    meeting_uri: String,
    meeting_code: String,
}

impl GoogleMeetProvider {
    /// A provider for the given settings, with an empty access-token cache.
    pub fn new(settings: GoogleMeetSettings) -> Self {
        let http = http_client(settings.api_timeout());
        Self {
            inner: Arc::new(Inner {
                settings,
                http,
                token: tokio::sync::Mutex::new(TokenState::default()),
                refreshes: AtomicU64::new(0),
                creating: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The settings this provider uses.
    pub fn settings(&self) -> &GoogleMeetSettings {
        &self.inner.settings
    }

    /// A ticket for `request`: the link of the room's meeting space (created now if the room has
    /// none yet), offered until now + the ticket lifetime. The token is empty: a Meet link needs
    /// none, and Meet knows participants by their Google accounts, not by our identities.
    pub async fn ticket(&self, request: &JoinRequest) -> Result<JoinTicket, GoogleMeetError> {
        let space = self.space_for(request.room()).await?;
        let expires_at = unix_seconds().saturating_add(self.settings().ticket_ttl().as_secs());
        Ok(JoinTicket {
            token: SecretString::from(""),
            url: space.meeting_uri().to_owned(),
            expires_at: UNIX_EPOCH + Duration::from_secs(expires_at),
            identity: request.identity().clone(),
            room: request.room().clone(),
            role: request.role(),
        })
    }

    /// The room's meeting space: the one the directory has, or a new one from `spaces.create`.
    ///
    /// Within this process, the first join of a room creates its space while the room's other
    /// joins wait for it, so concurrent first joins create one space.
    pub async fn space_for(&self, room: &RoomName) -> Result<MeetingSpace, GoogleMeetError> {
        let directory = self.settings().space_directory();
        if let Some(space) = directory.get(room).await? {
            return Ok(space);
        }
        let gate = self.inner.gate(room);
        let result = {
            let _turn = gate.lock().await;
            match directory.get(room).await {
                Ok(Some(space)) => Ok(space),
                Ok(None) => match self.create_space().await {
                    Ok(created) => directory
                        .insert_if_absent(room, created)
                        .await
                        .map_err(GoogleMeetError::from),
                    Err(error) => Err(error),
                },
                Err(error) => Err(error.into()),
            }
        };
        self.inner.release_gate(room, gate);
        result
    }

    /// Proves the provider can serve [`ticket`](Self::ticket) as far as it can tell without
    /// calling Google: its HTTP client exists and the key signs an assertion. Google is not
    /// called, so a readiness probe neither creates spaces nor depends on Google being up.
    pub fn self_check(&self) -> Result<(), GoogleMeetError> {
        self.inner.http()?;
        self.inner.sign_assertion().map(drop)
    }

    /// Calls `spaces.create` with the settings' access type.
    async fn create_space(&self) -> Result<MeetingSpace, GoogleMeetError> {
        const ENDPOINT: Endpoint = Endpoint::SpacesCreate;
        const SPACE: &str = "a Space (`name` spaces/…, an https `meetingUri`, `meetingCode`)";
        let inner = &self.inner;
        let http = inner.http()?;
        let token = inner.access_token().await?;
        let body = json!({ "config": { "accessType": inner.settings.access_type().as_str() } });
        let timeout = inner.settings.api_timeout();
        let request = http
            .post(inner.settings.spaces_url())
            .bearer_auth(token.expose_secret())
            .json(&body);
        let (status, answer) = exchange(ENDPOINT, request, timeout).await?;
        if status.is_success() {
            let space: SpaceAnswer =
                serde_json::from_slice(&answer).map_err(|_| GoogleMeetError::Malformed {
                    endpoint: ENDPOINT,
                    expected: SPACE,
                })?;
            return MeetingSpace::new(space.name, space.meeting_uri, space.meeting_code).map_err(
                |_| GoogleMeetError::Malformed {
                    endpoint: ENDPOINT,
                    expected: SPACE,
                },
            );
        }
        let detail = error_detail(&answer, &[token.expose_secret()]);
        if status == StatusCode::UNAUTHORIZED {
            // Revoked or expired early: the next request gets a new one.
            inner.forget_token(&token).await;
        }
        let refused = matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::TOO_MANY_REQUESTS
        ) || status.is_server_error();
        let status = status.as_u16();
        Err(if refused {
            GoogleMeetError::Refused {
                endpoint: ENDPOINT,
                status,
                detail,
            }
        } else {
            GoogleMeetError::Rejected {
                endpoint: ENDPOINT,
                status,
                detail,
            }
        })
    }
}

impl Inner {
    fn http(&self) -> Result<&reqwest::Client, GoogleMeetError> {
        self.http
            .as_ref()
            .map_err(|reason| GoogleMeetError::HttpClient {
                reason: reason.clone(),
            })
    }

    fn sign_assertion(&self) -> Result<SecretString, GoogleMeetError> {
        let key = self.settings.key();
        sign_assertion(
            &key.signing_key,
            &key.private_key_id,
            &key.client_email,
            self.settings.impersonate_user(),
            unix_seconds(),
        )
        .map_err(GoogleMeetError::Signing)
    }

    /// The cached access token, or a new one. One refresh at a time: concurrent requests wait
    /// for it and share its token, or its failure.
    async fn access_token(&self) -> Result<SecretString, GoogleMeetError> {
        let seen = self.refreshes.load(Ordering::Acquire);
        let mut state = self.token.lock().await;
        if let Some(cached) = state.cached.as_ref().filter(|cached| cached.is_fresh()) {
            return Ok(cached.token.clone());
        }
        if state.last_refresh_failed && self.refreshes.load(Ordering::Acquire) != seen {
            return Err(GoogleMeetError::RefreshFailed);
        }
        let result = self.exchange().await;
        state.last_refresh_failed = result.is_err();
        self.refreshes.fetch_add(1, Ordering::AcqRel);
        let fresh = result?;
        let token = fresh.token.clone();
        state.cached = Some(fresh);
        Ok(token)
    }

    /// Drops `token` from the cache, unless another request replaced it already.
    async fn forget_token(&self, token: &SecretString) {
        let mut state = self.token.lock().await;
        let same = state
            .cached
            .as_ref()
            .is_some_and(|cached| cached.token.expose_secret() == token.expose_secret());
        if same {
            state.cached = None;
        }
    }

    /// Exchanges a fresh assertion for an access token (RFC 7523, section 2.1).
    async fn exchange(&self) -> Result<CachedToken, GoogleMeetError> {
        const ENDPOINT: Endpoint = Endpoint::Token;
        const TOKEN_ANSWER: &str =
            "a token answer (`access_token`, `expires_in`, `token_type` Bearer)";
        let malformed = || GoogleMeetError::Malformed {
            endpoint: ENDPOINT,
            expected: TOKEN_ANSWER,
        };
        let http = self.http()?;
        let assertion = self.sign_assertion()?;
        let timeout = self.settings.api_timeout();
        let sent_at = Instant::now();
        let request = http.post(self.settings.key().token_uri.clone()).form(&[
            ("grant_type", GRANT_TYPE),
            ("assertion", assertion.expose_secret()),
        ]);
        let (status, answer) = exchange(ENDPOINT, request, timeout).await?;
        if !status.is_success() {
            // Every refusal of the token endpoint is about the credentials or Google itself:
            // 400 `invalid_grant` (a deleted key, a clock off by minutes, a user outside the
            // domain), 401 `unauthorized_client` (no domain-wide delegation for the scope), 5xx.
            return Err(GoogleMeetError::Refused {
                endpoint: ENDPOINT,
                status: status.as_u16(),
                detail: error_detail(&answer, &[assertion.expose_secret()]),
            });
        }
        let answer: TokenAnswer = serde_json::from_slice(&answer).map_err(|_| malformed())?;
        let usable = !answer.access_token.is_empty()
            && answer.access_token.bytes().all(|b| b.is_ascii_graphic())
            && answer.token_type.eq_ignore_ascii_case("Bearer");
        if !usable {
            return Err(malformed());
        }
        Ok(CachedToken::new(
            SecretString::from(answer.access_token),
            answer.expires_in,
            sent_at,
        ))
    }

    /// The gate of `room`, made if no request for the room holds one.
    fn gate(&self, room: &RoomName) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.creating.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(gates.entry(room.clone()).or_default())
    }

    /// Drops the gate of `room` once no other request holds it.
    fn release_gate(&self, room: &RoomName, gate: Arc<tokio::sync::Mutex<()>>) {
        let mut gates = self.creating.lock().unwrap_or_else(PoisonError::into_inner);
        let last = gates
            .get(room)
            .is_some_and(|kept| Arc::ptr_eq(kept, &gate) && Arc::strong_count(&gate) == 2);
        if last {
            gates.remove(room);
        }
    }
}

impl fmt::Debug for GoogleMeetProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetProvider")
            .field("settings", &self.inner.settings)
            .field("http_client_ready", &self.inner.http.is_ok())
            .finish_non_exhaustive()
    }
}

impl VideoProvider for GoogleMeetProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn join<'a>(
        &'a self,
        request: &'a JoinRequest,
    ) -> BoxFuture<'a, Result<JoinTicket, ProviderError>> {
        Box::pin(async move { self.ticket(request).await.map_err(ProviderError::from) })
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), ProviderError>> {
        Box::pin(async move { self.self_check().map_err(ProviderError::from) })
    }
}

/// An HTTP client on rustls with ring and the bundled Mozilla roots (as livekit-api's), each call
/// bounded by `timeout`, following no redirect (a bearer token goes to the configured host only).
fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let ring = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(ring)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("openconnect-video/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| error.to_string())
}

/// Sends `request` to `endpoint` and reads the whole answer: its status and body. Not reaching it,
/// or not within `timeout` (the client's bound), is the endpoint's transport error.
async fn exchange(
    endpoint: Endpoint,
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<(StatusCode, Vec<u8>), GoogleMeetError> {
    let response = request
        .send()
        .await
        .map_err(|error| transport_error(endpoint, error, timeout))?;
    let status = response.status();
    let answer = response
        .bytes()
        .await
        .map_err(|error| transport_error(endpoint, error, timeout))?;
    Ok((status, answer.to_vec()))
}

fn transport_error(
    endpoint: Endpoint,
    error: reqwest::Error,
    timeout: Duration,
) -> GoogleMeetError {
    if error.is_timeout() {
        GoogleMeetError::TimedOut { endpoint, timeout }
    } else {
        GoogleMeetError::Unreachable {
            endpoint,
            source: error,
        }
    }
}

/// Google's error code and message from an error answer: OAuth's `{"error": code,
/// "error_description": message}` or the Google APIs' `{"error": {"status": code, "message":
/// message}}`. The code is kept when it is a plain identifier; the message (control characters
/// dropped, cut to 200 characters) only when it repeats none of `secrets` and holds nothing that
/// looks like a credential (a JWT, a Google access token, a PEM key).
fn error_detail(answer: &[u8], secrets: &[&str]) -> Option<String> {
    let value: Value = serde_json::from_slice(answer).ok()?;
    let (code, message) = match value.get("error")? {
        Value::String(code) => (
            Some(code.as_str()),
            value.get("error_description").and_then(Value::as_str),
        ),
        error @ Value::Object(_) => (
            error.get("status").and_then(Value::as_str),
            error.get("message").and_then(Value::as_str),
        ),
        _ => return None,
    };
    let code = code.filter(|code| {
        (1..=64).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let leaks = |message: &str| {
        secrets
            .iter()
            .any(|secret| !secret.is_empty() && message.contains(secret))
            || ["eyJ", "ya29.", "-----BEGIN"]
                .iter()
                .any(|pattern| message.contains(pattern))
    };
    let message = message.filter(|message| !leaks(message)).map(|message| {
        message
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_DETAIL_CHARS)
            .collect::<String>()
    });
    match (code, message) {
        (Some(code), Some(message)) if !message.is_empty() => Some(format!("{code}: {message}")),
        (Some(code), _) => Some(code.to_owned()),
        (None, Some(message)) if !message.is_empty() => Some(message),
        _ => None,
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_keep_googles_code_and_message_but_no_secret() {
        let cases: [(&str, Option<&str>); 9] = [
            (
                r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
                Some("invalid_grant: Invalid JWT Signature."),
            ),
            (
                r#"{"error":{"code":403,"message":"Meet REST API has not been used","status":"PERMISSION_DENIED"}}"#,
                Some("PERMISSION_DENIED: Meet REST API has not been used"),
            ),
            (
                r#"{"error":"unauthorized_client"}"#,
                Some("unauthorized_client"),
            ),
            // Messages that repeat the secret, or look like a credential, are dropped.
            (
                r#"{"error":"invalid_grant","error_description":"bad assertion SECRET-ASSERTION"}"#,
                Some("invalid_grant"),
            ),
            (
                r#"{"error":{"status":"UNAUTHENTICATED","message":"token ya29.a0AfB_x expired"}}"#,
                Some("UNAUTHENTICATED"),
            ),
            (
                r#"{"error":"invalid_grant","error_description":"eyJhbGciOi..."}"#,
                Some("invalid_grant"),
            ),
            // A code that is not an identifier is dropped.
            (r#"{"error":"no such thing: ya29.x"}"#, None),
            ("<html>502 Bad Gateway</html>", None),
            (r#"{"error":42}"#, None),
        ];
        for (answer, expected) in cases {
            assert_eq!(
                error_detail(answer.as_bytes(), &["SECRET-ASSERTION"]).as_deref(),
                expected,
                "{answer}"
            );
        }
        let long = format!(
            r#"{{"error":"invalid_request","error_description":"{}\n{}"}}"#,
            "x".repeat(150),
            "y".repeat(150)
        );
        let detail = error_detail(long.as_bytes(), &[]).unwrap();
        assert_eq!(detail.len(), "invalid_request: ".len() + MAX_DETAIL_CHARS);
        assert!(!detail.contains('\n'));
    }

    #[test]
    fn errors_map_to_provider_errors() {
        let unavailable = [
            GoogleMeetError::TimedOut {
                endpoint: Endpoint::Token,
                timeout: Duration::from_millis(5000),
            },
            GoogleMeetError::Refused {
                endpoint: Endpoint::SpacesCreate,
                status: 403,
                detail: Some("PERMISSION_DENIED".into()),
            },
            GoogleMeetError::RefreshFailed,
            GoogleMeetError::Directory(SpaceDirectoryError::new("down")),
            GoogleMeetError::HttpClient {
                reason: "no TLS".into(),
            },
        ];
        for error in unavailable {
            let text = error.to_string();
            assert!(
                matches!(
                    ProviderError::from(error),
                    ProviderError::Unavailable {
                        provider: "google-meet",
                        ..
                    }
                ),
                "{text}"
            );
        }
        let internal = [
            GoogleMeetError::Rejected {
                endpoint: Endpoint::SpacesCreate,
                status: 400,
                detail: None,
            },
            GoogleMeetError::Malformed {
                endpoint: Endpoint::Token,
                expected: "a token answer",
            },
        ];
        for error in internal {
            assert!(matches!(
                ProviderError::from(error),
                ProviderError::Internal {
                    provider: "google-meet",
                    ..
                }
            ));
        }
        assert_eq!(
            GoogleMeetError::Refused {
                endpoint: Endpoint::Token,
                status: 400,
                detail: Some("invalid_grant".into()),
            }
            .to_string(),
            "Google's OAuth token endpoint refused the request: HTTP 400 (invalid_grant)"
        );
        assert_eq!(
            GoogleMeetError::TimedOut {
                endpoint: Endpoint::SpacesCreate,
                timeout: Duration::from_millis(250),
            }
            .to_string(),
            "the Meet REST API (spaces.create) did not answer within 250 ms"
        );
    }
}
