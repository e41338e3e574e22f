//! Queued webhooks against a real HTTP receiver on loopback: signatures, filters,
//! retries on 5xx only, and an outbox that survives a restart.

use std::time::Duration;

use engine_support::*;
use switchboard_engine::model::{InstanceState, WebhookEvent, WebhookInput};
use switchboard_engine::records::MessageUpsert;
use switchboard_engine::{Engine, WebhookTuning};

async fn outbox_rows(dir: &std::path::Path) -> Vec<(String, i64)> {
    let pool = app_db(dir).await;
    let rows = sqlx::query_as("SELECT event, attempts FROM webhook_outbox ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows
}

/// Delivered events leave the outbox shortly after their webhook answered.
async fn assert_outbox_drains(dir: &std::path::Path) {
    for _ in 0..100 {
        if outbox_rows(dir).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the outbox was not emptied");
}

#[tokio::test]
async fn session_events_are_delivered_signed_with_the_authorization_header() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let receiver = Receiver::start(vec![], 200, None).await;
    let instance = create_with_webhook(&engine, "shop", &receiver.url).await;
    let secret = instance.webhook.unwrap().secret;
    let sink = engine.session_sink();

    sink.qr_code(&instance.id, "2@abc,def".into(), 1_000).await;
    sink.state_changed(&instance.id, InstanceState::Connected { since: 5 })
        .await;
    sink.messages(
        &instance.id,
        vec![MessageUpsert {
            chat_jid: "5511988887777@s.whatsapp.net".into(),
            id: "ABC".into(),
            from_me: false,
            sender: None,
            timestamp: 7,
            text: Some("hi".into()),
            ..Default::default()
        }],
    )
    .await;
    eventually("four deliveries", || receiver.received().len() == 4).await;
    let mut events = receiver.events();
    events.sort();
    assert_eq!(
        events,
        [
            "CONNECTED",
            "MESSAGES_UPSERT",
            "QR_UPDATED",
            "STATE_CHANGED"
        ]
    );
    for request in receiver.received() {
        assert!(signature_verifies(&secret, &request), "{}", request.body);
        assert_eq!(request.headers["authorization"], "Bearer test-token");
        assert_eq!(request.headers["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["instance"], "shop");
    }
    let upsert = receiver
        .received()
        .into_iter()
        .find(|r| r.body.contains("MESSAGES_UPSERT"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&upsert.body).unwrap();
    assert_eq!(body["data"][0]["id"], "ABC");
    assert_eq!(body["data"][0]["chatJid"], "5511988887777@s.whatsapp.net");
    assert_outbox_drains(dir.path()).await;
}

#[tokio::test]
async fn the_events_filter_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let receiver = Receiver::start(vec![], 200, None).await;
    let instance = create(&engine, "shop").await;
    engine
        .set_webhook(
            "shop",
            Some(WebhookInput {
                url: receiver.url.clone(),
                events: vec![WebhookEvent::LoggedOut],
                authorization: None,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let sink = engine.session_sink();
    sink.state_changed(&instance.id, InstanceState::Connected { since: 5 })
        .await;
    engine.logout("shop").await.unwrap();
    eventually("one delivery", || !receiver.received().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.events(), ["LOGGED_OUT"]);
    assert!(!receiver.received()[0].headers.contains_key("authorization"));
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let flaky = Receiver::start(vec![500, 502], 200, None).await;
    let refusing = Receiver::start(vec![], 400, None).await;
    let down = Receiver::start(vec![], 503, None).await;
    let a = create_with_webhook(&engine, "a", &flaky.url).await;
    let b = create_with_webhook(&engine, "b", &refusing.url).await;
    let c = create_with_webhook(&engine, "c", &down.url).await;
    let sink = engine.session_sink();
    for id in [&a.id, &b.id, &c.id] {
        sink.qr_code(id, "code".into(), 1).await;
    }
    eventually("the flaky one delivered on the third try", || {
        flaky.received().len() == 3
    })
    .await;
    eventually("the down one tried max_attempts times", || {
        down.received().len() == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(refusing.received().len(), 1, "4xx is not retried");
    assert_eq!(down.received().len(), 4, "bounded tries");
    assert_eq!(flaky.received().len(), 3);
    let bodies: Vec<_> = flaky.received().into_iter().map(|r| r.body).collect();
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "a retry resends the same body"
    );
    assert!(outbox_rows(dir.path()).await.is_empty());
}

#[tokio::test]
async fn the_outbox_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(vec![503], 200, None).await;
    let mut slow_retry = config(dir.path());
    slow_retry.webhooks = WebhookTuning {
        base_backoff: Duration::from_secs(3600),
        max_backoff: Duration::from_secs(3600),
        ..slow_retry.webhooks
    };
    {
        let engine = Engine::open(slow_retry).await.unwrap();
        let instance = create_with_webhook(&engine, "shop", &receiver.url).await;
        engine
            .session_sink()
            .qr_code(&instance.id, "code".into(), 1)
            .await;
        eventually("first try", || receiver.received().len() == 1).await;
        for _ in 0..100 {
            if outbox_rows(dir.path()).await == [("QR_UPDATED".to_string(), 1)] {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            outbox_rows(dir.path()).await,
            [("QR_UPDATED".to_string(), 1)]
        );
        engine.shutdown().await;
    }
    let _engine = open(dir.path()).await;
    eventually("redelivered after the restart", || {
        receiver.received().len() == 2
    })
    .await;
    let received = receiver.received();
    assert_eq!(received[0].body, received[1].body);
    assert_outbox_drains(dir.path()).await;
}

#[tokio::test]
async fn removing_the_webhook_drops_what_was_queued() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(vec![503], 200, None).await;
    let mut slow_retry = config(dir.path());
    slow_retry.webhooks.base_backoff = Duration::from_secs(3600);
    slow_retry.webhooks.max_backoff = Duration::from_secs(3600);
    let engine = Engine::open(slow_retry).await.unwrap();
    let instance = create_with_webhook(&engine, "shop", &receiver.url).await;
    engine
        .session_sink()
        .qr_code(&instance.id, "code".into(), 1)
        .await;
    eventually("first try", || receiver.received().len() == 1).await;
    engine.set_webhook("shop", None).await.unwrap();
    assert!(outbox_rows(dir.path()).await.is_empty());
}
