//! The desktop app's local API switch, on a real engine and real sockets: off by default,
//! on at a chosen port of 127.0.0.1, kept across restarts, a token regenerated revokes
//! the old one at once, and a change that fails leaves everything as it was.

use std::path::Path;
use std::sync::Arc;

use reqwest::StatusCode;
use switchboard_api::LocalApi;
use switchboard_commands::{LocalApiSettings, LocalApiStatus, LocalApiSwitch};
use switchboard_engine::{Engine, EngineConfig};

async fn open(dir: &Path) -> (Engine, Arc<LocalApi>) {
    let engine = Engine::open(EngineConfig::new(dir.to_path_buf()))
        .await
        .unwrap();
    let local = LocalApi::open(engine.clone(), dir).unwrap();
    (engine, local)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn on(port: u16) -> LocalApiSettings {
    LocalApiSettings {
        enabled: true,
        port,
        all_interfaces: false,
    }
}

async fn list_status(status: &LocalApiStatus, token: &str) -> StatusCode {
    let base = status.base_url.as_deref().expect("the API is on");
    reqwest::Client::new()
        .get(format!("{base}/instance/list"))
        .header("token", token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn it_is_off_until_switched_on_then_answers_on_loopback_and_stays_on_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, local) = open(dir.path()).await;
    local.start_saved().await;
    let off = local.status().await;
    assert_eq!(off.settings, LocalApiSettings::default());
    assert!(!off.settings.enabled);
    assert_eq!(off.base_url, None);

    let port = free_port();
    let status = local.apply(on(port)).await.unwrap();
    assert_eq!(
        status.base_url,
        Some(format!("http://127.0.0.1:{port}/api"))
    );
    assert_eq!(
        status.description_url,
        Some(format!("http://127.0.0.1:{port}/api/openapi.json"))
    );
    assert_eq!(
        list_status(&status, &status.account_token).await,
        StatusCode::OK
    );
    local.stop().await;
    engine.shutdown().await;

    let (engine, again) = open(dir.path()).await;
    again.start_saved().await;
    let status = again.status().await;
    assert_eq!(status.settings, on(port));
    assert_eq!(
        list_status(&status, &status.account_token).await,
        StatusCode::OK
    );

    let off = again
        .apply(LocalApiSettings {
            enabled: false,
            ..on(port)
        })
        .await
        .unwrap();
    assert_eq!(off.base_url, None);
    let refused = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await;
    assert!(refused.is_err(), "nothing listens once it is off");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_new_token_revokes_the_old_one_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, local) = open(dir.path()).await;
    let before = local.apply(on(free_port())).await.unwrap();
    let after = local.regenerate_token().await.unwrap();
    assert_ne!(before.account_token, after.account_token);
    assert_eq!(
        list_status(&after, &before.account_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        list_status(&after, &after.account_token).await,
        StatusCode::OK
    );
    let on_disk = std::fs::read_to_string(dir.path().join("api-token")).unwrap();
    assert_eq!(on_disk, after.account_token);
    local.stop().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_change_that_fails_leaves_the_api_and_its_settings_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, local) = open(dir.path()).await;
    let port = free_port();
    let running = local.apply(on(port)).await.unwrap();
    let saved = std::fs::read(dir.path().join("local-api.json")).unwrap();

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = taken.local_addr().unwrap().port();
    let error = local.apply(on(busy)).await.unwrap_err();
    assert_eq!(error.code.as_str(), "io_error");
    assert!(
        error.message.contains(&busy.to_string()),
        "{}",
        error.message
    );

    let error = local.apply(on(80)).await.unwrap_err();
    assert_eq!(error.code.as_str(), "invalid_settings");

    let status = local.status().await;
    assert_eq!(status.settings, on(port));
    assert_eq!(status.base_url, running.base_url);
    assert_eq!(
        list_status(&status, &status.account_token).await,
        StatusCode::OK
    );
    assert_eq!(
        std::fs::read(dir.path().join("local-api.json")).unwrap(),
        saved,
        "the saved settings are untouched"
    );
    local.stop().await;
    engine.shutdown().await;
}
