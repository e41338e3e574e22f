//! What closing the window does. The person chooses once, in the window, and the choice
//! is kept in the preferences store: keep Switchboard running in the tray, where every
//! number stays online, or quit. Until they have chosen, closing asks (the window shows
//! the question, saying how many numbers would go offline).

use serde_json::Value;
use tauri::{Emitter, Manager, Window, WindowEvent};
use tauri_plugin_store::StoreExt;

use crate::window_state::PREFS_STORE;

/// The preference the window saves: "tray", "quit", or "ask".
const CLOSE_CHOICE_KEY: &str = "closeChoice";
/// Tells the window to ask what closing should do.
pub const CLOSE_ASKED: &str = "close-asked";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Tray,
    Quit,
}

/// The remembered choice; anything else (nothing saved, "ask") means ask.
fn remembered(value: Option<&Value>) -> Option<Choice> {
    match value.and_then(Value::as_str) {
        Some("tray") => Some(Choice::Tray),
        Some("quit") => Some(Choice::Quit),
        _ => None,
    }
}

pub fn on_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let saved = window
        .app_handle()
        .store(PREFS_STORE)
        .ok()
        .and_then(|store| store.get(CLOSE_CHOICE_KEY));
    match remembered(saved.as_ref()) {
        // The last window closes and the app quits (the engine shuts down on exit).
        Some(Choice::Quit) => {}
        Some(Choice::Tray) => {
            api.prevent_close();
            if let Err(e) = window.hide() {
                tracing::warn!(error = %e, "could not hide the window to the tray");
            }
        }
        None => {
            api.prevent_close();
            if let Err(e) = window.emit(CLOSE_ASKED, ()) {
                tracing::warn!(error = %e, "could not ask the window what closing should do");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_saved_tray_or_quit_is_a_choice() {
        assert_eq!(remembered(Some(&Value::from("tray"))), Some(Choice::Tray));
        assert_eq!(remembered(Some(&Value::from("quit"))), Some(Choice::Quit));
        assert_eq!(remembered(Some(&Value::from("ask"))), None);
        assert_eq!(remembered(Some(&Value::from(3))), None);
        assert_eq!(remembered(None), None);
    }
}
