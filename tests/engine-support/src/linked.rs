//! An instance linked to wa-mock's phone through the whole engine, as a person links it.

use std::path::Path;
use std::time::Duration;

use switchboard_engine::model::{CreateInstance, Instance, InstanceState, Settings};
use switchboard_engine::{Engine, EngineConfig, EngineEvent};
use wa_mock::{Linked, WaMock};

use crate::engine::patient_config;
use crate::wait::link_by_qr;

pub fn is_connected(event: &EngineEvent, id: &str) -> bool {
    matches!(event, EngineEvent::StateChanged {
        instance_id,
        state: InstanceState::Connected { .. },
    } if instance_id == id)
}

/// Creates the instance "shop" with `settings` and links it by QR to `phone`.
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
    let linked = link_by_qr(engine, mock, "shop", phone).await;
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
