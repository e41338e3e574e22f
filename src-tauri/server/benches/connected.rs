//! `cargo bench -p switchboard-server --bench connected`: the release server links 200
//! instances to wa-mock through its API (QR codes scanned by wa-mock's phones) and prints
//! its resident memory, in total and per connected instance (target <= 2 MiB each), then
//! restarts and prints the time until all 200 are connected again (target <= 10 s).

mod common;

use std::time::{Duration, Instant};

use wa_mock::{MockOptions, PhoneProfile, WaMock};

const INSTANCES: usize = 200;
const TARGET_PER_INSTANCE: u64 = 2 * 1024 * 1024;
const TARGET_RECONNECT: Duration = Duration::from_secs(10);
const PATIENCE: Duration = Duration::from_secs(600);

fn name(i: usize) -> String {
    format!("bench-{i:03}")
}

/// The server's resident memory, from /proc.
fn resident_bytes(server: &common::Running) -> u64 {
    let pid = server.child.id().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// `GET {path}` with the account token, as JSON.
async fn get(client: &reqwest::Client, server: &common::Running, path: &str) -> serde_json::Value {
    client
        .get(format!("{}{path}", server.base))
        .header("token", &server.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn connected_count(client: &reqwest::Client, server: &common::Running) -> usize {
    get(client, server, "/api/instance/list").await["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "connected")
        .count()
}

async fn wait_all_connected(client: &reqwest::Client, server: &common::Running) -> Duration {
    let started = Instant::now();
    while connected_count(client, server).await < INSTANCES {
        assert!(started.elapsed() < PATIENCE, "not all instances connected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

/// Creates and links every instance: connect answers a QR code, a phone scans it.
async fn link_all(client: &reqwest::Client, server: &common::Running, mock: &WaMock) {
    for i in 0..INSTANCES {
        let base = &server.base;
        let created = client
            .post(format!("{base}/api/instance/new"))
            .header("token", &server.token)
            .json(&serde_json::json!({ "name": name(i) }))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success());
        let qr = get(
            client,
            server,
            &format!("/api/instance/connect/{}", name(i)),
        )
        .await;
        let phone = PhoneProfile {
            phone: format!("55119{i:08}"),
            name: name(i),
            business: None,
        };
        mock.scan(qr["qrCode"].as_str().expect("a QR code"), &phone)
            .unwrap();
    }
}

#[tokio::main]
async fn main() {
    let options = MockOptions {
        qr_first_ttl: Duration::from_secs(600),
        ..MockOptions::default()
    };
    let mock = WaMock::start_with(options, "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wa = [("SWITCHBOARD_WA_URL", mock.ws_url())];
    let client = reqwest::Client::new();

    let server = common::start(dir.path(), &wa).await;
    let idle = resident_bytes(&server);
    link_all(&client, &server, &mock).await;
    wait_all_connected(&client, &server).await;
    // Let history sync and the first app-state settle before measuring.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let connected = resident_bytes(&server);
    server.stop().await;

    let restarted = Instant::now();
    let again = common::start(dir.path(), &wa).await;
    wait_all_connected(&client, &again).await;
    let back = restarted.elapsed();
    again.stop().await;

    let per_instance = connected.saturating_sub(idle) / INSTANCES as u64;
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!("\nswitchboard-server with {INSTANCES} instances connected to wa-mock\n");
    println!("{:<40} {:>12} {:>16}", "measure", "value", "target");
    println!(
        "{:<40} {:>12} {:>16}",
        "resident memory, idle",
        mib(idle),
        ""
    );
    println!(
        "{:<40} {:>12} {:>16}",
        "resident memory, all connected",
        mib(connected),
        ""
    );
    println!(
        "{:<40} {:>12} {:>16}",
        "added per connected instance",
        mib(per_instance),
        format!(
            "{} {}",
            verdict(per_instance <= TARGET_PER_INSTANCE),
            mib(TARGET_PER_INSTANCE)
        )
    );
    println!(
        "{:<40} {:>12} {:>16}",
        "restart until all connected again",
        common::ms(back),
        format!(
            "{} {} s",
            verdict(back <= TARGET_RECONNECT),
            TARGET_RECONNECT.as_secs()
        )
    );
}
