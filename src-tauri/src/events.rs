//! Forwards every engine event to the window as it happens (the UI never polls),
//! keeps the tray tooltip current and raises desktop notifications.

use switchboard_engine::{Engine, EngineEvent};
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::attention::{alert_for, Alert, Notice, DROP_GRACE};
use crate::locale::Language;
use crate::tray;

/// The one event name the UI listens to; the payload is an `EngineEvent`.
pub const ENGINE_EVENT: &str = "engine";

pub fn forward(app: AppHandle, engine: Engine) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Err(e) = app.emit(ENGINE_EVENT, &event) {
                        tracing::warn!(error = %e, "could not forward an engine event");
                    }
                    react(&app, &engine, &event).await;
                }
                // The window will re-read the list; nothing is lost in the engine.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "event forwarder lagged behind the engine");
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

async fn react(app: &AppHandle, engine: &Engine, event: &EngineEvent) {
    match event {
        EngineEvent::StateChanged { instance_id, state } => {
            tray::refresh(app, engine).await;
            let Some(name) = instance_name(engine, instance_id).await else {
                return;
            };
            match alert_for(state) {
                Alert::Now(notice) => notify(app, notice, &name),
                Alert::IfStillDroppedAfterGrace => spawn_drop_check(
                    app.clone(),
                    engine.clone(),
                    instance_id.clone(),
                    state.clone(),
                ),
                Alert::None => {}
            }
        }
        EngineEvent::InstanceCreated { .. } | EngineEvent::InstanceDeleted { .. } => {
            tray::refresh(app, engine).await
        }
        _ => {}
    }
}

/// Notifies only if the instance is still in the same outage after the grace period: a
/// reconnect in between changes the state and its `since` (a new attempt time does not).
fn spawn_drop_check(
    app: AppHandle,
    engine: Engine,
    instance_id: String,
    dropped: switchboard_engine::model::InstanceState,
) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(DROP_GRACE).await;
        let Ok(instances) = engine.list_instances().await else {
            return;
        };
        if let Some(instance) = instances.iter().find(|i| i.id == instance_id) {
            let same_outage = instance.state.name() == dropped.name()
                && instance.state.since() == dropped.since();
            if same_outage {
                notify(&app, Notice::OfflineForAMinute, &instance.name);
            }
        }
    });
}

async fn instance_name(engine: &Engine, instance_id: &str) -> Option<String> {
    let instances = engine.list_instances().await.ok()?;
    instances
        .into_iter()
        .find(|i| i.id == instance_id)
        .map(|i| i.name)
}

fn notify(app: &AppHandle, notice: Notice, name: &str) {
    if let Err(e) = app
        .notification()
        .builder()
        .title("Switchboard")
        .body(Language::of(app).notice(notice, name))
        .show()
    {
        tracing::warn!(error = %e, "could not show a desktop notification");
    }
}
