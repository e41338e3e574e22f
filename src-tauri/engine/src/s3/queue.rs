//! The persistent upload queue (`s3_uploads`): one row per media file whose upload is
//! not confirmed yet. A failed try pushes the row's next attempt back with exponential
//! backoff; nothing is ever dropped for failing, because the local file is kept until
//! its upload is confirmed. Rows go with their media row (delete chat) or instance.

use std::time::Duration;

use sqlx::{Row, SqlitePool};

use crate::backoff;
use crate::error::{Error, Result};
use crate::model::now_millis;
use crate::model::Millis;

/// Waits between tries of one upload (tests shorten them).
#[derive(Debug, Clone)]
pub struct QueueTuning {
    /// Wait before the second try; doubled on each further try.
    pub base_backoff: Duration,
    /// Upper bound of one wait.
    pub max_backoff: Duration,
}

impl Default for QueueTuning {
    fn default() -> Self {
        QueueTuning {
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
        }
    }
}

/// One media file waiting to go up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub instance_id: String,
    pub chat_jid: String,
    pub message_id: String,
    pub attempts: u32,
}

/// Queues the media file of a message; queuing it again changes nothing.
pub async fn enqueue<'e, E: sqlx::SqliteExecutor<'e>>(
    db: E,
    instance_id: &str,
    chat_jid: &str,
    message_id: &str,
) -> Result<()> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO s3_uploads (instance_id, chat_jid, message_id, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(instance_id)
    .bind(chat_jid)
    .bind(message_id)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Up to `limit` uploads due at `now`, oldest due first. An instance being deleted
/// uploads nothing more: its bucket's step counts what is there.
pub async fn due(db: &SqlitePool, now: Millis, limit: i64) -> Result<Vec<PendingUpload>> {
    let rows = sqlx::query(
        "SELECT instance_id, chat_jid, message_id, attempts FROM s3_uploads
         WHERE next_attempt_at <= ?
           AND instance_id NOT IN (SELECT instance_id FROM deletions)
         ORDER BY next_attempt_at, created_at LIMIT ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PendingUpload {
                instance_id: row.try_get("instance_id")?,
                chat_jid: row.try_get("chat_jid")?,
                message_id: row.try_get("message_id")?,
                attempts: row.try_get::<i64, _>("attempts")? as u32,
            })
        })
        .collect()
}

/// When the next upload is due, if any is queued.
pub async fn next_due(db: &SqlitePool) -> Result<Option<Millis>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM s3_uploads
             WHERE instance_id NOT IN (SELECT instance_id FROM deletions)",
    )
    .fetch_one(db)
    .await?)
}

/// Removes a confirmed (or no longer wanted) upload from the queue.
pub async fn finish<'e, E: sqlx::SqliteExecutor<'e>>(db: E, upload: &PendingUpload) -> Result<()> {
    sqlx::query("DELETE FROM s3_uploads WHERE instance_id = ? AND chat_jid = ? AND message_id = ?")
        .bind(&upload.instance_id)
        .bind(&upload.chat_jid)
        .bind(&upload.message_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed try and when the next one is due; returns that time.
pub async fn retry_later(
    db: &SqlitePool,
    upload: &PendingUpload,
    error: &Error,
    tuning: &QueueTuning,
) -> Result<Millis> {
    let attempts = upload.attempts + 1;
    let wait = backoff::exponential(tuning.base_backoff, tuning.max_backoff, attempts);
    let next = now_millis() + wait.as_millis() as i64;
    sqlx::query(
        "UPDATE s3_uploads SET attempts = ?, next_attempt_at = ?, last_error = ?
         WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
    )
    .bind(attempts as i64)
    .bind(next)
    .bind(format!("{}: {error}", error.code()))
    .bind(&upload.instance_id)
    .bind(&upload.chat_jid)
    .bind(&upload.message_id)
    .execute(db)
    .await?;
    Ok(next)
}

/// Makes every queued upload due now: a restart, or a configuration just saved, is a
/// natural moment to try again.
pub async fn make_all_due(db: &SqlitePool) -> Result<()> {
    sqlx::query("UPDATE s3_uploads SET next_attempt_at = ?")
        .bind(now_millis())
        .execute(db)
        .await?;
    Ok(())
}

/// Uploads still pending for an instance (shown in the window).
pub async fn pending<'e, E: sqlx::SqliteExecutor<'e>>(db: E, instance_id: &str) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM s3_uploads WHERE instance_id = ?")
        .bind(instance_id)
        .fetch_one(db)
        .await?;
    Ok(count as u64)
}
