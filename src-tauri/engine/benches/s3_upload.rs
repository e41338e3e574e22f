//! Media to the bucket: `cargo bench -p switchboard-engine --bench s3_upload`.
//! 1,000 media files of 100 KiB, received by an instance with S3 on, go up through the
//! engine's upload queue (queue rows, signed PUTs with their content type, media rows
//! updated, local copies removed) to a real S3-compatible server on loopback (s3s-fs).
//! The floor copies the same files to the same server with a plain parallel PUT loop
//! of the same client crate, at the same concurrency, with no bookkeeping.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engine_support::s3::{S3Server, ACCESS_KEY, BUCKET, SECRET_KEY};
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload};
use sqlx::SqlitePool;
use switchboard_engine::model::CreateInstance;
use switchboard_engine::records::MediaSaved;
use switchboard_engine::s3::config::validate;
use switchboard_engine::s3::queue::{self, QueueTuning};
use switchboard_engine::s3::{stored, S3Tuning, Uploader};
use switchboard_engine::{Engine, EngineConfig};

const FILES: usize = 1_000;
const FILE_BYTES: usize = 100 * 1024;
const CHATS: usize = 10;
/// The uploader's own number of uploads in flight.
const CONCURRENCY: usize = 4;
const RUNS: usize = 3;

fn media_relative(n: usize) -> String {
    format!("media/55119{:08}@s.whatsapp.net/M{n:05}.jpg", n % CHATS)
}

fn write_files(root: &Path) -> Vec<PathBuf> {
    (0..FILES)
        .map(|n| {
            let path = root.join(media_relative(n));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let body: Vec<u8> = (0..FILE_BYTES).map(|i| ((i + n) % 251) as u8).collect();
            std::fs::write(&path, body).unwrap();
            path
        })
        .collect()
}

/// The engine's path: media rows through the sink, queued, drained by the uploader.
async fn through_the_queue(server: &S3Server, run: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path())).await.unwrap();
    let instance = engine
        .create_instance(CreateInstance {
            name: format!("bench-{run}"),
            ..Default::default()
        })
        .await
        .unwrap();
    let instance_dir = dir.path().join("instances").join(&instance.id);
    write_files(&instance_dir);
    let sink = engine.session_sink();
    for n in 0..FILES {
        let relative = media_relative(n);
        let chat = relative.split('/').nth(1).unwrap().to_string();
        sink.media_saved(
            &instance.id,
            MediaSaved {
                chat_jid: chat,
                message_id: format!("M{n:05}"),
                relative_path: relative,
                bytes: FILE_BYTES as u64,
                mime: Some("image/jpeg".into()),
            },
        )
        .await;
    }
    let db = SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("switchboard.db").display()
    ))
    .await
    .unwrap();
    let config = validate(server.config(&format!("run-{run}")), None).unwrap();
    stored::save(&db, &instance.id, &config).await.unwrap();
    let uploader = Uploader::new(
        db.clone(),
        dir.path().join("instances"),
        S3Tuning::default(),
        QueueTuning::default(),
    );

    let started = Instant::now();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT chat_jid, message_id FROM media WHERE instance_id = ?")
            .bind(&instance.id)
            .fetch_all(&db)
            .await
            .unwrap();
    // The engine queues each file in the transaction that records it: one commit here.
    let mut tx = db.begin().await.unwrap();
    for (chat, message) in &rows {
        queue::enqueue(&mut *tx, &instance.id, chat, message)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let pass = uploader.run_due().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!((pass.uploaded, pass.failed), (FILES as u64, 0));
    engine.shutdown().await;
    elapsed
}

/// The floor: the same files, PUT in parallel by the same client crate, nothing else.
async fn plain_put_loop(server: &S3Server, run: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let files = write_files(dir.path());
    let client = AmazonS3Builder::new()
        .with_endpoint(server.endpoint())
        .with_region("us-east-1")
        .with_bucket_name(BUCKET)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .with_allow_http(true)
        .build()
        .unwrap();
    let started = Instant::now();
    futures::stream::iter(files.iter().enumerate())
        .map(|(n, file)| {
            let client = &client;
            async move {
                let body = tokio::fs::read(file).await.unwrap();
                let key = ObjectPath::from(format!("floor-{run}/{n}.jpg"));
                client.put(&key, PutPayload::from(body)).await.unwrap();
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn mib_per_s(time: Duration) -> f64 {
    (FILES * FILE_BYTES) as f64 / (1024.0 * 1024.0) / time.as_secs_f64()
}

#[tokio::main]
async fn main() {
    let server = S3Server::start().await;
    // The floor's client relies on the provider the engine's client installs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut ours = Vec::new();
    let mut floor = Vec::new();
    for run in 0..RUNS {
        floor.push(plain_put_loop(&server, run).await);
        ours.push(through_the_queue(&server, run).await);
    }
    let (ours, floor) = (median(ours), median(floor));
    println!("{FILES} media files of {} KiB to s3s-fs on loopback, {CONCURRENCY} in flight, median of {RUNS} runs", FILE_BYTES / 1024);
    println!("| path | time | MiB/s | files/s | time / floor |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, time) in [
        ("upload queue (engine)", ours),
        ("plain PUT loop (floor)", floor),
    ] {
        println!(
            "| {name} | {:.2} s | {:.1} | {:.0} | {:.2} |",
            time.as_secs_f64(),
            mib_per_s(time),
            FILES as f64 / time.as_secs_f64(),
            time.as_secs_f64() / floor.as_secs_f64()
        );
    }
}
