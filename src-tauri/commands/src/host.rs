//! What a command runs against: the engine, and, in the window, the switch of the local
//! API it offers and the system's way of opening files. Cheap to clone.

use std::path::Path;
use std::sync::Arc;

use switchboard_engine::{Engine, ErrorCode, ErrorPayload};

use crate::local_api::LocalApiSwitch;

/// Opens a file with the app the system chooses for it (the desktop's, in the window).
pub trait FileOpener: Send + Sync {
    fn open(&self, path: &Path) -> Result<(), ErrorPayload>;
}

#[derive(Clone)]
pub struct Host {
    engine: Engine,
    local_api: Option<Arc<dyn LocalApiSwitch>>,
    opener: Option<Arc<dyn FileOpener>>,
}

impl Host {
    /// A host with no local API switch (the API itself, the headless server).
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            local_api: None,
            opener: None,
        }
    }

    /// The window's host: it also switches the local API.
    pub fn with_local_api(engine: Engine, local_api: Arc<dyn LocalApiSwitch>) -> Self {
        Self {
            engine,
            local_api: Some(local_api),
            opener: None,
        }
    }

    /// This host opens files with the system's apps too (the window).
    pub fn opening_files_with(mut self, opener: Arc<dyn FileOpener>) -> Self {
        self.opener = Some(opener);
        self
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The local API switch; refused where the host has none.
    pub fn local_api(&self) -> Result<&dyn LocalApiSwitch, ErrorPayload> {
        self.local_api.as_deref().ok_or_else(|| ErrorPayload {
            code: ErrorCode::InvalidSettings,
            message: "this host has no local API switch; switchboard-server is set by its flags"
                .into(),
        })
    }

    /// The system's way of opening files; refused where the host has none (headless).
    pub fn opener(&self) -> Result<&dyn FileOpener, ErrorPayload> {
        self.opener.as_deref().ok_or_else(|| ErrorPayload {
            code: ErrorCode::IoError,
            message: "this host has no desktop to open files on; save the file instead".into(),
        })
    }
}
