use switchboard_engine::model::{ChatDeleteReport, ChatSummary};
use switchboard_engine::Engine;
use tauri::State;

use super::CommandResult;

#[tauri::command]
pub async fn list_chats(
    engine: State<'_, Engine>,
    name: String,
) -> CommandResult<Vec<ChatSummary>> {
    Ok(engine.list_chats(&name).await?)
}

#[tauri::command]
pub async fn delete_chat(
    engine: State<'_, Engine>,
    name: String,
    chat: String,
    delete_media: bool,
) -> CommandResult<ChatDeleteReport> {
    Ok(engine.delete_chat(&name, &chat, delete_media).await?)
}
