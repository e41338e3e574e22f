//! Messages from the account's contacts to a linked device, Signal-encrypted
//! per device as WhatsApp delivers them.

use base64::prelude::{Engine as _, BASE64_STANDARD};
use serde::Deserialize;
use waproto::buffa::{Message as _, MessageField};
use waproto::whatsapp as wa;

use crate::error::MockError;
use crate::media::{MediaKind, MediaStore};
use crate::phone_signal::Encrypted;
use crate::registry::{Outbound, OutgoingToDevice};
use crate::{stanza, Shared};
use wacore::libsignal::protocol::SenderKeyName;

/// Body of `POST /devices/{jid}/messages`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingMessage {
    pub chat: String,
    pub from: String,
    /// The text, or the caption of `media`.
    pub text: Option<String>,
    pub media: Option<IncomingMedia>,
}

/// Which media message a file arrives as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncomingMediaKind {
    Image,
    Document,
    Audio,
    Video,
}

/// A file a contact sends, as the admin API takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingMedia {
    pub kind: IncomingMediaKind,
    pub mime: String,
    pub file_name: Option<String>,
    pub bytes_base64: String,
}

/// A media file that passed validation, not yet uploaded.
pub(crate) struct MediaFile<'a> {
    media: &'a IncomingMedia,
    bytes: Vec<u8>,
}

impl<'a> MediaFile<'a> {
    /// Checks the MIME type, decodes the file and refuses an audio caption.
    pub fn parse(media: &'a IncomingMedia, caption: Option<&str>) -> Result<Self, MockError> {
        let mime = media.mime.trim();
        if mime.is_empty() || !mime.contains('/') {
            return Err(MockError::BadRequest(
                "media.mime must be a type/subtype".into(),
            ));
        }
        let bytes = BASE64_STANDARD
            .decode(media.bytes_base64.trim())
            .map_err(|e| MockError::BadRequest(format!("media.bytes_base64: {e}")))?;
        if bytes.is_empty() {
            return Err(MockError::BadRequest("media file is empty".into()));
        }
        if media.kind == IncomingMediaKind::Audio && caption.is_some() {
            return Err(MockError::BadRequest("audio has no caption".into()));
        }
        Ok(Self { media, bytes })
    }

    /// Uploads the file encrypted to the CDN and builds the message that
    /// points at it, with `caption` where the kind has one.
    pub fn upload(
        &self,
        store: &MediaStore,
        caption: Option<&str>,
    ) -> Result<wa::Message, MockError> {
        let kind = match self.media.kind {
            IncomingMediaKind::Image => MediaKind::Image,
            IncomingMediaKind::Document => MediaKind::Document,
            IncomingMediaKind::Audio => MediaKind::Audio,
            IncomingMediaKind::Video => MediaKind::Video,
        };
        let up = store.upload(&self.bytes, kind)?;
        let url = format!("https://{}{}", store.hostname(), up.direct_path);
        let mime = self.media.mime.trim().to_owned();
        let caption = caption.map(str::to_owned);
        // Every kind carries the same pointer fields; only the message type differs.
        macro_rules! pointer {
            ($ty:ty) => {{
                let mut m = <$ty>::default();
                m.url = Some(url.clone());
                m.direct_path = Some(up.direct_path.clone());
                m.media_key = Some(up.media_key.to_vec());
                m.file_sha256 = Some(up.file_sha256.to_vec());
                m.file_enc_sha256 = Some(up.file_enc_sha256.to_vec());
                m.file_length = Some(up.file_length);
                m.mimetype = Some(mime.clone());
                m.media_key_timestamp = i64::try_from(up.uploaded_at).ok();
                m
            }};
        }
        let mut message = wa::Message::default();
        match self.media.kind {
            IncomingMediaKind::Image => {
                let mut m = pointer!(wa::message::ImageMessage);
                m.caption = caption;
                message.image_message = MessageField::some(m);
            }
            IncomingMediaKind::Video => {
                let mut m = pointer!(wa::message::VideoMessage);
                m.caption = caption;
                message.video_message = MessageField::some(m);
            }
            IncomingMediaKind::Audio => {
                message.audio_message = MessageField::some(pointer!(wa::message::AudioMessage));
            }
            IncomingMediaKind::Document => {
                let mut m = pointer!(wa::message::DocumentMessage);
                m.title = self.media.file_name.clone();
                m.file_name = self.media.file_name.clone();
                m.caption = caption;
                message.document_message = MessageField::some(m);
            }
        }
        Ok(message)
    }
}

