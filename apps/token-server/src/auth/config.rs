//! Which authentication mode is configured, and its settings (`TOKEN_SERVER_AUTH` and the
//! variables of the chosen mode), read once at startup.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use video_core::config::{AppEnv, ConfigError, Environment};

use super::api_key::ApiKeys;
use super::jwks::JwksSource;
use super::jwt::{JwtKeys, JwtSettings};

/// The shortest accepted `AUTH_JWT_HS256_SECRET`, in characters.
pub const MIN_HS256_SECRET_CHARS: usize = 32;

/// The authentication mode: the value of `TOKEN_SERVER_AUTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `none`: no authentication (development only).
    None,
    /// `api-key`: the LMS back end with an API key.
    ApiKey,
    /// `jwt`: the browser with the LMS's session token.
    Jwt,
}

impl AuthMode {
    /// Every mode.
    pub const ALL: [AuthMode; 3] = [Self::None, Self::ApiKey, Self::Jwt];

    /// The name, as in `TOKEN_SERVER_AUTH`: `none`, `api-key` or `jwt`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ApiKey => "api-key",
            Self::Jwt => "jwt",
        }
    }

    /// The mode named `name` (exactly as `as_str` spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == name)
    }

    /// Whether a caller must present credentials.
    pub const fn requires_credentials(self) -> bool {
        !matches!(self, Self::None)
    }

    /// Whether the caller's identity comes from its credentials (a session token), so that the
    /// `user` parameter may be left out.
    pub const fn identifies_the_user(self) -> bool {
        matches!(self, Self::Jwt)
    }
}

impl std::fmt::Display for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How callers authenticate (`TOKEN_SERVER_AUTH` and the variables of the chosen mode).
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// No authentication: development only.
    None,
    /// Server-to-server API keys.
    ApiKey(ApiKeys),
    /// The LMS's signed session tokens.
    Jwt(JwtSettings),
}

impl AuthConfig {
    /// Reads `TOKEN_SERVER_AUTH` (default `none` in development; required, and not `none`, in
    /// production) and the chosen mode's variables.
    pub fn from_env(env: &Environment, app_env: AppEnv) -> Result<Self, ConfigError> {
        let mode = env
            .get("TOKEN_SERVER_AUTH")?
            .map(|name| {
                AuthMode::from_name(name).ok_or_else(|| {
                    ConfigError::invalid("TOKEN_SERVER_AUTH", "must be one of: none, api-key, jwt")
                })
            })
            .transpose()?;
        match (mode, app_env) {
            (None, AppEnv::Production) => Err(ConfigError::missing(
                "TOKEN_SERVER_AUTH",
                "required when APP_ENV=production: api-key or jwt",
            )),
            (Some(AuthMode::None), AppEnv::Production) => Err(ConfigError::invalid(
                "TOKEN_SERVER_AUTH",
                "must be api-key or jwt when APP_ENV=production",
            )),
            (None | Some(AuthMode::None), AppEnv::Development) => Ok(Self::None),
            (Some(AuthMode::ApiKey), _) => {
                let keys = env.get("TOKEN_SERVER_API_KEYS")?.ok_or_else(|| {
                    ConfigError::missing(
                        "TOKEN_SERVER_API_KEYS",
                        "required when TOKEN_SERVER_AUTH=api-key",
                    )
                })?;
                Ok(Self::ApiKey(ApiKeys::parse(keys)?))
            }
            (Some(AuthMode::Jwt), _) => Ok(Self::Jwt(jwt_settings(env)?)),
        }
    }

    /// The mode (`TOKEN_SERVER_AUTH`).
    pub fn mode(&self) -> AuthMode {
        match self {
            Self::None => AuthMode::None,
            Self::ApiKey(_) => AuthMode::ApiKey,
            Self::Jwt(_) => AuthMode::Jwt,
        }
    }

