//! The instance actor with the real whatsapp-rust client against wa-mock: linking by
//! QR and by code, reconnecting, logging out, deleting a chat, and what the phone or
//! the server does to a linked device (unlink, bans that end, a server that stops
//! answering).

use std::time::Duration;

use engine_support::actor::{phone, Call, Instance};
use switchboard_engine::actor::ActorHandle;
use switchboard_engine::model::{ConnectVia, InstanceState, LogoutCause, LogoutOutcome, Profile};
use switchboard_engine::records::LastMessage;
use switchboard_engine::ErrorCode;
use wa_mock::{Linked, WaMock};

const WAIT: Duration = Duration::from_secs(30);

async fn first_qr(instance: &Instance) -> String {
    engine_support::actor::first_qr(instance, WAIT).await
}

async fn connected(instance: &Instance) -> InstanceState {
    instance
        .sink
        .wait_for_state(WAIT, InstanceState::is_connected)
        .await
}

/// Links a fresh instance by QR and waits until it is connected.
async fn link(mock: &WaMock, instance: &Instance, number: &str) -> (ActorHandle, Linked) {
    let actor = instance.spawn(Some(mock.ws_url()));
    actor.connect_qr().await.unwrap();
    let qr = first_qr(instance).await;
    let linked = mock.scan(&qr, &phone(number)).unwrap();
    connected(instance).await;
    (actor, linked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_scan_connects_with_the_profile_and_logout_removes_the_device() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let actor = instance.spawn(Some(mock.ws_url()));

    let state = actor.connect_qr().await.unwrap();
    assert!(matches!(
        state,
        InstanceState::Connecting {
            via: ConnectVia::Qr,
            ..
        }
    ));
    let qr = instance
        .sink
        .wait_for("a QR code with its expiry", WAIT, |calls| {
            calls.iter().find_map(|c| match c {
                Call::Qr(code, expires_at) => Some((code.clone(), *expires_at)),
                _ => None,
            })
        })
        .await;
    let now = switchboard_now();
    assert!(
        qr.1 > now && qr.1 <= now + 61_000,
        "expiry {} vs now {now}",
        qr.1
    );

    let linked = mock.scan(&qr.0, &phone("5511999970001")).unwrap();
    let state = connected(&instance).await;
    let calls = instance.sink.calls();
    assert!(calls.iter().any(|c| matches!(c, Call::Paired(true))));
    let profile: Profile = instance
        .sink
        .wait_for("the profile", WAIT, |calls| {
            calls.iter().rev().find_map(|c| match c {
                Call::Profile(p) if p.phone_jid.is_some() && p.lid.is_some() => Some(p.clone()),
                _ => None,
            })
        })
        .await;
    assert_eq!(
        profile.phone_jid.as_deref(),
        Some("5511999970001@s.whatsapp.net")
    );
    assert_eq!(profile.lid.as_deref(), Some(linked.lid.as_str()));

    // Connect on a connected instance answers its state and changes nothing.
    let states_before = instance.sink.states().len();
    assert_eq!(actor.connect_qr().await.unwrap(), state);
    assert_eq!(actor.reconnect().await.unwrap(), state);
    let err = actor
        .connect_code("5511999970001".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyConnected, "{err}");
    assert_eq!(instance.sink.states().len(), states_before);

    assert_eq!(actor.logout().await.unwrap(), LogoutOutcome::Confirmed);
    let received = mock.received(&linked.jid).unwrap();
    assert!(
        received
            .iter()
            .any(|r| r["kind"] == "remove-companion-device"),
        "{received:?}"
    );
    assert!(!instance.session_db().exists());
    assert!(matches!(
        instance.sink.states().last(),
        Some(InstanceState::Loggedout {
            cause: LogoutCause::User,
            ..
        })
    ));
    assert!(matches!(instance.sink.calls().last(), Some(Call::State(_))));
    assert_eq!(
        actor.reconnect().await.unwrap_err().code(),
        ErrorCode::NotPaired
    );
    // A new QR round starts on the same instance.
    let again = actor.connect_qr().await.unwrap();
    assert!(matches!(
        again,
        InstanceState::Connecting {
            via: ConnectVia::Qr,
            ..
        }
    ));
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_session_reconnects_without_a_qr_code() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, _) = link(&mock, &instance, "5511999970002").await;
    actor.shutdown().await;
    assert!(matches!(
        instance.sink.states().last(),
        Some(InstanceState::Disconnected { .. })
    ));

    let again = Instance {
        dir: instance.dir,
        sink: Default::default(),
    };
    let actor = again.spawn(Some(mock.ws_url()));
    let state = actor.reconnect().await.unwrap();
    assert!(matches!(
        state,
        InstanceState::Connecting {
            via: ConnectVia::Reconnect,
            ..
        }
    ));
    connected(&again).await;
    assert!(!again.sink.calls().iter().any(|c| matches!(c, Call::Qr(..))));
    assert!(mock.handshakes().ik >= 1, "{:?}", mock.handshakes());
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_from_qr_to_a_pairing_code_links_by_code() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let actor = instance.spawn(Some(mock.ws_url()));
    actor.connect_qr().await.unwrap();
    first_qr(&instance).await;

    let code = actor.connect_code("5511999970003".into()).await.unwrap();
    assert_eq!(code.len(), 8);
    assert!(matches!(
        actor.state().await.unwrap(),
        InstanceState::Connecting {
            via: ConnectVia::Code,
            ..
        }
    ));
    instance
        .sink
        .wait_for("the pairing code", WAIT, |calls| {
            calls
                .iter()
                .any(|c| matches!(c, Call::PairingCode(c2, _) if *c2 == code))
                .then_some(())
        })
        .await;
    mock.enter_pair_code(&code, &phone("5511999970003"))
        .unwrap();
    connected(&instance).await;
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_chat_sends_the_mutation_with_the_last_message() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, linked) = link(&mock, &instance, "5511999970004").await;
    let last = LastMessage {
        id: "3EB0FEED".into(),
        from_me: false,
        participant: None,
        timestamp: 1_700_000_100_000,
    };
    // The phone shares its app-state key right after linking; give it a moment.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match actor
            .delete_chat("5511988887777".into(), true, Some(last.clone()))
            .await
        {
            Ok(()) => break,
            Err(e)
                if e.to_string().contains("sync key") && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("delete_chat failed: {e}"),
        }
    }
    let received = mock.received(&linked.jid).unwrap();
    let entry = received
        .iter()
        .find(|r| r["kind"] == "app-state" && r["action"] == "deleteChat")
        .unwrap_or_else(|| panic!("deleteChat recorded, got {received:?}"));
    assert_eq!(entry["chat"], "5511988887777@s.whatsapp.net");
    assert_eq!(entry["delete_media"], true);
    assert_eq!(entry["message_range"]["messages"][0]["id"], "3EB0FEED");
    assert_eq!(
        entry["message_range"]["messages"][0]["timestamp"],
        1_700_000_100
    );
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlinked_from_the_phone_the_instance_is_logged_out_at_once() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, linked) = link(&mock, &instance, "5511999970005").await;
    mock.logout_device(&linked.jid).unwrap();
    instance
        .sink
        .wait_for_state(WAIT, |s| {
            matches!(
                s,
                InstanceState::Loggedout {
                    cause: LogoutCause::Phone,
                    ..
                }
            )
        })
        .await;
    assert!(instance
        .sink
        .calls()
        .iter()
        .any(|c| matches!(c, Call::Paired(false))));
    assert!(!instance.session_db().exists(), "revoked keys are wiped");
    assert_eq!(
        actor.reconnect().await.unwrap_err().code(),
        ErrorCode::NotPaired
    );
    assert_eq!(
        actor
            .delete_chat("5511988887777".into(), false, None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotConnected
    );
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_account_is_banned() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, linked) = link(&mock, &instance, "5511999970006").await;
    mock.ban_device(&linked.jid, None).unwrap();
    let state = instance
        .sink
        .wait_for_state(WAIT, |s| matches!(s, InstanceState::Banned { .. }))
        .await;
    assert!(matches!(state, InstanceState::Banned { until: None, .. }));
    assert!(!actor.state().await.unwrap().is_connected());
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_ban_carries_its_end() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, linked) = link(&mock, &instance, "5511999970007").await;
    let before = switchboard_now();
    mock.ban_device(&linked.jid, Some(Duration::from_secs(3600)))
        .unwrap();
    let state = instance
        .sink
        .wait_for_state(WAIT, |s| matches!(s, InstanceState::Banned { .. }))
        .await;
    let InstanceState::Banned {
        until: Some(until), ..
    } = state
    else {
        panic!("expected a ban with an end, got {state:?}");
    };
    // WhatsApp states the remaining ban in whole seconds, and the client may hear it
    // again on a reconnect a second later, so the end is known to within a second.
    assert!(until >= before + 3_599_000 && until <= switchboard_now() + 3_600_000);
    assert!(
        instance.session_db().exists(),
        "a temporary ban keeps the keys"
    );
    actor.shutdown().await;
}

