//! What a WhatsApp session hands the engine to keep: chats, messages and media files,
//! and what the engine hands back for a delete-chat (the chat's last message). Plain
//! data, below both the protocol adapter and the actor.

use crate::model::Millis;

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

/// The last message of a chat, as WhatsApp's delete-chat range wants it.
#[derive(Debug, Clone)]
pub struct LastMessage {
    pub id: String,
    pub from_me: bool,
    /// Sender JID in groups.
    pub participant: Option<String>,
    pub timestamp: Millis,
}
