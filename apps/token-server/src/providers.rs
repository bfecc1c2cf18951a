//! The providers: the one place that knows every concrete provider, and the set a server runs.
//!
//! `video-core` stays free of vendor code; [`PROVIDERS`] maps each provider's name to the
//! function of its crate that reads its settings. Everything else (building the provider,
//! describing and warning about its settings, its room administration and webhooks) goes through
//! `video_core::ProviderSettings`, so adding a provider is its crate plus one entry here.
//!
//! One server may run several providers at once, so that one token server serves every course
//! while an institution moves from one provider to another (docs/migration-plan.md):
//! `VIDEO_PROVIDER` is the default, `VIDEO_PROVIDERS` lists the others, and a request names the
//! one it wants with `provider=` ([`Providers::select`]).

use std::sync::Arc;

use video_core::config::{AppEnv, ConfigError, Environment, Settings};
use video_core::{ProviderSettings, RoomAdmin, RoomRecords, SessionEventReceiver, VideoProvider};
use video_daily::DailySettings;
use video_google_meet::GoogleMeetSettings;
use video_livekit::LiveKitSettings;
use video_twilio::TwilioSettings;

use crate::problem::ApiError;

/// The settings of one configured provider.
pub type ProviderConfig = Arc<dyn ProviderSettings>;

/// Reads one provider's settings from the environment.
type ReadSettings = fn(&Environment, AppEnv) -> Result<ProviderConfig, ConfigError>;

/// Every provider: its name (in `VIDEO_PROVIDER`, `VIDEO_PROVIDERS`, `provider=` and answers)
/// and how its settings are read.
pub const PROVIDERS: &[(&str, ReadSettings)] = &[
    ("livekit", |env, app_env| {
        Ok(Arc::new(LiveKitSettings::from_env(env, app_env)?))
    }),
    ("daily", |env, app_env| {
        Ok(Arc::new(DailySettings::from_env(env, app_env)?))
    }),
    ("twilio", |env, app_env| {
        Ok(Arc::new(TwilioSettings::from_env(env, app_env)?))
    }),
    ("google-meet", |env, app_env| {
        Ok(Arc::new(GoogleMeetSettings::from_env(env, app_env)?))
    }),
];

/// The names of every provider this server knows, in [`PROVIDERS`]'s order.
pub fn known_names() -> impl Iterator<Item = &'static str> + Clone {
    PROVIDERS.iter().map(|(name, _)| *name)
}

/// The configured providers: `VIDEO_PROVIDER` (the default, first) and those `VIDEO_PROVIDERS`
/// adds, each with its own settings.
#[derive(Debug, Clone)]
pub struct EnabledProviders {
    /// Never empty; the default first.
    list: Vec<ProviderConfig>,
}

