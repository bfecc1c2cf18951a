use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use video_core::config::{self, AppEnv, ConfigError, Environment};
use video_core::{ProviderSettings, VideoProvider};

use crate::DailyProvider;

pub(crate) const DOMAIN_RULE: &str = "must be the subdomain of your Daily domain (the `example` of \
     example.daily.co): 1 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen";
pub(crate) const DOMAIN_ID_RULE: &str =
    "must be the domain_id of your Daily domain: a UUID (8-4-4-4-12 hexadecimal digits)";

/// How to sign meeting tokens for one Daily domain.
///
/// `Debug` shows the domain and its id (both are in every token and room URL) but never the API
/// key.
#[derive(Clone)]
pub struct DailySettings {
    domain: String,
    domain_id: String,
    api_key: SecretString,
    token_ttl: Duration,
}

#[derive(Deserialize)]
struct RawSettings {
    api_key: Option<String>,
    domain: Option<String>,
    domain_id: Option<String>,
    token_ttl_hours: Option<String>,
}

impl DailySettings {
    /// The token lifetime when `DAILY_TOKEN_TTL_HOURS` is unset: 6 hours, as for LiveKit.
    pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);
    /// The longest accepted token lifetime: 24 hours.
    pub const MAX_TOKEN_TTL: Duration = config::MAX_TOKEN_TTL;
    /// The shortest API key accepted in production, in characters.
    pub const MIN_PRODUCTION_KEY_CHARS: usize = 32;

    /// Settings for the given domain (`example` for `example.daily.co`), its `domain_id` and its
    /// API key, with the default token lifetime.
    ///
    /// Checks the domain and domain id (see [`from_env`](Self::from_env)) and that the key is not
    /// empty; the production rule on the key's length is the caller's to apply here.
    pub fn new(domain: &str, domain_id: &str, api_key: SecretString) -> Result<Self, ConfigError> {
        if !is_subdomain(domain) {
            return Err(ConfigError::invalid("DAILY_DOMAIN", DOMAIN_RULE));
        }
        if !is_uuid(domain_id) {
            return Err(ConfigError::invalid("DAILY_DOMAIN_ID", DOMAIN_ID_RULE));
        }
        if api_key.expose_secret().is_empty() {
            return Err(ConfigError::invalid("DAILY_API_KEY", "must not be empty"));
        }
        Ok(Self {
            domain: domain.to_owned(),
            domain_id: domain_id.to_owned(),
            api_key,
            token_ttl: Self::DEFAULT_TOKEN_TTL,
        })
    }

    /// Sets how long issued tokens stay valid: more than 0 and at most 24 hours, rounded to
    /// whole seconds (JWT times are whole seconds).
    pub fn with_token_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        self.token_ttl = config::whole_token_ttl("DAILY_TOKEN_TTL_HOURS", ttl)?;
        Ok(self)
    }

    /// Reads `DAILY_API_KEY`, `DAILY_DOMAIN`, `DAILY_DOMAIN_ID` and `DAILY_TOKEN_TTL_HOURS`
    /// (default 6).
    ///
    /// The first three are required whatever `app_env` is: unlike LiveKit, Daily has no local
    /// development server to fall back to. `DAILY_DOMAIN` is the subdomain of the Daily domain
    /// (`example` for `example.daily.co`); `DAILY_DOMAIN_ID` is its `domain_id`, a UUID (from
    /// Daily's domain configuration endpoint). In [`AppEnv::Production`] the API key must have at
    /// least [`MIN_PRODUCTION_KEY_CHARS`](Self::MIN_PRODUCTION_KEY_CHARS) characters.
    pub fn from_env(env: &Environment, app_env: AppEnv) -> Result<Self, ConfigError> {
        const REQUIRED: &str =
            "required when the daily provider is enabled (VIDEO_PROVIDER or VIDEO_PROVIDERS)";
        let raw: RawSettings = env.read("DAILY_")?;
        let domain = raw
            .domain
            .ok_or_else(|| ConfigError::missing("DAILY_DOMAIN", REQUIRED))?;
        let domain_id = raw
            .domain_id
            .ok_or_else(|| ConfigError::missing("DAILY_DOMAIN_ID", REQUIRED))?;
        let api_key = SecretString::from(
            raw.api_key
                .ok_or_else(|| ConfigError::missing("DAILY_API_KEY", REQUIRED))?,
        );
        if app_env == AppEnv::Production && key_chars(&api_key) < Self::MIN_PRODUCTION_KEY_CHARS {
            return Err(ConfigError::invalid(
                "DAILY_API_KEY",
                "must be at least 32 characters when APP_ENV=production",
            ));
        }
        let settings = Self::new(&domain, &domain_id, api_key)?;
        match raw.token_ttl_hours {
            None => Ok(settings),
            Some(hours) => {
                settings.with_token_ttl(config::token_ttl_hours("DAILY_TOKEN_TTL_HOURS", &hours)?)
            }
        }
    }

    /// The subdomain of the Daily domain (`example` for `example.daily.co`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The Daily domain's id: the `d` claim of every token.
    pub fn domain_id(&self) -> &str {
        &self.domain_id
    }

    /// The API key that signs tokens.
    pub fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// How long issued tokens stay valid (`exp - nbf`), in whole seconds.
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }
}

