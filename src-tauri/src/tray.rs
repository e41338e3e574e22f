//! The tray icon: show or quit, and a tooltip counting numbers that work or need a look,
//! in the language the window shows.

use switchboard_engine::Engine;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::attention::tally;
use crate::locale::Language;

const TRAY_ID: &str = "main";

/// The menu entries, kept to be re-worded when the language changes.
struct TrayMenu {
    show: MenuItem<Wry>,
    quit: MenuItem<Wry>,
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let language = Language::of(app);
    let show = MenuItem::with_id(app, "show", language.show_window(), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", language.quit(), true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Switchboard")
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => show_main_window(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    app.manage(TrayMenu { show, quit });
    Ok(())
}

/// Re-counts the numbers and re-words the menu (the language may have changed).
pub async fn refresh(app: &AppHandle, engine: &Engine) {
    // None until set-up has built the tray.
    let Some(worded) = app.try_state::<TrayMenu>() else {
        return;
    };
    let Ok(instances) = engine.list_instances().await else {
        return;
    };
    let language = Language::of(app);
    let (connected, attention) = tally(&instances);
    let applied = worded
        .show
        .set_text(language.show_window())
        .and_then(|()| worded.quit.set_text(language.quit()))
        .and_then(|()| match app.tray_by_id(TRAY_ID) {
            Some(tray) => tray.set_tooltip(Some(language.tray_summary(connected, attention))),
            None => Ok(()),
        });
    if let Err(e) = applied {
        tracing::warn!(error = %e, "could not update the tray");
    }
}

/// Brings the main window to the front (tray menu, or a second launch of the app).
pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
