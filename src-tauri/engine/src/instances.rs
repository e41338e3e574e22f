//! Instances: creating, listing and reading them, and changing their settings, webhook
//! and proxy. A change that loses a race with a deletion answers as the deletion does.

use rand::RngCore;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::Sqlite;
use tracing::{info, instrument};

use crate::audit;
use crate::db::to_json;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::listing::ListingStamp;
use crate::model::now_millis;
use crate::model::{
    AuditRecord, CreateInstance, DisconnectReason, Instance, InstanceState, Settings,
    TimelineEntry, WebhookInput,
};
use crate::paths::{self, create_private_dir};
use crate::registry::{ActorSlot, Entry};
use crate::s3;
use crate::timeline::{self, Whose};
use crate::validate;

impl Engine {
    /// The name rules and uniqueness, for as-you-type checks.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn check_name(&self, name: &str) -> Result<()> {
        let key = validate::name(name)?;
        self.registry().ensure_name_free(&key, name)
    }

    #[instrument(skip_all, fields(name = %input.name))]
    pub async fn create_instance(&self, input: CreateInstance) -> Result<Instance> {
        self.ensure_running()?;
        let key = validate::name(&input.name)?;
        let settings = validate::settings(input.settings.unwrap_or_default())?;
        let webhook = input.webhook.map(validate::webhook).transpose()?;
        let proxy = input.proxy.as_deref().map(validate::proxy).transpose()?;
        let token = match input.token.as_deref() {
            Some(chosen) => validate::instance_token(chosen)?,
            None => random_hex(32),
        };
        self.registry().ensure_name_free(&key, &input.name)?;
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
        let dir = self.paths().instance_dir(&id);
        create_private_dir(&self.paths().media_dir(&id))?;
        let stored = async {
            let mut tx = self.db().begin().await?;
            sqlx::query(
                "INSERT INTO instances (id, name, name_key, token, webhook_secret, settings, proxy,
                                        state, paired, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            )
            .bind(&id)
            .bind(&input.name)
            .bind(&key)
            .bind(&token)
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
                sqlx::Error::Database(db)
                    if db.is_unique_violation() && db.message().contains("token") =>
                {
                    Error::InvalidToken("this token is already another instance's".into())
                }
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
        Ok(self.list_instances_stamped().await?.1)
    }

    /// The list with the stamp it was read at, for a host that keeps a rendering of it.
    pub async fn list_instances_stamped(&self) -> Result<(ListingStamp, Vec<Instance>)> {
        let (version, stored) = self.listing().stored(self.db()).await?;
        let registry = self.registry();
        let instances = stored
            .iter()
            .map(|instance| {
                let mut instance = instance.clone();
                registry.overlay_live(&mut instance);
                instance
            })
            .collect();
        Ok((ListingStamp::new(version, registry.generation()), instances))
    }

    /// The stamp the list would be read at now, without copying the list: a rendering
    /// kept under an equal stamp is still true.
    pub async fn listing_stamp(&self) -> Result<ListingStamp> {
        let (version, _) = self.listing().stored(self.db()).await?;
        Ok(ListingStamp::new(version, self.registry().generation()))
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
        match tokio::fs::read(self.paths().picture_file(&id)).await {
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
        let update = sqlx::query("UPDATE instances SET settings = ? WHERE id = ?")
            .bind(to_json(&settings))
            .bind(&id);
        let written = self.write_actor_config(&id, &slot, update).await;
        self.updated_after(&id, name, written).await
    }

    /// `None` removes the webhook (queued deliveries are dropped with it).
    #[instrument(skip_all, fields(name = %name))]
    pub async fn set_webhook(&self, name: &str, webhook: Option<WebhookInput>) -> Result<Instance> {
        let key = validate::name(name)?;
        let webhook = webhook.map(validate::webhook).transpose()?;
        let (id, _) = self.live(&key, name)?;
        let written = self.write_webhook(&id, webhook.as_ref()).await;
        self.updated_after(&id, name, written).await
    }

    /// `None` connects directly. Takes effect on the next connect.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn set_proxy(&self, name: &str, proxy: Option<String>) -> Result<Instance> {
        let key = validate::name(name)?;
        let proxy = proxy.as_deref().map(validate::proxy).transpose()?;
        let (id, slot) = self.live(&key, name)?;
        let update = sqlx::query("UPDATE instances SET proxy = ? WHERE id = ?")
            .bind(&proxy)
            .bind(&id);
        let written = self.write_actor_config(&id, &slot, update).await;
        self.updated_after(&id, name, written).await
    }

    /// Audit records, newest first; with a name, only that instance's: the existing
    /// instance's by its id (a name used again starts afresh), else the deleted ones'.
    #[instrument(skip_all)]
    pub async fn audit_log(&self, name: Option<&str>) -> Result<Vec<AuditRecord>> {
        let key = name.map(validate::name).transpose()?;
        let id = key.as_deref().and_then(|key| self.id_of_name(key));
        match (&key, &id) {
            (_, Some(id)) => audit::list(self.db(), Some(id), None).await,
            (key, None) => audit::list(self.db(), None, key.as_deref()).await,
        }
    }

    /// The timeline, newest first: what happened to each number and the destructive
    /// actions taken on it. With a name, only that instance's, chosen as `audit_log`
    /// chooses.
    #[instrument(skip_all)]
    pub async fn timeline(&self, name: Option<&str>) -> Result<Vec<TimelineEntry>> {
        let key = name.map(validate::name).transpose()?;
        let id = key.as_deref().and_then(|key| self.id_of_name(key));
        let whose = match (&key, &id) {
            (_, Some(id)) => Whose::Instance(id),
            (Some(key), None) => Whose::DeletedNamed(key),
            (None, None) => Whose::Everyone,
        };
        timeline::list(self.db(), whose).await
    }

    fn id_of_name(&self, key: &str) -> Option<String> {
        self.registry()
            .by_name_key(key)
            .map(|entry| entry.id.clone())
    }

    /// Stores a change of what the actor runs with, then hands it to a running actor.
    async fn write_actor_config(
        &self,
        id: &str,
        slot: &ActorSlot,
        update: Query<'_, Sqlite, SqliteArguments>,
    ) -> Result<()> {
        update.execute(self.db()).await?;
        self.push_config_to_actor(id, slot).await
    }

    async fn write_webhook(&self, id: &str, webhook: Option<&WebhookInput>) -> Result<()> {
        let mut tx = self.db().begin().await?;
        match webhook {
            Some(webhook) => store_webhook(&mut tx, id, webhook).await?,
            None => {
                for table in ["webhooks", "webhook_outbox", "webhook_deliveries"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DELETE FROM {table} WHERE instance_id = ?"
                    )))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The instance as a change left it, announced; or why the change failed.
    async fn updated_after(&self, id: &str, name: &str, written: Result<()>) -> Result<Instance> {
        let answer = match written {
            Ok(()) => self.instance_updated(id).await,
            Err(e) => Err(e),
        };
        answer.map_err(|e| self.explain(id, name, e))
    }
}

async fn store_webhook(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: &str,
    webhook: &WebhookInput,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (instance_id, url, events, authorization, format, by_events)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE
         SET url = excluded.url, events = excluded.events, authorization = excluded.authorization,
             format = excluded.format, by_events = excluded.by_events",
    )
    .bind(id)
    .bind(&webhook.url)
    .bind(to_json(&webhook.events))
    .bind(&webhook.authorization)
    .bind(webhook.format.as_str())
    .bind(webhook.by_events)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EngineConfig;
    use crate::error::ErrorCode;

    async fn engine_with_shop(dir: &std::path::Path) -> (Engine, String) {
        let engine = Engine::open(EngineConfig::new(dir)).await.unwrap();
        let shop = engine
            .create_instance(CreateInstance {
                name: "shop".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        (engine, shop.id)
    }

    fn hook() -> WebhookInput {
        WebhookInput {
            url: "http://127.0.0.1:9/hook".into(),
            events: vec![],
            authorization: None,
            ..Default::default()
        }
    }

    // set_webhook found the instance live, then a deletion finished before its insert.
    #[tokio::test]
    async fn a_webhook_insert_after_the_deletion_answers_instance_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, id) = engine_with_shop(dir.path()).await;
        engine.delete_instance("shop").await.unwrap();

        let written = engine.write_webhook(&id, Some(&hook())).await;
        // The foreign key refused the row: the raw failure is a storage error...
        assert_eq!(
            written.as_ref().unwrap_err().code(),
            ErrorCode::StorageError
        );
        // ...and the answer is what happened to the instance.
        let answer = engine
            .updated_after(&id, "shop", written)
            .await
            .unwrap_err();
        assert_eq!(answer.code(), ErrorCode::InstanceNotFound);
        assert_eq!(answer.to_string(), "no instance named 'shop'");
        engine.shutdown().await;
    }

    // The same insert while the deletion has removed the rows but not yet the entry.
    #[tokio::test]
    async fn a_webhook_insert_during_the_deletion_answers_deletion_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, id) = engine_with_shop(dir.path()).await;
        engine.registry().get_mut(&id).unwrap().tombstoned = true;
        sqlx::query("DELETE FROM instances WHERE id = ?")
            .bind(&id)
            .execute(engine.db())
            .await
            .unwrap();

        let written = engine.write_webhook(&id, Some(&hook())).await;
        let answer = engine
            .updated_after(&id, "shop", written)
            .await
            .unwrap_err();
        assert_eq!(answer.code(), ErrorCode::DeletionInProgress);
        engine.shutdown().await;
    }

    // update_settings and set_proxy update no row once it is gone; reading the instance
    // back then fails, and names the instance the caller asked for.
    #[tokio::test]
    async fn a_settings_write_after_the_deletion_names_the_instance() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, id) = engine_with_shop(dir.path()).await;
        engine.delete_instance("shop").await.unwrap();
        let answer = engine.updated_after(&id, "Shop", Ok(())).await.unwrap_err();
        assert_eq!(answer.code(), ErrorCode::InstanceNotFound);
        assert_eq!(answer.to_string(), "no instance named 'Shop'");
        engine.shutdown().await;
    }
}
