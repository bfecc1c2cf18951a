use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;
use video_core::config::{self, AppEnv, ConfigError, Environment};
use video_core::{ProviderSettings, RoomAdmin, SessionEventReceiver, VideoProvider};

use crate::LiveKitProvider;
use crate::grants::{GrantPolicy, TrackSource};

const URL_RULE: &str = "must be a ws://, wss://, http:// or https:// URL with a host";
const API_TIMEOUT_RULE: &str = "must be a whole number of milliseconds from 100 to 60000";

/// How to reach and sign for one LiveKit deployment.
///
/// `Debug` shows the API key (it is public: every token names it as `iss`) but never the secret.
#[derive(Clone)]
pub struct LiveKitSettings {
    url: String,
    api_key: String,
    api_secret: SecretString,
    token_ttl: Duration,
    grants: GrantPolicy,
    api_url: Option<String>,
    api_timeout: Duration,
    dev_defaults: Vec<&'static str>,
}

#[derive(Deserialize)]
struct RawSettings {
    url: Option<String>,
    api_key: Option<String>,
    api_secret: Option<String>,
    token_ttl_hours: Option<String>,
    participant_sources: Option<String>,
    participant_can_publish_data: Option<String>,
    viewer_can_publish_data: Option<String>,
    api_url: Option<String>,
    api_timeout_ms: Option<String>,
}

