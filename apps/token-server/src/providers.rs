//! The provider factory: the one place that knows every concrete provider.
//!
//! `video-core` stays free of vendor code; this module maps `VIDEO_PROVIDER` to a provider
//! crate, reads that provider's settings and builds it as an `Arc<dyn VideoProvider>`.

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use video_core::VideoProvider;
use video_core::config::{AppEnv, ConfigError, Environment, Settings};
use video_livekit::grants::TrackSource;
use video_livekit::{LiveKitProvider, LiveKitSettings};

/// The values `VIDEO_PROVIDER` accepts.
pub const SUPPORTED_PROVIDERS: &[&str] = &["livekit"];

/// The settings of the configured provider.
#[derive(Debug, Clone)]
pub enum ProviderConfig {
    /// LiveKit (`VIDEO_PROVIDER=livekit`), configured by `LIVEKIT_*`.
    LiveKit(LiveKitSettings),
}

impl ProviderConfig {
    /// Reads the settings of the provider that `settings.video_provider` names.
    pub fn from_env(settings: &Settings, env: &Environment) -> Result<Self, ConfigError> {
        match settings.video_provider.as_str() {
            "livekit" => Ok(Self::LiveKit(LiveKitSettings::from_env(
                env,
                settings.app_env,
            )?)),
            _ => Err(ConfigError::invalid(
                "VIDEO_PROVIDER",
                format!("must be one of: {}", SUPPORTED_PROVIDERS.join(", ")),
            )),
        }
    }

    /// Overrides how long issued tokens stay valid (for `mint --ttl-hours`).
    pub fn with_token_ttl(self, ttl: Duration) -> Result<Self, ConfigError> {
        match self {
            Self::LiveKit(settings) => Ok(Self::LiveKit(settings.with_token_ttl(ttl)?)),
        }
    }

    /// Builds the provider.
    pub fn build(&self) -> Arc<dyn VideoProvider> {
        match self {
            Self::LiveKit(settings) => Arc::new(LiveKitProvider::new(settings.clone())),
        }
    }

    /// The provider's name, as in `VIDEO_PROVIDER`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::LiveKit(_) => "livekit",
        }
    }

    /// Warnings for the startup log: development fallbacks and insecure choices.
    pub fn warnings(&self, app_env: AppEnv) -> Vec<String> {
        match self {
            Self::LiveKit(settings) => {
                let mut warnings: Vec<String> = settings
                    .dev_defaults_used()
                    .iter()
                    .map(|variable| {
                        format!(
                            "{variable} is not set: using the `livekit-server --dev` value \
                             (development only; refused when APP_ENV=production)"
                        )
                    })
                    .collect();
                let url = settings.url().to_ascii_lowercase();
                if app_env == AppEnv::Production
                    && (url.starts_with("ws://") || url.starts_with("http://"))
                {
                    warnings.push(
                        "LIVEKIT_URL is not encrypted (ws:// or http://): browsers need wss:// \
                         or https:// outside localhost"
                            .to_owned(),
                    );
                }
                warnings
            }
        }
    }

    /// The provider's effective settings as `NAME=value` lines, secrets redacted.
    pub fn describe(&self) -> Vec<String> {
        match self {
            Self::LiveKit(settings) => {
                let ttl = settings.token_ttl().as_secs();
                let policy = settings.grant_policy();
                vec![
                    "VIDEO_PROVIDER=livekit".to_owned(),
                    format!("LIVEKIT_URL={}", settings.url()),
                    format!("LIVEKIT_API_KEY={}", settings.api_key()),
                    format!(
                        "LIVEKIT_API_SECRET=[REDACTED] ({} characters)",
                        settings.api_secret().expose_secret().chars().count()
                    ),
                    format!("LIVEKIT_TOKEN_TTL_HOURS={} ({ttl} s)", ttl as f64 / 3600.0),
                    format!(
                        "LIVEKIT_PARTICIPANT_SOURCES={}",
                        sources(&policy.participant_sources)
                    ),
                    format!(
                        "LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA={}",
                        policy.participant_can_publish_data
                    ),
                    format!(
                        "LIVEKIT_VIEWER_CAN_PUBLISH_DATA={}",
                        policy.viewer_can_publish_data
                    ),
                ]
            }
        }
    }
}

fn sources(sources: &[TrackSource]) -> String {
    if sources.is_empty() {
        return "none".to_owned();
    }
    sources
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
