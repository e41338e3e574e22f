//! Linking by QR for every dialect: answers the QR code an instance shows now, or
//! starts a QR round and waits for WhatsApp's first code. Each dialect words the
//! outcome its own way.

use std::time::Duration;

use switchboard_engine::model::InstanceState;
use switchboard_engine::{EngineEvent, ErrorPayload};
use tokio::sync::broadcast::error::RecvError;

use crate::live::ShownQr;
use crate::ApiState;

/// Where a QR request ended.
pub enum Linking {
    /// Already connected: there is nothing to scan.
    Connected,
    Qr(ShownQr),
}

/// Why no QR code can be shown.
pub enum NoQr {
    /// The engine refused (unknown instance, already linked, shutting down, ...).
    Engine(ErrorPayload),
    /// WhatsApp sent no code within the wait.
    TimedOut(Duration),
    /// The round ended before a code came; the state it ended in.
    GaveUp(InstanceState),
    ShuttingDown,
}

impl From<ErrorPayload> for NoQr {
    fn from(error: ErrorPayload) -> Self {
        NoQr::Engine(error)
    }
}

/// The valid QR code the instance `name` shows, starting a QR round when none runs.
pub async fn qr(api: &ApiState, name: String) -> Result<Linking, NoQr> {
    let instance = switchboard_commands::get_instance(&api.host, name.clone()).await?;
    if instance.state.is_connected() {
        return Ok(Linking::Connected);
    }
    let showing_qr = matches!(instance.state, InstanceState::Connecting { .. });
    if let Some(qr) = api.live.current_qr(&instance.id).filter(|_| showing_qr) {
        return Ok(Linking::Qr(qr));
    }
    // Subscribed before asking: the first code cannot slip past.
    let mut events = api.host.engine().subscribe();
    let state = switchboard_commands::connect_qr(&api.host, name).await?;
    if state.is_connected() {
        return Ok(Linking::Connected);
    }
    let wait = api.config.connect_wait;
    tokio::time::timeout(wait, async {
        loop {
            match events.recv().await {
                Ok(EngineEvent::QrCode {
                    instance_id,
                    code,
                    expires_at,
                    ..
                }) if instance_id == instance.id => {
                    return Ok(Linking::Qr(ShownQr { code, expires_at }));
                }
                // No QR code of this round comes after it leaves `connecting`.
                Ok(EngineEvent::StateChanged { instance_id, state })
                    if instance_id == instance.id
                        && !matches!(state, InstanceState::Connecting { .. }) =>
                {
                    return Err(NoQr::GaveUp(state));
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Err(NoQr::ShuttingDown),
            }
        }
    })
    .await
    .map_err(|_| NoQr::TimedOut(wait))?
}
