use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Deserialize;
use serde_json::Value;
use url::Url;
use video_core::config::{self, AppEnv, ConfigError, Environment};
use video_core::{ProviderSettings, RoomRecords, VideoProvider};

use crate::oauth::DEFAULT_TOKEN_URI;
use crate::{GoogleMeetProvider, InMemorySpaceDirectory, SpaceDirectory};

pub(crate) const KEY_FILE: &str = "GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE";
pub(crate) const IMPERSONATE_USER: &str = "GOOGLE_MEET_IMPERSONATE_USER";
pub(crate) const ACCESS_TYPE: &str = "GOOGLE_MEET_ACCESS_TYPE";
pub(crate) const API_URL: &str = "GOOGLE_MEET_API_URL";
pub(crate) const API_TIMEOUT_MS: &str = "GOOGLE_MEET_API_TIMEOUT_MS";
pub(crate) const TICKET_TTL_HOURS: &str = "GOOGLE_MEET_TICKET_TTL_HOURS";

/// The rule of a key file that cannot be read.
pub(crate) const KEY_FILE_UNREADABLE_RULE: &str = "must be the path of a readable file: the service \
     account's JSON key, as Google Cloud downloads it";
/// The rule of a key file that is not a JSON object.
pub(crate) const KEY_FILE_NOT_JSON_RULE: &str = "must hold the service account's JSON key (a JSON \
     object), as Google Cloud downloads it";
/// The rule of a key file whose `type` is wrong.
pub(crate) const KEY_TYPE_RULE: &str = "the key file's `type` must be `service_account` (a service \
     account's key, not an OAuth client's or a user's credentials)";
/// The rule of a key file whose `client_email` is not an email address.
pub(crate) const CLIENT_EMAIL_RULE: &str =
    "the key file's `client_email` must be the service account's email address";
/// The rule of a key file whose `private_key` is not an RSA key that signs.
pub(crate) const PRIVATE_KEY_RULE: &str = "the key file's `private_key` must be an RSA private key in \
     PEM (`-----BEGIN PRIVATE KEY-----`, as Google issues it) that signs RS256";
/// Not a rule of the file: the process's JWT crypto provider cannot sign RS256 at all.
pub(crate) const NO_RS256_RULE: &str = "could not be checked: this process's JWT crypto \
     provider cannot sign RS256 (jsonwebtoken's rust_crypto provider must be installed before \
     any token is signed, as token-server does at start)";
/// The rule of a key file whose `token_uri` is not a URL.
pub(crate) const TOKEN_URI_RULE: &str = "the key file's `token_uri` must be an http or https URL without credentials, query or fragment";
/// The rule of a key file whose `token_uri` is not `https` in production.
pub(crate) const TOKEN_URI_PRODUCTION_RULE: &str =
    "the key file's `token_uri` must be an https URL when APP_ENV=production";
/// The rule of `GOOGLE_MEET_IMPERSONATE_USER`.
pub(crate) const IMPERSONATE_USER_RULE: &str = "must be the email address of the Google Workspace user \
     the service account acts for (domain-wide delegation), e.g. meet-organizer@school.example";
/// The rule of `GOOGLE_MEET_ACCESS_TYPE`.
pub(crate) const ACCESS_TYPE_RULE: &str = "must be one of: OPEN, TRUSTED, RESTRICTED";
/// The rule of `GOOGLE_MEET_API_URL`.
pub(crate) const API_URL_RULE: &str = "must be an http or https URL without credentials, query or \
     fragment, e.g. https://meet.googleapis.com";
/// The rule of `GOOGLE_MEET_API_URL` in production.
pub(crate) const API_URL_PRODUCTION_RULE: &str = "must be an https URL when APP_ENV=production";
/// The rule of `GOOGLE_MEET_API_TIMEOUT_MS`.
pub(crate) const API_TIMEOUT_RULE: &str = "must be a whole number of milliseconds from 1 to 60000";

const REQUIRED: &str =
    "required when the google-meet provider is enabled (VIDEO_PROVIDER or VIDEO_PROVIDERS)";
const IMPERSONATE_REQUIRED: &str = "required when the google-meet provider is enabled \
     (VIDEO_PROVIDER or VIDEO_PROVIDERS): the Meet REST API accepts user credentials only, so the \
     service account must act for a Workspace user through domain-wide delegation";
