//! S3 media through the whole engine, against a real S3-compatible server (s3s-fs on
//! loopback) with the real client: a bucket saved only after its probe, its secret
//! never shown again, media going up as it arrives and read back wherever it lives,
//! delete chat removing exactly that chat's objects, delete instance keeping or
//! deleting them (and finishing that step after a crash).

use std::path::Path;
use std::time::Duration;

use engine_support::s3::{S3Server, SECRET_KEY};
use engine_support::{create, instance_dir, open, patient_config, seed};
use switchboard_engine::export::ExportRequest;
use switchboard_engine::model::{CreateInstance, Instance};
use switchboard_engine::s3::config::SECRET_MASK;
use switchboard_engine::s3::{S3MediaChoice, S3Store, S3Tuning};
use switchboard_engine::{Engine, EngineEvent};

fn store(server: &S3Server, prefix: &str) -> S3Store {
    let config = switchboard_engine::s3::config::validate(server.config(prefix), None).unwrap();
    S3Store::new(&config, &S3Tuning::default()).unwrap()
}

async fn objects(server: &S3Server, prefix: &str) -> Vec<String> {
    store(server, "")
        .list(prefix)
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect()
}

/// Waits until the instance has no upload pending.
async fn uploaded(engine: &Engine, name: &str) -> Instance {
    for _ in 0..300 {
        let instance = engine.get_instance(name).await.unwrap();
        if instance
            .s3
            .as_ref()
            .is_some_and(|s3| s3.uploads_pending == 0)
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the uploads of {name} did not finish");
}

fn media_files(dir: &Path, instance: &Instance) -> usize {
    walk(&instance_dir(dir, &instance.id).join("media"))
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { walk(&p) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_bucket_is_saved_only_after_its_probe_and_its_secret_is_never_shown() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "shop").await;

    let mut wrong = server.config("wa");
    wrong.secret_key = Some("wrong-secret".into());
    let error = engine.set_s3("shop", Some(wrong)).await.unwrap_err();
    assert_eq!(error.code().as_str(), "s3_access_denied");
    assert_eq!(engine.get_s3("shop").await.unwrap(), None, "not saved");

    let mut missing = server.config("wa");
    missing.bucket = "missing-bucket".into();
    let error = engine.set_s3("shop", Some(missing)).await.unwrap_err();
    assert_eq!(error.code().as_str(), "s3_no_such_bucket");

    let instance = engine
        .set_s3("shop", Some(server.config("wa")))
        .await
        .unwrap();
    let shown = instance.s3.expect("configured");
    assert_eq!(shown.config.secret_key, SECRET_MASK);
    assert_eq!(shown.uploads_pending, 0);
    let listed = serde_json::to_string(&engine.list_instances().await.unwrap()).unwrap();
    assert!(
        !listed.contains(SECRET_KEY),
        "list never carries the secret"
    );
    let got = engine.get_s3("shop").await.unwrap().unwrap();
    assert_eq!(
        (got.bucket.as_str(), got.secret_key.as_str()),
        ("media-bucket", SECRET_MASK)
    );

    // Saved again without the secret (a form that shows the mask): the stored one stays.
    let mut again = server.config("other");
    again.secret_key = Some(SECRET_MASK.into());
    engine.set_s3("shop", Some(again)).await.unwrap();
    assert_eq!(
        engine.get_s3("shop").await.unwrap().unwrap().prefix,
        "other"
    );

    let mut bad = server.config("wa");
    bad.endpoint = "ftp://nowhere".into();
    let error = engine.set_s3("shop", Some(bad)).await.unwrap_err();
    assert_eq!(error.code().as_str(), "s3_invalid_config");
    assert_eq!(
        engine.get_s3("shop").await.unwrap().unwrap().prefix,
        "other",
        "unchanged"
    );

    engine.set_s3("shop", None).await.unwrap();
    assert_eq!(engine.get_s3("shop").await.unwrap(), None);
    let db = std::fs::metadata(dir.path().join("switchboard.db")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(db.permissions().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn a_bucket_given_at_creation_is_tested_first() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let mut missing = server.config("");
    missing.bucket = "missing-bucket".into();
    let error = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            s3: Some(missing),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "s3_no_such_bucket");
    assert!(engine.list_instances().await.unwrap().is_empty());
    let instance = engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            s3: Some(server.config("")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(instance.s3.unwrap().config.bucket, "media-bucket");
}

#[tokio::test]
async fn received_media_goes_to_the_bucket_and_opens_the_same_from_there() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let local = create(&engine, "local").await;
    seed(&engine, dir.path(), &local, 1, 1, 1).await;
    let shop = create(&engine, "shop").await;
    engine
        .set_s3("shop", Some(server.config("wa")))
        .await
        .unwrap();
    seed(&engine, dir.path(), &shop, 2, 3, 2).await;

    let instance = uploaded(&engine, "shop").await;
    assert_eq!(media_files(dir.path(), &shop), 0, "local copies removed");
    assert_eq!(
        (instance.counts.media_files, instance.counts.media_bytes),
        (4, 402)
    );
    let keys = objects(&server, &format!("wa/{}/", shop.id)).await;
    assert_eq!(keys.len(), 4);
    assert!(keys.contains(&format!(
        "wa/{}/5511900000001@s.whatsapp.net/1.jpg",
        shop.id
    )));

    let from_bucket = engine
        .media_file("shop", "5511900000001", "MSG1-1")
        .await
        .unwrap();
    assert_eq!(from_bucket.bytes, vec![7u8; 101]);
    assert_eq!(from_bucket.mime.as_deref(), Some("image/jpeg"));
    assert!(from_bucket.s3_key.is_some());
    let from_disk = engine
        .media_file("local", "5511900000000", "MSG0-0")
        .await
        .unwrap();
    assert_eq!((from_disk.bytes, from_disk.s3_key), (vec![7u8; 100], None));
    let error = engine
        .media_file("shop", "5511900000001", "NOPE")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "media_not_found");
    // The instance without a bucket kept its file here.
    assert_eq!(media_files(dir.path(), &local), 1);
}

#[tokio::test]
async fn files_kept_in_the_bucket_are_saved_opened_and_exported_from_there() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    engine
        .set_s3("shop", Some(server.config("wa")))
        .await
        .unwrap();
    seed(&engine, dir.path(), &shop, 2, 3, 2).await;
    uploaded(&engine, "shop").await;
    assert_eq!(
        media_files(dir.path(), &shop),
        0,
        "only the bucket has them"
    );
    let chat = "5511900000001@s.whatsapp.net";

    let out = tempfile::tempdir().unwrap();
    let chosen = out.path().join("photo.jpg");
    let saved = engine
        .save_media("shop", chat, "MSG1-1", &chosen.to_string_lossy())
        .await
        .unwrap();
    assert_eq!(
        (saved, std::fs::read(&chosen).unwrap()),
        (101, vec![7u8; 101])
    );
    let copy = engine.media_to_open("shop", chat, "MSG1-0").await.unwrap();
    assert_eq!(std::fs::read(copy).unwrap(), vec![7u8; 100]);

    // One object removed behind the engine's back: the export names it and keeps the rest.
    store(&server, "")
        .delete(&format!("wa/{}/{chat}/0.jpg", shop.id))
        .await
        .unwrap();
    let zip = out.path().join("shop.zip");
    let report = engine
        .export(
            "shop",
            ExportRequest {
                export_id: "bucket".into(),
                destination: zip.display().to_string(),
                chat: None,
                language: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (report.messages, report.media_files, report.media_missing),
        (6, 3, 1)
    );
    let files = engine_support::zip_entries(std::fs::File::open(&zip).unwrap());
    for (c, m) in [(0, 0), (0, 1), (1, 1)] {
        let entry = format!("media/55119{c:08}@s.whatsapp.net/{m}.jpg");
        assert_eq!(files[&entry], vec![7u8; 100 + m], "{entry}");
    }
    assert!(!files.contains_key(&format!("media/{chat}/0.jpg")));
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["missing_media"][0]["message_id"], "MSG1-0");
    let error = engine
        .save_media("shop", chat, "MSG1-0", &chosen.to_string_lossy())
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "media_not_found");
    assert_eq!(
        std::fs::read(&chosen).unwrap(),
        vec![7u8; 101],
        "the saved file is kept"
    );
}

