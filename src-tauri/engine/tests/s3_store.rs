//! The S3 client, the probe and the upload queue against a real S3-compatible server
//! (s3s-fs on loopback), with the real client crate.

use std::time::Duration;

use engine_support::s3::{
    closed_port, config_for, S3Server, Unavailable, ACCESS_KEY, BUCKET, SECRET_KEY,
};
use switchboard_engine::s3::config::{validate, SECRET_MASK};
use switchboard_engine::s3::{keys, probe, S3Config, S3ConfigInput, S3Store, S3Tuning, Secret};
use switchboard_engine::ErrorCode;

/// Short waits, but the same retry behaviour as in production.
fn tuning() -> S3Tuning {
    S3Tuning {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(30),
        max_retries: 3,
        retry_backoff: Duration::from_millis(20),
    }
}

fn valid(input: S3ConfigInput) -> S3Config {
    validate(input, None).expect("a valid configuration")
}

#[tokio::test]
async fn probe_passes_on_a_working_bucket_and_leaves_nothing_behind() {
    let server = S3Server::start().await;
    let config = valid(server.config("whatsapp/media"));
    probe(&config, &tuning()).await.expect("the probe passes");
    let store = S3Store::new(&config, &tuning()).unwrap();
    assert!(store.list("whatsapp/").await.unwrap().is_empty());
}

#[tokio::test]
async fn wrong_keys_are_access_denied() {
    let server = S3Server::start().await;
    let mut wrong_secret = server.config("");
    wrong_secret.secret_key = Some("not-the-secret".into());
    let error = probe(&valid(wrong_secret), &tuning()).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::S3AccessDenied, "{error}");
    assert!(!error.to_string().contains("not-the-secret"));

    let mut unknown_key = server.config("");
    unknown_key.access_key = "nobody".into();
    let error = probe(&valid(unknown_key), &tuning()).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::S3AccessDenied, "{error}");
}

#[tokio::test]
async fn a_missing_bucket_is_named() {
    let server = S3Server::start().await;
    let mut input = server.config("");
    input.bucket = "no-such-bucket".into();
    let error = probe(&valid(input), &tuning()).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::S3NoSuchBucket, "{error}");
    assert!(error.to_string().contains("no-such-bucket"), "{error}");
}

#[tokio::test]
async fn an_endpoint_nobody_answers_is_unreachable() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port().await);
    let error = probe(&valid(config_for(&endpoint, "")), &tuning())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::S3Unreachable, "{error}");
    assert!(error.to_string().contains(&endpoint), "{error}");
}

#[tokio::test]
async fn a_503_is_retried_until_the_server_answers() {
    let server = S3Server::start().await;
    let flaky = Unavailable::start(server.endpoint().replace("http://", ""), 2).await;
    let config = valid(config_for(&flaky.endpoint(), "p"));
    probe(&config, &tuning())
        .await
        .expect("retried past the 503s");
    assert_eq!(flaky.answered_503(), 2);
}

#[tokio::test]
async fn a_server_that_keeps_answering_503_is_unreachable_after_the_retries() {
    let server = S3Server::start().await;
    let flaky = Unavailable::start(server.endpoint().replace("http://", ""), usize::MAX).await;
    let error = probe(&valid(config_for(&flaky.endpoint(), "")), &tuning())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::S3Unreachable, "{error}");
    assert_eq!(flaky.answered_503(), 1 + tuning().max_retries);
}

