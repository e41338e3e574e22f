//! Deleting an instance, in the order of the design, each step safe to repeat:
//! 1 tombstone (with the choice for the bucket's objects), 2 INSTANCE_DELETE webhook,
//! 3 WhatsApp logout (any stored session, live or idle), 4 stop the actor, 4b the
//! instance's objects in its S3 bucket: counted, then kept (the default) or deleted,
//! 5 move the folder into trash/, 6 delete every row (one statement, cascaded), 7 remove
//! the trash folder, write the audit record (saying what was kept and where), emit.
//!
//! Concurrent deletes of one instance JOIN: the first call spawns the deletion as its
//! own task (so a caller that goes away cannot stop it half-way) and every caller,
//! first or later, awaits the same outcome through a watch channel. A call arriving
//! after the deletion finished finds no instance (`instance_not_found`).
//!
//! The tombstone row records what each step decided, so a deletion interrupted by a
//! crash is carried on where it stopped: at the next open when only local steps are
//! left, otherwise by `Engine::start_background`, through this same path (step 2 needs
//! the webhook sender, step 3 a WhatsApp client, step 4b the bucket). Step 4b records
//! what it found before it removes anything, so a resumed step still reports every
//! object it removed; a failed object is reported, and never stops the local steps.

use sqlx::{Row, SqlitePool};
use tokio::sync::watch;
use tracing::{info, instrument, warn};

use crate::audit;
use crate::crash;
use crate::db::{self, to_json};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::model::{
    now_millis, AuditAction, Counts, DeleteReport, LogoutOutcome, Requester, WebhookOutcome,
};
use crate::paths::{self, Paths};
use crate::registry::{DeletionOutcome, Entry};
use crate::s3::objects_step::{self, Recorded, S3MediaChoice};
use crate::s3::stored;
use crate::validate;
use crate::webhook;

/// Bound on stopping an actor; a stuck one must not block a deletion forever.
const ACTOR_STOP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// A deletion under way, as stored in `deletions`.
struct Tombstone {
    instance_id: String,
    name: String,
    removed: Counts,
    webhook: Option<WebhookOutcome>,
    whatsapp_logout: Option<LogoutOutcome>,
    s3_choice: S3MediaChoice,
    s3: Option<Recorded>,
    /// Whoever started the deletion, also when it is finished after a restart.
    requested_by: Requester,
}

impl Tombstone {
    fn report(&self) -> DeleteReport {
        DeleteReport {
            instance_id: self.instance_id.clone(),
            name: self.name.clone(),
            removed: self.removed.clone(),
            whatsapp_logout: self.whatsapp_logout.unwrap_or(LogoutOutcome::NotConnected),
            webhook: self.webhook.unwrap_or(WebhookOutcome::NotConfigured),
            s3_media: self.s3_done().cloned(),
        }
    }

    fn s3_done(&self) -> Option<&objects_step::S3MediaOutcome> {
        match &self.s3 {
            Some(Recorded::Done { outcome }) => Some(outcome),
            _ => None,
        }
    }

    fn detail(&self, resumed: bool) -> String {
        let webhook = match self.webhook {
            Some(outcome) => format!("{outcome:?}"),
            None => "not sent (interrupted)".into(),
        };
        let s3 = match self.s3_done() {
            Some(outcome) => format!("; {}", outcome.describe()),
            None => String::new(),
        };
        format!(
            "webhook: {webhook}; whatsapp logout: {:?}{s3}{}",
            self.whatsapp_logout.unwrap_or(LogoutOutcome::NotConnected),
            if resumed {
                "; resumed after an interruption"
            } else {
                ""
            }
        )
    }
}

impl Engine {
    /// Deletes the instance and everything it holds, keeping its objects in its S3
    /// bucket; see the module documentation.
    pub async fn delete_instance(&self, name: &str) -> Result<DeleteReport> {
        self.delete_instance_with(name, S3MediaChoice::Keep).await
    }

