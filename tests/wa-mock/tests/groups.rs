//! Group messages: each contact distributes its sender key to the device
//! once (inside a Signal message), then writes sender-key messages.

mod common;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use common::linked_client;
use common::TestClient;
use serde_json::json;
use wa_mock::{IncomingMessage, MockError, WaMock};
use whatsapp_rust::types::events::Event;

const GROUP: &str = "120363025246125486@g.us";
const ANA: &str = "5511955557777@s.whatsapp.net";
const RUI: &str = "5511955558888@s.whatsapp.net";

fn group_text(from: &str, text: &str) -> IncomingMessage {
    serde_json::from_value(json!({"chat": GROUP, "from": from, "text": text})).unwrap()
}

/// Waits for message `id`; returns (chat, sender, text or caption).
async fn received(client: &mut TestClient, id: &str) -> (String, String, Option<String>) {
    client
        .wait_for("the group message", |e| match e {
            Event::Messages(batch) => batch.messages.iter().find(|m| m.info.id == id).map(|m| {
                let text = m.message.conversation.clone().or_else(|| {
                    m.message
                        .image_message
                        .as_option()
                        .and_then(|i| i.caption.clone())
                });
                assert!(m.info.source.is_group);
                (
                    m.info.source.chat.to_string(),
                    m.info.source.sender.to_string(),
                    text,
                )
            }),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_messages_from_several_members_decrypt_in_order() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990701").await;

    // The first message of each member carries its sender key; later ones do not.
    for (from, text) in [
        (ANA, "bom dia, grupo"),
        (ANA, "alguém aí?"),
        (RUI, "estou"),
        (ANA, "ótimo"),
    ] {
        let id = mock
            .send_message(&linked.jid, &group_text(from, text))
            .await
            .unwrap();
        let got = received(&mut client, &id).await;
        assert_eq!(got, (GROUP.into(), from.into(), Some(text.into())));
    }

    let photo = b"\x89PNG group photo bytes".to_vec();
    let msg: IncomingMessage = serde_json::from_value(json!({
        "chat": GROUP, "from": RUI, "text": "a foto",
        "media": {"kind": "image", "mime": "image/png", "bytes_base64": BASE64_STANDARD.encode(&photo)}
    }))
    .unwrap();
    let id = mock.send_message(&linked.jid, &msg).await.unwrap();
    let image = client
        .wait_for("the group photo", |e| match e {
            Event::Messages(batch) => batch
                .messages
                .iter()
                .find(|m| m.info.id == id)
                .and_then(|m| m.message.image_message.as_option().cloned()),
            _ => None,
        })
        .await;
    assert_eq!(image.caption.as_deref(), Some("a foto"));
    assert_eq!(client.client.download(&image).await.unwrap(), photo);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chats_that_are_neither_the_sender_nor_a_group_are_refused() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990702").await;
    for chat in [RUI, "grupo@g.us", "@g.us", "120363025246125486@broadcast"] {
        let msg: IncomingMessage =
            serde_json::from_value(json!({"chat": chat, "from": ANA, "text": "x"})).unwrap();
        assert!(
            matches!(
                mock.send_message(&linked.jid, &msg).await,
                Err(MockError::BadRequest(_))
            ),
            "{chat}"
        );
    }
    // A refused message leaves the sender key untouched: the next one still decrypts.
    let id = mock
        .send_message(&linked.jid, &group_text(ANA, "depois"))
        .await
        .unwrap();
    assert_eq!(
        received(&mut client, &id).await,
        (GROUP.into(), ANA.into(), Some("depois".into()))
    );
    client.stop().await;
}
