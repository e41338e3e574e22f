//! "Send a test event", the last delivery and the outbox's size, against a real HTTP
//! receiver on loopback: the test goes through the same signed, persistent outbox as
//! real events, and what the window shows follows each attempt.

use std::time::Duration;

use engine_support::*;
use switchboard_engine::model::{WebhookEvent, WebhookInput};
use switchboard_engine::webhook_status::WebhookStatus;
use switchboard_engine::{Engine, EngineEvent, ErrorCode};

fn slow_retries(dir: &std::path::Path) -> switchboard_engine::EngineConfig {
    let mut config = patient_config(dir);
    config.webhooks.base_backoff = Duration::from_secs(3600);
    config.webhooks.max_backoff = Duration::from_secs(3600);
    config
}

#[tokio::test]
async fn a_test_event_is_delivered_signed_whatever_the_filter_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(patient_config(dir.path())).await.unwrap();
    let receiver = Receiver::start(vec![], 204, None).await;
    let instance = create(&engine, "shop").await;
    let hook = engine
        .set_webhook(
            "shop",
            Some(WebhookInput {
                url: receiver.url.clone(),
                // A filter that names none of the session's events holds no test back.
                events: vec![WebhookEvent::LoggedOut],
                authorization: Some("Bearer test-token".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap()
        .webhook
        .unwrap();
    let before = engine.webhook_status("shop").await.unwrap();
    assert_eq!(
        before,
        WebhookStatus {
            last_delivery: None,
            pending: 0
        }
    );
    let mut events = engine.subscribe();

    let status = engine.send_test_webhook("SHOP").await.unwrap();

    let last = status.last_delivery.expect("the first try is reported");
    assert_eq!(
        (last.event.as_str(), last.status, last.error),
        ("TEST", Some(204), None)
    );
    assert_eq!(status.pending, 0);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert!(signature_verifies(&hook.secret, &received[0]));
    assert_eq!(received[0].headers["x-switchboard-event"], "TEST");
    assert_eq!(received[0].headers["authorization"], "Bearer test-token");
    let body: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["event"], "TEST");
    assert_eq!(body["instance"], "shop");
    assert!(body["data"]["sentAt"].as_i64().unwrap() > 0);
    // The window heard the queueing and the attempt.
    let mut announced = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EngineEvent::WebhookStatus {
            instance_id,
            status,
        } = event
        {
            assert_eq!(instance_id, instance.id);
            announced.push(status);
        }
    }
    assert_eq!(announced.first().map(|s| s.pending), Some(1));
    assert_eq!(
        announced.last(),
        Some(&engine.webhook_status("shop").await.unwrap())
    );
}

#[tokio::test]
async fn a_failed_test_stays_queued_says_why_and_is_retried_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(vec![503], 200, None).await;
    {
        let engine = Engine::open(slow_retries(dir.path())).await.unwrap();
        create_with_webhook(&engine, "shop", &receiver.url).await;
        let status = engine.send_test_webhook("shop").await.unwrap();
        let last = status.last_delivery.unwrap();
        assert_eq!(
            (last.status, last.error.as_deref()),
            (Some(503), Some("status 503"))
        );
        assert_eq!(status.pending, 1, "kept in the outbox for a retry");
        engine.shutdown().await;
    }
    let engine = Engine::open(slow_retries(dir.path())).await.unwrap();
    // The last delivery survived the restart. A restart retries the queue at once, so it
    // is the 503 kept from before, or already the retry's 200 (a race the test cannot
    // order without holding the engine back).
    let kept = engine.webhook_status("shop").await.unwrap();
    let kept = kept.last_delivery.and_then(|d| d.status);
    assert!(matches!(kept, Some(503) | Some(200)), "kept: {kept:?}");
    eventually("the test is retried after the restart", || {
        receiver.received().len() == 2
    })
    .await;
    // Bounded like `eventually`: under a loaded suite the outbox may take seconds.
    let mut delivered = None;
    for _ in 0..3_000 {
        let status = engine.webhook_status("shop").await.unwrap();
        if status.pending == 0 {
            delivered = status.last_delivery;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered = delivered.expect("the outbox drained");
    assert_eq!((delivered.status, delivered.error), (Some(200), None));
    let received = receiver.received();
    assert_eq!(received[0].body, received[1].body, "the same event again");
}

#[tokio::test]
async fn an_unreachable_receiver_is_reported_without_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(slow_retries(dir.path())).await.unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let closed = format!("http://127.0.0.1:{port}/hook");
    create_with_webhook(&engine, "shop", &closed).await;
    let status = engine.send_test_webhook("shop").await.unwrap();
    let last = status.last_delivery.unwrap();
    assert_eq!(last.status, None);
    assert!(
        last.error.as_deref().unwrap().starts_with("request failed"),
        "{last:?}"
    );
    assert_eq!(status.pending, 1);
}

#[tokio::test]
async fn a_new_address_starts_without_a_last_delivery_and_removal_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(patient_config(dir.path())).await.unwrap();
    let first = Receiver::start(vec![], 200, None).await;
    let second = Receiver::start(vec![], 200, None).await;
    create_with_webhook(&engine, "shop", &first.url).await;
    let tested = engine.send_test_webhook("shop").await.unwrap();
    assert!(tested.last_delivery.is_some());
    let moved = WebhookInput {
        url: second.url.clone(),
        events: vec![],
        authorization: None,
        ..Default::default()
    };
    engine.set_webhook("shop", Some(moved)).await.unwrap();
    let status = engine.webhook_status("shop").await.unwrap();
    assert_eq!(status.last_delivery, None, "a result for the old address");
    engine.set_webhook("shop", None).await.unwrap();
    let refused = engine.send_test_webhook("shop").await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::WebhookNotConfigured);
    assert_eq!(engine.webhook_status("shop").await.unwrap().pending, 0);
}

#[tokio::test]
async fn a_test_for_a_missing_or_misnamed_instance_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let code = |e: switchboard_engine::Error| e.code();
    assert_eq!(
        code(engine.send_test_webhook("ghost").await.unwrap_err()),
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        code(engine.send_test_webhook("bad name!").await.unwrap_err()),
        ErrorCode::InvalidName
    );
    assert_eq!(
        code(engine.webhook_status("ghost").await.unwrap_err()),
        ErrorCode::InstanceNotFound
    );
    create(&engine, "shop").await;
    assert_eq!(
        code(engine.send_test_webhook("shop").await.unwrap_err()),
        ErrorCode::WebhookNotConfigured
    );
}
