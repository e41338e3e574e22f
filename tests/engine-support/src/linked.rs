//! An instance linked to wa-mock's phone through the whole engine, as a person links it.

use std::time::Duration;

use switchboard_engine::model::{CreateInstance, Instance, InstanceState, Settings};
use switchboard_engine::{Engine, EngineEvent};
use wa_mock::{Linked, PhoneProfile, WaMock};

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
