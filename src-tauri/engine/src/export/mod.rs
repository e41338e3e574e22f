//! Export: a chat, or a whole instance, written to one ZIP file that keeps its messages
//! (JSON Lines, the history's fields), a transcript that opens offline in a browser,
//! the media files, and a manifest with counts and SHA-256 hashes.
//!
//! The archive is written by streaming: rows are read a keyset page at a time from one
//! read snapshot, files are copied through a fixed buffer, so memory stays flat whatever
//! the size. It is written to a temporary file beside the destination and renamed into
//! place only when complete: a cancelled or failed export leaves nothing behind.

mod archive;
pub(crate) mod destination;
mod labels;
mod manifest;
mod pages;
mod rows;
mod running;
mod transcript;

use serde::{Deserialize, Serialize};
use tracing::{info, instrument, warn};
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::history;
use crate::s3::{stored, S3Store};
use crate::validate;

pub(crate) use running::RunningExports;

/// What to export, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportRequest {
    /// Chosen by the caller (letters, digits, `-` and `_`, at most 64): progress events
    /// carry it and `cancel_export` names it.
    pub export_id: String,
    /// Absolute path of the `.zip` to write, in an existing folder; an existing file
    /// there is replaced only once the export is complete.
    pub destination: String,
    /// One chat (a number or a JID); the whole instance when absent.
    #[ts(optional)]
    #[serde(default)]
    pub chat: Option<String>,
    /// The transcript's language, as a tag (`en`, `pt-BR`, `es`, `id`; another variant
    /// of one of them takes it, anything else English). English when absent.
    #[ts(optional)]
    #[serde(default)]
    pub language: Option<String>,
}

/// What a finished export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportReport {
    pub export_id: String,
    /// The ZIP file.
    pub path: String,
    #[ts(type = "number")]
    pub chats: u64,
    #[ts(type = "number")]
    pub messages: u64,
    #[ts(type = "number")]
    pub media_files: u64,
    /// Media whose file is no longer on this computer or in the bucket; the manifest
    /// lists them.
    #[ts(type = "number")]
    pub media_missing: u64,
    /// Size of the ZIP file.
    #[ts(type = "number")]
    pub bytes: u64,
}

impl Engine {
    /// Writes a chat (`request.chat`) or the whole instance to a ZIP file, reporting
    /// `ExportProgress` events, until done, failed or cancelled (`export_cancelled`).
    /// Dropping the returned future cancels the export too.
    #[instrument(skip_all, fields(name = %name, export_id = %request.export_id))]
    pub async fn export(&self, name: &str, request: ExportRequest) -> Result<ExportReport> {
        self.ensure_running()?;
        let export_id = running::valid_id(&request.export_id)?;
        let id = self.id_of(name)?;
        let chat = request
            .chat
            .as_deref()
            .map(validate::chat_jid)
            .transpose()?;
        let destination = destination::Destination::parse(&request.destination)?;
        if let Some(jid) = &chat {
            if !history::chat_exists(self.db(), &id, jid).await? {
                return Err(Error::ChatNotFound(jid.clone()));
            }
        }
        let bucket = stored::load(self.db(), &id)
            .await?
            .map(|config| -> Result<archive::Bucket> {
                Ok(archive::Bucket {
                    store: S3Store::new(&config, self.s3_tuning())?,
                    endpoint: config.endpoint,
                    name: config.bucket,
                })
            })
            .transpose()?;
        // Unregisters and raises the cancel flag when this future ends or is dropped.
        let running = self.exports().start(&export_id)?;
        let engine = self.downgrade();
        let (instance_id, progress_id) = (id.clone(), export_id.clone());
        let job = archive::Job {
            db: self.db().clone(),
            instance_dir: self.paths().instance_dir(&id),
            instance_id: id.clone(),
            instance_name: self.name_of(&id),
            chat,
            labels: labels::Labels::for_language(request.language.as_deref()),
            bucket,
            destination,
            cancelled: running.flag(),
            progress: Box::new(move |done, total| {
                if let Some(engine) = engine.upgrade() {
                    engine.emit(EngineEvent::ExportProgress {
                        instance_id: instance_id.clone(),
                        export_id: progress_id.clone(),
                        done,
                        total,
                    });
                }
            }),
        };
        let runtime = tokio::runtime::Handle::current();
        let outcome = tokio::task::spawn_blocking(move || archive::write(job, &runtime))
            .await
            .map_err(|e| Error::io(format!("the export stopped unexpectedly: {e}")))?;
        drop(running);
        match outcome {
            Ok(counts) => {
                info!(instance_id = %id, messages = counts.messages, media = counts.media_files, "exported");
                Ok(ExportReport {
                    export_id,
                    path: request.destination,
                    chats: counts.chats,
                    messages: counts.messages,
                    media_files: counts.media_files,
                    media_missing: counts.media_missing,
                    bytes: counts.bytes,
                })
            }
            Err(e) => {
                warn!(instance_id = %id, code = %e.code(), error = %e, "export not written");
                Err(e)
            }
        }
    }

    /// Stops a running export; it then fails with `export_cancelled` and leaves no file.
    pub fn cancel_export(&self, export_id: &str) -> Result<()> {
        self.exports().cancel(export_id)
    }
}
