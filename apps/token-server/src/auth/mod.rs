//! Caller authentication and authorization: who may ask for a token, and for what.
//!
//! `TOKEN_SERVER_AUTH` picks the mode:
//!
//! | mode | caller | `user` and `role` |
//! |---|---|---|
//! | `none` | anyone (development only) | taken from the query |
//! | `api-key` | the LMS back end, `Authorization: Bearer <key>` | taken from the query: the back end is trusted |
//! | `jwt` | the browser, `Authorization: Bearer <LMS session JWT>` | `user` must be the token's `sub`; the role may be lowered, never raised; the room must match the token's rooms claim |

mod api_key;
mod jwks;
mod jwt;

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use video_core::config::{AppEnv, ConfigError, Environment};
use video_core::{DisplayName, JoinRequest, ParticipantIdentity, Role, RoomName};

pub use api_key::ApiKeys;
pub use jwks::{JwksError, JwksSource};
pub use jwt::{JwtKeys, JwtSettings, LEEWAY_SECS};

/// The shortest accepted `AUTH_JWT_HS256_SECRET`, in characters.
pub const MIN_HS256_SECRET_CHARS: usize = 32;

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
        let mode = env.get("TOKEN_SERVER_AUTH")?;
        match (mode, app_env) {
            (None, AppEnv::Production) => Err(ConfigError::missing(
                "TOKEN_SERVER_AUTH",
                "required when APP_ENV=production: api-key or jwt",
            )),
            (Some("none"), AppEnv::Production) => Err(ConfigError::invalid(
                "TOKEN_SERVER_AUTH",
                "must be api-key or jwt when APP_ENV=production",
            )),
            (None | Some("none"), AppEnv::Development) => Ok(Self::None),
            (Some("api-key"), _) => {
                let keys = env.get("TOKEN_SERVER_API_KEYS")?.ok_or_else(|| {
                    ConfigError::missing(
                        "TOKEN_SERVER_API_KEYS",
                        "required when TOKEN_SERVER_AUTH=api-key",
                    )
                })?;
                Ok(Self::ApiKey(ApiKeys::parse(keys)?))
            }
            (Some("jwt"), _) => Ok(Self::Jwt(jwt_settings(env)?)),
            (Some(_), _) => Err(ConfigError::invalid(
                "TOKEN_SERVER_AUTH",
                "must be one of: none, api-key, jwt",
            )),
        }
    }

    /// The mode's name, as in `TOKEN_SERVER_AUTH`.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ApiKey(_) => "api-key",
            Self::Jwt(_) => "jwt",
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
            let scheme_ok = ["http://", "https://"].iter().any(|s| {
                url.get(..s.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(s))
            });
            if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
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

    /// The mode's name, for the audit log.
    pub fn mode(&self) -> &'static str {
        match self.inner {
            Inner::None => "none",
            Inner::ApiKey(_) => "api-key",
            Inner::Jwt(_) => "jwt",
        }
    }

    /// Whether this mode needs credentials at all.
    pub fn requires_credentials(&self) -> bool {
        !matches!(self.inner, Inner::None)
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

/// Who is asking.
#[derive(Debug)]
pub enum Caller {
    /// Anyone (`TOKEN_SERVER_AUTH=none`).
    Anyone,
    /// The LMS back end (`api-key`): trusted with `user` and `role`.
    Backend,
    /// A user with an LMS session token (`jwt`).
    User(UserGrant),
}

/// What an LMS session token allows.
#[derive(Debug)]
pub struct UserGrant {
    /// The token's `sub`.
    pub identity: ParticipantIdentity,
    /// The highest role the token grants (`None`: the claim is absent or not a role).
    pub role: Option<Role>,
    /// The rooms the token allows.
    pub rooms: RoomPatterns,
    /// The token's `name`, used when the query has none.
    pub name: Option<DisplayName>,
}

/// Room names or `prefix*` patterns from the rooms claim.
#[derive(Debug, Default)]
pub struct RoomPatterns {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl RoomPatterns {
    /// No room at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// `name` matches exactly; `prefix*` matches every room starting with `prefix` (`*` alone
    /// matches every room). A `*` anywhere else is a literal character.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut rooms = Self::default();
        for pattern in patterns {
            match pattern.strip_suffix('*') {
                Some(prefix) => rooms.prefixes.push(prefix.to_owned()),
                None => rooms.exact.push(pattern.to_owned()),
            }
        }
        rooms
    }

    /// Whether `room` is allowed.
    pub fn allows(&self, room: &RoomName) -> bool {
        let room = room.as_str();
        self.exact.iter().any(|r| r == room)
            || self.prefixes.iter().any(|p| room.starts_with(p.as_str()))
    }
}

/// Why an authenticated caller may not have the token asked for (403), or what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// `user` is not the session token's `sub`.
    UserMismatch,
    /// The room is not among the token's rooms.
    RoomNotAllowed,
    /// The role asked for is above the token's role, or the token grants none.
    RoleNotAllowed,
    /// `user` is required (no session token names the caller).
    MissingUser,
}

/// A token request after parsing, before authorization.
#[derive(Debug)]
pub struct TokenQuery {
    /// `room`.
    pub room: RoomName,
    /// `user`, if given.
    pub user: Option<ParticipantIdentity>,
    /// `name`, if given.
    pub name: Option<DisplayName>,
    /// `role`, if given.
    pub role: Option<Role>,
}

/// Privilege order: host > participant > viewer.
fn rank(role: Role) -> u8 {
    match role {
        Role::Host => 2,
        Role::Participant => 1,
        Role::Viewer => 0,
    }
}

