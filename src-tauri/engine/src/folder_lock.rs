//! One engine owns a data folder at a time: an exclusive OS lock on a file inside it,
//! taken before anything else in the folder is read or changed. The OS drops the lock
//! when the process ends, however it ends, so a crash never leaves the folder locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

use crate::error::{Error, Result};
use crate::paths::Paths;

/// Held while the engine owns the folder; dropping it gives the folder up.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

impl FolderLock {
    /// Takes the folder, creating it and its lock file when missing (neither changes
    /// anything an owner relies on). Another owner, in this process or another, makes
    /// it answer `data_folder_in_use`.
    pub fn acquire(paths: &Paths) -> Result<FolderLock> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&paths.root)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&paths.lock)?;
        match file.try_lock() {
            Ok(()) => Ok(FolderLock { _file: file }),
            Err(TryLockError::WouldBlock) => {
                Err(Error::DataFolderInUse(paths.root.display().to_string()))
            }
            Err(TryLockError::Error(e)) => Err(e.into()),
        }
    }
}
