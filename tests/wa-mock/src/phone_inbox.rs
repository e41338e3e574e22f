//! A contact's phone receiving what a linked device sends it: it decrypts the
//! Signal payload with the contact's session, decodes the message, fetches any
//! file from the media host and checks it against the message's hashes, keeps
//! a plain account of it for the admin API, and only then sends its receipts.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::{self, UnboundedSender};
use wacore::download::{DownloadUtils, MediaType};
use wacore_binary::Node;
use waproto::whatsapp as wa;

use crate::media::MediaStore;
use crate::registry::{ConnHandle, Outbound};
use crate::session::{attr, node_bytes};
use crate::{stanza, Shared};

/// How long the contact's phone takes to open a message it got.
const READ_AFTER: Duration = Duration::from_millis(300);

/// What a received message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceivedKind {
    Text,
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    /// Decrypted, but none of the kinds above.
    Other,
    /// The phone could not decrypt or decode it (see `error`).
    Unreadable,
}

/// How a received file compared with what its message says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaCheck {
    /// Both hashes and the length match.
    Ok,
    /// The message lacks the path, key or hashes to fetch and check the file.
    Incomplete,
    /// The media host has no file at the message's path.
    NotOnHost,
    /// The encrypted file's SHA-256 is not the message's `file_enc_sha256`.
    EncSha256Mismatch,
    /// The media key does not open the file (MAC or padding).
    Undecryptable,
    /// The decrypted file's SHA-256 is not the message's `file_sha256`.
    Sha256Mismatch,
    /// The decrypted file is not `file_length` bytes.
    LengthMismatch,
}

/// A file a received message carried, as the phone found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedMedia {
    pub mimetype: Option<String>,
    pub file_name: Option<String>,
    /// Bytes of the decrypted file; 0 when it could not be fetched or opened.
    pub size: u64,
    /// Hex SHA-256 of the decrypted file.
    pub sha256: Option<String>,
    pub check: MediaCheck,
}

/// One message a contact's phone received from a linked device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneReceived {
    pub id: String,
    /// The device that sent it (`<phone>:<device>@s.whatsapp.net`).
    pub from: String,
    pub kind: ReceivedKind,
    /// The text, or the media's caption.
    pub text: Option<String>,
    /// The id of the message this one quotes.
    pub quoted_id: Option<String>,
    pub media: Option<ReceivedMedia>,
    /// The Signal message it came in: `pkmsg` (starting the session) or `msg`.
    pub signal: Option<String>,
    /// Why the phone could not read it.
    pub error: Option<String>,
}

/// A message for a contact, as the session hands it over.
pub struct ToContact {
    pub contact: String,
    pub device: (String, u32),
    pub node: Node,
}

/// Starts the phones' reader for one connection: messages are read one at a
/// time, in the order the device sent them, as each session needs.
pub fn spawn_reader(shared: Arc<Shared>, conn: ConnHandle) -> UnboundedSender<ToContact> {
    let (tx, mut rx) = mpsc::unbounded_channel::<ToContact>();
    tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            let entry = receive(&shared, &message).await;
            let phone = message
                .contact
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned();
            let readable = entry.error.is_none();
            let id = entry.id.clone();
            shared.registry.add_phone_received(&phone, entry);
            // An unreadable message gets no receipt, as a phone would not confirm it.
            if readable {
                let to = message.contact;
                conn.send(Outbound::Send(stanza::receipt(&id, &to, None)));
                let conn = conn.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(READ_AFTER).await;
                    conn.send(Outbound::Send(stanza::receipt(&id, &to, Some("read"))));
                });
            }
        }
    });
    tx
}

/// Decrypts, decodes and checks one message; an error is kept in the entry.
async fn receive(shared: &Shared, message: &ToContact) -> PhoneReceived {
    let (phone, device_id) = &message.device;
    let mut entry = PhoneReceived {
        id: attr(&message.node, "id"),
        from: format!("{phone}:{device_id}@s.whatsapp.net"),
        kind: ReceivedKind::Unreadable,
        text: None,
        quoted_id: None,
        media: None,
        signal: None,
        error: None,
    };
    let user = message.contact.split('@').next().unwrap_or_default();
    let Some(enc) = enc_for(&message.node, user) else {
        entry.error = Some("no <enc> for the contact's phone".into());
        return entry;
    };
    entry.signal = Some(attr(enc, "type"));
    match open(shared, message, enc).await {
        Ok(content) => {
            let found = describe(&content);
            entry.kind = found.kind;
            entry.text = found.text;
            entry.quoted_id = found.quoted_id;
            entry.media = found.media.map(|m| check_media(&shared.media, &m));
        }
        Err(e) => entry.error = Some(format!("{e:#}")),
    }
    entry
}

/// The decrypted message of `enc`, the payload addressed to the contact's phone.
async fn open(shared: &Shared, message: &ToContact, enc: &Node) -> anyhow::Result<wa::Message> {
    let (cipher, signed_prekey) = shared
        .registry
        .contact_session(&message.contact, &message.device)?;
    let padded = cipher
        .lock()
        .await
        .decrypt(
            &attr(enc, "type"),
            node_bytes(enc),
            message.device.1,
            &signed_prekey,
        )
        .await?;
    let version = attr(enc, "v").parse::<u8>().unwrap_or(2);
    wacore::messages::decode_plaintext(&padded, version)
}

