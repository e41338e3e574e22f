//! The phone or the server acting on a linked device: each gives the client's event.

mod common;

use std::time::Duration;

use common::{linked_client, TestClient};
use wa_mock::{MockError, WaMock};
use whatsapp_rust::prelude::*;
use whatsapp_rust::types::events::ConnectFailureReason;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlink_from_phone_logs_the_client_out() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (mut client, linked) = linked_client(&mock, &db, "5511999990101").await;

    mock.logout_device(&linked.jid).unwrap();
    let (on_connect, reason) = client
        .wait_for("LoggedOut", |e| match e {
            Event::LoggedOut(l) => Some((l.on_connect, l.reason.clone())),
            _ => None,
        })
        .await;
    assert!(!on_connect);
    assert_eq!(reason, ConnectFailureReason::LoggedOut);
    assert!(!mock.devices()[0].connected);
    assert_eq!(
        mock.logout_device(&linked.jid),
        Err(MockError::Conflict("device is already unlinked".into()))
    );
    client.stop().await;

    // The same store cannot log in again: the server answers 401 at login.
    let mut again = TestClient::start(&mock.ws_url(), &db).await;
    let on_connect = again
        .wait_for("LoggedOut at login", |e| match e {
            Event::LoggedOut(l) => Some(l.on_connect),
            _ => None,
        })
        .await;
    assert!(on_connect);
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ban_locks_the_account() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (mut client, linked) = linked_client(&mock, &db, "5511999990102").await;

    mock.ban_device(&linked.jid, None).unwrap();
    let reason = client
        .wait_for("LoggedOut (banned)", |e| match e {
            Event::LoggedOut(l) => Some(l.reason.clone()),
            _ => None,
        })
        .await;
    assert_eq!(reason, ConnectFailureReason::AccountLocked);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_ban_reports_its_expiry() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (mut client, linked) = linked_client(&mock, &db, "5511999990103").await;

    assert!(matches!(
        mock.ban_device(&linked.jid, Some(Duration::ZERO)),
        Err(MockError::BadRequest(_))
    ));
    mock.ban_device(&linked.jid, Some(Duration::from_secs(3600)))
        .unwrap();
    let expire = client
        .wait_for("TemporaryBan", |e| match e {
            Event::TemporaryBan(b) => Some(b.expire),
            _ => None,
        })
        .await;
    assert_eq!(expire.num_seconds(), 3600);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_devices_are_refused() {
    let mock = WaMock::start().await.unwrap();
    assert!(matches!(
        mock.logout_device("5511000000000"),
        Err(MockError::UnknownDevice(_))
    ));
    assert!(matches!(
        mock.ban_device("nobody@s.whatsapp.net", None),
        Err(MockError::UnknownDevice(_))
    ));
    assert!(matches!(mock.received("5511000000000"), Err(MockError::UnknownDevice(_))));
}