impl EnabledProviders {
    /// Reads `VIDEO_PROVIDERS` (a comma-separated list of provider names, each at most once;
    /// unset: none besides the default) and the settings of `VIDEO_PROVIDER` and of every one
    /// listed. `VIDEO_PROVIDER` is always enabled, whether `VIDEO_PROVIDERS` names it or not.
    pub fn from_env(settings: &Settings, env: &Environment) -> Result<Self, ConfigError> {
        let default = reader("VIDEO_PROVIDER", &settings.video_provider)?;
        let mut names = vec![default.0];
        if let Some(list) = env.get("VIDEO_PROVIDERS")? {
            for name in list.split(',').map(str::trim) {
                let (name, _) = reader("VIDEO_PROVIDERS", name)?;
                if names[1..].contains(&name) {
                    return Err(ConfigError::invalid(
                        "VIDEO_PROVIDERS",
                        "must name each provider at most once",
                    ));
                }
                if name != default.0 {
                    names.push(name);
                }
            }
        }
        let list = names
            .into_iter()
            .map(|name| {
                let (_, read) = reader("VIDEO_PROVIDER", name)?;
                read(env, settings.app_env)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { list })
    }

    /// Only `provider`: for embedding and tests.
    pub fn only(provider: ProviderConfig) -> Self {
        Self {
            list: vec![provider],
        }
    }

    /// The default provider's settings (`VIDEO_PROVIDER`).
    pub fn default_provider(&self) -> &ProviderConfig {
        // `list` is never empty: every constructor puts the default first.
        &self.list[0]
    }

    /// Every enabled provider's settings, the default first.
    pub fn iter(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.list.iter()
    }

    /// The enabled provider called `name`.
    pub fn get(&self, name: &str) -> Option<&ProviderConfig> {
        self.list.iter().find(|provider| provider.name() == name)
    }

    /// The same providers, those that keep per-room records (Google Meet's meeting space of each
    /// room) keeping them in `records`, the server's database, so that every replica and every
    /// restart agrees on them.
    #[must_use]
    pub fn with_room_records(&self, records: &Arc<dyn RoomRecords>) -> Self {
        let list = self
            .list
            .iter()
            .map(|provider| {
                provider
                    .with_room_records(Arc::clone(records))
                    .unwrap_or_else(|| Arc::clone(provider))
            })
            .collect();
        Self { list }
    }

    /// Warnings for the startup log, of every enabled provider as the server runs it: with the
    /// server's database for their room records (so Google Meet does not warn that its spaces
    /// are only in memory).
    pub fn warnings(&self, app_env: AppEnv) -> Vec<String> {
        let database: Arc<dyn RoomRecords> = Arc::new(ServerDatabase);
        self.with_room_records(&database)
            .list
            .iter()
            .flat_map(|provider| provider.warnings(app_env))
            .collect()
    }

    /// The effective settings as `NAME=value` lines, secrets redacted (for `check-config`).
    pub fn describe(&self) -> Vec<String> {
        let names: Vec<&str> = self.list.iter().map(|provider| provider.name()).collect();
        let mut lines = vec![
            format!("VIDEO_PROVIDER={} (the default)", names[0]),
            format!(
                "VIDEO_PROVIDERS={} (enabled: {}; a request picks one with provider=)",
                names[1..].join(","),
                names.join(", ")
            ),
        ];
        lines.extend(self.list.iter().flat_map(|provider| provider.describe()));
        lines
    }

    /// The providers these settings describe, built to serve requests.
    pub fn build(&self) -> Providers {
        Providers {
            entries: self
                .list
                .iter()
                .map(|settings| Provider::build(settings.as_ref()))
                .collect(),
        }
    }
}

/// The server's database as room records, before it is opened: only what the providers say of
/// their settings ([`EnabledProviders::warnings`]) is read with it, never a record.
#[derive(Debug)]
struct ServerDatabase;

impl RoomRecords for ServerDatabase {
    fn get<'a>(
        &'a self,
        _provider: &'static str,
        _room: &'a video_core::RoomName,
    ) -> video_core::BoxFuture<'a, Result<Option<String>, video_core::RoomRecordsError>> {
        Box::pin(async {
            Err(video_core::RoomRecordsError::new(
                "the database is not open",
            ))
        })
    }

    fn insert_if_absent<'a>(
        &'a self,
        _provider: &'static str,
        _room: &'a video_core::RoomName,
        _record: String,
    ) -> video_core::BoxFuture<'a, Result<String, video_core::RoomRecordsError>> {
        Box::pin(async {
            Err(video_core::RoomRecordsError::new(
                "the database is not open",
            ))
        })
    }
}

/// The read function of the provider called `name`, or the error of `variable`'s rule.
fn reader(variable: &'static str, name: &str) -> Result<(&'static str, ReadSettings), ConfigError> {
    PROVIDERS
        .iter()
        .find(|(known, _)| *known == name)
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = known_names().collect();
            let rule = if variable == "VIDEO_PROVIDERS" {
                format!("must be a comma-separated list of: {}", names.join(", "))
            } else {
                format!("must be one of: {}", names.join(", "))
            };
            ConfigError::invalid(variable, rule)
        })
}

/// One provider as the running server holds it.
#[derive(Clone)]
pub struct Provider {
    /// Issues join tickets.
    pub tickets: Arc<dyn VideoProvider>,
    /// Its room administration; `None` for a provider without one (the room routes then answer
    /// 501).
    pub rooms: Option<Arc<dyn RoomAdmin>>,
    /// Verifies and converts its webhooks; `None` for a provider that sends none.
    pub events: Option<Arc<dyn SessionEventReceiver>>,
}

