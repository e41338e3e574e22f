//! A message as its row stores it, and the `ChatMessage` it reads as. History pages read
//! it from rows; the export reads a page of them at once from one JSON array that SQLite
//! writes (see `export::rows`), in the same column order.

use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::conversation::{
    ChatMessage, Delivery, Location, MessageFile, MessageKind, QuotedMessage,
};
use crate::model::Millis;

/// Every column a `StoredMessage` is read from, before any condition. The order is the
/// struct's: the export's JSON arrays list the same columns positionally.
macro_rules! message_columns {
    () => {
        "SELECT m.id, m.chat_jid, m.from_me, m.sender, m.sender_name,
            m.timestamp, m.kind, m.text, m.quoted_id, m.quoted_text, m.latitude, m.longitude,
            m.delivery, f.path, f.bytes, f.mime, f.s3_key
        FROM messages m
        LEFT JOIN media f
            ON f.instance_id = m.instance_id AND f.chat_jid = m.chat_jid AND f.message_id = m.id"
    };
}
pub(crate) use message_columns;

/// The columns of `message_columns!`, in its order.
#[derive(Debug, sqlx::FromRow, Deserialize)]
pub(crate) struct StoredMessage {
    id: String,
    chat_jid: String,
    #[serde(deserialize_with = "flag")]
    from_me: bool,
    sender: Option<String>,
    sender_name: Option<String>,
    timestamp: Millis,
    kind: String,
    text: Option<String>,
    quoted_id: Option<String>,
    quoted_text: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    delivery: Option<String>,
    /// The media file, relative to the instance folder.
    pub path: Option<String>,
    bytes: Option<i64>,
    mime: Option<String>,
    s3_key: Option<String>,
}

/// SQLite's booleans are the integers 0 and 1.
fn flag<'de, D: Deserializer<'de>>(from: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(from)? != 0)
}

impl StoredMessage {
    /// Its (chat, id) when it is a location, whose coordinates the export reads apart.
    pub(crate) fn location_key(&self) -> Option<(&str, &str)> {
        (MessageKind::parse(&self.kind) == MessageKind::Location)
            .then_some((self.chat_jid.as_str(), self.id.as_str()))
    }

    /// The message, its file's path absolute under `instance_dir` when the file is on
    /// this computer (none when it is in a bucket).
    pub(crate) fn into_message(self, instance_dir: &Path) -> ChatMessage {
        let location = match (self.latitude, self.longitude) {
            (Some(latitude), Some(longitude)) => Some(Location {
                latitude,
                longitude,
            }),
            _ => None,
        };
        let in_bucket = self.s3_key.is_some();
        ChatMessage {
            quoted: self.quoted_id.map(|id| QuotedMessage {
                id,
                text: self.quoted_text,
            }),
            location,
            file: self.path.map(|relative| MessageFile {
                path: (!in_bucket).then(|| instance_dir.join(relative).display().to_string()),
                bytes: self.bytes.unwrap_or(0).max(0) as u64,
                mime: self.mime,
            }),
            id: self.id,
            chat_jid: self.chat_jid,
            from_me: self.from_me,
            sender: self.sender,
            sender_name: self.sender_name,
            timestamp: self.timestamp,
            kind: MessageKind::parse(&self.kind),
            text: self.text,
            delivery: self.delivery.as_deref().and_then(Delivery::parse),
        }
    }
}
