use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use video_core::config::{self, AppEnv, ConfigError, Environment};
use video_core::{ProviderSettings, VideoProvider};

use crate::TwilioProvider;

pub(crate) const ACCOUNT_SID_RULE: &str = "must be AC followed by 32 hexadecimal digits";
pub(crate) const API_KEY_SID_RULE: &str = "must be SK followed by 32 hexadecimal digits";

/// How to sign access tokens for one Twilio account, with one of its API keys.
///
/// `Debug` shows the account and API key SIDs (both are in every token, as `sub` and `iss`) but
/// never the API key's secret.
#[derive(Clone)]
pub struct TwilioSettings {
    account_sid: String,
    api_key_sid: String,
    api_key_secret: SecretString,
    token_ttl: Duration,
}

#[derive(Deserialize)]
struct RawSettings {
    account_sid: Option<String>,
    api_key_sid: Option<String>,
    api_key_secret: Option<String>,
    token_ttl_hours: Option<String>,
}

impl TwilioSettings {
    /// The token lifetime when `TWILIO_TOKEN_TTL_HOURS` is unset: 6 hours, as for LiveKit.
    pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);
    /// The longest accepted token lifetime: 24 hours, the longest Twilio accepts.
    pub const MAX_TOKEN_TTL: Duration = config::MAX_TOKEN_TTL;
    /// The shortest API key secret accepted in production, in characters.
    pub const MIN_PRODUCTION_SECRET_CHARS: usize = 32;

    /// Settings for the given account SID (`AC…`), API key SID (`SK…`) and API key secret, with
    /// the default token lifetime.
    ///
    /// Checks both SIDs and that the secret is not empty; the production rule on the secret's
    /// length is the caller's to apply here.
    pub fn new(
        account_sid: &str,
        api_key_sid: &str,
        api_key_secret: SecretString,
    ) -> Result<Self, ConfigError> {
        if !is_sid(account_sid, "AC") {
            return Err(ConfigError::invalid("TWILIO_ACCOUNT_SID", ACCOUNT_SID_RULE));
        }
        if !is_sid(api_key_sid, "SK") {
            return Err(ConfigError::invalid("TWILIO_API_KEY_SID", API_KEY_SID_RULE));
        }
        if api_key_secret.expose_secret().is_empty() {
            return Err(ConfigError::invalid(
                "TWILIO_API_KEY_SECRET",
                "must not be empty",
            ));
        }
        Ok(Self {
            account_sid: account_sid.to_owned(),
            api_key_sid: api_key_sid.to_owned(),
            api_key_secret,
            token_ttl: Self::DEFAULT_TOKEN_TTL,
        })
    }

    /// Sets how long issued tokens stay valid: more than 0 and at most 24 hours, rounded to
    /// whole seconds (JWT times are whole seconds).
    pub fn with_token_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        self.token_ttl = config::whole_token_ttl("TWILIO_TOKEN_TTL_HOURS", ttl)?;
        Ok(self)
    }

    /// Reads `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY_SID`, `TWILIO_API_KEY_SECRET` and
    /// `TWILIO_TOKEN_TTL_HOURS` (default 6).
    ///
    /// The first three are required whatever `app_env` is: Twilio has no local development
    /// server to fall back to. In [`AppEnv::Production`] the secret must have at least
    /// [`MIN_PRODUCTION_SECRET_CHARS`](Self::MIN_PRODUCTION_SECRET_CHARS) characters (Twilio's
    /// API key secrets have 32).
    pub fn from_env(env: &Environment, app_env: AppEnv) -> Result<Self, ConfigError> {
        const REQUIRED: &str =
            "required when the twilio provider is enabled (VIDEO_PROVIDER or VIDEO_PROVIDERS)";
        let raw: RawSettings = env.read("TWILIO_")?;
        let account_sid = raw
            .account_sid
            .ok_or_else(|| ConfigError::missing("TWILIO_ACCOUNT_SID", REQUIRED))?;
        let api_key_sid = raw
            .api_key_sid
            .ok_or_else(|| ConfigError::missing("TWILIO_API_KEY_SID", REQUIRED))?;
        let api_key_secret = SecretString::from(
            raw.api_key_secret
                .ok_or_else(|| ConfigError::missing("TWILIO_API_KEY_SECRET", REQUIRED))?,
        );
        if app_env == AppEnv::Production
            && secret_chars(&api_key_secret) < Self::MIN_PRODUCTION_SECRET_CHARS
        {
            return Err(ConfigError::invalid(
                "TWILIO_API_KEY_SECRET",
                "must be at least 32 characters when APP_ENV=production",
            ));
        }
        let settings = Self::new(&account_sid, &api_key_sid, api_key_secret)?;
        match raw.token_ttl_hours {
            None => Ok(settings),
            Some(hours) => {
                settings.with_token_ttl(config::token_ttl_hours("TWILIO_TOKEN_TTL_HOURS", &hours)?)
            }
        }
    }

    /// The account SID: the `sub` of every token.
    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    /// The API key SID: the `iss` of every token.
    pub fn api_key_sid(&self) -> &str {
        &self.api_key_sid
    }

    /// The API key secret that signs tokens.
    pub fn api_key_secret(&self) -> &SecretString {
        &self.api_key_secret
    }

    /// How long issued tokens stay valid (`exp - nbf`), in whole seconds.
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }
}

