//! One integration written for Evolution, end to end against `switchboard-server` on
//! wa-mock and in Evolution's dialect alone: create with a webhook by events, connect by
//! QR (wa-mock's phone scans it), `open`, sendText (the customer's phone decrypts it),
//! the customer answers (a `messages.upsert` in Evolution's shape arrives), findMessages
//! shows both, logout, delete, and the same name created again at once.

use std::time::Duration;

use engine_support::{signature_verifies, Receiver};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use wa_mock::{IncomingMessage, PhoneProfile, WaMock};

use crate::support::{Options, Server, WAIT};

const CUSTOMER: &str = "5511955554444";
const CUSTOMER_JID: &str = "5511955554444@s.whatsapp.net";

/// The bodies the receiver got at `path`, once at least one came.
async fn delivered(receiver: &Receiver, path: &str) -> Vec<Value> {
    delivered_until(receiver, path, |got| !got.is_empty()).await
}

/// The bodies the receiver got at `path`, once `enough` holds for them.
async fn delivered_until(
    receiver: &Receiver,
    path: &str,
    enough: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    tokio::time::timeout(WAIT, async {
        loop {
            let got: Vec<Value> = receiver
                .received()
                .into_iter()
                .filter(|r| r.path == path)
                .map(|r| serde_json::from_str(&r.body).unwrap())
                .collect();
            if enough(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("what was delivered to {path} never sufficed"))
}

async fn state(server: &Server, name: &str) -> Value {
    let path = format!("/instance/connectionState/{name}");
    let (status, body) = server
        .evolution(Method::GET, &path, Some(&server.account), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["instance"]["state"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_evolution_integration_runs_unchanged_from_create_to_delete() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default().wa(mock.ws_url())).await;
    let receiver = Receiver::start(vec![], 200, None).await;
    let key = server.account.clone();
    let create = json!({
        "instanceName": "shop",
        "integration": "WHATSAPP-BAILEYS",
        "webhook": {
            "url": receiver.url,
            "byEvents": true,
            "headers": { "authorization": "Bearer n8n" },
            "events": ["QRCODE_UPDATED", "CONNECTION_UPDATE", "MESSAGES_UPSERT", "SEND_MESSAGE",
                       "LOGOUT_INSTANCE", "INSTANCE_DELETE"]
        }
    });
    let (status, created) = server
        .evolution(
            Method::POST,
            "/instance/create",
            Some(&key),
            Some(create.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["instance"]["status"], "close");
    let token = created["hash"].as_str().unwrap().to_string();

    let (status, qr) = server
        .evolution(Method::GET, "/instance/connect/shop", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{qr}");
    assert!(qr["base64"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    let told = &delivered(&receiver, "/hook/qrcode-updated").await[0];
    assert_eq!(told["event"], "qrcode.updated");
    let profile = PhoneProfile {
        phone: "5511911112222".into(),
        name: "Shop".into(),
        business: None,
    };
    let linked = mock.scan(qr["code"].as_str().unwrap(), &profile).unwrap();
    tokio::time::timeout(WAIT, async {
        while state(&server, "shop").await != "open" {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the instance opens");
    let updates = delivered_until(&receiver, "/hook/connection-update", |got| {
        got.iter().any(|u| u["data"]["state"] == "open")
    })
    .await;
    assert!(
        updates.iter().any(|u| u["event"] == "connection.update"),
        "{updates:?}"
    );

    // The instance's own token sends; the customer's phone decrypts exactly that text.
    let (status, sent) = server
        .evolution(
            Method::POST,
            "/message/sendText/shop",
            Some(&token),
            Some(json!({ "number": CUSTOMER, "text": "Your order shipped" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let sent_id = sent["key"]["id"].as_str().unwrap().to_string();
    let phone = tokio::time::timeout(WAIT, async {
        loop {
            let got = mock.phone_received(CUSTOMER).unwrap();
            if !got.is_empty() {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the phone receives it");
    assert_eq!(phone[0].id, sent_id);
    assert_eq!(phone[0].text.as_deref(), Some("Your order shipped"));
    let echoed = &delivered(&receiver, "/hook/send-message").await[0];
    assert_eq!(echoed["data"]["key"]["id"], sent_id.as_str());

    // The customer answers: Evolution's messages.upsert, signed.
    mock.send_message(
        &linked.jid,
        &IncomingMessage {
            chat: CUSTOMER_JID.into(),
            from: CUSTOMER_JID.into(),
            text: Some("Thanks!".into()),
            media: None,
        },
    )
    .await
    .unwrap();
    let upsert = &delivered(&receiver, "/hook/messages-upsert").await[0];
    assert_eq!(upsert["event"], "messages.upsert");
    assert_eq!(upsert["instance"], "shop");
    assert_eq!(upsert["apikey"], token.as_str());
    assert_eq!(upsert["data"]["key"]["remoteJid"], CUSTOMER_JID);
    assert_eq!(upsert["data"]["key"]["fromMe"], false);
    assert_eq!(upsert["data"]["message"]["conversation"], "Thanks!");
    assert_eq!(upsert["data"]["messageType"], "conversation");
    let secret = server.listed("shop").await["webhook"]["secret"].clone();
    for request in receiver.received() {
        assert_eq!(request.headers["authorization"], "Bearer n8n");
        if let Some(secret) = secret.as_str() {
            assert!(signature_verifies(secret, &request), "{}", request.body);
        }
    }

    let (status, found) = server
        .evolution(
            Method::POST,
            "/chat/findMessages/shop",
            Some(&token),
            Some(json!({ "where": { "key": { "remoteJid": CUSTOMER_JID } } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["messages"]["total"], 2, "{found}");
    // Both within one second: WhatsApp stamps received messages to the second.
    let records = found["messages"]["records"].as_array().unwrap();
    let said = |text: &str| {
        records
            .iter()
            .find(|r| r["message"]["conversation"] == text)
            .unwrap_or_else(|| panic!("{text} is found: {found}"))["key"]["fromMe"]
            .clone()
    };
    assert_eq!(said("Thanks!"), false);
    assert_eq!(said("Your order shipped"), true);

    let (status, out) = server
        .evolution(Method::DELETE, "/instance/logout/shop", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        out,
        json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance logged out"}})
    );
    assert_eq!(state(&server, "shop").await, "close");
    assert_eq!(
        delivered(&receiver, "/hook/logout-instance").await[0]["event"],
        "logout.instance"
    );

    let (status, gone) = server
        .evolution(Method::DELETE, "/instance/delete/shop", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    assert_eq!(
        gone,
        json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance deleted"}})
    );
    let farewell = &delivered(&receiver, "/hook/instance-delete").await[0];
    assert_eq!(farewell["data"]["instanceName"], "shop");
    let (status, _) = server
        .evolution(
            Method::GET,
            "/instance/connectionState/shop",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the deleted instance's token is revoked"
    );

    let (status, again) = server
        .evolution(
            Method::POST,
            "/instance/create",
            Some(&key),
            Some(json!({"instanceName": "shop"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the name is free at once: {again}"
    );
}
