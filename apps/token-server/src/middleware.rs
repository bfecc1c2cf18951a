//! The middleware around every route: the request-body bound, CORS, and the access log with the
//! request metrics.

use std::time::Instant;

use actix_cors::Cors;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};

use crate::problem::ApiError;
use crate::startup::AppState;
use crate::telemetry;

/// The largest request body accepted elsewhere (those routes take none).
pub const MAX_BODY_BYTES: u64 = 4096;
/// The largest webhook body accepted (LiveKit's events are a few KiB).
pub const MAX_WEBHOOK_BODY_BYTES: u64 = 65_536;
/// The largest room-administration body accepted: a room's options with 1024 characters of
/// metadata, even with every character JSON-escaped (`\uXXXX\uXXXX`), fit.
pub const MAX_ROOMS_BODY_BYTES: u64 = 16_384;
/// Where room administration is; its routes take small JSON bodies.
pub(crate) const ROOMS_PATH_PREFIX: &str = "/api/video/rooms";
/// Where the provider's webhooks are posted; the only path that takes a larger body.
pub(crate) const WEBHOOK_PATH_PREFIX: &str = "/api/video/webhooks/";

/// CORS for the configured origins only: the API's methods (`GET` for tokens and reports, the
/// others for room administration) with `Authorization` and a JSON `Content-Type`; preflight
/// answers are cached for an hour.
pub(crate) fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(3600)
}

/// Refuse a declared body over the bound of its path, or a chunked one, before anything reads it.
pub(crate) async fn refuse_request_bodies(
    request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let path = request.path();
    let bound = if path.starts_with(WEBHOOK_PATH_PREFIX) {
        MAX_WEBHOOK_BODY_BYTES
    } else if path.starts_with(ROOMS_PATH_PREFIX) {
        MAX_ROOMS_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let headers = request.headers();
    let too_long = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.parse::<u64>().map_or(true, |n| n > bound));
    if too_long || headers.contains_key(header::TRANSFER_ENCODING) {
        let response = ApiError::PayloadTooLarge.error_response();
        return Ok(request.into_response(response).map_into_right_body());
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// What every request leaves behind: its access line and its metrics.
///
/// The access line: method, path (never the query string, which may name people and rooms),
/// status and latency; for an issued token the same line carries the audit record (see
/// [`telemetry::audit`]), which is a line of its own when access lines are off. Headers are
/// never logged: they may carry credentials.
///
/// The metrics ([`Metrics::http_request`](crate::metrics::Metrics::http_request)): the route's
/// template, the method, the status and the latency, when metrics are on.
///
/// With both log targets and metrics off this costs three checks and one look into the
/// request's extensions.
pub(crate) async fn observe<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let metrics_on = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.metrics.is_on());
    let access = telemetry::access_enabled();
    let started = (access || metrics_on).then(Instant::now);
    let response = next.call(request).await?;
    let request = response.request();
    let elapsed = started.map(|started| started.elapsed());
    // The route's template, read once for both (`None`: no route matched).
    let pattern = elapsed.and_then(|_| request.match_pattern());
    let state = request.app_data::<web::Data<AppState>>();
    if let (Some(state), Some(elapsed)) = (state.filter(|_| metrics_on), elapsed) {
        state.metrics.http_request(
            pattern.as_deref(),
            request.method(),
            response.status(),
            elapsed,
        );
    }
    let extensions = request.extensions();
    let audit = extensions.get::<telemetry::AuditRecord>();
    match (elapsed.filter(|_| access), audit) {
        (Some(elapsed), audit) => {
            // A route with parameters is logged by its template (`/api/video/rooms/{room}/…`): a
            // path may name a room, which the access line never does, as it never logs a query.
            let template = pattern.as_deref().filter(|pattern| pattern.contains('{'));
            let path = template.unwrap_or(request.path());
            let (method, status) = (request.method(), response.status());
            // Milliseconds with three decimals, from whole microseconds: no float formatting.
            let micros = elapsed.as_micros();
            let (millis, micros) = (micros / 1000, micros % 1000);
            match audit {
                Some(audit) => log::info!(
                    target: telemetry::AUDIT,
                    "{method} {path} {} {millis}.{micros:03}ms {audit}",
                    status.as_u16()
                ),
                None => log::info!(
                    target: telemetry::ACCESS,
                    "{method} {path} {} {millis}.{micros:03}ms",
                    status.as_u16()
                ),
            }
        }
        (None, Some(audit)) => log::info!(target: telemetry::AUDIT, "{audit}"),
        (None, None) => {}
    }
    drop(extensions);
    Ok(response)
}
