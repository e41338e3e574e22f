//! Fail points for the crash-safety tests: with the `crash-points` feature, the process
//! aborts (no destructors, no flush, like a kill) when it reaches the step named by
//! `SWITCHBOARD_CRASH_AT`. Without the feature every point compiles to nothing.

#[cfg(feature = "crash-points")]
pub fn point(step: &str) {
    if std::env::var("SWITCHBOARD_CRASH_AT").as_deref() == Ok(step) {
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub fn point(_step: &str) {}
