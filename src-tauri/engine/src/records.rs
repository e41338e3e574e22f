//! What a WhatsApp session hands the engine to keep: chats, messages and media files,
//! and what the engine hands back for a delete-chat (the chat's last message). Plain
//! data, below both the protocol adapter and the actor.

use crate::conversation::{Delivery, Location, MessageKind, QuotedMessage};
use crate::model::Millis;

/// A chat as history sync or a message delivers it.
#[derive(Debug, Clone, Default)]
pub struct ChatUpsert {
    pub jid: String,
    /// The contact's name as saved on the phone, or a group's subject: replaces any.
    pub name: Option<String>,
    /// The name the contact gave itself: kept only while the chat has no other.
    pub push_name: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MessageUpsert {
    pub chat_jid: String,
    pub id: String,
    pub from_me: bool,
    pub sender: Option<String>,
    pub sender_name: Option<String>,
    pub timestamp: Millis,
    /// Text, caption, document file name or contact name.
    pub text: Option<String>,
    /// A media kind's file may arrive later via `media_saved`.
    pub kind: MessageKind,
    pub quoted: Option<QuotedMessage>,
    pub location: Option<Location>,
    /// Outgoing messages this device sent: how far they got.
    pub delivery: Option<Delivery>,
    /// A received media file's place on WhatsApp's media host, kept for a later
    /// download.
    pub source: Option<MediaSource>,
}

/// Where WhatsApp serves a received media file and how to check and decrypt it: what a
/// download needs without the original message in hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSource {
    pub direct_path: String,
    /// None for media WhatsApp serves unencrypted.
    pub media_key: Option<Vec<u8>>,
    /// SHA-256 of the plain file.
    pub file_sha256: Vec<u8>,
    /// SHA-256 of the encrypted file.
    pub file_enc_sha256: Option<Vec<u8>>,
    pub file_length: u64,
    pub mime: Option<String>,
    /// The sender's file name (documents only).
    pub file_name: Option<String>,
}

impl MessageUpsert {
    /// The media kind, as webhooks name it; none for text, location and contacts.
    pub fn media_kind(&self) -> Option<&'static str> {
        self.kind.has_media().then(|| self.kind.as_str())
    }
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

/// WhatsApp's receipts for messages this device sent to one chat.
#[derive(Debug, Clone)]
pub struct Receipts {
    pub chat_jid: String,
    pub message_ids: Vec<String>,
    pub delivery: Delivery,
}
