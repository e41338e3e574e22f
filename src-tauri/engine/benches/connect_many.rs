//! Many numbers linked at once: `cargo bench -p switchboard-engine --bench connect_many`.
//! 50 instances of one engine link by QR against wa-mock (the real WhatsApp client on
//! loopback) at the same time. Prints the time until all are connected and the resident
//! memory each connected instance adds to the process (target <= 3 MiB).

use std::time::{Duration, Instant};

use switchboard_engine::model::{CreateInstance, InstanceState};
use switchboard_engine::{Engine, EngineConfig, EngineEvent};
use wa_mock::{PhoneProfile, WaMock};

const INSTANCES: usize = 50;
const TARGET_MIB_PER_INSTANCE: f64 = 3.0;
const LIMIT: Duration = Duration::from_secs(300);

/// Resident set size of this process, from the kernel's own accounting.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs is mounted");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmRSS is reported");
    kib * 1024
}

#[tokio::main]
async fn main() {
    let mock = WaMock::start().await.expect("wa-mock starts");
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path());
    config.wa.server_url = Some(mock.ws_url());
    let engine = Engine::open(config).await.unwrap();
    let mut ids = Vec::with_capacity(INSTANCES);
    for n in 0..INSTANCES {
        let instance = engine
            .create_instance(CreateInstance {
                name: format!("number-{n}"),
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(instance.id);
    }
    let before = rss_bytes();

    let mut events = engine.subscribe();
    let started = Instant::now();
    for n in 0..INSTANCES {
        engine.connect_qr(&format!("number-{n}")).await.unwrap();
    }
    let mut scanned = std::collections::HashSet::new();
    let mut connected = std::collections::HashSet::new();
    tokio::time::timeout(LIMIT, async {
        while connected.len() < INSTANCES {
            match events.recv().await.expect("engine events keep coming") {
                EngineEvent::QrCode {
                    instance_id, code, ..
                } if scanned.insert(instance_id.clone()) => {
                    let index = ids.iter().position(|id| *id == instance_id).unwrap();
                    let phone = PhoneProfile {
                        phone: format!("55119{index:08}"),
                        name: format!("Number {index}"),
                        business: None,
                    };
                    mock.scan(&code, &phone).expect("the phone scans the code");
                }
                EngineEvent::StateChanged {
                    instance_id,
                    state: InstanceState::Connected { .. },
                } => {
                    connected.insert(instance_id);
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not all {INSTANCES} instances connected within {LIMIT:?}"));
    let elapsed = started.elapsed();
    // Let the post-login work (prekey upload, app-state sync) settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let per_instance = (rss_bytes().saturating_sub(before)) as f64 / INSTANCES as f64;
    let mib = per_instance / (1024.0 * 1024.0);

    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!("| {INSTANCES} instances linked and connected at once | {elapsed:.2?} | - |");
    println!(
        "| resident memory per connected instance | {mib:.2} MiB | <= {TARGET_MIB_PER_INSTANCE} MiB {} |",
        if mib <= TARGET_MIB_PER_INSTANCE { "ok" } else { "OVER" }
    );
    engine.shutdown().await;
}
