//! Prometheus metrics: what the server counts and times, and `GET /metrics` on the separate
//! listener `METRICS_ADDR` names (never on the API's own port).
//!
//! Each server owns a [`Metrics`]: a `metrics-exporter-prometheus` recorder (not installed as
//! the process-wide `metrics` recorder, so servers in one process — tests, embeddings — keep
//! their own counts), recorded into through the `metrics` crate's [`Recorder`] trait and rendered
//! in Prometheus' text format by an actix handler. With `METRICS_ADDR` unset there is no recorder
//! and every recording function returns at once.
//!
//! **Labels are fixed words from this code, never request data**: a route is its template
//! (`/api/video/rooms/{room}/attendance`), a request that matched no route is `unmatched`, an
//! unknown method `other`; no identity, room, token, key or address is ever a label value
//! (privacy, and a bounded number of series). The names and their meaning are listed in
//! `docs/operations.md`; the dashboard and alert rules in `deploy/` are tested against them.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::metrics::{Key, KeyName, Label, Level, Metadata, Recorder, SharedString};
use actix_web::dev::Server;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{App, HttpResponse, HttpServer, ResponseError, guard, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use video_attendance::AttendanceError;
use video_core::config::{ConfigError, Environment};
use video_core::rooms::{
    ParticipantInfo, RoomAdmin, RoomAdminError, RoomInfo, RoomOptions, TrackId, TrackInfo,
    TrackSource,
};
use video_core::{BoxFuture, ParticipantIdentity, Role, RoomName};

use crate::auth::AuthError;
use crate::problem::ApiError;

/// HTTP requests answered, by `route` (template), `method` and `status`. Counter.
pub const HTTP_REQUESTS: &str = "token_server_http_requests_total";
/// Time from a request's arrival to its response, by `route` and `method`. Histogram, seconds.
pub const HTTP_REQUEST_DURATION: &str = "token_server_http_request_duration_seconds";
/// Join tokens issued, by `role`. Counter.
pub const TOKENS_ISSUED: &str = "token_server_tokens_issued_total";
/// Callers refused by authentication (401, 503 when the JWKS is unavailable), by `reason`:
/// `missing`, `invalid` or `unavailable`. Counter.
pub const AUTH_FAILURES: &str = "token_server_auth_failures_total";
/// Requests refused by a rate limit (429), by `limit`: `ip` or `identity`. Counter.
pub const RATE_LIMITED: &str = "token_server_rate_limited_total";
/// Provider webhooks received, by `event` and `outcome`. Counter.
pub const WEBHOOK_EVENTS: &str = "token_server_webhook_events_total";
/// Calls to the video provider's server API (LiveKit's), by `operation` and `outcome`. Counter.
pub const PROVIDER_CALLS: &str = "token_server_provider_calls_total";
/// Duration of those calls, by `operation`. Histogram, seconds.
pub const PROVIDER_CALL_DURATION: &str = "token_server_provider_call_duration_seconds";
/// Attendance database operations that failed, by `operation`: `ping`, `append`, `report`,
/// `purge` or `revocation` (recording a removal, or looking one up for a joining participant).
/// Counter.
pub const DATABASE_ERRORS: &str = "token_server_database_errors_total";
/// Always 1, with the server's `version` and the configured `provider`. Gauge.
pub const BUILD_INFO: &str = "token_server_build_info";

/// Every metric this server exports, with its help text: what `deploy/` may query.
pub const METRICS: [(&str, &str); 10] = [
    (
        HTTP_REQUESTS,
        "HTTP requests answered, by route template, method and status.",
    ),
    (
        HTTP_REQUEST_DURATION,
        "Seconds from a request's arrival to its response, by route template and method.",
    ),
    (TOKENS_ISSUED, "Join tokens issued, by role."),
    (
        AUTH_FAILURES,
        "Callers refused by authentication, by reason (missing, invalid, unavailable).",
    ),
    (
        RATE_LIMITED,
        "Token requests refused by a rate limit, by limit (ip, identity).",
    ),
    (
        WEBHOOK_EVENTS,
        "Provider webhooks received, by event and outcome.",
    ),
    (
        PROVIDER_CALLS,
        "Calls to the video provider's server API, by operation and outcome.",
    ),
    (
        PROVIDER_CALL_DURATION,
        "Seconds a call to the video provider's server API took, by operation.",
    ),
    (
        DATABASE_ERRORS,
        "Attendance database operations that failed, by operation (ping, append, report, purge, revocation).",
    ),
    (
        BUILD_INFO,
        "Always 1: the server's version and the configured video provider.",
    ),
];

/// Latency buckets of HTTP requests, in seconds: a token takes well under a millisecond, so
/// the fine end matters; a request held up by the database or a JWKS fetch lands at the top.
const HTTP_BUCKETS: [f64; 14] = [
    0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// Latency buckets of calls to the provider's API (network round trips), in seconds.
const PROVIDER_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// How often histogram samples are folded into their buckets between scrapes, which bounds the
/// memory they take under load.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// The route label of a request that matched no route (404): never its path.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The route label of a file of the web page (`WEB_DIST_DIR`, served at `/`): never its path.
pub const WEB_PAGE_ROUTE: &str = "web_page";

/// The `Content-Type` of Prometheus' text format.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// `METRICS_ADDR`: where `/metrics` is served, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsConfig {
    /// The address of the metrics listener; `None` (unset): no metrics are recorded or served.
    pub addr: Option<SocketAddr>,
}

impl MetricsConfig {
    /// Reads `METRICS_ADDR` (`IP:port`, e.g. `127.0.0.1:9464`, or `0.0.0.0:9464` in a container
    /// whose port is not published). Unset: metrics off.
    pub fn from_env(env: &Environment) -> Result<Self, ConfigError> {
        let addr = match env.get("METRICS_ADDR")? {
            None => None,
            Some(addr) => Some(addr.parse().map_err(|_| {
                ConfigError::invalid(
                    "METRICS_ADDR",
                    "must be an IP address and a port, e.g. 127.0.0.1:9464 or [::1]:9464",
                )
            })?),
        };
        Ok(Self { addr })
    }

    /// The `NAME=value` line for `check-config`.
    pub fn describe(&self) -> String {
        match self.addr {
            Some(addr) => format!("METRICS_ADDR={addr} (GET /metrics, Prometheus text)"),
            None => "METRICS_ADDR= (unset: no metrics are recorded or served)".to_owned(),
        }
    }
}

/// The metrics of one server: cheap to clone (all clones record into the same recorder); every
/// recording function does nothing when metrics are off.
#[derive(Clone, Default)]
pub struct Metrics {
    recorder: Option<Arc<Recording>>,
}

/// The recorder, and the handles of the series whose labels are known at startup.
struct Recording {
    recorder: PrometheusRecorder,
    /// `tokens_issued_total` for each enabled provider and each role (in the order of
    /// [`Role::ALL`]): one per token request.
    tokens: Vec<(&'static str, [::metrics::Counter; 3])>,
}

impl std::ops::Deref for Recording {
    type Target = PrometheusRecorder;

    fn deref(&self) -> &PrometheusRecorder {
        &self.recorder
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("on", &self.recorder.is_some())
            .finish()
    }
}

impl Metrics {
    /// No recorder: every recording function returns at once, and [`render`](Self::render) is
    /// `None`.
    pub fn off() -> Self {
        Self::default()
    }

    /// A recorder of its own, with the help text of every metric, `build_info` set for the
    /// default provider (the first of `providers`, the enabled ones), and the counters whose
    /// labels are known in advance (tokens by provider and role, authentication failures, rate
    /// limits, database errors) at 0, so that `rate()` sees their first increase.
    pub fn new(providers: &[&'static str]) -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_REQUEST_DURATION.into()), &HTTP_BUCKETS)
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(PROVIDER_CALL_DURATION.into()),
                    &PROVIDER_BUCKETS,
                )
            });
        // Only an empty bucket list is refused, and both lists are constants.
        let Ok(builder) = builder else {
            return Self::off();
        };
        let recorder = builder.build_recorder();
        for (name, help) in METRICS {
            let (name, help) = (KeyName::from_const_str(name), SharedString::const_str(help));
            if name.as_str().ends_with("_seconds") {
                recorder.describe_histogram(name, None, help);
            } else if name.as_str() == BUILD_INFO {
                recorder.describe_gauge(name, None, help);
            } else {
                recorder.describe_counter(name, None, help);
            }
        }
        let tokens = providers
            .iter()
            .map(|provider| {
                let counters = Role::ALL.map(|role| {
                    let labels = vec![
                        Label::from_static_parts("provider", provider),
                        Label::from_static_parts("role", role.as_str()),
                    ];
                    recorder.register_counter(&Key::from_parts(TOKENS_ISSUED, labels), &METADATA)
                });
                (*provider, counters)
            })
            .collect();
        let metrics = Self {
            recorder: Some(Arc::new(Recording { recorder, tokens })),
        };
        metrics.with(|recorder| {
            let labels = vec![
                Label::from_static_parts("version", env!("CARGO_PKG_VERSION")),
                Label::from_static_parts("provider", providers.first().copied().unwrap_or("")),
            ];
            recorder
                .register_gauge(&Key::from_parts(BUILD_INFO, labels), &METADATA)
                .set(1.0);
            let zero = |name: &'static str, label: &'static str, values: &[&'static str]| {
                for value in values {
                    let key = Key::from_parts(name, vec![Label::from_static_parts(label, value)]);
                    recorder.register_counter(&key, &METADATA).increment(0);
                }
            };
            zero(
                AUTH_FAILURES,
                "reason",
                &["missing", "invalid", "unavailable"],
            );
            zero(RATE_LIMITED, "limit", &["ip", "identity"]);
            zero(
                DATABASE_ERRORS,
                "operation",
                &["ping", "append", "report", "purge", "revocation"],
            );
        });
        metrics
    }

    /// Whether metrics are recorded.
    pub fn is_on(&self) -> bool {
        self.recorder.is_some()
    }

    fn with(&self, record: impl FnOnce(&Recording)) {
        if let Some(recorder) = &self.recorder {
            record(recorder);
        }
    }

    fn count(&self, name: &'static str, labels: Vec<Label>) {
        self.with(|recorder| {
            recorder
                .register_counter(&Key::from_parts(name, labels), &METADATA)
                .increment(1);
        });
    }

    /// One answered HTTP request: `route` is the matched route's template (`None`, or a 404 of
    /// the web page's files: [`UNMATCHED_ROUTE`]; a file of the web page: [`WEB_PAGE_ROUTE`]),
    /// never the request's path.
    pub fn http_request(
        &self,
        route: Option<&str>,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
    ) {
        self.with(|recorder| {
            let route = match route {
                Some(route) if !route.is_empty() => Label::new("route", route.to_owned()),
                // The web page's files are mounted at `/`, whose template is empty: a file of
                // the page, or (404) a path that nothing answers.
                Some(_) if status != StatusCode::NOT_FOUND => {
                    Label::from_static_parts("route", WEB_PAGE_ROUTE)
                }
                _ => Label::from_static_parts("route", UNMATCHED_ROUTE),
            };
            let method = Label::from_static_parts("method", method_label(method));
            let labels = vec![route.clone(), method.clone()];
            recorder
                .register_histogram(&Key::from_parts(HTTP_REQUEST_DURATION, labels), &METADATA)
                .record(elapsed.as_secs_f64());
            let status = Label::new("status", status.as_str().to_owned());
            let labels = vec![route, method, status];
            recorder
                .register_counter(&Key::from_parts(HTTP_REQUESTS, labels), &METADATA)
                .increment(1);
        });
    }

    /// A join token issued by `provider` (an enabled one) with `role`.
    pub fn token_issued(&self, provider: &'static str, role: Role) {
        self.with(|recording| {
            let counters = recording
                .tokens
                .iter()
                .find(|(name, _)| *name == provider)
                .map(|(_, counters)| counters);
            if let Some(counter) = Role::ALL
                .iter()
                .position(|r| *r == role)
                .and_then(|i| counters?.get(i))
            {
                counter.increment(1);
            }
        });
    }

    /// A caller refused by authentication.
    pub fn auth_failure(&self, error: &AuthError) {
        let reason = match error {
            AuthError::Missing => "missing",
            AuthError::Invalid(_) => "invalid",
            AuthError::Unavailable => "unavailable",
        };
        self.count(
            AUTH_FAILURES,
            vec![Label::from_static_parts("reason", reason)],
        );
    }

    /// A request refused by the rate limit `limit` (`ip` or `identity`).
    pub fn rate_limited(&self, limit: &'static str) {
        self.count(RATE_LIMITED, vec![Label::from_static_parts("limit", limit)]);
    }

    /// A provider webhook: `event` is a session event's name (`participant_joined`, …),
    /// `other` for a verified event attendance does not use, `unknown` when it was refused
    /// before it could be read; `outcome` is `stored`, `duplicate`, `ignored`, `unauthorized`,
    /// `malformed`, `storage_error` or `provider_error` (a revoked participant could not be removed again).
    pub fn webhook(&self, event: &'static str, outcome: &'static str) {
        self.count(
            WEBHOOK_EVENTS,
            vec![
                Label::from_static_parts("event", event),
                Label::from_static_parts("outcome", outcome),
            ],
        );
    }

    /// One call to `provider`'s server API (for LiveKit, its RoomService), named by the
    /// [`RoomAdmin`] method (`operation` = `list_rooms`, `end_room`, `remove_participant`, …;
    /// [`MeteredRoomAdmin`] records them), with how it ended — `outcome` = `ok`, `not_found`,
    /// `refused` (e.g. unmuting someone else), `unavailable` (the server could not be reached or
    /// answered 5xx/timed out) or `error` — and how long it took. Both are fixed words from the calling
    /// code, never a room or participant name.
    pub fn provider_call(
        &self,
        provider: &'static str,
        operation: &'static str,
        outcome: &'static str,
        elapsed: Duration,
    ) {
        self.with(|recorder| {
            let provider = Label::from_static_parts("provider", provider);
            let operation = Label::from_static_parts("operation", operation);
            let labels = vec![
                provider.clone(),
                operation.clone(),
                Label::from_static_parts("outcome", outcome),
            ];
            recorder
                .register_counter(&Key::from_parts(PROVIDER_CALLS, labels), &METADATA)
                .increment(1);
            recorder
                .register_histogram(
                    &Key::from_parts(PROVIDER_CALL_DURATION, vec![provider, operation]),
                    &METADATA,
                )
                .record(elapsed.as_secs_f64());
        });
    }

    /// An attendance database operation (`ping`, `append`, `report`, `purge`, `revocation`) that failed with
    /// `error`; "nothing recorded for this room" is an answer, not a failure, and not counted.
    pub fn database_error(&self, operation: &'static str, error: &AttendanceError) {
        if !matches!(error, AttendanceError::NotFound) {
            self.count(
                DATABASE_ERRORS,
                vec![Label::from_static_parts("operation", operation)],
            );
        }
    }

    /// Folds the histogram samples recorded since the last call into their buckets.
    pub fn run_upkeep(&self) {
        self.with(|recorder| recorder.handle().run_upkeep());
    }

    /// Runs [`run_upkeep`](Self::run_upkeep) every [`UPKEEP_EVERY`] on the current actix
    /// runtime, when metrics are on.
    pub fn spawn_upkeep(&self) {
        if self.is_on() {
            let metrics = self.clone();
            actix_web::rt::spawn(async move {
                let mut every = actix_web::rt::time::interval(UPKEEP_EVERY);
                loop {
                    every.tick().await;
                    metrics.run_upkeep();
                }
            });
        }
    }

    /// Every metric in Prometheus' text format; `None` when metrics are off.
    pub fn render(&self) -> Option<String> {
        self.recorder
            .as_ref()
            .map(|recorder| recorder.handle().render())
    }
}

