//! Answering a chat: a text (optionally quoting a message) or a file, sent through the
//! instance's connected client. Everything is checked before WhatsApp is touched, and
//! the message is stored (with its file) only once WhatsApp took it, so a failed send
//! leaves nothing behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::instrument;

use crate::actor::media;
use crate::chat_store;
use crate::conversation::{ChatMessage, Delivery, MessageKind, QuotedMessage, SendMedia, SendText};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::history;
use crate::model::{now_millis, WebhookEvent};
use crate::outbox::{self, CAPTION_MAX_CHARS, TEXT_MAX_CHARS};
use crate::paths;
use crate::records::{MediaSaved, MessageUpsert, Receipts};
use crate::validate;
use crate::wa::{Outgoing, OutgoingMedia, Quote};
use crate::webhook::MessageData;

/// Bound on an upload plus a send; a 100 MB document on a slow line still fits.
const SEND_TIMEOUT: Duration = Duration::from_secs(300);

/// A message on its way: where to, what, and what to store once it is sent.
struct Draft {
    jid: String,
    kind: MessageKind,
    text: Option<String>,
    quoted: Option<QuotedMessage>,
    outgoing: Outgoing,
}

/// What MESSAGES_UPDATE carries: receipts moved these messages of a chat forward.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryData<'a> {
    chat_jid: &'a str,
    message_ids: &'a [String],
    delivery: &'static str,
}

/// The file of a message being sent, kept once it is sent.
struct SentFile {
    mime: String,
    file_name: Option<String>,
    bytes: Vec<u8>,
}

impl Engine {
    /// Sends a text to a chat; answers the stored message (delivery `sent`).
    #[instrument(skip_all, fields(name = %name))]
    pub async fn send_text(&self, name: &str, input: SendText) -> Result<ChatMessage> {
        let key = validate::name(name)?;
        let jid = validate::chat_jid(&input.chat)?;
        outbox::check_text(&input.text, TEXT_MAX_CHARS, "text")?;
        let id = self.live(&key, name)?.0;
        let (quote, quoted) = self.quote(&id, &jid, input.quote.as_deref()).await?;
        let draft = Draft {
            jid,
            kind: MessageKind::Text,
            text: Some(input.text.clone()),
            quoted,
            outgoing: Outgoing {
                text: Some(input.text),
                quote,
                media: None,
            },
        };
        self.send(name, &key, draft).await
    }

