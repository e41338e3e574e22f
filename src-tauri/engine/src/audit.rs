//! The audit trail of destructive actions. Records are not tied to the instance's
//! rows, so they stay readable after the instance is deleted.

use sqlx::Row;

use crate::db::counts_from_row;
use crate::error::{Error, Result};
use crate::model::{now_millis, AuditAction, AuditRecord, Counts, Requester};

pub struct Entry<'a> {
    pub action: AuditAction,
    pub instance_id: &'a str,
    pub instance_name: &'a str,
    pub target: Option<&'a str>,
    /// `ok` or an error code.
    pub result: &'a str,
    pub removed: Counts,
    pub detail: Option<String>,
    pub requested_by: Requester,
}

fn action_text(action: AuditAction) -> &'static str {
    match action {
        AuditAction::Logout => "logout",
        AuditAction::DeleteInstance => "delete_instance",
        AuditAction::DeleteChat => "delete_chat",
    }
}

fn action_from_text(text: &str) -> Result<AuditAction> {
    match text {
        "logout" => Ok(AuditAction::Logout),
        "delete_instance" => Ok(AuditAction::DeleteInstance),
        "delete_chat" => Ok(AuditAction::DeleteChat),
        other => Err(Error::storage(format!("unknown audit action '{other}'"))),
    }
}

pub async fn record<'e, E: sqlx::SqliteExecutor<'e>>(db: E, entry: Entry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit (action, instance_id, instance_name, target, at, result,
                            chats, messages, media_files, media_bytes, detail, requested_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(action_text(entry.action))
    .bind(entry.instance_id)
    .bind(entry.instance_name)
    .bind(entry.target)
    .bind(now_millis())
    .bind(entry.result)
    .bind(entry.removed.chats as i64)
    .bind(entry.removed.messages as i64)
    .bind(entry.removed.media_files as i64)
    .bind(entry.removed.media_bytes as i64)
    .bind(entry.detail)
    .bind(entry.requested_by.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Newest first; `instance_id` limits it to one instance, `deleted_name_key` to the
/// instances gone that had that name (case-insensitive). Neither: every record.
pub async fn list(
    db: &sqlx::SqlitePool,
    instance_id: Option<&str>,
    deleted_name_key: Option<&str>,
) -> Result<Vec<AuditRecord>> {
    let rows = sqlx::query(
        "SELECT * FROM audit
         WHERE (?1 IS NULL OR instance_id = ?1)
           AND (?2 IS NULL OR (lower(instance_name) = ?2
                               AND instance_id NOT IN (SELECT id FROM instances)))
         ORDER BY id DESC",
    )
    .bind(instance_id)
    .bind(deleted_name_key)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditRecord {
                id: row.try_get("id")?,
                action: action_from_text(&row.try_get::<String, _>("action")?)?,
                instance_id: row.try_get("instance_id")?,
                instance_name: row.try_get("instance_name")?,
                target: row.try_get("target")?,
                at: row.try_get("at")?,
                result: row.try_get("result")?,
                removed: counts_from_row(row)?,
                detail: row.try_get("detail")?,
                requested_by: Requester::from_stored(&row.try_get::<String, _>("requested_by")?),
            })
        })
        .collect()
}
