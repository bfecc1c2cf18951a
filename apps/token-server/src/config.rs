//! The server's configuration: where to listen, which environment, which provider.

use std::net::IpAddr;
use std::path::PathBuf;

use url::{Host, Url};
use video_core::config::{AppEnv, ConfigError, Environment, Settings};

use crate::attendance::AttendanceConfig;
use crate::auth::AuthConfig;
use crate::metrics::MetricsConfig;
use crate::providers::EnabledProviders;
use crate::rate_limit::RateLimitConfig;

/// Everything the server needs, parsed once at startup.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `HOST`: the address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// `PORT`: the port to bind (default `8080`; `0` picks a free port).
    pub port: u16,
    /// `APP_ENV`: development or production.
    pub app_env: AppEnv,
    /// `WEB_DIST_DIR`: the built web page, served at `/` when it holds an `index.html`
    /// (default `apps/web/dist`, relative to the working directory).
    pub web_dist_dir: PathBuf,
    /// The enabled video providers: `VIDEO_PROVIDER` (the default), `VIDEO_PROVIDERS`, and each
    /// one's own variables.
    pub providers: EnabledProviders,
    /// How callers authenticate (`TOKEN_SERVER_AUTH` and its variables).
    pub auth: AuthConfig,
    /// `CORS_ALLOWED_ORIGINS`: browser origins allowed to call the API from other sites.
    pub cors_allowed_origins: Vec<String>,
    /// `RATE_LIMIT_*`: limits on the token endpoint.
    pub rate_limits: RateLimitConfig,
    /// Attendance storage: `DATA_DIR` or `DATABASE_URL`, and `ATTENDANCE_RETENTION_DAYS`.
    pub attendance: AttendanceConfig,
    /// `METRICS_ADDR`: the separate listener of `GET /metrics`, or none (metrics off).
    pub metrics: MetricsConfig,
    /// `LISTEN_FDS` is set: listen on the socket a supervisor (systemd, or any process that
    /// follows its socket-activation protocol) passed as file descriptor 3, not on `HOST:PORT`.
    pub socket_activation: bool,
}

impl ServerConfig {
    /// The default `HOST`.
    pub const DEFAULT_HOST: &'static str = "127.0.0.1";
    /// The default `PORT`.
    pub const DEFAULT_PORT: u16 = 8080;
    /// The default `WEB_DIST_DIR`.
    pub const DEFAULT_WEB_DIST_DIR: &'static str = "apps/web/dist";

    /// Reads and checks every variable. The error names the variable and the rule it broke.
    ///
    /// Installs jsonwebtoken's RustCrypto provider first (`install_crypto_provider`): a
    /// provider's settings may sign to check their key (Google Meet's RS256 service-account key).
    pub fn from_env(env: &Environment) -> Result<Self, ConfigError> {
        crate::auth::install_crypto_provider();
        let settings = Settings::from_env(env)?;
        let host = match env.get("HOST")? {
            None => IpAddr::from([127, 0, 0, 1]),
            Some(host) => host.parse().map_err(|_| {
                ConfigError::invalid("HOST", "must be an IP address, e.g. 127.0.0.1 or 0.0.0.0")
            })?,
        };
        let port = match env.get("PORT")? {
            None => Self::DEFAULT_PORT,
            Some(port) => port.parse().map_err(|_| {
                ConfigError::invalid("PORT", "must be a whole number from 0 to 65535")
            })?,
        };
        let web_dist_dir = PathBuf::from(
            env.get("WEB_DIST_DIR")?
                .unwrap_or(Self::DEFAULT_WEB_DIST_DIR),
        );
        let providers = EnabledProviders::from_env(&settings, env)?;
        let socket_activation = match env.get("LISTEN_FDS")? {
            None => false,
            Some("1") => true,
            Some(_) => {
                return Err(ConfigError::invalid(
                    "LISTEN_FDS",
                    "must be 1: the server listens on exactly one passed socket",
                ));
            }
        };
        Ok(Self {
            host,
            port,
            app_env: settings.app_env,
            web_dist_dir,
            providers,
            auth: AuthConfig::from_env(env, settings.app_env)?,
            cors_allowed_origins: cors_origins(env.get("CORS_ALLOWED_ORIGINS")?)?,
            rate_limits: RateLimitConfig::from_env(env)?,
            attendance: AttendanceConfig::from_env(env)?,
            metrics: MetricsConfig::from_env(env)?,
            socket_activation,
        })
    }

