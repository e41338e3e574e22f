//! Webhooks in Evolution API's shapes, against a real HTTP receiver on loopback: its
//! event names and payloads, one URL per event (`byEvents`), signed and queued like
//! Switchboard's own; and the instance tokens an integration may choose.

use engine_support::*;
use serde_json::Value;
use switchboard_engine::conversation::Delivery;
use switchboard_engine::error::ErrorCode;
use switchboard_engine::model::{
    CreateInstance, InstanceState, WebhookEvent, WebhookFormat, WebhookInput,
};
use switchboard_engine::records::{MessageUpsert, Receipts};

fn evolution_hook(url: &str, events: Vec<WebhookEvent>) -> WebhookInput {
    WebhookInput {
        url: url.into(),
        events,
        authorization: Some("Bearer evo".into()),
        format: WebhookFormat::Evolution,
        by_events: true,
    }
}

fn body_at(receiver: &Receiver, path: &str) -> Vec<Value> {
    receiver
        .received()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn each_event_goes_to_its_own_path_in_evolutions_shape_signed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    engine.set_api_url(Some("http://127.0.0.1:8080".into()));
    let receiver = Receiver::start(vec![], 200, None).await;
    let instance = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            webhook: Some(evolution_hook(&receiver.url, vec![])),
            ..Default::default()
        })
        .await
        .unwrap();
    let secret = instance.webhook.as_ref().unwrap().secret.clone();
    let sink = engine.session_sink();

    sink.qr_code(&instance.id, "2@abc,def".into(), 1_000).await;
    sink.state_changed(&instance.id, InstanceState::Connected { since: 5 })
        .await;
    let incoming = |id: &str, text: &str| MessageUpsert {
        chat_jid: "5511988887777@s.whatsapp.net".into(),
        id: id.into(),
        from_me: false,
        sender: Some("5511988887777@s.whatsapp.net".into()),
        sender_name: Some("Ana".into()),
        timestamp: 1_700_000_000_000,
        text: Some(text.into()),
        ..Default::default()
    };
    sink.messages(
        &instance.id,
        vec![incoming("A1", "hi"), incoming("A2", "there")],
    )
    .await;
    // One delivery per message, none for `connected` beside connection.update.
    eventually("four deliveries", || receiver.received().len() == 4).await;

    let qr = &body_at(&receiver, "/hook/qrcode-updated")[0];
    assert_eq!(qr["event"], "qrcode.updated");
    assert_eq!(qr["data"]["qrcode"]["code"], "2@abc,def");
    assert!(qr["data"]["qrcode"]["base64"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    let open = &body_at(&receiver, "/hook/connection-update")[0];
    assert_eq!(open["data"]["state"], "open");
    assert_eq!(open["data"]["instance"], "shop");
    let upserts = body_at(&receiver, "/hook/messages-upsert");
    assert_eq!(upserts.len(), 2);
    let mut texts: Vec<&str> = upserts
        .iter()
        .map(|b| b["data"]["message"]["conversation"].as_str().unwrap())
        .collect();
    texts.sort();
    assert_eq!(texts, ["hi", "there"]);
    let first = &upserts[0];
    assert_eq!(first["event"], "messages.upsert");
    assert_eq!(first["instance"], "shop");
    assert_eq!(first["apikey"], instance.token.as_str());
    assert_eq!(first["server_url"], "http://127.0.0.1:8080");
    assert_eq!(
        first["data"]["key"]["remoteJid"],
        "5511988887777@s.whatsapp.net"
    );
    assert_eq!(first["data"]["key"]["fromMe"], false);
    assert_eq!(first["data"]["pushName"], "Ana");
    assert_eq!(first["data"]["messageTimestamp"], 1_700_000_000);
    assert_eq!(first["data"]["instanceId"], instance.id.as_str());
    for request in receiver.received() {
        assert!(signature_verifies(&secret, &request), "{}", request.body);
        assert_eq!(request.headers["authorization"], "Bearer evo");
    }
}

#[tokio::test]
async fn receipts_and_the_deletion_are_told_in_evolutions_words() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let receiver = Receiver::start(vec![], 200, None).await;
    let events = vec![WebhookEvent::MessagesUpdate, WebhookEvent::InstanceDelete];
    let instance = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            webhook: Some(evolution_hook(&receiver.url, events)),
            ..Default::default()
        })
        .await
        .unwrap();
    let sink = engine.session_sink();
    let chat = "5511988887777@s.whatsapp.net";
    sink.messages(
        &instance.id,
        vec![MessageUpsert {
            chat_jid: chat.into(),
            id: "OUT1".into(),
            from_me: true,
            timestamp: 7,
            text: Some("hello".into()),
            delivery: Some(Delivery::Sent),
            ..Default::default()
        }],
    )
    .await;
    sink.delivery(
        &instance.id,
        Receipts {
            chat_jid: chat.into(),
            message_ids: vec!["OUT1".into()],
            delivery: Delivery::Read,
        },
    )
    .await;
    eventually("the receipt", || receiver.received().len() == 1).await;
    let update = &body_at(&receiver, "/hook/messages-update")[0];
    assert_eq!(update["event"], "messages.update");
    assert_eq!(update["data"]["keyId"], "OUT1");
    assert_eq!(update["data"]["remoteJid"], chat);
    assert_eq!(update["data"]["status"], "READ");

    engine.delete_instance("shop").await.unwrap();
    let gone = &body_at(&receiver, "/hook/instance-delete")[0];
    assert_eq!(gone["event"], "instance.delete");
    assert_eq!(gone["data"]["instanceName"], "shop");
    assert_eq!(gone["data"]["instanceId"], instance.id.as_str());
}

#[tokio::test]
async fn one_url_per_event_is_refused_for_switchboards_own_shape() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "shop").await;
    let hook = WebhookInput {
        format: WebhookFormat::Switchboard,
        ..evolution_hook("http://127.0.0.1:9/hook", vec![])
    };
    let refused = engine.set_webhook("shop", Some(hook)).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidWebhook);
    assert!(engine.get_instance("shop").await.unwrap().webhook.is_none());
}

#[tokio::test]
async fn a_chosen_token_is_kept_and_a_bad_or_taken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let chosen = "evo-0123456789-abcdef";
    let with_token = |name: &str, token: &str| CreateInstance {
        name: name.into(),
        token: Some(token.into()),
        ..Default::default()
    };
    let shop = engine
        .create_instance(with_token("shop", chosen))
        .await
        .unwrap();
    assert_eq!(shop.token, chosen);

    let taken = engine
        .create_instance(with_token("other", chosen))
        .await
        .unwrap_err();
    assert_eq!(taken.code(), ErrorCode::InvalidToken);
    for bad in ["short", "has spaces in it here", &"x".repeat(129)] {
        let refused = engine
            .create_instance(with_token("other", bad))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidToken, "{bad}");
    }
    // Nothing of the refused ones was kept: the name is still free.
    let names: Vec<String> = engine
        .list_instances()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["shop"]);
    engine.check_name("other").await.unwrap();
}
