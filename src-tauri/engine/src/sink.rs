//! What actors report (states, codes, profile, chats, messages, media, deletions from
//! the phone) becomes registry state, rows and events here. Sink calls cannot fail
//! back into the actor: errors are logged.

use std::sync::{Arc, Weak};

use serde::Serialize;
use tracing::warn;

use crate::actor::{ChatUpsert, MediaSaved, MessageUpsert, SessionSink};
use crate::db::{self, now_millis};
use crate::engine::{Engine, Inner};
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::model::{ChatDeleteOrigin, InstanceState, Millis, Profile, WebhookEvent};
use crate::paths;
use crate::s3;
use crate::validate;

/// Holds the engine weakly: actors live inside the engine and must not keep it alive.
pub struct EngineSink {
    inner: Weak<Inner>,
}

impl EngineSink {
    pub(crate) fn new(inner: &Arc<Inner>) -> EngineSink {
        EngineSink {
            inner: Arc::downgrade(inner),
        }
    }

    /// The engine, if it is still open and the instance still exists.
    fn engine_for(&self, instance_id: &str) -> Option<Engine> {
        let engine = Engine {
            inner: self.inner.upgrade()?,
        };
        engine.registry().get(instance_id)?;
        Some(engine)
    }
}

fn log_failure(instance_id: &str, what: &str, result: Result<()>) {
    if let Err(e) = result {
        warn!(%instance_id, code = e.code(), error = %e, "could not store {what}");
    }
}

/// What a MESSAGES_UPSERT webhook carries per message.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageData<'a> {
    chat_jid: &'a str,
    id: &'a str,
    from_me: bool,
    sender: Option<&'a str>,
    timestamp: Millis,
    text: Option<&'a str>,
    media_kind: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QrData<'a> {
    code: &'a str,
    expires_at: Millis,
}

#[async_trait::async_trait]
impl SessionSink for EngineSink {
    async fn state_changed(&self, instance_id: &str, state: InstanceState) {
        if let Some(engine) = self.engine_for(instance_id) {
            log_failure(
                instance_id,
                "a state",
                engine.set_state(instance_id, state).await,
            );
        }
    }

    async fn qr_code(&self, instance_id: &str, code: String, expires_at: Millis) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let data = QrData {
            code: &code,
            expires_at,
        };
        engine
            .webhook(instance_id, WebhookEvent::QrUpdated, &data)
            .await;
        engine.emit(EngineEvent::QrCode {
            instance_id: instance_id.to_string(),
            code,
            issued_at: now_millis(),
            expires_at,
        });
    }

    async fn pairing_code(&self, instance_id: &str, code: String, expires_at: Millis) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        engine.emit(EngineEvent::PairingCode {
            instance_id: instance_id.to_string(),
            code,
            expires_at,
        });
    }

    async fn profile(&self, instance_id: &str, profile: Profile) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let stored = sqlx::query(
            "UPDATE instances SET phone_jid = ?, lid = ?, push_name = ?, business_name = ?,
                                  picture_url = ? WHERE id = ?",
        )
        .bind(&profile.phone_jid)
        .bind(&profile.lid)
        .bind(&profile.push_name)
        .bind(&profile.business_name)
        .bind(&profile.picture_url)
        .bind(instance_id)
        .execute(&engine.inner.db)
        .await;
        log_failure(
            instance_id,
            "a profile",
            stored.map(drop).map_err(Error::from),
        );
        engine.emit(EngineEvent::ProfileUpdated {
            instance_id: instance_id.to_string(),
            profile,
        });
    }

    async fn paired(&self, instance_id: &str, paired: bool) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let stored = sqlx::query("UPDATE instances SET paired = ? WHERE id = ?")
            .bind(paired)
            .bind(instance_id)
            .execute(&engine.inner.db)
            .await;
        log_failure(
            instance_id,
            "the paired flag",
            stored.map(drop).map_err(Error::from),
        );
        // The window offers logout only for a paired instance: tell it at once.
        if let Err(e) = engine.instance_updated(instance_id).await {
            warn!(%instance_id, code = e.code(), error = %e, "could not announce the paired flag");
        }
    }

    async fn chats(&self, instance_id: &str, chats: Vec<ChatUpsert>) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        log_failure(
            instance_id,
            "chats",
            store_chats(&engine, instance_id, &chats).await,
        );
        engine.emit(EngineEvent::ChatsChanged {
            instance_id: instance_id.to_string(),
        });
    }

    async fn messages(&self, instance_id: &str, messages: Vec<MessageUpsert>) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let new = match store_messages(&engine, instance_id, &messages).await {
            Ok(new) => new,
            Err(e) => {
                log_failure(instance_id, "messages", Err(e));
                return;
            }
        };
        if new.is_empty() {
            return;
        }
        let data: Vec<MessageData> = new
            .iter()
            .map(|&i| {
                let m = &messages[i];
                MessageData {
                    chat_jid: &m.chat_jid,
                    id: &m.id,
                    from_me: m.from_me,
                    sender: m.sender.as_deref(),
                    timestamp: m.timestamp,
                    text: m.text.as_deref(),
                    media_kind: m.media_kind.as_deref(),
                }
            })
            .collect();
        engine
            .webhook(instance_id, WebhookEvent::MessagesUpsert, &data)
            .await;
        engine.emit(EngineEvent::ChatsChanged {
            instance_id: instance_id.to_string(),
        });
    }

    async fn media_saved(&self, instance_id: &str, media: MediaSaved) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        log_failure(
            instance_id,
            "a media file",
            store_media(&engine, instance_id, &media).await,
        );
        engine.emit(EngineEvent::ChatsChanged {
            instance_id: instance_id.to_string(),
        });
    }

    async fn remote_chat_deleted(&self, instance_id: &str, chat_jid: String, delete_media: bool) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let jid = match validate::chat_jid(&chat_jid) {
            Ok(jid) => jid,
            Err(e) => {
                warn!(%instance_id, code = e.code(), "ignoring a chat deletion for an unusable JID");
                return;
            }
        };
        let applied = engine
            .apply_chat_deletion(instance_id, &jid, delete_media, ChatDeleteOrigin::Phone)
            .await;
        log_failure(
            instance_id,
            "a chat deletion from the phone",
            applied.map(drop),
        );
    }
}

