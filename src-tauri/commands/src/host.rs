//! What a command runs against: the engine, and, in the window, the switch of the local
//! API it offers. Cheap to clone.

use std::sync::Arc;

use switchboard_engine::{Engine, ErrorCode, ErrorPayload};

use crate::local_api::LocalApiSwitch;

#[derive(Clone)]
pub struct Host {
    engine: Engine,
    local_api: Option<Arc<dyn LocalApiSwitch>>,
}

impl Host {
    /// A host with no local API switch (the API itself, the headless server).
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            local_api: None,
        }
    }

    /// The window's host: it also switches the local API.
    pub fn with_local_api(engine: Engine, local_api: Arc<dyn LocalApiSwitch>) -> Self {
        Self {
            engine,
            local_api: Some(local_api),
        }
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
}
