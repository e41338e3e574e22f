//! Sending: a text (optionally quoting a message) or a media file with a caption, as
//! the WhatsApp message that carries it, uploaded and sent through the client.

use std::time::Duration;

use whatsapp_rust::upload::UploadOptions;
use whatsapp_rust::wacore::download::MediaType;
use whatsapp_rust::waproto::whatsapp as wa;

use super::chat::parse_chat_jid;
use super::remote::Remote;
use crate::conversation::MessageKind;
use crate::error::{Error, Result};

/// A stored message the new one quotes.
pub(crate) struct Quote {
    pub id: String,
    /// The quoted message's author: none when this device sent it.
    pub author: Option<String>,
    pub text: Option<String>,
}

/// A file to send, already checked against the engine's media rules.
pub(crate) struct OutgoingMedia {
    pub kind: MessageKind,
    pub bytes: Vec<u8>,
    pub mime: String,
    pub file_name: Option<String>,
}

/// What to send: a text, or a file with an optional caption.
pub(crate) struct Outgoing {
    pub text: Option<String>,
    pub quote: Option<Quote>,
    pub media: Option<OutgoingMedia>,
}

impl Remote {
    /// Uploads the file (if any) and sends the message; answers WhatsApp's message id.
    pub(crate) async fn send(
        &self,
        chat: &str,
        out: Outgoing,
        timeout: Duration,
    ) -> Result<String> {
        let chat = parse_chat_jid(chat)?;
        let own = self.0.pn().map(|j| j.to_non_ad_string());
        let context = out.quote.as_ref().map(|q| quote_context(q, own.as_deref()));
        let message = match &out.media {
            None => text_message(out.text.clone().unwrap_or_default(), context),
            Some(media) => {
                let uploaded = tokio::time::timeout(
                    timeout,
                    Box::pin(self.0.upload(
                        media.bytes.clone(),
                        media_type(media.kind),
                        UploadOptions::default(),
                    )),
                )
                .await
                .map_err(|_| Error::Timeout("the media upload got no answer".into()))?
                .map_err(|e| Error::WhatsApp(format!("the media upload failed: {e}")))?;
                media_message(media, &uploaded, out.text.clone(), context)
            }
        };
        let sent = tokio::time::timeout(timeout, Box::pin(self.0.send_message(chat, message)))
            .await
            .map_err(|_| Error::Timeout("the message got no answer".into()))?
            .map_err(|e| Error::WhatsApp(format!("the message was not sent: {e}")))?;
        Ok(sent.message_id)
    }
}

fn quote_context(quote: &Quote, own: Option<&str>) -> wa::ContextInfo {
    let quoted = wa::Message {
        conversation: quote.text.clone(),
        ..Default::default()
    };
    wa::ContextInfo {
        stanza_id: Some(quote.id.clone()),
        participant: quote.author.clone().or_else(|| own.map(str::to_string)),
        quoted_message: buffa_some(quoted),
        ..Default::default()
    }
}

fn buffa_some<T: Default>(value: T) -> whatsapp_rust::waproto::buffa::MessageField<T> {
    whatsapp_rust::waproto::buffa::MessageField::some(value)
}

fn text_message(text: String, context: Option<wa::ContextInfo>) -> wa::Message {
    match context {
        // A reply needs the extended form: a bare conversation carries no context.
        Some(context) => wa::Message {
            extended_text_message: buffa_some(wa::message::ExtendedTextMessage {
                text: Some(text),
                context_info: buffa_some(context),
                ..Default::default()
            }),
            ..Default::default()
        },
        None => wa::Message {
            conversation: Some(text),
            ..Default::default()
        },
    }
}

fn media_type(kind: MessageKind) -> MediaType {
    match kind {
        MessageKind::Image => MediaType::Image,
        MessageKind::Video => MediaType::Video,
        MessageKind::Audio | MessageKind::Voice => MediaType::Audio,
        MessageKind::Sticker => MediaType::Sticker,
        _ => MediaType::Document,
    }
}

fn media_message(
    media: &OutgoingMedia,
    up: &whatsapp_rust::upload::UploadResponse,
    caption: Option<String>,
    context: Option<wa::ContextInfo>,
) -> wa::Message {
    let context = context.map(buffa_some).unwrap_or_default();
    // Every kind carries the same pointer to the uploaded blob; only the type differs.
    macro_rules! pointer {
        ($ty:ty) => {{
            let mut m = <$ty>::default();
            m.url = Some(up.url.clone());
            m.direct_path = Some(up.direct_path.clone());
            m.media_key = Some(up.media_key.to_vec());
            m.file_sha256 = Some(up.file_sha256.to_vec());
            m.file_enc_sha256 = Some(up.file_enc_sha256.to_vec());
            m.file_length = Some(up.file_length);
            m.mimetype = Some(media.mime.clone());
            m.media_key_timestamp = Some(up.media_key_timestamp);
            m.context_info = context;
            m
        }};
    }
    let mut message = wa::Message::default();
    match media.kind {
        MessageKind::Image => {
            let mut m = pointer!(wa::message::ImageMessage);
            m.caption = caption;
            message.image_message = buffa_some(m);
        }
        MessageKind::Video => {
            let mut m = pointer!(wa::message::VideoMessage);
            m.caption = caption;
            m.streaming_sidecar = up.streaming_sidecar.clone();
            message.video_message = buffa_some(m);
        }
        MessageKind::Audio | MessageKind::Voice => {
            let mut m = pointer!(wa::message::AudioMessage);
            m.ptt = Some(media.kind == MessageKind::Voice);
            m.streaming_sidecar = up.streaming_sidecar.clone();
            message.audio_message = buffa_some(m);
        }
        _ => {
            let mut m = pointer!(wa::message::DocumentMessage);
            m.file_name = media.file_name.clone();
            m.title = media.file_name.clone();
            m.caption = caption;
            message.document_message = buffa_some(m);
        }
    }
    message
}
