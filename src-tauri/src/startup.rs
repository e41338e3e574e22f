//! Opening the engine and what runs on it. At set-up; and, when that failed (the data
//! folder held by another Switchboard, say), again at the window's next command, so that
//! "Try again" works once the other one has closed. Until then every command answers
//! the failure's own code, which the window puts into words.

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_api::LocalApi;
use switchboard_commands::Host;
use switchboard_engine::{Engine, EngineConfig, ErrorCode, ErrorPayload};
use tauri::{AppHandle, Manager};

use crate::events;

/// What the shell needs to open the engine again.
pub struct Startup {
    data_dir: PathBuf,
    /// One opening at a time: commands arrive concurrently.
    opening: tokio::sync::Mutex<()>,
}

impl Startup {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            opening: tokio::sync::Mutex::new(()),
        }
    }
}

/// The host commands run against: the open engine's, or an engine opened now.
pub async fn host(app: &AppHandle) -> Result<Host, ErrorPayload> {
    if let Some(host) = app.try_state::<Host>() {
        return Ok(host.inner().clone());
    }
    let startup = app.state::<Startup>();
    let _opening = startup.opening.lock().await;
    if let Some(host) = app.try_state::<Host>() {
        return Ok(host.inner().clone());
    }
    open(app, startup.data_dir.clone()).await
}

/// Opens the engine on `data_dir`, with the local API, event forwarding and background
/// work; manages them on the app. Nothing is managed when it fails.
pub async fn open(app: &AppHandle, data_dir: PathBuf) -> Result<Host, ErrorPayload> {
    let mut config = EngineConfig::new(data_dir.clone());
    // Only a test build (feature insecure-test-server) can point at another server.
    config.wa.server_url = switchboard_engine::actor::WaConfig::server_url_from_env();
    let engine = Engine::open(config).await.map_err(|e| {
        tracing::error!(code = %e.code(), error = %e, "the engine could not open its data folder");
        ErrorPayload::from(e)
    })?;
    let local_api = match LocalApi::open(engine.clone(), &data_dir) {
        Ok(local_api) => local_api,
        Err(e) => {
            // Nothing is managed yet: release the folder for the next try.
            engine.shutdown().await;
            return Err(ErrorPayload {
                code: ErrorCode::IoError,
                message: format!("cannot read the local API settings: {e}"),
            });
        }
    };
    let host = Host::with_local_api(engine.clone(), local_api.clone())
        .opening_files_with(Arc::new(crate::opening::DesktopOpener(app.clone())));
    app.manage(local_api.clone());
    app.manage(engine.clone());
    app.manage(host.clone());
    events::forward(app.clone(), engine.clone());
    start_background(engine, local_api);
    Ok(host)
}

/// Reconnects, resumes deletions and starts the saved local API, on the app's runtime.
fn start_background(engine: Engine, local_api: Arc<LocalApi>) {
    tauri::async_runtime::spawn(async move {
        engine.start_background();
        local_api.start_saved().await;
    });
}
