//! An instance linked to wa-mock's phone through the whole engine, as a person links it.

use std::path::Path;
use std::time::Duration;

use switchboard_engine::model::{CreateInstance, Instance, InstanceState, Settings};
use switchboard_engine::{Engine, EngineConfig, EngineEvent};
use wa_mock::{Linked, PhoneProfile, WaMock};

use crate::engine::patient_config;
use crate::wait::next_event;

const WAIT: Duration = Duration::from_secs(30);

pub fn is_connected(event: &EngineEvent, id: &str) -> bool {
    matches!(event, EngineEvent::StateChanged {
        instance_id,
        state: InstanceState::Connected { .. },
    } if instance_id == id)
}

/// Creates the instance "shop", links it by QR through the engine and waits for
/// `connected`.
pub async fn linked_instance(
    engine: &Engine,
    mock: &WaMock,
    settings: Settings,
    phone: &str,
) -> (Instance, Linked) {
    let instance = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            settings: Some(settings),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut events = engine.subscribe();
    engine.connect_qr("shop").await.unwrap();
    let id = instance.id.clone();
    let qr = next_event(&mut events, "QR code", WAIT, |e| match e {
        EngineEvent::QrCode {
            instance_id, code, ..
        } if instance_id == id => Some(code),
        _ => None,
    })
    .await;
    let linked = mock
        .scan(
            &qr,
            &PhoneProfile {
                phone: phone.into(),
                name: "Shop".into(),
                business: None,
            },
        )
        .unwrap();
    next_event(&mut events, "connected state", WAIT, |e| {
        is_connected(&e, &id).then_some(())
    })
    .await;
    (instance, linked)
}

/// An engine on `dir` that talks to `mock`.
pub fn wa_mock_config(dir: &Path, mock: &WaMock) -> EngineConfig {
    let mut config = patient_config(dir);
    config.wa.server_url = Some(mock.ws_url());
    // A logout reconnects an idle session first; a busy machine must not turn that into
    // an unconfirmed logout.
    config.wa.logout_timeout = Duration::from_secs(10);
    config
}

/// wa-mock, an engine in a temporary folder talking to it, and "shop" linked to `phone`.
pub struct LinkedEngine {
    pub mock: WaMock,
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    pub instance: Instance,
    pub linked: Linked,
}

pub async fn linked_engine(settings: Settings, phone: &str) -> LinkedEngine {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let (instance, linked) = linked_instance(&engine, &mock, settings, phone).await;
    LinkedEngine {
        mock,
        dir,
        engine,
        instance,
        linked,
    }
}
