//! The exports under way, by the id their caller chose, each with the flag that
//! cancels it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

const ID_MAX: usize = 64;

/// The id as given, when it is 1 to 64 letters, digits, `-` or `_`.
pub(super) fn valid_id(id: &str) -> Result<String> {
    let fits = (1..=ID_MAX).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fits {
        Ok(id.to_string())
    } else {
        Err(Error::InvalidExportId(format!(
            "'{}' is not an export id (1 to {ID_MAX} letters, digits, '-' or '_')",
            id.escape_debug()
        )))
    }
}

#[derive(Default)]
pub(crate) struct RunningExports(Mutex<HashMap<String, Arc<AtomicBool>>>);

impl RunningExports {
    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AtomicBool>>> {
        // Holders only insert and remove: a poisoned table is still consistent.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers an export; refused while another one runs under the same id.
    pub(super) fn start(self: &Arc<Self>, id: &str) -> Result<Running> {
        let mut table = self.table();
        if table.contains_key(id) {
            return Err(Error::InvalidExportId(format!(
                "an export with id '{id}' is already running"
            )));
        }
        let flag = Arc::new(AtomicBool::new(false));
        table.insert(id.to_string(), flag.clone());
        Ok(Running {
            exports: self.clone(),
            id: id.to_string(),
            flag,
        })
    }

    pub(super) fn cancel(&self, id: &str) -> Result<()> {
        match self.table().get(id) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                Ok(())
            }
            None => Err(Error::ExportNotFound(format!(
                "no export with id '{}' is running",
                id.escape_debug()
            ))),
        }
    }
}

/// One export's registration: cancels the export and frees its id when dropped.
pub(super) struct Running {
    exports: Arc<RunningExports>,
    id: String,
    flag: Arc<AtomicBool>,
}

impl Running {
    /// Raised when the export is to stop.
    pub(super) fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.flag.store(true, Ordering::SeqCst);
        self.exports.table().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn ids_are_short_plain_words() {
        for good in ["a", "3f2a-9b_c", &"x".repeat(ID_MAX)] {
            assert_eq!(valid_id(good).unwrap(), good);
        }
        for bad in ["", "a b", "../x", "é", &"x".repeat(ID_MAX + 1)] {
            assert_eq!(
                valid_id(bad).unwrap_err().code(),
                ErrorCode::InvalidExportId
            );
        }
    }

    #[test]
    fn an_id_runs_once_and_a_cancel_reaches_its_flag() {
        let exports = Arc::new(RunningExports::default());
        let running = exports.start("one").unwrap();
        assert_eq!(
            exports.start("one").err().map(|e| e.code()),
            Some(ErrorCode::InvalidExportId)
        );
        let flag = running.flag();
        assert!(!flag.load(Ordering::SeqCst));
        exports.cancel("one").unwrap();
        assert!(flag.load(Ordering::SeqCst));
        drop(running);
        assert_eq!(
            exports.cancel("one").unwrap_err().code(),
            ErrorCode::ExportNotFound
        );
        // A finished export frees its id.
        exports.start("one").unwrap();
    }
}
