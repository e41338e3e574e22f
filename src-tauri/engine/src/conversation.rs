//! A conversation as the hosts read it: one chat's messages, a page at a time, newest
//! first. Source of truth for the UI's TypeScript (ts-rs), like `model`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::Millis;

/// What a message carries. A reply is any kind with `quoted` set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    #[default]
    Text,
    Image,
    Video,
    Audio,
    /// A voice note (push-to-talk audio).
    Voice,
    Document,
    Sticker,
    Location,
    Contact,
}

impl MessageKind {
    /// The word stored in the database and sent in webhooks.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Video => "video",
            MessageKind::Audio => "audio",
            MessageKind::Voice => "voice",
            MessageKind::Document => "document",
            MessageKind::Sticker => "sticker",
            MessageKind::Location => "location",
            MessageKind::Contact => "contact",
        }
    }

    /// The stored word back; anything unknown reads as text (older rows).
    pub fn parse(word: &str) -> MessageKind {
        [
            MessageKind::Image,
            MessageKind::Video,
            MessageKind::Audio,
            MessageKind::Voice,
            MessageKind::Document,
            MessageKind::Sticker,
            MessageKind::Location,
            MessageKind::Contact,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == word)
        .unwrap_or(MessageKind::Text)
    }

    /// Kinds whose content is a file downloaded from (or uploaded to) the media host.
    pub fn has_media(self) -> bool {
        matches!(
            self,
            MessageKind::Image
                | MessageKind::Video
                | MessageKind::Audio
                | MessageKind::Voice
                | MessageKind::Document
                | MessageKind::Sticker
        )
    }
}

/// How far an outgoing message got, as WhatsApp's receipts tell. Only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// The server took it.
    Sent,
    /// It reached the recipient's phone.
    Delivered,
    /// The recipient opened it.
    Read,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
        }
    }

    pub fn parse(word: &str) -> Option<Delivery> {
        [Delivery::Sent, Delivery::Delivered, Delivery::Read]
            .into_iter()
            .find(|d| d.as_str() == word)
    }
}

/// The message a reply quotes, as the reply carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuotedMessage {
    pub id: String,
    /// Its text or caption, when it had one.
    pub text: Option<String>,
}

/// A shared location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

/// A message's stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MessageFile {
    /// Absolute path on this computer; null when the file lives only in the S3 bucket.
    pub path: Option<String>,
    #[ts(type = "number")]
    pub bytes: u64,
    pub mime: Option<String>,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChatMessage {
    pub id: String,
    pub chat_jid: String,
    pub from_me: bool,
    /// The author's JID (in groups, the participant).
    pub sender: Option<String>,
    /// The author's WhatsApp name, when known.
    pub sender_name: Option<String>,
    #[ts(type = "number")]
    pub timestamp: Millis,
    pub kind: MessageKind,
    /// Text, caption, document file name or contact name.
    pub text: Option<String>,
    pub quoted: Option<QuotedMessage>,
    pub location: Option<Location>,
    /// The file, once downloaded (incoming) or sent (outgoing).
    pub file: Option<MessageFile>,
    /// Outgoing messages only.
    pub delivery: Option<Delivery>,
}

/// A page of a conversation, newest first. `next` fetches the older messages after
/// the last one here; null when there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MessagePage {
    pub messages: Vec<ChatMessage>,
    pub next: Option<String>,
}

/// A text to send to a chat (a number or a JID), optionally quoting one of its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SendText {
    pub chat: String,
    pub text: String,
    /// The id of a stored message of the chat that this one answers.
    #[ts(optional)]
    #[serde(default)]
    pub quote: Option<String>,
}

/// A file on this computer to send to a chat, with an optional caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SendMedia {
    pub chat: String,
    /// Absolute path of the file.
    pub path: String,
    /// image, video, audio, voice or document; by the file's extension when absent.
    #[ts(optional)]
    #[serde(default)]
    pub kind: Option<MessageKind>,
    #[ts(optional)]
    #[serde(default)]
    pub caption: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub quote: Option<String>,
}
