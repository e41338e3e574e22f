//! Delete instance, the bucket's step (between the WhatsApp logout and the folder
//! move): the instance's objects under `<prefix>/<instance-id>/` are kept (the default,
//! as RyzeAPI documents) or deleted, and either way counted and reported with where
//! they are. The step's start is recorded with what it found, so after a crash it is
//! run again and still reports every object the whole step removed.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::keys;
use super::store::{ObjectFailure, S3Store, S3Tuning, Usage};
use super::stored;
use crate::crash;
use crate::error::Result;

/// What a deletion does with the instance's objects in its bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum S3MediaChoice {
    /// Leave them in the bucket (the default).
    #[default]
    Keep,
    /// Delete them too (the API's `deleteS3Media`).
    Delete,
}

/// Where an instance's objects are, and what the deletion did with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct S3MediaOutcome {
    pub choice: S3MediaChoice,
    pub endpoint: String,
    pub bucket: String,
    /// Every object of the instance starts with this.
    pub prefix: String,
    /// What was there when the step started.
    pub found: Usage,
    /// Removed by this deletion (0 when kept).
    pub removed: Usage,
    /// Objects that could not be removed, with why.
    pub failed: Vec<ObjectFailure>,
    /// The bucket could not be read at all (nothing was removed): why.
    pub error: Option<String>,
}

impl S3MediaOutcome {
    /// For the audit record: what was kept or removed, and where.
    pub fn describe(&self) -> String {
        let place = format!(
            "bucket '{}' at {} under '{}'",
            self.bucket, self.endpoint, self.prefix
        );
        if let Some(error) = &self.error {
            return format!("S3 objects under {place}: not counted ({error})");
        }
        match self.choice {
            S3MediaChoice::Keep => format!(
                "S3 objects kept: {} ({} bytes) in {place}",
                self.found.objects, self.found.bytes
            ),
            S3MediaChoice::Delete => format!(
                "S3 objects deleted: {} of {} ({} bytes) from {place}; {} failed",
                self.removed.objects,
                self.found.objects,
                self.removed.bytes,
                self.failed.len()
            ),
        }
    }
}

/// The step's recorded state: started (with what it found) or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Recorded {
    Started { outcome: S3MediaOutcome },
    Done { outcome: S3MediaOutcome },
}

/// Where the instance's objects are and how many (with `choice`), before anything is
/// removed; `None` when the instance has no bucket. A bucket that cannot be listed is
/// reported in `error`, not as a failure of the whole deletion.
pub async fn survey<'e, E: sqlx::SqliteExecutor<'e>>(
    db: E,
    instance_id: &str,
    choice: S3MediaChoice,
    tuning: &S3Tuning,
) -> Result<Option<S3MediaOutcome>> {
    let Some(config) = stored::load(db, instance_id).await? else {
        return Ok(None);
    };
    let prefix = keys::instance_prefix(&config, instance_id);
    let mut outcome = S3MediaOutcome {
        choice,
        endpoint: config.endpoint.clone(),
        bucket: config.bucket.clone(),
        prefix: prefix.clone(),
        found: Usage::default(),
        removed: Usage::default(),
        failed: Vec::new(),
        error: None,
    };
    match S3Store::new(&config, tuning)?.usage(&prefix).await {
        Ok(found) => outcome.found = found,
        Err(e) => outcome.error = Some(format!("{}: {e}", e.code())),
    }
    Ok(Some(outcome))
}

/// The second half: with `Delete`, removes what is still under the prefix (a resumed
/// step finds only what the crash left) and counts as removed everything found at
/// the start that is gone now. Never fails: failures are reported per object.
pub async fn finish<'e, E: sqlx::SqliteExecutor<'e>>(
    db: E,
    tuning: &S3Tuning,
    instance_id: &str,
    mut outcome: S3MediaOutcome,
) -> Result<S3MediaOutcome> {
    if outcome.choice == S3MediaChoice::Keep || outcome.error.is_some() {
        return Ok(outcome);
    }
    let Some(config) = stored::load(db, instance_id).await? else {
        return Ok(outcome);
    };
    let store = S3Store::new(&config, tuning)?;
    let left = match store.list(&outcome.prefix).await {
        Ok(left) => left,
        Err(e) => {
            outcome.error = Some(format!("{}: {e}", e.code()));
            return Ok(outcome);
        }
    };
    let (first, rest) = left.split_at(left.len().min(1));
    let mut report = store.delete_objects(first).await;
    // The crash tests stop the process here, with the first object removed.
    crash::point("delete:s3_deleting");
    report
        .failed
        .extend(store.delete_objects(rest).await.failed);
    let still_bytes: u64 = left
        .iter()
        .filter(|(key, _)| report.failed.iter().any(|f| &f.key == key))
        .map(|(_, size)| size)
        .sum();
    outcome.removed = Usage {
        objects: outcome
            .found
            .objects
            .saturating_sub(report.failed.len() as u64),
        bytes: outcome.found.bytes.saturating_sub(still_bytes),
    };
    outcome.failed = report.failed;
    Ok(outcome)
}