/// The provider's room administration with every call counted and timed
/// ([`PROVIDER_CALLS`], [`PROVIDER_CALL_DURATION`]): the routes, the readiness probe and the
/// webhook's re-removal of a revoked participant all go through it. `operation` is the
/// [`RoomAdmin`] method's name, never its arguments. A call abandoned before it ended (the
/// readiness probe waits one second) is not counted.
pub struct MeteredRoomAdmin {
    inner: Arc<dyn RoomAdmin>,
    metrics: Metrics,
}

impl MeteredRoomAdmin {
    /// `inner`, counted into `metrics`; `inner` itself when metrics are off.
    pub fn wrap(inner: Arc<dyn RoomAdmin>, metrics: &Metrics) -> Arc<dyn RoomAdmin> {
        if metrics.is_on() {
            Arc::new(Self {
                inner,
                metrics: metrics.clone(),
            })
        } else {
            inner
        }
    }

    fn timed<'a, T: Send + 'a>(
        &'a self,
        operation: &'static str,
        call: BoxFuture<'a, Result<T, RoomAdminError>>,
    ) -> BoxFuture<'a, Result<T, RoomAdminError>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = call.await;
            let outcome = match &result {
                Ok(_) => "ok",
                Err(RoomAdminError::NotFound(_)) => "not_found",
                Err(RoomAdminError::RemoteUnmuteDisabled { .. }) => "refused",
                Err(RoomAdminError::Unavailable { .. }) => "unavailable",
                Err(RoomAdminError::Unsupported { .. }) => "unsupported",
                Err(RoomAdminError::Internal { .. }) => "error",
            };
            self.metrics.provider_call(
                self.inner.provider(),
                operation,
                outcome,
                started.elapsed(),
            );
            result
        })
    }
}