    /// Sends a file with an optional caption; answers the stored message with its file.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn send_media(&self, name: &str, input: SendMedia) -> Result<ChatMessage> {
        let key = validate::name(name)?;
        let jid = validate::chat_jid(&input.chat)?;
        let path = PathBuf::from(&input.path);
        let caption = input.caption.filter(|c| !c.is_empty());
        if let Some(caption) = &caption {
            outbox::check_text(caption, CAPTION_MAX_CHARS, "caption")?;
        }
        let plan = outbox::plan_media(&path, input.kind, caption.as_deref())?;
        let id = self.live(&key, name)?.0;
        let (quote, quoted) = self.quote(&id, &jid, input.quote.as_deref()).await?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| Error::FileNotFound(format!("cannot read {}: {e}", path.display())))?;
        if bytes.len() as u64 > outbox::size_limit(plan.kind) {
            return Err(Error::MediaTooLarge(format!(
                "{} grew past WhatsApp's limit while it was read",
                path.display()
            )));
        }
        let draft = Draft {
            jid,
            kind: plan.kind,
            text: caption
                .clone()
                .or_else(|| (plan.kind == MessageKind::Document).then(|| plan.file_name.clone())),
            quoted,
            outgoing: Outgoing {
                text: caption,
                quote,
                media: Some(OutgoingMedia {
                    kind: plan.kind,
                    bytes,
                    mime: plan.mime,
                    file_name: Some(plan.file_name),
                }),
            },
        };
        self.send(name, &key, draft).await
    }

    /// The stored message a new one quotes; `message_not_found` unless it is in the chat.
    async fn quote(
        &self,
        id: &str,
        jid: &str,
        quote: Option<&str>,
    ) -> Result<(Option<Quote>, Option<QuotedMessage>)> {
        let Some(quote) = quote else {
            return Ok((None, None));
        };
        let dir = self.paths().instance_dir(id);
        let found = history::message(self.db(), id, jid, quote, &dir)
            .await?
            .ok_or_else(|| Error::MessageNotFound(format!("no message '{quote}' in {jid}")))?;
        let quoted = QuotedMessage {
            id: found.id.clone(),
            text: found.text.clone(),
        };
        let author = if found.from_me { None } else { found.sender };
        Ok((
            Some(Quote {
                id: found.id,
                author,
                text: found.text,
            }),
            Some(quoted),
        ))
    }

    async fn send(&self, name: &str, key: &str, draft: Draft) -> Result<ChatMessage> {
        let (id, slot) = self.live(key, name)?;
        let sent = async {
            let remote = self.connected_remote(&slot, name).await?;
            // The upload takes the bytes; the copy kept here is written once WhatsApp
            // took the message.
            let file = draft.outgoing.media.as_ref().map(|m| SentFile {
                mime: m.mime.clone(),
                file_name: m.file_name.clone(),
                bytes: m.bytes.clone(),
            });
            let message_id = remote
                .send(&draft.jid, draft.outgoing, SEND_TIMEOUT)
                .await?;
            Ok::<_, Error>((message_id, file))
        }
        .await
        .map_err(|e| self.explain(&id, name, e))?;
        let (message_id, file) = sent;
        let upsert = MessageUpsert {
            chat_jid: draft.jid.clone(),
            id: message_id.clone(),
            from_me: true,
            timestamp: now_millis(),
            text: draft.text,
            kind: draft.kind,
            quoted: draft.quoted,
            delivery: Some(Delivery::Sent),
            ..Default::default()
        };
        let stored = async {
            chat_store::store_messages(self.db(), &id, std::slice::from_ref(&upsert)).await?;
            if let Some(file) = file {
                let saved = self.keep_sent_file(&id, &draft.jid, &message_id, &file)?;
                chat_store::store_media(self.db(), &id, &saved).await?;
            }
            self.apply_early_receipts(&id, &draft.jid, &message_id)
                .await?;
            let dir = self.paths().instance_dir(&id);
            history::message(self.db(), &id, &draft.jid, &message_id, &dir)
                .await?
                .ok_or_else(|| Error::storage("the sent message was not stored"))
        }
        .await
        .map_err(|e| self.explain(&id, name, e))?;
        self.webhook(&id, WebhookEvent::SendMessage, &[MessageData::of(&upsert)])
            .await;
        self.emit(EngineEvent::MessagesAdded {
            instance_id: id.clone(),
            chat_jid: draft.jid,
        });
        self.emit(EngineEvent::ChatsChanged { instance_id: id });
        Ok(stored)
    }

    /// Receipts that came before the message was stored, applied now in their order.
    async fn apply_early_receipts(&self, id: &str, jid: &str, message_id: &str) -> Result<()> {
        let mut early = self.early_receipts().lock().await;
        for delivery in early.take(id, jid, message_id) {
            let receipts = Receipts {
                chat_jid: jid.to_string(),
                message_ids: vec![message_id.to_string()],
                delivery,
            };
            let moved = chat_store::set_delivery(self.db(), id, &receipts).await?;
            self.announce_delivery(id, jid, moved, delivery).await;
        }
        Ok(())
    }

    /// Tells that receipts moved messages forward.
    pub(crate) async fn announce_delivery(
        &self,
        id: &str,
        jid: &str,
        message_ids: Vec<String>,
        delivery: Delivery,
    ) {
        if message_ids.is_empty() {
            return;
        }
        let data = DeliveryData {
            chat_jid: jid,
            message_ids: &message_ids,
            delivery: delivery.as_str(),
        };
        self.webhook(id, WebhookEvent::MessagesUpdate, &data).await;
        self.emit(EngineEvent::MessageDelivery {
            instance_id: id.to_string(),
            chat_jid: jid.to_string(),
            message_ids,
            delivery,
        });
    }

    /// Keeps a copy of a sent file in the chat's media folder, as received files are.
    fn keep_sent_file(
        &self,
        id: &str,
        jid: &str,
        message_id: &str,
        file: &SentFile,
    ) -> Result<MediaSaved> {
        let media_dir = self.paths().media_dir(id);
        let extension = media::extension_for(Some(&file.mime), file.file_name.as_deref());
        let path = media::media_path(&media_dir, jid, message_id, &extension);
        write_private(&path, &file.bytes)?;
        let base = self.paths().instance_dir(id);
        let relative = path.strip_prefix(&base).unwrap_or(&path);
        Ok(MediaSaved {
            chat_jid: jid.to_string(),
            message_id: message_id.to_string(),
            relative_path: relative.to_string_lossy().into_owned(),
            bytes: file.bytes.len() as u64,
            mime: Some(file.mime.clone()),
        })
    }
}

/// Writes a file readable by the owner only, never half-written under its name.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let folder = path
        .parent()
        .ok_or_else(|| Error::io("media path has no folder"))?;
    paths::create_private_dir(folder)?;
    let partial = path.with_extension("part");
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&partial, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::io_caused(
            format!("cannot keep {}", path.display()),
            e,
        ));
    }
    Ok(())
}
