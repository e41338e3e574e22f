//! Engine benchmarks: `cargo bench -p switchboard-engine --bench engine`.
//! Prints one table: p50/p95 of each operation against its target, and the instance
//! deletion beside its floor (rm -rf of the same tree + a plain SQL delete of the same
//! rows). Data is seeded with bulk SQL straight into the app database.

use std::path::Path;
use std::time::{Duration, Instant};

use engine_support::bench::{percentile, side_pool};
use sqlx::SqlitePool;
use switchboard_engine::model::CreateInstance;
use switchboard_engine::{Engine, EngineConfig};

const DELETE_RUNS: usize = 5;
const CHAT_RUNS: usize = 10;
const LIST_RUNS: usize = 50;
const OPEN_RUNS: usize = 10;

struct Row {
    what: String,
    runs: usize,
    p50: Duration,
    p95: Duration,
    target: Option<Duration>,
    note: String,
}

fn row(what: &str, mut samples: Vec<Duration>, target: Option<Duration>, note: String) -> Row {
    Row {
        what: what.to_string(),
        runs: samples.len(),
        p50: percentile(&mut samples, 0.5),
        p95: percentile(&mut samples, 0.95),
        target,
        note,
    }
}

/// `chats` chats of `messages` messages and `media` media files each (rows and files).
async fn seed_instance(
    pool: &SqlitePool,
    data_dir: &Path,
    id: &str,
    chats: usize,
    messages: usize,
    media: usize,
) {
    let mut tx = pool.begin().await.unwrap();
    for c in 0..chats {
        let jid = format!("55119{c:08}@s.whatsapp.net");
        sqlx::query(
            "INSERT INTO chats (instance_id, jid, name, last_message_at, message_count, media_files, media_bytes)
             VALUES (?, ?, 'bench', ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&jid)
        .bind(messages as i64)
        .bind(messages as i64)
        .bind(media as i64)
        .bind(media as i64 * 1024)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
             INSERT INTO messages (instance_id, chat_jid, id, from_me, timestamp, text, media_kind)
             SELECT ?, ?, 'MSG' || n, n % 2, n, 'benchmark message text', NULL FROM seq",
        )
        .bind(messages as i64)
        .bind(id)
        .bind(&jid)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
             INSERT INTO media (instance_id, chat_jid, message_id, path, bytes, mime)
             SELECT ?, ?, 'MSG' || n, 'media/' || ? || '/' || n || '.bin', 1024, 'image/jpeg' FROM seq",
        )
        .bind(media as i64)
        .bind(id)
        .bind(&jid)
        .bind(&jid)
        .execute(&mut *tx)
        .await
        .unwrap();
        let folder = data_dir.join("instances").join(id).join("media").join(&jid);
        std::fs::create_dir_all(&folder).unwrap();
        for n in 0..media {
            std::fs::write(folder.join(format!("{n}.bin")), [0u8; 1024]).unwrap();
        }
    }
    tx.commit().await.unwrap();
}

fn config(dir: &Path) -> EngineConfig {
    EngineConfig::new(dir)
}

async fn delete_instance_bench() -> (Row, Row) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(dir.path())).await.unwrap();
    let pool = side_pool(dir.path()).await;
    let (mut engine_times, mut floor_times) = (Vec::new(), Vec::new());
    for run in 0..DELETE_RUNS {
        let name = format!("big-{run}");
        let instance = engine
            .create_instance(CreateInstance {
                name: name.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        seed_instance(&pool, dir.path(), &instance.id, 10, 10_000, 1_000).await;
        let started = Instant::now();
        let report = engine.delete_instance(&name).await.unwrap();
        engine_times.push(started.elapsed());
        assert_eq!(report.removed.messages, 100_000);

        // The floor: the same rows and tree, removed the plainest way.
        let floor_id = format!("floor-{run}");
        sqlx::query(
            "INSERT INTO instances (id, name, name_key, token, webhook_secret, settings, state, created_at)
             VALUES (?, ?, ?, '', '', '{}', '{}', 0)",
        )
        .bind(&floor_id)
        .bind(&floor_id)
        .bind(&floor_id)
        .execute(&pool)
        .await
        .unwrap();
        seed_instance(&pool, dir.path(), &floor_id, 10, 10_000, 1_000).await;
        let folder = dir.path().join("instances").join(&floor_id);
        let started = Instant::now();
        std::fs::remove_dir_all(&folder).unwrap();
        let mut tx = pool.begin().await.unwrap();
        for table in ["media", "messages", "chats"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE instance_id = ?"
            )))
            .bind(&floor_id)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        sqlx::query("DELETE FROM instances WHERE id = ?")
            .bind(&floor_id)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        floor_times.push(started.elapsed());
    }
    engine.shutdown().await;
    let floor = row(
        "  floor: rm -rf + plain SQL delete",
        floor_times.clone(),
        None,
        String::new(),
    );
    let ratio = percentile(&mut engine_times.clone(), 0.5).as_secs_f64()
        / percentile(&mut floor_times, 0.5).as_secs_f64();
    let deletion = row(
        "delete instance (100k msgs, 10k media)",
        engine_times,
        Some(Duration::from_secs(1)),
        format!("{ratio:.2}x floor"),
    );
    (deletion, floor)
}

