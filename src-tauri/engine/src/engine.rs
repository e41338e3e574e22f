//! `Engine`: the handle the hosts, the tests and the benchmarks call. This module holds
//! opening, shutting down and what every operation shares; the operations live in
//! their own modules (instances, sessions, chats, deletion) and reach the engine's
//! parts only through the accessors below.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde::Serialize;
use sqlx::{Row, SqlitePool};
use tokio::sync::{broadcast, watch};
use tracing::{info, instrument, warn};

use crate::actor::{SessionSink, WaConfig};
use crate::config::EngineConfig;
use crate::db::{self, to_json};
use crate::deletion;
use crate::early_receipts::EarlyReceipts;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::export::RunningExports;
use crate::folder_lock::FolderLock;
use crate::listing::Listing;
use crate::model::now_millis;
use crate::model::{DisconnectReason, Instance, InstanceState, Requester, WebhookEvent};
use crate::paths::{self, create_private_dir, Paths};
use crate::registry::{ActorSlot, Entry, Registry};
use crate::s3::worker::UploadWorker;
use crate::s3::{self, S3Tuning, Uploader};
use crate::sink::EngineSink;
use crate::timeline;
use crate::webhook::WebhookSender;

const EVENT_BUFFER: usize = 1024;

/// Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    /// Who this handle acts for; the audit trail records it.
    requester: Requester,
}

/// The engine without keeping it alive: what actors' callbacks hold.
#[derive(Clone)]
pub(crate) struct WeakEngine(Weak<Inner>);

impl WeakEngine {
    /// The engine, while it is open.
    pub(crate) fn upgrade(&self) -> Option<Engine> {
        self.0.upgrade().map(|inner| Engine {
            inner,
            requester: Requester::Window,
        })
    }
}

struct Inner {
    db: SqlitePool,
    paths: Paths,
    wa: WaConfig,
    registry: Mutex<Registry>,
    events: broadcast::Sender<EngineEvent>,
    webhooks: Arc<WebhookSender>,
    s3: S3Tuning,
    /// Drains the S3 upload queue; woken when media is queued or a bucket saved.
    uploads: Arc<UploadWorker>,
    /// Serialises state writes so the stored state follows the registry's order.
    state_writes: tokio::sync::Mutex<()>,
    stop: watch::Sender<bool>,
    shutting_down: AtomicBool,
    /// This engine's ownership of the data folder, until shutdown or drop.
    folder_lock: Mutex<Option<FolderLock>>,
    /// Held while receipts are matched to stored messages (see `early_receipts`).
    early_receipts: tokio::sync::Mutex<EarlyReceipts>,
    /// The instance list as last read, handed out again until the database changes.
    listing: Listing,
    /// Exports under way, by their id, so that they can be cancelled.
    exports: Arc<RunningExports>,
}

impl Engine {
    /// Opens (or creates) the data folder: takes it over (refused with
    /// `data_folder_in_use` while another engine has it, which then changes nothing in
    /// it), runs migrations, finishes the deletions a crash interrupted after their
    /// webhook and WhatsApp logout, empties trash/, and loads every instance. Nothing
    /// talks to WhatsApp until [`Engine::start_background`].
    #[instrument(skip_all, fields(data_dir = %config.data_dir.display()))]
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        crate::sqlite_tuning::configure_once();
        let paths = Paths::new(config.data_dir);
        // First of all: nothing in the folder is read or changed before it is ours.
        let folder_lock = FolderLock::acquire(&paths)?;
        for dir in [&paths.root, &paths.instances, &paths.trash] {
            create_private_dir(dir)?;
        }
        let db = db::open(&paths).await?;
        deletion::finish_interrupted(&db, &paths).await?;
        empty_trash(&paths)?;

        // No session survives a restart: what was live is now disconnected.
        let idle = to_json(&InstanceState::Disconnected {
            reason: DisconnectReason::Idle,
            detail: None,
            since: now_millis(),
        });
        sqlx::query(
            "UPDATE instances SET state = ?
             WHERE json_extract(state, '$.state') IN ('connected', 'connecting')",
        )
        .bind(idle)
        .execute(&db)
        .await?;

        // A restart is a natural moment to retry what the outbox still holds.
        sqlx::query("UPDATE webhook_outbox SET next_attempt_at = ?")
            .bind(now_millis())
            .execute(&db)
            .await?;

        let mut registry = Registry::default();
        for row in sqlx::query(
            "SELECT i.id, i.name, i.state,
                    EXISTS (SELECT 1 FROM deletions d WHERE d.instance_id = i.id) AS tombstoned
             FROM instances i",
        )
        .fetch_all(&db)
        .await?
        {
            let state: String = row.try_get("state")?;
            registry.insert(Entry {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                state: serde_json::from_str(&state)
                    .map_err(|e| Error::storage(format!("bad state column: {e}")))?,
                // Left by a deletion that still has to tell the webhook or WhatsApp.
                tombstoned: row.try_get("tombstoned")?,
                deletion: None,
                actor: ActorSlot::default(),
            });
        }
        remove_orphan_folders(&paths, &registry)?;

