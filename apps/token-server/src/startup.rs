//! Building and running the HTTP server: [`AppFactory`] assembles each worker's `App` (the
//! middleware of [`crate::middleware`], the routes of `routes`, Swagger UI and the web
//! page); [`Application`] binds the listener and serves it; [`BackgroundServer`] runs it on a
//! thread of its own.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;
use video_core::{RoomRecords, VideoProvider};

use video_attendance::AttendanceError;

use crate::attendance::Attendance;
use crate::auth::{AuthMode, AuthSetupError, Authenticator, install_crypto_provider};
use crate::config::ServerConfig;
use crate::metrics::{MeteredRoomAdmin, Metrics, metrics_server};
use crate::middleware::{cors, observe, refuse_request_bodies};
use crate::openapi::{self, ApiDoc};
use crate::providers::Providers;
use crate::rate_limit::RateLimiter;
use crate::routes;

/// State shared by every worker.
pub struct AppState {
    /// The enabled providers (the default first), each with its room administration and
    /// webhooks when it has them.
    pub providers: Providers,
    /// Checks callers' credentials.
    pub auth: Authenticator,
    /// Per-address and per-identity rate limits.
    pub limiter: RateLimiter,
    /// Attendance storage; `None` when not set up (an embedding or benchmark that builds an
    /// [`AppFactory`] without it).
    pub attendance: Option<Attendance>,
    /// The server's metrics (off unless `METRICS_ADDR` is set).
    pub metrics: Metrics,
}

