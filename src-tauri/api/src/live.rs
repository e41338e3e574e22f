//! What the API keeps current from the engine's events: every instance's token, so that
//! a request is authenticated without reading the database, and the QR code each
//! instance shows now, so that `connect` can answer it again while it is valid.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use subtle::ConstantTimeEq;
use switchboard_commands::Host;
use switchboard_engine::model::{ConnectVia, Instance, InstanceState, Millis};
use switchboard_engine::{EngineEvent, ErrorPayload};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

/// A QR code as WhatsApp issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownQr {
    pub code: String,
    pub expires_at: Millis,
}

#[derive(Default)]
pub struct Live {
    instances: RwLock<Vec<Known>>,
    qr_codes: Mutex<HashMap<String, ShownQr>>,
}

struct Known {
    id: String,
    key: String,
    token: String,
}

/// Fills the tables from the engine and keeps them current until `stop` turns true.
pub async fn follow(host: &Host, stop: watch::Receiver<bool>) -> Result<Arc<Live>, ErrorPayload> {
    // Subscribed first: nothing that happens while the list is read is missed.
    let events = host.engine().subscribe();
    let live = Arc::new(Live::default());
    live.reload(host).await?;
    tokio::spawn(run(host.clone(), live.clone(), events, stop));
    Ok(live)
}

async fn run(
    host: Host,
    live: Arc<Live>,
    mut events: broadcast::Receiver<EngineEvent>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            // The watch guard is not Send: drop it inside the branch's future.
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => break,
            event = events.recv() => match event {
                Ok(event) => live.apply(&event),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the API fell behind the engine's events; reloading");
                    if let Err(e) = live.reload(&host).await {
                        tracing::warn!(code = ?e.code, "the API could not reload the instances");
                    }
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
}

impl Live {
    async fn reload(&self, host: &Host) -> Result<(), ErrorPayload> {
        let instances = switchboard_commands::list_instances(host).await?;
        let known = instances.iter().map(Known::of).collect();
        *self.instances.write().unwrap_or_else(|e| e.into_inner()) = known;
        Ok(())
    }

    fn apply(&self, event: &EngineEvent) {
        match event {
            EngineEvent::InstanceCreated { instance, .. } => self.add(instance),
            EngineEvent::InstanceDeleted { instance_id, .. } => self.remove(instance_id),
            EngineEvent::QrCode {
                instance_id,
                code,
                expires_at,
                ..
            } => {
                self.qr_table().insert(
                    instance_id.clone(),
                    ShownQr {
                        code: code.clone(),
                        expires_at: *expires_at,
                    },
                );
            }
            EngineEvent::StateChanged { instance_id, state } => {
                let showing_qr = matches!(
                    state,
                    InstanceState::Connecting {
                        via: ConnectVia::Qr,
                        ..
                    }
                );
                if !showing_qr {
                    self.qr_table().remove(instance_id);
                }
            }
            _ => {}
        }
    }

    /// Makes a new instance's token work at once, before its event arrives.
    pub fn add(&self, instance: &Instance) {
        let mut instances = self.instances.write().unwrap_or_else(|e| e.into_inner());
        instances.retain(|known| known.id != instance.id);
        instances.push(Known::of(instance));
    }

    /// Revokes a deleted instance's token at once.
    pub fn remove(&self, instance_id: &str) {
        self.instances
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|known| known.id != instance_id);
        self.qr_table().remove(instance_id);
    }

    /// The instance (id and lower-case name) whose token this is. Every token is
    /// compared, in constant time, so the answer's timing says nothing about the others.
    pub fn instance_with_token(&self, token: &str) -> Option<(String, String)> {
        let instances = self.instances.read().unwrap_or_else(|e| e.into_inner());
        let mut found = None;
        for known in instances.iter() {
            if bool::from(known.token.as_bytes().ct_eq(token.as_bytes())) {
                found = Some((known.id.clone(), known.key.clone()));
            }
        }
        found
    }

    /// The QR code the instance shows now, if it is still valid.
    pub fn current_qr(&self, instance_id: &str) -> Option<ShownQr> {
        let qr = self.qr_table().get(instance_id).cloned()?;
        (qr.expires_at > now_millis()).then_some(qr)
    }

    fn qr_table(&self) -> std::sync::MutexGuard<'_, HashMap<String, ShownQr>> {
        self.qr_codes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Known {
    fn of(instance: &Instance) -> Known {
        Known {
            id: instance.id.clone(),
            key: instance.name.to_ascii_lowercase(),
            token: instance.token.clone(),
        }
    }
}

fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or_default()
}
