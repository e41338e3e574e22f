//! The binary and its admin HTTP API, driven the way other tools drive it.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::http::request;
use common::TestClient;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use wa_mock::{MockOptions, WaMock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_prints_its_urls_and_serves_the_admin_api() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wa-mock"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start wa-mock");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(common::STEP, lines.next_line())
        .await
        .expect("first line in time")
        .unwrap()
        .expect("one line");
    let urls: Value = serde_json::from_str(&line).expect("JSON line");
    let ws = urls["ws_url"].as_str().unwrap();
    let admin = urls["admin_url"].as_str().unwrap();
    assert!(
        ws.starts_with("ws://127.0.0.1:") && ws.ends_with("/ws/chat"),
        "{ws}"
    );
    assert!(
        admin.starts_with("http://127.0.0.1:") && admin.ends_with("/admin"),
        "{admin}"
    );
    assert_eq!(urls.as_object().unwrap().len(), 2);

    let (status, body) = request("GET", &format!("{admin}/devices"), "").await;
    assert_eq!((status, body.as_str()), (200, "[]"));
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_over_http_links_and_admin_errors_are_coded() {
    let mock = WaMock::start().await.unwrap();
    let admin = mock.admin_url();
    let dir = tempfile::tempdir().unwrap();
    let mut client = TestClient::start(&mock.ws_url(), &dir.path().join("s.db")).await;
    let qr = client.next_qr().await;

    let (status, body) = request("POST", &format!("{admin}/scan?phone=abc"), &qr).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "bad_request"
    );
    let (status, _) = request("POST", &format!("{admin}/scan"), "2@unknown,AAAA,AAAA,AAAA").await;
    assert_eq!(status, 400);

    let quoted = serde_json::to_string(&qr).unwrap();
    let url = format!("{admin}/scan?phone=5511999990301&name=Loja%20Centro&business=Loja");
    let (status, body) = request("POST", &url, &quoted).await;
    assert_eq!(status, 200, "{body}");
    let linked: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(linked["jid"], "5511999990301@s.whatsapp.net");
    assert!(linked["lid"].as_str().unwrap().ends_with("@lid"));
    let business = client
        .wait_for("PairSuccess", |e| match e {
            whatsapp_rust::types::events::Event::PairSuccess(p) => Some(p.business_name.clone()),
            _ => None,
        })
        .await;
    assert_eq!(business, "Loja");
    client.connected().await;

    // The same code cannot be used twice.
    let (status, body) = request("POST", &format!("{admin}/scan"), &qr).await;
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "unknown_code"
    );

    let (status, body) = request("GET", &format!("{admin}/devices"), "").await;
    assert_eq!(status, 200);
    let devices: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(devices[0]["phone"], "5511999990301");
    assert_eq!(devices[0]["name"], "Loja Centro");
    assert_eq!(devices[0]["connected"], true);

    let (status, body) = request(
        "POST",
        &format!("{admin}/devices/5511999990301%40s.whatsapp.net/ban"),
        "{\"temporary_seconds\":0}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = request("POST", &format!("{admin}/devices/5500000000000/logout"), "").await;
    assert_eq!(status, 404);
    let (status, body) = request(
        "GET",
        &format!("{admin}/devices/5511999990301/received"),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(serde_json::from_str::<Value>(&body).unwrap().is_array());
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_qr_codes_are_refused() {
    let options = MockOptions {
        qr_first_ttl: Duration::from_millis(300),
        qr_next_ttl: Duration::from_millis(100),
        qr_refs: 2,
    };
    let mock = WaMock::start_with(options, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut client = TestClient::start(&mock.ws_url(), &dir.path().join("s.db")).await;
    let qr = client.next_qr().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        mock.scan(&qr, &common::profile("5511999990302")),
        Err(wa_mock::MockError::ExpiredCode)
    );
    assert!(mock.devices().is_empty());
    client.stop().await;
}

#[tokio::test]
async fn options_and_listen_address_are_validated() {
    let zero_refs = MockOptions {
        qr_refs: 0,
        ..MockOptions::default()
    };
    assert!(WaMock::start_with(zero_refs, "127.0.0.1:0").await.is_err());
    assert!(WaMock::start_with(MockOptions::default(), "0.0.0.0:0")
        .await
        .is_err());
    assert!(WaMock::start_with(MockOptions::default(), "not an address")
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pair_code_and_messages_over_http() {
    let mock = WaMock::start().await.unwrap();
    let admin = mock.admin_url();
    let dir = tempfile::tempdir().unwrap();
    let phone = "5511999990304";
    let mut client =
        TestClient::start_with(&mock.ws_url(), &dir.path().join("s.db"), Some(phone)).await;
    let code = client
        .wait_for("PairingCode", |e| match e {
            whatsapp_rust::types::events::Event::PairingCode(p) => Some(p.code.clone()),
            _ => None,
        })
        .await;
    let (status, _) = request("POST", &format!("{admin}/pair-code"), "{\"phone\":\"1\"}").await;
    assert_eq!(status, 400);
    let body = serde_json::json!({"phone": phone, "code": code}).to_string();
    let (status, body) = request("POST", &format!("{admin}/pair-code"), &body).await;
    assert_eq!(status, 200, "{body}");
    client.connected().await;

    let sender = "5511955554444@s.whatsapp.net";
    let body = serde_json::json!({"chat": sender, "from": sender, "text": "pelo curl"}).to_string();
    let (status, body) = request("POST", &format!("{admin}/devices/{phone}/messages"), &body).await;
    assert_eq!(status, 200, "{body}");
    let text = client.wait_for("the message", text_of).await;
    assert_eq!(text, "pelo curl");

    // Frozen, the server holds what it would send over the open socket; thawed, it
    // sends it.
    let device = format!("{admin}/devices/{phone}");
    let (status, body) = request("POST", &format!("{device}/freeze"), "").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = request("POST", &format!("{device}/freeze"), "").await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = request("POST", &format!("{admin}/devices/5500000000000/freeze"), "").await;
    assert_eq!(status, 404);
    let body = serde_json::json!({"chat": sender, "from": sender, "text": "held"}).to_string();
    let (status, body) = request("POST", &format!("{device}/messages"), &body).await;
    assert_eq!(status, 200, "{body}");
    let early =
        tokio::time::timeout(Duration::from_secs(2), client.wait_for("held", text_of)).await;
    assert!(early.is_err(), "a frozen server sent {early:?}");
    let (status, body) = request("POST", &format!("{device}/thaw"), "").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = request("POST", &format!("{device}/thaw"), "").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(client.wait_for("held", text_of).await, "held");

    let (status, body) = request("POST", &format!("{admin}/devices/{phone}/history"), "{}").await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "bad_request"
    );
    client.stop().await;
}

fn text_of(event: &whatsapp_rust::types::events::Event) -> Option<String> {
    match event {
        whatsapp_rust::types::events::Event::Messages(batch) => {
            batch.iter().find_map(|m| m.message.conversation.clone())
        }
        _ => None,
    }
}