fn switchboard_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Waits for a connected state recorded after the first state `after` picks.
async fn connected_after(
    instance: &Instance,
    after: impl Fn(&InstanceState) -> bool,
) -> InstanceState {
    instance
        .sink
        .wait_for("connected again", WAIT, |calls| {
            calls
                .iter()
                .filter_map(|c| match c {
                    Call::State(s) => Some(s),
                    _ => None,
                })
                .skip_while(|s| !after(s))
                .skip(1)
                .find(|s| s.is_connected())
                .cloned()
        })
        .await
}

/// The library notices a silent server by its keepalive: one or two unanswered pings
/// (each sent 15 to 30 s apart, each given 20 s).
const KEEPALIVE_NOTICES: Duration = Duration::from_secs(150);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_leaves_connected_and_a_thaw_connects_again_since_then() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, linked) = link(&mock, &instance, "5511999970008").await;
    let frozen_at = switchboard_now();
    mock.freeze_device(&linked.jid).unwrap();
    let reconnecting = instance
        .sink
        .wait_for_state(KEEPALIVE_NOTICES, |s| {
            matches!(s, InstanceState::Reconnecting { .. })
        })
        .await;
    assert!(reconnecting.since() >= frozen_at, "{reconnecting:?}");
    assert!(matches!(
        actor.state().await.unwrap(),
        InstanceState::Reconnecting { .. }
    ));

    let thawed_at = switchboard_now();
    mock.thaw_device(&linked.jid).unwrap();
    let back = connected_after(&instance, |s| {
        matches!(s, InstanceState::Reconnecting { .. })
    })
    .await;
    assert!(
        back.since() >= thawed_at,
        "connected since the thaw: {back:?}"
    );
    assert!(actor.state().await.unwrap().is_connected());
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_ban_ends_and_the_number_reconnects_by_itself() {
    let mock = WaMock::start().await.unwrap();
    let instance = Instance::default();
    let (actor, linked) = link(&mock, &instance, "5511999970009").await;
    mock.ban_device(&linked.jid, Some(Duration::from_secs(3)))
        .unwrap();
    instance
        .sink
        .wait_for_state(WAIT, |s| {
            matches!(s, InstanceState::Banned { until: Some(_), .. })
        })
        .await;
    let back = connected_after(&instance, |s| matches!(s, InstanceState::Banned { .. })).await;
    assert!(back.is_connected());
    assert!(
        mock.devices()[0].connected,
        "the server sees the device again"
    );
    actor.shutdown().await;
}
