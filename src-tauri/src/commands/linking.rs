use switchboard_engine::model::InstanceState;
use switchboard_engine::{Engine, ErrorPayload};
use tauri::State;

use super::CommandResult;

#[tauri::command]
pub async fn connect_qr(engine: State<'_, Engine>, name: String) -> CommandResult<InstanceState> {
    Ok(engine.connect_qr(&name).await?)
}

#[tauri::command]
pub async fn connect_code(
    engine: State<'_, Engine>,
    name: String,
    phone: String,
) -> CommandResult<String> {
    Ok(engine.connect_code(&name, &phone).await?)
}

#[tauri::command]
pub async fn reconnect(engine: State<'_, Engine>, name: String) -> CommandResult<InstanceState> {
    Ok(engine.reconnect(&name).await?)
}

/// The QR code drawn in Rust, as a PNG data URL the window can show under a strict CSP.
#[tauri::command]
pub fn qr_image(code: String) -> CommandResult<String> {
    crate::qr::png_data_url(&code).map_err(|message| ErrorPayload {
        code: "invalid_qr".into(),
        message,
    })
}
