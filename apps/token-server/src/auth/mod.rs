//! Caller authentication and authorization: who may ask for a token, and for what.
//!
//! `TOKEN_SERVER_AUTH` picks the mode:
//!
//! | mode | caller | `user` and `role` |
//! |---|---|---|
//! | `none` | anyone (development only) | taken from the query |
//! | `api-key` | the LMS back end, `Authorization: Bearer <key>` | taken from the query: the back end is trusted |
//! | `jwt` | the browser, `Authorization: Bearer <LMS session JWT>` | `user` must be the token's `sub`; the role may be lowered, never raised; the room must match the token's rooms claim |
//!
//! [`config`](AuthConfig) reads the mode and its settings, [`Authenticator`] checks a request's
//! credentials and says who the [`Caller`] is, and [`Caller::authorize`] decides what that caller
//! may have.

mod api_key;
mod authenticate;
mod authorize;
mod config;
mod jwks;
mod jwt;

pub use api_key::ApiKeys;
pub use authenticate::{AuthError, AuthSetupError, Authenticator, install_crypto_provider};
pub use authorize::{Caller, Denied, RoomPatterns, UserGrant};
pub use config::{AuthConfig, AuthMode, MIN_HS256_SECRET_CHARS};
pub use jwks::{JwksError, JwksSource};
pub use jwt::{JwtKeys, JwtSettings, LEEWAY_SECS};
