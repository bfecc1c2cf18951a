//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, ProblemDetails};
use crate::startup::AppState;

/// The body of a successful probe.
#[derive(Serialize, ToSchema)]
pub(crate) struct Status {
    /// `ok` (liveness) or `ready` (readiness).
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness: the process is up and answering HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The server is alive.", body = Status,
        example = json!({"status": "ok"})))
)]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness: caller authentication can check credentials (its keys are loaded) and the
/// video provider can sign a token now.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready to issue tokens.", body = Status,
            example = json!({"status": "ready"})),
        (status = 503, description = "The JWKS is not loaded, or the provider cannot sign tokens.", body = ProblemDetails,
            content_type = "application/problem+json",
            example = json!({"type": "urn:openconnect-video:problem:not_ready", "title": "Not ready", "status": 503, "detail": "The video provider cannot issue tokens right now.", "code": "not_ready"}))
    )
)]
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.auth.is_ready() {
        return Err(ApiError::AuthNotReady);
    }
    state
        .provider
        .check_ready()
        .await
        .map_err(ApiError::NotReady)?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}
