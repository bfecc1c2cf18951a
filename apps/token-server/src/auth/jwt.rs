//! `TOKEN_SERVER_AUTH=jwt`: the browser presents the LMS's own signed session token.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use video_core::{DisplayName, ParticipantIdentity, Role};

use super::jwks::{Jwks, JwksError, JwksSource, Lookup};
use super::{AuthError, RoomPatterns, UserGrant};

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 60;

/// Where the keys that sign the LMS's tokens come from.
#[derive(Clone)]
pub enum JwtKeys {
    /// `AUTH_JWT_HS256_SECRET`: a shared secret; only HS256 is accepted.
    Hs256(SecretString),
    /// `AUTH_JWKS_FILE` or `AUTH_JWKS_URL`: public keys; only RS256 and ES256 are accepted.
    Jwks(JwksSource),
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hs256(_) => f.write_str("Hs256([REDACTED])"),
            Self::Jwks(source) => f.debug_tuple("Jwks").field(source).finish(),
        }
    }
}

/// Everything `jwt` mode is configured with.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// The verification keys.
    pub keys: JwtKeys,
    /// `AUTH_JWT_ISSUER`: the required `iss`.
    pub issuer: String,
    /// `AUTH_JWT_AUDIENCE`: the required `aud` (one of them, when `aud` is a list).
    pub audience: String,
    /// `AUTH_JWT_ROLE_CLAIM`: the claim holding the caller's role (default `role`).
    pub role_claim: String,
    /// `AUTH_JWT_ROOMS_CLAIM`: the claim holding the rooms the caller may join (default `rooms`).
    pub rooms_claim: String,
    /// `AUTH_JWKS_TIMEOUT_SECS`: the whole JWKS fetch (default 5 s).
    pub jwks_timeout: Duration,
    /// `AUTH_JWKS_CACHE_SECS`: how long fetched keys are used before a background reload
    /// (default 300 s).
    pub jwks_cache: Duration,
    /// `AUTH_JWKS_MIN_REFRESH_SECS`: the shortest time between two reloads (default 30 s).
    pub jwks_min_refresh: Duration,
}

impl JwtSettings {
    /// The JWKS file, if that is the key source.
    pub fn jwks_file(&self) -> Option<&PathBuf> {
        match &self.keys {
            JwtKeys::Jwks(JwksSource::File(path)) => Some(path),
            _ => None,
        }
    }
}

enum KeyStore {
    Hs256(DecodingKey),
    Jwks(Arc<Jwks>),
}

/// Verifies session tokens and turns their claims into a [`UserGrant`].
pub(crate) struct JwtVerifier {
    settings: JwtSettings,
    keys: KeyStore,
    /// One validation per accepted algorithm, built once: HS256, or RS256 and ES256.
    validations: Vec<(Algorithm, Validation)>,
}

impl JwtVerifier {
    /// Builds the verifier and loads the JWKS once. A JWKS file that cannot be loaded is an
    /// error; an unreachable JWKS URL is only logged (and retried on demand), so the server
    /// starts and reports not ready until the keys arrive.
    pub(crate) fn new(settings: &JwtSettings) -> Result<Self, JwksError> {
        let keys = match &settings.keys {
            JwtKeys::Hs256(secret) => {
                KeyStore::Hs256(DecodingKey::from_secret(secret.expose_secret().as_bytes()))
            }
            JwtKeys::Jwks(source) => {
                let jwks = Jwks::new(
                    source.clone(),
                    settings.jwks_timeout,
                    settings.jwks_cache,
                    settings.jwks_min_refresh,
                );
                match (jwks.load(), source) {
                    (Ok(count), _) => log::info!("loaded {count} key(s) from the JWKS"),
                    (Err(error), JwksSource::File(_)) => return Err(error),
                    (Err(error), JwksSource::Url(_)) => log::error!(
                        "JWKS not loaded, tokens are refused until it is: {}",
                        crate::telemetry::error_chain(&error)
                    ),
                }
                KeyStore::Jwks(Arc::new(jwks))
            }
        };
        let algorithms: &[Algorithm] = match keys {
            KeyStore::Hs256(_) => &[Algorithm::HS256],
            KeyStore::Jwks(_) => &[Algorithm::RS256, Algorithm::ES256],
        };
        let validations = algorithms
            .iter()
            .map(|algorithm| (*algorithm, validation(*algorithm, settings)))
            .collect();
        Ok(Self {
            settings: settings.clone(),
            keys,
            validations,
        })
    }

