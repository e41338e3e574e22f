//! Webhooks: signed JSON POSTs, queued in a persistent outbox (so a restart loses
//! nothing) and retried with exponential backoff and jitter on timeouts and 5xx, never
//! on 4xx. INSTANCE_DELETE alone is delivered directly, because a deletion waits for it.
//! A webhook set through Evolution's dialect gets Evolution's bodies (made from these by
//! [`crate::webhook_evolution`]), optionally one URL per event, signed and retried alike.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::{Row, SqlitePool};
use tokio::sync::{broadcast, watch, Notify};
use tracing::{debug, info, warn};

use crate::backoff;
use crate::config::WebhookTuning;
use crate::db::to_json;
use crate::error::Result;
use crate::events::EngineEvent;
use crate::model::{
    now_millis, Millis, TimelineEvent, WebhookEvent, WebhookFormat, WebhookOutcome,
};
use crate::records::MessageUpsert;
use crate::timeline;
use crate::webhook_evolution::{self, Origin};
use crate::webhook_status::{self, WebhookDelivery};

pub const SIGNATURE_HEADER: &str = "X-Switchboard-Signature";
pub const EVENT_HEADER: &str = "X-Switchboard-Event";
const BATCH: i64 = 32;
/// The wire name of the event "Send a test event" queues; no filter holds it back.
pub const TEST_EVENT: &str = "TEST";

/// The wire name of an event, as in the body's `event` field.
pub fn event_name(event: WebhookEvent) -> &'static str {
    match event {
        WebhookEvent::StateChanged => "STATE_CHANGED",
        WebhookEvent::QrUpdated => "QR_UPDATED",
        WebhookEvent::Connected => "CONNECTED",
        WebhookEvent::LoggedOut => "LOGGED_OUT",
        WebhookEvent::MessagesUpsert => "MESSAGES_UPSERT",
        WebhookEvent::MessagesUpdate => "MESSAGES_UPDATE",
        WebhookEvent::SendMessage => "SEND_MESSAGE",
        WebhookEvent::ChatDeleted => "CHAT_DELETED",
        WebhookEvent::InstanceDelete => "INSTANCE_DELETE",
    }
}

/// What MESSAGES_UPSERT and SEND_MESSAGE carry per message.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageData<'a> {
    chat_jid: &'a str,
    id: &'a str,
    from_me: bool,
    sender: Option<&'a str>,
    sender_name: Option<&'a str>,
    timestamp: Millis,
    text: Option<&'a str>,
    media_kind: Option<&'a str>,
}

impl<'a> MessageData<'a> {
    pub fn of(m: &'a MessageUpsert) -> Self {
        MessageData {
            chat_jid: &m.chat_jid,
            id: &m.id,
            from_me: m.from_me,
            sender: m.sender.as_deref(),
            sender_name: m.sender_name.as_deref(),
            timestamp: m.timestamp,
            text: m.text.as_deref(),
            media_kind: m.media_kind(),
        }
    }
}

/// `{"event":..,"instance":..,"data":..}` in this field order.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    event: &'a str,
    instance: &'a str,
    data: &'a T,
}

