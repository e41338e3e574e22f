//! Switchboard's instance engine: WhatsApp numbers linked as devices, their storage,
//! and the delete / logout / delete-chat guarantees. No Tauri dependency.

// whatsapp-rust's async state machines (delete-chat, connect) are compiled here, and
// their layout nests deeper than the default limit of 128.
#![recursion_limit = "256"]

pub mod actor;
mod audit;
mod backoff;
mod chat_store;
mod chats;
pub mod config;
pub mod conversation;
mod crash;
mod db;
mod deletion;
mod early_receipts;
mod engine;
pub mod error;
pub mod error_backtraces;
pub mod events;
pub mod export;
mod folder_lock;
mod history;
mod instances;
mod listing;
pub mod malloc_tuning;
mod media_in;
mod media_out;
pub mod model;
pub mod outbox;
mod paths;
mod proxy;
pub mod qr_image;
pub mod records;
mod registry;
pub mod s3;
mod sending;
mod sessions;
mod sink;
mod sqlite_tuning;
mod stored_message;
mod timeline;
pub mod validate;
mod wa;
pub mod webhook;
pub mod webhook_evolution;
pub mod webhook_status;

pub use config::{EngineConfig, WebhookTuning};
pub use engine::Engine;
pub use error::{Error, ErrorCode, ErrorPayload, Result};
pub use events::EngineEvent;
pub use listing::ListingStamp;
