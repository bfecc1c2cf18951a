//! Logging: `RUST_LOG` filters records with `env_logger`'s syntax (default `info`); each record
//! is one line on stderr, in `env_logger`'s default format
//! (`[2026-11-26T10:49:24Z INFO  token_server::access] GET /healthz 200 0.052ms`).
//!
//! The lines are written here rather than by `env_logger`, which takes the process-wide stderr
//! lock and makes one `write` system call for every record: under load both workers queued on
//! that lock, and each wait and wake was a `futex` call (docs/performance.md). Here each thread
//! formats into a buffer of its own and hands finished lines to the kernel with `write` on a
//! duplicate of stderr's file descriptor, which needs no lock.
//!
//! On the server's worker threads (see [`batch_worker_lines`]), the lines logged during one turn
//! of the worker's event loop (the requests that were ready together) go out in one `write` at
//! the end of that turn, before the worker waits for more work: fewer system calls, and no line
//! waits longer than the turn that logged it. A write holds whole lines and at most 4 KiB, so
//! lines from different threads never mix: Linux writes each `write` to a file (at the shared
//! offset) or to a pipe (up to 4 KiB) as one piece. A line is well under that, names being at
//! most 256 bytes; a longer one goes out alone.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::SystemTime;

use actix_web::{HttpMessage, HttpRequest};
use log::{Level, Log, Metadata, Record};

use crate::rfc3339::SecondStamp;

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
/// lines are on too (logged under [`AUDIT`]: one line and one `write` per token instead of two),
/// otherwise as a line of its own.
pub(crate) fn audit(request: &HttpRequest, record: impl FnOnce() -> String) {
    if log::log_enabled!(target: AUDIT, Level::Info) {
        request.extensions_mut().insert(AuditRecord(record()));
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
    let logger = LineLogger {
        filter,
        sink: Arc::new(Sink(out)),
    };
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(max_level);
    }
}

/// Starts writing the lines logged on this thread once per turn of its event loop, until the
/// loop stops (when they are written at once again). For the server's worker threads: called by
/// each worker as it builds its application; a no-op where no actix runtime runs and on a thread
/// that already batches.
pub fn batch_worker_lines() {
    if actix_web::rt::System::try_current().is_none() || BATCHING.replace(true) {
        return;
    }
    actix_web::rt::spawn(async {
        // Dropped with the task when the worker stops: the last lines go out, and later ones
        // (from the thread's shutdown) are written at once.
        let _stop = StopBatching;
        std::future::poll_fn(|context| {
            with_batch(|batch| {
                batch.flush();
                if !batch
                    .flusher
                    .as_ref()
                    .is_some_and(|waker| waker.will_wake(context.waker()))
                {
                    batch.flusher = Some(context.waker().clone());
                }
            });
            Poll::<()>::Pending
        })
        .await;
    });
}

struct StopBatching;

impl Drop for StopBatching {
    fn drop(&mut self) {
        with_batch(|batch| {
            batch.flush();
            batch.flusher = None;
        });
        let _ = BATCHING.try_with(|batching| batching.set(false));
    }
}

