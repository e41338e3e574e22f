//! What a person sees of a webhook: its last delivery attempt (when, the receiver's HTTP
//! status, why it failed), how many events wait in the outbox, and a test event sent
//! exactly like a real one.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use tokio::sync::broadcast::error::RecvError;
use tracing::instrument;
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::Millis;
use crate::validate;
use crate::webhook;

/// One delivery attempt as the receiver answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookDelivery {
    /// The event's wire name (`TEST` for a test event).
    pub event: String,
    #[ts(type = "number")]
    pub at: Millis,
    /// The receiver's HTTP status; none when no answer came (timeout, no connection).
    pub status: Option<u16>,
    /// Why it was not delivered; none when it was.
    pub error: Option<String>,
}

/// A webhook's last attempt (none before the first, or after its address changed) and
/// the events still queued for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookStatus {
    pub last_delivery: Option<WebhookDelivery>,
    #[ts(type = "number")]
    pub pending: u64,
}

/// Keeps `delivery` as the instance's last attempt at `url`.
pub(crate) async fn record(
    db: &SqlitePool,
    instance_id: &str,
    url: &str,
    delivery: &WebhookDelivery,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (instance_id, url, event, at, status, error)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE
         SET url = excluded.url, event = excluded.event, at = excluded.at,
             status = excluded.status, error = excluded.error",
    )
    .bind(instance_id)
    .bind(url)
    .bind(&delivery.event)
    .bind(delivery.at)
    .bind(delivery.status)
    .bind(&delivery.error)
    .execute(db)
    .await?;
    Ok(())
}

/// The status as stored now.
pub(crate) async fn read(db: &SqlitePool, instance_id: &str) -> Result<WebhookStatus> {
    let last = sqlx::query(
        "SELECT d.event, d.at, d.status, d.error FROM webhook_deliveries d
         JOIN webhooks w ON w.instance_id = d.instance_id AND w.url = d.url
         WHERE d.instance_id = ?",
    )
    .bind(instance_id)
    .fetch_optional(db)
    .await?;
    let last_delivery = last
        .map(|row| -> Result<WebhookDelivery> {
            Ok(WebhookDelivery {
                event: row.try_get("event")?,
                at: row.try_get("at")?,
                status: row.try_get("status")?,
                error: row.try_get("error")?,
            })
        })
        .transpose()?;
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_outbox WHERE instance_id = ?")
            .bind(instance_id)
            .fetch_one(db)
            .await?;
    Ok(WebhookStatus {
        last_delivery,
        pending: pending as u64,
    })
}

/// Longer than one request may take, so that a test answers with its own first try.
const TEST_WAIT_MARGIN: Duration = Duration::from_secs(5);

impl Engine {
    #[instrument(skip_all, fields(name = %name))]
    pub async fn webhook_status(&self, name: &str) -> Result<WebhookStatus> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        read(self.db(), &id).await
    }

    /// Queues a `TEST` event in the outbox, signed and retried like any other, and
    /// answers once its first try is over (or, with a busy outbox, once it is queued).
    #[instrument(skip_all, fields(name = %name))]
    pub async fn send_test_webhook(&self, name: &str) -> Result<WebhookStatus> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        if webhook::target(self.db(), &id).await?.is_none() {
            return Err(Error::WebhookNotConfigured(name.to_string()));
        }
        let sender = self.webhooks();
        let mut tried = sender.attempts();
        let row = sender
            // The body names the instance as stored, however the caller spelled it.
            .enqueue_test(&id, &self.name_of(&id))
            .await
            .map_err(|e| self.explain(&id, name, e))?;
        let first_try = async {
            loop {
                match tried.recv().await {
                    Ok(done) if done == row => return,
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                }
            }
        };
        let wait = sender.request_timeout() + TEST_WAIT_MARGIN;
        let _ = tokio::time::timeout(wait, first_try).await;
        read(self.db(), &id).await
    }
}