#[tokio::test]
async fn uploads_wait_for_an_unreachable_bucket_and_survive_a_restart() {
    let mut server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let shop = {
        let engine = open(dir.path()).await;
        let shop = create(&engine, "shop").await;
        engine
            .set_s3("shop", Some(server.config("")))
            .await
            .unwrap();
        server.stop().await;
        seed(&engine, dir.path(), &shop, 1, 2, 2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pending = engine
            .get_instance("shop")
            .await
            .unwrap()
            .s3
            .unwrap()
            .uploads_pending;
        assert_eq!(pending, 2, "the window shows the pending uploads");
        assert_eq!(media_files(dir.path(), &shop), 2, "kept until uploaded");
        engine.shutdown().await;
        shop
    };
    server.restart().await;
    let engine = open(dir.path()).await;
    uploaded(&engine, "shop").await;
    assert_eq!(media_files(dir.path(), &shop), 0);
    assert_eq!(objects(&server, &format!("{}/", shop.id)).await.len(), 2);
}

#[tokio::test]
async fn delete_chat_with_media_removes_exactly_that_chats_objects() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    engine
        .set_s3("shop", Some(server.config("")))
        .await
        .unwrap();
    seed(&engine, dir.path(), &shop, 2, 3, 2).await;
    uploaded(&engine, "shop").await;

    let mut events = engine.subscribe();
    engine
        .session_sink()
        .remote_chat_deleted(&shop.id, "5511900000000@s.whatsapp.net".into(), true)
        .await;
    let report = engine_support::next_event(
        &mut events,
        "chat deleted",
        Duration::from_secs(10),
        |e| match e {
            EngineEvent::ChatDeleted { report, .. } => Some(report),
            _ => None,
        },
    )
    .await;
    assert_eq!(
        (report.media_files_removed, report.media_bytes_removed),
        (2, 201)
    );
    assert_eq!(report.s3_objects_failed, Some(vec![]));
    let left = objects(&server, &format!("{}/", shop.id)).await;
    assert_eq!(
        left,
        [
            format!("{}/5511900000001@s.whatsapp.net/0.jpg", shop.id),
            format!("{}/5511900000001@s.whatsapp.net/1.jpg", shop.id)
        ]
    );
}