impl fmt::Debug for DailySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DailySettings")
            .field("domain", &self.domain)
            .field("domain_id", &self.domain_id)
            .field("api_key", &"[REDACTED]")
            .field("token_ttl", &self.token_ttl)
            .finish()
    }
}

impl ProviderSettings for DailySettings {
    fn name(&self) -> &'static str {
        crate::provider::PROVIDER
    }

    fn build(&self) -> Arc<dyn VideoProvider> {
        Arc::new(DailyProvider::new(self.clone()))
    }

    fn with_token_ttl(&self, ttl: Duration) -> Result<Arc<dyn ProviderSettings>, ConfigError> {
        Ok(Arc::new(self.clone().with_token_ttl(ttl)?))
    }

    /// `VIDEO_PROVIDER`, then every `DAILY_*` variable as it is in effect; the key as its length
    /// only.
    fn describe(&self) -> Vec<String> {
        let ttl = self.token_ttl.as_secs();
        vec![
            format!("DAILY_DOMAIN={}", self.domain),
            format!("DAILY_DOMAIN_ID={}", self.domain_id),
            format!(
                "DAILY_API_KEY=[REDACTED] ({} characters)",
                key_chars(&self.api_key)
            ),
            format!("DAILY_TOKEN_TTL_HOURS={} ({ttl} s)", ttl as f64 / 3600.0),
        ]
    }

    /// One warning, whatever the environment: a meeting token's permissions cover media only,
    /// so a viewer can still send app messages (chat), which the role table forbids.
    fn warnings(&self, _app_env: AppEnv) -> Vec<String> {
        vec![
            "Daily meeting tokens cannot forbid app messages (chat): viewers can send them \
             (docs/providers/daily/README.md)"
                .to_owned(),
        ]
    }
}

/// One DNS label in lowercase: what goes before `.daily.co`.
fn is_subdomain(value: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    (1..=63).contains(&value.len())
        && value.chars().all(allowed)
        && !value.starts_with('-')
        && !value.ends_with('-')
}

