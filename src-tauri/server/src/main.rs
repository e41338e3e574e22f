//! `switchboard-server`: see the library for what it does.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    switchboard_engine::malloc_tuning::tune_malloc();
    switchboard_engine::error_backtraces::keep_error_backtraces_off();
    let flags = switchboard_server::Flags::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("switchboard-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(switchboard_server::run(flags)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}