impl Provider {
    fn build(settings: &dyn ProviderSettings) -> Self {
        Self {
            tickets: settings.build(),
            rooms: settings.room_admin(),
            events: settings.session_events(),
        }
    }

    /// Its name, e.g. `livekit`.
    pub fn name(&self) -> &'static str {
        self.tickets.name()
    }
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.name())
            .field("rooms", &self.rooms.is_some())
            .field("events", &self.events.is_some())
            .finish()
    }
}

/// The providers a server runs: the default first, then the others, each at most once.
#[derive(Debug, Clone)]
pub struct Providers {
    /// Never empty; the default first.
    entries: Vec<Provider>,
}

impl Providers {
    /// The default provider (`VIDEO_PROVIDER`).
    pub fn default_provider(&self) -> &Provider {
        // `entries` is never empty: built from `EnabledProviders`, which never is.
        &self.entries[0]
    }

    /// Every provider, the default first.
    pub fn iter(&self) -> impl Iterator<Item = &Provider> {
        self.entries.iter()
    }

    /// The names of the enabled providers, the default first.
    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(Provider::name).collect()
    }

    /// The enabled provider called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&Provider> {
        self.entries.iter().find(|provider| provider.name() == name)
    }

    /// The provider a request asked for with `provider=`, or the default when it did not ask;
    /// a 400 naming the enabled providers when it asked for one that is not enabled.
    pub fn select(&self, requested: Option<&str>) -> Result<&Provider, ApiError> {
        match requested {
            None => Ok(self.default_provider()),
            Some(name) => self
                .get(name)
                .ok_or_else(|| ApiError::ProviderNotEnabled(self.names())),
        }
    }

    /// The same providers with the default's tickets issued by `tickets` instead: for embedding
    /// a provider of one's own, and for tests of a failing provider.
    #[must_use]
    pub fn with_default_tickets(mut self, tickets: Arc<dyn VideoProvider>) -> Self {
        self.entries[0].tickets = tickets;
        self
    }

    /// Every provider's room administration wrapped by `wrap` (the metrics' `MeteredRoomAdmin`).
    #[must_use]
    pub fn map_rooms(mut self, wrap: impl Fn(Arc<dyn RoomAdmin>) -> Arc<dyn RoomAdmin>) -> Self {
        for entry in &mut self.entries {
            entry.rooms = entry.rooms.take().map(&wrap);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    fn enabled(pairs: &[(&str, &str)]) -> Result<EnabledProviders, ConfigError> {
        let env = env(pairs);
        EnabledProviders::from_env(&Settings::from_env(&env)?, &env)
    }

    const DAILY: [(&str, &str); 3] = [
        ("DAILY_API_KEY", "a-daily-api-key-that-is-long-enough-01"),
        ("DAILY_DOMAIN", "openconnect"),
        ("DAILY_DOMAIN_ID", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
    ];
    const TWILIO: [(&str, &str); 3] = [
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_API_KEY_SID", "SK0123456789abcdef0123456789abcdef"),
        (
            "TWILIO_API_KEY_SECRET",
            "a-twilio-api-key-secret-long-enough-0",
        ),
    ];

    #[test]
    fn the_default_alone_when_no_list_is_set() {
        let providers = enabled(&[]).unwrap();
        assert_eq!(providers.default_provider().name(), "livekit");
        assert_eq!(providers.iter().count(), 1);
        assert_eq!(providers.build().names(), ["livekit"]);
    }

    #[test]
    fn the_list_adds_providers_after_the_default_which_it_may_repeat() {
        let mut pairs = vec![("VIDEO_PROVIDERS", " daily , twilio,livekit")];
        pairs.extend(DAILY);
        pairs.extend(TWILIO);
        let providers = enabled(&pairs).unwrap().build();
        assert_eq!(providers.names(), ["livekit", "daily", "twilio"]);
        assert_eq!(providers.select(None).unwrap().name(), "livekit");
        assert_eq!(providers.select(Some("twilio")).unwrap().name(), "twilio");
        // Only LiveKit has room administration and webhooks.
        let capabilities: Vec<_> = providers
            .iter()
            .map(|p| (p.name(), p.rooms.is_some(), p.events.is_some()))
            .collect();
        assert_eq!(
            capabilities,
            [
                ("livekit", true, true),
                ("daily", false, false),
                ("twilio", false, false)
            ]
        );

        let mut pairs = vec![("VIDEO_PROVIDER", "daily"), ("VIDEO_PROVIDERS", "livekit")];
        pairs.extend(DAILY);
        let providers = enabled(&pairs).unwrap();
        let names: Vec<_> = providers.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["daily", "livekit"]);
        let text = providers.describe().join("\n");
        assert!(
            text.contains("VIDEO_PROVIDER=daily (the default)"),
            "{text}"
        );
        assert!(
            text.contains("VIDEO_PROVIDERS=livekit (enabled: daily, livekit;"),
            "{text}"
        );
        assert!(!text.contains(DAILY[0].1), "{text}");
    }

    #[test]
    fn a_request_for_a_provider_not_enabled_names_the_enabled_ones() {
        let providers = enabled(&[]).unwrap().build();
        for name in ["daily", "zoom", ""] {
            match providers.select(Some(name)) {
                Err(ApiError::ProviderNotEnabled(names)) => assert_eq!(names, ["livekit"]),
                other => panic!("{name:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_lists_name_the_variable_and_the_rule_never_the_secrets() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (
                &[("VIDEO_PROVIDERS", "daily,zoom")],
                "VIDEO_PROVIDERS is invalid: must be a comma-separated list of: livekit, daily, twilio, google-meet",
            ),
            (
                &[("VIDEO_PROVIDERS", "daily,,twilio")],
                "VIDEO_PROVIDERS is invalid: must be a comma-separated list of: livekit, daily, twilio, google-meet",
            ),
            (
                &[("VIDEO_PROVIDERS", "twilio,twilio")],
                "VIDEO_PROVIDERS is invalid: must name each provider at most once",
            ),
            (
                &[("VIDEO_PROVIDER", "zoom")],
                "VIDEO_PROVIDER is invalid: must be one of: livekit, daily, twilio, google-meet",
            ),
            // An enabled provider's own settings are required like the default's.
            (
                &[("VIDEO_PROVIDERS", "daily")],
                "DAILY_DOMAIN is not set: required when the daily provider is enabled",
            ),
        ];
        for (pairs, message) in cases {
            let error = enabled(pairs).unwrap_err();
            assert!(error.to_string().starts_with(message), "{pairs:?}: {error}");
        }
        let mut pairs = vec![("VIDEO_PROVIDERS", "daily")];
        pairs.extend(DAILY);
        pairs[1].1 = "short-key-but-very-secret";
        pairs.push(("APP_ENV", "production"));
        pairs.extend([
            ("LIVEKIT_URL", "wss://video.example.edu"),
            ("LIVEKIT_API_KEY", "APIkey"),
            (
                "LIVEKIT_API_SECRET",
                "an-api-secret-that-is-long-enough-0123",
            ),
        ]);
        let error = enabled(&pairs).unwrap_err().to_string();
        assert!(error.starts_with("DAILY_API_KEY is invalid"), "{error}");
        assert!(!error.contains("very-secret"), "{error}");
    }

    #[test]
    fn the_unopened_database_answers_no_record() {
        let room = video_core::RoomName::parse("r").unwrap();
        let database = ServerDatabase;
        let read = ready_now(database.get("google-meet", &room));
        let written = ready_now(database.insert_if_absent("google-meet", &room, "x".into()));
        assert!(read.is_err() && written.is_err());
    }

    /// Runs a future that never waits.
    fn ready_now<T>(future: video_core::BoxFuture<'_, T>) -> T {
        let mut future = future;
        let waker = std::task::Waker::noop();
        match future
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
        {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => panic!("the future waited"),
        }
    }
}
