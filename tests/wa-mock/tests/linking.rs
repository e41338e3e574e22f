mod common;

use common::{linked_client, TestClient};
use wa_mock::{MockError, WaMock};
use whatsapp_rust::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_scan_links_and_connects() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (client, linked) = linked_client(&mock, &db, "5511999990001").await;
    assert_eq!(linked.jid, "5511999990001@s.whatsapp.net");
    assert!(client.client.is_logged_in());
    let devices = mock.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].jid, "5511999990001:1@s.whatsapp.net");
    assert!(devices[0].connected);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_same_store_reconnects_without_qr() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("session.db");
    let (client, _) = linked_client(&mock, &db, "5511999990002").await;
    client.stop().await;

    let mut again = TestClient::start(&mock.ws_url(), &db).await;
    again
        .wait_for("Connected without a QR code", |e| match e {
            Event::Connected(_) => Some(()),
            Event::PairingQrCode(_) => panic!("a paired store asked for a QR code"),
            _ => None,
        })
        .await;
    assert!(mock.handshakes().ik >= 1, "reconnect used IK: {:?}", mock.handshakes());
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_code_links_and_connects() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let phone = "5511999990003";
    let mut client = TestClient::start_with(&mock.ws_url(), &dir.path().join("s.db"), Some(phone)).await;
    let code = client
        .wait_for("PairingCode", |e| match e {
            Event::PairingCode(p) => Some(p.code.clone()),
            _ => None,
        })
        .await;
    assert!(matches!(
        mock.enter_pair_code("bad", &common::profile(phone)),
        Err(MockError::BadRequest(_))
    ));
    assert_eq!(
        mock.enter_pair_code(&code, &common::profile("5511000000009")),
        Err(MockError::UnknownCode)
    );
    let linked = mock.enter_pair_code(&code, &common::profile(phone)).unwrap();
    assert_eq!(linked.jid, format!("{phone}@s.whatsapp.net"));
    client.connected().await;
    assert_eq!(mock.devices()[0].jid, format!("{phone}:1@s.whatsapp.net"));
    client.stop().await;
}
