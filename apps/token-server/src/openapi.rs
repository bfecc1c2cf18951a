//! The OpenAPI 3.1 document, generated from the handlers' own annotations: [`ApiDoc`] holds what
//! is not about one route (info, tags, the security scheme, the problem schema), and the paths
//! are those the routes register (`routes::configure`, through `utoipa-actix-web`).

use actix_web::App;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::auth::AuthMode;
use crate::problem::ProblemDetails;
use crate::providers::Providers;
use crate::routes;

/// The parts of the API description that belong to no one route; [`document`] adds the paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpenConnect Video token server",
        description = "Issues signed join tickets (access token + server URL) for self-hosted \
            LiveKit rooms, and for Daily or Twilio where the server enables them \
            (`VIDEO_PROVIDERS`). Errors are RFC 9457 problem details (`application/problem+json`) \
            with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(ProblemDetails)),
    modifiers(&BearerAuth),
    tags(
        (name = "tokens", description = "Join tickets for video rooms."),
        (name = "rooms", description = "Room administration: open, list and end rooms; list, \
            remove and mute participants; invite them to speak."),
        (name = "attendance", description = "Who attended a room, and for how long."),
        (name = "webhooks", description = "The video provider's signed room and participant events."),
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
            components.add_security_scheme(
                "provider_signature",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "The video provider's signature of the body: for LiveKit a JWT of its API \
                     key pair (no `Bearer` prefix) whose `sha256` claim is the body's SHA-256.",
                ))),
            );
        }
    }
}

/// The document as served under the authentication mode `auth_mode` with `providers`: every
/// route that `routes::configure` registers, with `user` and credentials required as
/// `auth_mode` says, and the providers a request may name as `providers` has them.
pub fn document(auth_mode: AuthMode, providers: &Providers) -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    for_providers(for_mode(document, auth_mode), providers)
}

/// The operations of `item` that the routes use (GET, POST, PUT, DELETE).
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The schema of a provider's name, with `names` its only values.
fn provider_names(names: Vec<&'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("A video provider's name."))
        .enum_values(Some(names))
        .into()
}

/// `document` with the providers of this server: `provider=` and the answer's `provider` take
/// the enabled ones, the webhook route those that send webhooks. A client (or an API fuzzer)
/// reading the served document sees what this server accepts, not every provider it could run.
pub(crate) fn for_providers(
    mut document: utoipa::openapi::OpenApi,
    providers: &Providers,
) -> utoipa::openapi::OpenApi {
    let enabled = providers.names();
    let webhooks: Vec<&'static str> = providers
        .iter()
        .filter(|provider| provider.events.is_some())
        .map(|provider| provider.name())
        .collect();
    if let Some(components) = document.components.as_mut() {
        components
            .schemas
            .insert("ProviderSchema".to_owned(), provider_names(enabled.clone()));
    }
    for (path, item) in document.paths.paths.iter_mut() {
        let names = if path.starts_with("/api/video/webhooks/") {
            &webhooks
        } else {
            &enabled
        };
        for operation in operations(item) {
            for parameter in operation.parameters.iter_mut().flatten() {
                if parameter.name == "provider" {
                    parameter.schema = Some(provider_names(names.clone()));
                }
            }
        }
    }
    document
}

/// `document` as served under `auth_mode`: `user` is required unless the session token supplies
/// it (`jwt`), and the token, room and attendance routes require credentials unless the mode is
/// `none`.
pub(crate) fn for_mode(
    mut document: utoipa::openapi::OpenApi,
    auth_mode: AuthMode,
) -> utoipa::openapi::OpenApi {
    for (path, item) in document.paths.paths.iter_mut() {
        if path != "/api/video/token" && !path.starts_with("/api/video/rooms") {
            continue;
        }
        for operation in operations(item) {
            if !auth_mode.identifies_the_user() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if parameter.name == "user" {
                        parameter.required = Required::True;
                    }
                }
            }
            operation.security = Some(if auth_mode.requires_credentials() {
                vec![SecurityRequirement::new("bearer", Vec::<String>::new())]
            } else {
                vec![SecurityRequirement::default()]
            });
        }
    }
    document
}

/// The document for `auth_mode` and `providers` as pretty-printed JSON with a trailing newline,
/// as committed (`docs/api/openapi.json` holds the development default: mode `none`, LiveKit
/// alone).
pub fn openapi_json(auth_mode: AuthMode, providers: &Providers) -> String {
    let mut json = document(auth_mode, providers)
        .to_pretty_json()
        .unwrap_or_default();
    json.push('\n');
    json
}
