//! The whole engine (not just one actor) against wa-mock with the real WhatsApp client:
//! what arrives from the phone is kept, delete-chat syncs to the phone and removes the
//! chat's media, and deleting an idle linked instance still removes its device.

mod common;

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use switchboard_engine::model::{CreateInstance, Instance, InstanceState, LogoutOutcome, Settings};
use switchboard_engine::{Engine, EngineConfig, EngineEvent};
use tokio::sync::broadcast::Receiver;
use wa_mock::{
    HistoryChat, HistoryMessage, HistoryRequest, IncomingMedia, IncomingMediaKind, IncomingMessage,
    Linked, PhoneProfile, WaMock,
};

const WAIT: Duration = Duration::from_secs(30);
const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

fn config(dir: &Path, mock: &WaMock) -> EngineConfig {
    let mut config = common::config(dir);
    config.wa.server_url = Some(mock.ws_url());
    config
}

async fn next_event<T>(
    events: &mut Receiver<EngineEvent>,
    what: &str,
    mut pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("engine events keep coming");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

/// Creates an instance, links it by QR through the engine and waits for `connected`.
async fn linked_instance(
    engine: &Engine,
    mock: &WaMock,
    settings: Settings,
    phone: &str,
) -> (Instance, Linked) {
    let instance = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            settings: Some(settings),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut events = engine.subscribe();
    engine.connect_qr("shop").await.unwrap();
    let id = instance.id.clone();
    let qr = next_event(&mut events, "QR code", |e| match e {
        EngineEvent::QrCode {
            instance_id, code, ..
        } if instance_id == id => Some(code),
        _ => None,
    })
    .await;
    let linked = mock
        .scan(
            &qr,
            &PhoneProfile {
                phone: phone.into(),
                name: "Shop".into(),
                business: None,
            },
        )
        .unwrap();
    next_event(&mut events, "connected state", |e| match e {
        EngineEvent::StateChanged {
            instance_id,
            state: InstanceState::Connected { .. },
        } if instance_id == id => Some(()),
        _ => None,
    })
    .await;
    (instance, linked)
}

async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} did not happen within {WAIT:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn history_and_media_are_kept_and_delete_chat_syncs_and_removes_media() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(dir.path(), &mock)).await.unwrap();
    let settings = Settings {
        auto_download_media: true,
        ..Settings::default()
    };
    let (instance, linked) = linked_instance(&engine, &mock, settings, "5511911112222").await;

    let sent_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60;
    mock.send_history(
        &linked.jid,
        &HistoryRequest {
            chats: vec![HistoryChat {
                jid: CUSTOMER.into(),
                name: Some("Ana".into()),
                messages: vec![HistoryMessage {
                    id: "HIST1".into(),
                    from_me: false,
                    timestamp: sent_at,
                    text: Some("Is the order ready?".into()),
                    media: None,
                }],
            }],
        },
    )
    .await
    .unwrap();
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

    let chat = eventually("history and the media download", async || {
        let chats = engine.list_chats("shop").await.ok()?;
        chats
            .into_iter()
            .find(|c| c.jid == CUSTOMER && c.messages == 2 && c.media_bytes > 0)
    })
    .await;
    assert_eq!(chat.media_bytes, invoice.len() as u64);
    let media_dir = dir
        .path()
        .join("instances")
        .join(&instance.id)
        .join("media");
    let files = files_under(&media_dir);
    assert_eq!(files.len(), 1, "one media file on disk: {files:?}");
    assert_eq!(std::fs::read(&files[0]).unwrap(), invoice, "byte-identical");

    let report = engine
        .delete_chat("shop", "5511955554444", true)
        .await
        .unwrap();
    assert_eq!(report.chat_jid, CUSTOMER);
    assert!(report.delete_media);
    assert_eq!(
        report.message,
        "Chat deleted successfully (including media)"
    );
    assert_eq!(report.messages_removed, 2);
    assert_eq!(report.media_files_removed, 1);
    assert_eq!(report.media_bytes_removed, invoice.len() as u64);

    let received = mock.received(&linked.jid).unwrap();
    assert!(
        received.iter().any(|r| r["kind"] == "app-state"
            && r["action"] == "deleteChat"
            && r["chat"] == CUSTOMER
            && r["delete_media"] == true),
        "the phone got deleteChat with delete_media: {received:?}"
    );
    assert!(engine.list_chats("shop").await.unwrap().is_empty());
    assert!(
        files_under(&media_dir).is_empty(),
        "the chat's media is gone"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_idle_linked_instance_still_removes_its_device() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(dir.path(), &mock)).await.unwrap();
    let (instance, linked) =
        linked_instance(&engine, &mock, Settings::default(), "5511933334444").await;
    engine.shutdown().await;
    drop(engine);

    // Reopened without start_background: the session is stored but nothing runs.
    let engine = Engine::open(config(dir.path(), &mock)).await.unwrap();
    let idle = engine.get_instance("shop").await.unwrap();
    assert!(idle.paired);
    assert!(matches!(idle.state, InstanceState::Disconnected { .. }));

    let report = engine.delete_instance("shop").await.unwrap();
    assert_eq!(report.whatsapp_logout, LogoutOutcome::Confirmed);
    let received = mock.received(&linked.jid).unwrap();
    assert!(
        received
            .iter()
            .any(|r| r["kind"] == "remove-companion-device"),
        "the device left the phone: {received:?}"
    );
    assert!(!dir.path().join("instances").join(&instance.id).exists());
    engine.shutdown().await;
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}
