//! One tokio task per instance owns its whatsapp-rust client and serialises every
//! WhatsApp-facing action on it. Everything it learns goes out through `SessionSink`.
//! The protocol side lives in `crate::wa`; this module decides what each command
//! and each event means for the instance.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::model::{InstanceState, LogoutOutcome, Millis, Profile, Settings};
use crate::records::{ChatUpsert, LastMessage, MediaSaved, MessageUpsert, Receipts};

pub(crate) mod media;
mod picture;
mod task;

pub(crate) use media::chat_folder_name;

/// Where the WhatsApp server is (wa-mock in tests) and how to reach it.
#[derive(Debug, Clone, Default)]
pub struct WaConfig {
    /// WebSocket URL of the chat server; `None` means WhatsApp's own.
    pub server_url: Option<String>,
    /// Shorter waits for tests (e.g. logout acknowledgement). Zero means WhatsApp
    /// Web's own wait (3 s).
    pub logout_timeout: std::time::Duration,
}

impl WaConfig {
    /// The chat-server override a test build may take from `SWITCHBOARD_WA_URL`. Only
    /// with the `insecure-test-server` feature: a release build ignores the variable
    /// and always talks to WhatsApp.
    pub fn server_url_from_env() -> Option<String> {
        #[cfg(feature = "insecure-test-server")]
        {
            std::env::var("SWITCHBOARD_WA_URL")
                .ok()
                .filter(|url| !url.trim().is_empty())
        }
        #[cfg(not(feature = "insecure-test-server"))]
        {
            None
        }
    }
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
    /// `<data>/instances/<id>/profile-picture`
    pub picture_file: PathBuf,
    pub settings: Settings,
    pub proxy: Option<String>,
    pub wa: WaConfig,
    pub sink: Arc<dyn SessionSink>,
    /// The account as last stored: what a session keeps until WhatsApp says otherwise
    /// (the business name needs a round trip that may not come).
    pub profile: Profile,
}

/// Implemented by the engine's storage side; called from actor tasks.
#[async_trait::async_trait]
pub trait SessionSink: Send + Sync {
    async fn state_changed(&self, instance_id: &str, state: InstanceState);
    async fn qr_code(&self, instance_id: &str, code: String, expires_at: Millis);
    async fn pairing_code(
        &self,
        instance_id: &str,
        code: String,
        phone: String,
        expires_at: Millis,
    );
    async fn profile(&self, instance_id: &str, profile: Profile);
    /// Session keys now exist on disk (pair success) or were wiped (logout).
    async fn paired(&self, instance_id: &str, paired: bool);
    async fn chats(&self, instance_id: &str, chats: Vec<ChatUpsert>);
    async fn messages(&self, instance_id: &str, messages: Vec<MessageUpsert>);
    async fn media_saved(&self, instance_id: &str, media: MediaSaved);
    /// The phone (or another linked device) deleted a chat.
    async fn remote_chat_deleted(&self, instance_id: &str, chat_jid: String, delete_media: bool);
    /// Receipts moved outgoing messages of a chat forward.
    async fn delivery(&self, instance_id: &str, receipts: Receipts);
}

/// The handle the engine keeps for a running instance actor.
pub struct ActorHandle {
    commands: mpsc::Sender<task::Command>,
    task: tokio::task::JoinHandle<()>,
}

impl ActorHandle {
    /// Starts the actor task. Nothing connects until a command asks for it.
    pub fn spawn(ctx: ActorContext) -> ActorHandle {
        let (commands, inbox) = mpsc::channel(32);
        let task = tokio::spawn(task::Actor::new(ctx).run(inbox));
        ActorHandle { commands, task }
    }

    async fn ask<T>(&self, command: impl FnOnce(oneshot::Sender<T>) -> task::Command) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| Error::ShuttingDown)?;
        answer.await.map_err(|_| Error::ShuttingDown)
    }

    /// Start a QR round (a fresh client on the same store). On a connected instance:
    /// answers the state and changes nothing. An instance that still holds a linked
    /// session reconnects with it instead (no QR is needed).
    pub async fn connect_qr(&self) -> Result<InstanceState> {
        self.ask(task::Command::ConnectQr).await?
    }
    /// Ask for a phone-number pairing code (digits only, already validated). Stops a
    /// running QR round. A connected instance answers `already_connected` and changes
    /// nothing; one linked but not connected answers `whatsapp_error` saying so (log out
    /// first to link another phone).
    pub async fn connect_code(&self, phone_digits: String) -> Result<String> {
        self.ask(|reply| task::Command::ConnectCode(phone_digits, reply))
            .await?
    }
    /// Restore a stored session without QR; `not_paired` if there is none.
    pub async fn reconnect(&self) -> Result<InstanceState> {
        self.ask(task::Command::Reconnect).await?
    }
    /// remove-companion-device on WhatsApp (bounded), stop the client, wipe
    /// session.db(+wal,shm). Harmless to repeat.
    pub async fn logout(&self) -> Result<LogoutOutcome> {
        self.ask(task::Command::Logout).await?
    }
    /// Send the delete-chat app-state mutation; `not_connected` unless connected.
    pub async fn delete_chat(
        &self,
        chat_jid: String,
        delete_media: bool,
        last: Option<LastMessage>,
    ) -> Result<()> {
        self.ask(|reply| task::Command::DeleteChat {
            chat_jid,
            delete_media,
            last,
            reply,
        })
        .await?
    }
    /// Apply changed settings/proxy (takes effect on the next connect where needed).
    pub async fn update(&self, settings: Settings, proxy: Option<String>) {
        // A gone actor has nothing left to apply settings to.
        let _ = self
            .ask(|reply| task::Command::Update {
                settings,
                proxy,
                reply,
            })
            .await;
    }
    /// The connected client, for work done beside the actor (sending); none unless
    /// connected.
    pub(crate) async fn remote(&self) -> Result<Option<crate::wa::Remote>> {
        self.ask(task::Command::Remote).await
    }
    /// The state as the actor knows it now.
    pub async fn state(&self) -> Result<InstanceState> {
        self.ask(task::Command::State).await
    }
    /// Stop the client (no logout) and wait for the task to end.
    pub async fn shutdown(self) {
        let _ = self.ask(task::Command::Shutdown).await;
        drop(self.commands);
        if let Err(e) = self.task.await {
            tracing::error!("instance actor ended abnormally: {e}");
        }
    }
}
