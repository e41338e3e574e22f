//! Chats, messages and media rows: storing what sessions report (idempotently, with
//! the chat counters kept in step), listing chats, and removing one chat's rows.

use sqlx::{Row, SqlitePool};

use crate::conversation::Delivery;
use crate::db;
use crate::error::{Error, Result};
use crate::model::ChatSummary;
use crate::paths;
use crate::records::{ChatUpsert, LastMessage, MediaSaved, MediaSource, MessageUpsert, Receipts};
use crate::s3;
use crate::s3::chat_objects::MediaRow;
use crate::validate;

/// Chat identifiers from WhatsApp are stored canonically, like the ones users type.
pub(crate) fn canonical(jid: &str) -> String {
    validate::chat_jid(jid).unwrap_or_else(|_| jid.to_string())
}

pub async fn store_chats(db: &SqlitePool, instance_id: &str, chats: &[ChatUpsert]) -> Result<()> {
    let mut tx = db.begin().await?;
    for chat in chats {
        sqlx::query(
            "INSERT INTO chats (instance_id, jid, name) VALUES (?1, ?2, COALESCE(?3, ?4))
             ON CONFLICT (instance_id, jid) DO UPDATE SET name = COALESCE(?3, name, ?4)",
        )
        .bind(instance_id)
        .bind(canonical(&chat.jid))
        .bind(&chat.name)
        .bind(&chat.push_name)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts messages not seen before (idempotent by chat and message id) and keeps the
/// chat counters in step. Returns the indexes of the new ones.
pub async fn store_messages(
    db: &SqlitePool,
    instance_id: &str,
    messages: &[MessageUpsert],
) -> Result<Vec<usize>> {
    let mut new = Vec::new();
    let mut tx = db.begin().await?;
    for (index, message) in messages.iter().enumerate() {
        let chat = canonical(&message.chat_jid);
        sqlx::query("INSERT INTO chats (instance_id, jid) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(instance_id)
            .bind(&chat)
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO messages (instance_id, chat_jid, id, from_me, sender, timestamp, text,
                 media_kind, kind, sender_name, quoted_id, quoted_text, latitude, longitude,
                 delivery)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(instance_id)
        .bind(&chat)
        .bind(&message.id)
        .bind(message.from_me)
        .bind(&message.sender)
        .bind(message.timestamp)
        .bind(&message.text)
        .bind(message.media_kind())
        .bind(message.kind.as_str())
        .bind(&message.sender_name)
        .bind(message.quoted.as_ref().map(|q| &q.id))
        .bind(message.quoted.as_ref().and_then(|q| q.text.as_ref()))
        .bind(message.location.as_ref().map(|l| l.latitude))
        .bind(message.location.as_ref().map(|l| l.longitude))
        .bind(message.delivery.map(Delivery::as_str))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if let Some(source) = &message.source {
            keep_source(&mut tx, instance_id, &chat, &message.id, source).await?;
        }
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

/// Keeps where WhatsApp serves a message's media; a later copy of the message (history
/// after live, or a retry) brings the newer place.
async fn keep_source(
    tx: &mut sqlx::SqliteConnection,
    instance_id: &str,
    chat: &str,
    message_id: &str,
    source: &MediaSource,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO media_sources (instance_id, chat_jid, message_id, direct_path, media_key,
             file_sha256, file_enc_sha256, file_length, mime, file_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id, chat_jid, message_id) DO UPDATE SET
             direct_path = excluded.direct_path, media_key = excluded.media_key,
             file_sha256 = excluded.file_sha256, file_enc_sha256 = excluded.file_enc_sha256,
             file_length = excluded.file_length, mime = excluded.mime,
             file_name = excluded.file_name",
    )
    .bind(instance_id)
    .bind(chat)
    .bind(message_id)
    .bind(&source.direct_path)
    .bind(&source.media_key)
    .bind(&source.file_sha256)
    .bind(&source.file_enc_sha256)
    .bind(source.file_length as i64)
    .bind(&source.mime)
    .bind(&source.file_name)
    .execute(tx)
    .await?;
    Ok(())
}

/// Where WhatsApp serves a message's media, when it was kept.
pub async fn media_source(
    db: &SqlitePool,
    instance_id: &str,
    chat: &str,
    message_id: &str,
) -> Result<Option<MediaSource>> {
    let row = sqlx::query(
        "SELECT direct_path, media_key, file_sha256, file_enc_sha256, file_length, mime,
             file_name
         FROM media_sources WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
    )
    .bind(instance_id)
    .bind(chat)
    .bind(message_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| -> Result<MediaSource> {
        Ok(MediaSource {
            direct_path: row.try_get("direct_path")?,
            media_key: row.try_get("media_key")?,
            file_sha256: row.try_get("file_sha256")?,
            file_enc_sha256: row.try_get("file_enc_sha256")?,
            file_length: row.try_get::<i64, _>("file_length")?.max(0) as u64,
            mime: row.try_get("mime")?,
            file_name: row.try_get("file_name")?,
        })
    })
    .transpose()
}

/// Records a media file; a repeat for the same message replaces it and corrects the
/// counters. Paths outside the instance's media folder are refused. With a bucket, the
/// file is queued for upload in the same transaction; answers whether it was.
pub async fn store_media(db: &SqlitePool, instance_id: &str, media: &MediaSaved) -> Result<bool> {
    if !paths::is_safe_media_path(&media.relative_path) {
        return Err(Error::io(format!(
            "refusing media path '{}' outside media/",
            media.relative_path
        )));
    }
    let chat = canonical(&media.chat_jid);
    let mut tx = db::begin_write(db).await?;
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
    Ok(upload)
}

/// Moves outgoing messages forward to `delivery` (never back: a late delivery receipt
/// after the read one changes nothing). Returns the ids that moved.
pub async fn set_delivery(
    db: &SqlitePool,
    instance_id: &str,
    receipts: &Receipts,
) -> Result<Vec<String>> {
    let chat = canonical(&receipts.chat_jid);
    let rank = |d: Delivery| d as i64;
    let mut moved = Vec::new();
    let mut tx = db::begin_write(db).await?;
    for id in &receipts.message_ids {
        let changed = sqlx::query(
            "UPDATE messages SET delivery = ?
             WHERE instance_id = ? AND chat_jid = ? AND id = ? AND from_me = 1
               AND CASE delivery WHEN 'sent' THEN 0 WHEN 'delivered' THEN 1
                                 WHEN 'read' THEN 2 ELSE -1 END < ?",
        )
        .bind(receipts.delivery.as_str())
        .bind(instance_id)
        .bind(&chat)
        .bind(id)
        .bind(rank(receipts.delivery))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 1 {
            moved.push(id.clone());
        }
    }
    tx.commit().await?;
    Ok(moved)
}

/// The instance's chats, most recent first.
pub async fn list(db: &SqlitePool, instance_id: &str) -> Result<Vec<ChatSummary>> {
    let rows = sqlx::query(
        "SELECT jid, name, last_message_at, message_count, media_files, media_bytes
         FROM chats WHERE instance_id = ?
         ORDER BY last_message_at IS NULL, last_message_at DESC, jid",
    )
    .bind(instance_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ChatSummary {
                jid: row.try_get("jid")?,
                name: row.try_get("name")?,
                last_message_at: row.try_get("last_message_at")?,
                messages: row.try_get::<i64, _>("message_count")? as u64,
                media_files: row.try_get::<i64, _>("media_files")? as u64,
                media_bytes: row.try_get::<i64, _>("media_bytes")? as u64,
            })
        })
        .collect()
}

/// The newest message of a chat: WhatsApp's delete-chat range ends there.
pub async fn last_message(
    db: &SqlitePool,
    instance_id: &str,
    jid: &str,
) -> Result<Option<LastMessage>> {
    let row = sqlx::query(
        "SELECT id, from_me, sender, timestamp FROM messages
         WHERE instance_id = ? AND chat_jid = ? ORDER BY timestamp DESC, id DESC LIMIT 1",
    )
    .bind(instance_id)
    .bind(jid)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(LastMessage {
            id: row.try_get("id")?,
            from_me: row.try_get("from_me")?,
            participant: row.try_get("sender")?,
            timestamp: row.try_get("timestamp")?,
        })
    })
    .transpose()
}

