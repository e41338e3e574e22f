//! The whole engine (not just one actor) against wa-mock with the real WhatsApp client:
//! what arrives from the phone is kept, delete-chat syncs to the phone and removes the
//! chat's media, the account's profile picture is kept, deleting an idle linked instance
//! still removes its device, a linked instance reconnects at start-up, a QR round runs
//! out and starts again, a deletion killed after its tombstone still tells the
//! webhook and the phone after a restart, and media received with an S3 bucket goes
//! up to it (s3s-fs on loopback) and leaves it with its chat.

use std::time::Duration;

use base64::Engine as _;
use engine_support::{is_connected, linked_engine, linked_instance, wa_mock_config, LinkedEngine};
use switchboard_engine::model::{
    ConnectVia, CreateInstance, DisconnectReason, InstanceState, LogoutOutcome, Settings,
    WebhookEvent, WebhookInput, WebhookOutcome,
};
use switchboard_engine::ErrorCode;
use switchboard_engine::{Engine, EngineEvent};
use tokio::sync::broadcast::Receiver;
use wa_mock::{
    HistoryChat, HistoryMessage, HistoryRequest, IncomingMedia, IncomingMediaKind, IncomingMessage,
    MockOptions, PhoneProfile, WaMock,
};

const WAIT: Duration = Duration::from_secs(30);
const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

async fn next_event<T>(
    events: &mut Receiver<EngineEvent>,
    what: &str,
    pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    engine_support::next_event(events, what, WAIT, pick).await
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
    let settings = Settings {
        auto_download_media: true,
        ..Settings::default()
    };
    let LinkedEngine {
        mock,
        dir,
        engine,
        instance,
        linked,
    } = linked_engine(settings, "5511911112222").await;

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
    let files = engine_support::files_under(&media_dir);
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
        engine_support::files_under(&media_dir).is_empty(),
        "the chat's media is gone"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accounts_profile_picture_is_kept_for_the_window_and_goes_with_the_instance() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let picture = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 500]].concat();
    mock.set_profile_picture("5511944445555", Some(picture.clone()))
        .unwrap();
    let mut events = engine.subscribe();
    let (instance, _) = linked_instance(&engine, &mock, Settings::default(), "5511944445555").await;
    let url = next_event(&mut events, "a profile with a picture", |e| match e {
        EngineEvent::ProfileUpdated {
            instance_id,
            profile,
        } if instance_id == instance.id => profile.picture_url,
        _ => None,
    })
    .await;
    assert!(url.contains("/pp/5511944445555/"), "{url}");
    // The event is sent once the picture is on disk: the window can ask for it at once.
    assert_eq!(engine.profile_picture("shop").await.unwrap(), Some(picture));

    let missing = engine.profile_picture("nobody").await.unwrap_err();
    assert_eq!(missing.code(), ErrorCode::InstanceNotFound);
    let bad = engine.profile_picture("../shop").await.unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidName);
    engine
        .create_instance(CreateInstance {
            name: "plain".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(engine.profile_picture("plain").await.unwrap(), None);

    engine.delete_instance("shop").await.unwrap();
    assert!(!dir.path().join("instances").join(&instance.id).exists());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_idle_linked_instance_still_removes_its_device() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let (instance, linked) =
        linked_instance(&engine, &mock, Settings::default(), "5511933334444").await;
    engine.shutdown().await;
    drop(engine);

    // Reopened without start_background: the session is stored but nothing runs.
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let idle = engine.get_instance("shop").await.unwrap();
    assert!(idle.paired);
    assert!(matches!(idle.state, InstanceState::Disconnected { .. }));
    // Its stored session is reconnected, never replaced by a code link.
    let refused = engine
        .connect_code("shop", "5511933334444")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::AlreadyLinked);
    assert_eq!(engine.get_instance("shop").await.unwrap().state, idle.state);

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

#[tokio::test(flavor = "multi_thread")]
async fn a_linked_instance_reconnects_at_start_up_without_a_code_and_connect_changes_nothing() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let (instance, _) = linked_instance(&engine, &mock, Settings::default(), "5511966667777").await;
    engine.shutdown().await;
    drop(engine);
    let handshakes = mock.handshakes();

    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let mut events = engine.subscribe();
    engine.start_background();
    let id = instance.id.clone();
    next_event(&mut events, "connected state", |e| {
        assert!(
            !matches!(
                e,
                EngineEvent::QrCode { .. } | EngineEvent::PairingCode { .. }
            ),
            "a stored session needs no code: {e:?}"
        );
        is_connected(&e, &id).then_some(())
    })
    .await;
    let reopened = engine.get_instance("shop").await.unwrap();
    assert_eq!(reopened.id, instance.id);
    assert!(matches!(reopened.state, InstanceState::Connected { .. }));
    assert!(
        mock.handshakes().ik > handshakes.ik,
        "the stored keys resumed the session"
    );

    // Connect on a connected instance answers its state (or, asked for a pairing code,
    // a coded refusal) and changes nothing.
    let connected = reopened.state;
    assert_eq!(engine.connect_qr("shop").await.unwrap(), connected);
    assert_eq!(engine.reconnect("shop").await.unwrap(), connected);
    let refused = engine
        .connect_code("shop", "+55 11 96666 7777")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::AlreadyConnected);
    assert_eq!(
        refused.to_string(),
        "instance 'shop' is already connected to WhatsApp"
    );
    assert_eq!(engine.get_instance("shop").await.unwrap().state, connected);
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(
                event,
                EngineEvent::StateChanged { .. }
                    | EngineEvent::QrCode { .. }
                    | EngineEvent::PairingCode { .. }
            ),
            "nothing changed: {event:?}"
        );
    }
    engine.shutdown().await;
}

