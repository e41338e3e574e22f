//! The session store on disk: whatsapp-rust's SQLite store of an instance's keys,
//! opened with the engine's file modes and read without any network.

use std::path::Path;

use diesel::connection::{CacheSize, Connection};
use whatsapp_rust::prelude::*;
use whatsapp_rust::store::traits::DeviceStore;
use whatsapp_rust::store::SqliteStoreConfig;

use crate::error::{Error, Result};

/// Whether the store holds a linked device (keys and a phone identity), read without
/// any network and without creating the file.
pub(crate) async fn has_stored_session(session_db: &Path) -> Result<bool> {
    if !is_sqlite_file(session_db).await? {
        return Ok(false);
    }
    let store = open_store(session_db).await?;
    let device = store
        .load()
        .await
        .map_err(|e| Error::storage(format!("reading the session store failed: {e}")))?;
    Ok(device.is_some_and(|d| d.pn.is_some()))
}

/// Whether the file exists and starts with SQLite's header. Anything else holds no
/// session, and is not handed to the store (whose pool would wait 30 s on it).
async fn is_sqlite_file(path: &Path) -> Result<bool> {
    use tokio::io::AsyncReadExt;
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let mut header = [0u8; 16];
    match file.read_exact(&mut header).await {
        Ok(_) => Ok(&header == MAGIC),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn open_store(session_db: &Path) -> Result<SqliteStore> {
    prepare_store_file(session_db)?;
    let url = session_db
        .to_str()
        .ok_or_else(|| Error::io(format!("{} is not valid UTF-8", session_db.display())))?;
    SqliteStore::with_config(url, store_config())
        .await
        .map_err(|e| Error::storage(format!("opening the session store failed: {e}")))
}

/// The crate's defaults suit one session in a process; Switchboard keeps one store open
/// per connected number, each on its own connection. With 100 numbers linked, its 512 KiB
/// page cache held ~35 MB (the whole store, read back while linking) and the prepared
/// statements kept per connection ~6 MB more. Pages the small cache misses come back from
/// the operating system's file cache, and statements are prepared again for each use:
/// sending to a phone on wa-mock kept its p50 of ~2.5 ms from send to receipt with and
/// without them (the send_to_phone bench; its spread between runs exceeds any difference).
fn store_config() -> SqliteStoreConfig {
    SqliteStoreConfig {
        cache_size_kib: 16,
        ..SqliteStoreConfig::default()
    }
    .with_connection_init(|connection| {
        connection.set_prepared_statement_cache_size(CacheSize::Disabled);
        Ok(())
    })
}

/// Creates the instance folder (0700) and an empty store file (0600) before SQLite
/// does: SQLite gives its -wal and -shm files the database file's permissions.
fn prepare_store_file(session_db: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = session_db.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(session_db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_absent_store_holds_no_session_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("session.db");
        assert!(!has_stored_session(&db).await.unwrap());
        assert!(!db.exists());
    }

    #[tokio::test]
    async fn a_fresh_store_holds_no_session() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("instance").join("session.db");
        drop(open_store(&db).await.unwrap());
        assert!(db.exists());
        assert!(!has_stored_session(&db).await.unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(db.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
}