thread_local! {
    static BATCH: RefCell<Batch> = const { RefCell::new(Batch::new()) };
    /// Whether this thread runs a flush task.
    static BATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on this thread's batch, unless the thread is exiting or the batch is in use.
fn with_batch<T>(f: impl FnOnce(&mut Batch) -> T) -> Option<T> {
    BATCH
        .try_with(|batch| batch.try_borrow_mut().ok().map(|mut batch| f(&mut batch)))
        .ok()
        .flatten()
}

/// At most this many bytes per `write`: a pipe takes that much in one piece (`PIPE_BUF`).
const WRITE_MAX: usize = 4096;

/// The lines logged on a worker thread in the current turn of its event loop.
struct Batch {
    text: Vec<u8>,
    sink: Option<Arc<Sink>>,
    /// The worker's flush task, woken by the first line of a turn; `None`: write at once.
    flusher: Option<Waker>,
}

impl Batch {
    const fn new() -> Self {
        Self {
            text: Vec::new(),
            sink: None,
            flusher: None,
        }
    }

    fn push(&mut self, sink: &Arc<Sink>, line: &[u8]) {
        let same_sink = self
            .sink
            .as_ref()
            .is_some_and(|batched| Arc::ptr_eq(batched, sink));
        if !same_sink || self.text.len() + line.len() > WRITE_MAX {
            self.flush();
            self.sink = Some(Arc::clone(sink));
        }
        if let Some(flusher) = self.flusher.as_ref().filter(|_| self.text.is_empty()) {
            flusher.wake_by_ref();
        }
        self.text.extend_from_slice(line);
    }

    fn flush(&mut self) {
        if let Some(sink) = self.sink.as_ref().filter(|_| !self.text.is_empty()) {
            sink.write(&self.text);
        }
        self.text.clear();
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Where lines go: a duplicate of stderr (or the file given to [`init_with`]); `None` if it
/// could not be made, then `std::io::stderr()`.
struct Sink(Option<File>);

impl Sink {
    fn write(&self, text: &[u8]) {
        // Nowhere to report a failed log write; `env_logger` ignores them too.
        let _ = match &self.0 {
            Some(file) => (&*file).write_all(text),
            None => std::io::stderr().write_all(text),
        };
    }
}

/// Filters with `env_logger`, formats one line per record.
struct LineLogger {
    filter: env_logger::Logger,
    sink: Arc<Sink>,
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

    /// Writes the lines this thread has batched so far.
    fn flush(&self) {
        with_batch(Batch::flush);
    }
}

impl LineLogger {
    fn write(&self, line: &mut Line, record: &Record<'_>) {
        line.format(SystemTime::now(), record);
        let batched = with_batch(|batch| {
            if batch.flusher.is_none() {
                false
            } else if line.text.len() > WRITE_MAX {
                // Alone, but after the lines logged before it.
                batch.flush();
                false
            } else {
                batch.push(&self.sink, &line.text);
                true
            }
        });
        if batched != Some(true) {
            self.sink.write(&line.text);
        }
    }
}

/// A reusable line buffer, with the timestamp of the current second formatted once.
struct Line {
    text: Vec<u8>,
    stamp: SecondStamp,
}

impl Line {
    const fn new() -> Self {
        Self {
            text: Vec::new(),
            stamp: SecondStamp::new(),
        }
    }

    /// `[<RFC 3339 time, seconds> <level, 5 wide> <target>] <message>\n`.
    fn format(&mut self, now: SystemTime, record: &Record<'_>) {
        self.text.clear();
        self.text.push(b'[');
        self.text
            .extend_from_slice(self.stamp.of(now).as_str().as_bytes());
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
    use std::time::{Duration, UNIX_EPOCH};

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

    /// A logger writing to a fresh file, and a way to read what it wrote.
    struct Captured {
        logger: LineLogger,
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
            let logger = LineLogger {
                filter: env_logger::Builder::new().parse_filters(filters).build(),
                sink: Arc::new(Sink(Some(file.try_clone().unwrap()))),
            };
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

    #[test]
    fn a_worker_writes_the_lines_of_one_turn_together_and_the_rest_at_once() {
        let captured = Captured::new("batched", "info");
        let logger = &captured.logger;
        let line = |n: u32| logger.log(&record(Level::Info, "app", format_args!("line {n}")));
        actix_web::rt::System::new().block_on(async {
            batch_worker_lines();
            // The flush task registers on its first turn.
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            line(1);
            line(2);
            assert_eq!(captured.written(), "", "held until the turn ends");
            logger.flush();
            assert_eq!(captured.written().lines().count(), 2, "flushed on request");
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            let written = captured.written();
            let lines: Vec<&str> = written.lines().collect();
            assert_eq!(lines.len(), 2, "{written}");
            assert!(lines[0].ends_with(" INFO  app] line 1"), "{written}");
            assert!(lines[1].ends_with(" INFO  app] line 2"), "{written}");
            // More than one write's worth in one turn: whole lines, at most 4 KiB at a time.
            for n in 0..200 {
                line(n);
            }
            let partial = captured.written();
            assert!(partial.len() > written.len(), "{partial}");
            assert!(partial.ends_with('\n'), "{partial}");
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            let full = captured.written();
            let held = full.len() - partial.len();
            assert!(held > 0 && held <= WRITE_MAX, "{held}");
            assert_eq!(full.lines().count(), 202);
        });
        // A line longer than one write goes out alone, after the lines logged before it.
        actix_web::rt::System::new().block_on(async {
            batch_worker_lines();
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            line(1000);
            assert!(!captured.written().contains("line 1000"), "batching again");
            let long = "x".repeat(WRITE_MAX);
            logger.log(&record(Level::Info, "app", format_args!("{long}")));
            let written = captured.written();
            let last: Vec<&str> = written.lines().rev().take(2).collect();
            assert!(last[0].ends_with(&long), "the long line is written at once");
            assert!(last[1].ends_with(" INFO  app] line 1000"), "{}", last[1]);
        });
        // The runtime is gone: lines are written at once again.
        line(3);
        assert!(captured.written().ends_with(" INFO  app] line 3\n"));
    }
}