/// `8-4-4-4-12` hexadecimal digits, either case.
fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The key's length in characters (the production rule, and `describe`).
fn key_chars(key: &SecretString) -> usize {
    key.expose_secret().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use video_core::config::TOKEN_TTL_RULE as TTL_RULE;

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const DOMAIN_ID: &str = "30f866c3-9123-452a-8723-ff58322d09c5";

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    fn full() -> Vec<(&'static str, &'static str)> {
        vec![
            ("DAILY_API_KEY", KEY),
            ("DAILY_DOMAIN", "openconnect"),
            ("DAILY_DOMAIN_ID", DOMAIN_ID),
        ]
    }

    #[test]
    fn explicit_values_are_used_as_given() {
        let mut pairs = full();
        pairs.push(("DAILY_TOKEN_TTL_HOURS", "0.25"));
        let settings = DailySettings::from_env(&env(&pairs), AppEnv::Production).unwrap();
        assert_eq!(settings.domain(), "openconnect");
        assert_eq!(settings.domain_id(), DOMAIN_ID);
        assert_eq!(settings.api_key().expose_secret(), KEY);
        assert_eq!(settings.token_ttl(), Duration::from_secs(900));
        let settings = DailySettings::from_env(&env(&full()), AppEnv::Development).unwrap();
        assert_eq!(settings.token_ttl(), Duration::from_secs(6 * 3600));
    }

    #[test]
    fn every_variable_is_required_in_every_environment() {
        for app_env in [AppEnv::Development, AppEnv::Production] {
            for missing in ["DAILY_API_KEY", "DAILY_DOMAIN", "DAILY_DOMAIN_ID"] {
                let pairs: Vec<_> = full().into_iter().filter(|(k, _)| *k != missing).collect();
                let error = DailySettings::from_env(&env(&pairs), app_env).unwrap_err();
                assert_eq!(
                    error,
                    ConfigError::missing(
                        missing,
                        "required when the daily provider is enabled (VIDEO_PROVIDER or VIDEO_PROVIDERS)"
                    ),
                    "{app_env}"
                );
            }
        }
        // Empty counts as unset.
        let mut pairs = full();
        pairs.push(("DAILY_API_KEY", ""));
        let error = DailySettings::from_env(&env(&pairs), AppEnv::Development).unwrap_err();
        assert_eq!(error.variable(), "DAILY_API_KEY");
    }

    #[test]
    fn bad_values_name_the_variable_and_the_rule_never_the_value() {
        let cases = [
            ("DAILY_DOMAIN", "openconnect.daily.co", DOMAIN_RULE),
            ("DAILY_DOMAIN", "https://openconnect", DOMAIN_RULE),
            ("DAILY_DOMAIN", "OpenConnect", DOMAIN_RULE),
            ("DAILY_DOMAIN", "-openconnect", DOMAIN_RULE),
            ("DAILY_DOMAIN", "openconnect-", DOMAIN_RULE),
            ("DAILY_DOMAIN", "open connect", DOMAIN_RULE),
            ("DAILY_DOMAIN_ID", "not-a-uuid-s3cr3t", DOMAIN_ID_RULE),
            (
                "DAILY_DOMAIN_ID",
                "30f866c3-9123-452a-8723-ff58322d09c",
                DOMAIN_ID_RULE,
            ),
            (
                "DAILY_DOMAIN_ID",
                "30f866c39123452a8723ff58322d09c5",
                DOMAIN_ID_RULE,
            ),
            (
                "DAILY_DOMAIN_ID",
                "30f866c3-9123-452a-8723-ff58322d09cz",
                DOMAIN_ID_RULE,
            ),
            ("DAILY_TOKEN_TTL_HOURS", "0", TTL_RULE),
            ("DAILY_TOKEN_TTL_HOURS", "24.01", TTL_RULE),
            ("DAILY_TOKEN_TTL_HOURS", "NaN", TTL_RULE),
            ("DAILY_TOKEN_TTL_HOURS", "six", TTL_RULE),
            ("DAILY_TOKEN_TTL_HOURS", "0.0001", TTL_RULE),
        ];
        for (variable, value, rule) in cases {
            let mut pairs = full();
            pairs.push((variable, value));
            let error = DailySettings::from_env(&env(&pairs), AppEnv::Development).unwrap_err();
            // The whole error is the variable and the rule: no room for the value.
            assert_eq!(error, ConfigError::invalid(variable, rule), "{value:?}");
        }
        let longest = "a".repeat(63);
        assert!(is_subdomain(&longest) && !is_subdomain(&"a".repeat(64)));
        assert!(is_subdomain("my-school-2") && is_subdomain("x"));
        assert!(is_uuid("30F866C3-9123-452A-8723-FF58322D09C5"));
    }

    #[test]
    fn production_refuses_a_short_key_without_echoing_it() {
        let mut pairs = full();
        pairs.push(("DAILY_API_KEY", "short-key-31-characters-long-xx"));
        let error = DailySettings::from_env(&env(&pairs), AppEnv::Production).unwrap_err();
        assert_eq!(
            error,
            ConfigError::invalid(
                "DAILY_API_KEY",
                "must be at least 32 characters when APP_ENV=production"
            )
        );
        // Development takes it.
        assert!(DailySettings::from_env(&env(&pairs), AppEnv::Development).is_ok());
    }

    #[test]
    fn new_refuses_an_empty_key_and_rounds_the_ttl() {
        assert_eq!(
            DailySettings::new("x", DOMAIN_ID, "".into()).unwrap_err(),
            ConfigError::invalid("DAILY_API_KEY", "must not be empty")
        );
        let settings = DailySettings::new("x", DOMAIN_ID, KEY.into()).unwrap();
        assert_eq!(
            settings
                .clone()
                .with_token_ttl(Duration::from_millis(1_500))
                .unwrap()
                .token_ttl(),
            Duration::from_secs(2)
        );
        for bad in [
            Duration::ZERO,
            Duration::from_millis(499),
            Duration::from_secs(86_401),
        ] {
            assert!(settings.clone().with_token_ttl(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn describes_builds_and_warns_as_a_provider() {
        let settings = DailySettings::from_env(&env(&full()), AppEnv::Production).unwrap();
        let provider: &dyn ProviderSettings = &settings;
        assert_eq!(provider.name(), "daily");
        assert_eq!(provider.build().name(), "daily");
        assert!(
            provider.room_admin().is_none(),
            "no room administration yet"
        );
        assert!(provider.session_events().is_none());
        assert_eq!(
            provider.describe(),
            [
                "DAILY_DOMAIN=openconnect",
                "DAILY_DOMAIN_ID=30f866c3-9123-452a-8723-ff58322d09c5",
                "DAILY_API_KEY=[REDACTED] (64 characters)",
                "DAILY_TOKEN_TTL_HOURS=6 (21600 s)",
            ]
        );
        let shorter = provider
            .with_token_ttl(Duration::from_secs(900))
            .unwrap()
            .describe();
        assert!(
            shorter.contains(&"DAILY_TOKEN_TTL_HOURS=0.25 (900 s)".to_owned()),
            "{shorter:?}"
        );
        assert!(provider.with_token_ttl(Duration::ZERO).is_err());
        let warnings = provider.warnings(AppEnv::Production).join("\n");
        assert!(warnings.contains("app messages (chat)"), "{warnings}");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let settings = DailySettings::new("openconnect", DOMAIN_ID, KEY.into()).unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains(KEY) && debug.contains("[REDACTED]") && debug.contains("openconnect"),
            "{debug}"
        );
    }
}