/// A service account key is about 2.3 KB; anything past this is not one.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Who may join a space's meetings without knocking: the space's `config.accessType`, as the Meet
/// REST API defines it
/// ([AccessType](https://developers.google.com/workspace/meet/api/reference/rest/v2/spaces#accesstype)).
///
/// Whoever knocks waits until someone in the meeting who may admit people (the space's organizer,
/// a co-host) lets them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessType {
    /// `OPEN`: anyone with the link (or the dial-in details) joins without knocking.
    Open,
    /// `TRUSTED` (the default here): members of the organizer's Google Workspace organization,
    /// invited external users and dial-in users join without knocking; everyone else knocks.
    #[default]
    Trusted,
    /// `RESTRICTED`: only invitees join without knocking; everyone else knocks. The spaces this
    /// provider creates have no invitees, so everyone but the organizer knocks.
    Restricted,
}

impl AccessType {
    /// The Meet REST API's name: `OPEN`, `TRUSTED` or `RESTRICTED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Trusted => "TRUSTED",
            Self::Restricted => "RESTRICTED",
        }
    }
}

impl fmt::Display for AccessType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessType {
    type Err = ConfigError;

    /// `OPEN`, `TRUSTED` or `RESTRICTED`, spelt as the Meet REST API spells them; anything else
    /// is a [`ConfigError`] for `GOOGLE_MEET_ACCESS_TYPE`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "OPEN" => Ok(Self::Open),
            "TRUSTED" => Ok(Self::Trusted),
            "RESTRICTED" => Ok(Self::Restricted),
            _ => Err(ConfigError::invalid(ACCESS_TYPE, ACCESS_TYPE_RULE)),
        }
    }
}

/// A service account's key, read from the JSON key file Google Cloud issues.
#[derive(Clone)]
pub(crate) struct ServiceAccountKey {
    pub(crate) client_email: String,
    pub(crate) client_id: Option<String>,
    pub(crate) private_key_id: String,
    pub(crate) token_uri: Url,
    pub(crate) signing_key: EncodingKey,
}

impl ServiceAccountKey {
    /// Reads and checks a key file's JSON. Errors name `GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE` and
    /// the field's rule, never a value (serde's own messages can quote one, so none is passed on).
    fn from_json(json: &str) -> Result<Self, ConfigError> {
        let invalid = |rule: Cow<'static, str>| ConfigError::invalid(KEY_FILE, rule);
        let value: Value =
            serde_json::from_str(json).map_err(|_| invalid(KEY_FILE_NOT_JSON_RULE.into()))?;
        let Value::Object(fields) = value else {
            return Err(invalid(KEY_FILE_NOT_JSON_RULE.into()));
        };
        let text = |name: &'static str| -> Result<Option<&str>, ConfigError> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) if text.is_empty() => Ok(None),
                Some(Value::String(text)) => Ok(Some(text)),
                Some(_) => Err(invalid(
                    format!("the key file's `{name}` must be a string").into(),
                )),
            }
        };
        let required = |name: &'static str| -> Result<&str, ConfigError> {
            text(name)?.ok_or_else(|| {
                invalid(
                    format!("the key file has no `{name}`: is it a service account's key?").into(),
                )
            })
        };
        if required("type")? != "service_account" {
            return Err(invalid(KEY_TYPE_RULE.into()));
        }
        let client_email = required("client_email")?;
        if !is_email(client_email) {
            return Err(invalid(CLIENT_EMAIL_RULE.into()));
        }
        let private_key_id = required("private_key_id")?;
        let private_key = required("private_key")?;
        let token_uri = match text("token_uri")? {
            None => DEFAULT_TOKEN_URI,
            Some(uri) => uri,
        };
        let token_uri = http_url(token_uri).ok_or_else(|| invalid(TOKEN_URI_RULE.into()))?;
        let signing_key = EncodingKey::from_rsa_pem(private_key.as_bytes())
            .map_err(|_| invalid(PRIVATE_KEY_RULE.into()))?;
        // `from_rsa_pem` checks the PEM's envelope; signing parses the key itself.
        jsonwebtoken::crypto::sign(b"openconnect-startup-check", &signing_key, Algorithm::RS256)
            .map_err(|error| match error.kind() {
                ErrorKind::InvalidAlgorithm => invalid(NO_RS256_RULE.into()),
                _ => invalid(PRIVATE_KEY_RULE.into()),
            })?;
        Ok(Self {
            client_email: client_email.to_owned(),
            client_id: text("client_id")?.map(str::to_owned),
            private_key_id: private_key_id.to_owned(),
            token_uri,
            signing_key,
        })
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let unreadable = || ConfigError::invalid(KEY_FILE, KEY_FILE_UNREADABLE_RULE);
        let metadata = std::fs::metadata(path).map_err(|_| unreadable())?;
        if !metadata.is_file() {
            return Err(unreadable());
        }
        if metadata.len() > MAX_KEY_FILE_BYTES {
            return Err(ConfigError::invalid(KEY_FILE, KEY_FILE_NOT_JSON_RULE));
        }
        let json = std::fs::read_to_string(path).map_err(|_| unreadable())?;
        Self::from_json(&json)
    }
}

