//! One tokio task per instance owns its whatsapp-rust client and serialises every
//! WhatsApp-facing action on it. Everything it learns goes out through `SessionSink`.
//!
//! INTERFACE FILE (foundation): the bodies are filled in by the WhatsApp-side work.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::model::{InstanceState, LogoutOutcome, Millis, Profile, Settings};

/// Where the WhatsApp server is (wa-mock in tests) and how to reach it.
#[derive(Debug, Clone, Default)]
pub struct WaConfig {
    /// WebSocket URL of the chat server; `None` means WhatsApp's own.
    pub server_url: Option<String>,
    /// Shorter waits for tests (e.g. logout acknowledgement).
    pub logout_timeout: std::time::Duration,
}

/// What an actor needs to know about its instance.
#[derive(Clone)]
pub struct ActorContext {
    pub instance_id: String,
    pub name: String,
    /// `<data>/instances/<id>/session.db`
    pub session_db: PathBuf,
    /// `<data>/instances/<id>/media`
    pub media_dir: PathBuf,
    pub settings: Settings,
    pub proxy: Option<String>,
    pub wa: WaConfig,
    pub sink: Arc<dyn SessionSink>,
}

/// The last message of a chat, as WhatsApp's delete-chat range wants it.
#[derive(Debug, Clone)]
pub struct LastMessage {
    pub id: String,
    pub from_me: bool,
    /// Sender JID in groups.
    pub participant: Option<String>,
    pub timestamp: Millis,
}

/// A chat as history sync or a message delivers it.
#[derive(Debug, Clone)]
pub struct ChatUpsert {
    pub jid: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MessageUpsert {
    pub chat_jid: String,
    pub id: String,
    pub from_me: bool,
    pub sender: Option<String>,
    pub timestamp: Millis,
    pub text: Option<String>,
    /// Set when the message carries media; the file may arrive later via `media_saved`.
    pub media_kind: Option<String>,
}

/// A media file the actor wrote under `media_dir/<chat>/`.
#[derive(Debug, Clone)]
pub struct MediaSaved {
    pub chat_jid: String,
    pub message_id: String,
    /// Path relative to the instance folder.
    pub relative_path: String,
    pub bytes: u64,
    pub mime: Option<String>,
}

/// Implemented by the engine's storage side; called from actor tasks.
#[async_trait::async_trait]
pub trait SessionSink: Send + Sync {
    async fn state_changed(&self, instance_id: &str, state: InstanceState);
    async fn qr_code(&self, instance_id: &str, code: String, expires_at: Millis);
    async fn pairing_code(&self, instance_id: &str, code: String, expires_at: Millis);
    async fn profile(&self, instance_id: &str, profile: Profile);
    /// Session keys now exist on disk (pair success) or were wiped (logout).
    async fn paired(&self, instance_id: &str, paired: bool);
    async fn chats(&self, instance_id: &str, chats: Vec<ChatUpsert>);
    async fn messages(&self, instance_id: &str, messages: Vec<MessageUpsert>);
    async fn media_saved(&self, instance_id: &str, media: MediaSaved);
    /// The phone (or another linked device) deleted a chat.
    async fn remote_chat_deleted(&self, instance_id: &str, chat_jid: String, delete_media: bool);
}

pub struct ActorHandle {
    _ctx: ActorContext,
}

impl ActorHandle {
    pub fn spawn(ctx: ActorContext) -> ActorHandle {
        ActorHandle { _ctx: ctx }
    }
    /// Start a QR round (a fresh client on the same store). On a connected instance:
    /// answers the state and changes nothing.
    pub async fn connect_qr(&self) -> Result<InstanceState> {
        todo!()
    }
    /// Ask for a phone-number pairing code (digits only, already validated).
    pub async fn connect_code(&self, _phone_digits: String) -> Result<String> {
        todo!()
    }
    /// Restore a stored session without QR; `not_paired` if there is none.
    pub async fn reconnect(&self) -> Result<InstanceState> {
        todo!()
    }
    /// remove-companion-device on WhatsApp (bounded), stop the client, wipe
    /// session.db(+wal,shm). Harmless to repeat.
    pub async fn logout(&self) -> Result<LogoutOutcome> {
        todo!()
    }
    /// Send the delete-chat app-state mutation; `not_connected` unless connected.
    pub async fn delete_chat(
        &self,
        _chat_jid: String,
        _delete_media: bool,
        _last: Option<LastMessage>,
    ) -> Result<()> {
        todo!()
    }
    /// Apply changed settings/proxy (takes effect on the next connect where needed).
    pub async fn update(&self, _settings: Settings, _proxy: Option<String>) {
        todo!()
    }
    /// Stop the client (no logout) and wait for the task to end.
    pub async fn shutdown(self) {
        todo!()
    }
}
