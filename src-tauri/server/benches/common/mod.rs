//! What both API benchmarks share: the server process, and durations in words.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A release `switchboard-server` with limits high enough to be measured, not limited.
pub struct Running {
    pub child: Child,
    pub base: String,
    pub token: String,
}

pub async fn start(data_dir: &Path, env: &[(&str, String)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard-server"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--requests-per-minute",
            "100000000",
        ])
        .args([
            "--deletes-per-minute",
            "100000",
            "--deletes-per-hour",
            "100000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the server starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("the server announces itself");
    let announced: serde_json::Value = serde_json::from_str(&first).unwrap();
    let api = announced["api_url"].as_str().unwrap();
    Running {
        base: api.trim_end_matches("/api").to_string(),
        token: std::fs::read_to_string(data_dir.join("api-token")).unwrap(),
        child,
    }
}

impl Running {
    /// Stops it with SIGTERM, as a supervisor would.
    pub async fn stop(mut self) {
        let pid = self.child.id().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        self.child.wait().await.unwrap();
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
