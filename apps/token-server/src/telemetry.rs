//! Logging: `env_logger` filters records with `RUST_LOG` (default `info`) and writes each one as a
//! line on stderr, in `env_logger`'s default layout with a whole-second UTC stamp from
//! `humantime`: `[2026-11-26T10:49:24Z INFO  token_server::access] GET /healthz 200 0.052ms`.
//! `env_logger` formats a record into a buffer of its own and writes the finished line under
//! stderr's lock, so lines from different workers never mix.
//!
//! Two targets carry the per-request records: [`ACCESS`] (method, path, status, latency: never a
//! query string or a header) and [`AUDIT`] (who got a token for which room, as what, until when).
//! The access-log middleware writes both (`middleware::access_log`).

use std::fs::File;
use std::io::Write;
use std::time::SystemTime;

use actix_web::{HttpMessage, HttpRequest};
use log::{Level, Record};

/// The target of the access line written for every request.
pub const ACCESS: &str = "token_server::access";
/// The target of the audit record written for every issued token.
pub const AUDIT: &str = "token_server::audit";

/// Whether access lines are on.
pub(crate) fn access_enabled() -> bool {
    log::log_enabled!(target: ACCESS, Level::Info)
}

/// The audit record of an issued token, for the request's access line.
pub(crate) struct AuditRecord(String);

impl std::fmt::Display for AuditRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Records `record()` in the audit log (target [`AUDIT`]), built only when that target is on.
/// The access-log middleware writes it: at the end of this request's access line when access
/// lines are on too (logged under [`AUDIT`]: one line per token instead of two), otherwise as a
/// line of its own.
pub(crate) fn audit(request: &HttpRequest, record: impl FnOnce() -> String) {
    if log::log_enabled!(target: AUDIT, Level::Info) {
        request.extensions_mut().insert(AuditRecord(record()));
    }
}

/// Installs the logger once, writing to stderr and filtering with `RUST_LOG` (default `info`);
/// later calls do nothing.
pub fn init() {
    let env = env_logger::Env::default().default_filter_or("info");
    let _ = builder(env_logger::Builder::from_env(env)).try_init();
}

/// Installs the logger once, writing to `out` and filtering with `filters` (`RUST_LOG`'s
/// syntax, e.g. `info` or `warn,token_server::access=info`); later calls do nothing. For programs
/// that embed the server and keep its log apart, and for benchmarks.
pub fn init_with(out: File, filters: &str) {
    let mut builder = builder(env_logger::Builder::new());
    let _ = builder
        .parse_filters(filters)
        .target(env_logger::Target::Pipe(Box::new(out)))
        .try_init();
}

/// `builder` with our line layout: `[<RFC 3339 time, seconds> <level, 5 wide> <target>] <message>`.
fn builder(mut builder: env_logger::Builder) -> env_logger::Builder {
    builder.format(format_line);
    builder
}

fn format_line(out: &mut env_logger::fmt::Formatter, record: &Record<'_>) -> std::io::Result<()> {
    writeln!(
        out,
        "[{} {:<5} {}] {}",
        humantime::format_rfc3339_seconds(SystemTime::now()),
        record.level(),
        record.target(),
        record.args()
    )
}

/// `error: cause: cause…`, for the log: the whole chain of an error that is ours, which never
/// goes into a response body.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek};

    use log::Log;

    use super::*;

    fn record<'a>(level: Level, target: &'a str, args: std::fmt::Arguments<'a>) -> Record<'a> {
        Record::builder()
            .level(level)
            .target(target)
            .args(args)
            .build()
    }

    /// A logger built as [`init_with`] builds it, writing to a fresh file, and a way to read
    /// what it wrote.
    struct Captured {
        logger: env_logger::Logger,
        file: File,
        path: std::path::PathBuf,
    }

    impl Captured {
        fn new(name: &str, filters: &str) -> Self {
            let path =
                std::env::temp_dir().join(format!("telemetry-{name}-{}.log", std::process::id()));
            let file = File::options()
                .create(true)
                .truncate(true)
                .read(true)
                .write(true)
                .open(&path)
                .unwrap();
            let logger = builder(env_logger::Builder::new())
                .parse_filters(filters)
                .target(env_logger::Target::Pipe(Box::new(
                    file.try_clone().unwrap(),
                )))
                .build();
            Self { logger, file, path }
        }

        fn written(&self) -> String {
            let mut written = String::new();
            let mut file = &self.file;
            file.rewind().unwrap();
            file.read_to_string(&mut written).unwrap();
            written
        }
    }

    impl Drop for Captured {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    #[test]
    fn formats_like_env_logger() {
        let captured = Captured::new("format", "info");
        captured.logger.log(&record(
            Level::Info,
            "token_server::access",
            format_args!("GET / 200"),
        ));
        captured
            .logger
            .log(&record(Level::Warn, "t", format_args!("x")));
        let written = captured.written();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2, "{written}");
        let stamp = |line: &str| humantime::parse_rfc3339(&line[1..21]).is_ok();
        assert!(
            stamp(lines[0]) && lines[0][21..] == *" INFO  token_server::access] GET / 200",
            "{written}"
        );
        assert!(
            stamp(lines[1]) && lines[1][21..] == *" WARN  t] x",
            "{written}"
        );
    }

    /// A value whose `Display` logs: the inner record must not lose the outer one's buffer.
    struct LogsWhileFormatted<'a>(&'a env_logger::Logger);

    impl std::fmt::Display for LogsWhileFormatted<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0
                .log(&record(Level::Info, "inner", format_args!("nested")));
            f.write_str("outer")
        }
    }

    #[test]
    fn filters_and_writes_whole_lines_even_when_reentered() {
        let captured = Captured::new("reentered", "info,noisy=off");
        let logger = &captured.logger;
        logger.log(&record(Level::Debug, "app", format_args!("hidden")));
        logger.log(&record(Level::Info, "noisy", format_args!("hidden")));
        let outer = LogsWhileFormatted(logger);
        logger.log(&record(Level::Info, "app", format_args!("{outer}")));
        let written = captured.written();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2, "{written}");
        assert!(lines[0].ends_with(" INFO  inner] nested"), "{written}");
        assert!(lines[1].ends_with(" INFO  app] outer"), "{written}");
    }
}