        // Uploads a restart interrupted, or that wait out a backoff, are tried at once.
        s3::queue::make_all_due(&db).await?;
        let uploads = UploadWorker::new(Uploader::new(
            db.clone(),
            paths.instances.clone(),
            config.s3.clone(),
            config.uploads,
        ));

        let events = broadcast::channel(EVENT_BUFFER).0;
        let webhooks = WebhookSender::new(db.clone(), config.webhooks, events.clone());
        let (stop, stop_rx) = watch::channel(false);
        tokio::spawn(webhooks.clone().run_outbox(stop_rx.clone()));
        info!(instances = registry.entries().count(), "engine opened");
        let engine = Engine {
            requester: Requester::Window,
            inner: Arc::new(Inner {
                db,
                paths,
                wa: config.wa,
                registry: Mutex::new(registry),
                events,
                webhooks,
                s3: config.s3,
                uploads: uploads.clone(),
                state_writes: tokio::sync::Mutex::new(()),
                stop,
                shutting_down: AtomicBool::new(false),
                folder_lock: Mutex::new(Some(folder_lock)),
                early_receipts: tokio::sync::Mutex::new(EarlyReceipts::default()),
                listing: Listing::default(),
                exports: Arc::default(),
            }),
        };
        tokio::spawn(uploads.run(engine.downgrade(), stop_rx));
        Ok(engine)
    }

    /// Every event, as it happens.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// The callbacks actors report into. Exposed so that other session drivers (and
    /// tests) can feed the engine exactly as an actor does.
    pub fn session_sink(&self) -> Arc<dyn SessionSink> {
        Arc::new(EngineSink::new(self.downgrade()))
    }

    /// Stops every actor (no logout) and the webhook sender, closes the database and
    /// gives the data folder up; the outbox keeps what is still queued for the next
    /// start.
    #[instrument(skip_all)]
    pub async fn shutdown(&self) {
        if self.inner.shutting_down.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.inner.stop.send(true);
        let slots: Vec<ActorSlot> = self.registry().entries().map(|e| e.actor.clone()).collect();
        for slot in slots {
            if let Some(actor) = slot.write().await.take() {
                actor.shutdown().await;
            }
        }
        self.inner.db.close().await;
        // Only once nothing writes any more may another engine take the folder.
        drop(lock(&self.inner.folder_lock).take());
        info!("engine shut down");
    }

    /// The same engine, acting for `requester`: what a host hands each caller so that
    /// the audit trail says who asked.
    pub fn on_behalf_of(&self, requester: Requester) -> Engine {
        Engine {
            inner: self.inner.clone(),
            requester,
        }
    }

    // ---- the parts the operation modules use ----------------------------------------

    pub(crate) fn requester(&self) -> Requester {
        self.requester
    }

    pub(crate) fn db(&self) -> &SqlitePool {
        &self.inner.db
    }

    pub(crate) fn early_receipts(&self) -> &tokio::sync::Mutex<EarlyReceipts> {
        &self.inner.early_receipts
    }

    pub(crate) fn exports(&self) -> &Arc<RunningExports> {
        &self.inner.exports
    }

    pub(crate) fn paths(&self) -> &Paths {
        &self.inner.paths
    }

    pub(crate) fn s3_tuning(&self) -> &S3Tuning {
        &self.inner.s3
    }

    /// Something waits in the S3 upload queue: run a pass now.
    pub(crate) fn wake_uploads(&self) {
        self.inner.uploads.wake();
    }

    pub(crate) fn wa(&self) -> &WaConfig {
        &self.inner.wa
    }

    pub(crate) fn webhooks(&self) -> &WebhookSender {
        &self.inner.webhooks
    }

    /// Where the local API answers while it runs (`None` once stopped): Evolution-shaped
    /// webhooks tell their receiver (`server_url`).
    pub fn set_api_url(&self, url: Option<String>) {
        self.inner.webhooks.set_api_url(url);
    }

    pub(crate) fn downgrade(&self) -> WeakEngine {
        WeakEngine(Arc::downgrade(&self.inner))
    }

    pub(crate) fn listing(&self) -> &Listing {
        &self.inner.listing
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.inner.registry)
    }

    pub(crate) fn ensure_running(&self) -> Result<()> {
        if self.inner.shutting_down.load(Ordering::SeqCst) {
            Err(Error::ShuttingDown)
        } else {
            Ok(())
        }
    }

    /// The id and actor of a live (existing, not deleting) instance.
    pub(crate) fn live(&self, key: &str, name: &str) -> Result<(String, ActorSlot)> {
        self.ensure_running()?;
        let registry = self.registry();
        let entry = registry.live(key, name)?;
        Ok((entry.id.clone(), entry.actor.clone()))
    }

    /// The connected client of a live instance, for work done beside its actor (sending,
    /// downloading); `not_connected` unless it is connected.
    pub(crate) async fn connected_remote(
        &self,
        slot: &ActorSlot,
        name: &str,
    ) -> Result<crate::wa::Remote> {
        let guard = slot.read().await;
        let actor = guard
            .as_ref()
            .ok_or_else(|| Error::NotConnected(name.to_string()))?;
        actor
            .remote()
            .await?
            .ok_or_else(|| Error::NotConnected(name.to_string()))
    }

    /// What a failure of an operation on a live instance means: when a deletion took
    /// the instance meanwhile (a write hitting the foreign key, a row gone, the actor
    /// stopped), the deletion is the answer, not the failure it caused.
    pub(crate) fn explain(&self, id: &str, name: &str, error: Error) -> Error {
        match self.registry().get(id) {
            None => Error::InstanceNotFound(name.to_string()),
            Some(entry) if entry.is_deleting() => Error::DeletionInProgress(entry.name.clone()),
            Some(_) => error,
        }
    }

    pub(crate) fn name_of(&self, id: &str) -> String {
        self.registry()
            .get(id)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    }

    pub(crate) async fn instance_by_id(&self, id: &str) -> Result<Instance> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE i.id = ?",
            db::INSTANCE_SELECT
        )))
        .bind(id)
        .fetch_optional(self.db())
        .await?
        .ok_or_else(|| Error::InstanceNotFound(self.name_of(id)))?;
        let mut instance = db::instance_from_row(&row)?;
        self.registry().overlay_live(&mut instance);
        Ok(instance)
    }

    pub(crate) async fn instance_updated(&self, id: &str) -> Result<Instance> {
        let instance = self.instance_by_id(id).await?;
        self.emit(EngineEvent::InstanceUpdated {
            instance_id: id.to_string(),
            instance: instance.clone(),
        });
        Ok(instance)
    }

    /// Records a new state (registry first, then the stored copy) and tells everyone.
    pub(crate) async fn set_state(&self, id: &str, state: InstanceState) -> Result<()> {
        let _order = self.inner.state_writes.lock().await;
        let previous = {
            let mut registry = self.registry();
            let Some(entry) = registry.get_mut(id) else {
                return Ok(());
            };
            std::mem::replace(&mut entry.state, state.clone())
        };
        sqlx::query("UPDATE instances SET state = ? WHERE id = ?")
            .bind(to_json(&state))
            .bind(id)
            .execute(self.db())
            .await?;
        info!(instance_id = %id, state = state.name(), "state changed");
        // Written before the event, so whoever re-reads the timeline on it finds the
        // entry; a timeline that cannot be written never hides the state itself.
        if let Some(event) = timeline::event_of_change(&previous, &state) {
            if let Err(e) = timeline::record(self.db(), id, &event).await {
                warn!(instance_id = %id, code = %e.code(), error = %e, "could not add to the timeline");
            }
        }
        self.emit(EngineEvent::StateChanged {
            instance_id: id.to_string(),
            state: state.clone(),
        });
        self.webhook(id, WebhookEvent::StateChanged, &state).await;
        match state {
            InstanceState::Connected { .. } => {
                self.webhook(id, WebhookEvent::Connected, &state).await
            }
            InstanceState::Loggedout { .. } => {
                self.webhook(id, WebhookEvent::LoggedOut, &state).await
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        // No subscriber is not an error.
        let _ = self.inner.events.send(event);
    }

    /// Queues a webhook; a failure to queue is logged, never fails the operation.
    pub(crate) async fn webhook<T: Serialize>(&self, id: &str, event: WebhookEvent, data: &T) {
        let name = self.name_of(id);
        if let Err(e) = self.inner.webhooks.enqueue(id, &name, event, data).await {
            warn!(instance_id = %id, code = %e.code(), error = %e, "webhook not queued");
        }
    }

    /// How a connection attempt currently stands, for callers that need to know.
    pub(crate) fn state_of(&self, id: &str) -> Option<InstanceState> {
        self.registry().get(id).map(|e| e.state.clone())
    }
}

/// A poisoned lock still holds consistent data here: every holder only swaps values.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// trash/ only ever holds folders whose removal was interrupted.
fn empty_trash(paths: &Paths) -> Result<()> {
    for entry in std::fs::read_dir(&paths.trash)? {
        let path = entry?.path();
        if path.is_dir() {
            paths::remove_tree(&path)?;
        } else {
            paths::remove_file(&path)?;
        }
    }
    Ok(())
}

/// A folder in instances/ without a row is what a create interrupted by a crash left.
fn remove_orphan_folders(paths: &Paths, registry: &Registry) -> Result<()> {
    for entry in std::fs::read_dir(&paths.instances)? {
        let entry = entry?;
        let id = entry.file_name().to_string_lossy().into_owned();
        if registry.get(&id).is_none() {
            warn!(folder = %id, "removing an instance folder that has no instance");
            let trash = paths.trash_dir(&id);
            std::fs::rename(entry.path(), &trash)?;
            paths::remove_tree(&trash)?;
        }
    }
    Ok(())
}
