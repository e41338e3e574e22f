//! Start-up and stop: the first stdout line, the account token's file or variable,
//! and a clean exit on SIGTERM and SIGINT.

use reqwest::{Method, StatusCode};

use crate::support::{token_file, Options, Server};

#[tokio::test]
async fn the_first_line_says_where_to_reach_it_and_the_token_file_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let api = server.announced["api_url"].as_str().unwrap();
    assert!(
        api.starts_with("http://127.0.0.1:") && api.ends_with("/api"),
        "{api}"
    );
    let ws = server.announced["ws_url"].as_str().unwrap();
    assert!(
        ws.starts_with("ws://127.0.0.1:") && ws.ends_with("/ws"),
        "{ws}"
    );
    assert_eq!(
        server.announced["token_file"],
        token_file(dir.path()).to_str().unwrap()
    );
    assert_eq!(server.account.len(), 64, "a fresh random token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(token_file(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (status, body) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "0 Instances found");

    // The same token again after a restart.
    let token = server.account.clone();
    assert!(server.signal_and_wait("-TERM").await.success());
    let again = Server::start(dir.path(), Options::default()).await;
    assert_eq!(again.account, token);
}

#[tokio::test]
async fn the_environment_token_is_used_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let token = "env-token-0123456789abcdef";
    let server = Server::start(
        dir.path(),
        Options::default().env("SWITCHBOARD_ACCOUNT_TOKEN", token),
    )
    .await;
    assert!(!token_file(dir.path()).exists());
    assert_eq!(server.announced["token_file"], serde_json::Value::Null);
    let (status, _) = server
        .call(Method::GET, "/instance/list", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_weak_environment_token_stops_it_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options::default().env("SWITCHBOARD_ACCOUNT_TOKEN", "short");
    let output = crate::support::command(dir.path(), &options)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 16 characters"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing is announced");
}

#[tokio::test]
async fn sigint_stops_it_cleanly_and_the_data_stays() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    server.create("shop").await;
    assert!(server.signal_and_wait("-INT").await.success());
    let again = Server::start(dir.path(), Options::default()).await;
    assert_eq!(again.listed("shop").await["name"], "shop");
}
