//! Several providers in one server (`VIDEO_PROVIDERS`): a request picks one with `provider=`,
//! the answer names it, a provider without room administration answers 501, and a vendor's
//! limit is the caller's 422, never a 500.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::helpers::{TestApp, spawn_app, verify};

pub const DAILY_KEY: &str = "daily-api-key-for-the-integration-tests-01";
pub const DAILY_DOMAIN_ID: &str = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
pub const TWILIO_ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
pub const TWILIO_SECRET: &str = "twilio-api-key-secret-for-the-tests-0123";

/// The variables of Daily and Twilio next to the test LiveKit: all three enabled, LiveKit the
/// default.
pub const ALL_THREE: [(&str, &str); 7] = [
    ("VIDEO_PROVIDERS", "daily,twilio"),
    ("DAILY_API_KEY", DAILY_KEY),
    ("DAILY_DOMAIN", "openconnect"),
    ("DAILY_DOMAIN_ID", DAILY_DOMAIN_ID),
    ("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT),
    ("TWILIO_API_KEY_SID", TWILIO_KEY_SID),
    ("TWILIO_API_KEY_SECRET", TWILIO_SECRET),
];

fn all_three() -> TestApp {
    spawn_app(&ALL_THREE)
}

/// The claims of an HS256 token, checked with `secret` by `jsonwebtoken` (expiry included).
fn claims(token: &str, secret: &str, audience: Option<&str>) -> serde_json::Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    match audience {
        Some(audience) => validation.set_audience(&[audience]),
        None => validation.validate_aud = false,
    }
    jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .unwrap_or_else(|error| panic!("{error}: {token}"))
    .claims
}

#[test]
fn one_server_issues_each_enabled_providers_ticket_and_names_the_provider() {
    let app = all_three();

    // No `provider`: the default, LiveKit, as before (and the answer says so).
    let livekit = app.get("/api/video/token?room=physics-101&user=student-42");
    assert_eq!(livekit.status, 200, "{}", livekit.text());
    let body = livekit.json();
    assert_eq!(body["provider"], "livekit");
    assert_eq!(body["url"], crate::helpers::LIVEKIT_URL);
    let grant = verify(body["token"].as_str().unwrap());
    assert_eq!(grant.video.room, "physics-101");
    // Asking for the default by name is the same.
    let named = app.get("/api/video/token?room=physics-101&user=student-42&provider=livekit");
    assert_eq!(named.json()["provider"], "livekit");

    // Daily: a meeting token signed with the domain's API key, for the room's URL.
    let daily =
        app.get("/api/video/token?room=physics-101&user=student-42&role=host&provider=daily");
    assert_eq!(daily.status, 200, "{}", daily.text());
    assert_eq!(daily.header("cache-control"), Some("no-store"));
    let body = daily.json();
    assert_eq!(body["provider"], "daily");
    assert_eq!(body["url"], "https://openconnect.daily.co/physics-101");
    assert_eq!(
        (body["identity"].as_str(), body["room"].as_str()),
        (Some("student-42"), Some("physics-101"))
    );
    let daily_claims = claims(body["token"].as_str().unwrap(), DAILY_KEY, None);
    assert_eq!(daily_claims["r"], "physics-101");
    assert_eq!(daily_claims["d"], DAILY_DOMAIN_ID);
    assert_eq!(daily_claims["ud"], "student-42");
    assert_eq!(daily_claims["o"], true, "the host owns the meeting");
    // The LiveKit secret does not verify it: it is Daily's token, not LiveKit's.
    let mut strict = Validation::new(Algorithm::HS256);
    strict.required_spec_claims.clear();
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(
            body["token"].as_str().unwrap(),
            &DecodingKey::from_secret(crate::helpers::API_SECRET.as_bytes()),
            &strict,
        )
        .is_err()
    );

    // Twilio: an access token with a video grant; the SDK needs no URL.
    let twilio = app.get("/api/video/token?room=physics-101&user=student-42&provider=twilio");
    assert_eq!(twilio.status, 200, "{}", twilio.text());
    let body = twilio.json();
    assert_eq!(body["provider"], "twilio");
    assert_eq!(body["url"], "");
    let twilio_claims = claims(body["token"].as_str().unwrap(), TWILIO_SECRET, None);
    assert_eq!(twilio_claims["iss"], TWILIO_KEY_SID);
    assert_eq!(twilio_claims["sub"], TWILIO_ACCOUNT);
    assert_eq!(twilio_claims["grants"]["identity"], "student-42");
    assert_eq!(twilio_claims["grants"]["video"]["room"], "physics-101");
}

