//! The command line: `serve` (the default), `check-config`, `mint`, `openapi` and `migrate`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use video_core::config::{ConfigError, Environment};
use video_core::{DisplayName, JoinRequest, ParticipantIdentity, Role, RoomName};

use crate::config::ServerConfig;
use crate::startup::Application;

/// Exit status for a configuration error (sysexits' EX_CONFIG).
pub const EXIT_CONFIG: u8 = 78;

/// OpenConnect Video token server: issues LiveKit join tickets over HTTP.
///
/// Configured by environment variables (see docs/configuration.md). Without a subcommand it
/// serves HTTP.
#[derive(Debug, Parser)]
#[command(name = "token-server", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Check the configuration as startup does and print it with secrets redacted.
    CheckConfig,
    /// Mint one token with the configured provider and print it as JSON, like the endpoint.
    Mint {
        /// The room.
        #[arg(long)]
        room: String,
        /// The participant identity.
        #[arg(long)]
        user: String,
        /// The display name.
        #[arg(long)]
        name: Option<String>,
        /// host, participant or viewer.
        #[arg(long, default_value = "participant")]
        role: String,
        /// Token lifetime in hours, overriding LIVEKIT_TOKEN_TTL_HOURS (> 0, <= 24).
        #[arg(long)]
        ttl_hours: Option<f64>,
    },
    /// Print the OpenAPI document as this configuration serves it at /api-docs/openapi.json.
    Openapi,
    /// Create or update the attendance database's tables (as startup does), then exit.
    Migrate,
}

/// Runs the command line and returns the process exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    // Before any token is minted (see `install_crypto_provider`).
    crate::auth::install_crypto_provider();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::CheckConfig => check_config(),
        Command::Mint {
            room,
            user,
            name,
            role,
            ttl_hours,
        } => mint(&room, &user, name, &role, ttl_hours),
        Command::Migrate => migrate(),
        Command::Openapi => load_config().map(|config| {
            print(&crate::openapi::openapi_json(config.auth.mode()));
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let config_error = error.downcast_ref::<ConfigError>().is_some();
            // Only our own messages: names of variables and rules, never values.
            eprintln!("token-server: error: {error:#}");
            ExitCode::from(if config_error { EXIT_CONFIG } else { 1 })
        }
    }
}

#[allow(clippy::print_stdout)]
fn print(text: &str) {
    print!("{text}");
}

fn load_config() -> anyhow::Result<ServerConfig> {
    let config = ServerConfig::from_env(&Environment::from_process())?;
    for warning in config.warnings() {
        log::warn!("{warning}");
    }
    Ok(config)
}

fn serve() -> anyhow::Result<()> {
    let config = load_config()?;
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(&config).await.with_context(|| {
            if config.socket_activation {
                "could not start on the socket passed with LISTEN_FDS".to_owned()
            } else {
                format!(
                    "could not start on {}:{} (HOST, PORT)",
                    config.host, config.port
                )
            }
        })?;
        let address = application.address();
        log::info!(
            "listening on http://{address} (APP_ENV={}, VIDEO_PROVIDER={})",
            config.app_env,
            config.provider.name()
        );
        log::info!("Swagger UI at http://{address}/swagger-ui/");
        match application.metrics_address() {
            Some(metrics) => log::info!("metrics at http://{metrics}/metrics (METRICS_ADDR)"),
            None => log::info!("metrics off (METRICS_ADDR is not set)"),
        }
        match config.web_page_dir() {
            Some(dir) => log::info!("web page at http://{address}/ from {}", dir.display()),
            None => log::info!(
                "web page not served: no index.html in WEB_DIST_DIR={} (build apps/web)",
                config.web_dist_dir.display()
            ),
        }
        application.run_until_stopped().await?;
        log::info!("stopped");
        Ok(())
    })
}

fn migrate() -> anyhow::Result<()> {
    let config = load_config()?;
    actix_web::rt::System::new().block_on(async {
        let store = config.attendance.open().await.context(
            "the attendance database could not be opened or migrated (DATA_DIR, DATABASE_URL)",
        )?;
        store.close().await;
        anyhow::Ok(())
    })?;
    print(&format!(
        "attendance database up to date: {}\n",
        config.attendance.describe().join(", ")
    ));
    Ok(())
}

fn check_config() -> anyhow::Result<()> {
    let config = load_config()?;
    print(&format!(
        "configuration OK\n{}\n",
        config.describe().join("\n")
    ));
    Ok(())
}

fn mint(
    room: &str,
    user: &str,
    name: Option<String>,
    role: &str,
    ttl_hours: Option<f64>,
) -> anyhow::Result<()> {
    let mut config = load_config()?;
    if let Some(hours) = ttl_hours {
        let ttl = Duration::try_from_secs_f64(hours * 3600.0).map_err(|_| {
            ConfigError::invalid("--ttl-hours", "must be greater than 0 and at most 24")
        })?;
        config.provider = config.provider.with_token_ttl(ttl)?;
    }
    let room = RoomName::parse(room).context("--room")?;
    let user = ParticipantIdentity::parse(user).context("--user")?;
    let role: Role = role.parse().context("--role")?;
    let mut request = JoinRequest::new(room, user, role);
    if let Some(name) = name {
        request = request.with_display_name(DisplayName::parse(name).context("--name")?);
    }
    let provider = config.provider.build();
    let ticket = actix_web::rt::System::new().block_on(provider.join(&request))?;
    let body = crate::routes::token::TokenResponse::new(&ticket);
    print(&format!("{}\n", serde_json::to_string_pretty(&body)?));
    Ok(())
}
