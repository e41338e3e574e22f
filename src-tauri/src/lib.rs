//! The desktop shell: how Switchboard presents the engine. Commands, event
//! forwarding, tray, notifications and plugins; no business logic lives here.

mod attention;
mod commands;
mod events;
mod locale;
mod tray;
mod window_state;

use std::sync::Arc;

use switchboard_api::LocalApi;
use switchboard_commands::{data_dir, logging, Host};
use switchboard_engine::{Engine, EngineConfig};
use tauri::{Manager, RunEvent, WindowEvent};

pub fn run() {
    let args: Vec<String> = std::env::args().collect();
    let app = tauri::Builder::default()
        // First: a second launch must focus this window, never open the database twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main_window(app)
        }))
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let data_dir = data_dir::data_dir(&args, app.path().app_data_dir()?);
            std::fs::create_dir_all(&data_dir)?;
            app.manage(logging::init(&data_dir)?);
            tracing::info!(data_dir = %data_dir.display(), "starting Switchboard");
            let mut engine_config = EngineConfig::new(data_dir.clone());
            // Only a test build (feature insecure-test-server) can point at another server.
            engine_config.wa.server_url =
                switchboard_engine::actor::WaConfig::server_url_from_env();
            let engine = tauri::async_runtime::block_on(Engine::open(engine_config))?;
            let local_api = LocalApi::open(engine.clone(), &data_dir)?;
            app.manage(Host::with_local_api(engine.clone(), local_api.clone()));
            app.manage(local_api.clone());
            app.manage(engine.clone());
            tray::create(app.handle())?;
            events::forward(app.handle().clone(), engine.clone());
            window_state::restore(app)?;
            // start_background spawns onto the runtime it is called from.
            tauri::async_runtime::spawn(async move {
                engine.start_background();
                local_api.start_saved().await;
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            window_state::on_event(window, event);
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
