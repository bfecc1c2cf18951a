//! Typed configuration read from the environment.
//!
//! Configuration is read once, at startup, from an [`Environment`] snapshot, and parsed into
//! typed settings. Every failure is a [`ConfigError`] that names the variable and the rule it
//! broke and never repeats the value (a mistyped secret must not end up in a log).
//!
//! Rules shared by every variable: an empty value counts as unset, and a value that is not
//! valid Unicode is refused.
//!
//! ```
//! use video_core::config::{AppEnv, Environment, Settings};
//!
//! let env = Environment::from_pairs([("APP_ENV", "production")]);
//! let settings = Settings::from_env(&env)?;
//! assert_eq!(settings.app_env, AppEnv::Production);
//! assert_eq!(settings.video_provider, "livekit");
//! # Ok::<(), video_core::config::ConfigError>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Why the configuration is unusable. Names the variable and the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{variable} is not set: {rule}")]
    Missing {
        /// The variable, e.g. `LIVEKIT_API_SECRET`.
        variable: Cow<'static, str>,
        /// Why it is required.
        rule: Cow<'static, str>,
    },
    /// A variable is set but breaks a rule.
    #[error("{variable} is invalid: {rule}")]
    Invalid {
        /// The variable, e.g. `LIVEKIT_URL`.
        variable: Cow<'static, str>,
        /// The rule it breaks.
        rule: Cow<'static, str>,
    },
}

impl ConfigError {
    /// A required variable is unset.
    pub fn missing(
        variable: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Missing {
            variable: variable.into(),
            rule: rule.into(),
        }
    }

    /// A variable breaks a rule.
    pub fn invalid(
        variable: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Invalid {
            variable: variable.into(),
            rule: rule.into(),
        }
    }

    /// The variable the error is about.
    pub fn variable(&self) -> &str {
        match self {
            Self::Missing { variable, .. } | Self::Invalid { variable, .. } => variable,
        }
    }
}

/// A snapshot of environment variables, read once.
///
/// Tests build one with [`Environment::from_pairs`] instead of changing the process
/// environment. `Debug` lists variable names only, never values.
#[derive(Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    not_unicode: Vec<String>,
}

impl Environment {
    /// Reads the process environment. Variables whose name or value is not valid Unicode are
    /// remembered by name and refused only if a setting reads them.
    pub fn from_process() -> Self {
        Self::from_os_pairs(std::env::vars_os())
    }

    /// Builds a snapshot from the given pairs (later pairs win).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self {
            vars,
            not_unicode: Vec::new(),
        }
    }

    fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut env = Self::default();
        for (name, value) in pairs {
            match (name.into_string(), value.into_string()) {
                (Ok(name), Ok(value)) => {
                    env.vars.insert(name, value);
                }
                (Ok(name), Err(_)) => env.not_unicode.push(name),
                // A name that is not Unicode cannot be one of ours: ignore it.
                (Err(_), _) => {}
            }
        }
        env
    }

    /// The value of `name`, or `None` when it is unset or empty.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ConfigError> {
        if self.not_unicode.iter().any(|n| n == name) {
            return Err(ConfigError::invalid(
                name.to_owned(),
                "must be valid Unicode",
            ));
        }
        Ok(self
            .vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty()))
    }

    /// Deserializes the variables that start with `prefix` into `T` with [`envy`]: a field
    /// `api_key` reads `{prefix}API_KEY`. Empty values are left out, so they count as unset.
    ///
    /// `T` should hold raw `Option<String>` fields that the caller then parses into typed
    /// settings: serde's own error messages can repeat the value, so they are not passed on.
    /// A variable with the prefix whose value is not valid Unicode is refused; with an empty
    /// prefix, check the variables you read with [`get`](Self::get) first.
    pub fn read<T: DeserializeOwned>(&self, prefix: &str) -> Result<T, ConfigError> {
        let not_unicode = self.not_unicode.iter().filter(|_| !prefix.is_empty());
        if let Some(name) = not_unicode.into_iter().find(|n| n.starts_with(prefix)) {
            return Err(ConfigError::invalid(name.clone(), "must be valid Unicode"));
        }
        let vars = self
            .vars
            .iter()
            .filter(|(name, value)| name.starts_with(prefix) && !value.is_empty())
            .map(|(name, value)| (name.clone(), value.clone()));
        envy::prefixed(prefix).from_iter(vars).map_err(|error| {
            let variable = match error {
                envy::Error::MissingValue(field) => {
                    Cow::Owned(format!("{prefix}{}", field.to_ascii_uppercase()))
                }
                envy::Error::Custom(_) => Cow::Owned(format!("{prefix}*")),
            };
            ConfigError::invalid(variable, "could not be read")
        })
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("not_unicode", &self.not_unicode)
            .finish()
    }
}

