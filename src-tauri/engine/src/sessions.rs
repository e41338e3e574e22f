//! WhatsApp sessions: linking (QR or pairing code), reconnecting, logging out, and the
//! instance actors that carry them out. Actors exist only for instances someone
//! connected, so idle instances cost nothing.

use tokio::sync::OwnedRwLockReadGuard;
use tracing::{info, instrument, warn};

use crate::actor::{ActorContext, ActorHandle};
use crate::audit;
use crate::db;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::now_millis;
use crate::model::{AuditAction, Counts, InstanceState, LogoutCause, LogoutOutcome, LogoutReport};
use crate::paths;
use crate::registry::ActorSlot;
use crate::validate;

impl Engine {
    /// Carries on the deletions a crash interrupted, and reconnects, in the background,
    /// every other instance that has a stored session and was not logged out or banned.
    /// The host calls it once after `open`.
    pub fn start_background(&self) {
        self.resume_deletions();
        let engine = self.clone();
        tokio::spawn(async move {
            let paired = match db::instances_to_reconnect(engine.db()).await {
                Ok(paired) => paired,
                Err(e) => {
                    warn!(code = %e.code(), error = %e, "could not list instances to reconnect");
                    return;
                }
            };
            let reconnects = paired.into_iter().map(|(id, name)| {
                let engine = engine.clone();
                async move {
                    if let Err(e) = engine.reconnect_id(&id, &name).await {
                        warn!(instance = %name, code = %e.code(), error = %e, "reconnect at start-up failed");
                    }
                }
            });
            futures::future::join_all(reconnects).await;
        });
    }

    /// Starts a QR round; the codes arrive as `EngineEvent::QrCode`. On a connected
    /// instance it answers the state and changes nothing.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn connect_qr(&self, name: &str) -> Result<InstanceState> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        let asked = async { self.running_actor(&id).await?.connect_qr().await };
        asked.await.map_err(|e| self.explain(&id, name, e))
    }

    /// Asks WhatsApp for an 8-character pairing code for `phone`.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn connect_code(&self, name: &str, phone: &str) -> Result<String> {
        let key = validate::name(name)?;
        let digits = validate::phone(phone)?;
        let (id, _) = self.live(&key, name)?;
        let asked = async { self.running_actor(&id).await?.connect_code(digits).await };
        asked.await.map_err(|e| self.explain(&id, name, e))
    }

    /// Restores a stored session without QR; `not_paired` when there is none.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn reconnect(&self, name: &str) -> Result<InstanceState> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        self.reconnect_id(&id, name).await
    }

    async fn reconnect_id(&self, id: &str, name: &str) -> Result<InstanceState> {
        let asked = async {
            let (paired, name) = db::paired_and_name(self.db(), id)
                .await?
                .ok_or_else(|| Error::InstanceNotFound(name.to_string()))?;
            if !paired {
                return Err(Error::NotPaired(name));
            }
            self.running_actor(id).await?.reconnect().await
        };
        asked.await.map_err(|e| self.explain(id, name, e))
    }

    /// Removes the device on WhatsApp, wipes the session store, keeps the instance, its
    /// settings and chats. Repeating it is harmless.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn logout(&self, name: &str) -> Result<LogoutReport> {
        let key = validate::name(name)?;
        let (id, slot) = self.live(&key, name)?;
        let instance_name = self.name_of(&id);
        let result = self
            .logout_id(&id, &slot)
            .await
            .map_err(|e| self.explain(&id, name, e));
        let (audit_result, detail) = match &result {
            Ok(outcome) => ("ok", format!("whatsapp: {outcome:?}")),
            Err(e) => (e.code().as_str(), e.to_string()),
        };
        audit::record(
            self.db(),
            audit::Entry {
                action: AuditAction::Logout,
                instance_id: &id,
                instance_name: &instance_name,
                target: None,
                result: audit_result,
                removed: Counts::default(),
                detail: Some(detail),
                requested_by: self.requester(),
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
        paths::wipe_session(&self.paths().session_db(id))?;
        db::set_paired(self.db(), id, false).await?;
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
        let (paired, _) = db::paired_and_name(self.db(), id)
            .await?
            .ok_or_else(|| Error::InstanceNotFound(self.name_of(id)))?;
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
    async fn bounded_logout(&self, actor: &ActorHandle) -> Result<LogoutOutcome> {
        let limit = self.wa().logout_timeout + std::time::Duration::from_secs(5);
        match tokio::time::timeout(limit, actor.logout()).await {
            Ok(outcome) => outcome,
            Err(_) => Ok(LogoutOutcome::Unconfirmed),
        }
    }

    /// The instance's actor (spawned if it has none yet), held for one request: a
    /// logout or deletion that stops it waits until the request is answered.
    async fn running_actor(
        &self,
        id: &str,
    ) -> Result<OwnedRwLockReadGuard<Option<ActorHandle>, ActorHandle>> {
        let slot = self.ensure_actor(id).await?;
        OwnedRwLockReadGuard::try_map(slot.read_owned().await, Option::as_ref)
            .map_err(|_| Error::ShuttingDown)
    }

    /// Spawns the instance's actor if it has none yet.
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
        let (name, settings, proxy) = db::actor_config(self.db(), id).await?;
        Ok(ActorContext {
            instance_id: id.to_string(),
            name,
            session_db: self.paths().session_db(id),
            media_dir: self.paths().media_dir(id),
            picture_file: self.paths().picture_file(id),
            settings,
            proxy,
            wa: self.wa().clone(),
            sink: self.session_sink(),
            profile: db::stored_profile(self.db(), id).await?,
        })
    }

    /// Hands changed settings or proxy to a running actor.
    pub(crate) async fn push_config_to_actor(&self, id: &str, slot: &ActorSlot) -> Result<()> {
        let guard = slot.read().await;
        if let Some(actor) = guard.as_ref() {
            let (_, settings, proxy) = db::actor_config(self.db(), id).await?;
            actor.update(settings, proxy).await;
        }
        Ok(())
    }
}
