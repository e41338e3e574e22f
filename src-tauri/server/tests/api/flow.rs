//! The whole flow through the API alone, against wa-mock with the real WhatsApp client
//! inside the server: create, connect by QR (wa-mock scans it), connected, a chat with
//! media arrives and is deleted with its media, log out, link by pairing code, delete the
//! instance, and the same name created again at once; the WebSocket sees each step.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use wa_mock::{IncomingMedia, IncomingMediaKind, IncomingMessage, PhoneProfile, WaMock};

use crate::support::{Options, Server};

const PHONE: &str = "5511911112222";
const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

fn phone() -> PhoneProfile {
    PhoneProfile {
        phone: PHONE.into(),
        name: "Shop".into(),
        business: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_link_delete_a_chat_log_out_pair_by_code_delete_and_create_again() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default().wa(mock.ws_url())).await;
    let seen = watch_events(&server).await;
    let (status, created) = server
        .account_call(
            Method::POST,
            "/instance/new",
            Some(json!({ "name": "shop", "autoDownloadMedia": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["instance"]["status"], "disconnected");

    // Connect by QR: the code's text and its picture; asked again, the same live code.
    let (status, qr) = server
        .account_call(Method::GET, "/instance/connect/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{qr}");
    assert_eq!(qr["status"], "qr");
    assert_eq!(qr["message"], "QR code generated");
    let code = qr["qrCode"].as_str().unwrap().to_string();
    assert!(qr["qrCodeBase64"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    let (_, again) = server
        .account_call(Method::GET, "/instance/connect/shop", None)
        .await;
    assert_eq!(again["qrCode"], code.as_str(), "{again}");
    let linked = mock.scan(&code, &phone()).unwrap();
    let connected = server
        .wait_until("shop", "connected", |i| i["status"] == "connected")
        .await;
    assert!(connected["connection"]["numberJid"]
        .as_str()
        .unwrap()
        .starts_with(PHONE));
    let (_, already) = server
        .account_call(Method::GET, "/instance/connect/shop", None)
        .await;
    assert_eq!(already["status"], "connected", "{already}");

    // A customer's chat with a document, then delete-chat with its media.
    let invoice = b"%PDF-1.4 invoice 42".to_vec();
    mock.send_message(
        &linked.jid,
        &IncomingMessage {
            chat: CUSTOMER.into(),
            from: CUSTOMER.into(),
            text: Some("Here is the invoice".into()),
            media: Some(IncomingMedia {
                kind: IncomingMediaKind::Document,
                mime: "application/pdf".into(),
                file_name: Some("invoice.pdf".into()),
                bytes_base64: base64::engine::general_purpose::STANDARD.encode(&invoice),
            }),
        },
    )
    .await
    .unwrap();
    server
        .wait_until("shop", "the media is kept", |i| {
            i["counts"]["mediaFiles"] == 1
        })
        .await;
    let (status, deleted) = server
        .account_call(
            Method::DELETE,
            "/chat/deleteChat/shop",
            Some(json!({ "number": "5511955554444", "deleteMedia": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["success"], true);
    assert_eq!(
        deleted["message"],
        "Chat deleted successfully (including media)"
    );
    assert_eq!(deleted["chat_jid"], CUSTOMER);
    assert_eq!(deleted["delete_media"], true);
    assert_eq!(deleted["media_files_removed"], 1);
    let received = mock.received(&linked.jid).unwrap();
    assert!(
        received
            .iter()
            .any(|r| r["action"] == "deleteChat" && r["chat"] == CUSTOMER),
        "the phone got deleteChat: {received:?}"
    );
    assert_eq!(server.listed("shop").await["counts"]["mediaFiles"], 0);

    // Log out: the device leaves the phone, the instance stays.
    let (status, out) = server
        .account_call(Method::DELETE, "/instance/logout/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["whatsappLogout"], "confirmed");
    assert_eq!(server.listed("shop").await["status"], "loggedout");

    // Link again by pairing code, typed on the phone.
    let (status, paired) = server
        .account_call(
            Method::GET,
            &format!("/instance/connect/shop?number={PHONE}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paired}");
    assert_eq!(paired["status"], "code");
    let pairing_code = paired["pairingCode"].as_str().unwrap();
    assert_eq!(pairing_code.len(), 8, "{paired}");
    mock.enter_pair_code(pairing_code, &phone()).unwrap();
    server
        .wait_until("shop", "connected by code", |i| i["status"] == "connected")
        .await;

    // Delete: logged out on WhatsApp, gone here, the name free at once.
    let (status, gone) = server
        .account_call(Method::DELETE, "/instance/delete/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    assert_eq!(gone["message"], "Instance deleted");
    assert_eq!(gone["instance"]["status"], "deleted");
    assert_eq!(gone["whatsappLogout"], "confirmed");
    assert!(
        mock.devices()
            .iter()
            .all(|d| !d.phone.contains(PHONE) || !d.connected),
        "no device of the phone is still linked: {:?}",
        mock.devices().iter().map(|d| &d.jid).collect::<Vec<_>>()
    );
    server.create("shop").await;

    let id = created["instance"]["id"].as_str().unwrap();
    // The last frame may still be on its way.
    tokio::time::timeout(crate::support::WAIT, async {
        while !steps_seen(&seen, id).contains(&"instance_deleted".to_string()) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the deletion reaches the socket");
    let steps = steps_seen(&seen, id);
    let expected = [
        "instance_created",
        "qr_code",
        "state_changed:connected",
        "chat_deleted",
        "state_changed:loggedout",
        "pairing_code",
        "state_changed:connected",
        "instance_deleted",
    ];
    let mut rest = steps.iter();
    for step in expected {
        assert!(
            rest.any(|s| s == step),
            "the socket saw {step} in order; it saw {steps:?}"
        );
    }
}

/// Collects every event the account's socket receives.
async fn watch_events(server: &Server) -> Arc<Mutex<Vec<Value>>> {
    let mut socket = server.socket(&server.account).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = socket.next().await {
            if let Message::Text(text) = frame {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str(&text).unwrap());
            }
        }
    });
    seen
}

/// The instance's events as `type` or `type:state`, in the order they came.
fn steps_seen(seen: &Mutex<Vec<Value>>, instance_id: &str) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|e| e["instance_id"] == instance_id)
        .map(|e| match e["state"]["state"].as_str() {
            Some(state) => format!("{}:{state}", e["type"].as_str().unwrap()),
            None => e["type"].as_str().unwrap().to_string(),
        })
        .collect()
}
