//! Sessions and chats: linking input checked before WhatsApp is touched, the phone and
//! JID rules, logout, counts kept from what sessions store, and deleting chats here
//! or from the phone. Happy paths, bad-input tables, untouched data on failure.

use engine_support::*;
use switchboard_engine::conversation::MessageKind;
use switchboard_engine::model::{
    AuditAction, ChatDeleteOrigin, InstanceState, LogoutCause, LogoutOutcome,
};
use switchboard_engine::records::{ChatUpsert, MessageUpsert};
use switchboard_engine::EngineEvent;
use switchboard_engine::ErrorCode;

#[tokio::test]
async fn connect_and_reconnect_validate_before_touching_whatsapp() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "shop").await;
    for phone in [
        "",
        "+",
        "12ab5678",
        "+55 (11) 9999",
        "5511-99999999",
        "123456",
        "1234567890123456",
        "+999 11 98765 4321",
        "+55 11 12345 6789",
    ] {
        assert_eq!(
            engine.connect_code("shop", phone).await.unwrap_err().code(),
            ErrorCode::InvalidPhone,
            "{phone:?}"
        );
    }
    // The message names the cause: a short number is short, not "digits only".
    let short = engine.connect_code("shop", "123").await.unwrap_err();
    assert!(short.to_string().contains("too short"), "{short}");
    let unused = engine
        .connect_code("shop", "99911987654321")
        .await
        .unwrap_err();
    assert!(
        unused.to_string().contains("country code in use"),
        "{unused}"
    );
    assert_eq!(
        engine
            .connect_code("nope", "+55 11 99999 9999")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        engine.connect_qr("nope").await.unwrap_err().code(),
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        engine.reconnect("shop").await.unwrap_err().code(),
        ErrorCode::NotPaired
    );
    assert_eq!(
        engine.reconnect("a/b").await.unwrap_err().code(),
        ErrorCode::InvalidName
    );
}

#[test]
fn phone_numbers_are_normalised() {
    use switchboard_engine::validate::phone;
    assert_eq!(phone("+55 11 99999 9999").unwrap(), "5511999999999");
    assert_eq!(phone("5511999999999").unwrap(), "5511999999999");
    assert_eq!(phone(" +1 415 555 0100 ").unwrap(), "14155550100");
    // A number a pairing code is asked for must be one its country hands out.
    for bad in [
        "1234567",
        "123456",
        "1234567890123456",
        "05511999999",
        "+0 11 99999 9999",
    ] {
        assert_eq!(
            phone(bad).unwrap_err().code(),
            ErrorCode::InvalidPhone,
            "{bad:?}"
        );
    }
    // Already reduced to digits (what the actor takes): no '+', no spaces.
    use switchboard_engine::validate::phone_digits;
    assert!(phone_digits("5511999999999").is_ok());
    for bad in ["+5511999999999", "5511 999999999", ""] {
        assert_eq!(
            phone_digits(bad).unwrap_err().code(),
            ErrorCode::InvalidPhone,
            "{bad:?}"
        );
    }
}

