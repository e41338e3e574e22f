//! `Engine`: the handle the shell, the tests and the benchmarks call. This module holds
//! opening, instance CRUD, connect/logout and events; deletion, chats and the actors'
//! callbacks live in their own modules.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::RngCore;
use serde::Serialize;
use sqlx::{Row, SqlitePool};
use tokio::sync::{broadcast, watch};
use tracing::{info, instrument, warn};

use crate::actor::{ActorContext, ActorHandle, SessionSink, WaConfig};
use crate::audit;
use crate::config::EngineConfig;
use crate::db::{self, now_millis, to_json};
use crate::deletion;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::model::{
    AuditAction, AuditRecord, Counts, CreateInstance, DisconnectReason, Instance, InstanceState,
    LogoutCause, LogoutOutcome, LogoutReport, Settings, WebhookEvent, WebhookInput,
};
use crate::paths::{self, create_private_dir, Paths};
use crate::registry::{ActorSlot, Entry, Registry};
use crate::s3::worker::UploadWorker;
use crate::s3::{self, S3Tuning, Uploader};
use crate::sink::EngineSink;
use crate::validate;
use crate::webhook::WebhookSender;

const EVENT_BUFFER: usize = 1024;

/// Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub db: SqlitePool,
    pub paths: Paths,
    pub wa: WaConfig,
    pub registry: Mutex<Registry>,
    pub events: broadcast::Sender<EngineEvent>,
    pub webhooks: Arc<WebhookSender>,
    pub s3: S3Tuning,
    /// Drains the S3 upload queue; woken when media is queued or a bucket saved.
    pub uploads: Arc<UploadWorker>,
    /// Serialises state writes so the stored state follows the registry's order.
    pub state_writes: tokio::sync::Mutex<()>,
    stop: watch::Sender<bool>,
    shutting_down: AtomicBool,
}

impl Engine {
    /// Opens (or creates) the data folder: runs migrations, finishes the deletions a crash
    /// interrupted after their webhook and WhatsApp logout, empties trash/, and loads
    /// every instance. Nothing talks to WhatsApp until [`Engine::start_background`].
    #[instrument(skip_all, fields(data_dir = %config.data_dir.display()))]
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        let paths = Paths::new(config.data_dir);
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
                    .map_err(|e| Error::Storage(format!("bad state column: {e}")))?,
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

