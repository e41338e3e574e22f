//! How many heaps glibc's allocator keeps. By default it gives threads their own arena
//! (heap) as they contend, up to eight per core, and each arena keeps its freed memory
//! for itself. Switchboard's threads are many and mostly idle (the async runtime's
//! workers, SQLite's blocking work, the window toolkit's), so most arenas would hold
//! little but their own free lists: capped at two, the desktop app with 100 numbers
//! connected kept ~3 MB less on two cores, and the default grows with the core count.

/// Arenas glibc may create: its main heap and one more for threads that find it busy.
const MAX_ARENAS: i32 = 2;

/// Call first in `main`, before the process starts threads: arenas created before it
/// stay (the threads that use them keep them). A limit the environment sets
/// (`MALLOC_ARENA_MAX`, or `arena_max` in `GLIBC_TUNABLES`) is left as glibc read it.
pub fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() || tunables.contains("arena_max") {
            return;
        }
        // SAFETY: mallopt only sets an allocator parameter, under glibc's own lock. Its
        // answer is 0 only for a parameter glibc does not know, and every glibc since
        // 2.10 knows this one.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, MAX_ARENAS) };
    }
}
