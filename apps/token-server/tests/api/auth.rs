//! Caller authentication: every refusal case of the security issue, against the real server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, verify};

const BACKEND_KEY_1: &str = "lms-backend-key-one-0123456789abcdef";
const BACKEND_KEY_2: &str = "lms-backend-key-two-0123456789abcdef";
const LMS_SECRET: &str = "lms-session-hs256-secret-0123456789abcdef";
const ISSUER: &str = "https://lms.example.edu";
const AUDIENCE: &str = "openconnect-video";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims of a valid session token for `u1`: participant in `physics-*` rooms.
fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "name": "Ada L.",
        "iat": now(), "exp": now() + 600,
        "role": "participant", "rooms": ["physics-*", "office-hours"],
    })
}

fn sign(claims: &Value, algorithm: Algorithm, kid: Option<&str>, key: &EncodingKey) -> String {
    token_server::auth::install_crypto_provider();
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn hs256(claims: &Value) -> String {
    sign(
        claims,
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(LMS_SECRET.as_bytes()),
    )
}

fn rs256(claims: &Value, pem: &str, kid: &str) -> String {
    sign(
        claims,
        Algorithm::RS256,
        Some(kid),
        &EncodingKey::from_rsa_pem(&fixture(pem)).unwrap(),
    )
}

fn es256(claims: &Value, kid: &str) -> String {
    sign(
        claims,
        Algorithm::ES256,
        Some(kid),
        &EncodingKey::from_ec_pem(&fixture("ec1.pem")).unwrap(),
    )
}

fn b64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// `GET` the token endpoint with `Authorization: Bearer <credentials>`.
fn get(app: &TestApp, target: &str, credentials: &str) -> crate::helpers::Response {
    app.get_with(
        target,
        &[("Authorization", &format!("Bearer {credentials}"))],
    )
}

/// Asserts a refusal: status, problem code, and for 401 the `WWW-Authenticate` challenge.
fn refused(response: &crate::helpers::Response, status: u16, code: &str, why: &str) {
    assert_eq!(response.status, status, "{why}: {}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{why}"
    );
    assert_eq!(response.json()["code"], code, "{why}");
    if status == 401 {
        let challenge = response.header("www-authenticate").unwrap_or_default();
        assert!(challenge.starts_with("Bearer"), "{why}: {challenge:?}");
    }
}

fn api_key_app() -> TestApp {
    spawn_app(&[
        ("TOKEN_SERVER_AUTH", "api-key"),
        (
            "TOKEN_SERVER_API_KEYS",
            &format!("{BACKEND_KEY_1},{BACKEND_KEY_2}"),
        ),
    ])
}

#[test]
fn api_key_mode_accepts_each_configured_key_and_refuses_everything_else() {
    let app = api_key_app();
    let target = "/api/video/token?room=r&user=u&role=host";
    for key in [BACKEND_KEY_1, BACKEND_KEY_2] {
        let response = get(&app, target, key);
        assert_eq!(response.status, 200, "{}", response.text());
        assert!(
            verify(response.json()["token"].as_str().unwrap())
                .video
                .room_admin,
            "the backend is trusted with the role"
        );
    }
    let missing = app.get(target);
    refused(
        &missing,
        401,
        "missing_credentials",
        "no Authorization header",
    );
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    refused(
        &get(&app, target, "lms-backend-key-three-0123456789abcd"),
        401,
        "invalid_credentials",
        "wrong key",
    );
    let wrong = get(&app, target, "x");
    assert_eq!(
        wrong.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token""#)
    );
    refused(
        &app.get_with(
            target,
            &[("Authorization", &format!("Basic {BACKEND_KEY_1}"))],
        ),
        401,
        "invalid_credentials",
        "Basic scheme",
    );
    refused(
        &app.get_with(target, &[("Authorization", "Bearer")]),
        401,
        "invalid_credentials",
        "no credentials",
    );
    let twice = [
        ("Authorization", &*format!("Bearer {BACKEND_KEY_1}")),
        ("Authorization", &*format!("Bearer {BACKEND_KEY_1}")),
    ];
    refused(
        &app.get_with(target, &twice),
        401,
        "invalid_credentials",
        "header twice",
    );
    // Health and documentation stay public.
    assert_eq!(app.get("/healthz").status, 200);
    assert_eq!(app.get("/api-docs/openapi.json").status, 200);
}

#[test]
fn authentication_comes_before_query_validation() {
    let app = api_key_app();
    refused(
        &app.get("/api/video/token?room=%zz"),
        401,
        "missing_credentials",
        "bad query, no key",
    );
    refused(
        &get(&app, "/api/video/token?room=%zz", BACKEND_KEY_1),
        400,
        "malformed_query",
        "bad query, good key",
    );
    refused(
        &get(&app, "/api/video/token?room=r", BACKEND_KEY_1),
        400,
        "missing_parameter",
        "backends must name the user",
    );
}

fn hs256_app() -> TestApp {
    spawn_app(&[
        ("TOKEN_SERVER_AUTH", "jwt"),
        ("AUTH_JWT_HS256_SECRET", LMS_SECRET),
        ("AUTH_JWT_ISSUER", ISSUER),
        ("AUTH_JWT_AUDIENCE", AUDIENCE),
    ])
}

#[test]
fn jwt_mode_issues_for_the_tokens_subject_role_and_rooms() {
    let app = hs256_app();
    let response = get(&app, "/api/video/token?room=physics-101", &hs256(&claims()));
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["identity"], "u1");
    let livekit = verify(body["token"].as_str().unwrap());
    assert_eq!(
        (
            livekit.sub.as_str(),
            livekit.name.as_str(),
            livekit.video.room.as_str()
        ),
        ("u1", "Ada L.", "physics-101")
    );
    assert!(!livekit.video.room_admin, "participant, as the claim says");

    let lowered = get(
        &app,
        "/api/video/token?room=office-hours&user=u1&role=viewer&name=Ada",
        &hs256(&claims()),
    );
    assert_eq!(lowered.status, 200, "{}", lowered.text());
    let video = verify(lowered.json()["token"].as_str().unwrap()).video;
    assert_eq!(
        video.can_publish,
        Some(false),
        "a lower role may be asked for"
    );
}