impl LiveKitSettings {
    /// The URL of `livekit-server --dev`, used in development when `LIVEKIT_URL` is unset.
    pub const DEV_URL: &'static str = "ws://localhost:7880";
    /// The API key of `livekit-server --dev`; refused in production.
    pub const DEV_API_KEY: &'static str = "devkey";
    /// The API secret of `livekit-server --dev`; refused in production.
    pub const DEV_API_SECRET: &'static str = "secret";
    /// The token lifetime when `LIVEKIT_TOKEN_TTL_HOURS` is unset: 6 hours, as LiveKit's SDKs.
    pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);
    /// The longest accepted token lifetime: 24 hours.
    pub const MAX_TOKEN_TTL: Duration = config::MAX_TOKEN_TTL;
    /// How long one call to LiveKit's room service may take when `LIVEKIT_API_TIMEOUT_MS` is
    /// unset: 5 seconds.
    pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(5);
    /// The shortest API secret accepted in production, in characters.
    pub const MIN_PRODUCTION_SECRET_CHARS: usize = 32;

    /// Settings for the given server, key and secret, with the default token lifetime.
    ///
    /// Checks that the URL is a `ws`, `wss`, `http` or `https` URL with a host and that key
    /// and secret are not empty. The production rules of [`from_env`](Self::from_env) (secret
    /// length, no development credentials) are the caller's to apply here.
    pub fn new(url: &str, api_key: &str, api_secret: SecretString) -> Result<Self, ConfigError> {
        check_url(url)?;
        if api_key.is_empty() {
            return Err(ConfigError::invalid("LIVEKIT_API_KEY", "must not be empty"));
        }
        if api_secret.expose_secret().is_empty() {
            return Err(ConfigError::invalid(
                "LIVEKIT_API_SECRET",
                "must not be empty",
            ));
        }
        Ok(Self {
            url: url.to_owned(),
            api_key: api_key.to_owned(),
            api_secret,
            token_ttl: Self::DEFAULT_TOKEN_TTL,
            grants: GrantPolicy::default(),
            api_url: None,
            api_timeout: Self::DEFAULT_API_TIMEOUT,
            dev_defaults: Vec::new(),
        })
    }

    /// Sets the URL the server reaches LiveKit's room service at, when it differs from the one
    /// clients connect to (e.g. `http://livekit:7880` inside a Compose network).
    pub fn with_api_url(mut self, url: &str) -> Result<Self, ConfigError> {
        check_url(url).map_err(|_| ConfigError::invalid("LIVEKIT_API_URL", URL_RULE))?;
        self.api_url = Some(url.to_owned());
        Ok(self)
    }

    /// Sets how long one call to LiveKit's room service may take, from 100 ms to 60 s.
    pub fn with_api_timeout(mut self, timeout: Duration) -> Result<Self, ConfigError> {
        if !(Duration::from_millis(100)..=Duration::from_secs(60)).contains(&timeout) {
            return Err(ConfigError::invalid(
                "LIVEKIT_API_TIMEOUT_MS",
                API_TIMEOUT_RULE,
            ));
        }
        self.api_timeout = timeout;
        Ok(self)
    }

    /// Sets how long issued tokens stay valid: more than 0 and at most 24 hours, rounded to
    /// whole seconds (JWT times are whole seconds).
    pub fn with_token_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        self.token_ttl = config::whole_token_ttl("LIVEKIT_TOKEN_TTL_HOURS", ttl)?;
        Ok(self)
    }

    /// Sets what students may publish and who may chat (see [`GrantPolicy`]).
    #[must_use]
    pub fn with_grant_policy(mut self, grants: GrantPolicy) -> Self {
        self.grants = grants;
        self
    }

    /// Reads `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`,
    /// `LIVEKIT_TOKEN_TTL_HOURS`, the room service's `LIVEKIT_API_URL` (default: `LIVEKIT_URL`)
    /// and `LIVEKIT_API_TIMEOUT_MS` (default 5000), and the grant policy: `LIVEKIT_PARTICIPANT_SOURCES`
    /// (comma-separated `camera`, `microphone`, `screen_share`, `screen_share_audio`, or `none`;
    /// default `camera,microphone`), `LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA` (default `true`) and
    /// `LIVEKIT_VIEWER_CAN_PUBLISH_DATA` (default `false`).
    ///
    /// In [`AppEnv::Development`], an unset URL, key or secret falls back to the values of
    /// `livekit-server --dev` ([`DEV_URL`](Self::DEV_URL), [`DEV_API_KEY`](Self::DEV_API_KEY),
    /// [`DEV_API_SECRET`](Self::DEV_API_SECRET)); [`dev_defaults_used`](Self::dev_defaults_used)
    /// says which, so the caller can warn. In [`AppEnv::Production`] all three must be set, the
    /// secret must have at least [`MIN_PRODUCTION_SECRET_CHARS`](Self::MIN_PRODUCTION_SECRET_CHARS)
    /// characters, and the development key and secret are refused.
    pub fn from_env(env: &Environment, app_env: AppEnv) -> Result<Self, ConfigError> {
        let raw: RawSettings = env.read("LIVEKIT_")?;
        let mut dev_defaults = Vec::new();
        let mut required = |value: Option<String>, variable: &'static str, dev: &str| match value {
            Some(value) => Ok(value),
            None if app_env == AppEnv::Development => {
                dev_defaults.push(variable);
                Ok(dev.to_owned())
            }
            None => Err(ConfigError::missing(
                variable,
                "required when APP_ENV=production",
            )),
        };
        let url = required(raw.url, "LIVEKIT_URL", Self::DEV_URL)?;
        let api_key = required(raw.api_key, "LIVEKIT_API_KEY", Self::DEV_API_KEY)?;
        let api_secret = SecretString::from(required(
            raw.api_secret,
            "LIVEKIT_API_SECRET",
            Self::DEV_API_SECRET,
        )?);

        if app_env == AppEnv::Production {
            if api_key == Self::DEV_API_KEY {
                return Err(ConfigError::invalid(
                    "LIVEKIT_API_KEY",
                    "must not be the development key when APP_ENV=production",
                ));
            }
            if api_secret.expose_secret() == Self::DEV_API_SECRET {
                return Err(ConfigError::invalid(
                    "LIVEKIT_API_SECRET",
                    "must not be the development secret when APP_ENV=production",
                ));
            }
            if secret_chars(&api_secret) < Self::MIN_PRODUCTION_SECRET_CHARS {
                return Err(ConfigError::invalid(
                    "LIVEKIT_API_SECRET",
                    "must be at least 32 characters when APP_ENV=production",
                ));
            }
        }

        let token_ttl = match raw.token_ttl_hours {
            None => Self::DEFAULT_TOKEN_TTL,
            Some(hours) => config::token_ttl_hours("LIVEKIT_TOKEN_TTL_HOURS", &hours)?,
        };
        let defaults = GrantPolicy::default();
        let grants = GrantPolicy {
            participant_sources: match raw.participant_sources {
                None => defaults.participant_sources,
                Some(list) => parse_sources(&list)?,
            },
            participant_can_publish_data: parse_bool(
                raw.participant_can_publish_data,
                "LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA",
                defaults.participant_can_publish_data,
            )?,
            viewer_can_publish_data: parse_bool(
                raw.viewer_can_publish_data,
                "LIVEKIT_VIEWER_CAN_PUBLISH_DATA",
                defaults.viewer_can_publish_data,
            )?,
        };
        let mut settings = Self::new(&url, &api_key, api_secret)?
            .with_token_ttl(token_ttl)?
            .with_grant_policy(grants);
        if let Some(api_url) = raw.api_url {
            settings = settings.with_api_url(&api_url)?;
        }
        if let Some(ms) = raw.api_timeout_ms {
            let ms: u64 = ms
                .trim()
                .parse()
                .map_err(|_| ConfigError::invalid("LIVEKIT_API_TIMEOUT_MS", API_TIMEOUT_RULE))?;
            settings = settings.with_api_timeout(Duration::from_millis(ms))?;
        }
        settings.dev_defaults = dev_defaults;
        Ok(settings)
    }

    /// The URL clients connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The API key: the `iss` of every token.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The API secret that signs tokens.
    pub fn api_secret(&self) -> &SecretString {
        &self.api_secret
    }

    /// How long issued tokens stay valid (`exp - nbf`), in whole seconds.
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }

    /// What each role may do beyond the fixed parts of the role table.
    pub fn grant_policy(&self) -> &GrantPolicy {
        &self.grants
    }

    /// The URL of LiveKit's room service: `LIVEKIT_API_URL`, or the clients' URL.
    pub fn api_url(&self) -> &str {
        self.api_url.as_deref().unwrap_or(&self.url)
    }

    /// How long one call to LiveKit's room service may take.
    pub fn api_timeout(&self) -> Duration {
        self.api_timeout
    }

    /// The variables that were unset and fell back to the `livekit-server --dev` values
    /// (development only); empty when everything was configured.
    pub fn dev_defaults_used(&self) -> &[&'static str] {
        &self.dev_defaults
    }
}