#[test]
fn a_provider_not_enabled_or_unknown_is_a_400_naming_the_enabled_ones() {
    let only_livekit = spawn_app(&[]);
    for provider in ["daily", "zoom", "LiveKit", "livekit%20"] {
        let target = format!("/api/video/token?room=r&user=u&provider={provider}");
        let response = only_livekit.get(&target);
        assert_eq!(response.status, 400, "{provider}: {}", response.text());
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json")
        );
        let problem = response.json();
        assert_eq!(problem["code"], "provider_not_enabled");
        assert_eq!(problem["parameter"], "provider");
        assert_eq!(
            problem["detail"],
            "The `provider` query parameter must name a provider this server has enabled: \
             livekit."
        );
        // The value sent is not repeated back.
        assert!(!response.text().contains("zoom"));
    }
    let twice =
        only_livekit.get("/api/video/token?room=r&user=u&provider=livekit&provider=livekit");
    assert_eq!(twice.json()["code"], "duplicate_parameter");
    let empty = only_livekit.get("/api/video/token?room=r&user=u&provider=");
    assert_eq!(empty.json()["code"], "provider_not_enabled");

    let app = all_three();
    let response = app.get("/api/video/token?room=r&user=u&provider=zoom");
    assert_eq!(response.status, 400);
    assert!(
        response.json()["detail"]
            .as_str()
            .unwrap()
            .ends_with("enabled: livekit, daily, twilio."),
        "{}",
        response.text()
    );
}

#[test]
fn a_vendor_limit_our_names_allow_past_is_a_422_that_says_which() {
    let app = all_three();
    // 37 characters: a valid name of ours, one more than Daily's user_id holds.
    let long = "u".repeat(37);
    let daily = app.get(&format!(
        "/api/video/token?room=r&user={long}&provider=daily"
    ));
    assert_eq!(daily.status, 422, "{}", daily.text());
    let problem = daily.json();
    assert_eq!(problem["code"], "provider_refused");
    assert_eq!(
        problem["detail"],
        "The daily video provider cannot serve this request: the participant identity has 37 \
         characters; Daily's user_id holds at most 36."
    );
    assert!(!daily.text().contains(&long), "the identity is not echoed");
    // LiveKit takes the same identity.
    let livekit = app.get(&format!("/api/video/token?room=r&user={long}"));
    assert_eq!(livekit.status, 200, "{}", livekit.text());

    // Twilio counts any non-ASCII character as two: 65 of them are 130 of its 128.
    let accented = "%C3%A9".repeat(65);
    let twilio = app.get(&format!(
        "/api/video/token?room=r&user={accented}&provider=twilio"
    ));
    assert_eq!(twilio.status, 422, "{}", twilio.text());
    assert_eq!(twilio.json()["code"], "provider_refused");
    let fits = "%C3%A9".repeat(64);
    let twilio = app.get(&format!(
        "/api/video/token?room=r&user={fits}&provider=twilio"
    ));
    assert_eq!(twilio.status, 200, "{}", twilio.text());
}

#[test]
fn room_administration_a_provider_lacks_is_a_501_after_authentication() {
    let key = "lms-backend-key-for-provider-tests-0123456789";
    let mut vars = ALL_THREE.to_vec();
    vars.extend([
        ("TOKEN_SERVER_AUTH", "api-key"),
        ("TOKEN_SERVER_API_KEYS", key),
    ]);
    let app = spawn_app(&vars);
    let bearer = format!("Bearer {key}");
    let auth = [("Authorization", bearer.as_str())];
    let json = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];
    let routes: [(&str, &str, &[u8], &str); 9] = [
        ("POST", "/api/video/rooms", br#"{"name":"r"}"#, "open_room"),
        ("GET", "/api/video/rooms", b"", "list_rooms"),
        ("GET", "/api/video/rooms/r", b"", "room"),
        ("DELETE", "/api/video/rooms/r", b"", "end_room"),
        (
            "GET",
            "/api/video/rooms/r/participants",
            b"",
            "participants",
        ),
        (
            "GET",
            "/api/video/rooms/r/participants/u",
            b"",
            "participant",
        ),
        (
            "DELETE",
            "/api/video/rooms/r/participants/u",
            b"",
            "remove_participant",
        ),
        (
            "POST",
            "/api/video/rooms/r/participants/u/tracks/TR_x/mute",
            br#"{"muted":true}"#,
            "mute_track",
        ),
        (
            "PUT",
            "/api/video/rooms/r/participants/u/permissions",
            br#"{"publish_sources":[]}"#,
            "set_publish_sources",
        ),
    ];
    for provider in ["daily", "twilio"] {
        for (method, path, body, operation) in routes {
            let target = format!("{path}?provider={provider}");
            // Without credentials: 401, before anything about the provider.
            let anonymous = app.send(method, &target, &[], body);
            assert_eq!(anonymous.status, 401, "{method} {target}");
            let headers: &[(&str, &str)] = if body.is_empty() { &auth } else { &json };
            let response = app.send(method, &target, headers, body);
            assert_eq!(
                response.status,
                501,
                "{method} {target}: {}",
                response.text()
            );
            let problem = response.json();
            assert_eq!(problem["code"], "not_supported");
            assert_eq!(
                problem["detail"],
                format!(
                    "The {provider} provider does not support this ({operation}); \
                     docs/providers says what each provider supports."
                )
            );
        }
    }
    // The default (LiveKit) still has it: the room is not open, an answer from the room service
    // (which is not running here: unavailable).
    let livekit = app.send("GET", "/api/video/rooms/r", &auth, b"");
    assert_eq!(livekit.status, 503, "{}", livekit.text());
    let named = app.send("GET", "/api/video/rooms/r?provider=livekit", &auth, b"");
    assert_eq!(named.status, 503, "{}", named.text());
    // Other query parameters are refused, as on the token route.
    let other = app.send("GET", "/api/video/rooms/r?room=x", &auth, b"");
    assert_eq!(other.status, 400);
    assert_eq!(other.json()["code"], "unknown_parameter");
    let not_enabled = app.send("GET", "/api/video/rooms?provider=zoom", &auth, b"");
    assert_eq!(not_enabled.json()["code"], "provider_not_enabled");
}

