//! A chat's export through the server process: against wa-mock the customer's text and
//! image come back as a ZIP (application/zip, a download name) whose messages, file and
//! manifest hashes match; refusals keep RyzeAPI's shape and the engine's codes.

use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use wa_mock::{IncomingMediaKind, IncomingMessage, WaMock};

use crate::support::{assert_refused, Options, Server};

const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

#[tokio::test]
async fn export_refuses_unknown_instances_and_chats() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    server.create("shop").await;
    let (status, body) = server
        .account_call(Method::GET, "/chat/export/ghost", None)
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Instance not found");
    let (status, body) = server
        .account_call(Method::GET, "/chat/export/shop?number=5511911112222", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "chat_not_found");
    let (status, body) = server
        .account_call(Method::GET, "/chat/export/shop?number=55", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_jid");
    let (status, body) = server
        .call(Method::GET, "/chat/export/shop", None, None)
        .await;
    assert_refused(status, &body, StatusCode::UNAUTHORIZED, "Invalid token");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chats_export_downloads_as_a_zip_that_checks() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default().wa(mock.ws_url())).await;
    let linked = server.linked("shop", &mock, "5511911112222").await;
    let (status, _) = server
        .account_call(
            Method::POST,
            "/instance/settings/shop",
            Some(serde_json::json!({ "autoDownloadMedia": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let photo = b"\xff\xd8\xff\xe0 the shelf".to_vec();
    for (text, media) in [
        (Some("Is it in stock?"), None),
        (
            Some("This one"),
            Some(engine_support::attachment(
                IncomingMediaKind::Image,
                "image/jpeg",
                None,
                &photo,
            )),
        ),
    ] {
        let message = IncomingMessage {
            chat: CUSTOMER.into(),
            from: CUSTOMER.into(),
            text: text.map(str::to_string),
            media,
        };
        mock.send_message(&linked.jid, &message).await.unwrap();
    }
    server
        .wait_until("shop", "two messages and a file", |i| {
            i["counts"]["messages"] == 2 && i["counts"]["mediaFiles"] == 1
        })
        .await;

    let response = server
        .raw(Method::GET, "/chat/export/shop?number=5511955554444", "")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/zip");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"shop-5511955554444.zip\""
    );
    let zip_bytes = response.bytes().await.unwrap();
    let files = engine_support::zip_entries(std::io::Cursor::new(&zip_bytes));
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["counts"]["messages"], 2);
    assert_eq!(manifest["counts"]["media_files"], 1);
    for file in manifest["files"].as_array().unwrap() {
        let bytes = &files[file["path"].as_str().unwrap()];
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(bytes)));
    }
    let lines: Vec<serde_json::Value> = std::str::from_utf8(&files["messages.jsonl"])
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let image = lines.iter().find(|m| m["kind"] == "image").unwrap();
    assert_eq!(image["text"], "This one");
    assert_eq!(files[image["file"]["path"].as_str().unwrap()], photo);
    assert!(lines.iter().any(|m| m["text"] == "Is it in stock?"));
    let transcript = String::from_utf8(files["transcript.html"].clone()).unwrap();
    assert!(transcript.contains("Is it in stock?"), "{transcript}");
}
