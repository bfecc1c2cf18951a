//! Logging: `RUST_LOG` filters records with `env_logger`'s syntax (default `info`); each record
//! is one line on stderr, in `env_logger`'s default format
//! (`[2026-11-26T10:49:24Z INFO  token_server::access] GET /healthz 200 0.052ms`).
//!
//! The lines are written here rather than by `env_logger`, which takes the process-wide stderr
//! lock for every record: under load both workers queued on that lock, and each wait and wake
//! was a `futex` system call (docs/performance.md). Here each worker formats into a buffer of its
//! own and hands the finished line to the kernel with one `write` on a duplicate of stderr's
//! file descriptor, which needs no lock. Lines from different threads still never mix: Linux
//! writes each `write` to a file (appended at the shared offset) or to a pipe (up to 4 KiB) as
//! one piece, and a line here is well under that, names being at most 256 bytes.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{HttpMessage, HttpRequest};
use log::{Level, Log, Metadata, Record};

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
/// With access lines on as well, the record goes at the end of this request's access line
/// (logged under [`AUDIT`]): one line and one `write` per token instead of two. Otherwise it is
/// a line of its own.
pub(crate) fn audit(request: &HttpRequest, record: impl FnOnce() -> String) {
    if !log::log_enabled!(target: AUDIT, Level::Info) {
        return;
    }
    let record = record();
    if access_enabled() {
        request.extensions_mut().insert(AuditRecord(record));
    } else {
        log::info!(target: AUDIT, "{record}");
    }
}

/// Installs the logger once, writing to stderr and filtering with `RUST_LOG` (default `info`);
/// later calls do nothing.
pub fn init() {
    let env = env_logger::Env::default().default_filter_or("info");
    let out = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .ok();
    install(env_logger::Builder::from_env(env).build(), out);
}

/// Installs the logger once, writing to `out` and filtering with `filters` (`RUST_LOG`'s
/// syntax, e.g. `info` or `warn,token_server::access=info`); later calls do nothing. For programs
/// that embed the server and keep its log apart, and for benchmarks.
pub fn init_with(out: File, filters: &str) {
    install(
        env_logger::Builder::new().parse_filters(filters).build(),
        Some(out),
    );
}

fn install(filter: env_logger::Logger, out: Option<File>) {
    let max_level = filter.filter();
    if log::set_boxed_logger(Box::new(LineLogger { filter, out })).is_ok() {
        log::set_max_level(max_level);
    }
}

/// Filters with `env_logger`, writes one line per record.
struct LineLogger {
    filter: env_logger::Logger,
    /// A duplicate of stderr; `None` if it could not be made (then `std::io::stderr()`).
    out: Option<File>,
}

impl Log for LineLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.filter.matches(record) {
            return;
        }
        thread_local! {
            static LINE: RefCell<Line> = const { RefCell::new(Line::new()) };
        }
        let written = LINE.try_with(|line| match line.try_borrow_mut() {
            Ok(mut line) => self.write(&mut line, record),
            // A record logged while formatting another one on this thread.
            Err(_) => self.write(&mut Line::new(), record),
        });
        if written.is_err() {
            // The thread is exiting and its buffer is gone.
            self.write(&mut Line::new(), record);
        }
    }

    fn flush(&self) {}
}

impl LineLogger {
    fn write(&self, line: &mut Line, record: &Record<'_>) {
        line.format(SystemTime::now(), record);
        // Nowhere to report a failed log write; `env_logger` ignores them too.
        let _ = match &self.out {
            Some(file) => (&*file).write_all(&line.text),
            None => std::io::stderr().write_all(&line.text),
        };
    }
}

/// A reusable line buffer, with the timestamp of the current second formatted once.
struct Line {
    text: Vec<u8>,
    second: u64,
    stamp: Vec<u8>,
}

impl Line {
    const fn new() -> Self {
        Self {
            text: Vec::new(),
            second: u64::MAX,
            stamp: Vec::new(),
        }
    }

    /// `[<RFC 3339 time, seconds> <level, 5 wide> <target>] <message>\n`.
    fn format(&mut self, now: SystemTime, record: &Record<'_>) {
        let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if second != self.second {
            self.second = second;
            self.stamp.clear();
            let _ = write!(self.stamp, "{}", humantime::format_rfc3339_seconds(now));
        }
        self.text.clear();
        self.text.push(b'[');
        self.text.extend_from_slice(&self.stamp);
        // Writing into a `Vec` cannot fail.
        let _ = writeln!(
            self.text,
            " {:<5} {}] {}",
            record.level(),
            record.target(),
            record.args()
        );
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek};
    use std::time::Duration;

    use super::*;

    fn record<'a>(level: Level, target: &'a str, args: std::fmt::Arguments<'a>) -> Record<'a> {
        Record::builder()
            .level(level)
            .target(target)
            .args(args)
            .build()
    }

    #[test]
    fn formats_like_env_logger() {
        let mut line = Line::new();
        let time = UNIX_EPOCH + Duration::from_secs(1_795_500_000);
        line.format(
            time,
            &record(
                Level::Info,
                "token_server::access",
                format_args!("GET / 200"),
            ),
        );
        assert_eq!(
            String::from_utf8_lossy(&line.text),
            "[2026-11-24T06:00:00Z INFO  token_server::access] GET / 200\n"
        );
        // The buffer is reused; the stamp is remade when the second changes.
        line.format(
            time + Duration::from_millis(1500),
            &record(Level::Warn, "t", format_args!("x")),
        );
        assert_eq!(
            String::from_utf8_lossy(&line.text),
            "[2026-11-24T06:00:01Z WARN  t] x\n"
        );
    }

    /// A value whose `Display` logs: the inner record must not lose the outer one's buffer.
    struct LogsWhileFormatted<'a>(&'a LineLogger);

    impl std::fmt::Display for LogsWhileFormatted<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0
                .log(&record(Level::Info, "inner", format_args!("nested")));
            f.write_str("outer")
        }
    }

    #[test]
    fn filters_and_writes_whole_lines_even_when_reentered() {
        let path = std::env::temp_dir().join(format!("telemetry-{}.log", std::process::id()));
        let file = File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let logger = LineLogger {
            filter: env_logger::Builder::new()
                .parse_filters("info,noisy=off")
                .build(),
            out: Some(file.try_clone().unwrap()),
        };
        logger.log(&record(Level::Debug, "app", format_args!("hidden")));
        logger.log(&record(Level::Info, "noisy", format_args!("hidden")));
        let outer = LogsWhileFormatted(&logger);
        logger.log(&record(Level::Info, "app", format_args!("{outer}")));
        let mut written = String::new();
        let mut file = file;
        file.rewind().unwrap();
        file.read_to_string(&mut written).unwrap();
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2, "{written}");
        assert!(lines[0].ends_with(" INFO  inner] nested"), "{written}");
        assert!(lines[1].ends_with(" INFO  app] outer"), "{written}");
    }
}