/// The `<enc>` for the phone (device 0) of `user`: in `<participants>`, or
/// directly under the message.
fn enc_for<'a>(node: &'a Node, user: &str) -> Option<&'a Node> {
    let Some(participants) = node.get_optional_child("participants") else {
        return node.get_optional_child("enc");
    };
    participants
        .get_children_by_tag("to")
        .find(|to| {
            let jid = attr(to, "jid");
            let address = jid.split('@').next().unwrap_or_default();
            let (to_user, device) = address.split_once(':').unwrap_or((address, "0"));
            to_user == user && device == "0"
        })
        .and_then(|to| to.get_optional_child("enc"))
}

/// What a file's message says about it.
struct MediaPointer {
    media_type: MediaType,
    direct_path: Option<String>,
    url: Option<String>,
    media_key: Option<Vec<u8>>,
    file_sha256: Option<Vec<u8>>,
    file_enc_sha256: Option<Vec<u8>>,
    file_length: Option<u64>,
    mimetype: Option<String>,
    file_name: Option<String>,
}

struct Described {
    kind: ReceivedKind,
    text: Option<String>,
    quoted_id: Option<String>,
    media: Option<MediaPointer>,
}

fn describe(message: &wa::Message) -> Described {
    // Every media message carries the same pointer fields and context.
    macro_rules! media {
        ($m:expr, $kind:expr, $media_type:expr, $text:expr, $file_name:expr) => {{
            let m = $m;
            Described {
                kind: $kind,
                text: $text,
                quoted_id: m.context_info.as_option().and_then(|c| c.stanza_id.clone()),
                media: Some(MediaPointer {
                    media_type: $media_type,
                    direct_path: m.direct_path.clone(),
                    url: m.url.clone(),
                    media_key: m.media_key.clone(),
                    file_sha256: m.file_sha256.clone(),
                    file_enc_sha256: m.file_enc_sha256.clone(),
                    file_length: m.file_length,
                    mimetype: m.mimetype.clone(),
                    file_name: $file_name,
                }),
            }
        }};
    }
    if let Some(text) = &message.conversation {
        return Described {
            kind: ReceivedKind::Text,
            text: Some(text.clone()),
            quoted_id: None,
            media: None,
        };
    }
    if let Some(m) = message.extended_text_message.as_option() {
        return Described {
            kind: ReceivedKind::Text,
            text: m.text.clone(),
            quoted_id: m.context_info.as_option().and_then(|c| c.stanza_id.clone()),
            media: None,
        };
    }
    if let Some(m) = message.image_message.as_option() {
        return media!(
            m,
            ReceivedKind::Image,
            MediaType::Image,
            m.caption.clone(),
            None
        );
    }
    if let Some(m) = message.video_message.as_option() {
        return media!(
            m,
            ReceivedKind::Video,
            MediaType::Video,
            m.caption.clone(),
            None
        );
    }
    if let Some(m) = message.audio_message.as_option() {
        return media!(m, ReceivedKind::Audio, MediaType::Audio, None, None);
    }
    if let Some(m) = message.document_message.as_option() {
        let name = m.file_name.clone();
        return media!(
            m,
            ReceivedKind::Document,
            MediaType::Document,
            m.caption.clone(),
            name
        );
    }
    if let Some(m) = message.sticker_message.as_option() {
        return media!(m, ReceivedKind::Sticker, MediaType::Sticker, None, None);
    }
    Described {
        kind: ReceivedKind::Other,
        text: None,
        quoted_id: None,
        media: None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fetches the file the message points at and checks it against the message.
fn check_media(store: &MediaStore, m: &MediaPointer) -> ReceivedMedia {
    let mut found = ReceivedMedia {
        mimetype: m.mimetype.clone(),
        file_name: m.file_name.clone(),
        size: 0,
        sha256: None,
        check: MediaCheck::Incomplete,
    };
    let path = m.direct_path.clone().or_else(|| {
        let url = m.url.as_deref()?;
        let after_scheme = url.strip_prefix("https://")?;
        after_scheme.find('/').map(|i| after_scheme[i..].to_owned())
    });
    let (Some(path), Some(key), Some(sha), Some(enc_sha)) =
        (path, &m.media_key, &m.file_sha256, &m.file_enc_sha256)
    else {
        return found;
    };
    let path = path.split('?').next().unwrap_or_default();
    let Some(blob) = store.encrypted(path) else {
        found.check = MediaCheck::NotOnHost;
        return found;
    };
    if Sha256::digest(&blob).as_slice() != enc_sha.as_slice() {
        found.check = MediaCheck::EncSha256Mismatch;
        return found;
    }
    let Ok(file) = DownloadUtils::verify_and_decrypt(&blob, key, m.media_type) else {
        found.check = MediaCheck::Undecryptable;
        return found;
    };
    let digest = Sha256::digest(&file);
    found.size = file.len() as u64;
    found.sha256 = Some(hex(&digest));
    found.check = if digest.as_slice() != sha.as_slice() {
        MediaCheck::Sha256Mismatch
    } else if m.file_length != Some(found.size) {
        MediaCheck::LengthMismatch
    } else {
        MediaCheck::Ok
    };
    found
}