    /// Deletes the instance; `s3_media` says what happens to its objects in its bucket
    /// (a deletion already under way keeps the choice it started with).
    #[instrument(skip_all, fields(name = %name, ?s3_media))]
    pub async fn delete_instance_with(
        &self,
        name: &str,
        s3_media: S3MediaChoice,
    ) -> Result<DeleteReport> {
        self.ensure_running()?;
        let key = validate::name(name)?;
        let mut outcome = {
            let mut registry = self.registry();
            let entry = registry
                .by_name_key_mut(&key)
                .ok_or_else(|| Error::InstanceNotFound(name.to_string()))?;
            self.start_or_join_deletion(entry, s3_media)
        };
        let settled = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| Error::storage("the deletion task ended without an answer"))?;
        settled.clone().expect("waited for an outcome")
    }

    /// Carries on every deletion a crash interrupted before its webhook or its WhatsApp
    /// logout was done; a `delete_instance` of such a name meanwhile joins it.
    pub(crate) fn resume_deletions(&self) {
        let mut registry = self.registry();
        let waiting = registry
            .entries_mut()
            .filter(|e| e.tombstoned && e.deletion.is_none());
        for entry in waiting {
            info!(instance_id = %entry.id, "resuming an interrupted deletion");
            // Its outcome is logged and audited by the deletion itself; the tombstone
            // keeps the choice it started with.
            self.start_or_join_deletion(entry, S3MediaChoice::Keep);
        }
    }

    /// The outcome of the deletion running for `entry`, started now if none runs. It
    /// runs as its own task, so a caller that goes away cannot stop it half-way.
    fn start_or_join_deletion(
        &self,
        entry: &mut Entry,
        s3_media: S3MediaChoice,
    ) -> DeletionOutcome {
        if let Some(running) = &entry.deletion {
            return running.clone();
        }
        let (done, outcome) = watch::channel(None);
        entry.deletion = Some(outcome.clone());
        let engine = self.clone();
        let id = entry.id.clone();
        tokio::spawn(async move {
            let result = engine.run_deletion(&id, s3_media).await;
            if result.is_err() {
                // Let a later call resume from the tombstone.
                if let Some(entry) = engine.registry().get_mut(&id) {
                    entry.deletion = None;
                }
            }
            let _ = done.send(Some(result));
        });
        outcome
    }

    async fn run_deletion(&self, id: &str, s3_media: S3MediaChoice) -> Result<DeleteReport> {
        let name = self.name_of(id);
        let result = self.deletion_steps(id, &name, s3_media).await;
        if let Err(e) = &result {
            warn!(instance_id = %id, code = %e.code(), error = %e, "deletion failed; it resumes on the next delete or start");
            let failure = audit::Entry {
                action: AuditAction::DeleteInstance,
                instance_id: id,
                instance_name: &name,
                target: None,
                result: e.code().as_str(),
                removed: Counts::default(),
                detail: Some(e.to_string()),
                requested_by: self.requester(),
            };
            if let Err(audit_error) = audit::record(self.db(), failure).await {
                warn!(error = %audit_error, "could not audit the failed deletion");
            }
        }
        result
    }

    async fn deletion_steps(
        &self,
        id: &str,
        name: &str,
        s3_media: S3MediaChoice,
    ) -> Result<DeleteReport> {
        // 1. Tombstone: from here on the instance refuses every other operation.
        let mut tomb = tombstone(self.db(), id, name, s3_media, self.requester()).await?;
        let (slot, resumed) = {
            let mut registry = self.registry();
            let entry = registry
                .get_mut(id)
                .ok_or_else(|| Error::InstanceNotFound(name.to_string()))?;
            let resumed = std::mem::replace(&mut entry.tombstoned, true);
            (entry.actor.clone(), resumed)
        };
        self.emit(EngineEvent::DeletionStarted {
            instance_id: id.to_string(),
            name: name.to_string(),
        });
        crash::point("delete:tombstoned");

        // 2. INSTANCE_DELETE, delivered or given up, before anything is wiped.
        if tomb.webhook.is_none() {
            let target = webhook::target(self.db(), id).await?;
            let outcome = self
                .webhooks()
                .deliver_instance_delete(target.as_ref(), name, id)
                .await;
            save_step(self.db(), id, "webhook", &outcome).await?;
            tomb.webhook = Some(outcome);
        }
        crash::point("delete:webhook_sent");

        // 3. Log out on WhatsApp whenever a session is stored, live or idle.
        if tomb.whatsapp_logout.is_none() {
            let outcome = self.remove_device(id, &slot).await.unwrap_or_else(|e| {
                warn!(instance_id = %id, code = %e.code(), error = %e, "logout before deletion failed");
                LogoutOutcome::Unconfirmed
            });
            save_step(self.db(), id, "whatsapp_logout", &outcome).await?;
            tomb.whatsapp_logout = Some(outcome);
        }
        crash::point("delete:logged_out");

        // 4. Stop the actor and wait for it.
        if let Some(actor) = slot.write().await.take() {
            if tokio::time::timeout(ACTOR_STOP_TIMEOUT, actor.shutdown())
                .await
                .is_err()
            {
                warn!(instance_id = %id, "actor did not stop in time; deleting anyway");
            }
        }
        crash::point("delete:actor_stopped");

        // 4b. The bucket's objects, counted first (recorded), then kept or deleted.
        if tomb.s3_done().is_none() {
            let started = match tomb.s3.take() {
                Some(Recorded::Started { outcome }) => Some(outcome),
                _ => objects_step::survey(self.db(), id, tomb.s3_choice, self.s3_tuning()).await?,
            };
            if let Some(outcome) = started {
                save_step(
                    self.db(),
                    id,
                    "s3_outcome",
                    &Recorded::Started {
                        outcome: outcome.clone(),
                    },
                )
                .await?;
                crash::point("delete:s3_counted");
                let outcome =
                    objects_step::finish(self.db(), self.s3_tuning(), id, outcome).await?;
                let done = Recorded::Done { outcome };
                save_step(self.db(), id, "s3_outcome", &done).await?;
                tomb.s3 = Some(done);
            }
        }
        crash::point("delete:s3_done");

        // 5-7.
        finish_local(self.db(), self.paths(), &tomb, resumed, || {
            self.registry().remove(id);
        })
        .await?;
        let report = tomb.report();
        info!(instance_id = %id, removed = ?report.removed, "instance deleted");
        self.emit(EngineEvent::InstanceDeleted {
            instance_id: id.to_string(),
            report: report.clone(),
        });
        Ok(report)
    }
}

