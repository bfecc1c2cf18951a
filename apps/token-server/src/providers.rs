//! The provider factory: the one place that knows every concrete provider.
//!
//! `video-core` stays free of vendor code; [`PROVIDERS`] maps each `VIDEO_PROVIDER` value to the
//! function of its crate that reads its settings. Everything else (building the provider,
//! describing and warning about its settings) goes through `video_core::ProviderSettings`, so
//! adding a provider is its crate plus one entry here.

use std::sync::Arc;

use video_core::ProviderSettings;
use video_core::config::{AppEnv, ConfigError, Environment, Settings};
use video_livekit::LiveKitSettings;

/// The settings of the configured provider.
pub type ProviderConfig = Arc<dyn ProviderSettings>;

/// Reads one provider's settings from the environment.
type ReadSettings = fn(&Environment, AppEnv) -> Result<ProviderConfig, ConfigError>;

/// Every provider: its `VIDEO_PROVIDER` value and how its settings are read.
pub const PROVIDERS: &[(&str, ReadSettings)] = &[("livekit", |env, app_env| {
    Ok(Arc::new(LiveKitSettings::from_env(env, app_env)?))
})];

/// Reads the settings of the provider that `settings.video_provider` names.
pub fn from_env(settings: &Settings, env: &Environment) -> Result<ProviderConfig, ConfigError> {
    let (_, read) = PROVIDERS
        .iter()
        .find(|(name, _)| *name == settings.video_provider)
        .ok_or_else(|| {
            let names: Vec<&str> = PROVIDERS.iter().map(|(name, _)| *name).collect();
            ConfigError::invalid(
                "VIDEO_PROVIDER",
                format!("must be one of: {}", names.join(", ")),
            )
        })?;
    read(env, settings.app_env)
}
