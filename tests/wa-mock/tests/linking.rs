mod common;

use common::{linked_client, TestClient};
use std::time::Duration;

use wa_mock::{MockError, MockOptions, WaMock};
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
    assert!(
        mock.handshakes().ik >= 1,
        "reconnect used IK: {:?}",
        mock.handshakes()
    );
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_code_links_and_connects() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let phone = "5511999990003";
    let mut client =
        TestClient::start_with(&mock.ws_url(), &dir.path().join("s.db"), Some(phone)).await;
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
    let linked = mock
        .enter_pair_code(&code, &common::profile(phone))
        .unwrap();
    assert_eq!(linked.jid, format!("{phone}@s.whatsapp.net"));
    client.connected().await;
    assert_eq!(mock.devices()[0].jid, format!("{phone}:1@s.whatsapp.net"));
    client.stop().await;
}

/// The client shows each code for a time it fixes itself (60 s for the first), so a round
/// of a single code is the shortest exhaustion there is: about a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unscanned_round_runs_out_of_codes() {
    let options = MockOptions {
        qr_refs: 1,
        ..MockOptions::default()
    };
    let mock = WaMock::start_with(options, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut client = TestClient::start(&mock.ws_url(), &dir.path().join("s.db")).await;
    let code = client.next_qr().await;
    client
        .wait_for_within(
            "the codes to run out",
            Duration::from_secs(90),
            |e| match e {
                Event::PairingQrCodesExhausted(_) => Some(()),
                Event::PairingQrCode(_) => panic!("a round of one code showed a second one"),
                _ => None,
            },
        )
        .await;
    assert!(
        mock.scan(&code, &common::profile("5511999990009")).is_err(),
        "an exhausted code no longer links"
    );
    assert!(mock.devices().is_empty());
    client.stop().await;
}