/// How to reach Google Meet: the service account and the user it acts for, the spaces' access
/// type, the API's address and timeout, how long tickets are offered for, and the
/// [`SpaceDirectory`] that remembers each room's space.
///
/// `Debug` and [`describe`](ProviderSettings::describe) show the service account's email and key
/// id (neither is a secret) but never the private key.
#[derive(Clone)]
pub struct GoogleMeetSettings {
    key_file: Option<PathBuf>,
    key: ServiceAccountKey,
    impersonate_user: String,
    access_type: AccessType,
    api_url: Url,
    api_timeout: Duration,
    ticket_ttl: Duration,
    directory: Arc<dyn SpaceDirectory>,
    durable_directory: bool,
}

#[derive(Deserialize)]
struct RawSettings {
    service_account_key_file: Option<String>,
    impersonate_user: Option<String>,
    access_type: Option<String>,
    api_url: Option<String>,
    api_timeout_ms: Option<String>,
    ticket_ttl_hours: Option<String>,
}

impl GoogleMeetSettings {
    /// The Meet REST API when `GOOGLE_MEET_API_URL` is unset.
    pub const DEFAULT_API_URL: &'static str = "https://meet.googleapis.com";
    /// The bound of each call to Google when `GOOGLE_MEET_API_TIMEOUT_MS` is unset: 5 seconds.
    pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(5);
    /// The longest accepted bound of a call: 60 seconds.
    pub const MAX_API_TIMEOUT: Duration = Duration::from_secs(60);
    /// How long a ticket is offered for when `GOOGLE_MEET_TICKET_TTL_HOURS` is unset: 6 hours,
    /// as the other providers' tokens.
    pub const DEFAULT_TICKET_TTL: Duration = Duration::from_secs(6 * 3600);

    /// Settings for the service account whose JSON key (as Google Cloud downloads it) is `json`,
    /// acting for the Workspace user `impersonate_user`, with every other setting at its
    /// default.
    ///
    /// Checks the key as [`from_env`](Self::from_env) does (a `service_account` key whose
    /// `private_key` signs RS256; `token_uri` an http(s) URL, by default Google's) and that the
    /// user is an email address; the production rules (https only) are the caller's to apply.
    pub fn from_key_json(json: &str, impersonate_user: &str) -> Result<Self, ConfigError> {
        Self::with_key(None, ServiceAccountKey::from_json(json)?, impersonate_user)
    }

