//! History sync: the phone uploads its chats as an encrypted blob and
//! notifies the device, which downloads, inflates and emits them.

mod common;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use common::http::request;
use common::linked_client;
use serde_json::{json, Value};
use wa_mock::{HistoryRequest, MockError, WaMock};
use waproto::whatsapp as wa;
use whatsapp_rust::types::events::Event;

const ALICE: &str = "5511955551111@s.whatsapp.net";
const BOB: &str = "5511955552222@s.whatsapp.net";

fn request_body() -> Value {
    json!({"chats": [
        {"jid": ALICE, "name": "Alice", "messages": [
            {"id": "A1", "from_me": false, "timestamp": 1_700_000_000, "text": "oi, tudo bem?"},
            {"id": "A2", "from_me": true, "timestamp": 1_700_000_060, "text": "tudo!"},
            {"id": "A3", "from_me": false, "timestamp": 1_700_000_120, "text": "o recibo",
             "media": {"kind": "document", "mime": "application/pdf", "file_name": "recibo.pdf",
                       "bytes_base64": BASE64_STANDARD.encode(b"%PDF-1.4 recibo")}}
        ]},
        {"jid": BOB, "name": "Bob", "messages": [
            {"id": "B1", "from_me": false, "timestamp": 1_700_000_200, "text": "pedido 42"}
        ]}
    ]})
}

fn message_summary(c: &wa::Conversation) -> Vec<(String, bool, u64, Option<String>)> {
    c.messages
        .iter()
        .map(|m| {
            let info = m.message.as_option().expect("WebMessageInfo");
            let key = info.key.as_option().expect("message key");
            let content = info.message.as_option().expect("content");
            let text = content.conversation.clone().or_else(|| {
                content
                    .document_message
                    .as_option()
                    .and_then(|d| d.caption.clone())
            });
            (
                key.id.clone().unwrap_or_default(),
                key.from_me.unwrap_or_default(),
                info.message_timestamp.unwrap_or_default(),
                text,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_sync_arrives_with_its_chats_and_messages() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990601").await;

    let history: HistoryRequest = serde_json::from_value(request_body()).unwrap();
    mock.send_history(&linked.jid, &history).await.unwrap();
    let sync = client
        .wait_for("HistorySync", |e| match e {
            Event::HistorySync(lazy) => Some(lazy.get().expect("a decodable HistorySync").clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        sync.sync_type,
        wa::history_sync::HistorySyncType::INITIAL_BOOTSTRAP
    );
    let chats: Vec<(&str, Option<&str>)> = sync
        .conversations
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_deref()))
        .collect();
    assert_eq!(chats, [(ALICE, Some("Alice")), (BOB, Some("Bob"))]);
    assert_eq!(
        message_summary(&sync.conversations[0]),
        [
            (
                "A1".into(),
                false,
                1_700_000_000,
                Some("oi, tudo bem?".into())
            ),
            ("A2".into(), true, 1_700_000_060, Some("tudo!".into())),
            ("A3".into(), false, 1_700_000_120, Some("o recibo".into())),
        ]
    );
    assert_eq!(
        message_summary(&sync.conversations[1]),
        [("B1".into(), false, 1_700_000_200, Some("pedido 42".into()))]
    );

    // Media in history points at the same CDN and downloads intact.
    let document = sync.conversations[0].messages[2]
        .message
        .as_option()
        .and_then(|m| m.message.as_option())
        .and_then(|m| m.document_message.as_option())
        .expect("a DocumentMessage in history")
        .clone();
    assert_eq!(document.file_name.as_deref(), Some("recibo.pdf"));
    assert_eq!(
        client.client.download(&document).await.unwrap(),
        b"%PDF-1.4 recibo"
    );
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_history_is_refused_and_the_device_still_syncs() {
    let mock = WaMock::start().await.unwrap();
    let admin = mock.admin_url();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, _linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990602").await;
    let url = format!("{admin}/devices/5511999990602%40s.whatsapp.net/history");

    let message = json!({"id": "X", "from_me": false, "timestamp": 1, "text": "x"});
    let bad = [
        json!({"chats": []}),
        json!({"chats": [{"jid": "alice", "messages": [message]}]}),
        json!({"chats": [{"jid": ALICE}, {"jid": ALICE}]}),
        json!({"chats": [{"jid": ALICE, "messages": [message, message]}]}),
        json!({"chats": [{"jid": ALICE, "messages": [{"id": "Y", "from_me": false, "timestamp": 0, "text": "x"}]}]}),
        json!({"chats": [{"jid": ALICE, "messages": [{"id": "Y", "from_me": false, "timestamp": 5}]}]}),
        json!({"chats": [{"jid": ALICE, "messages": [{"id": "Y", "from_me": false, "timestamp": 5,
            "media": {"kind": "audio", "mime": "nope", "bytes_base64": "AAAA"}}]}]}),
        json!({"chats": [{"jid": ALICE, "unknown": true}]}),
    ];
    for body in bad {
        let (status, reply) = request("POST", &url, &body.to_string()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(
            serde_json::from_str::<Value>(&reply).unwrap()["error"],
            "bad_request"
        );
    }
    let history: HistoryRequest = serde_json::from_value(request_body()).unwrap();
    assert!(matches!(
        mock.send_history("5500000000000", &history).await,
        Err(MockError::UnknownDevice(_))
    ));

    let (status, reply) = request("POST", &url, &request_body().to_string()).await;
    assert_eq!(status, 200, "{reply}");
    let count = client
        .wait_for("HistorySync", |e| match e {
            Event::HistorySync(lazy) => Some(lazy.get().expect("decodable").conversations.len()),
            _ => None,
        })
        .await;
    assert_eq!(count, 2);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_for_a_disconnected_device_is_a_conflict() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (client, linked) = linked_client(&mock, &dir.path().join("s.db"), "5511999990603").await;
    client.stop().await;
    let history: HistoryRequest = serde_json::from_value(request_body()).unwrap();
    let deadline = tokio::time::Instant::now() + common::STEP;
    // The server notices the closed socket shortly after the client stops.
    loop {
        match mock.send_history(&linked.jid, &history).await {
            Err(MockError::Conflict(_)) => break,
            Ok(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
}