impl fmt::Debug for LiveKitSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveKitSettings")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .field("api_secret", &"[REDACTED]")
            .field("token_ttl", &self.token_ttl)
            .field("grants", &self.grants)
            .field("api_url", &self.api_url)
            .field("api_timeout", &self.api_timeout)
            .field("dev_defaults", &self.dev_defaults)
            .finish()
    }
}

impl ProviderSettings for LiveKitSettings {
    fn name(&self) -> &'static str {
        crate::provider::PROVIDER
    }

    fn build(&self) -> Arc<dyn VideoProvider> {
        Arc::new(LiveKitProvider::new(self.clone()))
    }

    fn with_token_ttl(&self, ttl: Duration) -> Result<Arc<dyn ProviderSettings>, ConfigError> {
        Ok(Arc::new(self.clone().with_token_ttl(ttl)?))
    }

    /// `VIDEO_PROVIDER`, then every `LIVEKIT_*` variable as it is in effect; the secret as its
    /// length only.
    fn describe(&self) -> Vec<String> {
        let ttl = self.token_ttl.as_secs();
        let policy = &self.grants;
        vec![
            format!("LIVEKIT_URL={}", self.url),
            format!("LIVEKIT_API_KEY={}", self.api_key),
            format!(
                "LIVEKIT_API_SECRET=[REDACTED] ({} characters)",
                secret_chars(&self.api_secret)
            ),
            format!("LIVEKIT_TOKEN_TTL_HOURS={} ({ttl} s)", ttl as f64 / 3600.0),
            format!(
                "LIVEKIT_PARTICIPANT_SOURCES={}",
                source_names(&policy.participant_sources)
            ),
            format!(
                "LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA={}",
                policy.participant_can_publish_data
            ),
            format!(
                "LIVEKIT_VIEWER_CAN_PUBLISH_DATA={}",
                policy.viewer_can_publish_data
            ),
            format!("LIVEKIT_API_URL={}", self.api_url()),
            format!("LIVEKIT_API_TIMEOUT_MS={}", self.api_timeout.as_millis()),
        ]
    }

    /// One warning per development fallback, and one for an unencrypted URL in production.
    fn warnings(&self, app_env: AppEnv) -> Vec<String> {
        let mut warnings: Vec<String> = self
            .dev_defaults
            .iter()
            .map(|variable| {
                format!(
                    "{variable} is not set: using the `livekit-server --dev` value \
                     (development only; refused when APP_ENV=production)"
                )
            })
            .collect();
        let unencrypted =
            Url::parse(&self.url).is_ok_and(|url| ["ws", "http"].contains(&url.scheme()));
        if app_env == AppEnv::Production && unencrypted {
            warnings.push(
                "LIVEKIT_URL is not encrypted (ws:// or http://): browsers need wss:// \
                 or https:// outside localhost"
                    .to_owned(),
            );
        }
        warnings
    }

    fn session_events(&self) -> Option<Arc<dyn SessionEventReceiver>> {
        Some(Arc::new(crate::webhooks::LiveKitWebhooks::new(self)))
    }

    fn room_admin(&self) -> Option<Arc<dyn RoomAdmin>> {
        Some(Arc::new(crate::LiveKitRoomAdmin::new(self)))
    }
}