        let webhooks = WebhookSender::new(db.clone(), config.webhooks);
        let (stop, stop_rx) = watch::channel(false);
        tokio::spawn(webhooks.clone().run_outbox(stop_rx.clone()));
        info!(instances = registry.entries().count(), "engine opened");
        let engine = Engine {
            inner: Arc::new(Inner {
                db,
                paths,
                wa: config.wa,
                registry: Mutex::new(registry),
                events: broadcast::channel(EVENT_BUFFER).0,
                webhooks,
                s3: config.s3,
                uploads: uploads.clone(),
                state_writes: tokio::sync::Mutex::new(()),
                stop,
                shutting_down: AtomicBool::new(false),
            }),
        };
        tokio::spawn(uploads.run(Arc::downgrade(&engine.inner), stop_rx));
        Ok(engine)
    }

    /// Carries on the deletions a crash interrupted, and reconnects, in the background,
    /// every other instance that has a stored session and was not logged out or banned.
    /// The shell calls it once after `open`.
    pub fn start_background(&self) {
        self.resume_deletions();
        let engine = self.clone();
        tokio::spawn(async move {
            let paired: Vec<(String, String)> = match sqlx::query(
                "SELECT id, name FROM instances WHERE paired = 1
                 AND json_extract(state, '$.state') NOT IN ('loggedout', 'banned')
                 AND id NOT IN (SELECT instance_id FROM deletions)",
            )
            .fetch_all(&engine.inner.db)
            .await
            {
                Ok(rows) => rows
                    .iter()
                    .filter_map(|r| Some((r.try_get("id").ok()?, r.try_get("name").ok()?)))
                    .collect(),
                Err(e) => {
                    warn!(error = %e, "could not list instances to reconnect");
                    return;
                }
            };
            let reconnects = paired.into_iter().map(|(id, name)| {
                let engine = engine.clone();
                async move {
                    if let Err(e) = engine.reconnect_id(&id).await {
                        warn!(instance = %name, code = e.code(), error = %e, "reconnect at start-up failed");
                    }
                }
            });
            futures::future::join_all(reconnects).await;
        });
    }

    /// Every event, as it happens.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// The callbacks actors report into. Exposed so that other session drivers (and
    /// tests) can feed the engine exactly as an actor does.
    pub fn session_sink(&self) -> Arc<dyn SessionSink> {
        Arc::new(EngineSink::new(&self.inner))
    }

    /// Stops every actor (no logout) and the webhook sender; the outbox keeps what is
    /// still queued for the next start.
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
        info!("engine shut down");
    }

    // ---- instances -------------------------------------------------------------------

    /// The name rules and uniqueness, for as-you-type checks.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn check_name(&self, name: &str) -> Result<()> {
        let key = validate::name(name)?;
        self.ensure_name_free(&key, name)
    }

    #[instrument(skip_all, fields(name = %input.name))]
    pub async fn create_instance(&self, input: CreateInstance) -> Result<Instance> {
        self.ensure_running()?;
        let key = validate::name(&input.name)?;
        let settings = validate::settings(input.settings.unwrap_or_default())?;
        let webhook = input.webhook.map(validate::webhook).transpose()?;
        let proxy = input.proxy.as_deref().map(validate::proxy).transpose()?;
        self.ensure_name_free(&key, &input.name)?;
        // A bucket given at creation is tested like one saved later.
        let bucket = match input.s3 {
            Some(bucket) => Some(self.tested_s3(bucket, None).await?),
            None => None,
        };

        let id = uuid::Uuid::new_v4().to_string();
        let state = InstanceState::Disconnected {
            reason: DisconnectReason::Idle,
            detail: None,
            since: now_millis(),
        };
        let dir = self.inner.paths.instance_dir(&id);
        create_private_dir(&self.inner.paths.media_dir(&id))?;
        let stored = async {
            let mut tx = self.inner.db.begin().await?;
            sqlx::query(
                "INSERT INTO instances (id, name, name_key, token, webhook_secret, settings, proxy,
                                        state, paired, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            )
            .bind(&id)
            .bind(&input.name)
            .bind(&key)
            .bind(random_hex(32))
            .bind(random_hex(32))
            .bind(to_json(&settings))
            .bind(&proxy)
            .bind(to_json(&state))
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
            if let Some(webhook) = &webhook {
                store_webhook(&mut tx, &id, webhook).await?;
            }
            if let Some(bucket) = &bucket {
                s3::stored::save(&mut *tx, &id, bucket).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(e) = stored {
            let _ = paths::remove_tree(&dir);
            return Err(match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    Error::NameTaken(input.name.clone())
                }
                other => other.into(),
            });
        }
        self.registry().insert(Entry {
            id: id.clone(),
            name: input.name.clone(),
            state,
            tombstoned: false,
            deletion: None,
            actor: ActorSlot::default(),
        });
        let instance = self.instance_by_id(&id).await?;
        info!(instance_id = %id, "instance created");
        self.emit(EngineEvent::InstanceCreated {
            instance_id: id,
            instance: instance.clone(),
        });
        Ok(instance)
    }

    /// Every instance, disconnected ones included; deleting ones carry `deleting`.
    #[instrument(skip_all)]
    pub async fn list_instances(&self) -> Result<Vec<Instance>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} ORDER BY i.name_key",
            db::INSTANCE_SELECT
        )))
        .fetch_all(&self.inner.db)
        .await?;
        let mut instances = rows
            .iter()
            .map(db::instance_from_row)
            .collect::<Result<Vec<_>>>()?;
        let registry = self.registry();
        for instance in &mut instances {
            overlay_live(&registry, instance);
        }
        Ok(instances)
    }

    #[instrument(skip_all, fields(name = %name))]
    pub async fn get_instance(&self, name: &str) -> Result<Instance> {
        let id = self.id_of(name)?;
        self.instance_by_id(&id).await
    }

    /// The account's profile picture as last downloaded from WhatsApp, if any.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn profile_picture(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let id = self.id_of(name)?;
        match tokio::fs::read(self.inner.paths.picture_file(&id)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The id of a listed instance (deleting ones included), by its name in any case.
    pub(crate) fn id_of(&self, name: &str) -> Result<String> {
        let key = validate::name(name)?;
        self.registry()
            .by_name_key(&key)
            .map(|e| e.id.clone())
            .ok_or_else(|| Error::InstanceNotFound(name.to_string()))
    }

    #[instrument(skip_all, fields(name = %name))]
    pub async fn update_settings(&self, name: &str, settings: Settings) -> Result<Instance> {
        let key = validate::name(name)?;
        let settings = validate::settings(settings)?;
        let (id, slot) = self.live(&key, name)?;
        sqlx::query("UPDATE instances SET settings = ? WHERE id = ?")
            .bind(to_json(&settings))
            .bind(&id)
            .execute(&self.inner.db)
            .await?;
        self.push_config_to_actor(&id, &slot).await?;
        self.instance_updated(&id).await
    }

    /// `None` removes the webhook (queued deliveries are dropped with it).
    #[instrument(skip_all, fields(name = %name))]
    pub async fn set_webhook(&self, name: &str, webhook: Option<WebhookInput>) -> Result<Instance> {
        let key = validate::name(name)?;
        let webhook = webhook.map(validate::webhook).transpose()?;
        let (id, _) = self.live(&key, name)?;
        let mut tx = self.inner.db.begin().await?;
        match &webhook {
            Some(webhook) => store_webhook(&mut tx, &id, webhook).await?,
            None => {
                sqlx::query("DELETE FROM webhooks WHERE instance_id = ?")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM webhook_outbox WHERE instance_id = ?")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.instance_updated(&id).await
    }

    /// `None` connects directly. Takes effect on the next connect.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn set_proxy(&self, name: &str, proxy: Option<String>) -> Result<Instance> {
        let key = validate::name(name)?;
        let proxy = proxy.as_deref().map(validate::proxy).transpose()?;
        let (id, slot) = self.live(&key, name)?;
        sqlx::query("UPDATE instances SET proxy = ? WHERE id = ?")
            .bind(&proxy)
            .bind(&id)
            .execute(&self.inner.db)
            .await?;
        self.push_config_to_actor(&id, &slot).await?;
        self.instance_updated(&id).await
    }

    /// Audit records, newest first; with a name, only that instance's (deleted ones too).
    #[instrument(skip_all)]
    pub async fn audit_log(&self, name: Option<&str>) -> Result<Vec<AuditRecord>> {
        let key = name.map(validate::name).transpose()?;
        audit::list(&self.inner.db, key.as_deref()).await
    }

    // ---- WhatsApp sessions -----------------------------------------------------------

    /// Starts a QR round; the codes arrive as `EngineEvent::QrCode`. On a connected
    /// instance it answers the state and changes nothing.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn connect_qr(&self, name: &str) -> Result<InstanceState> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        let slot = self.ensure_actor(&id).await?;
        let guard = slot.read().await;
        let actor = guard.as_ref().ok_or(Error::ShuttingDown)?;
        actor.connect_qr().await
    }

    /// Asks WhatsApp for an 8-character pairing code for `phone`.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn connect_code(&self, name: &str, phone: &str) -> Result<String> {
        let key = validate::name(name)?;
        let digits = validate::phone(phone)?;
        let (id, _) = self.live(&key, name)?;
        let slot = self.ensure_actor(&id).await?;
        let guard = slot.read().await;
        let actor = guard.as_ref().ok_or(Error::ShuttingDown)?;
        actor.connect_code(digits).await
    }

    /// Restores a stored session without QR; `not_paired` when there is none.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn reconnect(&self, name: &str) -> Result<InstanceState> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        self.reconnect_id(&id).await
    }

    async fn reconnect_id(&self, id: &str) -> Result<InstanceState> {
        let (paired, name): (bool, String) =
            sqlx::query_as("SELECT paired, name FROM instances WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.inner.db)
                .await?
                .ok_or_else(|| Error::InstanceNotFound(id.to_string()))?;
        if !paired {
            return Err(Error::NotPaired(name));
        }
        let slot = self.ensure_actor(id).await?;
        let guard = slot.read().await;
        let actor = guard.as_ref().ok_or(Error::ShuttingDown)?;
        actor.reconnect().await
    }

    /// Removes the device on WhatsApp, wipes the session store, keeps the instance, its
    /// settings and chats. Repeating it is harmless.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn logout(&self, name: &str) -> Result<LogoutReport> {
        let key = validate::name(name)?;
        let (id, slot) = self.live(&key, name)?;
        let instance_name = self.name_of(&id);
        let result = self.logout_id(&id, &slot).await;
        let (audit_result, detail) = match &result {
            Ok(outcome) => ("ok", format!("whatsapp: {outcome:?}")),
            Err(e) => (e.code(), e.to_string()),
        };
        audit::record(
            &self.inner.db,
            audit::Entry {
                action: AuditAction::Logout,
                instance_id: &id,
                instance_name: &instance_name,
                target: None,
                result: audit_result,
                removed: Counts::default(),
                detail: Some(detail),
            },
        )
        .await?;
        let outcome = result?;
        info!(instance_id = %id, ?outcome, "logged out");
        Ok(LogoutReport {
            instance_id: id,
            name: instance_name,
            whatsapp: outcome,
        })
    }

    async fn logout_id(&self, id: &str, slot: &ActorSlot) -> Result<LogoutOutcome> {
        let outcome = self.remove_device(id, slot).await?;
        if let Some(actor) = slot.write().await.take() {
            actor.shutdown().await;
        }
        // Whatever the actor did, no session key may survive a logout.
        paths::wipe_session(&self.inner.paths.session_db(id))?;
        sqlx::query("UPDATE instances SET paired = 0 WHERE id = ?")
            .bind(id)
            .execute(&self.inner.db)
            .await?;
        self.set_state(
            id,
            InstanceState::Loggedout {
                cause: LogoutCause::User,
                since: now_millis(),
            },
        )
        .await?;
        Ok(outcome)
    }

    /// Removes the device on WhatsApp (it leaves the phone's linked devices) for any
    /// stored session, live or not: an idle one gets an actor for the purpose, instead of
    /// leaving a stale device that counts against the phone's limit. The actor stays in
    /// the slot for the caller to stop.
    pub(crate) async fn remove_device(&self, id: &str, slot: &ActorSlot) -> Result<LogoutOutcome> {
        let paired: bool = sqlx::query_scalar("SELECT paired FROM instances WHERE id = ?")
            .bind(id)
            .fetch_one(&self.inner.db)
            .await?;
        let mut guard = slot.write().await;
        if guard.is_none() && paired {
            self.ensure_running()?;
            *guard = Some(ActorHandle::spawn(self.actor_context(id).await?));
        }
        match guard.as_ref() {
            Some(actor) => self.bounded_logout(actor).await,
            None => Ok(LogoutOutcome::NotConnected),
        }
    }

    /// The actor's logout, bounded: no answer in time counts as unconfirmed.
    pub(crate) async fn bounded_logout(&self, actor: &ActorHandle) -> Result<LogoutOutcome> {
        let limit = self.inner.wa.logout_timeout + std::time::Duration::from_secs(5);
        match tokio::time::timeout(limit, actor.logout()).await {
            Ok(outcome) => outcome,
            Err(_) => Ok(LogoutOutcome::Unconfirmed),
        }
    }

    // ---- shared helpers --------------------------------------------------------------

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.inner
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn ensure_running(&self) -> Result<()> {
        if self.inner.shutting_down.load(Ordering::SeqCst) {
            Err(Error::ShuttingDown)
        } else {
            Ok(())
        }
    }

    fn ensure_name_free(&self, key: &str, name: &str) -> Result<()> {
        match self.registry().by_name_key(key) {
            Some(e) if e.tombstoned || e.deletion.is_some() => {
                Err(Error::DeletionInProgress(e.name.clone()))
            }
            Some(_) => Err(Error::NameTaken(name.to_string())),
            None => Ok(()),
        }
    }

    /// The id and actor of a live (existing, not deleting) instance.
    pub(crate) fn live(&self, key: &str, name: &str) -> Result<(String, ActorSlot)> {
        self.ensure_running()?;
        let registry = self.registry();
        let entry = registry.live(key, name)?;
        Ok((entry.id.clone(), entry.actor.clone()))
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
        .fetch_optional(&self.inner.db)
        .await?
        .ok_or_else(|| Error::InstanceNotFound(self.name_of(id)))?;
        let mut instance = db::instance_from_row(&row)?;
        overlay_live(&self.registry(), &mut instance);
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

    /// Spawns the instance's actor if it has none yet (actors exist only for instances
    /// someone connected: idle instances cost nothing).
    async fn ensure_actor(&self, id: &str) -> Result<ActorSlot> {
        let slot = self
            .registry()
            .get(id)
            .map(|e| e.actor.clone())
            .ok_or_else(|| Error::InstanceNotFound(id.to_string()))?;
        let mut guard = slot.write().await;
        if guard.is_none() {
            self.ensure_running()?;
            *guard = Some(ActorHandle::spawn(self.actor_context(id).await?));
        }
        drop(guard);
        Ok(slot)
    }

    async fn actor_context(&self, id: &str) -> Result<ActorContext> {
        let (name, settings, proxy): (String, String, Option<String>) =
            sqlx::query_as("SELECT name, settings, proxy FROM instances WHERE id = ?")
                .bind(id)
                .fetch_one(&self.inner.db)
                .await?;
        Ok(ActorContext {
            instance_id: id.to_string(),
            name,
            session_db: self.inner.paths.session_db(id),
            media_dir: self.inner.paths.media_dir(id),
            picture_file: self.inner.paths.picture_file(id),
            settings: serde_json::from_str(&settings)
                .map_err(|e| Error::Storage(format!("bad settings column: {e}")))?,
            proxy,
            wa: self.inner.wa.clone(),
            sink: self.session_sink(),
        })
    }

    async fn push_config_to_actor(&self, id: &str, slot: &ActorSlot) -> Result<()> {
        let guard = slot.read().await;
        if let Some(actor) = guard.as_ref() {
            let ctx = self.actor_context(id).await?;
            actor.update(ctx.settings, ctx.proxy).await;
        }
        Ok(())
    }

    /// Records a new state (registry first, then the stored copy) and tells everyone.
    pub(crate) async fn set_state(&self, id: &str, state: InstanceState) -> Result<()> {
        let _order = self.inner.state_writes.lock().await;
        {
            let mut registry = self.registry();
            let Some(entry) = registry.get_mut(id) else {
                return Ok(());
            };
            entry.state = state.clone();
        }
        sqlx::query("UPDATE instances SET state = ? WHERE id = ?")
            .bind(to_json(&state))
            .bind(id)
            .execute(&self.inner.db)
            .await?;
        info!(instance_id = %id, state = state.name(), "state changed");
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
            warn!(instance_id = %id, code = e.code(), error = %e, "webhook not queued");
        }
    }

    /// How a connection attempt currently stands, for callers that need to know.
    pub(crate) fn state_of(&self, id: &str) -> Option<InstanceState> {
        self.registry().get(id).map(|e| e.state.clone())
    }
}

/// The registry's live state and deleting flag over a stored row.
fn overlay_live(registry: &Registry, instance: &mut Instance) {
    if let Some(entry) = registry.get(&instance.id) {
        instance.state = entry.state.clone();
        instance.deleting |= entry.tombstoned || entry.deletion.is_some();
    }
}

async fn store_webhook(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: &str,
    webhook: &WebhookInput,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (instance_id, url, events, authorization) VALUES (?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE
         SET url = excluded.url, events = excluded.events, authorization = excluded.authorization",
    )
    .bind(id)
    .bind(&webhook.url)
    .bind(to_json(&webhook.events))
    .bind(&webhook.authorization)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
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
