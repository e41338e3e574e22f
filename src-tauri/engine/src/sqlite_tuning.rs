//! Process-wide SQLite settings. Each connection gets a lookaside allocator by default
//! (48 KB reserved whether used or not), and the process holds one connection per
//! connected number besides the engine's own: with 100 numbers, ~5 MB kept for a speed-up
//! of small allocations that these mostly idle connections do not need.

use std::os::raw::c_int;
use std::sync::Once;

/// Turns the lookaside off for every connection opened afterwards. SQLite accepts this
/// only before its first connection in the process, which is why the engine calls it
/// first thing when it opens; called later, it changes nothing and says so in the log.
pub(crate) fn configure_once() {
    static CONFIGURE: Once = Once::new();
    CONFIGURE.call_once(|| {
        // Slot size and count, typed for the variadic call: no slots, no lookaside.
        let none: c_int = 0;
        // SAFETY: sqlite3_config must not run beside other SQLite calls. The engine opens
        // the process's first connection, just after this; a call after SQLite has
        // started is refused with SQLITE_MISUSE and changes nothing.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_LOOKASIDE, none, none)
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(rc, "SQLite was already in use; its lookaside stays on");
        }
    });
}
