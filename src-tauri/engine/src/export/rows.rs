//! The rows an export reads, all from one read transaction (one snapshot, so the
//! counts, the messages and the files agree), a keyset page at a time.

use std::collections::HashMap;
use std::path::Path;

use sqlx::{Row, SqliteConnection};

use crate::conversation::ChatMessage;
use crate::error::{Error, Result};
use crate::model::Millis;
use crate::stored_message::{message_columns, StoredMessage};

/// Messages in export order, each with its media file's path relative to the instance
/// folder.
pub(super) type Page = Vec<(ChatMessage, Option<String>)>;

/// Rows per page: large enough to amortise a query, small enough to stay flat.
pub(super) const PAGE: i64 = 500;

/// What is exported: one chat, or every chat of the instance.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub instance_id: String,
    pub chat: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Totals {
    pub chats: u64,
    pub messages: u64,
    pub media_files: u64,
}

/// A media row: where its file is on this computer or in a bucket.
#[derive(Debug, Clone)]
pub(super) struct MediaRow {
    pub chat_jid: String,
    pub message_id: String,
    /// Relative to the instance folder, under `media/`; also its name in the archive.
    pub path: String,
    pub bytes: u64,
    pub s3: Option<S3Location>,
}

#[derive(Debug, Clone)]
pub(super) struct S3Location {
    pub endpoint: Option<String>,
    pub bucket: Option<String>,
    pub key: String,
}

/// Where the previous message page ended, in export order (chat, time, id).
#[derive(Debug, Clone, Default)]
pub(super) struct MessageCursor {
    chat_jid: String,
    timestamp: Millis,
    id: String,
}

impl MessageCursor {
    pub fn start() -> MessageCursor {
        MessageCursor {
            timestamp: Millis::MIN,
            ..MessageCursor::default()
        }
    }
}

pub(super) async fn totals(db: &mut SqliteConnection, scope: &Scope) -> Result<Totals> {
    let row = sqlx::query(
        "SELECT
            (SELECT COUNT(*) FROM chats WHERE instance_id = ?1 AND (?2 IS NULL OR jid = ?2)) AS chats,
            (SELECT COUNT(*) FROM messages WHERE instance_id = ?1 AND (?2 IS NULL OR chat_jid = ?2)) AS messages,
            (SELECT COUNT(*) FROM media WHERE instance_id = ?1 AND (?2 IS NULL OR chat_jid = ?2)) AS media",
    )
    .bind(&scope.instance_id)
    .bind(&scope.chat)
    .fetch_one(db)
    .await?;
    let count = |column: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(column)?.max(0) as u64) };
    Ok(Totals {
        chats: count("chats")?,
        messages: count("messages")?,
        media_files: count("media")?,
    })
}

/// Each chat's name, when it has one.
pub(super) async fn chat_names(
    db: &mut SqliteConnection,
    scope: &Scope,
) -> Result<HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT jid, name FROM chats
         WHERE instance_id = ?1 AND (?2 IS NULL OR jid = ?2) AND name IS NOT NULL",
    )
    .bind(&scope.instance_id)
    .bind(&scope.chat)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("jid")?, row.try_get("name")?)))
        .collect()
}

/// The media rows after `after` (chat, message id), in that order.
pub(super) async fn media_page(
    db: &mut SqliteConnection,
    scope: &Scope,
    after: Option<&MediaRow>,
) -> Result<Vec<MediaRow>> {
    let (chat, id) = after.map_or(("", ""), |m| (m.chat_jid.as_str(), m.message_id.as_str()));
    const COLUMNS: &str =
        "SELECT chat_jid, message_id, path, bytes, s3_endpoint, s3_bucket, s3_key FROM media";
    let query = match &scope.chat {
        Some(only) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE instance_id = ? AND chat_jid = ? AND message_id > ?
             ORDER BY message_id LIMIT ?"
        )))
        .bind(&scope.instance_id)
        .bind(only)
        .bind(id),
        None => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE instance_id = ? AND (chat_jid, message_id) > (?, ?)
             ORDER BY chat_jid, message_id LIMIT ?"
        )))
        .bind(&scope.instance_id)
        .bind(chat)
        .bind(id),
    };
    let rows = query.bind(PAGE).fetch_all(db).await?;
    rows.iter()
        .map(|row| {
            Ok(MediaRow {
                chat_jid: row.try_get("chat_jid")?,
                message_id: row.try_get("message_id")?,
                path: row.try_get("path")?,
                bytes: row.try_get::<i64, _>("bytes")?.max(0) as u64,
                s3: row
                    .try_get::<Option<String>, _>("s3_key")?
                    .map(|key| -> Result<S3Location> {
                        Ok(S3Location {
                            endpoint: row.try_get("s3_endpoint")?,
                            bucket: row.try_get("s3_bucket")?,
                            key,
                        })
                    })
                    .transpose()?,
            })
        })
        .collect()
}

