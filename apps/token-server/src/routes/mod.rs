//! The HTTP routes. Every path the server answers is registered in [`configure`].

pub(crate) mod health;
pub(crate) mod token;

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, ResponseError, web};

use crate::problem::ApiError;

/// Registers the API routes; a known path with a wrong method answers 405.
pub(crate) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/api/video/token")
                // The token is a credential: no browser or proxy may store any answer here.
                .wrap(
                    DefaultHeaders::new()
                        .add((CACHE_CONTROL, HeaderValue::from_static("no-store"))),
                )
                .route(web::get().to(token::issue_token))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/healthz")
                .route(web::get().to(health::healthz))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/readyz")
                .route(web::get().to(health::readyz))
                .default_service(web::to(method_not_allowed)),
        );
}

pub(crate) async fn method_not_allowed() -> HttpResponse {
    ApiError::MethodNotAllowed.error_response()
}

pub(crate) async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}
