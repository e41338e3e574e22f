//! The local API as the window switches it: its settings and what it shows, and the
//! switch a host implements (the `switchboard-api` crate does).

use serde::{Deserialize, Serialize};
use switchboard_engine::ErrorPayload;
use ts_rs::TS;

/// The port the local API takes unless the user picks another.
pub const DEFAULT_PORT: u16 = 8790;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct LocalApiSettings {
    /// Off by default.
    pub enabled: bool,
    pub port: u16,
    /// Listen on every network interface instead of this computer only (127.0.0.1):
    /// anyone on the network who has a token can then reach the numbers.
    pub all_interfaces: bool,
}

impl Default for LocalApiSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            port: DEFAULT_PORT,
            all_interfaces: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LocalApiStatus {
    pub settings: LocalApiSettings,
    /// Where the API answers now, e.g. `http://127.0.0.1:8790/api`; none while it is off.
    pub base_url: Option<String>,
    /// The API's description (OpenAPI), while it is on.
    pub description_url: Option<String>,
    /// The account token: it reaches every route.
    pub account_token: String,
}

/// Switches a host's local API.
#[async_trait::async_trait]
pub trait LocalApiSwitch: Send + Sync {
    async fn status(&self) -> LocalApiStatus;

    /// Applies `settings`: on, off, another port or interface. A change that fails leaves
    /// the API and the saved settings as they were.
    async fn apply(&self, settings: LocalApiSettings) -> Result<LocalApiStatus, ErrorPayload>;

    /// Replaces the account token; the old one stops working at once.
    async fn regenerate_token(&self) -> Result<LocalApiStatus, ErrorPayload>;
}
