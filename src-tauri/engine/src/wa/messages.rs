//! History sync and incoming messages: the part of each message Switchboard keeps
//! (kind, text, what it quotes), and what the actor may still do about one (download its
//! media, send a read receipt, reject a call).

use std::collections::BTreeMap;

use whatsapp_rust::prelude::*;
use whatsapp_rust::types::events::{InboundMessage, LazyHistorySync};
use whatsapp_rust::wacore::download::Downloadable;
use whatsapp_rust::wacore::types::call::IncomingCall;
use whatsapp_rust::waproto::whatsapp as wa;

use crate::conversation::{Location, MessageKind, QuotedMessage};
use crate::model::Millis;
use crate::records::{ChatUpsert, MediaSource, MessageUpsert};

/// A history-sync blob as the library hands it over, still compressed.
pub(crate) struct HistoryBlob(pub(super) Box<LazyHistorySync>);

impl HistoryBlob {
    /// Inflates and decodes the blob (CPU work: call it off the async threads).
    pub(crate) fn decode(&self) -> (Vec<ChatUpsert>, Vec<MessageUpsert>) {
        let Some(history) = self.0.get() else {
            tracing::warn!("a history sync blob could not be decoded; skipped");
            return (Vec::new(), Vec::new());
        };
        let names: BTreeMap<&str, &str> = history
            .pushnames
            .iter()
            .filter_map(|p| Some((p.id.as_deref()?, p.pushname.as_deref()?)))
            .collect();
        let mut chats = Vec::new();
        let mut messages = Vec::new();
        for conversation in &history.conversations {
            let Ok(jid) = conversation.id.parse::<Jid>() else {
                continue;
            };
            if !is_chat(&jid) {
                continue;
            }
            let chat_jid = jid.to_non_ad_string();
            let name = conversation
                .name
                .clone()
                .or_else(|| conversation.display_name.clone());
            let push_name = names.get(conversation.id.as_str()).map(|n| n.to_string());
            chats.push(ChatUpsert {
                jid: chat_jid.clone(),
                name,
                push_name,
            });
            for entry in &conversation.messages {
                let Some(info) = entry.message.as_option() else {
                    continue;
                };
                if let Some(upsert) = history_message(&chat_jid, info) {
                    messages.push(upsert);
                }
            }
        }
        (chats, messages)
    }
}

fn history_message(chat_jid: &str, info: &wa::WebMessageInfo) -> Option<MessageUpsert> {
    let key = info.key.as_option()?;
    let id = key.id.clone().filter(|id| !id.is_empty())?;
    let content = MessageContent::of(info.message.as_option()?);
    let kind = content.kind?;
    let source = content.source();
    let sender = info
        .participant
        .clone()
        .or_else(|| key.participant.clone())
        .filter(|s| !s.is_empty());
    Some(MessageUpsert {
        chat_jid: chat_jid.to_string(),
        id,
        from_me: key.from_me.unwrap_or(false),
        sender_name: info.push_name.clone().filter(|n| !n.is_empty()),
        sender,
        timestamp: (info.message_timestamp.unwrap_or(0) as Millis).saturating_mul(1000),
        text: content.text,
        kind,
        quoted: content.quoted,
        location: content.location,
        source,
        delivery: None,
    })
}

/// Chats worth keeping: people, LIDs and groups (not status, newsletters or broadcasts).
fn is_chat(jid: &Jid) -> bool {
    matches!(jid.server, Server::Pn | Server::Lid | Server::Group)
}

/// The part of a message Switchboard keeps: its kind, text, media, what it quotes.
struct MessageContent<'a> {
    kind: Option<MessageKind>,
    text: Option<String>,
    quoted: Option<QuotedMessage>,
    location: Option<Location>,
    media: Option<&'a dyn Downloadable>,
    mime: Option<String>,
    file_name: Option<String>,
}

