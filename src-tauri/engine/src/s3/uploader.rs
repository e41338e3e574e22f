//! Drains the upload queue: each due media file goes up to its instance's bucket under
//! its key, with its content type. Once the server confirmed it, the media row records
//! where it lives (with the queue row's removal, in one transaction) and only then is
//! the local copy removed. A failed try stays queued with backoff, its file kept.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use sqlx::{Row, SqlitePool};
use tracing::{debug, info, warn};

use super::keys;
use super::queue::{self, PendingUpload, QueueTuning};
use super::store::{S3Store, S3Tuning};
use super::stored;
use crate::error::Result;
use crate::model::now_millis;
use crate::model::Millis;

/// Uploads taken from the queue at a time (the last few of a batch run with fewer in
/// flight, so a batch is many times the concurrency).
const BATCH: i64 = 64;
/// Uploads in flight at once.
const CONCURRENCY: usize = 4;

/// What one pass over the queue did.
#[derive(Debug, Default)]
pub struct Pass {
    pub uploaded: u64,
    pub failed: u64,
    /// Instances whose pending uploads changed (for the window's counters).
    pub instances: Vec<String>,
    /// When the next queued upload is due, if any is left.
    pub next_due: Option<Millis>,
}

enum Outcome {
    Uploaded,
    /// Nothing left to upload (media or configuration gone, or already uploaded).
    Dropped,
    Failed,
}

pub struct Uploader {
    db: SqlitePool,
    instances_dir: PathBuf,
    s3: S3Tuning,
    queue: QueueTuning,
}

impl Uploader {
    /// `instances_dir` is the data folder's `instances/`, where media paths start.
    pub fn new(db: SqlitePool, instances_dir: PathBuf, s3: S3Tuning, queue: QueueTuning) -> Self {
        Uploader {
            db,
            instances_dir,
            s3,
            queue,
        }
    }

    /// Uploads every queued file that is due now, each at most once: one that fails waits
    /// for its backoff and a later pass, even if the backoff runs out during this one.
    pub async fn run_due(&self) -> Result<Pass> {
        let mut pass = Pass::default();
        let mut stores: HashMap<String, Option<S3Store>> = HashMap::new();
        let mut tried = HashSet::new();
        loop {
            let batch: Vec<PendingUpload> = queue::due(&self.db, now_millis(), BATCH)
                .await?
                .into_iter()
                .filter(|u| {
                    tried.insert((
                        u.instance_id.clone(),
                        u.chat_jid.clone(),
                        u.message_id.clone(),
                    ))
                })
                .collect();
            if batch.is_empty() {
                break;
            }
            for upload in &batch {
                if !stores.contains_key(&upload.instance_id) {
                    let store = self.store_for(&upload.instance_id).await?;
                    stores.insert(upload.instance_id.clone(), store);
                }
            }
            // Owned uploads and stores: the futures run inside a spawned task.
            let outcomes: Vec<(String, Result<Outcome>)> = futures::stream::iter(batch)
                .map(|upload| {
                    let store = stores[&upload.instance_id].clone();
                    async move {
                        let outcome = self.upload_one(store.as_ref(), &upload).await;
                        (upload.instance_id, outcome)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            for (instance_id, outcome) in outcomes {
                match outcome? {
                    Outcome::Uploaded => pass.uploaded += 1,
                    Outcome::Failed => pass.failed += 1,
                    Outcome::Dropped => {}
                }
                if !pass.instances.contains(&instance_id) {
                    pass.instances.push(instance_id);
                }
            }
        }
        pass.next_due = queue::next_due(&self.db).await?;
        Ok(pass)
    }

    /// The client of the instance's bucket; None when S3 is off for it.
    async fn store_for(&self, instance_id: &str) -> Result<Option<S3Store>> {
        match stored::load(&self.db, instance_id).await? {
            Some(config) => Ok(Some(S3Store::new(&config, &self.s3)?)),
            None => Ok(None),
        }
    }

    async fn upload_one(&self, store: Option<&S3Store>, upload: &PendingUpload) -> Result<Outcome> {
        let row = sqlx::query(
            "SELECT path, mime, s3_key FROM media
             WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
        )
        .bind(&upload.instance_id)
        .bind(&upload.chat_jid)
        .bind(&upload.message_id)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else {
            queue::finish(&self.db, upload).await?;
            return Ok(Outcome::Dropped);
        };
        let relative: String = row.try_get("path")?;
        let mime: Option<String> = row.try_get("mime")?;
        let already: Option<String> = row.try_get("s3_key")?;
        let Some(store) = store.filter(|_| already.is_none()) else {
            // S3 was turned off since (the file stays local), or it is up already.
            queue::finish(&self.db, upload).await?;
            return Ok(Outcome::Dropped);
        };
        let file = self.instances_dir.join(&upload.instance_id).join(&relative);
        let Some(key) = keys::media_key(store.config(), &upload.instance_id, &relative)
            .filter(|_| file.is_file())
        else {
            warn!(instance_id = %upload.instance_id, "queued media has no local file under media/; not uploaded");
            queue::finish(&self.db, upload).await?;
            return Ok(Outcome::Dropped);
        };
        let content_type = mime.as_deref().unwrap_or("application/octet-stream");
        match store.put_file(&key, &file, content_type).await {
            Ok(bytes) => {
                self.record_uploaded(store, upload, &key, &file).await?;
                debug!(instance_id = %upload.instance_id, bytes, "media uploaded");
                Ok(Outcome::Uploaded)
            }
            Err(e) => {
                let next = queue::retry_later(&self.db, upload, &e, &self.queue).await?;
                info!(instance_id = %upload.instance_id, code = %e.code(), error = %e,
                      retry_in_ms = next - now_millis(), "media upload failed; it will be retried");
                Ok(Outcome::Failed)
            }
        }
    }

    /// The row says where the file lives and the queue forgets it, together; then the
    /// local copy goes. A crash in between leaves a stray local file, never a row that
    /// names a file that does not exist.
    async fn record_uploaded(
        &self,
        store: &S3Store,
        upload: &PendingUpload,
        key: &str,
        file: &Path,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "UPDATE media SET s3_endpoint = ?, s3_bucket = ?, s3_key = ?
             WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
        )
        .bind(&store.config().endpoint)
        .bind(&store.config().bucket)
        .bind(key)
        .bind(&upload.instance_id)
        .bind(&upload.chat_jid)
        .bind(&upload.message_id)
        .execute(&mut *tx)
        .await?;
        queue::finish(&mut *tx, upload).await?;
        tx.commit().await?;
        crate::paths::remove_file(file)?;
        Ok(())
    }
}