/// `camera,microphone`, or `none`.
fn source_names(sources: &[TrackSource]) -> String {
    if sources.is_empty() {
        return "none".to_owned();
    }
    sources
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A URL the `url` crate parses, with one of the accepted schemes and a host, written out in
/// full: the parser silently drops white space and control characters and repairs `ws:/host`,
/// which a configured URL should not rely on.
fn check_url(raw: &str) -> Result<(), ConfigError> {
    let invalid = || ConfigError::invalid("LIVEKIT_URL", URL_RULE);
    let url = Url::parse(raw).map_err(|_| invalid())?;
    let scheme_ok = ["ws", "wss", "http", "https"].contains(&url.scheme());
    let written_out = raw
        .get(url.scheme().len()..)
        .is_some_and(|rest| rest.starts_with("://"));
    let clean = !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if scheme_ok && written_out && clean && url.host_str().is_some_and(|h| !h.is_empty()) {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// The secret's length in characters (the production rule, and `describe`).
fn secret_chars(secret: &SecretString) -> usize {
    secret.expose_secret().chars().count()
}

fn parse_sources(list: &str) -> Result<Vec<TrackSource>, ConfigError> {
    const RULE: &str = "must be `none` or a comma-separated list of: camera, microphone, \
                        screen_share, screen_share_audio";
    if list.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut sources = Vec::new();
    for name in list.split(',').map(str::trim) {
        let source = TrackSource::from_name(name)
            .ok_or_else(|| ConfigError::invalid("LIVEKIT_PARTICIPANT_SOURCES", RULE))?;
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    Ok(sources)
}

fn parse_bool(
    value: Option<String>,
    variable: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(ConfigError::invalid(variable, "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use video_core::config::TOKEN_TTL_RULE as TTL_RULE;

    const STRONG: &str = "0123456789abcdef0123456789abcdef";

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn development_falls_back_to_livekit_dev_server_and_says_so() {
        let settings = LiveKitSettings::from_env(&env(&[]), AppEnv::Development).unwrap();
        assert_eq!(settings.url(), "ws://localhost:7880");
        assert_eq!(settings.api_key(), "devkey");
        assert_eq!(settings.api_secret().expose_secret(), "secret");
        assert_eq!(settings.token_ttl(), Duration::from_secs(6 * 3600));
        assert_eq!(
            settings.dev_defaults_used(),
            ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"]
        );
    }

    #[test]
    fn explicit_values_are_used_as_given() {
        let settings = LiveKitSettings::from_env(
            &env(&[
                ("LIVEKIT_URL", "wss://video.example.edu"),
                ("LIVEKIT_API_KEY", "APIkey"),
                ("LIVEKIT_API_SECRET", STRONG),
                ("LIVEKIT_TOKEN_TTL_HOURS", "0.25"),
            ]),
            AppEnv::Production,
        )
        .unwrap();
        assert_eq!(settings.url(), "wss://video.example.edu");
        assert_eq!(settings.api_key(), "APIkey");
        assert_eq!(settings.token_ttl(), Duration::from_secs(900));
        assert!(settings.dev_defaults_used().is_empty());
    }

    #[test]
    fn production_requires_each_credential() {
        let full = [
            ("LIVEKIT_URL", "wss://video.example.edu"),
            ("LIVEKIT_API_KEY", "APIkey"),
            ("LIVEKIT_API_SECRET", STRONG),
        ];
        for missing in ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"] {
            let pairs: Vec<_> = full
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let error = LiveKitSettings::from_env(&env(&pairs), AppEnv::Production).unwrap_err();
            assert_eq!(
                error,
                ConfigError::missing(missing, "required when APP_ENV=production")
            );
        }
    }

    #[test]
    fn production_refuses_weak_or_development_credentials_without_echoing_them() {
        let cases = [
            (
                "devkey",
                STRONG,
                "LIVEKIT_API_KEY",
                "must not be the development key when APP_ENV=production",
            ),
            (
                "APIkey",
                "secret",
                "LIVEKIT_API_SECRET",
                "must not be the development secret when APP_ENV=production",
            ),
            (
                "APIkey",
                "short-but-not-dev-31-characters",
                "LIVEKIT_API_SECRET",
                "must be at least 32 characters when APP_ENV=production",
            ),
        ];
        for (key, secret, variable, rule) in cases {
            let pairs = [
                ("LIVEKIT_URL", "wss://video.example.edu"),
                ("LIVEKIT_API_KEY", key),
                ("LIVEKIT_API_SECRET", secret),
            ];
            let error = LiveKitSettings::from_env(&env(&pairs), AppEnv::Production).unwrap_err();
            // The whole error is the variable and the rule: no room for the value.
            assert_eq!(error, ConfigError::invalid(variable, rule));
        }
        // 32 multi-byte characters are enough: the rule counts characters.
        let pairs = [
            ("LIVEKIT_URL", "wss://x"),
            ("LIVEKIT_API_KEY", "k"),
            ("LIVEKIT_API_SECRET", "é".repeat(32).leak() as &str),
        ];
        assert!(LiveKitSettings::from_env(&env(&pairs), AppEnv::Production).is_ok());
    }

    #[test]
    fn url_must_have_a_supported_scheme_and_a_host() {
        for ok in [
            "ws://localhost:7880",
            "wss://video.example.edu/",
            "http://10.0.0.5:7880",
            "HTTPS://Video.Example.edu",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "localhost:7880",
            "ftp://x",
            "ws://",
            "wss://:7880",
            "ws:/x",
            "ws://ho st",
            "wss://x\n",
            "",
            "é://x",
        ] {
            assert_eq!(
                check_url(bad),
                Err(ConfigError::invalid("LIVEKIT_URL", URL_RULE)),
                "{bad:?}"
            );
        }
        let error =
            LiveKitSettings::from_env(&env(&[("LIVEKIT_URL", "gopher://x")]), AppEnv::Development)
                .unwrap_err();
        assert_eq!(error.variable(), "LIVEKIT_URL");
    }

    #[test]
    fn ttl_must_be_positive_and_at_most_a_day() {
        for (hours, seconds) in [
            ("6", 21_600),
            ("24", 86_400),
            ("0.25", 900),
            (" 1.5 ", 5_400),
            ("1e-3", 4),
        ] {
            let settings = LiveKitSettings::from_env(
                &env(&[("LIVEKIT_TOKEN_TTL_HOURS", hours)]),
                AppEnv::Development,
            )
            .unwrap();
            assert_eq!(
                settings.token_ttl(),
                Duration::from_secs(seconds),
                "{hours}"
            );
        }
        for bad in ["0", "-1", "24.01", "NaN", "inf", "six", "0.0001"] {
            let error = LiveKitSettings::from_env(
                &env(&[("LIVEKIT_TOKEN_TTL_HOURS", bad)]),
                AppEnv::Development,
            )
            .unwrap_err();
            assert_eq!(
                error,
                ConfigError::invalid("LIVEKIT_TOKEN_TTL_HOURS", TTL_RULE),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_grant_policy_is_read_from_the_environment() {
        let settings = LiveKitSettings::from_env(&env(&[]), AppEnv::Development).unwrap();
        assert_eq!(settings.grant_policy(), &GrantPolicy::default());
        let settings = LiveKitSettings::from_env(
            &env(&[
                (
                    "LIVEKIT_PARTICIPANT_SOURCES",
                    " camera, microphone,screen_share,camera",
                ),
                ("LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA", "false"),
                ("LIVEKIT_VIEWER_CAN_PUBLISH_DATA", "true"),
            ]),
            AppEnv::Development,
        )
        .unwrap();
        let policy = settings.grant_policy();
        assert_eq!(
            policy.participant_sources,
            [
                TrackSource::Camera,
                TrackSource::Microphone,
                TrackSource::ScreenShare
            ]
        );
        assert!(!policy.participant_can_publish_data && policy.viewer_can_publish_data);
        let none = LiveKitSettings::from_env(
            &env(&[("LIVEKIT_PARTICIPANT_SOURCES", "none")]),
            AppEnv::Development,
        )
        .unwrap();
        assert!(none.grant_policy().participant_sources.is_empty());
        for (variable, value, rule) in [
            (
                "LIVEKIT_PARTICIPANT_SOURCES",
                "camera,webcam",
                "must be `none` or a comma-separated list of: camera, microphone, screen_share, screen_share_audio",
            ),
            (
                "LIVEKIT_PARTICIPANT_SOURCES",
                "camera,",
                "must be `none` or a comma-separated list of: camera, microphone, screen_share, screen_share_audio",
            ),
            (
                "LIVEKIT_VIEWER_CAN_PUBLISH_DATA",
                "yes",
                "must be true or false",
            ),
            (
                "LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA",
                "TRUE",
                "must be true or false",
            ),
        ] {
            let error = LiveKitSettings::from_env(&env(&[(variable, value)]), AppEnv::Development)
                .unwrap_err();
            assert_eq!(error, ConfigError::invalid(variable, rule), "{value}");
        }
    }

    #[test]
    fn new_refuses_empty_credentials() {
        assert_eq!(
            LiveKitSettings::new("ws://x", "", STRONG.into()).unwrap_err(),
            ConfigError::invalid("LIVEKIT_API_KEY", "must not be empty")
        );
        assert_eq!(
            LiveKitSettings::new("ws://x", "k", "".into()).unwrap_err(),
            ConfigError::invalid("LIVEKIT_API_SECRET", "must not be empty")
        );
        let settings = LiveKitSettings::new("ws://x", "k", STRONG.into()).unwrap();
        assert_eq!(
            settings
                .with_token_ttl(Duration::from_millis(1_500))
                .unwrap()
                .token_ttl(),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn the_room_service_address_and_timeout_are_read_and_checked() {
        let settings = LiveKitSettings::from_env(&env(&[]), AppEnv::Development).unwrap();
        assert_eq!(
            settings.api_url(),
            LiveKitSettings::DEV_URL,
            "the clients' URL"
        );
        assert_eq!(settings.api_timeout(), Duration::from_secs(5));
        let settings = LiveKitSettings::from_env(
            &env(&[
                ("LIVEKIT_API_URL", "http://livekit:7880"),
                ("LIVEKIT_API_TIMEOUT_MS", " 1500 "),
            ]),
            AppEnv::Development,
        )
        .unwrap();
        assert_eq!(settings.api_url(), "http://livekit:7880");
        assert_eq!(settings.url(), LiveKitSettings::DEV_URL);
        assert_eq!(settings.api_timeout(), Duration::from_millis(1500));
        let text = settings.describe().join("\n");
        assert!(
            text.contains("LIVEKIT_API_URL=http://livekit:7880"),
            "{text}"
        );
        assert!(text.contains("LIVEKIT_API_TIMEOUT_MS=1500"), "{text}");
        for (name, value, rule) in [
            ("LIVEKIT_API_URL", "livekit:7880", URL_RULE),
            ("LIVEKIT_API_TIMEOUT_MS", "99", API_TIMEOUT_RULE),
            ("LIVEKIT_API_TIMEOUT_MS", "60001", API_TIMEOUT_RULE),
            ("LIVEKIT_API_TIMEOUT_MS", "5s", API_TIMEOUT_RULE),
        ] {
            let error = LiveKitSettings::from_env(&env(&[(name, value)]), AppEnv::Development)
                .unwrap_err()
                .to_string();
            assert_eq!(error, format!("{name} is invalid: {rule}"));
        }
    }

    #[test]
    fn describes_builds_and_warns_as_a_provider() {
        let settings = LiveKitSettings::from_env(&env(&[]), AppEnv::Development).unwrap();
        let provider: &dyn ProviderSettings = &settings;
        assert_eq!(provider.name(), "livekit");
        assert_eq!(provider.build().name(), "livekit");
        assert_eq!(
            provider.room_admin().map(|admin| admin.provider()),
            Some("livekit")
        );
        let warnings = provider.warnings(AppEnv::Development).join("\n");
        assert!(
            warnings
                .contains("LIVEKIT_API_SECRET is not set: using the `livekit-server --dev` value"),
            "{warnings}"
        );
        let production = LiveKitSettings::from_env(
            &env(&[
                ("LIVEKIT_URL", "ws://video.example.edu"),
                ("LIVEKIT_API_KEY", "APIkey"),
                ("LIVEKIT_API_SECRET", STRONG),
                ("LIVEKIT_PARTICIPANT_SOURCES", "none"),
            ]),
            AppEnv::Production,
        )
        .unwrap();
        assert_eq!(
            production.warnings(AppEnv::Production),
            [
                "LIVEKIT_URL is not encrypted (ws:// or http://): browsers need wss:// or https:// outside localhost"
            ]
        );
        let text = production.describe().join("\n");
        assert!(!text.contains(STRONG), "{text}");
        assert!(
            !text.contains("VIDEO_PROVIDER"),
            "the server says which: {text}"
        );
        for line in [
            "LIVEKIT_URL=ws://video.example.edu",
            "LIVEKIT_API_KEY=APIkey",
            "LIVEKIT_API_SECRET=[REDACTED] (32 characters)",
            "LIVEKIT_TOKEN_TTL_HOURS=6 (21600 s)",
            "LIVEKIT_PARTICIPANT_SOURCES=none",
            "LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA=true",
            "LIVEKIT_VIEWER_CAN_PUBLISH_DATA=false",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in {text}");
        }
        let shorter = provider
            .with_token_ttl(Duration::from_secs(900))
            .unwrap()
            .describe();
        assert!(
            shorter.contains(&"LIVEKIT_TOKEN_TTL_HOURS=0.25 (900 s)".to_owned()),
            "{shorter:?}"
        );
        assert!(
            shorter.contains(&"LIVEKIT_PARTICIPANT_SOURCES=camera,microphone".to_owned()),
            "{shorter:?}"
        );
        assert!(provider.with_token_ttl(Duration::ZERO).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let settings = LiveKitSettings::new("ws://x", "APIkey", STRONG.into()).unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains(STRONG) && debug.contains("[REDACTED]") && debug.contains("APIkey"),
            "{debug}"
        );
    }
}
