//! Switchboard with no window: the same engine and local API as the desktop app, for a
//! server. Once listening it prints one JSON line on stdout (`api_url`, `ws_url`, ...);
//! logs go to stderr and to `<data>/logs`. SIGTERM or SIGINT stops it cleanly: no new
//! connections, running requests (a deletion among them) finish, then every session is
//! shut down. It cannot share a data folder with a running app: the engine's lock
//! refuses the second one.

use std::io::Write;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use switchboard_api::{AccountToken, ApiConfig, ApiLimits, SocketTuning, TokenSource};
use switchboard_engine::actor::WaConfig;
use switchboard_engine::{Engine, EngineConfig};

/// The desktop app's identifier: by default both use the same data folder.
const APP_IDENTIFIER: &str = "app.switchboard.desktop";

#[derive(Debug, Parser)]
#[command(
    name = "switchboard-server",
    version,
    about = "Switchboard's engine and local API, with no window"
)]
pub struct Flags {
    /// The data folder (default: the desktop app's, e.g. ~/.local/share/app.switchboard.desktop).
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Where the API listens; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8790", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Requests per minute allowed to each token.
    #[arg(long, default_value = "100", value_name = "N")]
    pub requests_per_minute: NonZeroU32,
    /// Instance deletions per minute.
    #[arg(long, default_value = "10", value_name = "N")]
    pub deletes_per_minute: NonZeroU32,
    /// Instance deletions per hour.
    #[arg(long, default_value = "100", value_name = "N")]
    pub deletes_per_hour: NonZeroU32,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value = "65536", value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// The largest body of a route that takes a file inline (Evolution's sendMedia).
    #[arg(long, default_value = "146800640", value_name = "BYTES")]
    pub max_media_body_bytes: usize,
    /// Seconds between the pings that keep `/ws` connections alive.
    #[arg(long, default_value = "30", value_name = "SECONDS")]
    pub ws_heartbeat_secs: NonZeroU32,
    /// Events that may wait for one `/ws` consumer before it is closed as too slow.
    #[arg(long, default_value = "256", value_name = "N")]
    pub ws_queue: NonZeroU32,
}

impl Flags {
    fn limits(&self) -> ApiLimits {
        ApiLimits {
            requests_per_minute: self.requests_per_minute,
            deletes_per_minute: self.deletes_per_minute,
            deletes_per_hour: self.deletes_per_hour,
            max_body_bytes: self.max_body_bytes,
            max_media_body_bytes: self.max_media_body_bytes,
        }
    }
}

/// The OS data folder under the app's identifier, as the desktop app chooses it.
pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    dirs::data_dir()
        .map(|dir| dir.join(APP_IDENTIFIER))
        .context("no data folder is known for this user; pass --data-dir")
}

pub async fn run(flags: Flags) -> anyhow::Result<()> {
    let data_dir = match &flags.data_dir {
        Some(dir) => dir.clone(),
        None => default_data_dir()?,
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let _log = switchboard_commands::logging::init(&data_dir)?;
    tracing::info!(data_dir = %data_dir.display(), "starting switchboard-server");

    let mut engine_config = EngineConfig::new(data_dir.clone());
    // Only a test build (feature insecure-test-server) can point at another server.
    engine_config.wa.server_url = WaConfig::server_url_from_env();
    let engine = Engine::open(engine_config)
        .await
        .with_context(|| format!("cannot open the data folder {}", data_dir.display()))?;

    let (account, source) = AccountToken::from_env_or_file(&data_dir)
        .context("cannot read or create the account token")?;
    let token_file = match source {
        TokenSource::Environment => {
            eprintln!(
                "switchboard-server: account token from {}",
                switchboard_api::ACCOUNT_TOKEN_ENV
            );
            None
        }
        TokenSource::File { path, created } => {
            let how = if created { "created in" } else { "read from" };
            eprintln!("switchboard-server: account token {how} {}", path.display());
            Some(path)
        }
    };

    let config = ApiConfig {
        limits: flags.limits(),
        socket: SocketTuning {
            heartbeat: Duration::from_secs(flags.ws_heartbeat_secs.get().into()),
            queue: flags.ws_queue.get() as usize,
            ..SocketTuning::default()
        },
        ..ApiConfig::new(flags.listen)
    };
    let api = match switchboard_api::start(engine.clone(), account, config).await {
        Ok(api) => api,
        Err(e) => {
            engine.shutdown().await;
            return Err(e).with_context(|| format!("cannot listen on {}", flags.listen));
        }
    };
    // Listening for the signals before announcing: a supervisor may signal at once.
    let stop = stop_requested()?;
    announce(&api, &data_dir, token_file)?;
    engine.start_background();

    stop.await;
    tracing::info!("stopping: no new requests; running ones finish");
    let stopped = api.stop().await;
    engine.shutdown().await;
    tracing::info!("switchboard-server stopped");
    stopped.context("the API did not stop cleanly")
}

/// The first line on stdout: where to reach the API, for scripts and supervisors.
fn announce(
    api: &switchboard_api::RunningApi,
    data_dir: &std::path::Path,
    token_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let line = serde_json::json!({
        "api_url": api.api_url(),
        "ws_url": api.ws_url(),
        "openapi_url": format!("{}/openapi.json", api.api_url()),
        "data_dir": data_dir,
        "token_file": token_file,
        "pid": std::process::id(),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}

/// Takes over SIGTERM and SIGINT now; the future resolves when one arrives.
fn stop_requested() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
