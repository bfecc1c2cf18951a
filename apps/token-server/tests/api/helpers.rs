//! One way to start the server and one way to talk to it, shared by every test.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use std::sync::Arc;

use token_server::{BackgroundServer, ServerConfig};
use video_core::VideoProvider;
use video_core::config::Environment;

pub const API_KEY: &str = "APItestkey";
pub const API_SECRET: &str = "integration-test-secret-0123456789abcdef";
pub const LIVEKIT_URL: &str = "wss://video.example.edu";

/// A server running on its own thread and actix system; stopped on drop.
pub struct TestApp {
    pub address: SocketAddr,
    /// The metrics listener, when the test set `METRICS_ADDR`.
    pub metrics_address: Option<SocketAddr>,
    server: BackgroundServer,
    /// The attendance database's directory (SQLite), removed with the server.
    pub data_dir: Option<tempfile::TempDir>,
}

/// Starts the real application on 127.0.0.1:0 with test credentials (TTL 0.5 h) plus `extra`.
pub fn spawn_app(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_with(extra, None)
}

/// The configuration `spawn_app` uses.
pub fn test_config(extra: &[(&str, &str)]) -> ServerConfig {
    let mut vars = vec![
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("LIVEKIT_URL", LIVEKIT_URL),
        ("LIVEKIT_API_KEY", API_KEY),
        ("LIVEKIT_API_SECRET", API_SECRET),
        ("LIVEKIT_TOKEN_TTL_HOURS", "0.5"),
        ("WEB_DIST_DIR", "/nonexistent-web-dist"),
    ];
    vars.extend_from_slice(extra);
    ServerConfig::from_env(&Environment::from_pairs(vars)).expect("test config")
}

/// Starts the application, serving `provider` instead of the configured one when given.
pub fn spawn_app_with(extra: &[(&str, &str)], provider: Option<Arc<dyn VideoProvider>>) -> TestApp {
    // A fresh SQLite attendance database per server, unless the test names its own.
    let data_dir = if extra
        .iter()
        .any(|(name, _)| *name == "DATA_DIR" || *name == "DATABASE_URL")
    {
        None
    } else {
        Some(tempfile::tempdir().expect("temporary data directory"))
    };
    let dir = data_dir
        .as_ref()
        .map(|dir| dir.path().to_string_lossy().into_owned());
    let mut vars: Vec<(&str, &str)> = extra.to_vec();
    if let Some(dir) = &dir {
        vars.push(("DATA_DIR", dir));
    }
    let config = test_config(&vars);
    let provider = provider.unwrap_or_else(|| config.providers.default_provider().build());
    let server = BackgroundServer::start(config, provider).expect("bind 127.0.0.1:0");
    TestApp {
        address: server.address(),
        metrics_address: server.metrics_address(),
        server,
        data_dir,
    }
}

impl TestApp {
    /// Starts a graceful stop, exactly as the SIGINT/SIGTERM handler does; returns at once.
    pub fn begin_graceful_stop(&self) -> std::thread::JoinHandle<()> {
        let handle = self.server.handle();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(true)))
    }
}

impl TestApp {
    /// `GET target` (path and query exactly as given, not re-encoded).
    pub fn get(&self, target: &str) -> Response {
        request(self.address, "GET", target.as_bytes())
    }

    pub fn request(&self, method: &str, target: &str) -> Response {
        request(self.address, method, target.as_bytes())
    }

    /// `GET target` with extra header lines.
    pub fn get_with(&self, target: &str, headers: &[(&str, &str)]) -> Response {
        request_with(self.address, "GET", target.as_bytes(), headers)
    }

    /// `POST target` with extra header lines and `body` (its `Content-Length` is added).
    pub fn post_with(&self, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        self.send("POST", target, headers, body)
    }

    /// `method target` with extra header lines and `body` (its `Content-Length` is added).
    pub fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let length = body.len().to_string();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.push(("Content-Length", &length));
        let mut stream = TcpStream::connect(self.address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut head =
            format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (name, value) in all {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send head");
        // The server may answer (413) before reading a body it refuses.
        let _ = stream.write_all(body);
        read_response(&mut stream)
    }

    /// `GET /metrics` on the metrics listener: the Prometheus text.
    pub fn scrape(&self) -> String {
        let address = self.metrics_address.expect("METRICS_ADDR is set");
        let response = request(address, "GET", b"/metrics");
        assert_eq!(response.status, 200, "{}", response.text());
        response.text()
    }

    /// A request whose target holds raw bytes, e.g. ones that are not UTF-8.
    pub fn get_raw(&self, target: &[u8]) -> Response {
        request(self.address, "GET", target)
    }
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }
}

/// One request on a fresh connection (`Connection: close`), raw bytes in and out, so tests
/// control exactly what is sent: no client re-encodes the target.
pub fn request(address: SocketAddr, method: &str, target: &[u8]) -> Response {
    request_with(address, method, target, &[])
}

/// Like [`request`], with extra header lines (`("Authorization", "Bearer …")`).
pub fn request_with(
    address: SocketAddr,
    method: &str,
    target: &[u8],
    headers: &[(&str, &str)],
) -> Response {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = Vec::new();
    head.extend_from_slice(method.as_bytes());
    head.push(b' ');
    head.extend_from_slice(target);
    head.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).expect("send");
    read_response(&mut stream)
}

/// Reads one response: the head, then `Content-Length` bytes, or a chunked body to its last
/// chunk, or (neither) to the end of the stream. Does not wait for the server to close.
pub fn read_response(stream: &mut impl Read) -> Response {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        if let Some(head_end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
            let body = &raw[head_end + 4..];
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().unwrap());
            let done = match length {
                Some(length) => body.len() >= length,
                None if head.contains("transfer-encoding: chunked") => body.ends_with(b"0\r\n\r\n"),
                None => false,
            };
            if done {
                return parse_response(&raw);
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) => return parse_response(&raw),
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
            Err(error) => panic!("read response: {error} after {} bytes", raw.len()),
        }
    }
}

pub fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = std::str::from_utf8(&raw[..split]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size");
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Checks a token with LiveKit's own verifier (livekit-api's `TokenVerifier`: HS256
/// signature, issuer, exp, nbf): an independent check, not our code.
pub fn verify(token: &str) -> livekit_api::access_token::Claims {
    // Ours first: whichever jsonwebtoken provider is installed first serves the whole process.
    token_server::auth::install_crypto_provider();
    livekit_api::access_token::TokenVerifier::with_api_key(API_KEY, API_SECRET)
        .verify(token)
        .expect("token verifies with LiveKit's TokenVerifier")
}

/// A throw-away PostgreSQL server for this test binary, or `TEST_DATABASE_URL` when set: its URL
/// (the harness of video-attendance's own storage tests).
pub fn postgres_url() -> &'static str {
    attendance_support::postgres_server_url()
}

#[allow(dead_code)]
#[path = "../../../../crates/video-attendance/tests/support/mod.rs"]
mod attendance_support;

/// A PostgreSQL database of a test's own on the test server (video-attendance's harness).
pub(crate) use attendance_support::PostgresDatabase;
