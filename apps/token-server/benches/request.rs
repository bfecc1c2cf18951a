//! The token server's whole request path, measured two ways for each authentication mode
//! (`none`, `api-key`, `jwt` with an HS256 LMS secret), with the per-request log line on and off:
//!
//! - `in_process_*`: the real application (routes, middleware, access and audit log, rate
//!   limiter, authentication, provider, JSON) from [`AppFactory`], called through actix's test
//!   service in this process, with no socket: the work a commit can make slower.
//! - `request_*`: the same application served on 127.0.0.1:0 on its own thread, driven over one
//!   keep-alive loopback connection with batches of pipelined requests; each figure is the time
//!   per request of a batch (client write, server parse, route, authenticate, mint, JSON, client
//!   read); `healthz` is the same without the token work.
//!
//! Then caller authentication alone and the public pieces of query parsing.
//!
//! Run with `cargo bench -p token-server --bench request`; see `docs/performance.md`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Fixtures that fail should stop loudly.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::body::to_bytes;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::{self, TestRequest};
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{EncodingKey, Header};
use log::LevelFilter;
use token_server::auth::{AuthConfig, Authenticator, install_crypto_provider};
use token_server::query::decode_query_component;
use token_server::{AppFactory, BackgroundServer, ServerConfig};
use video_core::config::{AppEnv, Environment};
use video_core::{ParticipantIdentity, RoomName};

const LIVEKIT_SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";
const BACKEND_KEY: &str = "bench-lms-backend-key-0123456789abcdef";
const LMS_SECRET: &str = "bench-lms-session-secret-0123456789abcdef";
const ISSUER: &str = "https://lms.example.edu";
const AUDIENCE: &str = "openconnect-video";
const TOKEN_TARGET: &str = "/api/video/token?room=physics-101&user=student-42";

/// One way to run the server: its extra variables and the `Authorization` header it needs.
struct Mode {
    name: &'static str,
    variables: Vec<(&'static str, String)>,
    authorization: Option<String>,
}

fn modes() -> [Mode; 3] {
    let owned = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    };
    [
        Mode {
            name: "none",
            variables: owned(&[("APP_ENV", "development"), ("TOKEN_SERVER_AUTH", "none")]),
            authorization: None,
        },
        Mode {
            name: "api_key",
            variables: owned(&[
                ("APP_ENV", "production"),
                ("TOKEN_SERVER_AUTH", "api-key"),
                ("TOKEN_SERVER_API_KEYS", BACKEND_KEY),
            ]),
            authorization: Some(format!("Bearer {BACKEND_KEY}")),
        },
        Mode {
            name: "jwt_hs256",
            variables: owned(&[
                ("APP_ENV", "production"),
                ("TOKEN_SERVER_AUTH", "jwt"),
                ("AUTH_JWT_HS256_SECRET", LMS_SECRET),
                ("AUTH_JWT_ISSUER", ISSUER),
                ("AUTH_JWT_AUDIENCE", AUDIENCE),
            ]),
            authorization: Some(format!("Bearer {}", lms_session_token())),
        },
    ]
}

/// An LMS session token for `student-42` in `physics-101`, valid for a day.
fn lms_session_token() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = serde_json::json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "student-42",
        "iat": now, "exp": now + 86_400,
        "role": "participant", "rooms": ["physics-*"],
    });
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(LMS_SECRET.as_bytes()),
    )
    .expect("LMS session token")
}

/// The application on its own thread and actix system, as `main` runs it; stopped on drop.
struct Server {
    address: SocketAddr,
    /// Keeps the server running; stopped when the benchmark drops it.
    _server: BackgroundServer,
}

