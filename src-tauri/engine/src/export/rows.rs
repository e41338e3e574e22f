//! The rows an export reads, all from one read transaction (one snapshot, so the
//! counts, the messages and the files agree), a keyset page at a time.

use std::collections::HashMap;
use std::path::Path;

use sqlx::{Row, SqliteConnection};

use crate::conversation::ChatMessage;
use crate::error::Result;
use crate::history::{message_columns, message_of};
use crate::model::Millis;

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

/// A page of messages after `cursor` in export order (chat, then oldest first), each
/// with its media file's path relative to the instance folder. Moves the cursor on.
pub(super) async fn message_page(
    db: &mut SqliteConnection,
    scope: &Scope,
    cursor: &mut MessageCursor,
) -> Result<Vec<(ChatMessage, Option<String>)>> {
    let query = match &scope.chat {
        Some(only) => sqlx::query(concat!(
            message_columns!(),
            " WHERE m.instance_id = ? AND m.chat_jid = ? AND (m.timestamp, m.id) > (?, ?)
              ORDER BY m.timestamp, m.id LIMIT ?"
        ))
        .bind(&scope.instance_id)
        .bind(only),
        None => sqlx::query(concat!(
            message_columns!(),
            " WHERE m.instance_id = ? AND (m.chat_jid, m.timestamp, m.id) > (?, ?, ?)
              ORDER BY m.chat_jid, m.timestamp, m.id LIMIT ?"
        ))
        .bind(&scope.instance_id)
        .bind(cursor.chat_jid.clone()),
    };
    let rows = query
        .bind(cursor.timestamp)
        .bind(cursor.id.clone())
        .bind(PAGE)
        .fetch_all(db)
        .await?;
    let page = rows
        .iter()
        .map(|row| Ok((message_of(row, Path::new(""))?, row.try_get("path")?)))
        .collect::<Result<Vec<(ChatMessage, Option<String>)>>>()?;
    if let Some((last, _)) = page.last() {
        *cursor = MessageCursor {
            chat_jid: last.chat_jid.clone(),
            timestamp: last.timestamp,
            id: last.id.clone(),
        };
    }
    Ok(page)
}