impl fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("account_sid", &self.account_sid)
            .field("api_key_sid", &self.api_key_sid)
            .field("api_key_secret", &"[REDACTED]")
            .field("token_ttl", &self.token_ttl)
            .finish()
    }
}

impl ProviderSettings for TwilioSettings {
    fn name(&self) -> &'static str {
        crate::provider::PROVIDER
    }

    fn build(&self) -> Arc<dyn VideoProvider> {
        Arc::new(TwilioProvider::new(self.clone()))
    }

    fn with_token_ttl(&self, ttl: Duration) -> Result<Arc<dyn ProviderSettings>, ConfigError> {
        Ok(Arc::new(self.clone().with_token_ttl(ttl)?))
    }

    /// `VIDEO_PROVIDER`, then every `TWILIO_*` variable as it is in effect; the secret as its
    /// length only.
    fn describe(&self) -> Vec<String> {
        let ttl = self.token_ttl.as_secs();
        vec![
            format!("TWILIO_ACCOUNT_SID={}", self.account_sid),
            format!("TWILIO_API_KEY_SID={}", self.api_key_sid),
            format!(
                "TWILIO_API_KEY_SECRET=[REDACTED] ({} characters)",
                secret_chars(&self.api_key_secret)
            ),
            format!("TWILIO_TOKEN_TTL_HOURS={} ({ttl} s)", ttl as f64 / 3600.0),
        ]
    }

    /// One warning, whatever the environment: a Twilio access token carries no permissions, so
    /// the roles' limits are not enforced by Twilio.
    fn warnings(&self, _app_env: AppEnv) -> Vec<String> {
        vec![
            "Twilio access tokens carry no permissions: Twilio lets every role publish and chat; \
             viewer and participant limits hold only in our web client \
             (docs/providers/twilio/README.md)"
                .to_owned(),
        ]
    }
}