async fn two_instances_with_objects(server: &S3Server, dir: &Path) -> (Engine, Instance, Instance) {
    let engine = Engine::open(patient_config(dir)).await.unwrap();
    let victim = create(&engine, "victim").await;
    let bystander = create(&engine, "bystander").await;
    for name in ["victim", "bystander"] {
        engine
            .set_s3(name, Some(server.config("wa")))
            .await
            .unwrap();
    }
    seed(&engine, dir, &victim, 2, 3, 3).await;
    seed(&engine, dir, &bystander, 1, 1, 1).await;
    uploaded(&engine, "victim").await;
    uploaded(&engine, "bystander").await;
    (engine, victim, bystander)
}

#[tokio::test]
async fn delete_instance_keeps_its_objects_by_default_and_says_where() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, victim, _) = two_instances_with_objects(&server, dir.path()).await;
    let usage = engine.s3_media_usage("victim").await.unwrap().unwrap();
    assert_eq!(
        (usage.found.objects, usage.bucket.as_str()),
        (6, "media-bucket")
    );

    let report = engine.delete_instance("victim").await.unwrap();
    let s3 = report.s3_media.expect("the bucket's step is reported");
    assert_eq!(s3.choice, S3MediaChoice::Keep);
    assert_eq!(
        (s3.found.objects, s3.found.bytes),
        (6, 2 * (100 + 101 + 102))
    );
    assert_eq!(s3.removed.objects, 0);
    assert_eq!(s3.prefix, format!("wa/{}/", victim.id));
    assert_eq!(objects(&server, &s3.prefix).await.len(), 6, "kept");
    let audit = engine.audit_log(Some("victim")).await.unwrap();
    let detail = audit[0].detail.as_deref().unwrap();
    assert!(detail.contains("S3 objects kept: 6"), "{detail}");
    assert!(detail.contains("media-bucket"), "{detail}");
}