#[test]
fn chat_jids_are_validated_and_canonicalised() {
    use switchboard_engine::validate::chat_jid;
    for (input, canonical) in [
        ("5511999999999", "5511999999999@s.whatsapp.net"),
        (
            "5511999999999@s.whatsapp.net",
            "5511999999999@s.whatsapp.net",
        ),
        (
            "5511999999999@S.WhatsApp.Net",
            "5511999999999@s.whatsapp.net",
        ),
        ("123456789012345@lid", "123456789012345@lid"),
        ("120363025246125486@g.us", "120363025246125486@g.us"),
        (
            "5511999999999-1600000000@g.us",
            "5511999999999-1600000000@g.us",
        ),
    ] {
        assert_eq!(chat_jid(input).unwrap(), canonical);
    }
    for bad in [
        "",
        "abc",
        "+5511999999999",
        "5511 999999999",
        "5511999999999@c.us",
        "@s.whatsapp.net",
        "55119@lid@lid",
        "abc@g.us",
        "1-2-3@g.us",
        "5511999999999:3@s.whatsapp.net",
        "../5511@lid",
        "123456789012345678901@lid",
        // The phone rule holds inside JIDs too.
        "05511999999",
        "123456",
        "1234567890123456",
        "123456@s.whatsapp.net",
        "5511999999999@",
        "status@broadcast",
        "123@newsletter",
        "12a@lid",
        "55119\u{0}99999@lid",
        "a/b",
    ] {
        assert_eq!(
            chat_jid(bad).unwrap_err().code(),
            ErrorCode::InvalidJid,
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn logout_keeps_the_instance_and_its_chats_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    seed(&engine, dir.path(), &instance, 2, 3, 1).await;
    let session = instance_dir(dir.path(), &instance.id).join("session.db");
    std::fs::write(&session, b"keys").unwrap();
    std::fs::write(session.with_extension("db-wal"), b"wal").unwrap();

    let mut events = engine.subscribe();
    let report = engine.logout("SHOP").await.unwrap();
    assert_eq!(report.whatsapp, LogoutOutcome::NotConnected);
    assert_eq!(report.instance_id, instance.id);
    assert!(!session.exists() && !session.with_extension("db-wal").exists());
    let after = engine.get_instance("shop").await.unwrap();
    assert!(matches!(
        after.state,
        InstanceState::Loggedout {
            cause: LogoutCause::User,
            ..
        }
    ));
    assert_eq!(after.counts.chats, 2);
    assert_eq!(after.counts.messages, 6);
    assert!(matches!(
        events.recv().await.unwrap(),
        EngineEvent::StateChanged {
            state: InstanceState::Loggedout { .. },
            ..
        }
    ));

    let again = engine.logout("shop").await.unwrap();
    assert_eq!(again.whatsapp, LogoutOutcome::NotConnected);
    assert_eq!(engine.list_chats("shop").await.unwrap().len(), 2);
    assert_eq!(
        engine.logout("missing").await.unwrap_err().code(),
        ErrorCode::InstanceNotFound
    );

    let audit = engine.audit_log(Some("Shop")).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|r| r.action == AuditAction::Logout
        && r.result == "ok"
        && r.instance_id == instance.id));
}

#[tokio::test]
async fn counts_follow_what_the_session_stores_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    create(&engine, "empty").await;
    seed(&engine, dir.path(), &shop, 3, 10, 4).await;
    // The same history delivered twice changes nothing.
    seed(&engine, dir.path(), &shop, 3, 10, 4).await;

    let listed = engine.list_instances().await.unwrap();
    let counted = listed.iter().find(|i| i.name == "shop").unwrap();
    assert_eq!(counted.counts.chats, 3);
    assert_eq!(counted.counts.messages, 30);
    assert_eq!(counted.counts.media_files, 12);
    assert_eq!(counted.counts.media_bytes, 3 * (100 + 101 + 102 + 103));
    let empty = listed.iter().find(|i| i.name == "empty").unwrap();
    assert_eq!(empty.counts.messages, 0);

    let chats = engine.list_chats("shop").await.unwrap();
    assert_eq!(chats.len(), 3);
    assert!(chats.iter().all(|c| c.messages == 10 && c.media_files == 4));
    assert_eq!(chats[0].name.as_deref(), Some("Chat 0"));
}

#[tokio::test]
async fn delete_chat_refuses_bad_jids_and_disconnected_instances() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    seed(&engine, dir.path(), &instance, 1, 5, 2).await;
    for bad in ["", "hello", "5511@c.us", "../../etc"] {
        assert_eq!(
            engine
                .delete_chat("shop", bad, true)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidJid
        );
    }
    let err = engine
        .delete_chat("shop", "5511900000000", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotConnected);
    assert_eq!(
        engine
            .delete_chat("nope", "5511900000000", true)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InstanceNotFound
    );
    // Nothing was removed.
    let chats = engine.list_chats("shop").await.unwrap();
    assert_eq!(chats[0].messages, 5);
    assert_eq!(chats[0].media_files, 2);
    let audit = engine.audit_log(Some("shop")).await.unwrap();
    assert_eq!(
        audit.len(),
        1,
        "the refused attempt on a valid JID is audited"
    );
    assert_eq!(audit[0].result, "not_connected");
    assert_eq!(
        audit[0].target.as_deref(),
        Some("5511900000000@s.whatsapp.net")
    );
}