/// `prefix` followed by 32 hexadecimal digits, either case.
fn is_sid(value: &str, prefix: &str) -> bool {
    value
        .strip_prefix(prefix)
        .is_some_and(|digits| digits.len() == 32 && digits.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The secret's length in characters (the production rule, and `describe`).
fn secret_chars(secret: &SecretString) -> usize {
    secret.expose_secret().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use video_core::config::TOKEN_TTL_RULE as TTL_RULE;

    const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
    const KEY_SID: &str = "SKfedcba9876543210fedcba9876543210";
    const SECRET: &str = "Zq8h3Lm2Pv7Xw1Rt6Ys4Uk9Jd5Fg0Hb3";

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    fn full() -> Vec<(&'static str, &'static str)> {
        vec![
            ("TWILIO_ACCOUNT_SID", ACCOUNT),
            ("TWILIO_API_KEY_SID", KEY_SID),
            ("TWILIO_API_KEY_SECRET", SECRET),
        ]
    }

    #[test]
    fn explicit_values_are_used_as_given() {
        let mut pairs = full();
        pairs.push(("TWILIO_TOKEN_TTL_HOURS", " 1.5 "));
        let settings = TwilioSettings::from_env(&env(&pairs), AppEnv::Production).unwrap();
        assert_eq!(settings.account_sid(), ACCOUNT);
        assert_eq!(settings.api_key_sid(), KEY_SID);
        assert_eq!(settings.api_key_secret().expose_secret(), SECRET);
        assert_eq!(settings.token_ttl(), Duration::from_secs(5_400));
        let settings = TwilioSettings::from_env(&env(&full()), AppEnv::Development).unwrap();
        assert_eq!(settings.token_ttl(), Duration::from_secs(6 * 3600));
    }

    #[test]
    fn every_variable_is_required_in_every_environment() {
        for app_env in [AppEnv::Development, AppEnv::Production] {
            for missing in [
                "TWILIO_ACCOUNT_SID",
                "TWILIO_API_KEY_SID",
                "TWILIO_API_KEY_SECRET",
            ] {
                let pairs: Vec<_> = full().into_iter().filter(|(k, _)| *k != missing).collect();
                let error = TwilioSettings::from_env(&env(&pairs), app_env).unwrap_err();
                assert_eq!(
                    error,
                    ConfigError::missing(
                        missing,
                        "required when the twilio provider is enabled (VIDEO_PROVIDER or VIDEO_PROVIDERS)"
                    ),
                    "{app_env}"
                );
            }
        }
    }

    #[test]
    fn bad_values_name_the_variable_and_the_rule_never_the_value() {
        let cases = [
            // An auth token or a key SID where the account SID goes.
            (
                "TWILIO_ACCOUNT_SID",
                "SK0123456789abcdef0123456789abcdef",
                ACCOUNT_SID_RULE,
            ),
            (
                "TWILIO_ACCOUNT_SID",
                "0123456789abcdef0123456789abcdef",
                ACCOUNT_SID_RULE,
            ),
            (
                "TWILIO_ACCOUNT_SID",
                "AC0123456789abcdef0123456789abcde",
                ACCOUNT_SID_RULE,
            ),
            (
                "TWILIO_ACCOUNT_SID",
                "AC0123456789abcdef0123456789abcdefa",
                ACCOUNT_SID_RULE,
            ),
            (
                "TWILIO_ACCOUNT_SID",
                "ac0123456789abcdef0123456789abcdef",
                ACCOUNT_SID_RULE,
            ),
            (
                "TWILIO_API_KEY_SID",
                "AC0123456789abcdef0123456789abcdef",
                API_KEY_SID_RULE,
            ),
            (
                "TWILIO_API_KEY_SID",
                "SK0123456789abcdef0123456789abcdeg",
                API_KEY_SID_RULE,
            ),
            (
                "TWILIO_API_KEY_SID",
                " SK0123456789abcdef0123456789abcdef",
                API_KEY_SID_RULE,
            ),
            ("TWILIO_TOKEN_TTL_HOURS", "0", TTL_RULE),
            ("TWILIO_TOKEN_TTL_HOURS", "-1", TTL_RULE),
            ("TWILIO_TOKEN_TTL_HOURS", "25", TTL_RULE),
            ("TWILIO_TOKEN_TTL_HOURS", "inf", TTL_RULE),
        ];
        for (variable, value, rule) in cases {
            let mut pairs = full();
            pairs.push((variable, value));
            let error = TwilioSettings::from_env(&env(&pairs), AppEnv::Development).unwrap_err();
            // The whole error is the variable and the rule: no room for the value.
            assert_eq!(error, ConfigError::invalid(variable, rule), "{value:?}");
        }
        assert!(is_sid("SK0123456789ABCDEF0123456789ABCDEF", "SK"));
    }

    #[test]
    fn production_refuses_a_short_secret_without_echoing_it() {
        let mut pairs = full();
        pairs.push(("TWILIO_API_KEY_SECRET", "short-secret-31-characters-long"));
        let error = TwilioSettings::from_env(&env(&pairs), AppEnv::Production).unwrap_err();
        assert_eq!(
            error,
            ConfigError::invalid(
                "TWILIO_API_KEY_SECRET",
                "must be at least 32 characters when APP_ENV=production"
            )
        );
        assert!(TwilioSettings::from_env(&env(&pairs), AppEnv::Development).is_ok());
    }

    #[test]
    fn new_refuses_an_empty_secret_and_rounds_the_ttl() {
        assert_eq!(
            TwilioSettings::new(ACCOUNT, KEY_SID, "".into()).unwrap_err(),
            ConfigError::invalid("TWILIO_API_KEY_SECRET", "must not be empty")
        );
        let settings = TwilioSettings::new(ACCOUNT, KEY_SID, SECRET.into()).unwrap();
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
        let settings = TwilioSettings::from_env(&env(&full()), AppEnv::Production).unwrap();
        let provider: &dyn ProviderSettings = &settings;
        assert_eq!(provider.name(), "twilio");
        assert_eq!(provider.build().name(), "twilio");
        assert!(
            provider.room_admin().is_none(),
            "no room administration yet"
        );
        assert!(provider.session_events().is_none());
        assert_eq!(
            provider.describe(),
            [
                "TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef",
                "TWILIO_API_KEY_SID=SKfedcba9876543210fedcba9876543210",
                "TWILIO_API_KEY_SECRET=[REDACTED] (32 characters)",
                "TWILIO_TOKEN_TTL_HOURS=6 (21600 s)",
            ]
        );
        let shorter = provider
            .with_token_ttl(Duration::from_secs(900))
            .unwrap()
            .describe();
        assert!(
            shorter.contains(&"TWILIO_TOKEN_TTL_HOURS=0.25 (900 s)".to_owned()),
            "{shorter:?}"
        );
        assert!(provider.with_token_ttl(Duration::ZERO).is_err());
        let warnings = provider.warnings(AppEnv::Production).join("\n");
        assert!(warnings.contains("carry no permissions"), "{warnings}");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let settings = TwilioSettings::new(ACCOUNT, KEY_SID, SECRET.into()).unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains(SECRET) && debug.contains("[REDACTED]") && debug.contains(KEY_SID),
            "{debug}"
        );
    }
}