#[test]
fn jwt_mode_refuses_every_bad_token_with_the_right_status() {
    let app = hs256_app();
    let target = "/api/video/token?room=physics-101";
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = claims();
        change(&mut claims);
        hs256(&claims)
    };
    let good = hs256(&claims());
    let (head, rest) = good.split_once('.').unwrap();
    let signature = rest.rsplit('.').next().unwrap();
    let mut tampered_claims = claims();
    tampered_claims["role"] = json!("host");
    let tampered = format!(
        "{head}.{}.{signature}",
        b64(tampered_claims.to_string().as_bytes())
    );
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims().to_string().as_bytes())
    );
    let other_secret = sign(
        &claims(),
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(b"another-secret-0123456789abcdef-xyz"),
    );
    let hs512 = sign(
        &claims(),
        Algorithm::HS512,
        None,
        &EncodingKey::from_secret(LMS_SECRET.as_bytes()),
    );

    // What the caller is told for a token that is not a JWT and for one with another algorithm.
    let details = [
        (
            "malformed",
            "not.a.jwt",
            "The bearer token is not a well-formed JWT.",
        ),
        (
            "garbage",
            "%%%",
            "The bearer token is not a well-formed JWT.",
        ),
        (
            "alg: none",
            &unsigned,
            "The bearer token is not a well-formed JWT.",
        ),
        (
            "another HMAC algorithm",
            &hs512,
            "The bearer token's algorithm is not accepted.",
        ),
    ];
    for (why, token, detail) in details {
        assert_eq!(get(&app, target, token).json()["detail"], detail, "{why}");
    }
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("malformed", "not.a.jwt".into(), 401, "invalid_credentials"),
        ("garbage", "%%%".into(), 401, "invalid_credentials"),
        ("wrong key", other_secret, 401, "invalid_credentials"),
        (
            "expired beyond the 60 s leeway",
            with(&|c| c["exp"] = json!(now() - 120)),
            401,
            "invalid_credentials",
        ),
        (
            "not yet valid beyond the leeway",
            with(&|c| c["nbf"] = json!(now() + 120)),
            401,
            "invalid_credentials",
        ),
        (
            "wrong issuer",
            with(&|c| c["iss"] = json!("https://evil.example")),
            401,
            "invalid_credentials",
        ),
        (
            "wrong audience",
            with(&|c| c["aud"] = json!("another-service")),
            401,
            "invalid_credentials",
        ),
        (
            "no exp",
            with(&|c| drop(c.as_object_mut().unwrap().remove("exp"))),
            401,
            "invalid_credentials",
        ),
        (
            "no sub",
            with(&|c| drop(c.as_object_mut().unwrap().remove("sub"))),
            401,
            "invalid_credentials",
        ),
        (
            "sub not an identity",
            with(&|c| c["sub"] = json!("a\nb")),
            401,
            "invalid_credentials",
        ),
        ("alg: none", unsigned, 401, "invalid_credentials"),
        ("another HMAC algorithm", hs512, 401, "invalid_credentials"),
        ("tampered payload", tampered, 401, "invalid_credentials"),
        (
            "role claim missing",
            with(&|c| drop(c.as_object_mut().unwrap().remove("role"))),
            403,
            "role_not_allowed",
        ),
        (
            "role claim unknown",
            with(&|c| c["role"] = json!("superuser")),
            403,
            "role_not_allowed",
        ),
        (
            "rooms claim missing",
            with(&|c| drop(c.as_object_mut().unwrap().remove("rooms"))),
            403,
            "room_not_allowed",
        ),
        (
            "room not in the claim",
            with(&|c| c["rooms"] = json!(["chemistry-*"])),
            403,
            "room_not_allowed",
        ),
    ];
    for (why, token, status, code) in cases {
        refused(&get(&app, target, &token), status, code, why);
    }
    let token = hs256(&claims());
    refused(
        &get(&app, "/api/video/token?room=physics-101&user=u2", &token),
        403,
        "user_mismatch",
        "user differs from sub",
    );
    refused(
        &get(&app, "/api/video/token?room=physics-101&role=host", &token),
        403,
        "role_not_allowed",
        "role escalation",
    );
    refused(
        &get(&app, "/api/video/token?room=chemistry-1", &token),
        403,
        "room_not_allowed",
        "room not allowed",
    );
    // Within the leeway is still fine: clocks drift.
    let just_expired = with(&|c| c["exp"] = json!(now() - 30));
    assert_eq!(get(&app, target, &just_expired).status, 200);
    let mut bodies = std::collections::BTreeMap::new();
    bodies.insert("missing", app.get(target).json());
    bodies.insert(
        "expired",
        get(&app, target, &with(&|c| c["exp"] = json!(now() - 120))).json(),
    );
    bodies.insert(
        "user_mismatch",
        get(&app, "/api/video/token?room=physics-101&user=u2", &token).json(),
    );
    insta::assert_json_snapshot!("auth_problem_bodies", bodies);
}

