//! Switchboard's instance engine: WhatsApp numbers linked as devices, their storage,
//! and the delete / logout / delete-chat guarantees. No Tauri dependency.

pub mod actor;
mod audit;
mod chats;
pub mod config;
mod crash;
mod db;
mod deletion;
mod engine;
pub mod error;
pub mod events;
pub mod model;
mod paths;
mod registry;
mod sink;
pub mod validate;
pub mod webhook;

pub use config::{test_server_url, EngineConfig, WebhookTuning};
pub use engine::Engine;
pub use error::{Error, ErrorPayload, Result};
pub use events::EngineEvent;
