//! Everything the engine tells the outside world, as it happens.

use serde::Serialize;
use ts_rs::TS;

use crate::conversation::{ChatMessage, Delivery};
use crate::model::{
    ChatDeleteOrigin, ChatDeleteReport, DeleteReport, Instance, InstanceState, Millis, Profile,
};
use crate::webhook_status::WebhookStatus;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    InstanceCreated {
        instance_id: String,
        instance: Instance,
    },
    /// Settings, webhook, proxy or counts changed: the whole instance as it is now.
    InstanceUpdated {
        instance_id: String,
        instance: Instance,
    },
    DeletionStarted {
        instance_id: String,
        name: String,
    },
    InstanceDeleted {
        instance_id: String,
        report: DeleteReport,
    },
    StateChanged {
        instance_id: String,
        state: InstanceState,
    },
    QrCode {
        instance_id: String,
        code: String,
        /// When the engine emitted this code: with `expires_at`, how long it lives.
        #[ts(type = "number")]
        issued_at: Millis,
        /// When this code stops being valid.
        #[ts(type = "number")]
        expires_at: Millis,
    },
    PairingCode {
        instance_id: String,
        code: String,
        /// The number the code is for, in international digits: it links only there.
        phone: String,
        #[ts(type = "number")]
        expires_at: Millis,
    },
    ProfileUpdated {
        instance_id: String,
        profile: Profile,
    },
    /// Chats or messages were added or changed (history sync, new messages).
    ChatsChanged {
        instance_id: String,
    },
    ChatDeleted {
        instance_id: String,
        origin: ChatDeleteOrigin,
        report: ChatDeleteReport,
    },
    /// New messages in a chat (received, synced or sent): its first page changed.
    MessagesAdded {
        instance_id: String,
        chat_jid: String,
    },
    /// A received message's file was stored (as it arrived, or downloaded later): the
    /// message as it reads now, with its file.
    MediaStored {
        instance_id: String,
        chat_jid: String,
        message: ChatMessage,
    },
    /// Receipts moved messages this device sent forward.
    MessageDelivery {
        instance_id: String,
        chat_jid: String,
        message_ids: Vec<String>,
        delivery: Delivery,
    },
    /// How far an export got: each message counts twice (its JSON line and its place
    /// in the transcript), each media file once.
    /// A webhook delivery was tried, or an event was queued for it: its last attempt
    /// and the outbox's size for the instance.
    WebhookStatus {
        instance_id: String,
        status: WebhookStatus,
    },
    ExportProgress {
        instance_id: String,
        export_id: String,
        #[ts(type = "number")]
        done: u64,
        #[ts(type = "number")]
        total: u64,
    },
}

impl EngineEvent {
    pub fn instance_id(&self) -> &str {
        match self {
            EngineEvent::InstanceCreated { instance_id, .. }
            | EngineEvent::InstanceUpdated { instance_id, .. }
            | EngineEvent::DeletionStarted { instance_id, .. }
            | EngineEvent::InstanceDeleted { instance_id, .. }
            | EngineEvent::StateChanged { instance_id, .. }
            | EngineEvent::QrCode { instance_id, .. }
            | EngineEvent::PairingCode { instance_id, .. }
            | EngineEvent::ProfileUpdated { instance_id, .. }
            | EngineEvent::ChatsChanged { instance_id, .. }
            | EngineEvent::ChatDeleted { instance_id, .. }
            | EngineEvent::MessagesAdded { instance_id, .. }
            | EngineEvent::MediaStored { instance_id, .. }
            | EngineEvent::MessageDelivery { instance_id, .. }
            | EngineEvent::WebhookStatus { instance_id, .. }
            | EngineEvent::ExportProgress { instance_id, .. } => instance_id,
        }
    }
}
