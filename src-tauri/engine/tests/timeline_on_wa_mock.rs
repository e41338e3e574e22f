//! Each number's timeline, written by what really happens against wa-mock with the real
//! WhatsApp client: linked, the connection lost and back (a server that stops
//! answering), a temporary ban that ends by itself, unlinked by the phone, a webhook
//! that fails for good; kept by the instance's id, so a re-created name starts afresh
//! while the whole timeline still shows the deleted number.

use std::time::Duration;

use engine_support::{link_by_qr, Receiver};
use switchboard_engine::model::{
    AuditAction, InstanceState, TimelineEntry, TimelineEvent, TimelineItem,
};
use switchboard_engine::{Engine, EngineEvent};
use wa_mock::WaMock;

const WAIT: Duration = Duration::from_secs(30);
/// The client notices a silent server by its keepalive: one or two unanswered pings.
const KEEPALIVE_NOTICES: Duration = Duration::from_secs(150);

fn happened(entries: &[TimelineEntry]) -> Vec<TimelineEvent> {
    entries
        .iter()
        .filter_map(|e| match &e.item {
            TimelineItem::Happened(event) => Some(event.clone()),
            TimelineItem::Action(_) => None,
        })
        .collect()
}

async fn state_reached(
    engine: &Engine,
    id: &str,
    within: Duration,
    wanted: impl Fn(&InstanceState) -> bool,
) {
    let mut events = engine.subscribe();
    let now = engine.list_instances().await.unwrap();
    if now.iter().any(|i| i.id == id && wanted(&i.state)) {
        return;
    }
    engine_support::next_event(&mut events, "the state", within, |e| match e {
        EngineEvent::StateChanged { instance_id, state } if instance_id == id => {
            wanted(&state).then_some(())
        }
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timeline_tells_what_happened_to_the_number_and_stays_with_its_id() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = engine_support::config(dir.path());
    config.wa.server_url = Some(mock.ws_url());
    let engine = Engine::open(config).await.unwrap();
    // Every delivery is refused: each one fails for good at once.
    let receiver = Receiver::start(vec![], 400, None).await;
    let first = engine_support::create_with_webhook(&engine, "support", &receiver.url).await;
    let linked = link_by_qr(&engine, &mock, "support", "5511999960001").await;

    mock.freeze_device(&linked.jid).unwrap();
    state_reached(&engine, &first.id, KEEPALIVE_NOTICES, |s| {
        matches!(s, InstanceState::Reconnecting { .. })
    })
    .await;
    mock.thaw_device(&linked.jid).unwrap();
    state_reached(&engine, &first.id, WAIT, InstanceState::is_connected).await;

    mock.ban_device(&linked.jid, Some(Duration::from_secs(2)))
        .unwrap();
    state_reached(&engine, &first.id, WAIT, |s| {
        matches!(s, InstanceState::Banned { .. })
    })
    .await;
    state_reached(&engine, &first.id, WAIT, InstanceState::is_connected).await;

    mock.logout_device(&linked.jid).unwrap();
    state_reached(&engine, &first.id, WAIT, |s| {
        matches!(s, InstanceState::Loggedout { .. })
    })
    .await;

    let timeline = engine.timeline(Some("support")).await.unwrap();
    assert!(timeline.iter().all(|e| e.instance_id == first.id));
    assert!(
        timeline.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first"
    );
    let mut events = happened(&timeline);
    events.reverse();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            TimelineEvent::Linked => "linked",
            TimelineEvent::ConnectionLost { .. } => "lost",
            TimelineEvent::ConnectionBack { .. } => "back",
            TimelineEvent::Banned { .. } => "banned",
            TimelineEvent::UnlinkedByPhone => "unlinked",
            TimelineEvent::ConnectFailed { .. } => "failed",
            TimelineEvent::WebhookFailed { .. } => "webhook",
        })
        .filter(|k| *k != "webhook")
        .collect();
    // In this order; a busy machine may also see the socket close a moment before the
    // client reports the unlink, which the timeline then tells as a lost connection.
    let expected = ["linked", "lost", "back", "banned", "unlinked"];
    let mut rest = kinds.iter();
    assert!(
        expected.iter().all(|want| rest.any(|k| k == want)),
        "{kinds:?} holds {expected:?} in order: {events:?}"
    );
    assert_eq!(kinds.first(), Some(&"linked"));
    assert_eq!(kinds.last(), Some(&"unlinked"));
    assert_eq!(kinds.iter().filter(|k| **k == "back").count(), 1);
    let back = events.iter().find_map(|e| match e {
        TimelineEvent::ConnectionBack { after_ms } => Some(*after_ms),
        _ => None,
    });
    assert!(back.unwrap() > 0, "the outage has its length");
    assert!(events
        .iter()
        .any(|e| matches!(e, TimelineEvent::Banned { until: Some(_) })));
    assert!(
        events.iter().any(|e| matches!(
            e,
            TimelineEvent::WebhookFailed { detail, .. } if detail.contains("400")
        )),
        "the refused webhook is in the timeline: {events:?}"
    );

    // Deleted and created again: the new number's story starts empty; the whole
    // timeline still shows the deleted one by name and id, its deletion included.
    engine.delete_instance("support").await.unwrap();
    let second = engine_support::create(&engine, "support").await;
    assert!(engine.timeline(Some("support")).await.unwrap().is_empty());
    assert!(engine.audit_log(Some("support")).await.unwrap().is_empty());
    let everyone = engine.timeline(None).await.unwrap();
    assert!(everyone.iter().all(|e| e.instance_id == first.id));
    assert!(
        everyone.iter().all(|e| e.instance_name == "support"),
        "{everyone:#?}"
    );
    assert!(everyone.iter().any(|e| matches!(
        &e.item,
        TimelineItem::Action(record) if record.action == AuditAction::DeleteInstance
    )));
    assert_ne!(second.id, first.id);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeline_of_a_name_nobody_ever_had_is_refused_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_support::open(dir.path()).await;
    assert!(engine.timeline(Some("nobody")).await.unwrap().is_empty());
    let refused = engine.timeline(Some("not a name!")).await.unwrap_err();
    assert_eq!(refused.code(), switchboard_engine::ErrorCode::InvalidName);
}
