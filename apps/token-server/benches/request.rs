//! The token server's whole request path, in this process: the real `Application` (routes,
//! access log, `Cache-Control` middleware, provider) on 127.0.0.1:0, driven over one keep-alive
//! loopback connection, one request at a time. Each figure is a full round trip (client write,
//! server parse, route, mint, JSON, client read); `request/healthz` is the same trip without
//! the token work. Also the public pieces of query parsing.
//!
//! Run with `cargo bench -p token-server --bench request`; see `docs/performance.md`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Fixtures that fail should stop loudly.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use criterion::{Criterion, criterion_group, criterion_main};
use log::LevelFilter;
use token_server::{Application, ServerConfig};
use video_core::config::Environment;
use video_core::{ParticipantIdentity, RoomName, decode_query_component};

/// The requests measured: name and target (path and query, sent as is).
const TARGETS: [(&str, &str); 4] = [
    ("healthz", "/healthz"),
    (
        "token_participant",
        "/api/video/token?room=physics-101&user=student-42",
    ),
    (
        "token_host_named",
        "/api/video/token?room=physics-101&user=prof-7&name=Ada+Lovelace&role=host",
    ),
    ("bad_query_400", "/api/video/token?room=physics-101"),
];

/// The application on its own thread and actix system, as `main` runs it; stopped on drop.
struct Server {
    address: SocketAddr,
    handle: ServerHandle,
}

impl Server {
    fn start() -> Self {
        let config = ServerConfig::from_env(&Environment::from_pairs([
            ("APP_ENV", "production"),
            ("HOST", "127.0.0.1"),
            ("PORT", "0"),
            ("LIVEKIT_URL", "wss://video.example.edu"),
            ("LIVEKIT_API_KEY", "APIbenchkey"),
            (
                "LIVEKIT_API_SECRET",
                "bench-secret-0123456789abcdef0123456789abcdef",
            ),
            ("WEB_DIST_DIR", "/nonexistent-web-dist"),
        ]))
        .expect("bench config");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(&config).expect("bind 127.0.0.1:0");
                let server = app.address();
                let server_handle = app.into_server();
                sender
                    .send((server, server_handle.handle()))
                    .expect("report address");
                server_handle.await.expect("server ran");
            });
        });
        let (address, handle) = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("server up");
        Self { address, handle }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
    }
}

/// One keep-alive HTTP/1.1 connection; reads exactly one `Content-Length` response per request.
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
            buffer: Vec::with_capacity(4096),
        }
    }

    /// Sends `request` and returns the response's status and body length.
    fn round_trip(&mut self, request: &[u8]) -> (u16, usize) {
        self.stream.write_all(request).expect("send");
        self.buffer.clear();
        let mut chunk = [0_u8; 4096];
        loop {
            let read = self.stream.read(&mut chunk).expect("receive");
            assert!(read > 0, "server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
            if let Some(head_end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buffer[..head_end]).expect("ASCII head");
                let length: usize = head
                    .split("\r\n")
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().expect("Content-Length"))
                    })
                    .expect("a Content-Length response");
                if self.buffer.len() >= head_end + 4 + length {
                    let status = head[9..12].parse().expect("status");
                    return (status, length);
                }
            }
        }
    }
}

fn http_get(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n").into_bytes()
}

fn request_path(c: &mut Criterion) {
    // The access log goes through the real `env_logger` set-up (format, timestamp, one write per
    // line) into /dev/null; `log::set_max_level` switches it on and off between groups, as
    // RUST_LOG=info and RUST_LOG=warn do.
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    env_logger::Builder::new()
        .filter_level(LevelFilter::Info)
        .target(env_logger::Target::Pipe(Box::new(null)))
        .init();

    let server = Server::start();
    let mut connection = Connection::open(server.address);
    for (log_group, level) in [
        ("request_log_info", LevelFilter::Info),
        ("request_log_warn", LevelFilter::Warn),
    ] {
        log::set_max_level(level);
        let mut group = c.benchmark_group(log_group);
        for (name, target) in TARGETS {
            let request = http_get(target);
            let expected = if name == "bad_query_400" { 400 } else { 200 };
            assert_eq!(connection.round_trip(&request).0, expected, "{target}");
            group.bench_function(name, |b| {
                b.iter(|| connection.round_trip(black_box(&request)));
            });
        }
        group.finish();
    }
}

/// The public building blocks of `routes::token::parse_join_request` (which is crate-private):
/// strict percent-decoding of each component, then the name rules.
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
    targets = request_path, query_parsing
}
criterion_main!(benches);
