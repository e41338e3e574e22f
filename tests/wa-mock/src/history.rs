//! History sync: the phone packs chats into a zlib-compressed HistorySync,
//! uploads it encrypted to the media host and tells its device where it is
//! with a Signal-encrypted HistorySyncNotification.

use std::collections::HashSet;
use std::io::Write as _;

use flate2::write::ZlibEncoder;
use serde::Deserialize;
use waproto::buffa::{Message as _, MessageField};
use waproto::whatsapp as wa;

use crate::error::MockError;
use crate::incoming::{IncomingMedia, MediaFile};
use crate::media::MediaKind;
use crate::registry::Outbound;
use crate::{stanza, Shared};

/// Body of `POST /devices/{jid}/history`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryRequest {
    pub chats: Vec<HistoryChat>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryChat {
    pub jid: String,
    pub name: Option<String>,
    #[serde(default)]
    pub messages: Vec<HistoryMessage>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryMessage {
    pub id: String,
    pub from_me: bool,
    /// Unix seconds.
    pub timestamp: u64,
    pub text: Option<String>,
    pub media: Option<IncomingMedia>,
}

fn is_chat_jid(jid: &str) -> bool {
    let Some((user, server)) = jid.split_once('@') else {
        return false;
    };
    let digits = !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    digits && matches!(server, "s.whatsapp.net" | "g.us" | "lid")
}

/// Checks the whole request before anything is uploaded or sent.
fn validate(request: &HistoryRequest) -> Result<(), MockError> {
    let bad = |m: String| Err(MockError::BadRequest(m));
    if request.chats.is_empty() {
        return bad("chats must not be empty".into());
    }
    let mut chats = HashSet::new();
    for chat in &request.chats {
        if !is_chat_jid(&chat.jid) {
            return bad(format!("{:?} is not a chat JID", chat.jid));
        }
        if !chats.insert(chat.jid.as_str()) {
            return bad(format!("chat {} is listed twice", chat.jid));
        }
        let mut ids = HashSet::new();
        for m in &chat.messages {
            if m.id.trim().is_empty() || !ids.insert(m.id.as_str()) {
                return bad(format!(
                    "message ids in {} must be non-empty and unique",
                    chat.jid
                ));
            }
            if m.timestamp == 0 {
                return bad(format!("message {} needs a timestamp", m.id));
            }
            if m.text.as_deref().is_some_and(str::is_empty) {
                return bad(format!("message {} has empty text", m.id));
            }
            match (&m.media, m.text.as_deref()) {
                (Some(media), caption) => {
                    MediaFile::parse(media, caption)?;
                }
                (None, Some(_)) => {}
                (None, None) => return bad(format!("message {} needs text or media", m.id)),
            }
        }
    }
    Ok(())
}

/// Builds the HistorySync the phone would send, uploading any media first.
fn history_sync(shared: &Shared, request: &HistoryRequest) -> Result<wa::HistorySync, MockError> {
    let mut conversations = Vec::with_capacity(request.chats.len());
    for chat in &request.chats {
        let mut messages = Vec::with_capacity(chat.messages.len());
        let mut latest = 0;
        for (order, m) in chat.messages.iter().enumerate() {
            let content = match &m.media {
                Some(media) => MediaFile::parse(media, m.text.as_deref())?
                    .upload(&shared.media, m.text.as_deref())?,
                None => wa::Message {
                    conversation: m.text.clone(),
                    ..Default::default()
                },
            };
            latest = latest.max(m.timestamp);
            messages.push(wa::HistorySyncMsg {
                message: MessageField::some(wa::WebMessageInfo {
                    key: MessageField::some(wa::MessageKey {
                        remote_jid: Some(chat.jid.clone()),
                        from_me: Some(m.from_me),
                        id: Some(m.id.clone()),
                        participant: None,
                    }),
                    message: MessageField::some(content),
                    message_timestamp: Some(m.timestamp),
                    ..Default::default()
                }),
                msg_order_id: Some(order as u64 + 1),
            });
        }
        conversations.push(wa::Conversation {
            id: chat.jid.clone(),
            name: chat.name.clone(),
            conversation_timestamp: (latest > 0).then_some(latest),
            messages,
            ..Default::default()
        });
    }
    // The phone shares the push names it knows of the people it talks to.
    let pushnames = request
        .chats
        .iter()
        .filter_map(|chat| {
            let name = shared.registry.push_name_of(&chat.jid)?;
            Some(wa::Pushname {
                id: Some(chat.jid.clone()),
                pushname: Some(name),
            })
        })
        .collect();
    Ok(wa::HistorySync {
        sync_type: wa::history_sync::HistorySyncType::INITIAL_BOOTSTRAP,
        conversations,
        pushnames,
        chunk_order: Some(1),
        progress: Some(100),
        ..Default::default()
    })
}

fn compress(bytes: &[u8]) -> Result<Vec<u8>, MockError> {
    let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| MockError::Internal(format!("zlib: {e}")))
}

/// Uploads `request` as an encrypted history blob and sends the device the
/// notification. Returns the notification's message id.
pub async fn deliver(
    shared: &Shared,
    who: &str,
    request: &HistoryRequest,
) -> Result<String, MockError> {
    validate(request)?;
    let mut out = shared.registry.begin_from_phone(who)?;
    let prepared = history_sync(shared, request).and_then(|sync| {
        let blob = compress(&sync.encode_to_vec())?;
        let up = shared.media.upload(&blob, MediaKind::History)?;
        let notification = wa::message::HistorySyncNotification {
            file_sha256: Some(up.file_sha256.to_vec()),
            file_length: Some(up.file_length),
            media_key: Some(up.media_key.to_vec()),
            file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
            direct_path: Some(up.direct_path),
            sync_type: Some(wa::message::HistorySyncType::INITIAL_BOOTSTRAP),
            chunk_order: Some(1),
            progress: Some(100),
            ..Default::default()
        };
        let message = wa::Message {
            protocol_message: MessageField::some(wa::message::ProtocolMessage {
                r#type: Some(wa::message::protocol_message::Type::HISTORY_SYNC_NOTIFICATION),
                history_sync_notification: MessageField::some(notification),
                ..Default::default()
            }),
            ..Default::default()
        };
        Ok(wacore::messages::MessageUtils::pad_message_v2(
            message.encode_to_vec(),
        ))
    });
    let encrypted = match prepared {
        Ok(plaintext) => out
            .cipher
            .encrypt(&out.companion, out.device_id, &plaintext)
            .await
            .map_err(|e| MockError::Internal(format!("{e:#}"))),
        Err(e) => Err(e),
    };
    shared
        .registry
        .return_cipher(&out.phone, out.device_id, out.cipher);
    let encrypted = encrypted?;
    let id = stanza::next_message_id();
    out.conn.send(Outbound::Send(stanza::message_from_phone(
        &id, &out.phone, encrypted,
    )));
    Ok(id)
}