/// Why the server could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The listening socket could not be bound or taken over.
    #[error("could not listen")]
    Listen(#[source] std::io::Error),
    /// The metrics listener could not be bound.
    #[error("could not listen on METRICS_ADDR")]
    MetricsListen(#[source] std::io::Error),
    /// Caller authentication could not be set up.
    #[error("caller authentication could not be set up")]
    Auth(#[source] AuthSetupError),
    /// The attendance database could not be opened or migrated (`DATA_DIR`, `DATABASE_URL`).
    #[error("the attendance database could not be opened or migrated (DATA_DIR, DATABASE_URL)")]
    Attendance(#[source] AttendanceError),
}

/// What every worker's [`App`] is made of, built once from the configuration: the providers,
/// caller authentication, the rate limiters, the OpenAPI document, the web page and CORS.
///
/// [`Application`] runs [`app`](Self::app) on each worker; tests and benchmarks can drive it in
/// this process without a socket, with `actix_web::test::init_service(factory.app())`.
#[derive(Clone)]
pub struct AppFactory {
    state: web::Data<AppState>,
    auth_mode: AuthMode,
    web_page: Option<PathBuf>,
    origins: Vec<String>,
}

impl AppFactory {
    /// Sets up caller authentication and the rate limiters of `config` around `providers`
    /// (usually `config.providers.build()`), with
    /// `attendance` (opened by [`Application::build`]) or without (its routes then answer 404),
    /// and the metrics when `METRICS_ADDR` is set (recorded here, served by the metrics listener
    /// [`Application::build`] starts).
    pub fn new(
        config: &ServerConfig,
        providers: Providers,
        attendance: Option<Attendance>,
    ) -> Result<Self, StartupError> {
        // Before any token is minted: see `install_crypto_provider`.
        install_crypto_provider();
        let auth = Authenticator::new(&config.auth).map_err(StartupError::Auth)?;
        let metrics = match config.metrics.addr {
            Some(_) => Metrics::new(&providers.names()),
            None => Metrics::off(),
        };
        let state = web::Data::new(AppState {
            providers: providers.map_rooms(|rooms| MeteredRoomAdmin::wrap(rooms, &metrics)),
            auth,
            limiter: RateLimiter::new(&config.rate_limits),
            attendance,
            metrics,
        });
        Ok(Self {
            state,
            auth_mode: config.auth.mode(),
            web_page: config.web_page_dir().map(Path::to_path_buf),
            origins: config.cors_allowed_origins.clone(),
        })
    }

    /// The metrics every worker records into.
    pub fn metrics(&self) -> &Metrics {
        &self.state.metrics
    }

    /// The application: every route and middleware, sharing this factory's state.
    pub fn app(
        &self,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody + use<>>,
            Error = actix_web::Error,
            InitError = (),
        > + use<>,
    > {
        // The routes and, from their annotations, the OpenAPI document that describes them.
        let (app, document) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(routes::configure)
            .split_for_parts();
        let app = app
            .wrap(from_fn(refuse_request_bodies))
            .wrap(Condition::new(
                !self.origins.is_empty(),
                cors(&self.origins),
            ))
            .wrap(from_fn(observe))
            .app_data(self.state.clone())
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url(
                "/api-docs/openapi.json",
                openapi::for_providers(
                    openapi::for_mode(document, self.auth_mode),
                    &self.state.providers,
                ),
            ));
        match &self.web_page {
            Some(dir) => app.service(
                actix_files::Files::new("/", dir)
                    .index_file("index.html")
                    .default_handler(web::to(routes::not_found)),
            ),
            None => app.default_service(web::to(routes::not_found)),
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    /// `GET /metrics` on `METRICS_ADDR`: a server of its own, stopped with `server`.
    metrics_server: Option<Server>,
    address: SocketAddr,
    metrics_address: Option<SocketAddr>,
}

/// How long in-flight requests may take to finish after SIGINT/SIGTERM.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 30;
/// How long a client may take to send a request's head before the connection is closed (408).
pub const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a closing connection may linger.
pub const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long an idle keep-alive connection is kept.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

impl Application {
    /// Opens and migrates the attendance database, binds `HOST:PORT` (or takes the socket
    /// passed with `LISTEN_FDS=1`) and builds the server. Port 0 picks a free port; see
    /// [`address`](Self::address). With `METRICS_ADDR` set, binds it too, for `GET /metrics`
    /// only (see [`metrics_address`](Self::metrics_address)). Starts the hourly purge of
    /// attendance older than `ATTENDANCE_RETENTION_DAYS` and the metrics' upkeep on the current
    /// runtime.
    pub async fn build(config: &ServerConfig) -> Result<Self, StartupError> {
        Self::build_with_providers(config, None).await
    }

    /// Like [`build`](Self::build), but with `provider` issuing the default provider's tickets
    /// instead of the configured one: for embedding a provider of your own, and for tests.
    pub async fn build_with_provider(
        config: &ServerConfig,
        provider: Arc<dyn VideoProvider>,
    ) -> Result<Self, StartupError> {
        Self::build_with_providers(config, Some(provider)).await
    }

    /// Opens the database, then builds the enabled providers on it (their per-room records, such
    /// as Google Meet's spaces, are kept there), the default's tickets issued by `default` when
    /// given.
    async fn build_with_providers(
        config: &ServerConfig,
        default: Option<Arc<dyn VideoProvider>>,
    ) -> Result<Self, StartupError> {
        let store = Arc::new(
            config
                .attendance
                .open()
                .await
                .map_err(StartupError::Attendance)?,
        );
        let records: Arc<dyn RoomRecords> = store.clone();
        let mut providers = config.providers.with_room_records(&records).build();
        if let Some(tickets) = default {
            providers = providers.with_default_tickets(tickets);
        }
        let attendance = Attendance {
            store,
            retention_days: config.attendance.retention_days,
        };
        log::info!(
            "attendance in {}, kept {} days (ATTENDANCE_RETENTION_DAYS)",
            attendance.backend_name(),
            attendance.retention_days
        );
        let factory = AppFactory::new(config, providers, Some(attendance.clone()))?;
        attendance.spawn_purge(factory.metrics());
        factory.metrics().spawn_upkeep();
        let listener = listener(config).map_err(StartupError::Listen)?;
        let address = listener.local_addr().map_err(StartupError::Listen)?;
        let metrics_listener = match config.metrics.addr {
            Some(addr) => Some(TcpListener::bind(addr).map_err(StartupError::MetricsListen)?),
            None => None,
        };
        let metrics_address = match &metrics_listener {
            Some(listener) => Some(listener.local_addr().map_err(StartupError::MetricsListen)?),
            None => None,
        };
        let metrics_server = match metrics_listener {
            Some(listener) => Some(
                metrics_server(listener, factory.metrics().clone(), CLIENT_REQUEST_TIMEOUT)
                    .map_err(StartupError::MetricsListen)?,
            ),
            None => None,
        };
        let server = HttpServer::new(move || factory.app())
            .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
            .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
            .keep_alive(KEEP_ALIVE)
            .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
            .listen(listener)
            .map_err(StartupError::Listen)?;
        Ok(Self {
            server: server.run(),
            metrics_server,
            address,
            metrics_address,
        })
    }

    /// The bound address of the metrics listener (with the real port when `METRICS_ADDR`'s is
    /// 0), when `METRICS_ADDR` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// The bound address (with the real port when `PORT=0`).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM (or a stop through [`handle`](Self::handle)), then lets
    /// in-flight requests finish; the metrics listener stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|server| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        served
    }

    /// The API server's handle, to stop it (and with it the metrics listener) from a test or
    /// an embedding program.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }
}

/// A server running on a thread of its own, with its own actix runtime: for programs without
/// one (embedding the token server in another service), tests and benchmarks. Dropping it stops
/// the server at once; [`handle`](Self::handle) allows a graceful stop instead.
pub struct BackgroundServer {
    address: SocketAddr,
    metrics_address: Option<SocketAddr>,
    handle: ServerHandle,
}

impl BackgroundServer {
    /// Builds the application (as [`Application::build_with_provider`]) on a new thread and
    /// returns once it listens.
    pub fn start(
        config: ServerConfig,
        provider: Arc<dyn VideoProvider>,
    ) -> Result<Self, StartupError> {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build_with_provider(&config, provider).await {
                    Ok(application) => {
                        let addresses = (application.address(), application.metrics_address());
                        let _ = sender.send(Ok((addresses, application.handle())));
                        if let Err(error) = application.run_until_stopped().await {
                            log::error!("the background server failed: {error}");
                        }
                    }
                    Err(error) => {
                        let _ = sender.send(Err(error));
                    }
                }
            });
        });
        let ((address, metrics_address), handle) = receiver.recv().map_err(|_| {
            StartupError::Listen(std::io::Error::other(
                "the server thread ended before it listened",
            ))
        })??;
        Ok(Self {
            address,
            metrics_address,
            handle,
        })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The bound address of the metrics listener, when `METRICS_ADDR` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// The server's handle, e.g. for `handle.stop(true)`: a graceful stop, as on SIGTERM.
    pub fn handle(&self) -> ServerHandle {
        self.handle.clone()
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // On a thread of its own: the owner may itself be inside an async runtime.
        let stopping = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(handle.stop(false));
        });
        let _ = stopping.join();
    }
}

fn listener(config: &ServerConfig) -> std::io::Result<TcpListener> {
    if config.socket_activation {
        listenfd::ListenFd::from_env()
            .take_tcp_listener(0)?
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "LISTEN_FDS=1 but file descriptor 3 is not a listening TCP socket",
                )
            })
    } else {
        TcpListener::bind((config.host, config.port))
    }
}