/// Chat identifiers from WhatsApp are stored canonically, like the ones users type.
fn canonical(jid: &str) -> String {
    validate::chat_jid(jid).unwrap_or_else(|_| jid.to_string())
}

async fn store_chats(engine: &Engine, instance_id: &str, chats: &[ChatUpsert]) -> Result<()> {
    let mut tx = engine.inner.db.begin().await?;
    for chat in chats {
        sqlx::query(
            "INSERT INTO chats (instance_id, jid, name) VALUES (?, ?, ?)
             ON CONFLICT (instance_id, jid) DO UPDATE SET name = COALESCE(excluded.name, name)",
        )
        .bind(instance_id)
        .bind(canonical(&chat.jid))
        .bind(&chat.name)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts messages not seen before (idempotent by chat and message id) and keeps the
/// chat counters in step. Returns the indexes of the new ones.
async fn store_messages(
    engine: &Engine,
    instance_id: &str,
    messages: &[MessageUpsert],
) -> Result<Vec<usize>> {
    let mut new = Vec::new();
    let mut tx = engine.inner.db.begin().await?;
    for (index, message) in messages.iter().enumerate() {
        let chat = canonical(&message.chat_jid);
        sqlx::query("INSERT INTO chats (instance_id, jid) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(instance_id)
            .bind(&chat)
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO messages (instance_id, chat_jid, id, from_me, sender, timestamp, text, media_kind)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(instance_id)
        .bind(&chat)
        .bind(&message.id)
        .bind(message.from_me)
        .bind(&message.sender)
        .bind(message.timestamp)
        .bind(&message.text)
        .bind(&message.media_kind)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            sqlx::query(
                "UPDATE chats SET message_count = message_count + 1,
                     last_message_at = MAX(COALESCE(last_message_at, 0), ?)
                 WHERE instance_id = ? AND jid = ?",
            )
            .bind(message.timestamp)
            .bind(instance_id)
            .bind(&chat)
            .execute(&mut *tx)
            .await?;
            new.push(index);
        }
    }
    tx.commit().await?;
    Ok(new)
}

/// Records a media file; a repeat for the same message replaces it and corrects the
/// counters. Paths outside the instance's media folder are refused.
async fn store_media(engine: &Engine, instance_id: &str, media: &MediaSaved) -> Result<()> {
    if !paths::is_safe_media_path(&media.relative_path) {
        return Err(Error::Io(format!(
            "refusing media path '{}' outside media/",
            media.relative_path
        )));
    }
    let chat = canonical(&media.chat_jid);
    let mut tx = db::begin_write(&engine.inner.db).await?;
    let previous: Option<i64> = sqlx::query_scalar(
        "SELECT bytes FROM media WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
    )
    .bind(instance_id)
    .bind(&chat)
    .bind(&media.message_id)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO chats (instance_id, jid) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind(instance_id)
        .bind(&chat)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO media (instance_id, chat_jid, message_id, path, bytes, mime)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id, chat_jid, message_id)
         DO UPDATE SET path = excluded.path, bytes = excluded.bytes, mime = excluded.mime,
                       s3_endpoint = NULL, s3_bucket = NULL, s3_key = NULL",
    )
    .bind(instance_id)
    .bind(&chat)
    .bind(&media.message_id)
    .bind(&media.relative_path)
    .bind(media.bytes as i64)
    .bind(&media.mime)
    .execute(&mut *tx)
    .await?;
    let (files_delta, bytes_delta) = match previous {
        Some(old) => (0, media.bytes as i64 - old),
        None => (1, media.bytes as i64),
    };
    sqlx::query(
        "UPDATE chats SET media_files = media_files + ?, media_bytes = media_bytes + ?
         WHERE instance_id = ? AND jid = ?",
    )
    .bind(files_delta)
    .bind(bytes_delta)
    .bind(instance_id)
    .bind(&chat)
    .execute(&mut *tx)
    .await?;
    // With a bucket, the file goes up from the persistent queue (kept here until then).
    let upload = s3::stored::load(&mut *tx, instance_id).await?.is_some();
    if upload {
        s3::queue::enqueue(&mut *tx, instance_id, &chat, &media.message_id).await?;
    }
    tx.commit().await?;
    if upload {
        engine.inner.uploads.wake();
    }
    Ok(())
}
