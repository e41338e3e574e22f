//! The instance actor's paths that need no WhatsApp server: validation, not_paired,
//! logout without a client, and a QR attempt against a server that does not answer.

use std::time::Duration;

use engine_support::actor::{dead_server_url, Call, Instance};
use switchboard_engine::model::{
    ConnectVia, DisconnectReason, InstanceState, LogoutCause, LogoutOutcome,
};
use switchboard_engine::records::LastMessage;
use switchboard_engine::ErrorCode;

#[tokio::test]
async fn reconnect_without_a_stored_session_is_not_paired() {
    let instance = Instance::default();
    let actor = instance.spawn(Some(dead_server_url()));
    let err = actor.reconnect().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotPaired);
    assert!(err.to_string().contains("'shop'"), "{err}");
    assert!(
        !instance.session_db().exists(),
        "checking must not create a store"
    );
    assert!(instance.sink.calls().is_empty());
    actor.shutdown().await;
}

#[tokio::test]
async fn logout_without_a_client_wipes_the_session_and_is_harmless_to_repeat() {
    let instance = Instance::default();
    let db = instance.session_db();
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        std::fs::write(format!("{}{suffix}", db.display()), b"stale").unwrap();
    }
    let chat_media = db.parent().unwrap().join("media/5511@s.whatsapp.net");
    std::fs::create_dir_all(&chat_media).unwrap();
    std::fs::write(chat_media.join("m.jpg"), b"kept").unwrap();

    let actor = instance.spawn(Some(dead_server_url()));
    assert_eq!(actor.logout().await.unwrap(), LogoutOutcome::NotConnected);
    for suffix in ["", "-wal", "-shm"] {
        assert!(!std::path::Path::new(&format!("{}{suffix}", db.display())).exists());
    }
    assert!(
        chat_media.join("m.jpg").exists(),
        "logout keeps the chats' media"
    );
    let states = instance.sink.states();
    assert!(matches!(
        states.as_slice(),
        [InstanceState::Loggedout {
            cause: LogoutCause::User,
            ..
        }]
    ));

    assert_eq!(actor.logout().await.unwrap(), LogoutOutcome::NotConnected);
    assert_eq!(
        instance.sink.states().len(),
        1,
        "a repeated logout is not news"
    );
    let paired: Vec<bool> = instance
        .sink
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Paired(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(paired, vec![false, false]);
    assert!(matches!(
        actor.state().await.unwrap(),
        InstanceState::Loggedout {
            cause: LogoutCause::User,
            ..
        }
    ));
    actor.shutdown().await;
}

#[tokio::test]
async fn delete_chat_validates_the_jid_then_needs_a_connection() {
    let instance = Instance::default();
    let actor = instance.spawn(Some(dead_server_url()));
    for bad in [
        "",
        "hello",
        "+5511999999999",
        "5511999999999@example.com",
        "../x",
    ] {
        let err = actor
            .delete_chat(bad.into(), false, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJid, "{bad:?}");
    }
    let last = LastMessage {
        id: "3EB0".into(),
        from_me: true,
        participant: None,
        timestamp: 1_700_000_000_000,
    };
    for good in [
        "5511999999999",
        "5511999999999@s.whatsapp.net",
        "1234@lid",
        "1203630@g.us",
    ] {
        let err = actor
            .delete_chat(good.into(), true, Some(last.clone()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotConnected, "{good:?}");
    }
    assert!(instance.sink.calls().is_empty());
    actor.shutdown().await;
}

#[tokio::test]
async fn connect_code_rejects_what_is_not_a_phone_number() {
    let instance = Instance::default();
    let actor = instance.spawn(Some(dead_server_url()));
    for bad in [
        "",
        "+5511999999999",
        "0551199999999",
        "12345",
        "55 11",
        "1234567890123456",
        "99911987654321",
    ] {
        let err = actor.connect_code(bad.into()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPhone, "{bad:?}");
    }
    assert!(!instance.session_db().exists());
    actor.shutdown().await;
}

#[tokio::test]
async fn a_qr_round_against_a_silent_server_stays_connecting_until_shutdown() {
    let instance = Instance::default();
    let actor = instance.spawn(Some(dead_server_url()));
    let first = actor.connect_qr().await.unwrap();
    assert!(matches!(
        first,
        InstanceState::Connecting {
            via: ConnectVia::Qr,
            ..
        }
    ));
    // Asking again while the round runs changes nothing.
    assert_eq!(actor.connect_qr().await.unwrap(), first);
    assert_eq!(instance.sink.states(), vec![first.clone()]);

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(instance.session_db())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    actor.shutdown().await;
    let states = instance.sink.states();
    assert!(matches!(
        states.last(),
        Some(InstanceState::Disconnected {
            reason: DisconnectReason::Idle,
            ..
        })
    ));
}

#[tokio::test]
async fn dropping_the_handle_stops_the_client() {
    let instance = Instance::default();
    let actor = instance.spawn(Some(dead_server_url()));
    actor.connect_qr().await.unwrap();
    drop(actor);
    instance
        .sink
        .wait_for_state(Duration::from_secs(15), |s| {
            matches!(
                s,
                InstanceState::Disconnected {
                    reason: DisconnectReason::Idle,
                    ..
                }
            )
        })
        .await;
}
