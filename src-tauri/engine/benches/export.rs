//! Exporting a whole instance: `cargo bench -p switchboard-engine --bench export`.
//! 100,000 messages in 10 chats and 10,000 media files of 16 KiB; the export's time
//! beside its floor (a plain copy of the same files plus a JSON dump of the same rows),
//! as a ratio against the 1.5x target (each the best of three rounds), and the export's
//! peak memory (the rise of the process's resident set while it runs), at a tenth of the
//! size too, to show it flat.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use engine_support::bench::side_pool;
use sqlx::{Row, SqlitePool};
use switchboard_engine::export::ExportRequest;
use switchboard_engine::model::CreateInstance;
use switchboard_engine::{Engine, EngineConfig};

const CHATS: i64 = 10;
const FILE_BYTES: usize = 16 * 1024;
const TARGET: f64 = 1.5;
const ROUNDS: usize = 3;

/// `messages` messages spread over `CHATS` chats, every tenth with a file on disk.
async fn seed(pool: &SqlitePool, id: &str, instance_dir: &Path, messages: i64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
         INSERT INTO chats (instance_id, jid, name, message_count)
         SELECT ?, '55119000' || printf('%05d', n) || '@s.whatsapp.net', 'Customer ' || n, ?
         FROM seq",
    )
    .bind(CHATS)
    .bind(id)
    .bind(messages / CHATS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
         INSERT INTO messages (instance_id, chat_jid, id, from_me, timestamp, text, kind)
         SELECT ?, '55119000' || printf('%05d', n % ?) || '@s.whatsapp.net', 'MSG' || n,
                n % 2, 1700000000000 + n * 1000, 'benchmark message text number ' || n,
                CASE WHEN n % 10 = 0 THEN 'image' ELSE 'text' END FROM seq",
    )
    .bind(messages)
    .bind(id)
    .bind(CHATS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO media (instance_id, chat_jid, message_id, path, bytes, mime)
         SELECT instance_id, chat_jid, id, 'media/' || chat_jid || '/' || id || '.jpg', ?,
                'image/jpeg'
         FROM messages WHERE instance_id = ? AND kind = 'image'",
    )
    .bind(FILE_BYTES as i64)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    let paths: Vec<String> = sqlx::query_scalar("SELECT path FROM media WHERE instance_id = ?")
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let content: Vec<u8> = (0..FILE_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    for relative in paths {
        let path = instance_dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &content).unwrap();
    }
}

/// The plainest way to keep the same data: copy every file, dump every row as JSON.
async fn floor(pool: &SqlitePool, id: &str, instance_dir: &Path, out: &Path) -> Duration {
    let started = Instant::now();
    let rows = sqlx::query(
        "SELECT chat_jid, id, from_me, timestamp, text, kind FROM messages WHERE instance_id = ?",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut dump = std::io::BufWriter::new(std::fs::File::create(out.join("rows.json")).unwrap());
    for row in rows {
        let value = serde_json::json!({
            "chat_jid": row.get::<String, _>("chat_jid"),
            "id": row.get::<String, _>("id"),
            "from_me": row.get::<bool, _>("from_me"),
            "timestamp": row.get::<i64, _>("timestamp"),
            "text": row.get::<Option<String>, _>("text"),
            "kind": row.get::<String, _>("kind"),
        });
        serde_json::to_writer(&mut dump, &value).unwrap();
        dump.write_all(b"\n").unwrap();
    }
    drop(dump);
    let paths: Vec<String> = sqlx::query_scalar("SELECT path FROM media WHERE instance_id = ?")
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap();
    for (n, relative) in paths.iter().enumerate() {
        std::fs::copy(instance_dir.join(relative), out.join(format!("{n}.jpg"))).unwrap();
    }
    started.elapsed()
}

/// The process's resident set, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs the export while sampling the resident set; answers its time and peak rise.
async fn timed_export(engine: &Engine, destination: &Path) -> (Duration, u64) {
    let baseline = resident_kib();
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = std::thread::spawn({
        let sampling = sampling.clone();
        move || {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(resident_kib());
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        }
    });
    let started = Instant::now();
    engine
        .export(
            "bench",
            ExportRequest {
                export_id: "bench".into(),
                destination: destination.display().to_string(),
                chat: None,
                language: None,
            },
        )
        .await
        .unwrap();
    let took = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    (took, peak.saturating_sub(baseline))
}

async fn run(messages: i64) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path())).await.unwrap();
    let instance = engine
        .create_instance(CreateInstance {
            name: "bench".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let instance_dir = dir.path().join("instances").join(&instance.id);
    let pool = side_pool(dir.path()).await;
    seed(&pool, &instance.id, &instance_dir, messages).await;

    // The best of a few rounds of each, taken in turns: a file system's time to create
    // files swings widely from one run to the next, and the floor creates thousands.
    let mut floor_time = Duration::MAX;
    let mut export_time = Duration::MAX;
    let mut peak_kib = 0;
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("bench.zip");
    for round in 0..ROUNDS {
        let floor_dir = out.path().join(format!("floor-{round}"));
        std::fs::create_dir(&floor_dir).unwrap();
        floor_time = floor_time.min(floor(&pool, &instance.id, &instance_dir, &floor_dir).await);
        std::fs::remove_dir_all(&floor_dir).unwrap();
        let (took, peak) = timed_export(&engine, &zip).await;
        export_time = export_time.min(took);
        peak_kib = peak_kib.max(peak);
    }
    let ratio = export_time.as_secs_f64() / floor_time.as_secs_f64();
    println!(
        "| {messages:>8} | {:>6} | {:>9.0} | {:>8.0} | {:>5.2}x | {TARGET:>4.1}x | {:>7.1} | {:>8.1} | {} |",
        messages / 10,
        export_time.as_secs_f64() * 1e3,
        floor_time.as_secs_f64() * 1e3,
        ratio,
        std::fs::metadata(&zip).unwrap().len() as f64 / 1_048_576.0,
        peak_kib as f64 / 1024.0,
        if ratio <= TARGET { "ok" } else { "OVER" },
    );
    engine.shutdown().await;
}

#[tokio::main]
async fn main() {
    println!("| messages | media  | export ms | floor ms | ratio  | target | zip MiB | peak MiB | verdict |");
    println!("|----------|--------|-----------|----------|--------|--------|---------|----------|---------|");
    run(10_000).await;
    run(100_000).await;
}
