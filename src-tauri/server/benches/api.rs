//! `cargo bench -p switchboard-server --bench api`: the release server with 1,000
//! instances answers `GET /api/instance/list` to 1 and to 16 clients at once; p50, p99 and
//! requests per second are printed beside the same server's trivial `/health` route,
//! the floor (target: list p50 <= 5 ms).

mod common;

use std::time::{Duration, Instant};

const INSTANCES: usize = 1000;
const REQUESTS: usize = 400;
const WARM_UP: usize = 20;
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
                let sent = Instant::now();
                let response = client
                    .get(&url)
                    .header("token", &token)
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                response.bytes().await.unwrap();
                samples.push(sent.elapsed());
            }
            samples
        });
    }
    let mut samples: Vec<Duration> = tasks.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    Measured {
        per_second: samples.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&mut samples, 0.5),
        p99: percentile(&mut samples, 0.99),
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path(), &[]).await;
    create_instances(&server).await;

    println!("\nswitchboard-server, {INSTANCES} instances, {REQUESTS} requests per row\n");
    println!(
        "{:<22} {:>7} {:>10} {:>10} {:>10} {:>12} {:>8}",
        "route", "clients", "p50", "p99", "req/s", "p50 / floor", "target"
    );
    for clients in [1, 16] {
        let floor = measure(&format!("{}/health", server.base), &server.token, clients).await;
        let list = measure(
            &format!("{}/api/instance/list", server.base),
            &server.token,
            clients,
        )
        .await;
        for (route, m, target) in [
            ("GET /health (floor)", &floor, String::new()),
            (
                "GET /api/instance/list",
                &list,
                format!(
                    "{} {}",
                    if list.p50 <= TARGET_P50 {
                        "met"
                    } else {
                        "MISSED"
                    },
                    common::ms(TARGET_P50)
                ),
            ),
        ] {
            println!(
                "{:<22} {:>7} {:>10} {:>10} {:>10.0} {:>11.1}x {:>8}",
                route,
                clients,
                common::ms(m.p50),
                common::ms(m.p99),
                m.per_second,
                m.p50.as_secs_f64() / floor.p50.as_secs_f64(),
                target
            );
        }
    }
    server.stop().await;
}