/// The configuration of `mode`. The rate limiter runs but never refuses: its defaults would, by
/// design, stop a client that asks this often.
fn bench_config(mode: &Mode) -> ServerConfig {
    let mut variables: Vec<(&str, &str)> = vec![
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("LIVEKIT_URL", "wss://video.example.edu"),
        ("LIVEKIT_API_KEY", "APIbenchkey"),
        ("LIVEKIT_API_SECRET", LIVEKIT_SECRET),
        ("WEB_DIST_DIR", "/nonexistent-web-dist"),
        ("RATE_LIMIT_IP_PER_MINUTE", "4000000000"),
        ("RATE_LIMIT_IP_BURST", "4000000000"),
        ("RATE_LIMIT_IDENTITY_PER_MINUTE", "4000000000"),
        ("RATE_LIMIT_IDENTITY_BURST", "4000000000"),
    ];
    variables.extend(mode.variables.iter().map(|(k, v)| (*k, v.as_str())));
    ServerConfig::from_env(&Environment::from_pairs(variables)).expect("bench config")
}

impl Server {
    fn start(mode: &Mode) -> Self {
        let config = bench_config(mode);
        let provider = config.providers.default_provider().build();
        let server = BackgroundServer::start(config, provider).expect("bind 127.0.0.1:0");
        Self {
            address: server.address(),
            _server: server,
        }
    }
}

/// How many requests each measured batch pipelines on the connection: one write, then the
/// answers in order. Batching keeps the figure about the server's work rather than the time a
/// sleeping core takes to wake up (tens of microseconds on an idle virtual machine).
const BATCH: u32 = 32;

/// One keep-alive HTTP/1.1 connection that reads `Content-Length` responses.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    fn open(address: SocketAddr) -> Self {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Self {
            stream,
            buffer: Vec::with_capacity(64 * 1024),
        }
    }

    /// Sends `requests` (one or more pipelined requests) and reads `count` responses; returns
    /// the status of the last one.
    fn exchange(&mut self, requests: &[u8], count: u32) -> u16 {
        self.stream.write_all(requests).expect("send");
        self.buffer.clear();
        let (mut parsed, mut start, mut status) = (0, 0, 0);
        let mut chunk = [0_u8; 16 * 1024];
        while parsed < count {
            let read = self.stream.read(&mut chunk).expect("receive");
            assert!(read > 0, "server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
            while parsed < count {
                let Some(head_end) = self.buffer[start..]
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map(|end| start + end)
                else {
                    break;
                };
                let head = std::str::from_utf8(&self.buffer[start..head_end]).expect("ASCII head");
                let length: usize = head
                    .split("\r\n")
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().expect("Content-Length"))
                    })
                    .expect("a Content-Length response");
                if self.buffer.len() < head_end + 4 + length {
                    break;
                }
                status = head[9..12].parse().expect("status");
                start = head_end + 4 + length;
                parsed += 1;
            }
        }
        status
    }
}

fn http_get(target: &str, authorization: Option<&str>) -> Vec<u8> {
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n{authorization}\r\n")
        .into_bytes()
}

/// The two log settings compared: `RUST_LOG=info` (an access line for every request, carrying
/// the audit record for an issued token) and `RUST_LOG=warn` (no per-request line).
const LOG_LEVELS: [(&str, LevelFilter); 2] = [
    ("log_info", LevelFilter::Info),
    ("log_warn", LevelFilter::Warn),
];

/// The server's own logger, writing to /dev/null; `log::set_max_level` switches the per-request
/// lines on and off between groups, as `RUST_LOG=info` and `RUST_LOG=warn` do.
fn init_logging() {
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    token_server::telemetry::init_with(null, "info");
}

/// The whole request path in this process, without a socket: [`AppFactory::app`] under
/// `actix_web::test::init_service`, each request built with `TestRequest` (with a peer address,
/// which the rate limiter keys on) and its body read to the end. Routing, middleware, logging,
/// the rate limiter, caller authentication, minting and JSON: what a commit can make slower.
fn in_process(c: &mut Criterion) {
    init_logging();
    let runtime = actix_web::rt::System::new();
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("address");
    for mode in modes() {
        let config = bench_config(&mode);
        let factory =
            AppFactory::new(&config, config.providers.build(), None).expect("app factory");
        let app = runtime.block_on(test::init_service(factory.app()));
        let request = || {
            let request = TestRequest::get().uri(TOKEN_TARGET).peer_addr(peer);
            match &mode.authorization {
                Some(value) => request.insert_header((AUTHORIZATION, value.as_str())),
                None => request,
            }
            .to_request()
        };
        let issue = || async {
            let response = test::call_service(&app, request()).await;
            assert_eq!(response.status(), StatusCode::OK);
            to_bytes(response.into_body())
                .await
                .map(|body| body.len())
                .ok()
        };
        assert!(runtime.block_on(issue()).is_some_and(|length| length > 0));
        for (level_name, level) in LOG_LEVELS {
            log::set_max_level(level);
            let mut group = c.benchmark_group(format!("in_process_{level_name}"));
            group.bench_function(format!("token_{}", mode.name), |b| {
                b.iter_custom(|iterations| {
                    runtime.block_on(async {
                        let started = Instant::now();
                        for _ in 0..iterations {
                            black_box(issue().await);
                        }
                        started.elapsed()
                    })
                });
            });
            group.finish();
        }
    }
    log::set_max_level(LevelFilter::Warn);
}