    /// The web page's directory, if it holds a built page (`index.html`).
    pub fn web_page_dir(&self) -> Option<&std::path::Path> {
        Some(self.web_dist_dir.as_path()).filter(|dir| dir.join("index.html").is_file())
    }

    /// Warnings to log at startup: development fallbacks and risky choices.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.providers.warnings(self.app_env);
        if let AuthConfig::None = self.auth {
            warnings.push(
                "TOKEN_SERVER_AUTH=none: any caller may request a token for any room, user and \
                 role; never expose this server to untrusted networks (development only)"
                    .to_owned(),
            );
        }
        warnings
    }

    /// The effective configuration as `NAME=value` lines, secrets redacted (for `check-config`).
    pub fn describe(&self) -> Vec<String> {
        let page = match self.web_page_dir() {
            Some(_) => "serves the web page at /",
            None => "no index.html there: the web page is not served",
        };
        let listen = if self.socket_activation {
            " (not used: LISTEN_FDS=1, listening on the passed socket)"
        } else {
            ""
        };
        let mut lines = vec![
            format!("APP_ENV={}", self.app_env),
            format!("HOST={}{listen}", self.host),
            format!("PORT={}{listen}", self.port),
            format!("WEB_DIST_DIR={} ({page})", self.web_dist_dir.display()),
        ];
        lines.extend(self.providers.describe());
        lines.extend(self.auth.describe());
        lines.push(format!(
            "CORS_ALLOWED_ORIGINS={}",
            self.cors_allowed_origins.join(",")
        ));
        lines.extend(self.rate_limits.describe());
        lines.extend(self.attendance.describe());
        lines.push(self.metrics.describe());
        lines
    }
}

/// Parses `CORS_ALLOWED_ORIGINS`: comma-separated exact origins (`scheme://host[:port]`).
fn cors_origins(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let rule = "must be a comma-separated list of origins such as https://lms.example.edu \
                (http or https, a host, an optional port, no path, no wildcard)";
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(str::trim)
        .map(|origin| {
            let is_origin = http_url(origin).is_some_and(|url| {
                // A host name of letters, digits, `-` and `.` (no `*`), or an IP address.
                let host_ok = match url.host() {
                    Some(Host::Domain(name)) => name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
                    Some(Host::Ipv4(_) | Host::Ipv6(_)) => true,
                    None => false,
                };
                host_ok
                    && url.path() == "/"
                    && !origin.ends_with('/')
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && url.username().is_empty()
                    && url.password().is_none()
            });
            if is_origin {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError::invalid("CORS_ALLOWED_ORIGINS", rule))
            }
        })
        .collect()
}

