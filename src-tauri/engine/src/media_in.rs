//! Received media kept: a file the actor downloaded as it arrived, or one a person asks
//! for later, while WhatsApp still serves it. Both are stored the same way (the local
//! folder, then the instance's bucket when it has one) and announced the same way.

use tracing::{info, instrument};

use crate::actor::media::{self, Download};
use crate::chat_store;
use crate::conversation::ChatMessage;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::history;
use crate::records::MediaSaved;
use crate::validate;

/// Longest message id accepted; WhatsApp's are a few dozen characters.
const MESSAGE_ID_MAX: usize = 128;

impl Engine {
    /// Downloads the media of a received message that has no file yet, checks it
    /// against the hashes its message named and stores it; answers the message with
    /// its file. A message whose file is already stored answers at once. A failure
    /// leaves no file and no row behind.
    #[instrument(skip_all, fields(name = %name, message_id = %message_id))]
    pub async fn download_media(
        &self,
        name: &str,
        chat: &str,
        message_id: &str,
    ) -> Result<ChatMessage> {
        let key = validate::name(name)?;
        let jid = validate::chat_jid(chat)?;
        if message_id.trim().is_empty() || message_id.len() > MESSAGE_ID_MAX {
            return Err(Error::MessageNotFound(format!(
                "'{message_id}' is not a message id"
            )));
        }
        let id = self.id_of(name)?;
        let dir = self.paths().instance_dir(&id);
        let message = history::message(self.db(), &id, &jid, message_id, &dir)
            .await?
            .ok_or_else(|| Error::MessageNotFound(format!("no message '{message_id}' in {jid}")))?;
        if message.file.is_some() {
            return Ok(message);
        }
        if !message.kind.has_media() {
            return Err(Error::NoMedia(format!(
                "message '{message_id}' is a {} message: it has no file to download",
                message.kind.as_str()
            )));
        }
        let source = chat_store::media_source(self.db(), &id, &jid, message_id)
            .await?
            .ok_or_else(|| {
                Error::NoMedia(format!(
                    "message '{message_id}' arrived without the details a download needs"
                ))
            })?;
        let (_, slot) = self.live(&key, name)?;
        let remote = self.connected_remote(&slot, name).await?;
        let job = Download {
            instance_id: id.clone(),
            media_dir: self.paths().media_dir(&id),
            chat_jid: jid.clone(),
            message_id: message_id.to_string(),
            kind: message.kind,
            source,
        };
        let saved = media::write(&remote, &job)
            .await
            .map_err(|e| self.explain(&id, name, e))?;
        let bytes = saved.bytes;
        let stored = self
            .keep_media(&id, &saved)
            .await
            .map_err(|e| self.explain(&id, name, e))?;
        info!(bytes, "media downloaded on demand");
        Ok(stored)
    }

    /// Records a downloaded file, queues it for the bucket when there is one, and tells
    /// the open conversation; answers the message with its file. A file whose row
    /// cannot be written is removed again.
    pub(crate) async fn keep_media(&self, id: &str, saved: &MediaSaved) -> Result<ChatMessage> {
        let dir = self.paths().instance_dir(id);
        let recorded = chat_store::store_media(self.db(), id, saved).await;
        let queued = match recorded {
            Ok(queued) => queued,
            Err(e) => {
                let _ = std::fs::remove_file(dir.join(&saved.relative_path));
                return Err(e);
            }
        };
        if queued {
            self.wake_uploads();
        }
        let jid = chat_store::canonical(&saved.chat_jid);
        let message = history::message(self.db(), id, &jid, &saved.message_id, &dir)
            .await?
            .ok_or_else(|| Error::storage("the message of a stored file is gone"))?;
        self.emit(EngineEvent::ChatsChanged {
            instance_id: id.to_string(),
        });
        self.emit(EngineEvent::MediaStored {
            instance_id: id.to_string(),
            chat_jid: jid,
            message: message.clone(),
        });
        Ok(message)
    }
}
