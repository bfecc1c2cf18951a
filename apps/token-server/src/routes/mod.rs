//! The HTTP routes. Every path the server answers is registered in [`configure`], through
//! `utoipa-actix-web`, from the handler's own `#[utoipa::path]` annotation: its path is the one
//! the annotation names, and registering it adds its operation to the OpenAPI document. A route
//! cannot be served without being documented.

pub(crate) mod attendance;
pub(crate) mod health;
pub(crate) mod token;
pub(crate) mod webhooks;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, ResponseError, web};
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Paths;
use utoipa::openapi::schema::Schema;
use utoipa_actix_web::OpenApiFactory;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::problem::ApiError;

/// Registers the API routes; a known path with a wrong method answers 405.
pub(crate) fn configure(config: &mut ServiceConfig<'_>) {
    config
        .service(documented(
            token::__path_issue_token,
            Method::GET,
            token::issue_token,
            // The token is a credential: no browser or proxy may store any answer here.
            no_store,
        ))
        .service(documented(
            health::__path_healthz,
            Method::GET,
            health::healthz,
            |r| r,
        ))
        .service(documented(
            health::__path_readyz,
            Method::GET,
            health::readyz,
            |r| r,
        ))
        .service(documented(
            webhooks::__path_receive_webhook,
            Method::POST,
            webhooks::receive_webhook,
            |r| r,
        ))
        .service(documented(
            attendance::__path_room_attendance,
            Method::GET,
            attendance::room_attendance,
            // Attendance is personal data: no browser or proxy may keep a copy.
            no_store,
        ));
}

/// `Cache-Control: no-store` on every answer of `resource`, errors included.
fn no_store(resource: Resource) -> impl HttpServiceFactory {
    resource.wrap(DefaultHeaders::new().add((CACHE_CONTROL, HeaderValue::from_static("no-store"))))
}

/// `handler` for `method` (GET or POST) at the path of its `#[utoipa::path]` annotation (`doc`,
/// the type that annotation generates), answering 405 with `Allow` to any other method; `finish`
/// adds per-route middleware.
fn documented<Doc, F, Args, S>(
    doc: Doc,
    method: Method,
    handler: F,
    finish: impl FnOnce(Resource) -> S,
) -> Documented<Doc, S>
where
    Doc: utoipa::Path,
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let allow = if method == Method::POST {
        "POST"
    } else {
        "GET"
    };
    let resource = web::resource(Doc::path())
        .route(web::method(method).to(handler))
        .default_service(web::to(move || async move {
            ApiError::MethodNotAllowed(allow).error_response()
        }));
    Documented {
        doc,
        service: finish(resource),
    }
}

/// A service and the annotation that documents it: registering it serves the one and adds the
/// other to the OpenAPI document.
struct Documented<Doc, S> {
    doc: Doc,
    service: S,
}

impl<Doc, S: HttpServiceFactory> HttpServiceFactory for Documented<Doc, S> {
    fn register(self, config: &mut AppService) {
        self.service.register(config);
    }
}

impl<Doc: OpenApiFactory, S> OpenApiFactory for Documented<Doc, S> {
    fn paths(&self) -> Paths {
        self.doc.paths()
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.doc.schemas(schemas);
    }
}

pub(crate) async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}