/// The same path over loopback TCP: the real server on its own thread, one keep-alive
/// connection, batches of pipelined requests (see [`BATCH`]).
fn request_path(c: &mut Criterion) {
    init_logging();
    for mode in modes() {
        let server = Server::start(&mode);
        let mut connection = Connection::open(server.address);
        let mut targets = vec![(format!("token_{}", mode.name), TOKEN_TARGET, 200)];
        if mode.name == "none" {
            targets.push(("healthz".to_owned(), "/healthz", 200));
            targets.push((
                "bad_query_400".to_owned(),
                "/api/video/token?room=physics-101",
                400,
            ));
        }
        for (level_name, level) in LOG_LEVELS {
            log::set_max_level(level);
            let mut group = c.benchmark_group(format!("request_{level_name}"));
            for (name, target, status) in &targets {
                let request = http_get(target, mode.authorization.as_deref());
                assert_eq!(connection.exchange(&request, 1), *status, "{name}");
                let batch = request.repeat(BATCH as usize);
                group.bench_function(name.as_str(), |b| {
                    // Reported per request: the time of a batch divided by its size.
                    b.iter_custom(|batches| {
                        let started = Instant::now();
                        for _ in 0..batches {
                            black_box(connection.exchange(black_box(&batch), BATCH));
                        }
                        started.elapsed() / BATCH
                    });
                });
            }
            group.finish();
        }
    }
    log::set_max_level(LevelFilter::Warn);
}

/// Caller authentication alone (`Authenticator::authenticate`), without HTTP.
fn authentication(c: &mut Criterion) {
    install_crypto_provider();
    let runtime = actix_web::rt::System::new();
    let mut group = c.benchmark_group("authenticate");
    for mode in modes() {
        let env = Environment::from_pairs(mode.variables.iter().map(|(k, v)| (*k, v.as_str())));
        let app_env = if mode.name == "none" {
            AppEnv::Development
        } else {
            AppEnv::Production
        };
        let config = AuthConfig::from_env(&env, app_env).expect("auth config");
        let authenticator = Authenticator::new(&config).expect("authenticator");
        let header = mode.authorization.clone();
        group.bench_function(mode.name, |b| {
            b.iter(|| {
                runtime
                    .block_on(authenticator.authenticate(Ok(black_box(header.as_deref()))))
                    .is_ok()
            });
        });
    }
    group.finish();
}

/// The building blocks of `query::parse_token_query`: strict percent-decoding of each
/// component, then the name rules.
fn query_parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("query");
    group.bench_function("decode_plain", |b| {
        b.iter(|| decode_query_component(black_box("physics-101")).map(|v| v.len()));
    });
    group.bench_function("decode_escaped", |b| {
        b.iter(|| decode_query_component(black_box("Ada+Lovel%C3%A1ce")).map(|v| v.len()));
    });
    group.bench_function("room_and_identity", |b| {
        b.iter(|| {
            let room = RoomName::parse(black_box("physics-101")).expect("room");
            let user = ParticipantIdentity::parse(black_box("student-42")).expect("user");
            (room, user)
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the whole `cargo bench` must finish in a few minutes on 2 shared cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = in_process, request_path, authentication, query_parsing
}
criterion_main!(benches);