impl RoomAdmin for MeteredRoomAdmin {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn open_room<'a>(
        &'a self,
        room: &'a RoomName,
        options: &'a RoomOptions,
    ) -> BoxFuture<'a, Result<RoomInfo, RoomAdminError>> {
        self.timed("open_room", self.inner.open_room(room, options))
    }

    fn list_rooms(&self) -> BoxFuture<'_, Result<Vec<RoomInfo>, RoomAdminError>> {
        self.timed("list_rooms", self.inner.list_rooms())
    }

    fn room<'a>(&'a self, room: &'a RoomName) -> BoxFuture<'a, Result<RoomInfo, RoomAdminError>> {
        self.timed("room", self.inner.room(room))
    }

    fn end_room<'a>(&'a self, room: &'a RoomName) -> BoxFuture<'a, Result<(), RoomAdminError>> {
        self.timed("end_room", self.inner.end_room(room))
    }

    fn participants<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Vec<ParticipantInfo>, RoomAdminError>> {
        self.timed("participants", self.inner.participants(room))
    }

    fn participant<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
    ) -> BoxFuture<'a, Result<ParticipantInfo, RoomAdminError>> {
        self.timed("participant", self.inner.participant(room, identity))
    }

    fn remove_participant<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
    ) -> BoxFuture<'a, Result<(), RoomAdminError>> {
        self.timed(
            "remove_participant",
            self.inner.remove_participant(room, identity),
        )
    }

    fn mute_track<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
        track: &'a TrackId,
        muted: bool,
    ) -> BoxFuture<'a, Result<TrackInfo, RoomAdminError>> {
        self.timed(
            "mute_track",
            self.inner.mute_track(room, identity, track, muted),
        )
    }

    fn set_publish_sources<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
        sources: &'a [TrackSource],
    ) -> BoxFuture<'a, Result<ParticipantInfo, RoomAdminError>> {
        self.timed(
            "set_publish_sources",
            self.inner.set_publish_sources(room, identity, sources),
        )
    }

    fn check_reachable(&self) -> BoxFuture<'_, Result<(), RoomAdminError>> {
        self.timed("check_reachable", self.inner.check_reachable())
    }
}