async fn delete_chat_bench() -> Row {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(dir.path())).await.unwrap();
    let pool = side_pool(dir.path()).await;
    let instance = engine
        .create_instance(CreateInstance {
            name: "chats".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let sink = engine.session_sink();
    let mut times = Vec::new();
    for _ in 0..CHAT_RUNS {
        seed_instance(&pool, dir.path(), &instance.id, 1, 10_000, 1_000).await;
        let started = Instant::now();
        // The local half of delete_chat (what follows WhatsApp's acknowledgement),
        // the same code a deletion made on the phone runs.
        sink.remote_chat_deleted(&instance.id, "5511900000000@s.whatsapp.net".into(), true)
            .await;
        times.push(started.elapsed());
    }
    let left = engine.list_chats("chats").await.unwrap();
    assert!(left.is_empty(), "each run deleted the chat");
    engine.shutdown().await;
    row(
        "delete chat (10k msgs, 1k media), local part",
        times,
        Some(Duration::from_millis(250)),
        String::new(),
    )
}

async fn thousand_instances_bench() -> (Row, Row) {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = Engine::open(config(dir.path())).await.unwrap();
        engine.shutdown().await;
    }
    let pool = side_pool(dir.path()).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < 1000)
         INSERT INTO instances (id, name, name_key, token, webhook_secret, settings, state, paired, created_at)
         SELECT 'id-' || n, 'shop-' || n, 'shop-' || n, hex(randomblob(32)), hex(randomblob(32)),
                '{}', '{\"state\":\"disconnected\",\"reason\":\"idle\",\"since\":0}', 1, n FROM seq",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    // 20 chats each, with counters as the sink keeps them.
    sqlx::query(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < 20)
         INSERT INTO chats (instance_id, jid, message_count, media_files, media_bytes)
         SELECT i.id, '5511' || seq.n || '@s.whatsapp.net', 500, 20, 20480 FROM instances i, seq",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
    for n in 0..1000 {
        std::fs::create_dir_all(dir.path().join("instances").join(format!("id-{n}/media")))
            .unwrap();
    }

    let mut open_times = Vec::new();
    for _ in 0..OPEN_RUNS {
        let started = Instant::now();
        let engine = Engine::open(config(dir.path())).await.unwrap();
        open_times.push(started.elapsed());
        engine.shutdown().await;
    }
    let engine = Engine::open(config(dir.path())).await.unwrap();
    let mut list_times = Vec::new();
    for _ in 0..LIST_RUNS {
        let started = Instant::now();
        let listed = engine.list_instances().await.unwrap();
        list_times.push(started.elapsed());
        assert_eq!(listed.len(), 1000);
        assert_eq!(listed[0].counts.messages, 20 * 500);
    }
    engine.shutdown().await;
    (
        row(
            "list 1,000 instances with counts",
            list_times,
            Some(Duration::from_millis(20)),
            String::new(),
        ),
        row(
            "open an engine holding 1,000 instances",
            open_times,
            Some(Duration::from_millis(500)),
            String::new(),
        ),
    )
}

fn print(rows: &[Row]) {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{:<46} {:>5} {:>11} {:>11} {:>11}  verdict",
        "benchmark", "runs", "p50", "p95", "target"
    );
    for r in rows {
        let verdict = match r.target {
            Some(target) if r.p50 <= target => "ok",
            Some(_) => "OVER",
            None => "",
        };
        println!(
            "{:<46} {:>5} {:>11} {:>11} {:>11}  {} {}",
            r.what,
            r.runs,
            ms(r.p50),
            ms(r.p95),
            r.target.map(ms).unwrap_or_default(),
            verdict,
            r.note
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (deletion, floor) = delete_instance_bench().await;
        let chat = delete_chat_bench().await;
        let (list, open) = thousand_instances_bench().await;
        print(&[deletion, floor, chat, list, open]);
    });
}