#[tokio::test]
async fn delete_instance_with_delete_removes_only_its_objects() {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, victim, bystander) = two_instances_with_objects(&server, dir.path()).await;
    let report = engine
        .delete_instance_with("victim", S3MediaChoice::Delete)
        .await
        .unwrap();
    let s3 = report.s3_media.unwrap();
    assert_eq!((s3.found.objects, s3.removed.objects), (6, 6));
    assert_eq!(s3.removed.bytes, s3.found.bytes);
    assert!(s3.failed.is_empty());
    assert!(objects(&server, &format!("wa/{}/", victim.id))
        .await
        .is_empty());
    assert_eq!(
        objects(&server, &format!("wa/{}/", bystander.id))
            .await
            .len(),
        1
    );
    let audit = engine.audit_log(Some("victim")).await.unwrap();
    assert!(audit[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("S3 objects deleted: 6 of 6"));
    engine_support::assert_no_rows(dir.path(), &victim.id).await;
}

#[tokio::test]
async fn an_unreachable_bucket_never_leaves_the_instance_half_deleted() {
    let mut server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, victim, _) = two_instances_with_objects(&server, dir.path()).await;
    server.stop().await;
    let report = engine
        .delete_instance_with("victim", S3MediaChoice::Delete)
        .await
        .unwrap();
    let s3 = report.s3_media.unwrap();
    assert!(
        s3.error.as_deref().unwrap().starts_with("s3_unreachable"),
        "{s3:?}"
    );
    assert_eq!(s3.removed.objects, 0);
    engine_support::assert_no_rows(dir.path(), &victim.id).await;
    assert!(!instance_dir(dir.path(), &victim.id).exists());
    server.restart().await;
    assert_eq!(
        objects(&server, &format!("wa/{}/", victim.id)).await.len(),
        6,
        "still there, and said so"
    );
}

#[test]
fn s3_crash_child_process() {
    let Ok(dir) = std::env::var("SWITCHBOARD_S3_CRASH_DIR") else {
        return;
    };
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let engine = Engine::open(patient_config(Path::new(&dir))).await.unwrap();
        let _ = engine
            .delete_instance_with("victim", S3MediaChoice::Delete)
            .await;
    });
    std::process::exit(3);
}

#[tokio::test]
async fn a_crash_in_the_middle_of_deleting_objects_is_finished_after_the_restart() {
    for step in ["delete:s3_counted", "delete:s3_deleting", "delete:s3_done"] {
        let server = S3Server::start().await;
        let dir = tempfile::tempdir().unwrap();
        let victim = {
            let (engine, victim, _) = two_instances_with_objects(&server, dir.path()).await;
            engine.shutdown().await;
            victim
        };
        let prefix = format!("wa/{}/", victim.id);
        let status = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "s3_crash_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SWITCHBOARD_S3_CRASH_DIR", dir.path())
            .env("SWITCHBOARD_CRASH_AT", step)
            .status()
            .await
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(6), "{step}: the child stopped there");
        let left = objects(&server, &prefix).await.len();
        let expected_left = match step {
            "delete:s3_counted" => 6,
            "delete:s3_deleting" => 5,
            _ => 0,
        };
        assert_eq!(left, expected_left, "{step}");

        let engine = Engine::open(patient_config(dir.path())).await.unwrap();
        let report = if step == "delete:s3_done" {
            // Only local steps were left: finished at open.
            None
        } else {
            let mut events = engine.subscribe();
            engine.start_background();
            Some(engine_support::instance_deleted(&mut events, &victim.id).await)
        };
        assert!(objects(&server, &prefix).await.is_empty(), "{step}");
        engine_support::assert_no_rows(dir.path(), &victim.id).await;
        if let Some(report) = report {
            let s3 = report.s3_media.unwrap();
            assert_eq!((s3.found.objects, s3.removed.objects), (6, 6), "{step}");
        }
        let audit = engine.audit_log(Some("victim")).await.unwrap();
        let detail = audit[0].detail.as_deref().unwrap();
        assert!(
            detail.contains("S3 objects deleted: 6 of 6"),
            "{step}: {detail}"
        );
        assert!(
            detail.contains("resumed after an interruption"),
            "{step}: {detail}"
        );
        engine.shutdown().await;
    }
}
