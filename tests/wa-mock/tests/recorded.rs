#![recursion_limit = "256"]
//! What the client sends that the phone must see: logout and chat deletions.

mod common;

use common::linked_client;
use serde_json::json;
use wa_mock::WaMock;
use whatsapp_rust::features::message_range;
use whatsapp_rust::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_logout_is_recorded_and_unlinks() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (client, linked) = linked_client(&mock, &db, "5511999990201").await;

    client.client.logout().await;
    let received = mock.received(&linked.jid).unwrap();
    let removal = received
        .iter()
        .find(|r| r["kind"] == "remove-companion-device")
        .expect("remove-companion-device recorded");
    assert_eq!(removal["reason"], "user_initiated");
    assert_eq!(removal["jid"], mock.devices()[0].jid);
    assert!(!mock.devices()[0].connected);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_chat_is_recorded_decoded() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (client, linked) = linked_client(&mock, &db, "5511999990202").await;

    let chat: Jid = "5511988887777@s.whatsapp.net".parse().unwrap();
    let key = wa::MessageKey {
        remote_jid: Some(chat.to_string()),
        from_me: Some(false),
        id: Some("3EB0AAAA".into()),
        ..Default::default()
    };
    let range = message_range(1_700_000_100, None, vec![(key, 1_700_000_100)]);
    client
        .client
        .chat_actions()
        .delete_chat(&chat, true, Some(range))
        .await
        .expect("delete_chat with the key the phone shared");

    let received = mock.received(&linked.jid).unwrap();
    let entry = received
        .iter()
        .find(|r| r["kind"] == "app-state" && r["action"] == "deleteChat")
        .unwrap_or_else(|| panic!("deleteChat recorded, got {received:?}"));
    assert_eq!(entry["chat"], chat.to_string());
    assert_eq!(entry["delete_media"], true);
    assert_eq!(entry["collection"], "regular_high");
    assert_eq!(
        entry["message_range"]["messages"][0],
        json!({"id": "3EB0AAAA", "remote_jid": chat.to_string(), "from_me": false,
               "timestamp": 1_700_000_100})
    );
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_text_arrives_decrypted() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (mut client, linked) = linked_client(&mock, &db, "5511999990203").await;

    let sender = "5511977776666@s.whatsapp.net";
    for text in ["Olá, tudo bem?", "second message, same session"] {
        let msg = wa_mock::IncomingMessage {
            chat: sender.into(),
            from: sender.into(),
            text: Some(text.into()),
            media: None,
        };
        mock.send_message(&linked.jid, &msg).await.unwrap();
        let (got, from) = client
            .wait_for("the incoming message", |e| match e {
                Event::Messages(batch) => batch.iter().find_map(|m| {
                    m.message
                        .conversation
                        .clone()
                        .map(|t| (t, m.info.source.sender.user.to_string()))
                }),
                _ => None,
            })
            .await;
        assert_eq!(got, text);
        assert_eq!(from, "5511977776666");
    }
    // A 1:1 message must come from its chat's own user.
    let misaddressed = wa_mock::IncomingMessage {
        chat: "5511900001111@s.whatsapp.net".into(),
        from: sender.into(),
        text: Some("hi".into()),
        media: None,
    };
    assert!(matches!(
        mock.send_message(&linked.jid, &misaddressed).await,
        Err(wa_mock::MockError::BadRequest(_))
    ));
    client.stop().await;
}
