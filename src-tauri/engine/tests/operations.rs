//! Every operation but deletion: happy paths, bad-input tables, untouched data on failure.

mod common;

use common::*;
use switchboard_engine::actor::{ChatUpsert, MessageUpsert};
use switchboard_engine::model::{
    AuditAction, ChatDeleteOrigin, CreateInstance, DisconnectReason, InstanceState, LogoutCause,
    LogoutOutcome, Settings, WebhookEvent, WebhookInput,
};
use switchboard_engine::EngineEvent;

const BAD_NAMES: &[(&str, &str)] = &[
    ("", "empty"),
    (" shop", "may only contain"),
    ("shop ", "may only contain"),
    ("sh op", "may only contain"),
    ("../x", "may only contain"),
    ("a/b", "may only contain"),
    ("a\0b", "may only contain"),
    ("ação", "may only contain"),
    (".hidden", "start with a letter or a digit"),
    ("-dash", "start with a letter or a digit"),
    ("_under", "start with a letter or a digit"),
];

#[tokio::test]
async fn create_rejects_every_bad_name_with_the_rule_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let too_long = "a".repeat(65);
    let mut cases: Vec<(&str, &str)> = BAD_NAMES.to_vec();
    cases.push((&too_long, "at most 64"));
    for (name, rule) in cases {
        let err = engine
            .create_instance(CreateInstance {
                name: name.into(),
                ..Default::default()
            })
            .await
            .expect_err(name);
        assert_eq!(err.code(), "invalid_name", "{name:?}");
        assert!(err.to_string().contains(rule), "{name:?}: {err}");
        assert_eq!(
            engine.check_name(name).await.unwrap_err().code(),
            "invalid_name"
        );
    }
    assert!(engine.list_instances().await.unwrap().is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path().join("instances"))
            .unwrap()
            .count(),
        0,
        "no folder was created for a refused name"
    );
}

#[tokio::test]
async fn names_are_unique_case_insensitively_and_accept_the_full_alphabet() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let longest = "b".repeat(64);
    for name in ["Shop-1", "a", "9lives", "x.y_z-0", longest.as_str()] {
        engine.check_name(name).await.unwrap();
        create(&engine, name).await;
    }
    for taken in ["shop-1", "SHOP-1", "Shop-1", "A"] {
        assert_eq!(
            engine.check_name(taken).await.unwrap_err().code(),
            "name_taken"
        );
        let err = engine
            .create_instance(CreateInstance {
                name: taken.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), "name_taken", "{taken}");
    }
    assert_eq!(engine.list_instances().await.unwrap().len(), 5);
    // Lookups are case-insensitive too.
    assert_eq!(engine.get_instance("SHOP-1").await.unwrap().name, "Shop-1");
}