/// The method as a label: the standard ones by name, anything else `other` (a method is any
/// token a client cares to send).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// The metrics listener's own small server: `GET` (or `HEAD`) `/metrics` with the rendering,
/// 405 for another method there, 404 for any other path; nothing there is counted as API
/// traffic or written to the access log. One worker, no signal handling of its own: the
/// [`Application`](crate::startup::Application) stops it when the API's server stops.
///
/// A server of its own rather than a second listener of the API's server: actix builds the
/// application once per worker *and* listener, so a second listener built every route, the
/// OpenAPI document and the Swagger UI again in each worker (1.9 MB more resident memory at
/// idle on 2 cores, measured; docs/performance.md).
pub(crate) fn metrics_server(
    listener: TcpListener,
    metrics: Metrics,
    request_timeout: Duration,
) -> std::io::Result<Server> {
    let metrics = web::Data::new(metrics);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .route(
                "/metrics",
                web::route()
                    .guard(guard::Any(guard::Get()).or(guard::Head()))
                    .to(scrape),
            )
            .route(
                "/metrics",
                web::to(|| async { ApiError::MethodNotAllowed("GET").error_response() }),
            )
            .default_service(web::to(|| async { ApiError::NotFound.error_response() }))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .client_request_timeout(request_timeout)
    .listen(listener)?
    .run();
    Ok(server)
}

async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Some(text) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, TEXT_FORMAT))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(text),
        None => ApiError::NotFound.error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_addr_is_an_address_or_unset() {
        let config = MetricsConfig::from_env(&Environment::default()).unwrap();
        assert_eq!(config.addr, None);
        let set = Environment::from_pairs([("METRICS_ADDR", "0.0.0.0:9464")]);
        let config = MetricsConfig::from_env(&set).unwrap();
        assert_eq!(config.addr, Some(([0, 0, 0, 0], 9464).into()));
        for bad in ["8081", "localhost:8081", "0.0.0.0", "off", "secret-value:1"] {
            let error = MetricsConfig::from_env(&Environment::from_pairs([("METRICS_ADDR", bad)]))
                .unwrap_err();
            assert_eq!(error.variable(), "METRICS_ADDR");
            assert!(!error.to_string().contains(bad), "{error}");
        }
    }

    #[test]
    fn off_records_nothing_and_renders_nothing() {
        let metrics = Metrics::off();
        metrics.token_issued("livekit", Role::Host);
        metrics.provider_call("livekit", "list_rooms", "ok", Duration::from_millis(3));
        assert!(metrics.render().is_none());
    }
}
