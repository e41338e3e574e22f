//! Delete chat with its media, the bucket's part: the objects the chat's media rows
//! name, and anything else under the chat's prefix. Never fails for the bucket: each
//! object that could not be removed is reported with why (the rows are gone already).

use std::collections::HashSet;

use super::config::S3Config;
use super::keys;
use super::store::{ObjectFailure, S3Store, S3Tuning, Usage};
use super::stored;
use crate::actor::chat_folder_name;
use crate::error::{Error, Result};

/// A deleted media row: path, bytes, and where it was uploaded (endpoint, bucket, key).
pub type MediaRow = (String, i64, Option<String>, Option<String>, Option<String>);

/// What the bucket let go of the chat's media.
#[derive(Debug, Default)]
pub struct ChatObjectsDeleted {
    /// The media rows' objects removed (files and bytes, for the report's counters).
    pub removed: Usage,
    pub failed: Vec<ObjectFailure>,
}

fn in_bucket(config: &S3Config, row: &MediaRow) -> bool {
    row.2.as_deref() == Some(config.endpoint.as_str())
        && row.3.as_deref() == Some(config.bucket.as_str())
}

fn failure(key: &str, error: &Error) -> ObjectFailure {
    ObjectFailure {
        key: key.to_string(),
        code: error.code().to_string(),
        message: error.to_string(),
    }
}

/// `None` when no bucket is involved: the instance has none, and none of the chat's
/// media rows was uploaded to one.
pub async fn delete(
    db: &sqlx::SqlitePool,
    tuning: &S3Tuning,
    instance_id: &str,
    chat_jid: &str,
    rows: &[&MediaRow],
) -> Result<Option<ChatObjectsDeleted>> {
    let mut outcome = ChatObjectsDeleted::default();
    let config = stored::load(db, instance_id).await?;
    if config.is_none() && rows.is_empty() {
        return Ok(None);
    }
    let (ours, elsewhere): (Vec<&MediaRow>, Vec<&MediaRow>) = rows
        .iter()
        .partition(|row| config.as_ref().is_some_and(|c| in_bucket(c, row)));
    for row in elsewhere {
        let error = Error::S3InvalidConfig(format!(
            "in bucket '{}' at {}, which this instance no longer uses",
            row.3.as_deref().unwrap_or_default(),
            row.2.as_deref().unwrap_or_default()
        ));
        outcome
            .failed
            .push(failure(row.4.as_deref().unwrap_or_default(), &error));
    }
    let Some(config) = config else {
        return Ok(Some(outcome));
    };
    let store = S3Store::new(&config, tuning)?;
    let mut objects: Vec<(String, u64)> = ours
        .iter()
        .filter_map(|row| Some((row.4.clone()?, row.1 as u64)))
        .collect();
    let named: HashSet<String> = objects.iter().map(|(key, _)| key.clone()).collect();
    let prefix = keys::chat_prefix(&config, instance_id, &chat_folder_name(chat_jid));
    match store.list(&prefix).await {
        Ok(listed) => objects.extend(listed.into_iter().filter(|(key, _)| !named.contains(key))),
        Err(e) => {
            outcome
                .failed
                .extend(objects.iter().map(|(key, _)| failure(key, &e)));
            return Ok(Some(outcome));
        }
    }
    let report = store.delete_objects(&objects).await;
    let failed: HashSet<&str> = report.failed.iter().map(|f| f.key.as_str()).collect();
    for (key, size) in objects.iter().filter(|(key, _)| named.contains(key)) {
        if !failed.contains(key.as_str()) {
            outcome.removed.objects += 1;
            outcome.removed.bytes += size;
        }
    }
    outcome.failed.extend(report.failed);
    Ok(Some(outcome))
}