/// A JWKS endpoint on 127.0.0.1 whose document the test can swap, counting fetches.
struct JwksServer {
    url: String,
    document: Arc<Mutex<Option<Vec<u8>>>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    fn start(document: &[u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let shared = Arc::new(Mutex::new(Some(document.to_vec())));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (doc, count) = (Arc::clone(&shared), Arc::clone(&fetches));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                count.fetch_add(1, Ordering::SeqCst);
                let reply = match doc.lock().unwrap().clone() {
                    Some(body) => [
                        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes(),
                        body,
                    ]
                    .concat(),
                    None => b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                };
                let _ = stream.write_all(&reply);
            }
        });
        Self {
            url,
            document: shared,
            fetches,
        }
    }

    fn serve(&self, document: Option<&[u8]>) {
        *self.document.lock().unwrap() = document.map(<[u8]>::to_vec);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn jwks_app(url: &str, min_refresh_secs: &str) -> TestApp {
    spawn_app(&[
        ("TOKEN_SERVER_AUTH", "jwt"),
        ("AUTH_JWKS_URL", url),
        ("AUTH_JWT_ISSUER", ISSUER),
        ("AUTH_JWT_AUDIENCE", AUDIENCE),
        ("AUTH_JWKS_MIN_REFRESH_SECS", min_refresh_secs),
    ])
}

#[test]
fn jwks_mode_accepts_rs256_and_es256_and_refuses_algorithm_confusion() {
    let jwks = JwksServer::start(&fixture("jwks-a.json"));
    let app = jwks_app(&jwks.url, "3600");
    let target = "/api/video/token?room=physics-101";
    assert_eq!(jwks.fetches(), 1, "loaded once at startup");
    assert_eq!(app.get("/readyz").status, 200);

    assert_eq!(
        get(&app, target, &rs256(&claims(), "rsa1.pem", "rsa-2026-a")).status,
        200
    );
    assert_eq!(
        get(&app, target, &es256(&claims(), "ec-2026-a")).status,
        200
    );

    // HS256 "signed" with the RSA public key: the classic confusion attack.
    let public_pem = fixture("rsa1.pub.pem");
    let confused = sign(
        &claims(),
        Algorithm::HS256,
        Some("rsa-2026-a"),
        &EncodingKey::from_secret(&public_pem),
    );
    refused(
        &get(&app, target, &confused),
        401,
        "invalid_credentials",
        "HS256 with the RSA public key",
    );
    // RS256 claimed for the EC key's kid, signed with the RSA key.
    refused(
        &get(&app, target, &rs256(&claims(), "rsa1.pem", "ec-2026-a")),
        401,
        "invalid_credentials",
        "kid/alg mismatch",
    );
    // A key the JWKS does not have: unknown kid.
    refused(
        &get(&app, target, &rs256(&claims(), "rsa2.pem", "rsa-2026-b")),
        401,
        "invalid_credentials",
        "unknown kid",
    );
    refused(
        &get(&app, target, &rs256(&claims(), "rsa2.pem", "rsa-2026-a")),
        401,
        "invalid_credentials",
        "right kid, wrong key",
    );
    // With a long minimum interval, unknown kids cannot make us hammer the LMS.
    for i in 0..5 {
        get(
            &app,
            target,
            &rs256(&claims(), "rsa2.pem", &format!("random-{i}")),
        );
    }
    assert!(
        jwks.fetches() <= 2,
        "reloads are rate limited: {} fetches",
        jwks.fetches()
    );
}

#[test]
fn jwks_rotation_is_picked_up_and_fetch_failures_keep_known_keys() {
    let jwks = JwksServer::start(&fixture("jwks-a.json"));
    let app = jwks_app(&jwks.url, "0");
    let target = "/api/video/token?room=physics-101";
    let new_key_token = rs256(&claims(), "rsa2.pem", "rsa-2026-b");
    refused(
        &get(&app, target, &new_key_token),
        401,
        "invalid_credentials",
        "before rotation",
    );

    jwks.serve(Some(&fixture("jwks-ab.json")));
    let before = jwks.fetches();
    assert_eq!(
        get(&app, target, &new_key_token).status,
        200,
        "an unknown kid reloads the JWKS"
    );
    assert_eq!(jwks.fetches(), before + 1);

    jwks.serve(None); // the LMS's JWKS endpoint goes down
    assert_eq!(
        get(&app, target, &rs256(&claims(), "rsa1.pem", "rsa-2026-a")).status,
        200,
        "known keys keep working"
    );
    refused(
        &get(&app, target, &rs256(&claims(), "rsa1.pem", "rsa-2026-c")),
        401,
        "invalid_credentials",
        "unknown kid while down",
    );
    assert_eq!(
        app.get("/readyz").status,
        200,
        "still ready with cached keys"
    );
}

#[test]
fn an_unreachable_jwks_at_startup_means_not_ready_and_503_not_401() {
    let jwks = JwksServer::start(b"");
    jwks.serve(None);
    let app = jwks_app(&jwks.url, "0");
    let ready = app.get("/readyz");
    assert_eq!(
        (ready.status, ready.json()["code"].as_str()),
        (503, Some("not_ready"))
    );
    refused(
        &get(
            &app,
            "/api/video/token?room=physics-101",
            &rs256(&claims(), "rsa1.pem", "rsa-2026-a"),
        ),
        503,
        "auth_unavailable",
        "no keys yet",
    );

    jwks.serve(Some(&fixture("jwks-a.json")));
    assert_eq!(
        get(
            &app,
            "/api/video/token?room=physics-101",
            &rs256(&claims(), "rsa1.pem", "rsa-2026-a")
        )
        .status,
        200,
        "recovers once the JWKS is back"
    );
    assert_eq!(app.get("/readyz").status, 200);
}

#[test]
fn jwks_file_mode_works() {
    let path = format!("{}/tests/fixtures/jwks-a.json", env!("CARGO_MANIFEST_DIR"));
    let app = spawn_app(&[
        ("TOKEN_SERVER_AUTH", "jwt"),
        ("AUTH_JWKS_FILE", &path),
        ("AUTH_JWT_ISSUER", ISSUER),
        ("AUTH_JWT_AUDIENCE", AUDIENCE),
        ("AUTH_JWT_ROLE_CLAIM", "video_role"),
        ("AUTH_JWT_ROOMS_CLAIM", "video_rooms"),
    ]);
    let claims = json!({
        "iss": ISSUER, "aud": [AUDIENCE, "other"], "sub": "prof-7", "exp": now() + 600,
        "video_role": "host", "video_rooms": "physics-101",
    });
    let response = get(
        &app,
        "/api/video/token?room=physics-101",
        &es256(&claims, "ec-2026-a"),
    );
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(
        verify(response.json()["token"].as_str().unwrap())
            .video
            .room_admin,
        "host from the configured claim"
    );
}