/// Encrypts `msg` from its sender to the device `who` and delivers it: a
/// Signal message for a 1:1 chat; in a group, a sender-key message, preceded
/// the first time by the sender key itself, Signal-encrypted to the device.
/// Returns the message id.
pub async fn deliver(
    shared: &Shared,
    who: &str,
    msg: &IncomingMessage,
) -> Result<String, MockError> {
    let registry = &shared.registry;
    let text = msg.text.as_deref();
    if text.is_some_and(str::is_empty) {
        return Err(MockError::BadRequest("text must not be empty".into()));
    }
    let file = match (&msg.media, text) {
        (Some(media), caption) => Some(MediaFile::parse(media, caption)?),
        (None, Some(_)) => None,
        (None, None) => {
            return Err(MockError::BadRequest(
                "a message needs text or media".into(),
            ))
        }
    };
    let mut out = registry.begin_incoming(who, &msg.chat, &msg.from)?;
    let encs = encrypt_for_device(shared, &mut out, file.as_ref(), text).await;
    registry.end_incoming(
        out.sender.clone(),
        out.device.clone(),
        out.group.take(),
        encs.is_ok(),
    );
    let encs = encs?;
    let id = stanza::next_message_id();
    let kind = if file.is_some() { "media" } else { "text" };
    let participant = (msg.chat != msg.from).then_some(out.sender.as_str());
    let notify = registry.push_name_of(&out.sender);
    out.conn.send(Outbound::Send(stanza::message_from(
        &id,
        &msg.chat,
        participant,
        notify.as_deref(),
        kind,
        encs,
    )));
    Ok(id)
}

/// Builds the message content and its `<enc>` payloads for one device.
async fn encrypt_for_device(
    shared: &Shared,
    out: &mut OutgoingToDevice,
    file: Option<&MediaFile<'_>>,
    text: Option<&str>,
) -> Result<Vec<Encrypted>, MockError> {
    let message = match file {
        Some(file) => file.upload(&shared.media, text)?,
        None => wa::Message {
            conversation: text.map(str::to_owned),
            ..Default::default()
        },
    };
    let pad = wacore::messages::MessageUtils::pad_message_v2;
    let internal = |e: anyhow::Error| MockError::Internal(format!("{e:#}"));
    // Held for the whole message: the sender key travels inside this session.
    let mut cipher = out.cipher.lock().await;
    let Some(group) = out.group.as_mut() else {
        let enc = cipher
            .encrypt(&out.companion, out.device.1, &pad(message.encode_to_vec()))
            .await
            .map_err(internal)?;
        return Ok(vec![enc]);
    };
    // The receiver names the key after the group and the sender's address.
    let name = SenderKeyName::new(group.group.clone(), format!("{}.0", out.sender));
    let mut encs = Vec::with_capacity(2);
    if !group.distributed {
        let distribution = group.chain.distribution(&name).await.map_err(internal)?;
        let carrier = wa::Message {
            sender_key_distribution_message: MessageField::some(
                wa::message::SenderKeyDistributionMessage {
                    group_id: Some(group.group.clone()),
                    axolotl_sender_key_distribution_message: Some(distribution),
                },
            ),
            ..Default::default()
        };
        encs.push(
            cipher
                .encrypt(&out.companion, out.device.1, &pad(carrier.encode_to_vec()))
                .await
                .map_err(internal)?,
        );
    }
    let bytes = group
        .chain
        .encrypt(&name, &pad(message.encode_to_vec()))
        .await
        .map_err(internal)?;
    encs.push(Encrypted {
        kind: "skmsg",
        bytes,
    });
    Ok(encs)
}
