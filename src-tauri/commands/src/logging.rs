//! Logs go to stderr and to a daily-rotated file in `<data>/logs`.

use std::io::IsTerminal;
use std::path::Path;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

/// How many daily files are kept before the oldest is removed.
const KEPT_LOG_FILES: usize = 14;
/// Lines waiting for the file writer. The writer's queue is allocated whole up front: at
/// the library's 128,000 it took 4 MB. When it is full, logging waits; no line is dropped.
const QUEUED_LINES: usize = 8_192;

/// Keeps the file writer flushing until the app exits.
pub struct LogGuard(#[allow(dead_code)] WorkerGuard);

pub fn init(data_dir: &Path) -> anyhow::Result<LogGuard> {
    // The appender prunes old files before it creates the folder: on a first start it
    // would print a scary "Error reading the log directory" to stderr.
    let logs = data_dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("switchboard")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(logs)?;
    let (file_writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(false)
        .finish(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        // Colours only for a person at a terminal. The layers share each span's formatted
        // fields, so colours on stderr would also reach the file.
        .with(
            fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr),
        )
        .with(fmt::layer().with_ansi(false).with_writer(file_writer))
        .try_init()?;
    Ok(LogGuard(guard))
}
