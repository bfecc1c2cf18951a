//! `POST /api/video/webhooks/{provider}`: the provider's signed room and participant events,
//! stored for attendance. Answered 2xx only once the event is committed, so an event the
//! provider was told had arrived is never lost; the provider retries anything else.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoResponses, ToSchema};
use video_attendance::{Appended, AttendanceError, AttendanceStore as _};
use video_core::{
    ReceiveError, ReceivedEvent, RoomAdmin, RoomAdminError, SessionEvent, SessionEventKind,
};

use crate::problem::{ApiError, ErrorDoc, error_responses};
use crate::query::ProviderSchema;
use crate::routes::rooms::audit_record;
use crate::startup::AppState;
use crate::telemetry;

/// What became of a delivery.
#[derive(Serialize, ToSchema)]
pub(crate) struct WebhookAck {
    /// `stored` (committed now), `duplicate` (already stored: a retried delivery) or `ignored`
    /// (verified, but not an event attendance uses).
    #[schema(example = "stored")]
    status: &'static str,
}

struct WebhookErrors;

impl IntoResponses for WebhookErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        error_responses(vec![
            ErrorDoc {
                description: "Signed correctly, but not an event the provider's crate can read.",
                headers: &[],
                samples: vec![ApiError::Webhook(ReceiveError::Malformed("no room"))],
            },
            ErrorDoc {
                description: "The `Authorization` header is missing, not a token of the provider's \
                    key pair, expired, or does not cover this body. Nothing is stored.",
                headers: &[],
                samples: vec![ApiError::Webhook(ReceiveError::Unauthorized(
                    "not a valid token of this key pair",
                ))],
            },
            ErrorDoc {
                description: "Not an enabled provider that sends webhooks, or attendance is not \
                    set up.",
                headers: &[],
                samples: vec![ApiError::NotFound],
            },
            ErrorDoc {
                description: "The body is larger than 65536 bytes, or chunked.",
                headers: &[],
                samples: vec![ApiError::PayloadTooLarge],
            },
            ErrorDoc {
                description: "The attendance database cannot be reached; the provider retries.",
                headers: &[("Retry-After", "Seconds to wait before retrying.")],
                samples: vec![ApiError::Attendance(AttendanceError::Unavailable(
                    "the database's reason, logged only".into(),
                ))],
            },
        ])
    }
}

/// Receive a webhook.
///
/// The video provider posts its room and participant events here (for LiveKit: `webhook.urls`
/// in its configuration, with `webhook.api_key` the key the token server signs with). The body
/// and the `Authorization` header are checked as the provider signs them; for LiveKit a JWT of
/// the key pair, without `Bearer`, whose `sha256` claim is the body's hash. Room started and
/// finished, participant joined, left and connection aborted are stored for attendance, once
/// per event id; other events are acknowledged and ignored. The answer is 200 only after the
/// event is committed.
#[utoipa::path(
    post,
    path = "/api/video/webhooks/{provider}",
    tag = "webhooks",
    params(("provider" = inline(ProviderSchema), Path,
        description = "An enabled provider that sends webhooks (today only `livekit`); another \
            answers 404.")),
    request_body(content = String, content_type = "application/webhook+json",
        description = "The provider's event, exactly as it was signed."),
    security(("provider_signature" = [])),
    responses(
        (status = 200, description = "Stored, already stored, or ignored.", body = WebhookAck,
            example = json!({"status": "stored"})),
        WebhookErrors,
    )
)]
pub(crate) async fn receive_webhook(
    request: HttpRequest,
    provider: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let attendance = state.attendance.as_ref().ok_or(ApiError::NotFound)?;
    let provider = state
        .providers
        .get(provider.as_str())
        .ok_or(ApiError::NotFound)?;
    let receiver = provider.events.as_ref().ok_or(ApiError::NotFound)?;
    let body = std::str::from_utf8(&body).map_err(|_| {
        state.metrics.webhook("unknown", "malformed");
        ApiError::WebhookNotText
    })?;
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let status = match receiver.receive(body, authorization) {
        Err(error) => {
            let outcome = match error {
                ReceiveError::Unauthorized(_) => "unauthorized",
                ReceiveError::Malformed(_) => "malformed",
            };
            state.metrics.webhook("unknown", outcome);
            log::warn!("webhook refused: {error}");
            return Err(ApiError::Webhook(error));
        }
        Ok(ReceivedEvent::Ignored { event }) => {
            log::debug!("webhook {event} ignored");
            // The provider's own name is not a label: `other` for every event attendance skips.
            state.metrics.webhook("other", "ignored");
            "ignored"
        }
        Ok(ReceivedEvent::Session(event)) => {
            let name = event.kind.name();
            let appended = attendance.store.append(&event).await.map_err(|error| {
                state.metrics.webhook(name, "storage_error");
                state.metrics.database_error("append", &error);
                ApiError::Attendance(error)
            })?;
            // The event's kind and id only: never who (attendance is personal data).
            log::debug!(
                "webhook {} {} {appended:?}",
                event.kind.name(),
                event.id.as_str()
            );
            if let Err(error) =
                turn_away_revoked(&request, &state, provider.rooms.as_deref(), &event).await
            {
                let outcome = match error {
                    ApiError::Attendance(_) => "storage_error",
                    _ => "provider_error",
                };
                state.metrics.webhook(name, outcome);
                return Err(error);
            }
            let status = match appended {
                Appended::Stored => "stored",
                Appended::Duplicate => "duplicate",
            };
            state.metrics.webhook(name, status);
            status
        }
    };
    Ok(HttpResponse::Ok().json(WebhookAck { status }))
}

/// A participant who joined with a token issued before they were removed from the room is
/// removed again at once: LiveKit's own server does not refuse such tokens (LiveKit Cloud does).
/// When the provider cannot be reached, the answer is 503 and the provider delivers the event
/// again (it is stored once), so the removal is retried too.
async fn turn_away_revoked(
    request: &HttpRequest,
    state: &AppState,
    rooms: Option<&dyn RoomAdmin>,
    event: &SessionEvent,
) -> Result<(), ApiError> {
    let (SessionEventKind::ParticipantJoined(participant), Some(rooms), Some(attendance)) =
        (&event.kind, rooms, &state.attendance)
    else {
        return Ok(());
    };
    let Some(issued_at) = participant.token_issued_at else {
        return Ok(());
    };
    let revoked_before = attendance
        .store
        .tokens_revoked_before(&event.room, &participant.identity)
        .await
        .map_err(|error| {
            state.metrics.database_error("revocation", &error);
            ApiError::Attendance(error)
        })?;
    if revoked_before.is_none_or(|revoked| issued_at >= revoked) {
        return Ok(());
    }
    match rooms
        .remove_participant(&event.room, &participant.identity)
        .await
    {
        // Gone already (they left, or another delivery removed them): nothing to undo.
        Ok(()) | Err(RoomAdminError::NotFound(_)) => {
            telemetry::audit(request, || {
                audit_record(
                    "participant removed again (token revoked)",
                    &event.room,
                    &format!(" identity={:?}", participant.identity.as_str()),
                    "token-server",
                    "webhook",
                )
            });
            Ok(())
        }
        Err(error) => Err(ApiError::Rooms(error)),
    }
}
