//! Remembers the main window's size in the UI preferences store.

use serde::{Deserialize, Serialize};
use tauri::{App, LogicalSize, Manager, Window, WindowEvent};
use tauri_plugin_store::StoreExt;

pub const PREFS_STORE: &str = "prefs.json";
const WINDOW_SIZE_KEY: &str = "window_size";

#[derive(Serialize, Deserialize)]
struct Size {
    width: f64,
    height: f64,
}

pub fn restore(app: &App) -> anyhow::Result<()> {
    let store = app.store(PREFS_STORE)?;
    let Some(saved) = store.get(WINDOW_SIZE_KEY) else {
        return Ok(());
    };
    let Ok(size) = serde_json::from_value::<Size>(saved) else {
        return Ok(());
    };
    if let Some(window) = app.get_webview_window("main") {
        window.set_size(LogicalSize::new(size.width, size.height))?;
    }
    Ok(())
}

pub fn on_event(window: &Window, event: &WindowEvent) {
    if !matches!(event, WindowEvent::CloseRequested { .. }) {
        return;
    }
    if let Err(e) = save(window) {
        tracing::warn!(error = %e, "could not remember the window size");
    }
}

fn save(window: &Window) -> anyhow::Result<()> {
    let size = window
        .inner_size()?
        .to_logical::<f64>(window.scale_factor()?);
    let store = window.app_handle().store(PREFS_STORE)?;
    store.set(
        WINDOW_SIZE_KEY,
        serde_json::to_value(Size {
            width: size.width,
            height: size.height,
        })?,
    );
    store.save()?;
    Ok(())
}
