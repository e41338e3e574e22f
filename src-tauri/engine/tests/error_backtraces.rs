//! Error backtraces stay off even when panics ask for theirs. A test binary of its own:
//! the standard library reads the setting once per process.

#[test]
fn errors_capture_no_backtrace_while_panics_still_would() {
    std::env::set_var("RUST_BACKTRACE", "1");
    std::env::remove_var("RUST_LIB_BACKTRACE");
    switchboard_engine::error_backtraces::keep_error_backtraces_off();
    let error = anyhow::anyhow!("the connection dropped");
    assert_eq!(
        error.backtrace().status(),
        std::backtrace::BacktraceStatus::Disabled
    );
    assert_eq!(std::env::var("RUST_BACKTRACE").as_deref(), Ok("1"));
}
