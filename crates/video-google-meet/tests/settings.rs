//! Configuration: the variables, their defaults and rules, the checks of the key file at
//! startup; errors that name the variable and the rule, never the value; `describe()` and
//! `Debug` without the private key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::{CLIENT_EMAIL, PRIVATE_KEY_ID, USER, key_json, test_key, write_key_file};
use video_core::ProviderSettings;
use video_core::config::{AppEnv, ConfigError, Environment};
use video_google_meet::{AccessType, GoogleMeetSettings};

const KEY_FILE: &str = "GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE";
const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

fn env(pairs: &[(&str, &str)]) -> Environment {
    Environment::from_pairs(pairs.iter().copied())
}

/// A directory with a good key file (Google's token endpoint) and the two required variables.
fn setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_key_file(&dir, "key.json", &key_json(test_key(), GOOGLE_TOKEN_URI));
    (dir, path.to_str().unwrap().to_owned())
}

fn required(key_file: &str) -> Vec<(&str, &str)> {
    vec![(KEY_FILE, key_file), ("GOOGLE_MEET_IMPERSONATE_USER", USER)]
}

#[test]
fn defaults_and_explicit_values() {
    let (_dir, key_file) = setup();
    let settings =
        GoogleMeetSettings::from_env(&env(&required(&key_file)), AppEnv::Production).unwrap();
    assert_eq!(settings.key_file(), Some(Path::new(&key_file)));
    assert_eq!(settings.client_email(), CLIENT_EMAIL);
    assert_eq!(settings.client_id(), Some(support::CLIENT_ID));
    assert_eq!(settings.private_key_id(), PRIVATE_KEY_ID);
    assert_eq!(settings.token_uri(), GOOGLE_TOKEN_URI);
    assert_eq!(settings.impersonate_user(), USER);
    assert_eq!(settings.access_type(), AccessType::Trusted);
    assert_eq!(settings.api_url(), "https://meet.googleapis.com");
    assert_eq!(settings.api_timeout(), Duration::from_millis(5000));
    assert_eq!(settings.ticket_ttl(), Duration::from_secs(6 * 3600));

    let mut pairs = required(&key_file);
    pairs.extend([
        ("GOOGLE_MEET_ACCESS_TYPE", "OPEN"),
        ("GOOGLE_MEET_API_URL", "https://meet.example.test/base/"),
        ("GOOGLE_MEET_API_TIMEOUT_MS", "250"),
        ("GOOGLE_MEET_TICKET_TTL_HOURS", "0.25"),
    ]);
    let settings = GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Production).unwrap();
    assert_eq!(settings.access_type(), AccessType::Open);
    assert_eq!(settings.api_url(), "https://meet.example.test/base");
    assert_eq!(settings.api_timeout(), Duration::from_millis(250));
    assert_eq!(settings.ticket_ttl(), Duration::from_secs(900));
}

#[test]
fn the_key_file_and_the_user_are_required_in_every_environment() {
    let (_dir, key_file) = setup();
    for app_env in [AppEnv::Development, AppEnv::Production] {
        for missing in [KEY_FILE, "GOOGLE_MEET_IMPERSONATE_USER"] {
            let mut pairs: Vec<_> = required(&key_file)
                .into_iter()
                .filter(|(name, _)| *name != missing)
                .collect();
            // Empty counts as unset.
            pairs.push((missing, ""));
            let error = GoogleMeetSettings::from_env(&env(&pairs), app_env).unwrap_err();
            assert!(
                matches!(&error, ConfigError::Missing { variable, .. } if variable == missing),
                "{app_env}: {error}"
            );
            assert!(
                error
                    .to_string()
                    .contains("google-meet provider is enabled"),
                "{error}"
            );
        }
    }
    let error =
        GoogleMeetSettings::from_env(&env(&[(KEY_FILE, key_file.as_str())]), AppEnv::Development)
            .unwrap_err();
    assert!(
        error.to_string().contains("domain-wide delegation"),
        "says why: {error}"
    );
}

