//! The persistent upload queue and its uploader against a real S3-compatible server
//! (s3s-fs on loopback): media rows written by the engine's own sink, uploads that
//! wait out an unreachable server and go up when it returns.

use std::path::Path;
use std::time::Duration;

use engine_support::app_db;
use engine_support::s3::S3Server;
use sqlx::SqlitePool;
use switchboard_engine::error::Error;
use switchboard_engine::s3::config::validate;
use switchboard_engine::s3::queue::{self, QueueTuning};
use switchboard_engine::s3::{stored, S3Config, S3Store, S3Tuning, Uploader};

fn s3_tuning() -> S3Tuning {
    S3Tuning {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(30),
        max_retries: 1,
        retry_backoff: Duration::from_millis(10),
    }
}

fn queue_tuning() -> QueueTuning {
    QueueTuning {
        base_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    }
}

fn uploader(db: &SqlitePool, data_dir: &Path) -> Uploader {
    Uploader::new(
        db.clone(),
        data_dir.join("instances"),
        s3_tuning(),
        queue_tuning(),
    )
}

/// Queues every media row of the instance, as media arriving with S3 on would be.
async fn queue_all(db: &SqlitePool, instance_id: &str) -> Vec<(String, String, String)> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT chat_jid, message_id, path FROM media WHERE instance_id = ? ORDER BY path",
    )
    .bind(instance_id)
    .fetch_all(db)
    .await
    .unwrap();
    for (chat, message, _) in &rows {
        queue::enqueue(db, instance_id, chat, message)
            .await
            .unwrap();
    }
    rows
}

async fn located(db: &SqlitePool, instance_id: &str) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT s3_key FROM media WHERE instance_id = ? ORDER BY path")
        .bind(instance_id)
        .fetch_all(db)
        .await
        .unwrap()
}

async fn configure(db: &SqlitePool, instance_id: &str, server: &S3Server) -> S3Config {
    let config = validate(server.config("wa"), None).unwrap();
    stored::save(db, instance_id, &config).await.unwrap();
    config
}

/// An engine with one instance, "shop", holding `chats` chats of `messages` messages
/// with `media` media files each (written by the engine's own sink), and a second
/// connection to its database.
struct Shop {
    dir: tempfile::TempDir,
    engine: switchboard_engine::Engine,
    instance: switchboard_engine::model::Instance,
    db: SqlitePool,
}

async fn shop(chats: usize, messages: usize, media: usize) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_support::open(dir.path()).await;
    let instance = engine_support::create(&engine, "shop").await;
    engine_support::seed(&engine, dir.path(), &instance, chats, messages, media).await;
    let db = app_db(dir.path()).await;
    Shop {
        dir,
        engine,
        instance,
        db,
    }
}

#[tokio::test]
async fn queued_media_goes_up_and_the_local_copy_goes_once_confirmed() {
    let server = S3Server::start().await;
    let Shop {
        dir,
        engine,
        instance,
        db,
    } = shop(2, 3, 2).await;
    let config = configure(&db, &instance.id, &server).await;
    let media = queue_all(&db, &instance.id).await;
    assert_eq!(queue::pending(&db, &instance.id).await.unwrap(), 4);

    let pass = uploader(&db, dir.path()).run_due().await.unwrap();
    assert_eq!((pass.uploaded, pass.failed, pass.next_due), (4, 0, None));
    assert_eq!(pass.instances, vec![instance.id.clone()]);
    assert_eq!(queue::pending(&db, &instance.id).await.unwrap(), 0);

    let store = S3Store::new(&config, &s3_tuning()).unwrap();
    let keys = located(&db, &instance.id).await;
    for ((_, _, relative), key) in media.iter().zip(&keys) {
        let key = key.as_deref().expect("the row names its object");
        let file = relative.strip_prefix("media/").unwrap();
        assert_eq!(key, format!("wa/{}/{file}", instance.id));
        let object = store.get(key).await.unwrap().expect("the object is there");
        assert_eq!(object.content_type.as_deref(), Some("image/jpeg"));
        assert!(!engine_support::instance_dir(dir.path(), &instance.id)
            .join(relative)
            .exists());
    }
    // Counters describe the media wherever it lives.
    let counts = engine.list_instances().await.unwrap()[0].counts.clone();
    assert_eq!(
        (counts.media_files, counts.media_bytes),
        (4, 100 + 101 + 100 + 101)
    );
}