    /// The effective settings as `NAME=value` lines, secrets redacted.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!("TOKEN_SERVER_AUTH={}", self.mode())];
        match self {
            Self::None => {}
            Self::ApiKey(keys) => {
                lines.push(format!(
                    "TOKEN_SERVER_API_KEYS=[REDACTED] ({} key(s))",
                    keys.len()
                ));
            }
            Self::Jwt(jwt) => {
                lines.push(match &jwt.keys {
                    JwtKeys::Hs256(_) => "AUTH_JWT_HS256_SECRET=[REDACTED]".to_owned(),
                    JwtKeys::Jwks(JwksSource::File(path)) => {
                        format!("AUTH_JWKS_FILE={}", path.display())
                    }
                    JwtKeys::Jwks(JwksSource::Url(url)) => format!("AUTH_JWKS_URL={url}"),
                });
                lines.push(format!("AUTH_JWT_ISSUER={}", jwt.issuer));
                lines.push(format!("AUTH_JWT_AUDIENCE={}", jwt.audience));
                lines.push(format!("AUTH_JWT_ROLE_CLAIM={}", jwt.role_claim));
                lines.push(format!("AUTH_JWT_ROOMS_CLAIM={}", jwt.rooms_claim));
            }
        }
        lines
    }
}

fn jwt_settings(env: &Environment) -> Result<JwtSettings, ConfigError> {
    let secret = env.get("AUTH_JWT_HS256_SECRET")?;
    let file = env.get("AUTH_JWKS_FILE")?;
    let url = env.get("AUTH_JWKS_URL")?;
    let keys = match (secret, file, url) {
        (Some(secret), None, None) => {
            if secret.chars().count() < MIN_HS256_SECRET_CHARS {
                return Err(ConfigError::invalid(
                    "AUTH_JWT_HS256_SECRET",
                    "must be at least 32 characters",
                ));
            }
            JwtKeys::Hs256(SecretString::from(secret))
        }
        (None, Some(file), None) => JwtKeys::Jwks(JwksSource::File(PathBuf::from(file))),
        (None, None, Some(url)) => {
            if crate::config::http_url(url).is_none() {
                return Err(ConfigError::invalid(
                    "AUTH_JWKS_URL",
                    "must be an http:// or https:// URL",
                ));
            }
            JwtKeys::Jwks(JwksSource::Url(url.to_owned()))
        }
        (None, None, None) => {
            return Err(ConfigError::missing(
                "AUTH_JWT_HS256_SECRET",
                "TOKEN_SERVER_AUTH=jwt needs exactly one of AUTH_JWT_HS256_SECRET, AUTH_JWKS_FILE, AUTH_JWKS_URL",
            ));
        }
        _ => {
            return Err(ConfigError::invalid(
                "AUTH_JWT_HS256_SECRET",
                "set exactly one of AUTH_JWT_HS256_SECRET, AUTH_JWKS_FILE, AUTH_JWKS_URL",
            ));
        }
    };
    let required = |name: &'static str| {
        env.get(name)?
            .map(str::to_owned)
            .ok_or_else(|| ConfigError::missing(name, "required when TOKEN_SERVER_AUTH=jwt"))
    };
    let claim = |name: &'static str, default: &str| -> Result<String, ConfigError> {
        Ok(env.get(name)?.unwrap_or(default).to_owned())
    };
    let seconds = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
        match env.get(name)? {
            None => Ok(Duration::from_secs(default)),
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= 86_400)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    ConfigError::invalid(name, "must be a whole number of seconds from 0 to 86400")
                }),
        }
    };
    let timeout = seconds("AUTH_JWKS_TIMEOUT_SECS", 5)?;
    if timeout.is_zero() {
        return Err(ConfigError::invalid(
            "AUTH_JWKS_TIMEOUT_SECS",
            "must be at least 1 second",
        ));
    }
    Ok(JwtSettings {
        keys,
        issuer: required("AUTH_JWT_ISSUER")?,
        audience: required("AUTH_JWT_AUDIENCE")?,
        role_claim: claim("AUTH_JWT_ROLE_CLAIM", "role")?,
        rooms_claim: claim("AUTH_JWT_ROOMS_CLAIM", "rooms")?,
        jwks_timeout: timeout,
        jwks_cache: seconds("AUTH_JWKS_CACHE_SECS", 300)?,
        jwks_min_refresh: seconds("AUTH_JWKS_MIN_REFRESH_SECS", 30)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_no_authentication() {
        let error = AuthConfig::from_env(&Environment::default(), AppEnv::Production).unwrap_err();
        assert_eq!(
            error.to_string(),
            "TOKEN_SERVER_AUTH is not set: required when APP_ENV=production: api-key or jwt"
        );
        let error = AuthConfig::from_env(
            &Environment::from_pairs([("TOKEN_SERVER_AUTH", "none")]),
            AppEnv::Production,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "TOKEN_SERVER_AUTH is invalid: must be api-key or jwt when APP_ENV=production"
        );
        assert!(matches!(
            AuthConfig::from_env(&Environment::default(), AppEnv::Development).unwrap(),
            AuthConfig::None
        ));
    }

    #[test]
    fn jwt_mode_needs_exactly_one_key_source_and_issuer_and_audience() {
        let base = [
            ("TOKEN_SERVER_AUTH", "jwt"),
            ("AUTH_JWT_ISSUER", "https://lms"),
            ("AUTH_JWT_AUDIENCE", "video"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let pairs: Vec<_> = base.iter().chain(extra).copied().collect();
            AuthConfig::from_env(&Environment::from_pairs(pairs), AppEnv::Production)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert!(
            with(&[])
                .unwrap_err()
                .starts_with("AUTH_JWT_HS256_SECRET is not set")
        );
        assert_eq!(
            with(&[("AUTH_JWT_HS256_SECRET", "short")]).unwrap_err(),
            "AUTH_JWT_HS256_SECRET is invalid: must be at least 32 characters"
        );
        assert!(
            with(&[
                ("AUTH_JWT_HS256_SECRET", "0123456789abcdef0123456789abcdef"),
                ("AUTH_JWKS_URL", "https://x")
            ])
            .is_err()
        );
        assert_eq!(
            with(&[("AUTH_JWKS_URL", "ftp://x")]).unwrap_err(),
            "AUTH_JWKS_URL is invalid: must be an http:// or https:// URL"
        );
        assert!(
            with(&[(
                "AUTH_JWKS_URL",
                "https://lms.example.edu/.well-known/jwks.json"
            )])
            .is_ok()
        );
        assert_eq!(
            with(&[("AUTH_JWKS_FILE", "/x"), ("AUTH_JWKS_TIMEOUT_SECS", "0")]).unwrap_err(),
            "AUTH_JWKS_TIMEOUT_SECS is invalid: must be at least 1 second"
        );
        let pairs = [
            ("TOKEN_SERVER_AUTH", "jwt"),
            ("AUTH_JWKS_FILE", "/x"),
            ("AUTH_JWT_ISSUER", "i"),
        ];
        let error =
            AuthConfig::from_env(&Environment::from_pairs(pairs), AppEnv::Development).unwrap_err();
        assert_eq!(
            error.to_string(),
            "AUTH_JWT_AUDIENCE is not set: required when TOKEN_SERVER_AUTH=jwt"
        );
    }

    #[test]
    fn describe_redacts_secrets() {
        let secret = "an-hs256-secret-that-is-long-enough!!";
        let pairs = [
            ("TOKEN_SERVER_AUTH", "jwt"),
            ("AUTH_JWT_HS256_SECRET", secret),
            ("AUTH_JWT_ISSUER", "i"),
            ("AUTH_JWT_AUDIENCE", "a"),
        ];
        let config =
            AuthConfig::from_env(&Environment::from_pairs(pairs), AppEnv::Production).unwrap();
        let text = config.describe().join("\n");
        assert!(
            !text.contains(secret) && text.contains("AUTH_JWT_HS256_SECRET=[REDACTED]"),
            "{text}"
        );
        assert!(!format!("{config:?}").contains(secret));
    }

    #[test]
    fn modes_round_trip_their_names() {
        let names = AuthMode::ALL.map(|mode| mode.to_string());
        assert_eq!(names, ["none", "api-key", "jwt"]);
        let parsed = names.each_ref().map(|name| AuthMode::from_name(name));
        assert_eq!(parsed, AuthMode::ALL.map(Some));
        assert_eq!(AuthMode::from_name("API-KEY"), None);
        let basic = Environment::from_pairs([("TOKEN_SERVER_AUTH", "basic")]);
        assert_eq!(
            AuthConfig::from_env(&basic, AppEnv::Development).map(|_| ()),
            Err(ConfigError::invalid(
                "TOKEN_SERVER_AUTH",
                "must be one of: none, api-key, jwt"
            ))
        );
    }
}
