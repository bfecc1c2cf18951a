//! The HTTP routes. Every path the server answers is registered in [`configure`], through
//! `utoipa-actix-web`, from the handler's own `#[utoipa::path]` annotation: its path is the one
//! the annotation names, and registering it adds its operation to the OpenAPI document. A route
//! cannot be served without being documented.

pub(crate) mod attendance;
pub(crate) mod health;
pub(crate) mod rooms;
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
        ))
        // Room administration. Who is in a room is personal data too: never cached.
        .service(documented_pair(
            (rooms::__path_list_rooms, Method::GET, rooms::list_rooms),
            (rooms::__path_open_room, Method::POST, rooms::open_room),
            "GET, POST",
            no_store,
        ))
        .service(documented_pair(
            (rooms::__path_get_room, Method::GET, rooms::get_room),
            (rooms::__path_end_room, Method::DELETE, rooms::end_room),
            "GET, DELETE",
            no_store,
        ))
        .service(documented(
            rooms::__path_list_participants,
            Method::GET,
            rooms::list_participants,
            no_store,
        ))
        .service(documented_pair(
            (
                rooms::__path_get_participant,
                Method::GET,
                rooms::get_participant,
            ),
            (
                rooms::__path_remove_participant,
                Method::DELETE,
                rooms::remove_participant,
            ),
            "GET, DELETE",
            no_store,
        ))
        .service(documented(
            rooms::__path_mute_track,
            Method::POST,
            rooms::mute_track,
            no_store,
        ))
        .service(documented(
            rooms::__path_set_permissions,
            Method::PUT,
            rooms::set_permissions,
            no_store,
        ));
}

/// `Cache-Control: no-store` on every answer of `resource`, errors included.
fn no_store(resource: Resource) -> impl HttpServiceFactory {
    resource.wrap(DefaultHeaders::new().add((CACHE_CONTROL, HeaderValue::from_static("no-store"))))
}

/// `handler` for `method` at the path of its `#[utoipa::path]` annotation (`doc`, the type that
/// annotation generates), answering 405 with `Allow` to any other method; `finish` adds
/// per-route middleware.
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
    let allow = match method {
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        _ => "GET",
    };
    let resource = web::resource(Doc::path()).route(web::method(method).to(handler));
    Documented {
        doc,
        service: finish(refuse_other_methods(resource, allow)),
    }
}

/// Two handlers for two methods at one path (both annotations name it), answering 405 with
/// `allow` (the two methods) to any other; `finish` adds per-route middleware.
fn documented_pair<DocA, FA, ArgsA, DocB, FB, ArgsB, S>(
    (doc_a, method_a, handler_a): (DocA, Method, FA),
    (doc_b, method_b, handler_b): (DocB, Method, FB),
    allow: &'static str,
    finish: impl FnOnce(Resource) -> S,
) -> Documented<Pair<DocA, DocB>, S>
where
    DocA: utoipa::Path,
    DocB: utoipa::Path,
    FA: Handler<ArgsA>,
    ArgsA: FromRequest + 'static,
    FA::Output: Responder + 'static,
    FB: Handler<ArgsB>,
    ArgsB: FromRequest + 'static,
    FB::Output: Responder + 'static,
{
    debug_assert_eq!(DocA::path(), DocB::path(), "one path, two methods");
    let resource = web::resource(DocA::path())
        .route(web::method(method_a).to(handler_a))
        .route(web::method(method_b).to(handler_b));
    Documented {
        doc: Pair(doc_a, doc_b),
        service: finish(refuse_other_methods(resource, allow)),
    }
}

/// `resource`, answering 405 with `Allow: allow` to a method it has no route for.
fn refuse_other_methods(resource: Resource, allow: &'static str) -> Resource {
    resource.default_service(web::to(move || async move {
        ApiError::MethodNotAllowed(allow).error_response()
    }))
}

/// The annotations of two operations at one path.
struct Pair<A, B>(A, B);

impl<A: OpenApiFactory, B: OpenApiFactory> OpenApiFactory for Pair<A, B> {
    fn paths(&self) -> Paths {
        let mut paths = self.0.paths();
        paths.merge(self.1.paths());
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.0.schemas(schemas);
        self.1.schemas(schemas);
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
