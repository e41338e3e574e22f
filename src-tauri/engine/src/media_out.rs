//! A stored media file handed out of the store: saved where the person chose ("Save
//! as…"), or copied for the system's app to open. Always read through the store (this
//! computer or the instance's bucket, see `media_file`), never from a path the caller
//! names, and written beside its destination, renamed into place only when complete.

use std::io::Write;
use std::path::{Path, PathBuf};

use sqlx::Row;
use tracing::{info, instrument};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::export::destination::Destination;
use crate::{paths, validate};

/// The folder of an instance's copies opened with the system's app: one folder per
/// chat, so deleting the chat (or the instance) takes its copies too.
pub(crate) fn opened_dir(instance_dir: &Path, chat_jid: &str) -> PathBuf {
    instance_dir.join("opened").join(chat_jid)
}

impl Engine {
    /// Writes a message's stored file to `destination` (an absolute path in an existing
    /// folder; a file there is replaced once the copy is complete). Answers its size.
    #[instrument(skip_all, fields(name = %name, message_id = %message_id))]
    pub async fn save_media(
        &self,
        name: &str,
        chat: &str,
        message_id: &str,
        destination: &str,
    ) -> Result<u64> {
        let destination = Destination::any_file(destination)?;
        let bytes = self
            .write_media(name, chat, message_id, &destination)
            .await?;
        info!(bytes, "media saved");
        Ok(bytes)
    }

    /// A copy of a message's stored file, kept with the chat's data under the stored
    /// file's own name, for the system's app to open; answers its path.
    #[instrument(skip_all, fields(name = %name, message_id = %message_id))]
    pub async fn media_to_open(&self, name: &str, chat: &str, message_id: &str) -> Result<PathBuf> {
        let id = self.id_of(name)?;
        let jid = validate::chat_jid(chat)?;
        let file_name = stored_file_name(self, &id, &jid, message_id).await?;
        let folder = opened_dir(&self.paths().instance_dir(&id), &jid);
        paths::create_private_dir(&folder)?;
        let path = folder.join(file_name);
        let destination = Destination::any_file(&path.to_string_lossy())?;
        self.write_media(name, chat, message_id, &destination)
            .await?;
        Ok(path)
    }

    async fn write_media(
        &self,
        name: &str,
        chat: &str,
        message_id: &str,
        destination: &Destination,
    ) -> Result<u64> {
        let file = self.media_file(name, chat, message_id).await?;
        let mut temporary = destination.temporary()?;
        temporary.write_all(&file.bytes)?;
        destination.commit(temporary)
    }
}

/// The stored file's name (`<message id>.<extension>`), checked to be a plain name.
async fn stored_file_name(
    engine: &Engine,
    id: &str,
    jid: &str,
    message_id: &str,
) -> Result<String> {
    let missing =
        || Error::MediaNotFound(format!("no media for message '{message_id}' in chat {jid}"));
    let row = sqlx::query(
        "SELECT path FROM media WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
    )
    .bind(id)
    .bind(jid)
    .bind(message_id)
    .fetch_optional(engine.db())
    .await?
    .ok_or_else(missing)?;
    let relative: String = row.try_get("path")?;
    if !paths::is_safe_media_path(&relative) {
        return Err(missing());
    }
    Path::new(&relative)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(missing)
}
