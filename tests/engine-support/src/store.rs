//! What the data folder holds, read from outside the engine.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A connection pool of its own to the app database in `data_dir`, behind the engine's
/// back.
pub async fn app_db(data_dir: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        data_dir.join("switchboard.db").display()
    ))
    .await
    .unwrap()
}

/// Rows anywhere in the app database that belong to `id`, table by table.
pub async fn rows_of(data_dir: &Path, id: &str) -> HashMap<&'static str, i64> {
    let pool = app_db(data_dir).await;
    let mut counts = HashMap::new();
    for (table, column) in [
        ("instances", "id"),
        ("webhooks", "instance_id"),
        ("chats", "instance_id"),
        ("messages", "instance_id"),
        ("media", "instance_id"),
        ("webhook_outbox", "instance_id"),
        ("deletions", "instance_id"),
        ("s3_configs", "instance_id"),
        ("s3_uploads", "instance_id"),
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} = ?"
        )))
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        counts.insert(table, n);
    }
    pool.close().await;
    counts
}

pub async fn assert_no_rows(data_dir: &Path, id: &str) {
    let rows = rows_of(data_dir, id).await;
    assert!(rows.values().all(|n| *n == 0), "rows left: {rows:?}");
}

pub fn trash_is_empty(data_dir: &Path) -> bool {
    std::fs::read_dir(data_dir.join("trash"))
        .unwrap()
        .next()
        .is_none()
}

pub fn instance_dir(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("instances").join(id)
}

/// The instance keeps no media file (its media folder is absent or empty).
pub fn media_is_empty(data_dir: &Path, id: &str) -> bool {
    let media = instance_dir(data_dir, id).join("media");
    !media.exists() || std::fs::read_dir(&media).unwrap().next().is_none()
}

/// Every file under `dir`, at any depth; none when it does not exist.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// One entry of a folder as `snapshot` saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub modified: SystemTime,
    /// A file's bytes; `None` for a folder.
    pub bytes: Option<Vec<u8>>,
}

/// Everything under `dir` (the database files included, byte for byte, but not SQLite's
/// shared-memory index), by relative path: two equal snapshots mean nothing in the
/// folder was touched in between.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Seen> {
    fn walk(root: &Path, dir: &Path, seen: &mut BTreeMap<PathBuf, Seen>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            // SQLite's shared-memory index changes whenever anyone reads the database.
            if path.to_string_lossy().ends_with("-shm") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let bytes = meta.is_file().then(|| std::fs::read(&path).unwrap());
            seen.insert(
                path.strip_prefix(root).unwrap().to_path_buf(),
                Seen {
                    modified: meta.modified().unwrap(),
                    bytes,
                },
            );
            if meta.is_dir() {
                walk(root, &path, seen);
            }
        }
    }
    let mut seen = BTreeMap::new();
    walk(dir, dir, &mut seen);
    seen
}
