//! What the tests share: RSA keys made at test time (no private key is committed), service
//! account key files around them, and a stand-in for Google's two endpoints.
//!
//! The stand-in is there because Google cannot run here: it speaks the two documented endpoints
//! (`POST {token_uri}`, RFC 7523 as Google's "Using OAuth 2.0 for Server to Server Applications"
//! describes it, and the Meet REST API's `POST /v2/spaces`), checks what it is sent as Google
//! would (the assertion's RS256 signature with the public key, its claims, the bearer token, the
//! body), and records every request so that the tests can count and inspect them.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};
use video_google_meet::{GoogleMeetProvider, GoogleMeetSettings, MEET_SCOPE, TOKEN_AUDIENCE};

pub const CLIENT_EMAIL: &str = "openconnect-meet@openconnect-test.iam.gserviceaccount.com";
pub const CLIENT_ID: &str = "104857600000000000001";
pub const PRIVATE_KEY_ID: &str = "3f6c0a8e1b2d4c5e6f708192a3b4c5d6e7f80912";
pub const USER: &str = "meet-organizer@school.example";
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An RSA key pair in the encodings Google uses: the private key as PKCS#8 PEM (the key file's
/// `private_key`), the public key as SubjectPublicKeyInfo PEM.
pub struct TestKey {
    pub private_pem: String,
    pub public_pem: String,
}

/// The service account's key, made once per test binary (2048 bits, as Google's).
pub fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(make_key)
}

/// Another key, which the stand-in does not know.
pub fn other_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(make_key)
}

fn make_key() -> TestKey {
    let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    TestKey {
        private_pem: private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    }
}

/// A service account key file's JSON, as Google Cloud downloads it, for `key`.
pub fn key_json(key: &TestKey, token_uri: &str) -> Value {
    json!({
        "type": "service_account",
        "project_id": "openconnect-test",
        "private_key_id": PRIVATE_KEY_ID,
        "private_key": key.private_pem,
        "client_email": CLIENT_EMAIL,
        "client_id": CLIENT_ID,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/openconnect-meet%40openconnect-test.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com"
    })
}

/// Writes `json` to `name` in `dir`.
pub fn write_key_file(dir: &tempfile::TempDir, name: &str, json: &Value) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
    path
}

/// Settings for the test key, acting for [`USER`], against `stand_in`.
pub fn settings(stand_in: &StandIn) -> GoogleMeetSettings {
    let json = key_json(test_key(), &stand_in.token_uri()).to_string();
    GoogleMeetSettings::from_key_json(&json, USER)
        .unwrap()
        .with_api_url(&stand_in.api_url())
        .unwrap()
        .with_api_timeout(Duration::from_secs(5))
        .unwrap()
}

pub fn provider(stand_in: &StandIn) -> GoogleMeetProvider {
    GoogleMeetProvider::new(settings(stand_in))
}

/// What an endpoint of the stand-in answers.
#[derive(Debug, Clone, Default)]
pub enum Reply {
    /// As Google would: checks the request, then answers as documented.
    #[default]
    Normal,
    /// This status and JSON body (after recording the request, without checking it).
    Status(u16, Value),
    /// A 200 with this body.
    Ok(String),
    /// This status, with an error message that repeats the credential it was sent (the
    /// assertion, or the bearer token): what a careless server might do.
    EchoCredential(u16),
}

/// How the stand-in behaves; changed by tests between calls.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub token: Reply,
    pub spaces: Reply,
    /// The `expires_in` of the access tokens issued.
    pub expires_in: u64,
    /// How long each endpoint waits before answering.
    pub token_delay: Duration,
    pub spaces_delay: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            token: Reply::Normal,
            spaces: Reply::Normal,
            expires_in: 3599,
            token_delay: Duration::ZERO,
            spaces_delay: Duration::ZERO,
        }
    }
}

/// A token request as the stand-in received it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub content_type: String,
    pub form: BTreeMap<String, String>,
}

impl TokenRequest {
    pub fn assertion(&self) -> &str {
        &self.form["assertion"]
    }
}