/// Where the service runs; it decides which shortcuts configuration may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppEnv {
    /// Local development: providers may fall back to their local development defaults, with a
    /// warning.
    #[default]
    Development,
    /// Production: every credential must be set explicitly and strong.
    Production,
}

impl AppEnv {
    /// The configuration name: `development` or `production`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

impl fmt::Display for AppEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The provider-neutral settings: which provider, in which environment.
///
/// Each provider reads its own settings (e.g. `LIVEKIT_*`) from the same [`Environment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `VIDEO_PROVIDER`: the provider's name (default `livekit`). Which names are supported is
    /// decided where the providers are known, not here.
    pub video_provider: String,
    /// `APP_ENV`: `development` (default) or `production`.
    pub app_env: AppEnv,
}

#[derive(Deserialize)]
struct RawSettings {
    video_provider: Option<String>,
    app_env: Option<String>,
}

impl Settings {
    /// The provider used when `VIDEO_PROVIDER` is unset.
    pub const DEFAULT_PROVIDER: &'static str = "livekit";

    /// Reads `VIDEO_PROVIDER` and `APP_ENV`.
    pub fn from_env(env: &Environment) -> Result<Self, ConfigError> {
        // Refuses non-Unicode values by name; `read` with no prefix does not see them.
        env.get("VIDEO_PROVIDER")?;
        env.get("APP_ENV")?;
        let raw: RawSettings = env.read("")?;
        let app_env = match raw.app_env.as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(_) => {
                return Err(ConfigError::invalid(
                    "APP_ENV",
                    "must be one of: development, production",
                ));
            }
        };
        let video_provider = raw
            .video_provider
            .unwrap_or_else(|| Self::DEFAULT_PROVIDER.into());
        Ok(Self {
            video_provider,
            app_env,
        })
    }
}

/// The rule of every provider's `*_TOKEN_TTL_HOURS` variable.
pub const TOKEN_TTL_RULE: &str =
    "must be a number of hours greater than 0 and at most 24 (fractions allowed, e.g. 0.25)";

/// The longest lifetime a join token may have: 24 hours.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

/// Reads `hours`, the value of the token-lifetime variable `variable` (e.g.
/// `LIVEKIT_TOKEN_TTL_HOURS`): more than 0 and at most 24 hours, fractions allowed.
pub fn token_ttl_hours(variable: &'static str, hours: &str) -> Result<Duration, ConfigError> {
    let hours: f64 = hours
        .trim()
        .parse()
        .map_err(|_| ConfigError::invalid(variable, TOKEN_TTL_RULE))?;
    if !(hours > 0.0 && hours <= 24.0) {
        return Err(ConfigError::invalid(variable, TOKEN_TTL_RULE));
    }
    Ok(Duration::from_secs_f64(hours * 3600.0))
}

