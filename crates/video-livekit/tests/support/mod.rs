//! The real LiveKit server for Rust tests: `scripts/livekit.sh run` (the pinned version, the
//! committed test configuration, free loopback ports) as a child process, killed on drop.
//! Every wait is bounded; a server that dies or never gets ready fails the test with its log tail.

// Each test binary uses a part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A running LiveKit server.
pub(crate) struct LiveKit {
    /// `ws://127.0.0.1:PORT`, what clients and the token server are given.
    pub(crate) url: String,
    /// `http://127.0.0.1:PORT`, for the RoomService API and `/rtc/validate`.
    pub(crate) http_url: String,
    /// The test key pair of `tests/livekit/livekit.yaml`.
    pub(crate) api_key: String,
    /// The test secret.
    pub(crate) api_secret: String,
    child: Child,
    log: Arc<Mutex<String>>,
}

const READY_WITHIN: Duration = Duration::from_secs(30);
/// The first run on a fresh machine builds the server (`go install`), which takes minutes.
const SETTINGS_WITHIN: Duration = Duration::from_secs(15 * 60);

impl LiveKit {
    /// Starts a LiveKit server and waits until `GET /` answers 200.
    pub(crate) fn start() -> LiveKit {
        Self::start_with(None)
    }

    /// The same, with LiveKit posting its webhooks to `url`.
    pub(crate) fn start_with_webhook(url: &str) -> LiveKit {
        Self::start_with(Some(url))
    }

    fn start_with(webhook_url: Option<&str>) -> LiveKit {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/livekit.sh");
        let mut command = Command::new("bash");
        command.arg(&script).arg("run");
        if let Some(url) = webhook_url {
            command.arg("--webhook-url").arg(url);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run scripts/livekit.sh");

        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&log);
        thread::spawn(move || {
            let mut buffer = [0_u8; 4096];
            while let Ok(read) = stderr.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                sink.lock()
                    .expect("log lock")
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });

        // KEY=VALUE lines, then LIVEKIT_STARTING, read on a thread so the wait is bounded.
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut settings = HashMap::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line == "LIVEKIT_STARTING" {
                    let _ = sender.send(settings);
                    return;
                }
                if let Some((key, value)) = line.split_once('=') {
                    settings.insert(key.to_owned(), value.to_owned());
                }
            }
        });
        let mut server = LiveKit {
            url: String::new(),
            http_url: String::new(),
            api_key: String::new(),
            api_secret: String::new(),
            child,
            log,
        };
        let settings = match receiver.recv_timeout(SETTINGS_WITHIN) {
            Ok(settings) => settings,
            Err(_) => server.fail("scripts/livekit.sh never printed LIVEKIT_STARTING"),
        };
        let get = |key: &str| settings.get(key).cloned().unwrap_or_default();
        server.url = get("LIVEKIT_URL");
        server.http_url = get("LIVEKIT_HTTP_URL");
        server.api_key = get("LIVEKIT_API_KEY");
        server.api_secret = get("LIVEKIT_API_SECRET");
        let address = server.http_url.trim_start_matches("http://").to_owned();

        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                server.fail(&format!("LiveKit exited ({status}) before it was ready"));
            }
            if http_get(&address, "/").is_some_and(|(status, _)| status == 200) {
                return server;
            }
            if Instant::now() > deadline {
                server.fail(&format!(
                    "LiveKit did not answer GET / within {READY_WITHIN:?}"
                ));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `host:port` of the HTTP listener.
    pub(crate) fn address(&self) -> &str {
        self.http_url.trim_start_matches("http://")
    }

    /// The last lines of LiveKit's log.
    pub(crate) fn log_tail(&self) -> String {
        let log = self.log.lock().expect("log lock");
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        thread::sleep(Duration::from_millis(100));
        panic!("{why}; LiveKit's log ends:\n{}", self.log_tail());
    }
}

impl Drop for LiveKit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 GET on loopback: the status and the body, or `None` when nothing answers.
pub(crate) fn http_get(address: &str, path_and_query: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

/// One webhook delivery as it arrived: the raw `Authorization` header and body, and when.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) authorization: String,
    pub(crate) body: String,
    pub(crate) at: Instant,
}

/// A minimal HTTP endpoint on 127.0.0.1 that records LiveKit's webhook deliveries and answers 200.
pub(crate) struct WebhookSink {
    pub(crate) url: String,
    deliveries: std::sync::mpsc::Receiver<Delivery>,
}

impl WebhookSink {
    /// A sink that acknowledges every delivery (200).
    pub(crate) fn start() -> WebhookSink {
        Self::answering(200)
    }

    /// A sink that answers every delivery with `status` (e.g. 503, as a receiver that is down).
    pub(crate) fn answering(status: u16) -> WebhookSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/webhooks",
            listener.local_addr().expect("address")
        );
        let (sender, deliveries) = std::sync::mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(delivery) = read_delivery(stream, status)
                    && sender.send(delivery).is_err()
                {
                    return;
                }
            }
        });
        WebhookSink { url, deliveries }
    }

    /// Every delivery whose body contains `needle` that arrives within `within`.
    pub(crate) fn all_containing(&self, needle: &str, within: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + within;
        let mut found = Vec::new();
        while let Ok(delivery) = self
            .deliveries
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if delivery.body.contains(needle) {
                found.push(delivery);
            }
        }
        found
    }

    /// The next delivery whose body contains `needle`, waiting at most `within`.
    pub(crate) fn next_containing(&self, needle: &str, within: Duration) -> Delivery {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.deliveries.recv_timeout(left) {
                Ok(delivery) if delivery.body.contains(needle) => return delivery,
                Ok(_) => continue,
                Err(_) => panic!("no webhook containing {needle} within {within:?}"),
            }
        }
    }
}

fn read_delivery(mut stream: TcpStream, status: u16) -> Option<Delivery> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut authorization = String::new();
    let mut length = 0_usize;
    let mut line = String::new();
    reader.read_line(&mut line).ok()?; // request line
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "authorization" => authorization = value.trim().to_owned(),
            "content-length" => length = value.trim().parse().ok()?,
            _ => {}
        }
    }
    let mut body = vec![0_u8; length];
    reader.read_exact(&mut body).ok()?;
    let at = Instant::now();
    stream
        .write_all(
            format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .ok()?;
    Some(Delivery {
        authorization,
        body: String::from_utf8(body).ok()?,
        at,
    })
}