#[test]
fn only_a_provider_that_sends_webhooks_has_a_webhook_route() {
    let app = all_three();
    for provider in ["daily", "twilio", "zoom"] {
        let response = app.post_with(
            &format!("/api/video/webhooks/{provider}"),
            &[("Content-Type", "application/webhook+json")],
            b"{}",
        );
        assert_eq!(response.status, 404, "{provider}: {}", response.text());
    }
    // LiveKit's is there: an unsigned event is refused, not missing.
    let livekit = app.post_with(
        "/api/video/webhooks/livekit",
        &[("Content-Type", "application/webhook+json")],
        b"{}",
    );
    assert_eq!(livekit.status, 401, "{}", livekit.text());
}

#[test]
fn readiness_checks_every_enabled_provider() {
    let app = all_three();
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json()["status"], "ready");
    // LiveKit's room service is not running here; Daily and Twilio have none to check.
    assert_eq!(ready.json()["room_service"], "unreachable");
}

#[test]
fn tokens_are_counted_by_provider_and_role() {
    let mut vars = ALL_THREE.to_vec();
    vars.push(("METRICS_ADDR", "127.0.0.1:0"));
    let app = spawn_app(&vars);
    for target in [
        "/api/video/token?room=r&user=u",
        "/api/video/token?room=r&user=u&provider=daily&role=host",
        "/api/video/token?room=r&user=u&provider=daily&role=host",
        "/api/video/token?room=r&user=u&provider=twilio&role=viewer",
    ] {
        assert_eq!(app.get(target).status, 200, "{target}");
    }
    let scrape = app.scrape();
    let count = |series: &str| {
        scrape
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{series} ")))
            .unwrap_or_else(|| panic!("no {series} in\n{scrape}"))
            .parse::<f64>()
            .unwrap()
    };
    let issued = "token_server_tokens_issued_total";
    assert_eq!(
        count(&format!(
            r#"{issued}{{provider="livekit",role="participant"}}"#
        )),
        1.0
    );
    assert_eq!(
        count(&format!(r#"{issued}{{provider="daily",role="host"}}"#)),
        2.0
    );
    assert_eq!(
        count(&format!(r#"{issued}{{provider="twilio",role="viewer"}}"#)),
        1.0
    );
    assert_eq!(
        count(&format!(r#"{issued}{{provider="twilio",role="host"}}"#)),
        0.0,
        "every enabled provider's series exist from the start"
    );
    assert_eq!(
        count(r#"token_server_build_info{version="0.1.0",provider="livekit"}"#),
        1.0
    );
}

#[test]
fn the_served_document_offers_the_enabled_providers_only() {
    let enums = |app: &TestApp| {
        let document = app.get("/api-docs/openapi.json").json();
        let values = |schema: &serde_json::Value| -> Vec<String> {
            schema["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let parameter = |path: &str, method: &str| {
            let parameters = document["paths"][path][method]["parameters"]
                .as_array()
                .unwrap();
            let provider = parameters.iter().find(|p| p["name"] == "provider").unwrap();
            values(&provider["schema"])
        };
        (
            parameter("/api/video/token", "get"),
            parameter("/api/video/rooms/{room}", "delete"),
            parameter("/api/video/webhooks/{provider}", "post"),
            values(&document["components"]["schemas"]["ProviderSchema"]),
        )
    };
    let (token, rooms, webhooks, answer) = enums(&spawn_app(&[]));
    assert_eq!(
        (token, rooms),
        (vec!["livekit".to_owned()], vec!["livekit".to_owned()])
    );
    assert_eq!(
        (webhooks, answer),
        (vec!["livekit".to_owned()], vec!["livekit".to_owned()])
    );
    let (token, rooms, webhooks, answer) = enums(&all_three());
    assert_eq!(token, ["livekit", "daily", "twilio"]);
    assert_eq!(rooms, token);
    assert_eq!(answer, token);
    assert_eq!(webhooks, ["livekit"], "only LiveKit sends webhooks");
}
