use switchboard_engine::model::{CreateInstance, DeleteReport, Instance, LogoutReport};
use switchboard_engine::Engine;
use tauri::State;

use super::CommandResult;

#[tauri::command]
pub async fn list_instances(engine: State<'_, Engine>) -> CommandResult<Vec<Instance>> {
    Ok(engine.list_instances().await?)
}

#[tauri::command]
pub async fn get_instance(engine: State<'_, Engine>, name: String) -> CommandResult<Instance> {
    Ok(engine.get_instance(&name).await?)
}

/// As-you-type check of a new name against the engine's own rules.
#[tauri::command]
pub async fn check_instance_name(engine: State<'_, Engine>, name: String) -> CommandResult<()> {
    Ok(engine.check_name(&name).await?)
}

#[tauri::command]
pub async fn create_instance(
    engine: State<'_, Engine>,
    input: CreateInstance,
) -> CommandResult<Instance> {
    Ok(engine.create_instance(input).await?)
}

#[tauri::command]
pub async fn logout(engine: State<'_, Engine>, name: String) -> CommandResult<LogoutReport> {
    Ok(engine.logout(&name).await?)
}

#[tauri::command]
pub async fn delete_instance(
    engine: State<'_, Engine>,
    name: String,
) -> CommandResult<DeleteReport> {
    Ok(engine.delete_instance(&name).await?)
}