/// One code per round: the round runs out when that code's lifetime ends, which the
/// client fixes at 60 s. The one slow test of this file.
#[tokio::test(flavor = "multi_thread")]
async fn a_qr_round_that_runs_out_is_qr_expired_and_connect_starts_a_fresh_round() {
    let options = MockOptions {
        qr_refs: 1,
        ..MockOptions::default()
    };
    let mock = WaMock::start_with(options, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let instance = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = instance.id.clone();
    let qr_of = |e: EngineEvent| match e {
        EngineEvent::QrCode {
            instance_id, code, ..
        } if instance_id == id => Some(code),
        _ => None,
    };
    let mut events = engine.subscribe();
    engine.connect_qr("shop").await.unwrap();
    let first = next_event(&mut events, "QR code", qr_of).await;

    let ended = engine_support::next_event(
        &mut events,
        "the end of the round",
        Duration::from_secs(120),
        |e| match e {
            EngineEvent::QrCode { .. } => panic!("a round of one code showed a second one"),
            EngineEvent::StateChanged {
                instance_id,
                state: state @ InstanceState::Disconnected { .. },
            } if instance_id == id => Some(state),
            _ => None,
        },
    )
    .await;
    assert!(
        matches!(
            ended,
            InstanceState::Disconnected {
                reason: DisconnectReason::QrExpired,
                ..
            }
        ),
        "{ended:?}"
    );
    assert_eq!(engine.get_instance("shop").await.unwrap().state, ended);

    // Connect again: a fresh round on the same instance, nothing recreated.
    let again = engine.connect_qr("shop").await.unwrap();
    assert!(
        matches!(
            again,
            InstanceState::Connecting {
                via: ConnectVia::Qr,
                ..
            }
        ),
        "{again:?}"
    );
    let fresh = next_event(&mut events, "a fresh QR code", qr_of).await;
    assert_ne!(fresh, first);
    let listed = engine.list_instances().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, instance.id);
    // The fresh code is a real one: it links.
    mock.scan(
        &fresh,
        &PhoneProfile {
            phone: "5511988889999".into(),
            name: "Shop".into(),
            business: None,
        },
    )
    .unwrap();
    next_event(&mut events, "connected state", |e| {
        is_connected(&e, &instance.id).then_some(())
    })
    .await;
    engine.shutdown().await;
}

