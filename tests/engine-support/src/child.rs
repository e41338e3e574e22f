//! Child processes, for what only another process can show: a crash in the middle of a
//! deletion, and a data folder that another process owns.
//!
//! A test binary that uses them declares
//! `#[test] fn child_process() { engine_support::child::serve() }`: the child is that
//! same binary, running only that test, told what to do through the environment.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

use switchboard_engine::actor::WaConfig;
use switchboard_engine::Engine;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::engine::patient_config;

/// The child's data folder; its absence means an ordinary test run.
const DIR: &str = "SWITCHBOARD_CHILD_DIR";
/// `delete:<instance name>` or `hold`.
const TASK: &str = "SWITCHBOARD_CHILD_TASK";
/// What a holding child prints once the engine is open.
const HOLDING: &str = "engine-support: holding the data folder";

/// The child's side. `delete:<name>` opens the engine (talking to SWITCHBOARD_WA_URL,
/// if set) and deletes `<name>`; the `crash-points` feature aborts the process at the
/// step named in SWITCHBOARD_CRASH_AT. `hold` opens the engine, says so on stdout and
/// keeps it open until the process is killed. Without the variables it does nothing.
pub fn serve() {
    let Ok(dir) = std::env::var(DIR) else {
        return;
    };
    let task = std::env::var(TASK).expect("the child's task");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut config = patient_config(Path::new(&dir));
        config.wa.server_url = WaConfig::server_url_from_env();
        let engine = Engine::open(config).await.expect("engine opens");
        match task.strip_prefix("delete:") {
            Some(name) => {
                if let Err(e) = engine.delete_instance(name).await {
                    eprintln!(
                        "the deletion failed before the crash point: {} ({e})",
                        e.code()
                    );
                }
            }
            None => {
                assert_eq!(task, "hold", "unknown child task");
                println!("{HOLDING}");
                std::future::pending::<()>().await;
            }
        }
    });
    // Reaching this line means the fail point was never hit.
    std::process::exit(3);
}

fn child_command(dir: &Path, task: &str) -> Command {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR, dir)
        .env(TASK, task);
    child
}

/// Deletes `name` in a child process that aborts at `step`, and checks that it did.
/// Async, so that this runtime keeps serving webhook receivers and wa-mock meanwhile.
pub async fn delete_in_crashing_child(dir: &Path, name: &str, step: &str, wa_url: Option<&str>) {
    let mut child = child_command(dir, &format!("delete:{name}"));
    child.env("SWITCHBOARD_CRASH_AT", step);
    match wa_url {
        Some(url) => child.env("SWITCHBOARD_WA_URL", url),
        None => child.env_remove("SWITCHBOARD_WA_URL"),
    };
    let status = child.status().await.unwrap();
    assert_eq!(
        status.signal(),
        Some(6),
        "{step}: the child aborted at the step ({status})"
    );
}

/// Another process with an engine open on a data folder.
pub struct Holder {
    child: Child,
}

impl Holder {
    /// Starts the process and returns once its engine has the folder.
    pub async fn start(dir: &Path) -> Holder {
        let mut child = child_command(dir, "hold")
            .env_remove("SWITCHBOARD_WA_URL")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            // The test harness starts the line with the test's name.
            if line.ends_with(HOLDING) {
                return Holder { child };
            }
        }
        panic!("the holding child ended before it opened the engine");
    }

    /// Kills the process with SIGKILL (no destructor, no shutdown) and waits for it.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        let status = self.child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9), "the child was killed ({status})");
    }
}