#[tokio::test]
async fn an_upload_queued_while_the_server_is_down_goes_up_when_it_returns() {
    let mut server = S3Server::start().await;
    let Shop {
        dir,
        engine: _engine,
        instance,
        db,
    } = shop(1, 1, 1).await;
    configure(&db, &instance.id, &server).await;
    let media = queue_all(&db, &instance.id).await;
    let local = engine_support::instance_dir(dir.path(), &instance.id).join(&media[0].2);

    server.stop().await;
    let pass = uploader(&db, dir.path()).run_due().await.unwrap();
    assert_eq!((pass.uploaded, pass.failed), (0, 1));
    assert!(pass.next_due.is_some(), "retried later");
    assert!(
        local.exists(),
        "the local file is kept until the upload is confirmed"
    );
    let (attempts, last_error): (i64, String) =
        sqlx::query_as("SELECT attempts, last_error FROM s3_uploads")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(last_error.starts_with("s3_unreachable: "), "{last_error}");

    // A second pass before the backoff ran out tries nothing.
    let pass = uploader(&db, dir.path()).run_due().await.unwrap();
    assert_eq!((pass.uploaded, pass.failed), (0, 0));

    server.restart().await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let pass = uploader(&db, dir.path()).run_due().await.unwrap();
    assert_eq!((pass.uploaded, pass.failed, pass.next_due), (1, 0, None));
    assert!(!local.exists());
    assert!(located(&db, &instance.id).await[0].is_some());
}

#[tokio::test]
async fn the_queue_survives_a_restart_of_the_engine() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let instance = {
        let engine = engine_support::open(dir.path()).await;
        let instance = engine_support::create(&engine, "shop").await;
        engine_support::seed(&engine, dir.path(), &instance, 1, 2, 2).await;
        let db = app_db(dir.path()).await;
        configure(&db, &instance.id, &server).await;
        queue_all(&db, &instance.id).await;
        db.close().await;
        engine.shutdown().await;
        instance
    };
    // The reopened engine's own uploader finds both queued files and sends them.
    let _engine = engine_support::open(dir.path()).await;
    let db = app_db(dir.path()).await;
    tokio::time::timeout(Duration::from_secs(20), async {
        while queue::pending(&db, &instance.id).await.unwrap() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the queue drains after the restart");
    let places = located(&db, &instance.id).await;
    assert_eq!(places.len(), 2);
    assert!(places.iter().all(Option::is_some), "{places:?}");
}

#[tokio::test]
async fn turning_s3_off_or_deleting_the_chat_drops_its_queued_uploads() {
    let server = S3Server::start().await;
    let Shop {
        dir,
        engine: _engine,
        instance,
        db,
    } = shop(2, 1, 1).await;
    configure(&db, &instance.id, &server).await;
    let media = queue_all(&db, &instance.id).await;

    // The media row goes (delete chat): its queued upload goes with it.
    sqlx::query("DELETE FROM media WHERE instance_id = ? AND chat_jid = ?")
        .bind(&instance.id)
        .bind(&media[0].0)
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(queue::pending(&db, &instance.id).await.unwrap(), 1);

    // S3 turned off: what is queued stays local.
    assert!(stored::remove(&db, &instance.id).await.unwrap());
    let pass = uploader(&db, dir.path()).run_due().await.unwrap();
    assert_eq!((pass.uploaded, pass.failed, pass.next_due), (0, 0, None));
    assert!(engine_support::instance_dir(dir.path(), &instance.id)
        .join(&media[1].2)
        .exists());
    assert_eq!(located(&db, &instance.id).await, [None]);
}

#[tokio::test]
async fn retries_back_off_and_record_the_last_error() {
    let Shop {
        dir: _dir,
        engine: _engine,
        instance,
        db,
    } = shop(1, 1, 1).await;
    let media = queue_all(&db, &instance.id).await;
    let tuning = QueueTuning {
        base_backoff: Duration::from_secs(10),
        max_backoff: Duration::from_secs(40),
    };
    let error = Error::S3AccessDenied("refused".into());
    let mut waits = Vec::new();
    for _ in 0..5 {
        let upload = queue::due(&db, i64::MAX, 10).await.unwrap().remove(0);
        let before = now_millis();
        let next = queue::retry_later(&db, &upload, &error, &tuning)
            .await
            .unwrap();
        waits.push(next - before);
    }
    // base * 2^(n-1), capped, times a factor in [0.5, 1).
    let bounds = [10_000, 20_000, 40_000, 40_000, 40_000];
    for (wait, bound) in waits.iter().zip(bounds) {
        assert!((bound / 2 - 5..bound + 5).contains(wait), "{waits:?}");
    }
    assert!(queue::due(&db, now_millis(), 10).await.unwrap().is_empty());
    queue::make_all_due(&db).await.unwrap();
    let due = queue::due(&db, now_millis(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].message_id.as_str(), due[0].attempts),
        (media[0].1.as_str(), 5)
    );
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
