//! Backtraces of errors, as opposed to panics. With `RUST_BACKTRACE=1` in the environment,
//! every `anyhow` error the WhatsApp client makes captures a backtrace, and the first one
//! it logs makes the standard library read and keep the symbols of the binary and its
//! libraries for the rest of the process's life: ~35 MB more for the desktop app with 100
//! numbers connected, from one dropped connection's error. Panics keep their backtraces.

/// Call first in `main`, before the process starts threads (it sets a variable of this
/// process's environment). `RUST_LIB_BACKTRACE` in the environment takes precedence.
pub fn keep_error_backtraces_off() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
}