#[tokio::test]
async fn a_chat_deleted_on_the_phone_is_removed_here_with_its_media() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    seed(&engine, dir.path(), &instance, 2, 6, 3).await;
    let media = dir
        .path()
        .join("instances")
        .join(&instance.id)
        .join("media");
    let gone = "5511900000000@s.whatsapp.net";
    let kept = "5511900000001@s.whatsapp.net";
    let mut events = engine.subscribe();

    engine
        .session_sink()
        .remote_chat_deleted(&instance.id, "5511900000000@S.WHATSAPP.NET".into(), true)
        .await;

    let chats = engine.list_chats("shop").await.unwrap();
    assert_eq!(
        chats.iter().map(|c| c.jid.as_str()).collect::<Vec<_>>(),
        [kept]
    );
    assert!(
        !media.join(gone).exists(),
        "the chat's media folder is gone"
    );
    assert_eq!(std::fs::read_dir(media.join(kept)).unwrap().count(), 3);
    match events.recv().await.unwrap() {
        EngineEvent::ChatDeleted { origin, report, .. } => {
            assert_eq!(origin, ChatDeleteOrigin::Phone);
            assert_eq!(report.chat_jid, gone);
            assert_eq!(
                report.message,
                "Chat deleted successfully (including media)"
            );
            assert_eq!(report.messages_removed, 6);
            assert_eq!(report.media_files_removed, 3);
            assert_eq!(report.media_bytes_removed, 100 + 101 + 102);
        }
        other => panic!("unexpected event {other:?}"),
    }
    let audit = engine.audit_log(None).await.unwrap();
    assert_eq!(audit[0].action, AuditAction::DeleteChat);
    assert_eq!(audit[0].removed.messages, 6);
    assert!(audit[0].detail.as_deref().unwrap().contains("Phone"));

    // Without delete_media the files stay; the rows go.
    engine
        .session_sink()
        .remote_chat_deleted(&instance.id, kept.into(), false)
        .await;
    assert!(engine.list_chats("shop").await.unwrap().is_empty());
    assert_eq!(std::fs::read_dir(media.join(kept)).unwrap().count(), 3);
    match events.recv().await.unwrap() {
        EngineEvent::ChatDeleted { report, .. } => {
            assert_eq!(report.message, "Chat deleted successfully");
            assert_eq!(report.media_files_removed, 0);
        }
        other => panic!("unexpected event {other:?}"),
    }
}

#[tokio::test]
async fn media_paths_outside_the_media_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    let sink = engine.session_sink();
    sink.chats(
        &instance.id,
        vec![ChatUpsert {
            jid: "5511900000000@s.whatsapp.net".into(),
            ..Default::default()
        }],
    )
    .await;
    sink.messages(
        &instance.id,
        vec![MessageUpsert {
            chat_jid: "5511900000000@s.whatsapp.net".into(),
            id: "M1".into(),
            from_me: false,
            sender: None,
            timestamp: 1,
            text: None,
            kind: MessageKind::Image,
            ..Default::default()
        }],
    )
    .await;
    for path in [
        "../../switchboard.db",
        "/etc/passwd",
        "session.db",
        "media/../session.db",
        "media",
    ] {
        sink.media_saved(
            &instance.id,
            switchboard_engine::records::MediaSaved {
                chat_jid: "5511900000000@s.whatsapp.net".into(),
                message_id: "M1".into(),
                relative_path: path.into(),
                bytes: 1,
                mime: None,
            },
        )
        .await;
    }
    let chats = engine.list_chats("shop").await.unwrap();
    assert_eq!(chats[0].media_files, 0);
    assert_eq!(chats[0].messages, 1);
}
