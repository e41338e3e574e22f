//! What the engine's benchmarks share: percentiles of timings, a second connection to an
//! engine's app database for seeding rows in bulk and timing floors, and one long chat.

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;

/// The `p` percentile (0.0 to 1.0) of the samples, nearest rank.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

/// A pool on the engine's own database file beside the engine's pool.
pub async fn side_pool(data_dir: &Path) -> SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(data_dir.join("switchboard.db"))
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30));
    SqlitePool::connect_with(options).await.unwrap()
}

/// Seeds one chat of `messages` messages into an instance: message `n` at time `n` with
/// the text `message n`, alternately incoming and outgoing, every tenth an image with a
/// file row (whose file is not on disk).
pub async fn seed_long_chat(pool: &SqlitePool, instance_id: &str, chat: &str, messages: i64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO chats (instance_id, jid, message_count, last_message_at) VALUES (?, ?, ?, ?)",
    )
    .bind(instance_id)
    .bind(chat)
    .bind(messages)
    .bind(messages - 1)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
         INSERT INTO messages (instance_id, chat_jid, id, from_me, timestamp, text, kind)
         SELECT ?, ?, 'MSG' || n, n % 2, n, 'message ' || n,
                CASE WHEN n % 10 = 0 THEN 'image' ELSE 'text' END FROM seq",
    )
    .bind(messages)
    .bind(instance_id)
    .bind(chat)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO media (instance_id, chat_jid, message_id, path, bytes, mime)
         SELECT instance_id, chat_jid, id, 'media/x/' || id || '.jpg', 1024, 'image/jpeg'
         FROM messages WHERE instance_id = ? AND chat_jid = ? AND kind = 'image'",
    )
    .bind(instance_id)
    .bind(chat)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
