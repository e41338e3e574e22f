//! Waiting for what the engine does in the background.

use std::time::Duration;

use switchboard_engine::model::DeleteReport;
use switchboard_engine::EngineEvent;
use tokio::sync::broadcast;

/// Polls `check` until it holds (30 s at most: a loaded 2-core machine running the
/// whole suite in parallel can take seconds for what takes milliseconds alone).
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..3_000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The next event `pick` accepts, waiting `within` at most.
pub async fn next_event<T>(
    events: &mut broadcast::Receiver<EngineEvent>,
    what: &str,
    within: Duration,
    mut pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(within, async {
        loop {
            let event = events.recv().await.expect("engine events keep coming");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {within:?}"))
}

pub async fn instance_deleted(
    events: &mut broadcast::Receiver<EngineEvent>,
    id: &str,
) -> DeleteReport {
    next_event(
        events,
        "InstanceDeleted",
        Duration::from_secs(60),
        |e| match e {
            EngineEvent::InstanceDeleted {
                instance_id,
                report,
            } if instance_id == id => Some(report),
            _ => None,
        },
    )
    .await
}

/// Starts a QR round on instance `name`, has phone `phone` scan it on wa-mock, and
/// waits until the instance is connected.
pub async fn link_by_qr(
    engine: &switchboard_engine::Engine,
    mock: &wa_mock::WaMock,
    name: &str,
    phone: &str,
) -> wa_mock::Linked {
    link_by_qr_as(engine, mock, name, &crate::actor::phone(phone)).await
}

/// As [`link_by_qr`], by a phone with its own profile (a business name, say).
pub async fn link_by_qr_as(
    engine: &switchboard_engine::Engine,
    mock: &wa_mock::WaMock,
    name: &str,
    profile: &wa_mock::PhoneProfile,
) -> wa_mock::Linked {
    const WAIT: Duration = Duration::from_secs(30);
    let instances = engine.list_instances().await.expect("instances listed");
    let id = instances
        .into_iter()
        .find(|i| i.name == name)
        .expect("the instance exists")
        .id;
    let mut events = engine.subscribe();
    engine.connect_qr(name).await.expect("a QR round starts");
    let qr = next_event(&mut events, "a QR code", WAIT, |e| match e {
        EngineEvent::QrCode {
            instance_id, code, ..
        } if instance_id == id => Some(code),
        _ => None,
    })
    .await;
    let linked = mock.scan(&qr, profile).expect("the phone scans");
    next_event(&mut events, "connected", WAIT, |e| match e {
        EngineEvent::StateChanged { instance_id, state } if instance_id == id => {
            state.is_connected().then_some(())
        }
        _ => None,
    })
    .await;
    linked
}

/// The newest page of `chat` of the instance "shop" once `done` holds for it (30 s at
/// most).
pub async fn shop_page_when(
    engine: &switchboard_engine::Engine,
    chat: &str,
    what: &str,
    done: impl Fn(&[switchboard_engine::conversation::ChatMessage]) -> bool,
) -> Vec<switchboard_engine::conversation::ChatMessage> {
    let wait = Duration::from_secs(30);
    tokio::time::timeout(wait, async {
        loop {
            if let Ok(page) = engine.chat_messages("shop", chat, None, None).await {
                if done(&page.messages) {
                    return page.messages;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} did not happen within {wait:?}"))
}
