//! The engine owns its data folder: a second engine on the same folder, in this process
//! or another, is refused with `data_folder_in_use` and changes nothing there; the
//! folder is free again after a shutdown, a drop, or the owner's death by SIGKILL.

use std::path::Path;

use engine_support::child::Holder;
use engine_support::*;
use switchboard_engine::{Engine, ErrorCode};

#[test]
fn child_process() {
    engine_support::child::serve();
}

/// What the opening chores of an engine would remove: an interrupted removal in trash/
/// and an instance folder without an instance.
fn plant_leftovers(dir: &Path) {
    std::fs::create_dir_all(dir.join("trash/interrupted")).unwrap();
    std::fs::write(dir.join("trash/interrupted/media.jpg"), b"x").unwrap();
    std::fs::create_dir_all(dir.join("instances/orphan/media")).unwrap();
}

async fn refused(dir: &Path) {
    let err = Engine::open(config(dir))
        .await
        .err()
        .expect("the open is refused");
    assert_eq!(err.code(), ErrorCode::DataFolderInUse);
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "the message names the folder: {err}"
    );
}

/// The folder is free again: the next engine opens it, does its opening chores (the
/// leftovers go) and finds the instance.
async fn owned_again(dir: &Path) {
    let engine = open(dir).await;
    assert!(trash_is_empty(dir));
    assert!(!dir.join("instances/orphan").exists());
    assert_eq!(engine.list_instances().await.unwrap()[0].name, "shop");
    engine.shutdown().await;
}

async fn engine_with_shop(dir: &Path) -> Engine {
    let engine = open(dir).await;
    create(&engine, "shop").await;
    engine
}

#[tokio::test]
async fn a_second_engine_in_this_process_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = engine_with_shop(dir.path()).await;
    plant_leftovers(dir.path());
    let before = snapshot(dir.path());

    refused(dir.path()).await;
    assert_eq!(snapshot(dir.path()), before);
    assert_eq!(
        first.list_instances().await.unwrap().len(),
        1,
        "the first engine still works"
    );

    first.shutdown().await;
    owned_again(dir.path()).await;
}

#[tokio::test]
async fn dropping_the_last_handle_gives_the_folder_up() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with_shop(dir.path()).await;
    plant_leftovers(dir.path());
    drop(engine);
    owned_again(dir.path()).await;
}

#[tokio::test]
async fn another_process_holds_the_folder_until_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    engine_with_shop(dir.path()).await.shutdown().await;

    let holder = Holder::start(dir.path()).await;
    plant_leftovers(dir.path());
    let before = snapshot(dir.path());
    refused(dir.path()).await;
    assert_eq!(snapshot(dir.path()), before);

    // SIGKILL: no shutdown ran, yet the OS dropped the lock with the process.
    holder.kill().await;
    owned_again(dir.path()).await;
}
