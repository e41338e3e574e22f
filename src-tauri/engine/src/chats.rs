//! Chats: listing them, and deleting one (on WhatsApp, then here), whether the user
//! asked for it or the phone did.

use tracing::{info, instrument, warn};

use crate::audit;
use crate::chat_store;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::model::{
    AuditAction, ChatDeleteOrigin, ChatDeleteReport, ChatSummary, Counts, Requester, WebhookEvent,
};
use crate::paths;
use crate::s3;
use crate::validate;

impl Engine {
    /// The instance's chats, most recent first.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn list_chats(&self, name: &str) -> Result<Vec<ChatSummary>> {
        let id = self.id_of(name)?;
        chat_store::list(self.db(), &id).await
    }

    /// Deletes a chat on WhatsApp (the phone and other linked devices drop it too), then
    /// its rows here, and with `delete_media` its media files. Needs a connected session.
    #[instrument(skip_all, fields(name = %name, delete_media))]
    pub async fn delete_chat(
        &self,
        name: &str,
        chat: &str,
        delete_media: bool,
    ) -> Result<ChatDeleteReport> {
        let key = validate::name(name)?;
        let jid = validate::chat_jid(chat)?;
        let (id, slot) = self.live(&key, name)?;
        let instance_name = self.name_of(&id);
        let sent = async {
            if !self.state_of(&id).is_some_and(|s| s.is_connected()) {
                return Err(Error::NotConnected(instance_name.clone()));
            }
            let last = chat_store::last_message(self.db(), &id, &jid).await?;
            let guard = slot.read().await;
            let actor = guard
                .as_ref()
                .ok_or_else(|| Error::NotConnected(instance_name.clone()))?;
            actor.delete_chat(jid.clone(), delete_media, last).await
        }
        .await
        .map_err(|e| self.explain(&id, name, e));
        if let Err(e) = sent {
            self.audit_chat_failure(&id, &instance_name, &jid, &e, self.requester())
                .await;
            return Err(e);
        }
        self.apply_chat_deletion(&id, &jid, delete_media, ChatDeleteOrigin::Local)
            .await
    }

    /// Removes a chat locally (rows, and files with `delete_media`), audits, tells.
    pub(crate) async fn apply_chat_deletion(
        &self,
        id: &str,
        jid: &str,
        delete_media: bool,
        origin: ChatDeleteOrigin,
    ) -> Result<ChatDeleteReport> {
        let instance_name = self.name_of(id);
        let requested_by = match origin {
            ChatDeleteOrigin::Phone => Requester::Phone,
            ChatDeleteOrigin::Local => self.requester(),
        };
        let report = match self.delete_chat_rows_and_files(id, jid, delete_media).await {
            Ok(report) => report,
            Err(e) => {
                self.audit_chat_failure(id, &instance_name, jid, &e, requested_by)
                    .await;
                return Err(e);
            }
        };
        audit::record(
            self.db(),
            audit::Entry {
                action: AuditAction::DeleteChat,
                instance_id: id,
                instance_name: &instance_name,
                target: Some(jid),
                result: "ok",
                removed: Counts {
                    chats: 1,
                    messages: report.messages_removed,
                    media_files: report.media_files_removed,
                    media_bytes: report.media_bytes_removed,
                },
                detail: Some(format!("origin: {origin:?}; delete_media: {delete_media}")),
                requested_by,
            },
        )
        .await?;
        info!(instance_id = %id, ?origin, messages = report.messages_removed,
              media_files = report.media_files_removed, "chat deleted");
        self.emit(EngineEvent::ChatDeleted {
            instance_id: id.to_string(),
            origin,
            report: report.clone(),
        });
        self.webhook(id, WebhookEvent::ChatDeleted, &report).await;
        Ok(report)
    }

    /// Rows first, in one transaction; then the files the rows named, on this computer
    /// and in the bucket. A crash between the two leaves unreferenced files inside the
    /// instance folder, which go with it (and objects under the chat's prefix, which a
    /// later delete of the chat or the instance's objects removes).
    async fn delete_chat_rows_and_files(
        &self,
        id: &str,
        jid: &str,
        delete_media: bool,
    ) -> Result<ChatDeleteReport> {
        let removed = chat_store::delete_rows(self.db(), id, jid, delete_media).await?;
        let instance_dir = self.paths().instance_dir(id);
        let (mut files, mut bytes) = (0u64, 0u64);
        let (in_bucket, local): (Vec<_>, Vec<_>) =
            removed.media.iter().partition(|m| m.4.is_some());
        for (relative, size, ..) in local {
            if !paths::is_safe_media_path(relative) {
                warn!(instance_id = %id, "skipping a media path outside the media folder");
                continue;
            }
            if paths::remove_file(&instance_dir.join(relative))? {
                files += 1;
                bytes += *size as u64;
            }
        }
        // Copies opened with the system's app go with the chat's files.
        paths::remove_tree(&crate::media_out::opened_dir(&instance_dir, jid))?;
        let mut s3_objects_failed = None;
        if delete_media {
            let chat_dir = paths::chat_media_dir(&self.paths().media_dir(id), jid);
            paths::remove_tree(&chat_dir)?;
            let gone =
                s3::chat_objects::delete(self.db(), self.s3_tuning(), id, jid, &in_bucket).await?;
            if let Some(gone) = gone {
                files += gone.removed.objects;
                bytes += gone.removed.bytes;
                s3_objects_failed = Some(gone.failed);
            }
        }
        Ok(ChatDeleteReport {
            chat_jid: jid.to_string(),
            delete_media,
            message: if delete_media {
                "Chat deleted successfully (including media)".into()
            } else {
                "Chat deleted successfully".into()
            },
            messages_removed: removed.messages,
            media_files_removed: files,
            media_bytes_removed: bytes,
            s3_objects_failed,
        })
    }

    async fn audit_chat_failure(
        &self,
        id: &str,
        name: &str,
        jid: &str,
        error: &Error,
        requested_by: Requester,
    ) {
        let entry = audit::Entry {
            action: AuditAction::DeleteChat,
            instance_id: id,
            instance_name: name,
            target: Some(jid),
            result: error.code().as_str(),
            removed: Counts::default(),
            detail: Some(error.to_string()),
            requested_by,
        };
        if let Err(e) = audit::record(self.db(), entry).await {
            warn!(error = %e, "could not audit the failed chat deletion");
        }
    }
}
