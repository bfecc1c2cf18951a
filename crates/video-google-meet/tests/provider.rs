//! The provider against a stand-in of Google's two endpoints (tests/support): one space per
//! room, whatever the concurrency; one token exchange for many joins, refreshed after expiry;
//! each failure of Google's mapped to the right `ProviderError`; no secret in any output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use support::{Reply, StandIn};
use video_core::config::{AppEnv, Environment};
use video_core::{
    BoxFuture, JoinRequest, ParticipantIdentity, ProviderError, ProviderSettings, Role, RoomName,
    VideoProvider,
};
use video_google_meet::{
    AccessType, Endpoint, GoogleMeetError, GoogleMeetProvider, GoogleMeetSettings,
    InMemorySpaceDirectory, MeetingSpace, SpaceDirectory, SpaceDirectoryError,
};

fn request(room: &str, identity: &str, role: Role) -> JoinRequest {
    JoinRequest::new(
        RoomName::parse(room).unwrap(),
        ParticipantIdentity::parse(identity).unwrap(),
        role,
    )
}

async fn join(provider: &GoogleMeetProvider, room: &str) -> Result<String, ProviderError> {
    let ticket = provider
        .join(&request(room, "student-42", Role::Participant))
        .await?;
    Ok(ticket.url)
}

/// The provider's own error inside a `ProviderError`.
fn cause(error: &ProviderError) -> &GoogleMeetError {
    error
        .source()
        .and_then(|source| source.downcast_ref::<GoogleMeetError>())
        .expect("the source is the provider's own error")
}

fn is_unavailable(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::Unavailable {
            provider: "google-meet",
            ..
        }
    )
}

fn is_internal(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::Internal {
            provider: "google-meet",
            ..
        }
    )
}

