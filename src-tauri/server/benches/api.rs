//! `cargo bench -p switchboard-server --bench api`: the release server with 1,000
//! instances answers `GET /api/instance/list` to 1 and to 16 clients at once; p50, p99 and
//! requests per second are printed beside the same server's trivial `/health` route,
//! the floor (target: list p50 <= 5 ms). The server answers an unchanged list from its
//! kept encoding; the last row reads the list just after each change, when it is encoded
//! afresh.

mod common;

use std::time::{Duration, Instant};

const INSTANCES: usize = 1000;
const REQUESTS: usize = 400;
const WARM_UP: usize = 20;
const CHANGING_REQUESTS: usize = 100;
const TARGET_P50: Duration = Duration::from_millis(5);

struct Measured {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

async fn measure(url: &str, token: &str, clients: usize) -> Measured {
    let client = reqwest::Client::new();
    for _ in 0..WARM_UP {
        client.get(url).header("token", token).send().await.unwrap();
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (client, url, token) = (client.clone(), url.to_string(), token.to_string());
        tasks.spawn(async move {
            let mut samples = Vec::with_capacity(REQUESTS / clients);
            for _ in 0..REQUESTS / clients {
                samples.push(timed_get(&client, &url, &token).await);
            }
            samples
        });
    }
    let samples: Vec<Duration> = tasks.join_all().await.into_iter().flatten().collect();
    Measured::of(samples, started.elapsed())
}

/// One GET, answered with success and read to its end.
async fn timed_get(client: &reqwest::Client, url: &str, token: &str) -> Duration {
    let sent = Instant::now();
    let response = client.get(url).header("token", token).send().await.unwrap();
    assert!(response.status().is_success());
    response.bytes().await.unwrap();
    sent.elapsed()
}

impl Measured {
    /// The samples' p50 and p99, and their rate over `spent`.
    fn of(mut samples: Vec<Duration>, spent: Duration) -> Self {
        Self {
            per_second: samples.len() as f64 / spent.as_secs_f64(),
            p50: percentile(&mut samples, 0.5),
            p99: percentile(&mut samples, 0.99),
        }
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

/// One client reading the list right after changing a setting each time, so each read
/// encodes the list afresh; only the reads are timed.
async fn measure_changing(server: &common::Running) -> Measured {
    let client = reqwest::Client::new();
    let mut samples = Vec::with_capacity(CHANGING_REQUESTS);
    let mut reading = Duration::ZERO;
    let list = format!("{}/api/instance/list", server.base);
    for i in 0..CHANGING_REQUESTS {
        let changed = client
            .post(format!("{}/api/instance/settings/bench-0000", server.base))
            .header("token", &server.token)
            .json(&serde_json::json!({ "autoReadMessages": i % 2 == 0 }))
            .send()
            .await
            .unwrap();
        assert!(changed.status().is_success());
        let took = timed_get(&client, &list, &server.token).await;
        samples.push(took);
        reading += took;
    }
    Measured::of(samples, reading)
}

async fn create_instances(server: &common::Running) {
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..16 {
        let (client, base, token) = (client.clone(), server.base.clone(), server.token.clone());
        tasks.spawn(async move {
            for i in (worker..INSTANCES).step_by(16) {
                let response = client
                    .post(format!("{base}/api/instance/new"))
                    .header("token", &token)
                    .json(&serde_json::json!({ "name": format!("bench-{i:04}") }))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    response.status().is_success(),
                    "{}",
                    response.text().await.unwrap()
                );
            }
        });
    }
    tasks.join_all().await;
}

/// One row of the table; a row with a target says whether its p50 meets it.
fn row(route: &str, clients: usize, m: &Measured, floor: &Measured, target: Option<Duration>) {
    let target = target.map_or(String::new(), |t| {
        let word = if m.p50 <= t { "met" } else { "MISSED" };
        format!("{word} {}", common::ms(t))
    });
    println!(
        "{:<30} {:>7} {:>10} {:>10} {:>10.0} {:>11.1}x {:>8}",
        route,
        clients,
        common::ms(m.p50),
        common::ms(m.p99),
        m.per_second,
        m.p50.as_secs_f64() / floor.p50.as_secs_f64(),
        target
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path(), &[]).await;
    create_instances(&server).await;

    println!("\nswitchboard-server, {INSTANCES} instances, {REQUESTS} requests per row\n");
    println!(
        "{:<30} {:>7} {:>10} {:>10} {:>10} {:>12} {:>8}",
        "route", "clients", "p50", "p99", "req/s", "p50 / floor", "target"
    );
    let health = format!("{}/health", server.base);
    let list = format!("{}/api/instance/list", server.base);
    let mut one_client_floor = None;
    for clients in [1, 16] {
        let floor = measure(&health, &server.token, clients).await;
        let listed = measure(&list, &server.token, clients).await;
        row("GET /health (floor)", clients, &floor, &floor, None);
        row(
            "GET /api/instance/list",
            clients,
            &listed,
            &floor,
            Some(TARGET_P50),
        );
        one_client_floor.get_or_insert(floor);
    }
    let changing = measure_changing(&server).await;
    let floor = one_client_floor.expect("measured");
    row("  after each change (fresh)", 1, &changing, &floor, None);
    server.stop().await;
}
