//! Switchboard's instance engine: WhatsApp numbers linked as devices, their storage,
//! and the delete / logout / delete-chat guarantees. No Tauri dependency.

pub mod actor;
pub mod error;
pub mod events;
pub mod model;

pub use error::{Error, ErrorPayload, Result};
pub use events::EngineEvent;