#[test]
fn bad_values_name_the_variable_and_the_rule_never_the_value() {
    let (_dir, key_file) = setup();
    let cases = [
        (
            "GOOGLE_MEET_IMPERSONATE_USER",
            "teacher-s3cr3t",
            "email address",
        ),
        (
            "GOOGLE_MEET_IMPERSONATE_USER",
            "a b@school.example",
            "email address",
        ),
        (
            "GOOGLE_MEET_ACCESS_TYPE",
            "trusted-s3cr3t",
            "OPEN, TRUSTED, RESTRICTED",
        ),
        (
            "GOOGLE_MEET_ACCESS_TYPE",
            "trusted",
            "OPEN, TRUSTED, RESTRICTED",
        ),
        (
            "GOOGLE_MEET_API_URL",
            "meet.googleapis.com/s3cr3t",
            "http or https URL",
        ),
        (
            "GOOGLE_MEET_API_URL",
            "https://meet.googleapis.com/?key=s3cr3t",
            "http or https URL",
        ),
        (
            "GOOGLE_MEET_API_URL",
            "https://user:s3cr3t@meet.googleapis.com",
            "http or https URL",
        ),
        ("GOOGLE_MEET_API_TIMEOUT_MS", "0", "from 1 to 60000"),
        ("GOOGLE_MEET_API_TIMEOUT_MS", "60001", "from 1 to 60000"),
        ("GOOGLE_MEET_API_TIMEOUT_MS", "5s3cr3t", "from 1 to 60000"),
        ("GOOGLE_MEET_API_TIMEOUT_MS", "-1", "from 1 to 60000"),
        ("GOOGLE_MEET_TICKET_TTL_HOURS", "0", "at most 24"),
        ("GOOGLE_MEET_TICKET_TTL_HOURS", "25", "at most 24"),
        ("GOOGLE_MEET_TICKET_TTL_HOURS", "s3cr3t", "at most 24"),
    ];
    for (variable, value, rule) in cases {
        let mut pairs = required(&key_file);
        pairs.push((variable, value));
        let error = GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Development).unwrap_err();
        let shown = error.to_string();
        assert_eq!(error.variable(), variable, "{value}: {shown}");
        assert!(shown.contains(rule), "{value}: {shown}");
        // The whole error is the variable and the rule: no room for the value.
        assert!(!shown.contains("s3cr3t"), "the value is shown: {shown}");
    }
}

#[test]
fn the_key_file_is_checked_at_startup() {
    let (dir, _) = setup();
    let good = key_json(test_key(), GOOGLE_TOKEN_URI);
    let with = |field: &str, value: Value| {
        let mut json = good.clone();
        json[field] = value;
        json
    };
    let without = |field: &str| {
        let mut json = good.clone();
        json.as_object_mut().unwrap().remove(field);
        json
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("not JSON", Value::String("{not json".into()), "JSON key"),
        ("a JSON array", serde_json::json!([1, 2]), "JSON key"),
        (
            "an OAuth client's file",
            with("type", "authorized_user".into()),
            "`type` must be `service_account`",
        ),
        ("no type", without("type"), "no `type`"),
        (
            "no client_email",
            without("client_email"),
            "no `client_email`",
        ),
        (
            "a client_email that is not one",
            with("client_email", "s3cr3t".into()),
            "`client_email` must be",
        ),
        (
            "no private_key_id",
            without("private_key_id"),
            "no `private_key_id`",
        ),
        (
            "a private_key_id that is not a string",
            with("private_key_id", 42.into()),
            "`private_key_id` must be a string",
        ),
        ("no private_key", without("private_key"), "no `private_key`"),
        (
            "a private_key that is not PEM",
            with("private_key", "s3cr3t".into()),
            "`private_key` must be an RSA private key",
        ),
        (
            "a PEM with garbage inside",
            with(
                "private_key",
                "-----BEGIN PRIVATE KEY-----\nczNjcjN0czNjcjN0\n-----END PRIVATE KEY-----\n".into(),
            ),
            "`private_key` must be an RSA private key",
        ),
        (
            "the public key instead",
            with("private_key", test_key().public_pem.clone().into()),
            "`private_key` must be an RSA private key",
        ),
        (
            "a token_uri that is not a URL",
            with("token_uri", "oauth2.googleapis.com/s3cr3t".into()),
            "`token_uri` must be an http or https URL",
        ),
    ];
    for (case, json, rule) in cases {
        let path = dir.path().join("case.json");
        match &json {
            Value::String(text) => std::fs::write(&path, text).unwrap(),
            json => std::fs::write(&path, json.to_string()).unwrap(),
        }
        let pairs = required(path.to_str().unwrap());
        let error = GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Development).unwrap_err();
        let shown = error.to_string();
        assert_eq!(error.variable(), KEY_FILE, "{case}: {shown}");
        assert!(shown.contains(rule), "{case}: {shown}");
        for secret in ["s3cr3t", "czNjcjN0", "MIIBIjAN", "authorized_user"] {
            assert!(
                !shown.contains(secret),
                "{case}: the value is shown: {shown}"
            );
        }
    }
    // No token_uri: Google's.
    let path = write_key_file(&dir, "no-token-uri.json", &without("token_uri"));
    let settings = GoogleMeetSettings::from_key_file(&path, USER).unwrap();
    assert_eq!(settings.token_uri(), GOOGLE_TOKEN_URI);
    // A file that is not there, a directory, an empty file.
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    for path in [
        dir.path().join("missing.json"),
        dir.path().to_owned(),
        dir.path().join("empty.json"),
    ] {
        let error = GoogleMeetSettings::from_key_file(&path, USER).unwrap_err();
        assert_eq!(error.variable(), KEY_FILE, "{}", path.display());
        assert!(
            !error.to_string().contains(dir.path().to_str().unwrap()),
            "the path is shown: {error}"
        );
    }
    let missing = GoogleMeetSettings::from_key_file(dir.path().join("missing.json"), USER);
    assert!(missing.unwrap_err().to_string().contains("readable file"));
}

