//! Liveness and readiness probes.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoResponses, ToSchema};
use video_core::ProviderError;

use crate::problem::{ApiError, ErrorDoc, error_responses};
use crate::startup::AppState;

/// The body of a successful probe.
#[derive(Serialize, ToSchema)]
pub(crate) struct Status {
    /// `ok` (liveness) or `ready` (readiness).
    #[schema(example = "ok")]
    status: &'static str,
    /// Readiness only, when an enabled provider has room administration: whether every such
    /// provider's room service answered within a second (`reachable`), or not (`unreachable`).
    /// Tokens are issued either way, so this does not make the server unready.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "reachable")]
    room_service: Option<&'static str>,
}

/// How long `/readyz` waits for the provider's room service: less than a probe's usual timeout.
const ROOM_SERVICE_WAIT: Duration = Duration::from_secs(1);

/// Liveness: the process is up and answering HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The server is alive.", body = Status,
        example = json!({"status": "ok"})))
)]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        status: "ok",
        room_service: None,
    })
}

/// The error answer of `GET /readyz`, with its example written by [`ApiError`] itself.
struct NotReady;

impl IntoResponses for NotReady {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let source = "the provider's reason, logged only".into();
        error_responses(vec![ErrorDoc {
            description: "The JWKS is not loaded, the provider cannot sign tokens, or the \
                attendance database does not answer.",
            headers: &[],
            samples: vec![ApiError::NotReady(ProviderError::Unavailable {
                provider: "livekit",
                source,
            })],
        }])
    }
}

/// Readiness: caller authentication can check credentials (its keys are loaded), every enabled
/// video provider can sign a token now, and the attendance database answers. With room
/// administration, the body also says whether the provider's room service answers; a room
/// service that does not leaves the server ready, since tokens are still issued.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready to issue tokens.", body = Status,
            example = json!({"status": "ready", "room_service": "reachable"})),
        NotReady,
    )
)]
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.auth.is_ready() {
        return Err(ApiError::AuthNotReady);
    }
    for provider in state.providers.iter() {
        provider
            .tickets
            .check_ready()
            .await
            .map_err(ApiError::NotReady)?;
    }
    if let Some(attendance) = &state.attendance {
        attendance.store.ping().await.map_err(|error| {
            state.metrics.database_error("ping", &error);
            ApiError::StorageNotReady(error)
        })?;
    }
    let mut room_service = None;
    for rooms in state.providers.iter().filter_map(|p| p.rooms.as_ref()) {
        let reachable = matches!(
            tokio::time::timeout(ROOM_SERVICE_WAIT, rooms.check_reachable()).await,
            Ok(Ok(()))
        );
        if room_service != Some("unreachable") {
            room_service = Some(if reachable {
                "reachable"
            } else {
                "unreachable"
            });
        }
    }
    Ok(HttpResponse::Ok().json(Status {
        status: "ready",
        room_service,
    }))
}
