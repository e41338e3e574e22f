//! What the engine's benchmarks share: percentiles of timings, and a second connection
//! to an engine's app database for seeding rows in bulk and timing floors.

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
