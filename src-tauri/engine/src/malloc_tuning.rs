//! How glibc's allocator holds memory. Two of its defaults keep memory that Switchboard's
//! many mostly idle threads (the async runtime's, SQLite's blocking work, the window
//! toolkit's) and its bursts of work (linking numbers, history sync) never use again:
//! - an arena (heap) per thread as threads contend, up to eight per core, each keeping
//!   its freed memory for itself;
//! - a threshold for giving a large block a mapping of its own that rises to the size of
//!   any such block freed (up to 32 MiB), after which large buffers come from the heap
//!   and stay in it.
//!
//! With both set (two arenas, a fixed 128 KiB threshold) and the same threshold given to
//! WebKit's processes, the desktop app with 100 numbers connected kept ~6 MB less on two
//! cores; the arena default grows with the core count.

/// Arenas glibc may create: its main heap and one more for threads that find it busy.
const MAX_ARENAS: i32 = 2;

/// Blocks from this size up get a mapping of their own, returned to the system when freed
/// (glibc's starting threshold, kept from rising).
const MMAP_THRESHOLD_BYTES: i32 = 128 * 1024;

/// Call first in `main`, before the process starts threads (arenas created before it
/// stay) or child processes: the threshold also goes into this process's environment,
/// which glibc reads as a child starts (WebKit's processes, for the app). A setting the
/// environment already gives glibc (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, or the
/// same in `GLIBC_TUNABLES`) is left as glibc read it.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        let given = |variable: &str, tunable: &str| {
            std::env::var_os(variable).is_some() || tunables.contains(tunable)
        };
        // SAFETY (both calls): mallopt only sets an allocator parameter, under glibc's own
        // lock. It answers 0 only for a parameter glibc does not know, and every glibc
        // since 2.10 knows both.
        if !given("MALLOC_ARENA_MAX", "arena_max") {
            unsafe { libc::mallopt(libc::M_ARENA_MAX, MAX_ARENAS) };
        }
        if !given("MALLOC_MMAP_THRESHOLD_", "mmap_threshold") {
            unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) };
            std::env::set_var("MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD_BYTES.to_string());
        }
    }
}