    /// As [`from_key_json`](Self::from_key_json), with the key read from the file at `path`.
    pub fn from_key_file(
        path: impl AsRef<Path>,
        impersonate_user: &str,
    ) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let key = ServiceAccountKey::from_file(path)?;
        Self::with_key(Some(path.to_owned()), key, impersonate_user)
    }

    fn with_key(
        key_file: Option<PathBuf>,
        key: ServiceAccountKey,
        impersonate_user: &str,
    ) -> Result<Self, ConfigError> {
        if !is_email(impersonate_user) {
            return Err(ConfigError::invalid(
                IMPERSONATE_USER,
                IMPERSONATE_USER_RULE,
            ));
        }
        let api_url = http_url(Self::DEFAULT_API_URL)
            .ok_or_else(|| ConfigError::invalid(API_URL, API_URL_RULE))?;
        Ok(Self {
            key_file,
            key,
            impersonate_user: impersonate_user.to_owned(),
            access_type: AccessType::default(),
            api_url,
            api_timeout: Self::DEFAULT_API_TIMEOUT,
            ticket_ttl: Self::DEFAULT_TICKET_TTL,
            directory: Arc::new(InMemorySpaceDirectory::new()),
            durable_directory: false,
        })
    }

    /// Reads `GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE` and `GOOGLE_MEET_IMPERSONATE_USER` (both
    /// required in every environment: there is no local Meet to fall back to),
    /// `GOOGLE_MEET_ACCESS_TYPE` (default `TRUSTED`), `GOOGLE_MEET_API_URL` (default
    /// `https://meet.googleapis.com`), `GOOGLE_MEET_API_TIMEOUT_MS` (default 5000) and
    /// `GOOGLE_MEET_TICKET_TTL_HOURS` (default 6).
    ///
    /// The key file is read and checked now (readable, JSON, `type` `service_account`, a
    /// `private_key` that signs RS256), so a bad key stops the server at startup rather than
    /// failing the first join. In [`AppEnv::Production`], `GOOGLE_MEET_API_URL` and the key
    /// file's `token_uri` must be `https`; in development, `http` is accepted too, for a local
    /// stand-in of Google's endpoints.
    pub fn from_env(env: &Environment, app_env: AppEnv) -> Result<Self, ConfigError> {
        let raw: RawSettings = env.read("GOOGLE_MEET_")?;
        let key_file = raw
            .service_account_key_file
            .ok_or_else(|| ConfigError::missing(KEY_FILE, REQUIRED))?;
        let user = raw
            .impersonate_user
            .ok_or_else(|| ConfigError::missing(IMPERSONATE_USER, IMPERSONATE_REQUIRED))?;
        let mut settings = Self::from_key_file(&key_file, user.trim())?;
        if let Some(access_type) = raw.access_type {
            settings = settings.with_access_type(access_type.trim().parse()?);
        }
        if let Some(url) = raw.api_url {
            settings = settings.with_api_url(url.trim())?;
        }
        if let Some(ms) = raw.api_timeout_ms {
            let ms: u64 = ms
                .trim()
                .parse()
                .map_err(|_| ConfigError::invalid(API_TIMEOUT_MS, API_TIMEOUT_RULE))?;
            settings = settings.with_api_timeout(Duration::from_millis(ms))?;
        }
        if let Some(hours) = raw.ticket_ttl_hours {
            settings =
                settings.with_ticket_ttl(config::token_ttl_hours(TICKET_TTL_HOURS, &hours)?)?;
        }
        if app_env == AppEnv::Production {
            if settings.api_url.scheme() != "https" {
                return Err(ConfigError::invalid(API_URL, API_URL_PRODUCTION_RULE));
            }
            if settings.key.token_uri.scheme() != "https" {
                return Err(ConfigError::invalid(KEY_FILE, TOKEN_URI_PRODUCTION_RULE));
            }
        }
        Ok(settings)
    }

    /// Sets who may join the spaces created from now on without knocking.
    #[must_use]
    pub fn with_access_type(mut self, access_type: AccessType) -> Self {
        self.access_type = access_type;
        self
    }

    /// Sets the Meet REST API's base URL (`spaces.create` is `POST {url}/v2/spaces`): an http or
    /// https URL without credentials, query or fragment.
    pub fn with_api_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.api_url = http_url(url).ok_or_else(|| ConfigError::invalid(API_URL, API_URL_RULE))?;
        Ok(self)
    }

    /// Sets the bound of each call to Google (connecting, sending, reading the answer): from 1 ms
    /// to 60 s, in whole milliseconds.
    pub fn with_api_timeout(mut self, timeout: Duration) -> Result<Self, ConfigError> {
        let whole = Duration::from_millis(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        if whole.is_zero() || whole > Self::MAX_API_TIMEOUT {
            return Err(ConfigError::invalid(API_TIMEOUT_MS, API_TIMEOUT_RULE));
        }
        self.api_timeout = whole;
        Ok(self)
    }

    /// Sets how long a ticket is offered for (its `expires_at`): more than 0 and at most 24
    /// hours, in whole seconds. The meeting link itself does not expire with it.
    pub fn with_ticket_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        self.ticket_ttl = config::whole_token_ttl(TICKET_TTL_HOURS, ttl)?;
        Ok(self)
    }

    /// Keeps the room → space map in `directory` (a durable store, say) instead of in this
    /// process's memory. Every provider built from these settings (and their clones) shares it.
    #[must_use]
    pub fn with_space_directory(mut self, directory: Arc<dyn SpaceDirectory>) -> Self {
        self.directory = directory;
        self.durable_directory = true;
        self
    }

    /// The key file the settings were read from; `None` when the key was given as JSON.
    pub fn key_file(&self) -> Option<&Path> {
        self.key_file.as_deref()
    }

    /// The service account's email: the assertion's issuer (`iss`).
    pub fn client_email(&self) -> &str {
        &self.key.client_email
    }

    /// The service account's client id, when the key file has one: what the Workspace admin
    /// console asks for to grant domain-wide delegation.
    pub fn client_id(&self) -> Option<&str> {
        self.key.client_id.as_deref()
    }

    /// The key's id: the assertion header's `kid`.
    pub fn private_key_id(&self) -> &str {
        &self.key.private_key_id
    }

    /// Where assertions are exchanged for access tokens: the key file's `token_uri`.
    pub fn token_uri(&self) -> &str {
        self.key.token_uri.as_str()
    }

    /// The Workspace user the service account acts for (the assertion's `sub`): the organizer
    /// of every space created.
    pub fn impersonate_user(&self) -> &str {
        &self.impersonate_user
    }

    /// Who may join without knocking (the spaces' `config.accessType`).
    pub fn access_type(&self) -> AccessType {
        self.access_type
    }

    /// The Meet REST API's base URL, without a trailing slash.
    pub fn api_url(&self) -> &str {
        self.api_url.as_str().trim_end_matches('/')
    }

    /// The bound of each call to Google.
    pub fn api_timeout(&self) -> Duration {
        self.api_timeout
    }

    /// How long a ticket is offered for.
    pub fn ticket_ttl(&self) -> Duration {
        self.ticket_ttl
    }

    /// Where the room → space map is kept.
    pub fn space_directory(&self) -> &Arc<dyn SpaceDirectory> {
        &self.directory
    }

    pub(crate) fn key(&self) -> &ServiceAccountKey {
        &self.key
    }

    /// The URL of `spaces.create`.
    pub(crate) fn spaces_url(&self) -> String {
        format!("{}/v2/spaces", self.api_url())
    }
}