/// What removing a chat's rows took away.
pub struct RemovedRows {
    pub messages: u64,
    /// Each media row (path relative to the instance folder, bytes, and where it lives
    /// in a bucket), when the caller asked for the media to go too.
    pub media: Vec<MediaRow>,
}

/// Removes a chat's chat, message and media rows in one transaction.
pub async fn delete_rows(
    db: &SqlitePool,
    instance_id: &str,
    jid: &str,
    list_media: bool,
) -> Result<RemovedRows> {
    let mut tx = db::begin_write(db).await?;
    let media: Vec<MediaRow> = if list_media {
        sqlx::query_as(
            "SELECT path, bytes, s3_endpoint, s3_bucket, s3_key FROM media
             WHERE instance_id = ? AND chat_jid = ?",
        )
        .bind(instance_id)
        .bind(jid)
        .fetch_all(&mut *tx)
        .await?
    } else {
        Vec::new()
    };
    sqlx::query("DELETE FROM media WHERE instance_id = ? AND chat_jid = ?")
        .bind(instance_id)
        .bind(jid)
        .execute(&mut *tx)
        .await?;
    let messages = sqlx::query("DELETE FROM messages WHERE instance_id = ? AND chat_jid = ?")
        .bind(instance_id)
        .bind(jid)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM chats WHERE instance_id = ? AND jid = ?")
        .bind(instance_id)
        .bind(jid)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(RemovedRows { messages, media })
}
