//! Deletions under stress: twenty concurrent API deletes of one instance, and the
//! server killed in the middle of one.

use reqwest::{Method, StatusCode};
use switchboard_engine::model::{AuditAction, Requester};
use switchboard_engine::{Engine, EngineConfig};

use crate::support::{Options, Server};

fn instance_folders(data_dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    ["instances", "trash"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(data_dir.join(sub)).into_iter().flatten())
        .map(|entry| entry.unwrap().path())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_deletes_remove_it_once_and_none_fails_inside() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default().arg("--deletes-per-minute").arg("100"),
    )
    .await;
    server.create("shop").await;
    let answers = futures_join(&server, 20).await;
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(ok >= 1, "{answers:?}");
    for status in &answers {
        assert!(
            [StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::CONFLICT].contains(status),
            "each answer is success, not found or in progress: {answers:?}"
        );
    }
    let (_, list) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(list["message"], "0 Instances found");
    assert!(instance_folders(dir.path()).is_empty());
    server.create("shop").await;
}

async fn futures_join(server: &Server, count: usize) -> Vec<StatusCode> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let client = reqwest::Client::new();
        let url = format!("{}/instance/delete/shop", server.api);
        let token = server.account.clone();
        tasks.spawn(async move {
            client
                .delete(url)
                .header("token", token)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    tasks.join_all().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_during_a_delete_finishes_it_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // The deletion aborts the process (no destructors, like kill -9) once the folder has
    // moved to the trash and before the rows are deleted.
    let crashing = Server::start(
        dir.path(),
        Options::default().env("SWITCHBOARD_CRASH_AT", "delete:moved"),
    )
    .await;
    crashing.create("shop").await;
    let cut = reqwest::Client::new()
        .delete(format!("{}/instance/delete/shop", crashing.api))
        .header("token", &crashing.account)
        .send()
        .await;
    assert!(cut.is_err(), "the connection dies with the process");
    drop(crashing);

    let server = Server::start(dir.path(), Options::default()).await;
    let (_, list) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(list["message"], "0 Instances found", "{list}");
    assert!(
        instance_folders(dir.path()).is_empty(),
        "nothing is left: {:?}",
        instance_folders(dir.path())
    );
    server.create("shop").await;

    // The audit record names the account token, also for the half finished after the
    // restart.
    server.signal_and_wait("-TERM").await;
    let engine = Engine::open(EngineConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    // Every record: the name now belongs to the new instance, whose history is its own.
    let audit = engine.audit_log(None).await.unwrap();
    engine.shutdown().await;
    let deletion = audit
        .iter()
        .find(|record| {
            record.instance_name == "shop"
                && record.action == AuditAction::DeleteInstance
                && record.result == "ok"
        })
        .expect("the deletion is audited");
    assert_eq!(deletion.requested_by, Requester::AccountToken, "{audit:?}");
}
