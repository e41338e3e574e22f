//! Instances: creating them (names, options), changing their settings, webhook and
//! proxy, and what survives a restart. Happy paths, bad-input tables, untouched data
//! on failure.

use engine_support::*;
use switchboard_engine::model::{
    CreateInstance, DisconnectReason, InstanceState, Settings, WebhookEvent, WebhookInput,
};
use switchboard_engine::{EngineEvent, ErrorCode};

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
        assert_eq!(err.code(), ErrorCode::InvalidName, "{name:?}");
        assert!(err.to_string().contains(rule), "{name:?}: {err}");
        assert_eq!(
            engine.check_name(name).await.unwrap_err().code(),
            ErrorCode::InvalidName
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
            ErrorCode::NameTaken
        );
        let err = engine
            .create_instance(CreateInstance {
                name: taken.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NameTaken, "{taken}");
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
                ..Default::default()
            }),
            proxy: Some("socks5://127.0.0.1:1080".into()),
            s3: None,
            token: None,
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
        ..Default::default()
    };
    let cases: Vec<(CreateInstance, ErrorCode)> = vec![
        (
            CreateInstance {
                webhook: Some(hook("ftp://example.invalid/x", None)),
                ..Default::default()
            },
            ErrorCode::InvalidWebhook,
        ),
        (
            CreateInstance {
                webhook: Some(hook("not a url", None)),
                ..Default::default()
            },
            ErrorCode::InvalidWebhook,
        ),
        (
            CreateInstance {
                webhook: Some(hook(
                    "https://example.invalid/x",
                    Some("Bearer a\r\nX-Evil: 1"),
                )),
                ..Default::default()
            },
            ErrorCode::InvalidWebhookAuthorization,
        ),
        // A valid URL with an Authorization value over 4096 bytes: the value is wrong.
        (
            CreateInstance {
                webhook: Some(hook(
                    "https://example.invalid/x",
                    Some(&format!("Bearer {}", "a".repeat(4096))),
                )),
                ..Default::default()
            },
            ErrorCode::InvalidWebhookAuthorization,
        ),
        (
            CreateInstance {
                proxy: Some("ftp://proxy:21".into()),
                ..Default::default()
            },
            ErrorCode::InvalidProxy,
        ),
        (
            CreateInstance {
                proxy: Some("http://proxy:8080/path".into()),
                ..Default::default()
            },
            ErrorCode::InvalidProxy,
        ),
        (
            CreateInstance {
                proxy: Some("socks5://".into()),
                ..Default::default()
            },
            ErrorCode::InvalidProxy,
        ),
        (
            CreateInstance {
                proxy: Some("https://proxy.example:443".into()),
                ..Default::default()
            },
            ErrorCode::InvalidProxy,
        ),
        (
            CreateInstance {
                settings: Some(Settings {
                    reject_call_message: Some("   ".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ErrorCode::InvalidSettings,
        ),
        (
            CreateInstance {
                settings: Some(Settings {
                    reject_call_message: Some("x".repeat(1001)),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ErrorCode::InvalidSettings,
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
        ErrorCode::InvalidSettings
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
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let secret = with_hook.webhook.unwrap().secret;
    let bad_hook = WebhookInput {
        url: "javascript:alert(1)".into(),
        events: vec![],
        authorization: None,
        ..Default::default()
    };
    assert_eq!(
        engine
            .set_webhook("shop", Some(bad_hook))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidWebhook
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
        ErrorCode::InvalidProxy
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
        assert_eq!(err.code(), ErrorCode::InstanceNotFound);
    }
    assert_eq!(
        engine.get_instance("bad name").await.unwrap_err().code(),
        ErrorCode::InvalidName
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
