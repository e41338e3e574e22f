use switchboard_engine::model::{AuditRecord, Instance, Settings, WebhookInput};
use switchboard_engine::Engine;
use tauri::State;

use super::CommandResult;

#[tauri::command]
pub async fn update_settings(
    engine: State<'_, Engine>,
    name: String,
    settings: Settings,
) -> CommandResult<Instance> {
    Ok(engine.update_settings(&name, settings).await?)
}

#[tauri::command]
pub async fn set_webhook(
    engine: State<'_, Engine>,
    name: String,
    webhook: Option<WebhookInput>,
) -> CommandResult<Instance> {
    Ok(engine.set_webhook(&name, webhook).await?)
}

#[tauri::command]
pub async fn set_proxy(
    engine: State<'_, Engine>,
    name: String,
    proxy: Option<String>,
) -> CommandResult<Instance> {
    Ok(engine.set_proxy(&name, proxy).await?)
}

#[tauri::command]
pub async fn audit_log(
    engine: State<'_, Engine>,
    name: Option<String>,
) -> CommandResult<Vec<AuditRecord>> {
    Ok(engine.audit_log(name.as_deref()).await?)
}