    /// Whether tokens can be verified now (a JWKS has keys).
    pub(crate) fn is_ready(&self) -> bool {
        match &self.keys {
            KeyStore::Hs256(_) => true,
            KeyStore::Jwks(jwks) => jwks.key_count() > 0,
        }
    }

    /// Verifies `token` and reads the caller's grant from its claims.
    pub(crate) async fn verify(&self, token: &str) -> Result<UserGrant, AuthError> {
        let found;
        let (key, algorithm) = match &self.keys {
            // One key and one algorithm: `decode` below reads the header itself and refuses any
            // other `alg` (`InvalidAlgorithm`), so the header is not parsed twice.
            KeyStore::Hs256(key) => (key, Algorithm::HS256),
            KeyStore::Jwks(jwks) => match jwks.lookup(header(token)?.kid.as_deref()).await {
                Lookup::Found(public) => {
                    found = public;
                    (&found.key, found.algorithm)
                }
                Lookup::Unknown => {
                    return Err(AuthError::Invalid(
                        "the bearer token's signing key (kid) is unknown",
                    ));
                }
                Lookup::Unavailable => return Err(AuthError::Unavailable),
            },
        };
        // The algorithm comes from our key, never from the token: each validation accepts only
        // its own algorithm, so an HS256 token "signed" with a public key, or `alg: none`, can
        // never match.
        let validation = self
            .validations
            .iter()
            .find(|(accepted, _)| *accepted == algorithm)
            .map(|(_, validation)| validation)
            .ok_or(AuthError::Invalid(
                "the bearer token's algorithm is not accepted",
            ))?;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)
            .map_err(|error| AuthError::Invalid(reason(error.kind())))?
            .claims;
        self.grant(&claims)
    }

    fn grant(&self, claims: &Map<String, Value>) -> Result<UserGrant, AuthError> {
        let identity = claims
            .get("sub")
            .and_then(Value::as_str)
            .and_then(|sub| ParticipantIdentity::parse(sub).ok())
            .ok_or(AuthError::Invalid(
                "the bearer token's `sub` is not a valid participant identity",
            ))?;
        let role = claims
            .get(&self.settings.role_claim)
            .and_then(Value::as_str)
            .and_then(|role| role.parse::<Role>().ok());
        let rooms = match claims.get(&self.settings.rooms_claim) {
            Some(Value::String(pattern)) => RoomPatterns::new([pattern.as_str()]),
            Some(Value::Array(items)) => RoomPatterns::new(items.iter().filter_map(Value::as_str)),
            _ => RoomPatterns::none(),
        };
        let name = claims
            .get("name")
            .and_then(Value::as_str)
            .and_then(|name| DisplayName::parse(name).ok());
        Ok(UserGrant {
            identity,
            role,
            rooms,
            name,
        })
    }
}

/// What every session token must satisfy, for one algorithm: that algorithm only, the issuer,
/// the audience, `exp`/`nbf` with the leeway, and the required claims.
fn validation(algorithm: Algorithm, settings: &JwtSettings) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.algorithms = vec![algorithm];
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation
}

/// The token's header, for the key id.
fn header(token: &str) -> Result<jsonwebtoken::Header, AuthError> {
    jsonwebtoken::decode_header(token).map_err(|error| AuthError::Invalid(reason(error.kind())))
}

fn reason(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "the bearer token is not a well-formed JWT",
        ErrorKind::ExpiredSignature => "the bearer token has expired",
        ErrorKind::ImmatureSignature => "the bearer token is not valid yet (nbf)",
        ErrorKind::InvalidIssuer => "the bearer token's issuer (iss) is not accepted",
        ErrorKind::InvalidAudience => "the bearer token's audience (aud) is not accepted",
        ErrorKind::InvalidSignature => "the bearer token's signature does not verify",
        ErrorKind::MissingRequiredClaim(_) => {
            "the bearer token lacks a required claim (exp, iss, aud, sub)"
        }
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the bearer token's algorithm is not accepted"
        }
        _ => "the bearer token is invalid",
    }
}