impl fmt::Debug for GoogleMeetSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetSettings")
            .field("key_file", &self.key_file)
            .field("client_email", &self.key.client_email)
            .field("client_id", &self.key.client_id)
            .field("private_key_id", &self.key.private_key_id)
            .field("private_key", &"[REDACTED]")
            .field("token_uri", &self.token_uri())
            .field("impersonate_user", &self.impersonate_user)
            .field("access_type", &self.access_type)
            .field("api_url", &self.api_url())
            .field("api_timeout", &self.api_timeout)
            .field("ticket_ttl", &self.ticket_ttl)
            .field("space_directory", &self.directory)
            .finish()
    }
}

impl ProviderSettings for GoogleMeetSettings {
    fn name(&self) -> &'static str {
        crate::provider::PROVIDER
    }

    fn build(&self) -> Arc<dyn VideoProvider> {
        Arc::new(GoogleMeetProvider::new(self.clone()))
    }

    /// Sets how long tickets are offered for ([`with_ticket_ttl`](Self::with_ticket_ttl)).
    fn with_token_ttl(&self, ttl: Duration) -> Result<Arc<dyn ProviderSettings>, ConfigError> {
        Ok(Arc::new(self.clone().with_ticket_ttl(ttl)?))
    }

    /// The same settings with the room → space map kept in `records`
    /// ([`RecordsSpaceDirectory`](crate::RecordsSpaceDirectory)): every replica and every restart
    /// then hands out the same link for a room.
    fn with_room_records(
        &self,
        records: Arc<dyn RoomRecords>,
    ) -> Option<Arc<dyn ProviderSettings>> {
        let directory = Arc::new(crate::RecordsSpaceDirectory::new(records));
        Some(Arc::new(self.clone().with_space_directory(directory)))
    }

    /// Every `GOOGLE_MEET_*` variable as it is in effect; the key file as
    /// its path and public fields, the private key redacted.
    fn describe(&self) -> Vec<String> {
        let key_file = self.key_file.as_ref().map_or_else(
            || "[given as JSON]".to_owned(),
            |path| path.display().to_string(),
        );
        let client_id = self
            .key
            .client_id
            .as_deref()
            .map(|id| format!(", client_id={id}"))
            .unwrap_or_default();
        let ttl = self.ticket_ttl.as_secs();
        vec![
            format!(
                "{KEY_FILE}={key_file} (client_email={}{client_id}, private_key_id={}, \
                 private_key=[REDACTED], token_uri={})",
                self.key.client_email,
                self.key.private_key_id,
                self.token_uri()
            ),
            format!("{IMPERSONATE_USER}={}", self.impersonate_user),
            format!("{ACCESS_TYPE}={}", self.access_type),
            format!("{API_URL}={}", self.api_url()),
            format!("{API_TIMEOUT_MS}={}", self.api_timeout.as_millis()),
            format!("{TICKET_TTL_HOURS}={} ({ttl} s)", ttl as f64 / 3600.0),
        ]
    }

    /// What Meet cannot do that the other providers do: enforce roles; and, with the default
    /// directory, keep a room's space across restarts and replicas; and `OPEN` spaces.
    fn warnings(&self, _app_env: AppEnv) -> Vec<String> {
        let mut warnings = vec![
            "Google Meet cannot enforce roles: hosts, participants and viewers get the same \
             meeting link, and a viewer can turn on camera and microphone \
             (docs/providers/google-meet/README.md)"
                .to_owned(),
        ];
        if !self.durable_directory {
            warnings.push(
                "Google Meet spaces are remembered in this process's memory: after a restart, \
                 or on another token-server replica, a room gets a new meeting link"
                    .to_owned(),
            );
        }
        if self.access_type == AccessType::Open {
            warnings.push(
                "GOOGLE_MEET_ACCESS_TYPE=OPEN: anyone who has a room's link joins without \
                 knocking, whether or not they are in the course"
                    .to_owned(),
            );
        }
        warnings
    }
}

