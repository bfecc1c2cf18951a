//! Authentication: checking the `Authorization` header of a request against the configured
//! mode, which tells who is asking (a [`Caller`]).

use super::api_key::ApiKeys;
use super::authorize::Caller;
use super::config::{AuthConfig, AuthMode};
use super::jwks::JwksError;
use super::jwt;

/// Makes jsonwebtoken use its RustCrypto provider (HS256, RS256, ES256) process-wide.
///
/// jsonwebtoken picks one crypto provider per process, and `livekit-api` installs an HMAC-only
/// one on first use unless one is installed already; so this must run before the first token
/// is minted. Returns false when another provider won the race (RS256/ES256 would then fail).
pub fn install_crypto_provider() -> bool {
    let ours = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    match ours.install_default() {
        Ok(()) => true,
        Err(installed) => std::ptr::eq(installed, ours),
    }
}

/// Why the authenticator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// The JWKS file could not be loaded.
    #[error("AUTH_JWKS_FILE could not be loaded")]
    JwksFile(#[source] JwksError),
    /// Another jsonwebtoken crypto provider was installed first.
    #[error("the RS256/ES256 crypto provider could not be installed (a token was minted first)")]
    CryptoProvider,
}

/// Why a caller is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header.
    Missing,
    /// The credentials are wrong; the reason is safe to show.
    Invalid(&'static str),
    /// The keys to check the credentials cannot be loaded (JWKS unreachable).
    Unavailable,
}

/// The checker of credentials, built once at startup.
pub struct Authenticator {
    inner: Inner,
}

enum Inner {
    None,
    ApiKey(ApiKeys),
    Jwt(Box<jwt::JwtVerifier>),
}

impl Authenticator {
    /// Builds the authenticator for `config`; in `jwt` mode loads the JWKS once.
    pub fn new(config: &AuthConfig) -> Result<Self, AuthSetupError> {
        let inner = match config {
            AuthConfig::None => Inner::None,
            AuthConfig::ApiKey(keys) => Inner::ApiKey(keys.clone()),
            AuthConfig::Jwt(settings) => {
                if !install_crypto_provider() {
                    return Err(AuthSetupError::CryptoProvider);
                }
                Inner::Jwt(Box::new(
                    jwt::JwtVerifier::new(settings).map_err(AuthSetupError::JwksFile)?,
                ))
            }
        };
        Ok(Self { inner })
    }

    /// The mode, for the audit log.
    pub fn mode(&self) -> AuthMode {
        match self.inner {
            Inner::None => AuthMode::None,
            Inner::ApiKey(_) => AuthMode::ApiKey,
            Inner::Jwt(_) => AuthMode::Jwt,
        }
    }

    /// Whether this mode needs credentials at all.
    pub fn requires_credentials(&self) -> bool {
        self.mode().requires_credentials()
    }

    /// Whether credentials can be checked now.
    pub fn is_ready(&self) -> bool {
        match &self.inner {
            Inner::Jwt(verifier) => verifier.is_ready(),
            Inner::None | Inner::ApiKey(_) => true,
        }
    }

    /// Checks the `Authorization` header (`None` when absent, `Err` when present more than
    /// once or not ASCII).
    pub async fn authenticate(
        &self,
        authorization: Result<Option<&str>, ()>,
    ) -> Result<Caller, AuthError> {
        if let Inner::None = self.inner {
            return Ok(Caller::Anyone);
        }
        let header = authorization.map_err(|()| {
            AuthError::Invalid("the Authorization header must appear once, in ASCII")
        })?;
        let credentials = bearer(header.ok_or(AuthError::Missing)?)?;
        match &self.inner {
            Inner::None => Ok(Caller::Anyone),
            Inner::ApiKey(keys) if keys.verify(credentials) => Ok(Caller::Backend),
            Inner::ApiKey(_) => Err(AuthError::Invalid("the API key is not accepted")),
            Inner::Jwt(verifier) => verifier.verify(credentials).await.map(Caller::User),
        }
    }
}

/// The credentials of `Authorization: Bearer <credentials>` (scheme case-insensitive).
fn bearer(header: &str) -> Result<&str, AuthError> {
    let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
    let credentials = credentials.trim_start_matches(' ');
    if !scheme.eq_ignore_ascii_case("bearer") || credentials.is_empty() || credentials.contains(' ')
    {
        return Err(AuthError::Invalid(
            "the Authorization header must be `Bearer <credentials>`",
        ));
    }
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer abc"), Ok("abc"));
        assert_eq!(bearer("bearer  abc"), Ok("abc"));
        for bad in ["Basic abc", "Bearer", "Bearer ", "Bearer a b", "abc"] {
            assert!(bearer(bad).is_err(), "{bad:?}");
        }
    }
}
