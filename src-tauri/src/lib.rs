//! The desktop shell: how Switchboard presents the engine. Commands, event
//! forwarding, tray, notifications and plugins; no business logic lives here.

mod attention;
mod closing;
mod commands;
mod events;
mod locale;
mod opening;
mod rendering;
mod startup;
mod tray;
mod window_state;

use std::sync::Arc;

use switchboard_api::LocalApi;
use switchboard_commands::{data_dir, logging};
use switchboard_engine::Engine;
use tauri::{Manager, RunEvent, WindowEvent};

pub fn run() {
    switchboard_engine::malloc_tuning::tune_malloc();
    switchboard_engine::error_backtraces::keep_error_backtraces_off();
    rendering::prefer_lean_webkit();
    let args: Vec<String> = std::env::args().collect();
    let app = tauri::Builder::default()
        // First: a second launch must focus this window, never open the database twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main_window(app)
        }))
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let data_dir = data_dir::data_dir(&args, app.path().app_data_dir()?);
            std::fs::create_dir_all(&data_dir)?;
            app.manage(logging::init(&data_dir)?);
            tracing::info!(data_dir = %data_dir.display(), "starting Switchboard");
            tray::create(app.handle())?;
            if let Some(window) = app.get_webview_window("main") {
                rendering::cache_as_document_viewer(&window)?;
            }
            window_state::restore(app)?;
            app.manage(startup::Startup::new(data_dir.clone()));
            // Not fatal: the window's commands try again and answer why it failed.
            let _ = tauri::async_runtime::block_on(startup::open(app.handle(), data_dir));
            Ok(())
        })
        .on_window_event(|window, event| {
            window_state::on_event(window, event);
            closing::on_event(window, event);
            // The language may have changed in the window: re-word the tray as the
            // user leaves for it.
            if let WindowEvent::Focused(false) = event {
                let app = window.app_handle().clone();
                // None until set-up has opened the engine.
                let Some(engine) = app.try_state::<Engine>().map(|e| e.inner().clone()) else {
                    return;
                };
                tauri::async_runtime::spawn(async move { tray::refresh(&app, &engine).await });
            }
        })
        .build(tauri::generate_context!())
        .expect("Switchboard could not start");
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            // Either is missing when set-up failed before it was made.
            let local_api = app.try_state::<Arc<LocalApi>>().map(|s| s.inner().clone());
            let engine = app.try_state::<Engine>().map(|s| s.inner().clone());
            tauri::async_runtime::block_on(async move {
                if let Some(local_api) = local_api {
                    local_api.stop().await;
                }
                if let Some(engine) = engine {
                    engine.shutdown().await;
                }
            });
        }
    });
}