/// Step 1: the tombstone, with what the instance holds now (kept if it already exists).
async fn tombstone(
    db: &SqlitePool,
    id: &str,
    name: &str,
    s3_choice: S3MediaChoice,
    requested_by: Requester,
) -> Result<Tombstone> {
    let mut tx = db::begin_write(db).await?;
    let counts = db::instance_counts(&mut *tx, id).await?;
    sqlx::query(
        "INSERT INTO deletions (instance_id, name, started_at, chats, messages, media_files,
                                media_bytes, s3_choice, requested_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instance_id) DO NOTHING",
    )
    .bind(id)
    .bind(name)
    .bind(now_millis())
    .bind(counts.chats as i64)
    .bind(counts.messages as i64)
    .bind(counts.media_files as i64)
    .bind(counts.media_bytes as i64)
    .bind(to_json(&s3_choice))
    .bind(requested_by.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(load_tombstones(db, Some(id)).await?.remove(0))
}

async fn save_step<T: serde::Serialize>(
    db: &SqlitePool,
    id: &str,
    column: &'static str,
    value: &T,
) -> Result<()> {
    let sql = match column {
        "webhook" => "UPDATE deletions SET webhook = ? WHERE instance_id = ?",
        "s3_outcome" => "UPDATE deletions SET s3_outcome = ? WHERE instance_id = ?",
        _ => "UPDATE deletions SET whatsapp_logout = ? WHERE instance_id = ?",
    };
    sqlx::query(sql)
        .bind(to_json(value))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

async fn load_tombstones(db: &SqlitePool, only: Option<&str>) -> Result<Vec<Tombstone>> {
    let rows = sqlx::query("SELECT * FROM deletions WHERE ?1 IS NULL OR instance_id = ?1")
        .bind(only)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Tombstone {
                instance_id: row.try_get("instance_id")?,
                name: row.try_get("name")?,
                removed: db::counts_from_row(row)?,
                webhook: parse_step(row.try_get("webhook")?),
                whatsapp_logout: parse_step(row.try_get("whatsapp_logout")?),
                s3_choice: parse_step(row.try_get("s3_choice")?).unwrap_or_default(),
                s3: parse_step(row.try_get("s3_outcome")?),
                requested_by: Requester::from_stored(&row.try_get::<String, _>("requested_by")?),
            })
        })
        .collect()
}