/// `ttl` rounded to whole seconds (JWT times are whole seconds); refused, as a value of
/// `variable`, when that is 0 or `ttl` is longer than [`MAX_TOKEN_TTL`].
pub fn whole_token_ttl(variable: &'static str, ttl: Duration) -> Result<Duration, ConfigError> {
    let seconds = ttl.as_secs() + u64::from(ttl.subsec_nanos() >= 500_000_000);
    if seconds == 0 || ttl > MAX_TOKEN_TTL {
        return Err(ConfigError::invalid(variable, TOKEN_TTL_RULE));
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt;

    use super::*;

    #[test]
    fn defaults_to_livekit_in_development() {
        let settings = Settings::from_env(&Environment::default()).unwrap();
        assert_eq!(settings.video_provider, "livekit");
        assert_eq!(settings.app_env, AppEnv::Development);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = Environment::from_pairs([("APP_ENV", ""), ("VIDEO_PROVIDER", "")]);
        let settings = Settings::from_env(&env).unwrap();
        assert_eq!(
            (settings.video_provider.as_str(), settings.app_env),
            ("livekit", AppEnv::Development)
        );
    }

    #[test]
    fn unknown_app_env_names_the_variable_and_rule_not_the_value() {
        let env = Environment::from_pairs([("APP_ENV", "prod-s3cr3t")]);
        let error = Settings::from_env(&env).unwrap_err();
        assert_eq!(
            error.to_string(),
            "APP_ENV is invalid: must be one of: development, production"
        );
        assert_eq!(error.variable(), "APP_ENV");
    }

    #[test]
    fn non_unicode_values_are_refused_by_name() {
        let env = Environment::from_os_pairs([
            (
                OsString::from("APP_ENV"),
                OsString::from_vec(vec![0xff, 0xfe]),
            ),
            (OsString::from_vec(vec![0xff]), OsString::from("ignored")),
        ]);
        let error = Settings::from_env(&env).unwrap_err();
        assert_eq!(
            error,
            ConfigError::invalid("APP_ENV", "must be valid Unicode")
        );
        let error = env.read::<RawPrefixed>("APP_").unwrap_err();
        assert_eq!(
            error.to_string(),
            "APP_ENV is invalid: must be valid Unicode"
        );
    }

    #[derive(Debug, Deserialize)]
    struct RawPrefixed {
        env: Option<String>,
        required: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct RawRequired {
        required: String,
    }

    #[test]
    fn read_uses_the_prefix_and_skips_empty_values() {
        let env = Environment::from_pairs([("APP_ENV", "x"), ("APP_REQUIRED", ""), ("OTHER", "y")]);
        let raw: RawPrefixed = env.read("APP_").unwrap();
        assert_eq!(raw.env.as_deref(), Some("x"));
        assert_eq!(raw.required, None);
        let error = env.read::<RawRequired>("APP_").unwrap_err();
        assert_eq!(
            error,
            ConfigError::invalid("APP_REQUIRED", "could not be read")
        );
    }

    #[test]
    fn debug_lists_names_only() {
        let env = Environment::from_pairs([("LIVEKIT_API_SECRET", "hunter2-hunter2")]);
        let debug = format!("{env:?}");
        assert!(
            debug.contains("LIVEKIT_API_SECRET") && !debug.contains("hunter2"),
            "{debug}"
        );
    }

    #[test]
    fn errors_display_variable_and_rule() {
        let error = ConfigError::missing("LIVEKIT_API_KEY", "required when APP_ENV=production");
        assert_eq!(
            error.to_string(),
            "LIVEKIT_API_KEY is not set: required when APP_ENV=production"
        );
        assert_eq!(error.variable(), "LIVEKIT_API_KEY");
        assert_eq!(AppEnv::Production.to_string(), "production");
    }

    #[test]
    fn token_lifetimes_are_hours_from_0_to_24_rounded_to_seconds() {
        let var = "X_TOKEN_TTL_HOURS";
        assert_eq!(
            token_ttl_hours(var, " 0.25 ").unwrap(),
            Duration::from_secs(900)
        );
        assert_eq!(token_ttl_hours(var, "24").unwrap(), MAX_TOKEN_TTL);
        for bad in ["0", "-1", "24.01", "NaN", "inf", "six", ""] {
            let error = token_ttl_hours(var, bad).unwrap_err();
            assert_eq!(error, ConfigError::invalid(var, TOKEN_TTL_RULE), "{bad}");
        }
        assert_eq!(
            whole_token_ttl(var, Duration::from_millis(1500)).unwrap(),
            Duration::from_secs(2)
        );
        assert_eq!(
            whole_token_ttl(var, Duration::from_millis(1499)).unwrap(),
            Duration::from_secs(1)
        );
        assert_eq!(whole_token_ttl(var, MAX_TOKEN_TTL).unwrap(), MAX_TOKEN_TTL);
        for bad in [
            Duration::from_millis(499),
            MAX_TOKEN_TTL + Duration::from_millis(1),
        ] {
            assert_eq!(
                whole_token_ttl(var, bad).unwrap_err(),
                ConfigError::invalid(var, TOKEN_TTL_RULE)
            );
        }
    }
}