pub fn body<T: Serialize>(event: WebhookEvent, instance_name: &str, data: &T) -> String {
    to_json(&Envelope {
        event: event_name(event),
        instance: instance_name,
        data,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestData {
    message: &'static str,
    sent_at: i64,
}

/// `{"event":"TEST","instance":"<name>","data":{"message":..,"sentAt":<ms>}}`
pub fn test_body(instance_name: &str) -> String {
    to_json(&Envelope {
        event: TEST_EVENT,
        instance: instance_name,
        data: &TestData {
            message: "A test event sent from Switchboard",
            sent_at: now_millis(),
        },
    })
}

/// INSTANCE_DELETE's data, as seed 001 shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InstanceDeleteData<'a> {
    instance_name: &'a str,
    instance_id: &'a str,
}

/// `sha256=<hex HMAC-SHA256 of the body keyed with the instance secret>`
pub fn signature(secret: &str, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Where and how one instance's webhook is sent.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub authorization: Option<String>,
    pub secret: String,
    pub format: WebhookFormat,
    pub by_events: bool,
    /// The instance's token and linked phone, which Evolution's bodies carry.
    pub token: String,
    pub phone_jid: Option<String>,
}

impl Target {
    pub fn wants(&self, event: WebhookEvent) -> bool {
        self.events.is_empty() || self.events.contains(&event)
    }

    /// Where a body of `event` (its wire name) goes: `<url>/<event-name>` by events.
    pub fn url_for(&self, event: &str) -> String {
        if self.by_events {
            let base = self.url.trim_end_matches('/');
            format!("{base}/{}", webhook_evolution::path_segment(event))
        } else {
            self.url.clone()
        }
    }

    /// The bodies (with their wire event names) `data` makes for this webhook.
    fn bodies<T: Serialize>(
        &self,
        event: WebhookEvent,
        instance: (&str, &str),
        server_url: Option<&str>,
        data: &T,
    ) -> Vec<(&'static str, String)> {
        let (instance_id, instance_name) = instance;
        match self.format {
            WebhookFormat::Switchboard => {
                vec![(event_name(event), body(event, instance_name, data))]
            }
            WebhookFormat::Evolution => {
                let Some(name) = webhook_evolution::event_name(event) else {
                    return Vec::new();
                };
                let destination = self.url_for(name);
                let origin = Origin {
                    instance_name,
                    instance_id,
                    apikey: &self.token,
                    sender: self.phone_jid.as_deref(),
                    server_url,
                    destination: &destination,
                };
                let data = serde_json::to_value(data).unwrap_or_default();
                webhook_evolution::bodies(event, &origin, &data)
            }
        }
    }
}

pub async fn target<'e, E: sqlx::SqliteExecutor<'e>>(
    db: E,
    instance_id: &str,
) -> Result<Option<Target>> {
    let row = sqlx::query(
        "SELECT w.url, w.events, w.authorization, w.format, w.by_events, i.webhook_secret,
                i.token, i.phone_jid
         FROM webhooks w JOIN instances i ON i.id = w.instance_id WHERE w.instance_id = ?",
    )
    .bind(instance_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let events: String = row.try_get("events")?;
    Ok(Some(Target {
        url: row.try_get("url")?,
        events: serde_json::from_str(&events).unwrap_or_default(),
        authorization: row.try_get("authorization")?,
        secret: row.try_get("webhook_secret")?,
        format: crate::db::webhook_format(&row.try_get::<String, _>("format")?)?,
        by_events: row.try_get("by_events")?,
        token: row.try_get("token")?,
        phone_jid: row.try_get("phone_jid")?,
    }))
}

enum Attempt {
    Delivered(u16),
    /// 4xx (or another non-retryable answer): the receiver will not take it.
    Refused(u16),
    /// Timeout, connection failure (no status) or 5xx.
    Retry(Option<u16>, String),
}

impl Attempt {
    /// The attempt as the window shows it.
    fn delivery(&self, event: &str) -> WebhookDelivery {
        let (status, error) = match self {
            Attempt::Delivered(status) => (Some(*status), None),
            Attempt::Refused(status) => {
                (Some(*status), Some(format!("refused with status {status}")))
            }
            Attempt::Retry(status, why) => (*status, Some(why.clone())),
        };
        WebhookDelivery {
            event: event.to_string(),
            at: now_millis(),
            status,
            error,
        }
    }
}

pub struct WebhookSender {
    client: reqwest::Client,
    tuning: WebhookTuning,
    db: SqlitePool,
    wake: Notify,
    /// Where the window learns of each attempt and of the outbox's size.
    events: broadcast::Sender<EngineEvent>,
    /// The outbox row id of every finished attempt (a test waits for its own).
    attempts: broadcast::Sender<i64>,
    /// Where the local API answers while it runs (Evolution's bodies say so).
    api_url: RwLock<Option<String>>,
}

impl WebhookSender {
    pub fn new(
        db: SqlitePool,
        tuning: WebhookTuning,
        events: broadcast::Sender<EngineEvent>,
    ) -> Arc<WebhookSender> {
        let client = reqwest::Client::builder()
            .timeout(tuning.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a rustls client always builds");
        Arc::new(WebhookSender {
            client,
            tuning,
            db,
            wake: Notify::new(),
            events,
            attempts: broadcast::channel(BATCH as usize * 4).0,
            api_url: RwLock::new(None),
        })
    }

    /// Tells Evolution-shaped bodies where the API answers; `None` once it stops.
    pub fn set_api_url(&self, url: Option<String>) {
        *self.api_url.write().unwrap_or_else(|e| e.into_inner()) = url;
    }

    fn api_url(&self) -> Option<String> {
        self.api_url
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Finished attempts, by outbox row id, from now on.
    pub fn attempts(&self) -> broadcast::Receiver<i64> {
        self.attempts.subscribe()
    }

    pub fn request_timeout(&self) -> Duration {
        self.tuning.request_timeout
    }

    /// Tells the window the instance's webhook status as it is now.
    async fn announce(&self, instance_id: &str) {
        match webhook_status::read(&self.db, instance_id).await {
            Ok(status) => {
                let _ = self.events.send(EngineEvent::WebhookStatus {
                    instance_id: instance_id.to_string(),
                    status,
                });
            }
            Err(e) => warn!(%instance_id, error = %e, "webhook status not read"),
        }
    }

    /// Queues a `TEST` event for `instance_id`, whatever its filter; answers its row id.
    pub async fn enqueue_test(&self, instance_id: &str, instance_name: &str) -> Result<i64> {
        let row = self
            .insert(instance_id, TEST_EVENT, &test_body(instance_name))
            .await?;
        Ok(row)
    }

    async fn insert(&self, instance_id: &str, event: &str, body: &str) -> Result<i64> {
        let now = now_millis();
        let row = sqlx::query(
            "INSERT INTO webhook_outbox (instance_id, event, body, attempts, next_attempt_at, created_at)
             VALUES (?, ?, ?, 0, ?, ?)",
        )
        .bind(instance_id)
        .bind(event)
        .bind(body)
        .bind(now)
        .bind(now)
        .execute(&self.db)
        .await?;
        self.wake.notify_one();
        self.announce(instance_id).await;
        Ok(row.last_insert_rowid())
    }

    /// Queues `event` for `instance_id` if its webhook wants it.
    pub async fn enqueue<T: Serialize>(
        &self,
        instance_id: &str,
        instance_name: &str,
        event: WebhookEvent,
        data: &T,
    ) -> Result<()> {
        let Some(target) = target(&self.db, instance_id).await? else {
            return Ok(());
        };
        if !target.wants(event) {
            return Ok(());
        }
        let server_url = self.api_url();
        let bodies = target.bodies(
            event,
            (instance_id, instance_name),
            server_url.as_deref(),
            data,
        );
        for (name, body) in bodies {
            self.insert(instance_id, name, &body).await?;
        }
        Ok(())
    }

    /// Delivers INSTANCE_DELETE now, with up to `delete_attempts` tries.
    pub async fn deliver_instance_delete(
        &self,
        target: Option<&Target>,
        name: &str,
        id: &str,
    ) -> WebhookOutcome {
        let Some(target) = target.filter(|t| t.wants(WebhookEvent::InstanceDelete)) else {
            return WebhookOutcome::NotConfigured;
        };
        let server_url = self.api_url();
        let Some((event, body)) = target
            .bodies(
                WebhookEvent::InstanceDelete,
                (id, name),
                server_url.as_deref(),
                &InstanceDeleteData {
                    instance_name: name,
                    instance_id: id,
                },
            )
            .into_iter()
            .next()
        else {
            return WebhookOutcome::NotConfigured;
        };
        for attempt in 1..=self.tuning.delete_attempts {
            match self.send(target, event, &body).await {
                Attempt::Delivered(_) => return WebhookOutcome::Delivered,
                Attempt::Refused(status) => {
                    warn!(
                        instance_id = id,
                        status, "INSTANCE_DELETE refused by the receiver"
                    );
                    return WebhookOutcome::Failed;
                }
                Attempt::Retry(_, why) => {
                    warn!(instance_id = id, attempt, %why, "INSTANCE_DELETE not delivered");
                    if attempt < self.tuning.delete_attempts {
                        tokio::time::sleep(self.backoff(attempt)).await;
                    }
                }
            }
        }
        WebhookOutcome::Failed
    }

    async fn send(&self, target: &Target, event: &str, body: &str) -> Attempt {
        let mut request = self
            .client
            .post(target.url_for(event))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&target.secret, body))
            .header(EVENT_HEADER, event)
            .body(body.to_string());
        if let Some(authorization) = &target.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                Attempt::Delivered(response.status().as_u16())
            }
            Ok(response) if response.status().is_server_error() => {
                let status = response.status().as_u16();
                Attempt::Retry(Some(status), format!("status {status}"))
            }
            Ok(response) => Attempt::Refused(response.status().as_u16()),
            Err(e) if e.is_timeout() => Attempt::Retry(None, "timed out".into()),
            Err(e) => Attempt::Retry(None, format!("request failed: {e}")),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff::exponential(self.tuning.base_backoff, self.tuning.max_backoff, attempt)
    }

    /// Drains the outbox until `stop` turns true: due rows are sent in batches, then
    /// the loop sleeps until the next retry is due or a new row is queued.
    pub async fn run_outbox(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let sleep_for = match self.drain_due().await {
                Ok(next_due) => next_due,
                Err(e) => {
                    warn!(error = %e, "webhook outbox read failed");
                    Some(self.tuning.base_backoff)
                }
            };
            let wait = sleep_for.unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Sends every due row; returns how long until the next one is due.
    async fn drain_due(&self) -> Result<Option<Duration>> {
        loop {
            let now = now_millis();
            let rows = sqlx::query(
                "SELECT id, instance_id, event, body, attempts FROM webhook_outbox
                 WHERE next_attempt_at <= ? ORDER BY id LIMIT ?",
            )
            .bind(now)
            .bind(BATCH)
            .fetch_all(&self.db)
            .await?;
            if rows.is_empty() {
                break;
            }
            let deliveries = rows.iter().map(|row| self.deliver_row(row));
            for result in futures::future::join_all(deliveries).await {
                result?;
            }
        }
        let next: Option<i64> =
            sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM webhook_outbox")
                .fetch_one(&self.db)
                .await?;
        Ok(next.map(|at| Duration::from_millis((at - now_millis()).max(0) as u64)))
    }

    /// A delivery that failed for good goes into the instance's timeline.
    async fn gave_up(&self, instance_id: &str, event: &str, detail: String) -> Result<()> {
        let failed = TimelineEvent::WebhookFailed {
            event: event.to_string(),
            detail,
        };
        timeline::record(&self.db, instance_id, &failed).await
    }

    async fn deliver_row(&self, row: &sqlx::sqlite::SqliteRow) -> Result<()> {
        let id: i64 = row.try_get("id")?;
        let instance_id: String = row.try_get("instance_id")?;
        let event: String = row.try_get("event")?;
        let body: String = row.try_get("body")?;
        let attempts: i64 = row.try_get("attempts")?;
        // The webhook was removed since: nobody to tell.
        let Some(target) = target(&self.db, &instance_id).await? else {
            return self.forget(id).await;
        };
        let attempt = self.send(&target, &event, &body).await;
        let done = match &attempt {
            Attempt::Delivered(_) => {
                debug!(%instance_id, %event, "webhook delivered");
                true
            }
            Attempt::Refused(status) => {
                warn!(%instance_id, %event, status, "webhook refused; not retried");
                self.gave_up(
                    &instance_id,
                    &event,
                    format!("refused with status {status}"),
                )
                .await?;
                true
            }
            Attempt::Retry(_, why) => {
                let tried = attempts as u32 + 1;
                if tried >= self.tuning.max_attempts {
                    warn!(%instance_id, %event, tried, %why, "webhook dropped after its last try");
                    self.gave_up(&instance_id, &event, format!("{why} on try {tried}"))
                        .await?;
                    true
                } else {
                    info!(%instance_id, %event, tried, %why, "webhook will be retried");
                    let next = now_millis() + self.backoff(tried).as_millis() as i64;
                    sqlx::query(
                        "UPDATE webhook_outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                    )
                    .bind(tried as i64)
                    .bind(next)
                    .bind(id)
                    .execute(&self.db)
                    .await?;
                    false
                }
            }
        };
        // Recorded before the row leaves the outbox: whoever sees nothing pending also
        // sees how the last attempt went.
        let delivery = attempt.delivery(&event);
        if let Err(e) = webhook_status::record(&self.db, &instance_id, &target.url, &delivery).await
        {
            // A deletion took the instance meanwhile: there is nothing left to show.
            debug!(%instance_id, error = %e, "webhook attempt not recorded");
        }
        if done {
            self.forget(id).await?;
        }
        self.announce(&instance_id).await;
        let _ = self.attempts.send(id);
        Ok(())
    }

    async fn forget(&self, row: i64) -> Result<()> {
        sqlx::query("DELETE FROM webhook_outbox WHERE id = ?")
            .bind(row)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
