//! A load generator for the webhook endpoint (`scripts/bench-webhooks.sh`, docs/performance.md):
//! posts LiveKit webhook events, signed as LiveKit signs them, to a running token server, and
//! prints events per second and the latency of each acknowledged (committed) delivery.
//!
//! ```sh
//! LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… \
//!   target/release/examples/webhook_load 127.0.0.1:8080 4000 32
//! ```
//!
//! Arguments: the server's `host:port`, the number of events (default 4000: the joins and leaves
//! of 2000 students), and the number of concurrent connections (default 32, each keep-alive, as
//! LiveKit's notifier posts in parallel per room). Every event has its own id (unique to the run),
//! so every delivery is a durable insert; the bodies and their signatures are made before the
//! clock starts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use livekit_api::access_token::AccessToken;
use sha2::{Digest, Sha256};

/// One prepared request: its bytes, ready to write.
struct Prepared(Vec<u8>);

fn prepare(address: &str, key: &str, secret: &str, events: usize) -> anyhow::Result<Vec<Prepared>> {
    let started = 1_796_000_000_u64;
    // Ids of this run only: runs against the same database store every event anew.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    (0..events)
        .map(|i| {
            let student = i / 2;
            let kind = if i % 2 == 0 { "participant_joined" } else { "participant_left" };
            let body = format!(
                r#"{{"event":"{kind}","id":"EV_{run}_{i}","createdAt":"{}","room":{{"sid":"RM_load","name":"lecture-hall-1"}},"participant":{{"sid":"PA_{student}","identity":"student-{student}","name":"Student {student}","attributes":{{"openconnect.role":"participant"}}}}}}"#,
                started + (i as u64 % 60)
            );
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
            let token = AccessToken::with_api_key(key, secret)
                .with_sha256(&hash)
                .with_ttl(Duration::from_secs(3600))
                .to_jwt()
                .context("sign")?;
            let request = format!(
                "POST /api/video/webhooks/livekit HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/webhook+json\r\nAuthorization: {token}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            Ok(Prepared(request.into_bytes()))
        })
        .collect()
}

/// Sends `requests` one after another on one keep-alive connection; the latency of each.
fn run(address: &str, requests: &[Prepared]) -> anyhow::Result<(Vec<Duration>, usize)> {
    let stream = TcpStream::connect(address).context("connect")?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut latencies = Vec::with_capacity(requests.len());
    let mut failed = 0;
    for Prepared(request) in requests {
        let sent = Instant::now();
        writer.write_all(request)?;
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        latencies.push(sent.elapsed());
        if !status_line.starts_with("HTTP/1.1 200") || !body.starts_with(br#"{"status":"stored"}"#)
        {
            failed += 1;
        }
    }
    Ok((latencies, failed))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let address = args
        .get(1)
        .context("usage: webhook_load HOST:PORT [EVENTS] [CONNECTIONS]")?
        .clone();
    let events: usize = args.get(2).map_or(Ok(4000), |n| n.parse())?;
    let connections: usize = args.get(3).map_or(Ok(32), |n| n.parse())?;
    let key = std::env::var("LIVEKIT_API_KEY").context("LIVEKIT_API_KEY")?;
    let secret = std::env::var("LIVEKIT_API_SECRET").context("LIVEKIT_API_SECRET")?;
    if connections == 0 || events < connections {
        bail!("need at least one connection and at least one event per connection");
    }

    let prepared = Arc::new(prepare(&address, &key, &secret, events)?);
    let share = events.div_ceil(connections);
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let prepared = Arc::clone(&prepared);
            let address = address.clone();
            thread::spawn(move || {
                let end = ((c + 1) * share).min(prepared.len());
                run(&address, &prepared[c * share..end])
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(events);
    let mut failed = 0;
    for worker in workers {
        let (mine, fails) = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
        latencies.extend(mine);
        failed += fails;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    #[allow(clippy::print_stdout)]
    {
        println!(
            "events={} connections={connections} seconds={:.2} events_per_second={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} not_stored={failed}",
            latencies.len(),
            elapsed.as_secs_f64(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            ms(at(0.50)),
            ms(at(0.99)),
            ms(at(1.0)),
        );
    }
    if failed > 0 {
        bail!("{failed} deliveries were not answered 200 stored");
    }
    Ok(())
}
