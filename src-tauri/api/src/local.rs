//! The desktop app's local API: off by default; when switched on it listens on
//! 127.0.0.1 at the chosen port, or on every interface only by an explicit choice. The
//! settings are kept in `<data>/local-api.json`, the account token in the same file the
//! headless server uses.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use switchboard_commands::{LocalApiSettings, LocalApiStatus, LocalApiSwitch};
use switchboard_engine::{Engine, ErrorCode, ErrorPayload};
use tokio::sync::Mutex;

use crate::{AccountToken, ApiConfig, RunningApi};

const SETTINGS_FILE: &str = "local-api.json";
/// Ports below this need privileges the app does not have.
const LOWEST_PORT: u16 = 1024;

pub struct LocalApi {
    engine: Engine,
    settings_file: PathBuf,
    token: AccountToken,
    current: Mutex<Current>,
}

struct Current {
    settings: LocalApiSettings,
    server: Option<RunningApi>,
}

impl LocalApi {
    /// Reads the saved settings (none saved: off) and the account token; starts nothing.
    pub fn open(engine: Engine, data_dir: &Path) -> io::Result<Arc<LocalApi>> {
        let settings_file = data_dir.join(SETTINGS_FILE);
        let settings = match std::fs::read(&settings_file) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unreadable local API settings; the API stays off");
                LocalApiSettings::default()
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => LocalApiSettings::default(),
            Err(e) => return Err(e),
        };
        let (token, _) = AccountToken::from_file(data_dir)?;
        Ok(Arc::new(LocalApi {
            engine,
            settings_file,
            token,
            current: Mutex::new(Current {
                settings,
                server: None,
            }),
        }))
    }

    /// Starts the API when the saved settings have it on; a failure is logged and leaves
    /// it off until the user changes something.
    pub async fn start_saved(&self) {
        let mut current = self.current.lock().await;
        if !current.settings.enabled || current.server.is_some() {
            return;
        }
        match self.listen(&current.settings).await {
            Ok(server) => current.server = Some(server),
            Err(e) => {
                tracing::warn!(code = ?e.code, error = %e.message, "the local API did not start")
            }
        }
    }

    /// Stops it, letting running requests finish; the saved settings stay.
    pub async fn stop(&self) {
        if let Some(server) = self.current.lock().await.server.take() {
            if let Err(e) = server.stop().await {
                tracing::warn!(error = %e, "the local API did not stop cleanly");
            }
        }
    }

    async fn listen(&self, settings: &LocalApiSettings) -> Result<RunningApi, ErrorPayload> {
        let ip = if settings.all_interfaces {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        let address = SocketAddr::new(ip, settings.port);
        crate::start(
            self.engine.clone(),
            self.token.clone(),
            ApiConfig::new(address),
        )
        .await
        .map_err(|e| {
            failure(
                ErrorCode::IoError,
                format!("cannot listen on {address}: {e}"),
            )
        })
    }

    fn status_of(&self, current: &Current) -> LocalApiStatus {
        // On every interface the API is still reached here through loopback.
        let base = current.server.as_ref().map(|server| {
            let port = server.addr().port();
            format!("http://127.0.0.1:{port}/api")
        });
        LocalApiStatus {
            settings: current.settings.clone(),
            description_url: base.as_ref().map(|base| format!("{base}/openapi.json")),
            base_url: base,
            account_token: self.token.reveal(),
        }
    }

    /// After a failed change: the previous settings, and their server if it was on.
    async fn restore(&self, current: &mut Current, previous: &LocalApiSettings) {
        current.settings = previous.clone();
        if previous.enabled {
            current.server = self.listen(previous).await.ok();
        }
    }

    /// Writes the settings beside the file and renames them over it.
    fn save(&self, settings: &LocalApiSettings) -> Result<(), ErrorPayload> {
        let text = serde_json::to_vec_pretty(settings).expect("settings serialize");
        let partial = self.settings_file.with_extension("partial");
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, &self.settings_file))
            .map_err(|e| {
                failure(
                    ErrorCode::IoError,
                    format!("cannot save the local API settings: {e}"),
                )
            })
    }
}

#[async_trait::async_trait]
impl LocalApiSwitch for LocalApi {
    async fn status(&self) -> LocalApiStatus {
        self.status_of(&*self.current.lock().await)
    }

    async fn apply(&self, settings: LocalApiSettings) -> Result<LocalApiStatus, ErrorPayload> {
        if settings.port < LOWEST_PORT {
            return Err(failure(
                ErrorCode::InvalidSettings,
                format!(
                    "the port must be from {LOWEST_PORT} to 65535 (it is {})",
                    settings.port
                ),
            ));
        }
        let mut current = self.current.lock().await;
        let unchanged =
            current.settings == settings && current.server.is_some() == settings.enabled;
        if unchanged {
            return Ok(self.status_of(&current));
        }
        let previous = current.settings.clone();
        if let Some(server) = current.server.take() {
            let _ = server.stop().await;
        }
        let started = if settings.enabled {
            match self.listen(&settings).await {
                Ok(server) => Some(server),
                Err(e) => {
                    self.restore(&mut current, &previous).await;
                    return Err(e);
                }
            }
        } else {
            None
        };
        if let Err(e) = self.save(&settings) {
            if let Some(server) = started {
                let _ = server.stop().await;
            }
            self.restore(&mut current, &previous).await;
            return Err(e);
        }
        current.settings = settings;
        current.server = started;
        Ok(self.status_of(&current))
    }

    async fn regenerate_token(&self) -> Result<LocalApiStatus, ErrorPayload> {
        self.token.regenerate().map_err(|e| {
            failure(
                ErrorCode::IoError,
                format!("cannot write the new token: {e}"),
            )
        })?;
        Ok(self.status_of(&*self.current.lock().await))
    }
}

fn failure(code: ErrorCode, message: String) -> ErrorPayload {
    ErrorPayload { code, message }
}