impl<'a> MessageContent<'a> {
    fn of(message: &'a wa::Message) -> Self {
        let base = message.get_base_message();
        let mut content = MessageContent {
            kind: None,
            text: base
                .text_content()
                .or_else(|| base.get_caption())
                .map(str::to_string),
            quoted: None,
            location: None,
            media: None,
            mime: None,
            file_name: None,
        };
        let context = if let Some(m) = base.image_message.as_option() {
            content.set_media(MessageKind::Image, m, m.mimetype.clone(), None);
            m.context_info.as_option()
        } else if let Some(m) = base.video_message.as_option() {
            content.set_media(MessageKind::Video, m, m.mimetype.clone(), None);
            m.context_info.as_option()
        } else if let Some(m) = base.audio_message.as_option() {
            let kind = if m.ptt == Some(true) {
                MessageKind::Voice
            } else {
                MessageKind::Audio
            };
            content.set_media(kind, m, m.mimetype.clone(), None);
            m.context_info.as_option()
        } else if let Some(m) = base.document_message.as_option() {
            content.set_media(
                MessageKind::Document,
                m,
                m.mimetype.clone(),
                m.file_name.clone(),
            );
            // A document without a caption shows its file name.
            if content.text.is_none() {
                content.text = m.file_name.clone().or_else(|| m.title.clone());
            }
            m.context_info.as_option()
        } else if let Some(m) = base.sticker_message.as_option() {
            content.set_media(MessageKind::Sticker, m, m.mimetype.clone(), None);
            m.context_info.as_option()
        } else if let Some(m) = base.location_message.as_option() {
            content.kind = Some(MessageKind::Location);
            content.location = match (m.degrees_latitude, m.degrees_longitude) {
                (Some(latitude), Some(longitude)) => Some(Location {
                    latitude,
                    longitude,
                }),
                _ => None,
            };
            content.text = [m.name.as_deref(), m.address.as_deref()]
                .into_iter()
                .flatten()
                .find(|t| !t.is_empty())
                .map(str::to_string);
            m.context_info.as_option()
        } else if let Some(m) = base.contact_message.as_option() {
            content.kind = Some(MessageKind::Contact);
            content.text = m.display_name.clone();
            m.context_info.as_option()
        } else if let Some(m) = base.extended_text_message.as_option() {
            content.kind = content.text.is_some().then_some(MessageKind::Text);
            m.context_info.as_option()
        } else {
            content.kind = content.text.is_some().then_some(MessageKind::Text);
            None
        };
        content.quoted = context.and_then(quoted_of);
        content
    }

    fn set_media(
        &mut self,
        kind: MessageKind,
        media: &'a dyn Downloadable,
        mime: Option<String>,
        file_name: Option<String>,
    ) {
        self.kind = Some(kind);
        self.media = Some(media);
        self.mime = mime;
        self.file_name = file_name;
    }

    /// Where the media is served, when the message names all a download needs.
    fn source(&self) -> Option<MediaSource> {
        let media = self.media?;
        Some(MediaSource {
            direct_path: media.direct_path().filter(|p| !p.is_empty())?.to_string(),
            media_key: media.media_key().map(<[u8]>::to_vec),
            file_sha256: media.file_sha256()?.to_vec(),
            file_enc_sha256: media.file_enc_sha256().map(<[u8]>::to_vec),
            file_length: media.file_length().unwrap_or(0),
            mime: self.mime.clone(),
            file_name: self.file_name.clone(),
        })
    }
}

/// The message a reply quotes: its id, and its text as the reply carried it.
fn quoted_of(context: &wa::ContextInfo) -> Option<QuotedMessage> {
    let id = context.stanza_id.clone().filter(|id| !id.is_empty())?;
    let text = context.quoted_message.as_option().and_then(|quoted| {
        let base = quoted.get_base_message();
        base.text_content()
            .or_else(|| base.get_caption())
            .map(str::to_string)
    });
    Some(QuotedMessage { id, text })
}

/// One incoming message, translated, with what the actor may still do about it.
pub(crate) struct Incoming {
    pub upsert: MessageUpsert,
    pub is_group: bool,
    pub receipt: ReadReceipt,
}

impl Incoming {
    pub(super) fn from_inbound(inbound: &InboundMessage) -> Option<Incoming> {
        let source = &inbound.info.source;
        if !is_chat(&source.chat) {
            return None;
        }
        let content = MessageContent::of(&inbound.message);
        let kind = content.kind?;
        let chat_jid = source.chat.to_non_ad_string();
        let media = content.source();
        Some(Incoming {
            upsert: MessageUpsert {
                chat_jid,
                id: inbound.info.id.to_string(),
                from_me: source.is_from_me,
                sender: Some(source.sender.to_non_ad_string()),
                sender_name: Some(inbound.info.push_name.clone()).filter(|n| !n.is_empty()),
                timestamp: inbound.info.timestamp.timestamp_millis(),
                text: content.text,
                kind,
                quoted: content.quoted,
                location: content.location,
                delivery: None,
                source: media,
            },
            is_group: source.is_group,
            receipt: ReadReceipt {
                chat: source.chat.clone(),
                sender: source.is_group.then(|| source.sender.clone()),
                id: inbound.info.id.to_string(),
                from_me: source.is_from_me,
            },
        })
    }
}

/// What a read receipt for one message needs.
#[derive(Clone)]
pub(crate) struct ReadReceipt {
    pub(super) chat: Jid,
    pub(super) sender: Option<Jid>,
    pub(super) id: String,
    pub(super) from_me: bool,
}

/// An incoming call offer.
pub(crate) struct CallOffer(pub(super) Box<IncomingCall>);

impl CallOffer {
    pub(crate) fn caller(&self) -> String {
        self.0.from.to_non_ad_string()
    }
}