/// `local@domain`, one `@`, a dot in the domain, no spaces or control characters, at most 254
/// characters: enough to catch a wrong variable, not a full RFC 5322 parser.
pub(crate) fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let clean = |part: &str| {
        !part.is_empty() && !part.contains('@') && part.chars().all(|c| c.is_ascii_graphic())
    };
    value.len() <= 254
        && clean(local)
        && clean(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// `value` as an http or https URL with a host and without credentials, query or fragment.
fn http_url(value: &str) -> Option<Url> {
    let url = Url::parse(value).ok()?;
    let fits = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|host| !host.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    fits.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_types_are_spelt_as_the_meet_api_spells_them() {
        for access_type in [
            AccessType::Open,
            AccessType::Trusted,
            AccessType::Restricted,
        ] {
            assert_eq!(access_type.as_str().parse::<AccessType>(), Ok(access_type));
            assert_eq!(access_type.to_string(), access_type.as_str());
        }
        assert_eq!(AccessType::default(), AccessType::Trusted);
        for bad in ["trusted", "Open", "PUBLIC", ""] {
            assert_eq!(
                bad.parse::<AccessType>(),
                Err(ConfigError::invalid(ACCESS_TYPE, ACCESS_TYPE_RULE)),
                "{bad}"
            );
        }
    }

    #[test]
    fn emails_are_checked_loosely() {
        for good in [
            "meet-organizer@school.example",
            "a.b+c@sub.school.example",
            "sa@project.iam.gserviceaccount.com",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "teacher",
            "@school.example",
            "teacher@",
            "teacher@localhost",
            "a@b@c.example",
            "tea cher@school.example",
            "teacher@.example",
            "teacher@school.example.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(!is_email(&format!("{}@school.example", "a".repeat(250))));
    }

    #[test]
    fn urls_are_http_or_https_without_extras() {
        for good in [
            "https://meet.googleapis.com",
            "https://meet.googleapis.com/",
            "http://127.0.0.1:8080/base",
        ] {
            assert!(http_url(good).is_some(), "{good}");
        }
        for bad in [
            "meet.googleapis.com",
            "ftp://meet.googleapis.com",
            "https://user:pass@meet.googleapis.com",
            "https://meet.googleapis.com/?key=x",
            "https://meet.googleapis.com/#x",
            "file:///etc/passwd",
        ] {
            assert!(http_url(bad).is_none(), "{bad}");
        }
    }
}