#[tokio::test]
async fn create_returns_a_disconnected_instance_with_id_token_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let mut events = engine.subscribe();
    let settings = Settings {
        reject_calls: true,
        reject_call_message: Some("Busy, text me".into()),
        ignore_groups: true,
        always_online: false,
        mark_messages_read: true,
        auto_download_media: true,
    };
    let instance = engine
        .create_instance(CreateInstance {
            name: "Sales".into(),
            settings: Some(settings.clone()),
            webhook: Some(WebhookInput {
                url: "https://example.invalid/hook".into(),
                events: vec![WebhookEvent::InstanceDelete, WebhookEvent::InstanceDelete],
                authorization: Some("Bearer x".into()),
            }),
            proxy: Some("socks5://127.0.0.1:1080".into()),
            s3: None,
        })
        .await
        .unwrap();
    assert!(matches!(
        instance.state,
        InstanceState::Disconnected {
            reason: DisconnectReason::Idle,
            ..
        }
    ));
    assert_eq!(instance.settings, settings);
    assert_eq!(instance.proxy.as_deref(), Some("socks5://127.0.0.1:1080"));
    let webhook = instance.webhook.clone().unwrap();
    assert_eq!(
        webhook.events,
        vec![WebhookEvent::InstanceDelete],
        "repeats dropped"
    );
    assert_eq!(webhook.secret.len(), 64);
    assert_eq!(instance.token.len(), 64);
    assert_ne!(instance.token, webhook.secret);
    assert!(!instance.paired && !instance.deleting);
    assert!(instance_dir(dir.path(), &instance.id)
        .join("media")
        .is_dir());
    match events.recv().await.unwrap() {
        EngineEvent::InstanceCreated { instance_id, .. } => assert_eq!(instance_id, instance.id),
        other => panic!("unexpected event {other:?}"),
    }
    use std::os::unix::fs::PermissionsExt;
    for path in [
        dir.path().to_path_buf(),
        dir.path().join("instances"),
        instance_dir(dir.path(), &instance.id),
    ] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", path.display());
    }
    let db_mode = std::fs::metadata(dir.path().join("switchboard.db"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(db_mode, 0o600);
}

#[tokio::test]
async fn create_rejects_bad_options_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let hook = |url: &str, auth: Option<&str>| WebhookInput {
        url: url.into(),
        events: vec![],
        authorization: auth.map(str::to_string),
    };
    let cases: Vec<(CreateInstance, &str)> = vec![
        (
            CreateInstance {
                webhook: Some(hook("ftp://example.invalid/x", None)),
                ..Default::default()
            },
            "invalid_webhook",
        ),
        (
            CreateInstance {
                webhook: Some(hook("not a url", None)),
                ..Default::default()
            },
            "invalid_webhook",
        ),
        (
            CreateInstance {
                webhook: Some(hook(
                    "https://example.invalid/x",
                    Some("Bearer a\r\nX-Evil: 1"),
                )),
                ..Default::default()
            },
            "invalid_webhook",
        ),
        (
            CreateInstance {
                proxy: Some("ftp://proxy:21".into()),
                ..Default::default()
            },
            "invalid_proxy",
        ),
        (
            CreateInstance {
                proxy: Some("http://proxy:8080/path".into()),
                ..Default::default()
            },
            "invalid_proxy",
        ),
        (
            CreateInstance {
                proxy: Some("socks5://".into()),
                ..Default::default()
            },
            "invalid_proxy",
        ),
        (
            CreateInstance {
                proxy: Some("https://proxy.example:443".into()),
                ..Default::default()
            },
            "invalid_proxy",
        ),
        (
            CreateInstance {
                settings: Some(Settings {
                    reject_call_message: Some("   ".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "invalid_settings",
        ),
        (
            CreateInstance {
                settings: Some(Settings {
                    reject_call_message: Some("x".repeat(1001)),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "invalid_settings",
        ),
    ];
    for (mut input, code) in cases {
        input.name = "valid-name".into();
        let err = engine.create_instance(input.clone()).await.unwrap_err();
        assert_eq!(err.code(), code, "{input:?}");
    }
    assert!(engine.list_instances().await.unwrap().is_empty());
    engine.check_name("valid-name").await.unwrap();
}

#[tokio::test]
async fn settings_webhook_and_proxy_updates_validate_first_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "shop").await;

    let settings = Settings {
        always_online: true,
        ..Default::default()
    };
    let updated = engine
        .update_settings("SHOP", settings.clone())
        .await
        .unwrap();
    assert_eq!(updated.settings, settings);
    let bad = Settings {
        reject_call_message: Some(String::new()),
        ..Default::default()
    };
    assert_eq!(
        engine
            .update_settings("shop", bad)
            .await
            .unwrap_err()
            .code(),
        "invalid_settings"
    );
    assert_eq!(
        engine.get_instance("shop").await.unwrap().settings,
        settings
    );

    let with_hook = engine
        .set_webhook(
            "shop",
            Some(WebhookInput {
                url: "http://127.0.0.1:9/hook".into(),
                events: vec![WebhookEvent::ChatDeleted],
                authorization: None,
            }),
        )
        .await
        .unwrap();
    let secret = with_hook.webhook.unwrap().secret;
    let bad_hook = WebhookInput {
        url: "javascript:alert(1)".into(),
        events: vec![],
        authorization: None,
    };
    assert_eq!(
        engine
            .set_webhook("shop", Some(bad_hook))
            .await
            .unwrap_err()
            .code(),
        "invalid_webhook"
    );
    let kept = engine.get_instance("shop").await.unwrap().webhook.unwrap();
    assert_eq!(kept.url, "http://127.0.0.1:9/hook");
    assert_eq!(
        kept.secret, secret,
        "the secret is the instance's, not the webhook's"
    );
    assert!(engine
        .set_webhook("shop", None)
        .await
        .unwrap()
        .webhook
        .is_none());

    let proxied = engine
        .set_proxy("shop", Some("http://user:pw@proxy.example:3128".into()))
        .await
        .unwrap();
    assert_eq!(
        proxied.proxy.as_deref(),
        Some("http://user:pw@proxy.example:3128")
    );
    assert_eq!(
        engine
            .set_proxy("shop", Some("gopher://x".into()))
            .await
            .unwrap_err()
            .code(),
        "invalid_proxy"
    );
    assert!(engine.get_instance("shop").await.unwrap().proxy.is_some());
    assert!(engine
        .set_proxy("shop", None)
        .await
        .unwrap()
        .proxy
        .is_none());

    for err in [
        engine
            .update_settings("nope", Settings::default())
            .await
            .unwrap_err(),
        engine.set_proxy("nope", None).await.unwrap_err(),
        engine.set_webhook("nope", None).await.unwrap_err(),
        engine.get_instance("nope").await.unwrap_err(),
        engine.list_chats("nope").await.unwrap_err(),
    ] {
        assert_eq!(err.code(), "instance_not_found");
    }
    assert_eq!(
        engine.get_instance("bad name").await.unwrap_err().code(),
        "invalid_name"
    );
}

#[tokio::test]
async fn disconnected_instances_survive_restarts_and_live_states_reset() {
    let dir = tempfile::tempdir().unwrap();
    let ids = {
        let engine = open(dir.path()).await;
        let a = create(&engine, "alpha").await;
        let b = create(&engine, "beta").await;
        let c = create(&engine, "gamma").await;
        let sink = engine.session_sink();
        sink.state_changed(&b.id, InstanceState::Connected { since: 1 })
            .await;
        sink.state_changed(
            &c.id,
            InstanceState::Banned {
                until: Some(99),
                since: 2,
            },
        )
        .await;
        assert!(engine
            .get_instance("beta")
            .await
            .unwrap()
            .state
            .is_connected());
        engine.shutdown().await;
        (a.id, b.id, c.id)
    };
    let engine = open(dir.path()).await;
    let listed = engine.list_instances().await.unwrap();
    let names: Vec<_> = listed.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert_eq!(listed[0].id, ids.0);
    assert!(
        matches!(listed[1].state, InstanceState::Disconnected { .. }),
        "a connected instance is disconnected after a restart"
    );
    assert!(matches!(
        listed[2].state,
        InstanceState::Banned {
            until: Some(99),
            ..
        }
    ));
}

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
    ] {
        assert_eq!(
            engine.connect_code("shop", phone).await.unwrap_err().code(),
            "invalid_phone",
            "{phone:?}"
        );
    }
    assert_eq!(
        engine
            .connect_code("nope", "+55 11 99999 9999")
            .await
            .unwrap_err()
            .code(),
        "instance_not_found"
    );
    assert_eq!(
        engine.connect_qr("nope").await.unwrap_err().code(),
        "instance_not_found"
    );
    assert_eq!(
        engine.reconnect("shop").await.unwrap_err().code(),
        "not_paired"
    );
    assert_eq!(
        engine.reconnect("a/b").await.unwrap_err().code(),
        "invalid_name"
    );
}

#[test]
fn phone_numbers_are_normalised() {
    use switchboard_engine::validate::phone;
    assert_eq!(phone("+55 11 99999 9999").unwrap(), "5511999999999");
    assert_eq!(phone("5511999999999").unwrap(), "5511999999999");
    assert_eq!(phone(" +1 415 555 0100 ").unwrap(), "14155550100");
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
    ] {
        assert_eq!(chat_jid(bad).unwrap_err().code(), "invalid_jid", "{bad:?}");
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
        "instance_not_found"
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
            "invalid_jid"
        );
    }
    let err = engine
        .delete_chat("shop", "5511900000000", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_connected");
    assert_eq!(
        engine
            .delete_chat("nope", "5511900000000", true)
            .await
            .unwrap_err()
            .code(),
        "instance_not_found"
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
            name: None,
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
            media_kind: Some("image".into()),
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
            switchboard_engine::actor::MediaSaved {
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