/// A recorded step outcome; unreadable counts as not done (the step is repeated).
fn parse_step<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

/// Steps 5-7, shared by every deletion and by the ones finished at open.
async fn finish_local(
    db: &SqlitePool,
    paths: &Paths,
    tomb: &Tombstone,
    resumed: bool,
    on_rows_deleted: impl FnOnce(),
) -> Result<()> {
    let id = &tomb.instance_id;
    // 5. One rename takes the whole folder out of instances/.
    let folder = paths.instance_dir(id);
    let trash = paths.trash_dir(id);
    if folder.exists() {
        paths::remove_tree(&trash)?;
        std::fs::rename(&folder, &trash)?;
    }
    crash::point("delete:moved");

    // 6. Every row, in one statement: the instance's tables cascade.
    sqlx::query("DELETE FROM instances WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    on_rows_deleted();
    crash::point("delete:rows_deleted");

    // 7. The files, then the audit record together with the tombstone's removal.
    paths::remove_tree(&trash)?;
    crash::point("delete:trash_removed");
    let mut tx = db.begin().await?;
    audit::record(
        &mut *tx,
        audit::Entry {
            action: AuditAction::DeleteInstance,
            instance_id: id,
            instance_name: &tomb.name,
            target: None,
            result: "ok",
            removed: tomb.removed.clone(),
            detail: Some(tomb.detail(resumed)),
            requested_by: tomb.requested_by,
        },
    )
    .await?;
    sqlx::query("DELETE FROM deletions WHERE instance_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// At open: finishes the deletions a crash interrupted once steps 2, 3 and 4b (for an
/// instance with a bucket) are recorded (only local steps are left), or when the
/// instance row is already gone (nothing left to tell anyone). The others stay
/// tombstoned for `Engine::start_background`.
pub(crate) async fn finish_interrupted(db: &SqlitePool, paths: &Paths) -> Result<()> {
    for tomb in load_tombstones(db, None).await? {
        let bucket_left =
            tomb.s3_done().is_none() && stored::load(db, &tomb.instance_id).await?.is_some();
        let told = tomb.webhook.is_some() && tomb.whatsapp_logout.is_some() && !bucket_left;
        if !told && instance_exists(db, &tomb.instance_id).await? {
            continue;
        }
        info!(instance_id = %tomb.instance_id, "finishing an interrupted deletion");
        finish_local(db, paths, &tomb, true, || {}).await?;
    }
    Ok(())
}

async fn instance_exists(db: &SqlitePool, id: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM instances WHERE id = ?)")
            .bind(id)
            .fetch_one(db)
            .await?,
    )
}
