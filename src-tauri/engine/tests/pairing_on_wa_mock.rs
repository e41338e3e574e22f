//! Linking by pairing code through the whole engine against wa-mock: the code names the
//! number it links, a code asked for again after a QR round is the one that links, and
//! a code outlives the QR round the same connection started with.

use std::time::Duration;

use switchboard_engine::model::{ConnectVia, CreateInstance, InstanceState};
use switchboard_engine::{Engine, EngineEvent};
use tokio::sync::broadcast::Receiver;
use wa_mock::{MockOptions, WaMock};

const WAIT: Duration = Duration::from_secs(30);

async fn engine_on(mock: &WaMock, dir: &std::path::Path) -> Engine {
    let mut config = engine_support::patient_config(dir);
    config.wa.server_url = Some(mock.ws_url());
    let engine = Engine::open(config).await.unwrap();
    engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    engine
}

/// The next pairing-code event: (code, phone).
async fn pairing_code(events: &mut Receiver<EngineEvent>) -> (String, String) {
    engine_support::next_event(events, "a pairing code", WAIT, |e| match e {
        EngineEvent::PairingCode { code, phone, .. } => Some((code, phone)),
        _ => None,
    })
    .await
}

async fn connected(events: &mut Receiver<EngineEvent>) {
    engine_support::next_event(events, "connected", WAIT, |e| match e {
        EngineEvent::StateChanged {
            state: InstanceState::Connected { .. },
            ..
        } => Some(()),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_code_names_its_number_and_a_code_asked_again_after_a_qr_round_links() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_on(&mock, dir.path()).await;
    let mut events = engine.subscribe();

    let first = engine
        .connect_code("shop", "+55 11 98888 7777")
        .await
        .unwrap();
    assert_eq!(
        pairing_code(&mut events).await,
        (first.clone(), "5511988887777".to_string())
    );
    // The QR tab, then the phone-number tab again: the first code's attempt is over.
    engine.connect_qr("shop").await.unwrap();
    let second = engine.connect_code("shop", "5511988887777").await.unwrap();
    assert_ne!(second, first);
    assert_eq!(pairing_code(&mut events).await.0, second);
    mock.enter_pair_code(&second, &engine_support::actor::phone("5511988887777"))
        .unwrap();
    connected(&mut events).await;
    engine.shutdown().await;
}

/// The client ends a QR round of one code after that code's 60 s; a pairing code asked
/// for on the same connection stays valid for longer (WhatsApp: 180 s) and must still
/// link after the round. The slow test of this file.
#[tokio::test(flavor = "multi_thread")]
async fn a_pairing_code_still_links_after_the_qr_round_has_run_out() {
    let options = MockOptions {
        qr_refs: 1,
        ..MockOptions::default()
    };
    let mock = WaMock::start_with(options, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_on(&mock, dir.path()).await;
    let mut events = engine.subscribe();

    let code = engine.connect_code("shop", "5511977776666").await.unwrap();
    tokio::time::sleep(Duration::from_secs(65)).await;
    let state = engine.get_instance("shop").await.unwrap().state;
    assert!(
        matches!(
            state,
            InstanceState::Connecting {
                via: ConnectVia::Code,
                ..
            }
        ),
        "{state:?}"
    );
    while let Ok(event) = events.try_recv() {
        if let EngineEvent::PairingCode { code: newer, .. } = &event {
            assert_eq!(*newer, code, "the code on screen was replaced");
        }
    }
    mock.enter_pair_code(&code, &engine_support::actor::phone("5511977776666"))
        .unwrap();
    connected(&mut events).await;
    engine.shutdown().await;
}