/// A page as one row: SQLite writes the page's messages as one JSON array of arrays of
/// `message_columns!` (in its order, which `StoredMessage` reads positionally). sqlx hands
/// rows over from its worker thread one at a time, a thread wake-up each, and on a long
/// export that cost more than reading the rows. Coordinates are left out: SQLite writes
/// doubles as text a bit off in their last digits, so locations read them apart.
macro_rules! page_as_json {
    ($condition:literal) => {
        concat!(
            "SELECT json_group_array(json_array(
                id, chat_jid, from_me, sender, sender_name, timestamp, kind, text, quoted_id,
                quoted_text, NULL, NULL, delivery, path, bytes, mime, s3_key) ORDER BY chat_jid, timestamp, id)
             FROM (",
            message_columns!(),
            $condition,
            ")"
        )
    };
}

/// A page of messages after `cursor` in export order (chat, then oldest first), each
/// with its media file's path relative to the instance folder. Moves the cursor on.
pub(super) async fn message_page(
    db: &mut SqliteConnection,
    scope: &Scope,
    cursor: &mut MessageCursor,
) -> Result<Page> {
    let query = match &scope.chat {
        Some(only) => sqlx::query_scalar(page_as_json!(
            " WHERE m.instance_id = ? AND m.chat_jid = ? AND (m.timestamp, m.id) > (?, ?)
              ORDER BY m.timestamp, m.id LIMIT ?"
        ))
        .bind(&scope.instance_id)
        .bind(only),
        None => sqlx::query_scalar(page_as_json!(
            " WHERE m.instance_id = ? AND (m.chat_jid, m.timestamp, m.id) > (?, ?, ?)
              ORDER BY m.chat_jid, m.timestamp, m.id LIMIT ?"
        ))
        .bind(&scope.instance_id)
        .bind(cursor.chat_jid.clone()),
    };
    let json: String = query
        .bind(cursor.timestamp)
        .bind(cursor.id.clone())
        .bind(PAGE)
        .fetch_one(&mut *db)
        .await?;
    let mut stored: Vec<StoredMessage> = serde_json::from_str(&json)
        .map_err(|e| Error::io(format!("reading the messages to export failed: {e}")))?;
    read_coordinates(db, &scope.instance_id, &mut stored).await?;
    let page: Page = stored
        .into_iter()
        .map(|message| {
            let path = message.path.clone();
            (message.into_message(Path::new("")), path)
        })
        .collect();
    if let Some((last, _)) = page.last() {
        *cursor = MessageCursor {
            chat_jid: last.chat_jid.clone(),
            timestamp: last.timestamp,
            id: last.id.clone(),
        };
    }
    Ok(page)
}

/// The exact coordinates of the page's locations, as stored.
async fn read_coordinates(
    db: &mut SqliteConnection,
    instance_id: &str,
    page: &mut [StoredMessage],
) -> Result<()> {
    let keys: Vec<(&str, &str)> = page
        .iter()
        .filter_map(StoredMessage::location_key)
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let keys = serde_json::to_string(&keys).map_err(|e| Error::io(e.to_string()))?;
    let rows = sqlx::query(
        "SELECT chat_jid, id, latitude, longitude FROM messages
         WHERE instance_id = ?
           AND (chat_jid, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))",
    )
    .bind(instance_id)
    .bind(keys)
    .fetch_all(db)
    .await?;
    let mut found: HashMap<(String, String), (Option<f64>, Option<f64>)> = HashMap::new();
    for row in rows {
        found.insert(
            (row.try_get("chat_jid")?, row.try_get("id")?),
            (row.try_get("latitude")?, row.try_get("longitude")?),
        );
    }
    for message in page.iter_mut() {
        let key = message
            .location_key()
            .map(|(chat, id)| (chat.to_string(), id.to_string()));
        if let Some((latitude, longitude)) = key.and_then(|key| found.remove(&key)) {
            (message.latitude, message.longitude) = (latitude, longitude);
        }
    }
    Ok(())
}