/// A `spaces.create` request as the stand-in received it.
#[derive(Debug, Clone)]
pub struct SpaceRequest {
    pub authorization: String,
    pub content_type: String,
    pub body: Value,
}

#[derive(Default)]
struct State {
    behaviour: Behaviour,
    token_requests: Vec<TokenRequest>,
    space_requests: Vec<SpaceRequest>,
    /// Access tokens issued, with when they expire (Unix seconds).
    issued: Vec<(String, u64)>,
    spaces_created: usize,
    /// Why a request was refused by the checks (empty when every request was as Google wants).
    rejections: Vec<String>,
}

/// The stand-in: a thread per connection on `127.0.0.1:0`, one request per connection.
pub struct StandIn {
    address: String,
    state: Arc<Mutex<State>>,
}

impl StandIn {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Self { address, state }
    }

    pub fn token_uri(&self) -> String {
        format!("{}/token", self.address)
    }

    pub fn api_url(&self) -> String {
        self.address.clone()
    }

    pub fn behave(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.state.lock().unwrap().behaviour);
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.state.lock().unwrap().token_requests.clone()
    }

    pub fn space_requests(&self) -> Vec<SpaceRequest> {
        self.state.lock().unwrap().space_requests.clone()
    }

    pub fn issued_tokens(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .issued
            .iter()
            .map(|(token, _)| token.clone())
            .collect()
    }

    pub fn spaces_created(&self) -> usize {
        self.state.lock().unwrap().spaces_created
    }

    pub fn rejections(&self) -> Vec<String> {
        self.state.lock().unwrap().rejections.clone()
    }
}

struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let (status, body) = match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/token") => token_endpoint(&request, state),
        ("POST", "/v2/spaces") => spaces_create(&request, state),
        _ => (
            404,
            json!({"error": {"code": 404, "status": "NOT_FOUND"}}).to_string(),
        ),
    };
    let mut stream = stream;
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=UTF-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The client may have given up (a timeout test): nothing to do then.
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()));
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .map_or(Some(0), |length| length.parse().ok())?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `POST {token_uri}`: checks the request as Google documents it, then issues an access token.
fn token_endpoint(request: &Request, state: &Mutex<State>) -> (u16, String) {
    let content_type = request
        .headers
        .get("content-type")
        .cloned()
        .unwrap_or_default();
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    let behaviour = {
        let mut state = state.lock().unwrap();
        state.token_requests.push(TokenRequest {
            content_type: content_type.clone(),
            form: form.clone(),
        });
        state.behaviour.clone()
    };
    std::thread::sleep(behaviour.token_delay);
    match behaviour.token {
        Reply::Normal => {}
        Reply::Status(status, body) => return (status, body.to_string()),
        Reply::Ok(body) => return (200, body),
        Reply::EchoCredential(status) => {
            let assertion = form.get("assertion").cloned().unwrap_or_default();
            let body = json!({
                "error": "invalid_grant",
                "error_description": format!("Invalid JWT: {assertion}"),
            });
            return (status, body.to_string());
        }
    }
    let checked = (content_type == "application/x-www-form-urlencoded")
        .then_some(())
        .ok_or_else(|| format!("token request content type {content_type:?}"))
        .and_then(|()| check_token_form(&form));
    let mut state = state.lock().unwrap();
    if let Err(reason) = checked {
        state.rejections.push(reason.clone());
        let body = json!({"error": "invalid_grant", "error_description": reason});
        return (400, body.to_string());
    }
    let token = format!("ya29.stand-in-access-token-{}", state.issued.len() + 1);
    let expires_at = unix_now() + behaviour.expires_in;
    state.issued.push((token.clone(), expires_at));
    let body = json!({
        "access_token": token,
        "expires_in": behaviour.expires_in,
        "token_type": "Bearer",
    });
    (200, body.to_string())
}

