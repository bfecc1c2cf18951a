//! The command line: `serve` (the default), `check-config`, `mint`, `openapi`, `migrate` and
//! `rooms`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use video_core::config::{ConfigError, Environment};
use video_core::{DisplayName, JoinRequest, ParticipantIdentity, Role, RoomName};

use crate::config::ServerConfig;
use crate::providers::ProviderConfig;
use crate::startup::Application;

/// Exit status for a configuration error (sysexits' EX_CONFIG).
pub const EXIT_CONFIG: u8 = 78;

/// OpenConnect Video token server: issues join tickets for LiveKit (and Daily or Twilio) over
/// HTTP.
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
    /// Mint one token with an enabled provider and print it as JSON, like the endpoint.
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
        /// Token lifetime in hours, overriding the provider's *_TOKEN_TTL_HOURS (> 0, <= 24).
        #[arg(long)]
        ttl_hours: Option<f64>,
        /// An enabled provider (VIDEO_PROVIDERS); the default, VIDEO_PROVIDER, when absent.
        #[arg(long)]
        provider: Option<String>,
    },
    /// Print the OpenAPI document as this configuration serves it at /api-docs/openapi.json.
    Openapi,
    /// Create or update the attendance database's tables (as startup does), then exit.
    Migrate,
    /// Administer rooms through the provider's room service, as the /api/video/rooms routes do
    /// (audited as `by=cli`).
    Rooms {
        /// An enabled provider (VIDEO_PROVIDERS); the default, VIDEO_PROVIDER, when absent.
        #[arg(long)]
        provider: Option<String>,
        #[command(subcommand)]
        command: RoomsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum RoomsCommand {
    /// List the open rooms (JSON, as `GET /api/video/rooms`).
    List,
    /// End a room's session for everyone.
    End {
        /// The room.
        room: String,
    },
    /// List a room's participants (JSON, as `GET /api/video/rooms/{room}/participants`).
    Participants {
        /// The room.
        room: String,
    },
    /// Remove a participant from a room.
    Remove {
        /// The room.
        room: String,
        /// The participant's identity.
        user: String,
    },
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
            provider,
        } => mint(&room, &user, name, &role, ttl_hours, provider.as_deref()),
        Command::Migrate => migrate(),
        Command::Rooms { provider, command } => rooms(command, provider.as_deref()),
        Command::Openapi => load_config().map(|config| {
            print(&crate::openapi::openapi_json(
                config.auth.mode(),
                &config.providers.build(),
            ));
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

/// The settings of the enabled provider `--provider` asks for, or of the default.
fn enabled<'a>(
    config: &'a ServerConfig,
    provider: Option<&str>,
) -> anyhow::Result<&'a ProviderConfig> {
    match provider {
        None => Ok(config.providers.default_provider()),
        Some(name) => config.providers.get(name).with_context(|| {
            let names: Vec<&str> = config.providers.iter().map(|p| p.name()).collect();
            format!(
                "--provider must be an enabled provider (VIDEO_PROVIDER, VIDEO_PROVIDERS): {}",
                names.join(", ")
            )
        }),
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
            "listening on http://{address} (APP_ENV={}, VIDEO_PROVIDER={}, enabled: {})",
            config.app_env,
            config.providers.default_provider().name(),
            config
                .providers
                .iter()
                .map(|provider| provider.name())
                .collect::<Vec<_>>()
                .join(", ")
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
    provider: Option<&str>,
) -> anyhow::Result<()> {
    let config = load_config()?;
    let mut settings = Arc::clone(enabled(&config, provider)?);
    if let Some(hours) = ttl_hours {
        let ttl = Duration::try_from_secs_f64(hours * 3600.0).map_err(|_| {
            ConfigError::invalid("--ttl-hours", "must be greater than 0 and at most 24")
        })?;
        settings = settings.with_token_ttl(ttl)?;
    }
    let room = RoomName::parse(room).context("--room")?;
    let user = ParticipantIdentity::parse(user).context("--user")?;
    let role: Role = role.parse().context("--role")?;
    let mut request = JoinRequest::new(room, user, role);
    if let Some(name) = name {
        request = request.with_display_name(DisplayName::parse(name).context("--name")?);
    }
    let provider = settings.build();
    let ticket = actix_web::rt::System::new().block_on(provider.join(&request))?;
    let body = crate::routes::token::TokenResponse::new(&ticket, provider.name());
    print(&format!("{}\n", serde_json::to_string_pretty(&body)?));
    Ok(())
}

/// `rooms …`: the provider's room administration, built from the configuration exactly as the
/// server builds it, with the routes' answers and audit records.
fn rooms(command: RoomsCommand, provider: Option<&str>) -> anyhow::Result<()> {
    use crate::routes::rooms::{
        ParticipantResponse, ParticipantsResponse, RoomResponse, RoomsResponse, audit_record,
    };

    let config = load_config()?;
    let settings = enabled(&config, provider)?;
    let admin = settings.room_admin().with_context(|| {
        format!(
            "the {} provider has no room administration (docs/providers)",
            settings.name()
        )
    })?;
    let audit = |action: &str, room: &RoomName, detail: &str| {
        log::info!(
            target: crate::telemetry::AUDIT,
            "{}",
            audit_record(action, room, detail, "cli", "operator")
        );
    };
    // The routes' problem details, as one line: the stable code and the safe detail.
    let failed = |error: video_core::RoomAdminError| {
        let problem = crate::problem::ApiError::Rooms(error).problem();
        anyhow::anyhow!("{}: {}", problem.code, problem.detail)
    };
    actix_web::rt::System::new().block_on(async {
        match command {
            RoomsCommand::List => {
                let rooms = admin.list_rooms().await.map_err(failed)?;
                let body = RoomsResponse {
                    rooms: rooms.iter().map(RoomResponse::from).collect(),
                };
                print(&format!("{}\n", serde_json::to_string_pretty(&body)?));
            }
            RoomsCommand::End { room } => {
                let room = RoomName::parse(room).context("ROOM")?;
                admin.end_room(&room).await.map_err(failed)?;
                audit("ended", &room, "");
                print(&format!("ended {:?}\n", room.as_str()));
            }
            RoomsCommand::Participants { room } => {
                let room = RoomName::parse(room).context("ROOM")?;
                let participants = admin.participants(&room).await.map_err(failed)?;
                audit(
                    "participants listed",
                    &room,
                    &format!(" count={}", participants.len()),
                );
                let body = ParticipantsResponse {
                    participants: participants.iter().map(ParticipantResponse::from).collect(),
                };
                print(&format!("{}\n", serde_json::to_string_pretty(&body)?));
            }
            RoomsCommand::Remove { room, user } => {
                let room = RoomName::parse(room).context("ROOM")?;
                let user = ParticipantIdentity::parse(user).context("USER")?;
                let store = config.attendance.open().await.context(
                    "the attendance database could not be opened (DATA_DIR, DATABASE_URL)",
                )?;
                let removed_at = std::time::SystemTime::now();
                admin
                    .remove_participant(&room, &user)
                    .await
                    .map_err(failed)?;
                // As the route does: the tokens they hold no longer let them back in.
                store
                    .revoke_tokens(&room, &user, removed_at)
                    .await
                    .context("the removal could not be recorded in the attendance database")?;
                store.close().await;
                audit(
                    "participant removed",
                    &room,
                    &format!(" identity={:?}", user.as_str()),
                );
                print(&format!(
                    "removed {:?} from {:?}\n",
                    user.as_str(),
                    room.as_str()
                ));
            }
        }
        anyhow::Ok(())
    })
}
