//! Building and running the HTTP server.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::Logger;
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;
use video_core::VideoProvider;

use crate::config::ServerConfig;
use crate::openapi::ApiDoc;
use crate::routes;

/// State shared by every worker.
pub struct AppState {
    /// The configured provider.
    pub provider: Arc<dyn VideoProvider>,
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    address: SocketAddr,
}

/// How long in-flight requests may take to finish after SIGINT/SIGTERM.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

impl Application {
    /// Binds `HOST:PORT` (or takes the socket passed with `LISTEN_FDS=1`) and builds the
    /// server. Port 0 picks a free port; see [`address`](Self::address).
    pub fn build(config: &ServerConfig) -> std::io::Result<Self> {
        Self::build_with_provider(config, config.provider.build())
    }

    /// Like [`build`](Self::build), but serves `provider` instead of the configured one: for
    /// embedding a provider of your own, and for tests.
    pub fn build_with_provider(
        config: &ServerConfig,
        provider: Arc<dyn VideoProvider>,
    ) -> std::io::Result<Self> {
        let listener = if config.socket_activation {
            listenfd::ListenFd::from_env()
                .take_tcp_listener(0)?
                .ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "LISTEN_FDS=1 but file descriptor 3 is not a listening TCP socket",
                    )
                })?
        } else {
            TcpListener::bind((config.host, config.port))?
        };
        let address = listener.local_addr()?;
        let state = web::Data::new(AppState { provider });
        let openapi = ApiDoc::openapi();
        let web_page = config.web_page_dir().map(std::path::Path::to_path_buf);
        let server = HttpServer::new(move || {
            let app = App::new()
                .wrap(access_log())
                .app_data(state.clone())
                .configure(routes::configure)
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .url("/api-docs/openapi.json", openapi.clone()),
                );
            match &web_page {
                Some(dir) => app.service(
                    actix_files::Files::new("/", dir)
                        .index_file("index.html")
                        .default_handler(web::to(routes::not_found)),
                ),
                None => app.default_service(web::to(routes::not_found)),
            }
        })
        .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
        .listen(listener)?
        .run();
        Ok(Self { server, address })
    }

    /// The bound address (with the real port when `PORT=0`).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The running server, to stop it from a test.
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// One line per request: method, path (never the query string, which may name people and
/// rooms), status and latency. Headers are never logged: they may carry credentials.
fn access_log() -> Logger {
    Logger::new("%{method}xi %U %s %Dms")
        .custom_request_replace("method", |request| request.method().to_string())
        .log_target("token_server::access")
}
