//! Conversation paging: `cargo bench -p switchboard-engine --bench history`.
//! A chat of 100,000 messages; p50/p95 of a page of 50 through the engine, at the
//! newest messages and at the oldest (the last page), each beside its floor (a bare
//! indexed SELECT of the same 50 rows) and the 5 ms target.

use std::time::{Duration, Instant};

use engine_support::bench::{percentile, seed_long_chat, side_pool};
use sqlx::SqlitePool;
use switchboard_engine::model::CreateInstance;
use switchboard_engine::{Engine, EngineConfig};

const MESSAGES: i64 = 100_000;
const PAGE: u32 = 50;
const RUNS: usize = 200;
const TARGET: Duration = Duration::from_millis(5);
const CHAT: &str = "5511900000001@s.whatsapp.net";

async fn engine_page(engine: &Engine, before: Option<&str>) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = engine
            .chat_messages("bench", CHAT, before, Some(PAGE))
            .await
            .unwrap();
        times.push(started.elapsed());
        assert_eq!(page.messages.len(), PAGE as usize);
    }
    times
}

/// The plainest read of the same rows: one indexed range, no join, no mapping.
async fn floor_page(pool: &SqlitePool, id: &str, below: i64) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, timestamp, text FROM messages
             WHERE instance_id = ? AND chat_jid = ? AND timestamp < ?
             ORDER BY timestamp DESC LIMIT ?",
        )
        .bind(id)
        .bind(CHAT)
        .bind(below)
        .bind(i64::from(PAGE))
        .fetch_all(pool)
        .await
        .unwrap();
        times.push(started.elapsed());
        assert_eq!(rows.len(), PAGE as usize);
    }
    times
}

fn print_row(what: &str, mut engine: Vec<Duration>, mut floor: Vec<Duration>) {
    let p50 = percentile(&mut engine, 0.5);
    let p95 = percentile(&mut engine, 0.95);
    let floor50 = percentile(&mut floor, 0.5);
    println!(
        "| {what:<34} | {RUNS:>4} | {:>8.3} | {:>8.3} | {:>6.1} | {:>8.3} | {:>5.2}x | {} |",
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        TARGET.as_secs_f64() * 1e3,
        floor50.as_secs_f64() * 1e3,
        p50.as_secs_f64() / floor50.as_secs_f64(),
        if p50 <= TARGET { "ok" } else { "OVER" },
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path())).await.unwrap();
    let instance = engine
        .create_instance(CreateInstance {
            name: "bench".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let pool = side_pool(dir.path()).await;
    seed_long_chat(&pool, &instance.id, CHAT, MESSAGES).await;

    println!("| page of {PAGE} from a chat of {MESSAGES} | runs | p50 ms   | p95 ms   | target | floor ms | ratio  | verdict |");
    println!("|------------------------------------|------|----------|----------|--------|----------|--------|---------|");
    let first = engine_page(&engine, None).await;
    print_row(
        "first page (newest)",
        first,
        floor_page(&pool, &instance.id, MESSAGES).await,
    );
    // The page before the oldest 50: the cursor of message 50.
    let last_cursor = format!("{PAGE}:MSG{PAGE}");
    let last = engine_page(&engine, Some(&last_cursor)).await;
    print_row(
        "last page (oldest)",
        last,
        floor_page(&pool, &instance.id, i64::from(PAGE)).await,
    );
    engine.shutdown().await;
}