/// The error and its whole source chain, as a log line would show it.
fn chain(error: &dyn StdError) -> String {
    let mut text = format!("{error} / {error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(" / {cause} / {cause:?}"));
        source = cause.source();
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_room_gives_the_same_space_from_one_creation() {
    let stand_in = StandIn::start();
    let provider = provider_for(&stand_in);

    let first = provider
        .join(&request("physics-101", "student-42", Role::Participant))
        .await
        .unwrap();
    let second = provider
        .join(&request("physics-101", "teacher-1", Role::Host))
        .await
        .unwrap();
    let third = provider
        .join(&request("physics-101", "auditor-7", Role::Viewer))
        .await
        .unwrap();

    assert_eq!(first.url, "https://meet.google.com/abc-mnop-b");
    assert_eq!(
        (second.url.as_str(), third.url.as_str()),
        (first.url.as_str(), first.url.as_str())
    );
    assert_eq!(stand_in.spaces_created(), 1, "one space for the room");
    assert_eq!(stand_in.token_requests().len(), 1, "one token exchange");
    assert_eq!(stand_in.rejections(), Vec::<String>::new());
    // The ticket: the link, no token, the request's identity, room and role.
    assert_eq!(first.token(), "");
    assert_eq!(
        (second.identity.as_str(), second.room.as_str(), second.role),
        ("teacher-1", "physics-101", Role::Host)
    );
    let left = first
        .expires_at
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    assert!(
        left > Duration::from_secs(6 * 3600 - 5) && left <= Duration::from_secs(6 * 3600),
        "{left:?}"
    );
    // What was sent: the access token the stand-in issued, JSON, the default access type.
    let sent = &stand_in.space_requests()[0];
    assert_eq!(
        sent.authorization,
        format!("Bearer {}", stand_in.issued_tokens()[0])
    );
    assert_eq!(sent.content_type, "application/json");
    assert_eq!(sent.body, json!({"config": {"accessType": "TRUSTED"}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_rooms_give_different_spaces() {
    let stand_in = StandIn::start();
    let provider = provider_for(&stand_in);
    let physics = join(&provider, "physics-101").await.unwrap();
    let chemistry = join(&provider, "chemistry-201").await.unwrap();
    assert_ne!(physics, chemistry);
    assert_eq!(join(&provider, "physics-101").await.unwrap(), physics);
    assert_eq!(join(&provider, "chemistry-201").await.unwrap(), chemistry);
    assert_eq!(stand_in.spaces_created(), 2);
    assert_eq!(stand_in.token_requests().len(), 1);
    let space = provider
        .space_for(&RoomName::parse("chemistry-201").unwrap())
        .await
        .unwrap();
    assert_eq!(space.meeting_uri(), chemistry);
    assert_eq!(space.name(), "spaces/standIn2");
    assert_eq!(space.meeting_code(), "abc-mnop-c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_joins_of_a_room_create_one_space() {
    let stand_in = StandIn::start();
    // A slow spaces.create: every join arrives while the first creation is under way.
    stand_in.behave(|b| b.spaces_delay = Duration::from_millis(400));
    let provider = provider_for(&stand_in);

    let joins: Vec<_> = (0..8)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { join(&provider, "physics-101").await })
        })
        .collect();
    let mut urls = Vec::new();
    for handle in joins {
        urls.push(handle.await.unwrap().unwrap());
    }

    assert_eq!(stand_in.spaces_created(), 1, "{urls:?}");
    assert!(urls.iter().all(|url| *url == urls[0]), "{urls:?}");
    assert_eq!(stand_in.token_requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_joins_share_one_token_exchange() {
    let stand_in = StandIn::start();
    // A slow token endpoint: every join needs a token while the first exchange is under way.
    stand_in.behave(|b| b.token_delay = Duration::from_millis(400));
    let provider = provider_for(&stand_in);

    let joins: Vec<_> = (0..6)
        .map(|n| {
            let provider = provider.clone();
            tokio::spawn(async move { join(&provider, &format!("room-{n}")).await })
        })
        .collect();
    for handle in joins {
        handle.await.unwrap().unwrap();
    }

    assert_eq!(stand_in.token_requests().len(), 1, "no stampede");
    assert_eq!(stand_in.spaces_created(), 6);
    assert_eq!(stand_in.rejections(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_cached_until_shortly_before_it_expires_then_refreshed() {
    let stand_in = StandIn::start();
    // Tokens that live 62 s: used for 2 s (the provider stops a minute early).
    stand_in.behave(|b| b.expires_in = 62);
    let provider = provider_for(&stand_in);

    for room in ["a", "b", "c"] {
        join(&provider, room).await.unwrap();
    }
    assert_eq!(stand_in.token_requests().len(), 1);

    tokio::time::sleep(Duration::from_millis(2_200)).await;
    join(&provider, "d").await.unwrap();
    join(&provider, "e").await.unwrap();

    assert_eq!(stand_in.token_requests().len(), 2, "refreshed once");
    let issued = stand_in.issued_tokens();
    let sent: Vec<String> = stand_in
        .space_requests()
        .into_iter()
        .map(|r| r.authorization)
        .collect();
    let bearer = |n: usize| format!("Bearer {}", issued[n]);
    assert_eq!(
        sent,
        [bearer(0), bearer(0), bearer(0), bearer(1), bearer(1)]
    );
    // Each exchange signed a new assertion.
    let requests = stand_in.token_requests();
    assert_ne!(requests[0].assertion(), requests[1].assertion());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_type_is_the_spaces_config() {
    for access_type in [
        AccessType::Open,
        AccessType::Trusted,
        AccessType::Restricted,
    ] {
        let stand_in = StandIn::start();
        let provider =
            GoogleMeetProvider::new(support::settings(&stand_in).with_access_type(access_type));
        join(&provider, "r").await.unwrap();
        assert_eq!(
            stand_in.space_requests()[0].body,
            json!({"config": {"accessType": access_type.as_str()}})
        );
    }
}

/// Each of Google's failures, and what the provider makes of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn googles_failures_become_the_right_provider_errors() {
    let oauth_error = |code: &str| json!({"error": code, "error_description": "Details."});
    let api_error = |code: u16, status: &str| json!({"error": {"code": code, "message": "Details.", "status": status}});
    let token = |reply: Reply| move |b: &mut support::Behaviour| b.token = reply.clone();
    let spaces = |reply: Reply| move |b: &mut support::Behaviour| b.spaces = reply.clone();
    type Case = (
        &'static str,
        Box<dyn Fn(&mut support::Behaviour)>,
        bool,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "token endpoint: no domain-wide delegation",
            Box::new(token(Reply::Status(401, oauth_error("unauthorized_client")))),
            true,
            "Google's OAuth token endpoint refused the request: HTTP 401 (unauthorized_client: Details.)",
        ),
        (
            "token endpoint: a deleted key, a clock off",
            Box::new(token(Reply::Status(400, oauth_error("invalid_grant")))),
            true,
            "Google's OAuth token endpoint refused the request: HTTP 400 (invalid_grant: Details.)",
        ),
        (
            "token endpoint: 403",
            Box::new(token(Reply::Status(403, oauth_error("access_denied")))),
            true,
            "Google's OAuth token endpoint refused the request: HTTP 403 (access_denied: Details.)",
        ),
        (
            "token endpoint: 500",
            Box::new(token(Reply::Status(500, json!("oops")))),
            true,
            "Google's OAuth token endpoint refused the request: HTTP 500",
        ),
        (
            "token endpoint: not JSON",
            Box::new(token(Reply::Ok("<html>hello</html>".into()))),
            false,
            "Google's OAuth token endpoint answered with something other than a token answer",
        ),
        (
            "token endpoint: no access_token",
            Box::new(token(Reply::Ok(r#"{"expires_in":3599,"token_type":"Bearer"}"#.into()))),
            false,
            "answered with something other than a token answer",
        ),
        (
            "token endpoint: not a bearer token",
            Box::new(token(Reply::Ok(
                r#"{"access_token":"x","expires_in":3599,"token_type":"MAC"}"#.into(),
            ))),
            false,
            "answered with something other than a token answer",
        ),
        (
            "spaces.create: 401",
            Box::new(spaces(Reply::Status(401, api_error(401, "UNAUTHENTICATED")))),
            true,
            "the Meet REST API (spaces.create) refused the request: HTTP 401 (UNAUTHENTICATED: Details.)",
        ),
        (
            "spaces.create: API disabled or no Meet licence",
            Box::new(spaces(Reply::Status(403, api_error(403, "PERMISSION_DENIED")))),
            true,
            "HTTP 403 (PERMISSION_DENIED: Details.)",
        ),
        (
            "spaces.create: quota",
            Box::new(spaces(Reply::Status(429, api_error(429, "RESOURCE_EXHAUSTED")))),
            true,
            "HTTP 429 (RESOURCE_EXHAUSTED: Details.)",
        ),
        (
            "spaces.create: 503",
            Box::new(spaces(Reply::Status(503, api_error(503, "UNAVAILABLE")))),
            true,
            "HTTP 503 (UNAVAILABLE: Details.)",
        ),
        (
            "spaces.create: our request is wrong",
            Box::new(spaces(Reply::Status(400, api_error(400, "INVALID_ARGUMENT")))),
            false,
            "the Meet REST API (spaces.create) rejected the request: HTTP 400 (INVALID_ARGUMENT: Details.)",
        ),
        (
            "spaces.create: not JSON",
            Box::new(spaces(Reply::Ok("garbage".into()))),
            false,
            "the Meet REST API (spaces.create) answered with something other than a Space",
        ),
        (
            "spaces.create: no meetingUri",
            Box::new(spaces(Reply::Ok(
                r#"{"name":"spaces/x","meetingCode":"abc-mnop-xyz"}"#.into(),
            ))),
            false,
            "answered with something other than a Space",
        ),
        (
            "spaces.create: a meetingUri that is not https",
            Box::new(spaces(Reply::Ok(
                r#"{"name":"spaces/x","meetingUri":"http://meet.google.com/abc-mnop-xyz","meetingCode":"abc-mnop-xyz"}"#
                    .into(),
            ))),
            false,
            "answered with something other than a Space",
        ),
    ];
    for (case, fault, unavailable, message) in cases {
        let stand_in = StandIn::start();
        stand_in.behave(fault);
        let provider = provider_for(&stand_in);

        let error = join(&provider, "physics-101").await.unwrap_err();

        assert_eq!(is_unavailable(&error), unavailable, "{case}: {error:?}");
        assert_eq!(is_internal(&error), !unavailable, "{case}: {error:?}");
        let shown = cause(&error).to_string();
        assert!(shown.contains(message), "{case}: {shown}");
        // Nothing is remembered from a failure: once Google answers, the room gets its space.
        stand_in.behave(|b| *b = support::Behaviour::default());
        let url = join(&provider, "physics-101").await.unwrap();
        assert_eq!(url, "https://meet.google.com/abc-mnop-b", "{case}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_from_the_meet_api_drops_the_cached_token() {
    let stand_in = StandIn::start();
    let provider = provider_for(&stand_in);
    join(&provider, "a").await.unwrap();
    stand_in.behave(|b| b.spaces = Reply::Status(401, json!({"error": {"code": 401}})));
    join(&provider, "b").await.unwrap_err();
    stand_in.behave(|b| b.spaces = Reply::Normal);
    join(&provider, "b").await.unwrap();
    assert_eq!(
        stand_in.token_requests().len(),
        2,
        "a new token after the 401"
    );
    // A 403 is not about the token: it is kept.
    stand_in.behave(|b| b.spaces = Reply::Status(403, json!({"error": {"code": 403}})));
    join(&provider, "c").await.unwrap_err();
    stand_in.behave(|b| b.spaces = Reply::Normal);
    join(&provider, "c").await.unwrap();
    assert_eq!(stand_in.token_requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_bound_each_call() {
    for endpoint in [Endpoint::Token, Endpoint::SpacesCreate] {
        let stand_in = StandIn::start();
        stand_in.behave(|b| match endpoint {
            Endpoint::Token => b.token_delay = Duration::from_millis(1_500),
            Endpoint::SpacesCreate => b.spaces_delay = Duration::from_millis(1_500),
        });
        let settings = support::settings(&stand_in)
            .with_api_timeout(Duration::from_millis(300))
            .unwrap();
        let provider = GoogleMeetProvider::new(settings);

        let started = std::time::Instant::now();
        let error = join(&provider, "physics-101").await.unwrap_err();

        assert!(
            started.elapsed() < Duration::from_millis(1_200),
            "{endpoint:?}"
        );
        assert!(is_unavailable(&error), "{endpoint:?}");
        assert!(
            matches!(cause(&error), GoogleMeetError::TimedOut { endpoint: e, timeout }
                if *e == endpoint && *timeout == Duration::from_millis(300)),
            "{endpoint:?}: {error:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_google_makes_the_provider_unavailable() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let json = support::key_json(
        support::test_key(),
        &format!("http://127.0.0.1:{port}/token"),
    );
    let settings = GoogleMeetSettings::from_key_json(&json.to_string(), support::USER).unwrap();
    let provider = GoogleMeetProvider::new(settings);

    let error = join(&provider, "physics-101").await.unwrap_err();

    assert!(is_unavailable(&error), "{error:?}");
    assert!(
        matches!(
            cause(&error),
            GoogleMeetError::Unreachable {
                endpoint: Endpoint::Token,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_waiting_for_a_failing_refresh_share_its_failure() {
    let stand_in = StandIn::start();
    stand_in.behave(|b| {
        b.token = Reply::Status(503, json!({"error": "temporarily_unavailable"}));
        b.token_delay = Duration::from_millis(400);
    });
    let provider = provider_for(&stand_in);

    let joins: Vec<_> = (0..5)
        .map(|n| {
            let provider = provider.clone();
            tokio::spawn(async move { join(&provider, &format!("room-{n}")).await })
        })
        .collect();
    let mut errors = Vec::new();
    for handle in joins {
        errors.push(handle.await.unwrap().unwrap_err());
    }

    assert_eq!(
        stand_in.token_requests().len(),
        1,
        "one call during the outage"
    );
    assert!(errors.iter().all(is_unavailable));
    let waited = errors
        .iter()
        .filter(|e| matches!(cause(e), GoogleMeetError::RefreshFailed))
        .count();
    assert_eq!(waited, 4, "{errors:?}");
    // A request after the failure tries again.
    stand_in.behave(|b| *b = support::Behaviour::default());
    join(&provider, "room-0").await.unwrap();
    assert_eq!(stand_in.token_requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_debug_output_or_errors() {
    let stand_in = StandIn::start();
    let provider = provider_for(&stand_in);
    let ticket = provider
        .join(&request("physics-101", "student-42", Role::Host))
        .await
        .unwrap();
    let mut shown = format!("{provider:?} {:?} {ticket:?}", provider.settings());

    // Endpoints that repeat the credential they were sent in their error message.
    stand_in.behave(|b| b.spaces = Reply::EchoCredential(401));
    let error = join(&provider, "chemistry-201").await.unwrap_err();
    shown.push_str(&chain(&error));
    stand_in.behave(|b| b.token = Reply::EchoCredential(400));
    let error = join(&provider, "biology-301").await.unwrap_err();
    shown.push_str(&chain(&error));
    assert!(
        shown.contains("UNAUTHENTICATED") && shown.contains("invalid_grant"),
        "{shown}"
    );

    let key_lines: Vec<&str> = support::test_key()
        .private_pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    for line in key_lines {
        assert!(!shown.contains(line), "a line of the private key: {shown}");
    }
    for token in stand_in.issued_tokens() {
        assert!(!shown.contains(&token), "an access token: {shown}");
    }
    let requests = stand_in.token_requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let signature = request.assertion().rsplit('.').next().unwrap();
        assert!(!shown.contains(signature), "an assertion: {shown}");
    }
    assert!(shown.contains("[REDACTED]"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_signs_without_calling_google() {
    let stand_in = StandIn::start();
    let provider = provider_for(&stand_in);
    for _ in 0..3 {
        provider.check_ready().await.unwrap();
    }
    assert_eq!(stand_in.token_requests().len(), 0);
    assert_eq!(stand_in.space_requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_as_a_shared_dyn_provider_built_from_the_environment() {
    let stand_in = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let key_file = support::write_key_file(
        &dir,
        "service-account.json",
        &support::key_json(support::test_key(), &stand_in.token_uri()),
    );
    let api_url = stand_in.api_url();
    let env = Environment::from_pairs([
        (
            "GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE",
            key_file.to_str().unwrap(),
        ),
        ("GOOGLE_MEET_IMPERSONATE_USER", support::USER),
        ("GOOGLE_MEET_ACCESS_TYPE", "RESTRICTED"),
        ("GOOGLE_MEET_API_URL", api_url.as_str()),
        ("GOOGLE_MEET_TICKET_TTL_HOURS", "0.5"),
    ]);
    let settings: Arc<dyn ProviderSettings> =
        Arc::new(GoogleMeetSettings::from_env(&env, AppEnv::Development).unwrap());
    let provider: Arc<dyn VideoProvider> = settings.build();
    assert_eq!(provider.name(), "google-meet");
    assert!(settings.room_admin().is_none(), "no room administration");
    assert!(settings.session_events().is_none());

    let ticket = provider
        .join(&request("physics-101", "student-42", Role::Viewer))
        .await
        .unwrap();

    assert_eq!(ticket.url, "https://meet.google.com/abc-mnop-b");
    let left = ticket
        .expires_at
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    assert!(left > Duration::from_secs(1795) && left <= Duration::from_secs(1800));
    assert_eq!(
        stand_in.space_requests()[0].body,
        json!({"config": {"accessType": "RESTRICTED"}})
    );
    provider.check_ready().await.unwrap();
    // Two providers built from the same settings share the default directory.
    let again = settings.build();
    let ticket = again
        .join(&request("physics-101", "student-43", Role::Participant))
        .await
        .unwrap();
    assert_eq!(ticket.url, "https://meet.google.com/abc-mnop-b");
    assert_eq!(stand_in.spaces_created(), 1);
    assert_eq!(stand_in.rejections(), Vec::<String>::new());
}

/// A directory another replica shares: it already knows a space for `physics-101`, and, for
/// new rooms, it keeps the space another replica recorded first.
#[derive(Debug)]
struct SharedDirectory {
    known: InMemorySpaceDirectory,
    other_replicas_space: MeetingSpace,
    fail: bool,
}

impl SpaceDirectory for SharedDirectory {
    fn get<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Option<MeetingSpace>, SpaceDirectoryError>> {
        if self.fail {
            return Box::pin(async { Err(SpaceDirectoryError::new("database unreachable")) });
        }
        self.known.get(room)
    }

    fn insert_if_absent<'a>(
        &'a self,
        room: &'a RoomName,
        _space: MeetingSpace,
    ) -> BoxFuture<'a, Result<MeetingSpace, SpaceDirectoryError>> {
        // Another replica won the race for this room.
        self.known
            .insert_if_absent(room, self.other_replicas_space.clone())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_directory_decides_which_space_a_room_uses() {
    let stand_in = StandIn::start();
    let known = InMemorySpaceDirectory::new();
    let physics = MeetingSpace::new(
        "spaces/kept",
        "https://meet.google.com/kep-tkep-tke",
        "kep-tkep-tke",
    )
    .unwrap();
    known
        .insert_if_absent(&RoomName::parse("physics-101").unwrap(), physics.clone())
        .await
        .unwrap();
    let other = MeetingSpace::new(
        "spaces/other",
        "https://meet.google.com/oth-eroth-ero",
        "oth-eroth-ero",
    )
    .unwrap();
    let directory = Arc::new(SharedDirectory {
        known,
        other_replicas_space: other.clone(),
        fail: false,
    });
    let settings = support::settings(&stand_in).with_space_directory(directory);
    assert!(
        !settings
            .warnings(AppEnv::Production)
            .join(" ")
            .contains("memory"),
        "no in-memory warning with a durable directory"
    );
    let provider = GoogleMeetProvider::new(settings);

    assert_eq!(
        join(&provider, "physics-101").await.unwrap(),
        physics.meeting_uri()
    );
    assert_eq!(stand_in.spaces_created(), 0, "the directory had it");
    // A new room: this replica creates a space, but the other replica's is kept.
    assert_eq!(
        join(&provider, "chemistry-201").await.unwrap(),
        other.meeting_uri()
    );
    assert_eq!(stand_in.spaces_created(), 1);

    let failing = Arc::new(SharedDirectory {
        known: InMemorySpaceDirectory::new(),
        other_replicas_space: other,
        fail: true,
    });
    let provider =
        GoogleMeetProvider::new(support::settings(&stand_in).with_space_directory(failing));
    let error = join(&provider, "physics-101").await.unwrap_err();
    assert!(is_unavailable(&error));
    assert!(matches!(cause(&error), GoogleMeetError::Directory(_)));
    assert!(chain(&error).contains("database unreachable"));
}

/// The token request and the assertion, as the token endpoint receives them: the contract with
/// Google. Times are redacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_request_and_assertion() {
    use base64::Engine as _;
    let stand_in = StandIn::start();
    let provider = provider_for(&stand_in);
    join(&provider, "physics-101").await.unwrap();
    let request = &stand_in.token_requests()[0];
    let part = |index: usize| -> Value {
        let part = request.assertion().split('.').nth(index).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let fields: Vec<&String> = request.form.keys().collect();
    let token_request = json!({
        "content_type": request.content_type,
        "fields": fields,
        "grant_type": request.form["grant_type"],
    });
    insta::assert_json_snapshot!("token_request", token_request);
    let header = part(0);
    insta::assert_json_snapshot!("assertion_header", header);
    let claims = part(1);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    insta::assert_json_snapshot!("assertion_claims", claims, {
        ".iat" => "[iat]",
        ".exp" => "[exp]",
    });
    assert_eq!(stand_in.rejections(), Vec::<String>::new());
}

fn provider_for(stand_in: &StandIn) -> GoogleMeetProvider {
    support::provider(stand_in)
}
