//! The OpenAPI 3.1 document, generated from the handlers' own annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::ProblemDetails;
use crate::routes::{health, token};

/// The API description served at `/api-docs/openapi.json` and committed at
/// `docs/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpenConnect Video token server",
        description = "Issues signed join tickets (access token + server URL) for self-hosted \
            LiveKit rooms. Errors are RFC 9457 problem details (`application/problem+json`) with \
            a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(token::issue_token, health::healthz, health::readyz),
    components(schemas(ProblemDetails)),
    modifiers(&BearerAuth),
    tags(
        (name = "tokens", description = "Join tickets for video rooms."),
        (name = "health", description = "Liveness and readiness probes.")
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme: an API key (`TOKEN_SERVER_AUTH=api-key`) or the LMS
/// session JWT (`TOKEN_SERVER_AUTH=jwt`), so Swagger UI's "Authorize" button can send it.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "`TOKEN_SERVER_AUTH=api-key`: one of `TOKEN_SERVER_API_KEYS`. \
                 `TOKEN_SERVER_AUTH=jwt`: the LMS's signed session token. \
                 Not needed with `TOKEN_SERVER_AUTH=none` (development).",
            ))
            .build();
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        }
    }
}

/// The document as pretty-printed JSON with a trailing newline, as committed.
pub fn openapi_json() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
