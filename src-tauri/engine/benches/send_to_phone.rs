//! Sending texts to a contact's phone:
//! `cargo bench -p switchboard-engine --bench send_to_phone`.
//! One engine linked to wa-mock (the real WhatsApp client on loopback) sends 200 texts
//! to a contact, one after the other; the contact's phone decrypts each and sends its
//! delivery receipt. Prints the messages per second from the first send to the last
//! receipt, and p50/p99 from each send to the engine's event for its receipt.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use engine_support::bench::percentile;
use engine_support::{linked_engine, LinkedEngine};
use switchboard_engine::conversation::{Delivery, SendText};
use switchboard_engine::model::Settings;
use switchboard_engine::EngineEvent;

const TEXTS: usize = 200;
const CONTACT: &str = "5511955554444";
const LIMIT: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() {
    let LinkedEngine {
        mock,
        dir: _dir,
        engine,
        ..
    } = linked_engine(Settings::default(), "5511911112222").await;
    let send = |text: String| {
        engine.send_text(
            "shop",
            SendText {
                chat: CONTACT.into(),
                text,
                quote: None,
            },
        )
    };
    // The first text starts the Signal session with the contact; it is not timed.
    let mut events = engine.subscribe();
    let first = send("hello".into()).await.expect("the first text is sent");
    engine_support::next_event(&mut events, "the first receipt", LIMIT, |e| match e {
        EngineEvent::MessageDelivery {
            message_ids,
            delivery: Delivery::Delivered,
            ..
        } if message_ids == [first.id.clone()] => Some(()),
        _ => None,
    })
    .await;

    let receipts = tokio::spawn(async move {
        let mut delivered = HashMap::new();
        while delivered.len() < TEXTS {
            match events.recv().await {
                Ok(EngineEvent::MessageDelivery {
                    message_ids,
                    delivery: Delivery::Delivered,
                    ..
                }) => {
                    let now = Instant::now();
                    for id in message_ids {
                        delivered.entry(id).or_insert(now);
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("engine events stopped: {e}"),
            }
        }
        delivered
    });
    let started = Instant::now();
    let mut sent_at = HashMap::with_capacity(TEXTS);
    for n in 0..TEXTS {
        let at = Instant::now();
        let message = send(format!("text {n}")).await.expect("the text is sent");
        sent_at.insert(message.id, at);
    }
    let delivered = tokio::time::timeout(LIMIT, receipts)
        .await
        .unwrap_or_else(|_| panic!("not all {TEXTS} receipts came within {LIMIT:?}"))
        .unwrap();
    let last = delivered.values().max().copied().unwrap();
    let mut latencies: Vec<Duration> = sent_at
        .iter()
        .map(|(id, at)| {
            delivered
                .get(id)
                .expect("every text has its receipt")
                .duration_since(*at)
        })
        .collect();
    let phone = mock.phone_received(CONTACT).unwrap();
    assert_eq!(phone.len(), TEXTS + 1, "the phone read every text");
    assert!(phone.iter().all(|m| m.error.is_none()));

    let total = last.duration_since(started);
    println!("| {TEXTS} texts to a phone on wa-mock | value    |");
    println!("|---------------------------------|----------|");
    println!(
        "| messages per second             | {:>8.1} |",
        TEXTS as f64 / total.as_secs_f64()
    );
    for (what, p) in [
        ("p50 send to receipt, ms", 0.50),
        ("p99 send to receipt, ms", 0.99),
    ] {
        println!(
            "| {what:<31} | {:>8.2} |",
            percentile(&mut latencies, p).as_secs_f64() * 1e3
        );
    }
    engine.shutdown().await;
}
