//! `POST /api/chat/downloadMedia/:instance` through the server process against wa-mock:
//! a photo that arrived while auto-download was off is fetched later with the hash the
//! phone sent, and every refusal carries its status and the engine's code (a file the
//! media host forgot is 410 `media_expired`). Evolution's `getBase64FromMediaMessage`
//! downloads the same way and answers the file in base64.

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wa_mock::WaMock;

use crate::support::{assert_refused, Options, Server};

const CUSTOMER: &str = "5511955557777@s.whatsapp.net";

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_left_on_whatsapp_downloads_later_and_refusals_are_coded() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default().wa(mock.ws_url())).await;
    let linked = server.linked("shop", &mock, "5511911117777").await;
    let files = engine_support::customer_writes(&mock, &linked.jid, CUSTOMER, "Hello").await;
    server
        .wait_until("shop", "three messages", |i| i["counts"]["messages"] == 3)
        .await;
    let (status, page) = server
        .account_call(
            Method::GET,
            "/chat/messages/shop?number=5511955557777",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let id_of = |kind: &str| -> String {
        let found: Vec<&Value> = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == kind)
            .collect();
        assert_eq!(found.len(), 1, "{page}");
        assert!(found[0]["file"].is_null(), "not downloaded yet: {page}");
        found[0]["id"].as_str().unwrap().to_string()
    };
    let (photo, invoice, text) = (id_of("image"), id_of("document"), id_of("text"));
    let download = |body: Value| {
        let server = &server;
        async move {
            server
                .account_call(Method::POST, "/chat/downloadMedia/shop", Some(body))
                .await
        }
    };

    // Evolution's dialect asks first: the photo is downloaded, then answered in base64.
    let base64_of = |key: Value, convert: bool| {
        let server = &server;
        async move {
            server
                .evolution(
                    Method::POST,
                    "/chat/getBase64FromMediaMessage/shop",
                    Some(&server.account),
                    Some(json!({ "message": { "key": key }, "convertToMp4": convert })),
                )
                .await
        }
    };
    let (status, media) = base64_of(json!({ "remoteJid": CUSTOMER, "id": photo }), true).await;
    assert_eq!(status, StatusCode::OK, "{media}");
    assert_eq!(media["mediaType"], "imageMessage");
    assert_eq!(media["size"]["fileLength"], files.photo.len());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(media["base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(decoded, files.photo);
    for (key, status, words) in [
        (
            json!({ "remoteJid": CUSTOMER }),
            StatusCode::BAD_REQUEST,
            "message.key.id is required",
        ),
        (
            json!({ "id": photo }),
            StatusCode::BAD_REQUEST,
            "message.key.remoteJid is required",
        ),
        (
            json!({ "remoteJid": CUSTOMER, "id": text }),
            StatusCode::BAD_REQUEST,
            "no file",
        ),
        (
            json!({ "remoteJid": CUSTOMER, "id": "3EB0NOSUCH" }),
            StatusCode::NOT_FOUND,
            "3EB0NOSUCH",
        ),
    ] {
        let (got, body) = base64_of(key.clone(), false).await;
        assert_eq!(got, status, "{key}: {body}");
        assert!(body.to_string().contains(words), "{key}: {body}");
    }

    let (status, got) = download(json!({ "number": "5511955557777", "messageId": photo })).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["success"], true);
    assert_eq!(got["message"]["file"]["bytes"], files.photo.len());
    let path = got["message"]["file"]["path"].as_str().unwrap();
    let stored = std::fs::read(path).unwrap();
    assert_eq!(Sha256::digest(&stored), Sha256::digest(&files.photo));
    // Asked again, the stored file answers at once; a JID names the chat as well.
    let (status, again) = download(json!({ "chatJid": CUSTOMER, "messageId": photo })).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["message"], got["message"]);

    mock.forget_media(&hex::encode(Sha256::digest(&files.invoice)))
        .unwrap();
    let (status, body) = download(json!({ "number": "5511955557777", "messageId": invoice })).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "media_expired");
    let (status, body) = base64_of(json!({ "remoteJid": CUSTOMER, "id": invoice }), false).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert!(
        body.to_string().contains("no longer has this file"),
        "{body}"
    );
    let (status, body) = download(json!({ "number": "5511955557777", "messageId": text })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "no_media");
    let (status, body) =
        download(json!({ "number": "5511955557777", "messageId": "3EB0NOSUCH" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "message_not_found");
    let (status, body) = download(json!({ "messageId": photo })).await;
    assert_refused(status, &body, StatusCode::BAD_REQUEST, "Number is required");
    let (status, body) = download(json!({ "number": "5511955557777" })).await;
    assert_refused(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "messageId is required",
    );
    let (status, body) = server
        .account_call(
            Method::POST,
            "/chat/downloadMedia/ghost",
            Some(json!({ "number": "5511955557777", "messageId": photo })),
        )
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Instance not found");

    // Logged out by the phone: not connected.
    mock.logout_device(&linked.jid).unwrap();
    server
        .wait_until("shop", "the logout", |i| i["status"] == "loggedout")
        .await;
    let (status, body) = download(json!({ "number": "5511955557777", "messageId": invoice })).await;
    assert_refused(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "Instance is not connected to WhatsApp",
    );
}
