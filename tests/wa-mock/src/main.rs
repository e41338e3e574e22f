//! `wa-mock --listen 127.0.0.1:0`: prints one JSON line with the URLs, then serves.

use std::time::Duration;

use wa_mock::{MockOptions, WaMock};

const USAGE: &str = "usage: wa-mock [--listen 127.0.0.1:PORT] [--qr-first-secs N] [--qr-next-secs N] [--qr-refs N]";

fn parse_args() -> Result<(String, MockOptions), String> {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut options = MockOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let secs = |v: String| {
            v.parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|e| format!("{v:?}: {e}"))
        };
        match flag.as_str() {
            "--listen" => listen = value()?,
            "--qr-first-secs" => options.qr_first_ttl = secs(value()?)?,
            "--qr-next-secs" => options.qr_next_ttl = secs(value()?)?,
            "--qr-refs" => {
                options.qr_refs = value()?.parse().map_err(|e| format!("--qr-refs: {e}"))?
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok((listen, options))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "wa_mock=info".into()),
        )
        .init();
    let (listen, options) = match parse_args() {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            return std::process::ExitCode::from(2);
        }
    };
    let mock = match WaMock::start_with(options, &listen).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("wa-mock: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "{}",
        serde_json::json!({"ws_url": mock.ws_url(), "admin_url": mock.admin_url()})
    );
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler: serve until the process is killed.
        std::future::pending::<()>().await;
    }
    std::process::ExitCode::SUCCESS
}