/// The form's `grant_type` and `assertion`: the assertion's RS256 signature with the test key's
/// public half, its header (`alg`, `typ`, `kid`) and its claims, as Google checks them.
fn check_token_form(form: &BTreeMap<String, String>) -> Result<(), String> {
    let mut fields: Vec<&str> = form.keys().map(String::as_str).collect();
    fields.sort_unstable();
    if fields != ["assertion", "grant_type"] {
        return Err(format!("token request fields {fields:?}"));
    }
    if form["grant_type"] != GRANT_TYPE {
        return Err("grant_type".into());
    }
    let assertion = &form["assertion"];
    let header = jsonwebtoken::decode_header(assertion).map_err(|e| format!("header: {e}"))?;
    if header.alg != Algorithm::RS256
        || header.typ.as_deref() != Some("JWT")
        || header.kid.as_deref() != Some(PRIVATE_KEY_ID)
    {
        return Err(format!("header {header:?}"));
    }
    let key = DecodingKey::from_rsa_pem(test_key().public_pem.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[TOKEN_AUDIENCE]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .map_err(|e| format!("assertion: {e}"))?
        .claims;
    let (iat, exp) = (claims["iat"].as_u64(), claims["exp"].as_u64());
    let now = unix_now();
    let checks = [
        (claims["scope"] == MEET_SCOPE, "scope"),
        (claims["sub"] == USER, "sub"),
        (iat.is_some_and(|iat| iat.abs_diff(now) <= 60), "iat is now"),
        (
            iat.zip(exp).is_some_and(|(iat, exp)| exp - iat == 3600),
            "exp is iat + 3600",
        ),
        (claims.as_object().unwrap().len() == 6, "six claims"),
    ];
    for (ok, what) in checks {
        if !ok {
            return Err(format!("assertion claims: {what}: {claims}"));
        }
    }
    Ok(())
}

/// `POST /v2/spaces`: checks the bearer token and the body, then creates a space.
fn spaces_create(request: &Request, state: &Mutex<State>) -> (u16, String) {
    let header = |name: &str| request.headers.get(name).cloned().unwrap_or_default();
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let authorization = header("authorization");
    let behaviour = {
        let mut state = state.lock().unwrap();
        state.space_requests.push(SpaceRequest {
            authorization: authorization.clone(),
            content_type: header("content-type"),
            body: body.clone(),
        });
        state.behaviour.clone()
    };
    std::thread::sleep(behaviour.spaces_delay);
    match behaviour.spaces {
        Reply::Normal => {}
        Reply::Status(status, body) => return (status, body.to_string()),
        Reply::Ok(body) => return (200, body),
        Reply::EchoCredential(status) => {
            let body = json!({"error": {
                "code": status,
                "message": format!("Request had invalid credentials: {authorization}"),
                "status": "UNAUTHENTICATED",
            }});
            return (status, body.to_string());
        }
    }
    let mut state = state.lock().unwrap();
    let now = unix_now();
    let token = authorization.strip_prefix("Bearer ").unwrap_or_default();
    let valid = state
        .issued
        .iter()
        .any(|(issued, expires_at)| issued == token && *expires_at > now);
    if !valid {
        state
            .rejections
            .push(format!("spaces.create authorization {authorization:?}"));
        let body = json!({"error": {
            "code": 401,
            "message": "Request had invalid authentication credentials.",
            "status": "UNAUTHENTICATED",
        }});
        return (401, body.to_string());
    }
    let access_type = &body["config"]["accessType"];
    let known = ["OPEN", "TRUSTED", "RESTRICTED"].map(Value::from);
    let json_body = header("content-type") == "application/json";
    if !json_body || !known.contains(access_type) || body.as_object().map(|o| o.len()) != Some(1) {
        state.rejections.push(format!("spaces.create body {body}"));
        let body = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT"}});
        return (400, body.to_string());
    }
    state.spaces_created += 1;
    let n = state.spaces_created;
    let code = format!("abc-mnop-{}", letters(n));
    let body = json!({
        "name": format!("spaces/standIn{n}"),
        "meetingUri": format!("https://meet.google.com/{code}"),
        "meetingCode": code,
        "config": {"accessType": access_type, "entryPointAccess": "ALL"},
    });
    (200, body.to_string())
}

/// `n` in letters (a, b, …, z, ba, …): meeting codes are letters and hyphens.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}
