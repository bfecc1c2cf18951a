//! A reference server for `scripts/bench-load.sh` (docs/performance.md): the peers' bare
//! actix-web ceiling (`../shared/peers/limit`, one route, nothing else) plus one LiveKit token per
//! request, minted with `livekit-api` the way the Node and Python peers mint it. No query
//! decoding or name rules, no rate limit, no log line, no authentication, no other route: the
//! least a server that answers this request with a `livekit-api` token can do. Its CPU per
//! request against the ceiling's is therefore a floor for the token server's.
//!
//! ```sh
//! cargo build --release -p token-server --example actix_mint
//! target/release/examples/actix_mint 8080
//! curl 'http://127.0.0.1:8080/api/video/token?room=bench&user=u1'
//! ```
//!
//! It reads `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`, `LIVEKIT_URL` and `LIVEKIT_TOKEN_TTL_HOURS`
//! as the peers do (`../shared/peers/env.sh`), binds `127.0.0.1` (or `HOST`), and runs `WORKERS`
//! actix workers (default: one per available CPU, as the ceiling). Never use it for anything but
//! a benchmark: it checks nothing.

use std::time::Duration;

use actix_web::http::header::ContentType;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use livekit_api::access_token::{AccessToken, VideoGrants};

/// What every request needs, read once.
struct Minter {
    key: String,
    secret: String,
    ttl: Duration,
    /// `","url":"…"}`: the end of every answer, with the URL escaped once.
    tail: String,
}

impl Minter {
    fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is not set"));
        let hours: f64 = var("LIVEKIT_TOKEN_TTL_HOURS")?
            .parse()
            .context("LIVEKIT_TOKEN_TTL_HOURS must be a number")?;
        let ttl = Duration::try_from_secs_f64(hours * 3600.0)
            .context("LIVEKIT_TOKEN_TTL_HOURS must be positive")?;
        let url = serde_json::to_string(&var("LIVEKIT_URL")?)?;
        Ok(Self {
            key: var("LIVEKIT_API_KEY")?,
            secret: var("LIVEKIT_API_SECRET")?,
            ttl,
            tail: format!(",\"url\":{url}}}"),
        })
    }

    /// `{"token":"…","url":"…"}` for `user` in `room`, with the peers' grants.
    fn answer(&self, room: &str, user: &str) -> anyhow::Result<String> {
        let token = AccessToken::with_api_key(&self.key, &self.secret)
            .with_identity(user)
            .with_ttl(self.ttl)
            .with_grants(VideoGrants {
                room_join: true,
                room: room.to_owned(),
                can_publish: Some(true),
                can_subscribe: Some(true),
                can_publish_data: Some(true),
                ..VideoGrants::default()
            })
            .to_jwt()?;
        Ok(format!("{{\"token\":\"{token}\"{}", self.tail))
    }
}

/// `room` and `user` as they appear in the query: no percent-decoding (a benchmark sends plain
/// names).
fn room_and_user(query: &str) -> Option<(&str, &str)> {
    let (mut room, mut user) = (None, None);
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("room", value)) if !value.is_empty() => room = Some(value),
            Some(("user", value)) if !value.is_empty() => user = Some(value),
            _ => {}
        }
    }
    room.zip(user)
}

async fn token(request: HttpRequest, minter: web::Data<Minter>) -> HttpResponse {
    let Some((room, user)) = room_and_user(request.query_string()) else {
        return HttpResponse::BadRequest().finish();
    };
    match minter.answer(room, user) {
        Ok(body) => HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(body),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .context("usage: actix_mint PORT")?
        .parse()
        .context("PORT must be a port number")?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let minter = web::Data::new(Minter::from_env()?);
    // The answer is checked once, before serving.
    minter.answer("bench", "u1")?;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(minter.clone())
            .route("/api/video/token", web::get().to(token))
    });
    if let Some(workers) = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()) {
        server = server.workers(workers);
    }
    server.bind((host.as_str(), port))?.run().await?;
    Ok(())
}