#[test]
fn child_process() {
    engine_support::child::serve();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_killed_after_its_tombstone_still_tells_the_webhook_and_the_phone() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let receiver = engine_support::Receiver::start(vec![], 200, None).await;
    let (instance, linked, secret) = {
        let engine = Engine::open(wa_mock_config(dir.path(), &mock))
            .await
            .unwrap();
        let (instance, linked) =
            linked_instance(&engine, &mock, Settings::default(), "5511977778888").await;
        let webhook = engine
            .set_webhook(
                "shop",
                Some(WebhookInput {
                    url: receiver.url.clone(),
                    events: vec![WebhookEvent::InstanceDelete],
                    authorization: None,
                    ..Default::default()
                }),
            )
            .await
            .unwrap()
            .webhook
            .unwrap();
        engine.shutdown().await;
        (instance, linked, webhook.secret)
    };

    engine_support::child::delete_in_crashing_child(
        dir.path(),
        "shop",
        "delete:tombstoned",
        Some(&mock.ws_url()),
    )
    .await;
    assert!(receiver.received().is_empty(), "killed before step 2");

    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    assert!(engine.get_instance("shop").await.unwrap().deleting);
    let mut events = engine.subscribe();
    engine.start_background();
    // A delete meanwhile joins the resumed deletion; only if that one already finished
    // does it find no instance.
    let joined = engine.delete_instance("shop").await;
    let report = engine_support::instance_deleted(&mut events, &instance.id).await;
    match joined {
        Ok(joined) => assert_eq!(joined, report),
        Err(e) => assert_eq!(e.code(), ErrorCode::InstanceNotFound),
    }
    assert_eq!(report.webhook, WebhookOutcome::Delivered);
    assert_eq!(report.whatsapp_logout, LogoutOutcome::Confirmed);

    let deliveries = receiver.received();
    assert_eq!(deliveries.len(), 1, "INSTANCE_DELETE, once");
    assert_eq!(
        deliveries[0].body,
        format!(
            r#"{{"event":"INSTANCE_DELETE","instance":"shop","data":{{"instanceName":"shop","instanceId":"{}"}}}}"#,
            instance.id
        )
    );
    assert!(engine_support::signature_verifies(&secret, &deliveries[0]));
    let removals = mock
        .received(&linked.jid)
        .unwrap()
        .into_iter()
        .filter(|r| r["kind"] == "remove-companion-device")
        .count();
    assert_eq!(removals, 1, "the device left the phone, once");

    engine_support::assert_no_rows(dir.path(), &instance.id).await;
    assert!(!dir.path().join("instances").join(&instance.id).exists());
    assert!(engine_support::trash_is_empty(dir.path()));
    let audit = engine.audit_log(Some("shop")).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].result, "ok");
    let again = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_ne!(again.id, instance.id);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn media_received_with_a_bucket_goes_up_and_leaves_with_its_chat() {
    let server = engine_support::s3::S3Server::start().await;
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let settings = Settings {
        auto_download_media: true,
        ..Settings::default()
    };
    let (instance, linked) = linked_instance(&engine, &mock, settings, "5511933334444").await;
    engine
        .set_s3("shop", Some(server.config("wa")))
        .await
        .unwrap();

    let photo = vec![0xFFu8; 4096];
    mock.send_message(
        &linked.jid,
        &IncomingMessage {
            chat: CUSTOMER.into(),
            from: CUSTOMER.into(),
            text: None,
            media: Some(IncomingMedia {
                kind: IncomingMediaKind::Image,
                mime: "image/jpeg".into(),
                file_name: None,
                bytes_base64: base64::engine::general_purpose::STANDARD.encode(&photo),
            }),
        },
    )
    .await
    .unwrap();
    eventually("the media's upload", async || {
        let shown = engine.get_instance("shop").await.ok()?;
        (shown.counts.media_files == 1 && shown.s3?.uploads_pending == 0).then_some(())
    })
    .await;

    let media_dir = dir
        .path()
        .join("instances")
        .join(&instance.id)
        .join("media");
    assert!(
        engine_support::files_under(&media_dir).is_empty(),
        "the local copy went once uploaded"
    );
    let store = switchboard_engine::s3::S3Store::new(
        &switchboard_engine::s3::config::validate(server.config("wa"), None).unwrap(),
        &switchboard_engine::s3::S3Tuning::default(),
    )
    .unwrap();
    let chat_prefix = format!("wa/{}/{CUSTOMER}/", instance.id);
    let keys = store.list(&chat_prefix).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let object = store.get(&keys[0].0).await.unwrap().unwrap();
    assert_eq!(object.bytes, photo);
    assert_eq!(object.content_type.as_deref(), Some("image/jpeg"));

    let report = engine.delete_chat("shop", CUSTOMER, true).await.unwrap();
    assert_eq!(
        (report.media_files_removed, report.media_bytes_removed),
        (1, 4096)
    );
    assert!(store.list(&chat_prefix).await.unwrap().is_empty());
    engine.shutdown().await;
}