#[tokio::test]
async fn files_go_up_with_their_content_type_small_and_multipart() {
    let server = S3Server::start().await;
    let config = valid(server.config("media"));
    let store = S3Store::new(&config, &tuning()).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let small = dir.path().join("small.jpg");
    std::fs::write(&small, vec![1u8; 100 * 1024]).unwrap();
    let large = dir.path().join("large.mp4");
    let large_bytes: Vec<u8> = (0..20 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(&large, &large_bytes).unwrap();

    let small_key = keys::media_key(&config, "inst-1", "media/5511@s.whatsapp.net/A1.jpg").unwrap();
    let large_key = keys::media_key(&config, "inst-1", "media/5511@s.whatsapp.net/B2.mp4").unwrap();
    assert_eq!(small_key, "media/inst-1/5511@s.whatsapp.net/A1.jpg");

    assert_eq!(
        store
            .put_file(&small_key, &small, "image/jpeg")
            .await
            .unwrap(),
        100 * 1024
    );
    assert_eq!(
        store
            .put_file(&large_key, &large, "video/mp4")
            .await
            .unwrap(),
        large_bytes.len() as u64
    );

    let got = store.get(&small_key).await.unwrap().expect("stored");
    assert_eq!(got.bytes, vec![1u8; 100 * 1024]);
    assert_eq!(got.content_type.as_deref(), Some("image/jpeg"));
    let got = store.get(&large_key).await.unwrap().expect("stored");
    assert!(
        got.bytes == large_bytes,
        "the multipart object reads back whole"
    );
    assert_eq!(got.content_type.as_deref(), Some("video/mp4"));

    let usage = store
        .usage(&keys::instance_prefix(&config, "inst-1"))
        .await
        .unwrap();
    assert_eq!(usage.objects, 2);
    assert_eq!(usage.bytes, 100 * 1024 + large_bytes.len() as u64);
    assert!(store.get("media/inst-1/none.jpg").await.unwrap().is_none());
}

#[tokio::test]
async fn deleting_a_prefix_removes_exactly_those_objects_and_reports_them() {
    let server = S3Server::start().await;
    let config = valid(server.config(""));
    let store = S3Store::new(&config, &tuning()).unwrap();
    for (chat, n) in [("chat-a", 3), ("chat-b", 2)] {
        for i in 0..n {
            let key = format!("{}m{i}.jpg", keys::chat_prefix(&config, "inst", chat));
            store
                .put_bytes(&key, vec![0u8; 10 + i], "image/jpeg")
                .await
                .unwrap();
        }
    }
    store
        .put_bytes("other-inst/chat-a/x.jpg", vec![0u8; 5], "image/jpeg")
        .await
        .unwrap();

    let report = store
        .delete_prefix(&keys::chat_prefix(&config, "inst", "chat-a"))
        .await
        .unwrap();
    assert_eq!((report.removed, report.removed_bytes), (3, 10 + 11 + 12));
    assert!(report.failed.is_empty());
    let left: Vec<String> = store
        .list("inst/")
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(left, ["inst/chat-b/m0.jpg", "inst/chat-b/m1.jpg"]);
    assert_eq!(store.list("other-inst/").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_refused_deletion_stops_and_reports_every_object() {
    let server = S3Server::start().await;
    let mut wrong = server.config("");
    wrong.secret_key = Some("wrong".into());
    let store = S3Store::new(&valid(wrong), &tuning()).unwrap();
    let report = store
        .delete_objects(&[("a/1.jpg".into(), 1), ("a/2.jpg".into(), 2)])
        .await;
    assert_eq!(report.removed, 0);
    let mut failed: Vec<_> = report
        .failed
        .iter()
        .map(|f| (f.key.as_str(), f.code.as_str()))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            ("a/1.jpg", "s3_access_denied"),
            ("a/2.jpg", "s3_access_denied")
        ]
    );
}

#[test]
fn the_secret_is_masked_everywhere_it_could_show() {
    let config = valid(config_for("https://s3.example.com/", "/a/b/"));
    assert_eq!(config.endpoint, "https://s3.example.com");
    assert_eq!(config.prefix, "a/b");
    assert!(!format!("{config:?}").contains(SECRET_KEY));
    assert!(!format!("{:?}", config_for("http://h", "")).contains(SECRET_KEY));
    let view = serde_json::to_string(&config.view()).unwrap();
    assert!(!view.contains(SECRET_KEY), "{view}");
    assert!(
        view.contains(SECRET_MASK) && view.contains(ACCESS_KEY),
        "{view}"
    );
}

#[test]
fn leaving_the_secret_out_keeps_the_stored_one_and_is_refused_without_one() {
    let stored = Secret::new("kept-secret");
    for left_out in [None, Some(String::new()), Some(SECRET_MASK.to_string())] {
        let mut input = config_for("http://127.0.0.1:9000", "");
        input.secret_key = left_out;
        let config = validate(input.clone(), Some(&stored)).unwrap();
        assert_eq!(config.secret_key.expose(), "kept-secret");
        let error = validate(input, None).unwrap_err();
        assert_eq!(error.code(), ErrorCode::S3InvalidConfig);
    }
}

#[test]
fn every_bad_field_is_refused_with_a_coded_reason() {
    type Edit = fn(&mut S3ConfigInput);
    let cases: [(Edit, &str); 14] = [
        (|c| c.endpoint = String::new(), "endpoint"),
        (|c| c.endpoint = "ftp://host".into(), "http"),
        (|c| c.endpoint = "not a url".into(), "endpoint"),
        (|c| c.endpoint = "http://host/path".into(), "path"),
        (|c| c.endpoint = "http://user:pw@host".into(), "user"),
        (|c| c.region = "US East".into(), "region"),
        (|c| c.bucket = "ab".into(), "3 to 63"),
        (|c| c.bucket = "Upper".into(), "lower-case"),
        (|c| c.bucket = "-dash".into(), "start and end"),
        (|c| c.bucket = "a..b".into(), "'..'"),
        (|c| c.bucket = "192.168.0.1".into(), "IP"),
        (|c| c.prefix = "a/../b".into(), "'..'"),
        (|c| c.prefix = "a b".into(), "prefix"),
        (|c| c.access_key = "has space".into(), "access key"),
    ];
    for (edit, words) in cases {
        let mut input = config_for("http://127.0.0.1:9000", "");
        edit(&mut input);
        let error = validate(input.clone(), None).unwrap_err();
        assert_eq!(error.code(), ErrorCode::S3InvalidConfig, "{input:?}");
        assert!(error.to_string().contains(words), "{input:?}: {error}");
    }
    let mut blank_region = config_for("http://127.0.0.1:9000", "");
    blank_region.region = String::new();
    assert_eq!(validate(blank_region, None).unwrap().region, "us-east-1");
    assert_eq!(BUCKET, valid(config_for("http://h", "")).bucket);
}