impl Caller {
    /// Decides what `query` becomes for this caller.
    pub fn authorize(self, query: TokenQuery) -> Result<JoinRequest, Denied> {
        let TokenQuery {
            room,
            user,
            name,
            role,
        } = query;
        let (identity, role, name) = match self {
            Caller::Anyone | Caller::Backend => (
                user.ok_or(Denied::MissingUser)?,
                role.unwrap_or_default(),
                name,
            ),
            Caller::User(grant) => {
                if user.is_some_and(|user| user != grant.identity) {
                    return Err(Denied::UserMismatch);
                }
                if !grant.rooms.allows(&room) {
                    return Err(Denied::RoomNotAllowed);
                }
                let granted = grant.role.ok_or(Denied::RoleNotAllowed)?;
                let role = role.unwrap_or(granted);
                if rank(role) > rank(granted) {
                    return Err(Denied::RoleNotAllowed);
                }
                (grant.identity, role, name.or(grant.name))
            }
        };
        let request = JoinRequest::new(room, identity, role);
        Ok(match name {
            Some(name) => request.with_display_name(name),
            None => request,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn production_refuses_no_authentication() {
        let error = AuthConfig::from_env(&env(&[]), AppEnv::Production).unwrap_err();
        assert_eq!(
            error.to_string(),
            "TOKEN_SERVER_AUTH is not set: required when APP_ENV=production: api-key or jwt"
        );
        let error =
            AuthConfig::from_env(&env(&[("TOKEN_SERVER_AUTH", "none")]), AppEnv::Production)
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "TOKEN_SERVER_AUTH is invalid: must be api-key or jwt when APP_ENV=production"
        );
        assert!(matches!(
            AuthConfig::from_env(&env(&[]), AppEnv::Development).unwrap(),
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
            AuthConfig::from_env(&env(&pairs), AppEnv::Production)
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
        let error = AuthConfig::from_env(&env(&pairs), AppEnv::Development).unwrap_err();
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
        let config = AuthConfig::from_env(&env(&pairs), AppEnv::Production).unwrap();
        let text = config.describe().join("\n");
        assert!(
            !text.contains(secret) && text.contains("AUTH_JWT_HS256_SECRET=[REDACTED]"),
            "{text}"
        );
        assert!(!format!("{config:?}").contains(secret));
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer abc"), Ok("abc"));
        assert_eq!(bearer("bearer  abc"), Ok("abc"));
        for bad in ["Basic abc", "Bearer", "Bearer ", "Bearer a b", "abc"] {
            assert!(bearer(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn room_patterns() {
        let rooms = RoomPatterns::new(["physics-101", "chem-*", "a*b"]);
        let room = |r: &str| RoomName::parse(r).unwrap();
        assert!(
            rooms.allows(&room("physics-101"))
                && rooms.allows(&room("chem-lab-2"))
                && rooms.allows(&room("chem-"))
        );
        assert!(
            !rooms.allows(&room("physics-1010"))
                && !rooms.allows(&room("Chem-1"))
                && !rooms.allows(&room("axb"))
        );
        assert!(RoomPatterns::new(["*"]).allows(&room("anything")));
        assert!(!RoomPatterns::none().allows(&room("anything")));
    }

    fn user(role: Option<Role>, rooms: &[&str]) -> Caller {
        Caller::User(UserGrant {
            identity: ParticipantIdentity::parse("u1").unwrap(),
            role,
            rooms: RoomPatterns::new(rooms.iter().copied()),
            name: Some(DisplayName::parse("From Token").unwrap()),
        })
    }

    fn query(user: Option<&str>, role: Option<Role>) -> TokenQuery {
        TokenQuery {
            room: RoomName::parse("r1").unwrap(),
            user: user.map(|u| ParticipantIdentity::parse(u).unwrap()),
            name: None,
            role,
        }
    }

    #[test]
    fn users_may_lower_their_role_never_raise_it() {
        let request = user(Some(Role::Participant), &["r1"])
            .authorize(query(None, None))
            .unwrap();
        assert_eq!(
            (request.identity().as_str(), request.role()),
            ("u1", Role::Participant)
        );
        assert_eq!(request.display_name().unwrap().as_str(), "From Token");
        let lowered = user(Some(Role::Host), &["r1"])
            .authorize(query(Some("u1"), Some(Role::Viewer)))
            .unwrap();
        assert_eq!(lowered.role(), Role::Viewer);
        let raised =
            user(Some(Role::Participant), &["r1"]).authorize(query(None, Some(Role::Host)));
        assert_eq!(raised.unwrap_err(), Denied::RoleNotAllowed);
        assert_eq!(
            user(None, &["r1"])
                .authorize(query(None, None))
                .unwrap_err(),
            Denied::RoleNotAllowed
        );
    }

    #[test]
    fn users_are_held_to_their_identity_and_rooms() {
        assert_eq!(
            user(Some(Role::Host), &["r1"])
                .authorize(query(Some("u2"), None))
                .unwrap_err(),
            Denied::UserMismatch
        );
        assert_eq!(
            user(Some(Role::Host), &["r2", "x*"])
                .authorize(query(None, None))
                .unwrap_err(),
            Denied::RoomNotAllowed
        );
        assert_eq!(
            user(Some(Role::Host), &[])
                .authorize(query(None, None))
                .unwrap_err(),
            Denied::RoomNotAllowed
        );
    }

    #[test]
    fn trusted_callers_name_the_user_and_default_to_participant() {
        assert_eq!(
            Caller::Backend.authorize(query(None, None)).unwrap_err(),
            Denied::MissingUser
        );
        let request = Caller::Anyone.authorize(query(Some("u9"), None)).unwrap();
        assert_eq!(
            (request.identity().as_str(), request.role()),
            ("u9", Role::Participant)
        );
    }
}