/// `raw` as an `http` or `https` URL with a host, as the `url` crate parses it, when it is
/// written out in full: the parser would silently drop white space and control characters and
/// repair `https:/host`, which a configured URL should not rely on.
pub(crate) fn http_url(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let written_out = raw
        .get(url.scheme().len()..)
        .is_some_and(|rest| rest.starts_with("://"));
    let clean = !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    let has_host = url.host_str().is_some_and(|host| !host.is_empty());
    (["http", "https"].contains(&url.scheme()) && written_out && clean && has_host).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_work_with_no_variables_set() {
        let config = ServerConfig::from_env(&env(&[])).unwrap();
        assert_eq!(config.host.to_string(), "127.0.0.1");
        assert_eq!(config.port, 8080);
        assert_eq!(config.app_env, AppEnv::Development);
        assert_eq!(config.web_dist_dir, PathBuf::from("apps/web/dist"));
        let warnings = config.warnings().join("\n");
        assert!(warnings.contains("LIVEKIT_API_SECRET"), "{warnings}");
    }

    #[test]
    fn bad_values_name_the_variable_and_rule() {
        let cases = [
            (
                "HOST",
                "localhost",
                "HOST is invalid: must be an IP address, e.g. 127.0.0.1 or 0.0.0.0",
            ),
            (
                "PORT",
                "80800",
                "PORT is invalid: must be a whole number from 0 to 65535",
            ),
            (
                "PORT",
                "-1",
                "PORT is invalid: must be a whole number from 0 to 65535",
            ),
            (
                "APP_ENV",
                "staging",
                "APP_ENV is invalid: must be one of: development, production",
            ),
            (
                "VIDEO_PROVIDER",
                "zoom",
                "VIDEO_PROVIDER is invalid: must be one of: livekit, daily, twilio, google-meet",
            ),
        ];
        for (variable, value, message) in cases {
            let error = ServerConfig::from_env(&env(&[(variable, value)])).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn cors_origins_are_exact_http_origins() {
        let origins = cors_origins(Some(
            "https://lms.example.edu, http://localhost:5173,http://127.0.0.1:8080,http://[::1]:3000",
        ))
        .unwrap();
        assert_eq!(
            origins,
            [
                "https://lms.example.edu",
                "http://localhost:5173",
                "http://127.0.0.1:8080",
                "http://[::1]:3000"
            ]
        );
        for bad in [
            "lms.example.edu",
            "ftp://lms.example.edu",
            "https://",
            "https://:443",
            "https://lms.example.edu/",
            "https://lms.example.edu/path",
            "https://lms.example.edu?x=1",
            "https://*.example.edu",
            "https://user@lms.example.edu",
            "https:/lms.example.edu",
            "https://lms.example.edu,",
            "https://lms\t.example.edu",
        ] {
            let error = cors_origins(Some(bad)).unwrap_err();
            assert_eq!(error.variable(), "CORS_ALLOWED_ORIGINS", "{bad:?}");
        }
    }

    #[test]
    fn describe_redacts_the_secret() {
        let secret = "an-api-secret-that-is-long-enough-0123";
        let config = ServerConfig::from_env(&env(&[
            ("APP_ENV", "production"),
            ("HOST", "0.0.0.0"),
            ("LIVEKIT_URL", "wss://video.example.edu"),
            ("LIVEKIT_API_KEY", "APIkey"),
            ("LIVEKIT_API_SECRET", secret),
            ("TOKEN_SERVER_AUTH", "api-key"),
            (
                "TOKEN_SERVER_API_KEYS",
                "lms-backend-key-0123456789abcdef0123",
            ),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://lms.example.edu, http://localhost:5173",
            ),
        ]))
        .unwrap();
        let text = config.describe().join("\n");
        assert!(!text.contains("lms-backend-key"), "{text}");
        assert!(
            text.contains("TOKEN_SERVER_API_KEYS=[REDACTED] (1 key(s))"),
            "{text}"
        );
        assert!(
            text.contains("CORS_ALLOWED_ORIGINS=https://lms.example.edu,http://localhost:5173"),
            "{text}"
        );
        assert!(!text.contains(secret), "{text}");
        assert!(
            text.contains("LIVEKIT_API_SECRET=[REDACTED] (38 characters)"),
            "{text}"
        );
        assert!(
            text.contains("HOST=0.0.0.0") && text.contains("LIVEKIT_API_KEY=APIkey"),
            "{text}"
        );
        assert!(
            text.contains("LIVEKIT_PARTICIPANT_SOURCES=camera,microphone"),
            "{text}"
        );
        assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    }
}