#[test]
fn production_wants_https_everywhere() {
    let (dir, key_file) = setup();
    let mut pairs = required(&key_file);
    pairs.push(("GOOGLE_MEET_API_URL", "http://127.0.0.1:8080"));
    assert!(GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Development).is_ok());
    assert_eq!(
        GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Production).unwrap_err(),
        ConfigError::invalid(
            "GOOGLE_MEET_API_URL",
            "must be an https URL when APP_ENV=production"
        )
    );

    let http_token_uri = write_key_file(
        &dir,
        "http.json",
        &key_json(test_key(), "http://127.0.0.1:8080/token"),
    );
    let pairs = required(http_token_uri.to_str().unwrap());
    assert!(GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Development).is_ok());
    assert_eq!(
        GoogleMeetSettings::from_env(&env(&pairs), AppEnv::Production).unwrap_err(),
        ConfigError::invalid(
            KEY_FILE,
            "the key file's `token_uri` must be an https URL when APP_ENV=production"
        )
    );
}

#[test]
fn describes_itself_without_the_private_key() {
    let (_dir, key_file) = setup();
    let settings =
        GoogleMeetSettings::from_env(&env(&required(&key_file)), AppEnv::Production).unwrap();
    let provider: &dyn ProviderSettings = &settings;
    assert_eq!(provider.name(), "google-meet");
    assert!(provider.room_admin().is_none(), "no room administration");
    let lines: Vec<String> = provider
        .describe()
        .into_iter()
        .map(|line| line.replace(&key_file, "[key file]"))
        .collect();
    insta::assert_json_snapshot!("describe", lines);

    let shorter = provider
        .with_token_ttl(Duration::from_secs(900))
        .unwrap()
        .describe();
    assert!(
        shorter.contains(&"GOOGLE_MEET_TICKET_TTL_HOURS=0.25 (900 s)".to_owned()),
        "{shorter:?}"
    );
    assert!(provider.with_token_ttl(Duration::ZERO).is_err());

    let warnings = provider.warnings(AppEnv::Production).join("\n");
    assert!(warnings.contains("cannot enforce roles"), "{warnings}");
    assert!(warnings.contains("memory"), "{warnings}");
    assert!(!warnings.contains("OPEN"), "{warnings}");
    let open = settings.clone().with_access_type(AccessType::Open);
    assert!(
        open.warnings(AppEnv::Production)
            .join("\n")
            .contains("OPEN")
    );

    let shown = format!("{settings:?} {}", provider.describe().join("\n"));
    for line in test_key()
        .private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
    {
        assert!(!shown.contains(line), "a line of the private key: {shown}");
    }
    assert!(
        shown.contains("[REDACTED]") && shown.contains(CLIENT_EMAIL),
        "{shown}"
    );
}

#[test]
fn a_key_given_as_json_is_described_as_such() {
    let json = key_json(test_key(), GOOGLE_TOKEN_URI).to_string();
    let settings = GoogleMeetSettings::from_key_json(&json, USER).unwrap();
    assert_eq!(settings.key_file(), None);
    assert!(
        settings.describe()[0]
            .starts_with("GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE=[given as JSON] (client_email=")
    );
    assert_eq!(
        GoogleMeetSettings::from_key_json(&json, "nobody").unwrap_err(),
        ConfigError::invalid(
            "GOOGLE_MEET_IMPERSONATE_USER",
            "must be the email address of the Google Workspace user the service account acts \
             for (domain-wide delegation), e.g. meet-organizer@school.example"
        )
    );
}
