//! A stored media file handed out of the store: "Save as…" writes it where the person
//! chose, whole or not at all; opening takes a copy kept with the chat's data, which goes
//! when the chat goes. A file that is gone, or a place that cannot be written, answers
//! its code and changes nothing.

use std::path::Path;
use std::time::Duration;

use engine_support::{create, instance_dir, open, seed};
use switchboard_engine::EngineEvent;

const CHAT: &str = "5511900000000@s.whatsapp.net";

#[tokio::test]
async fn save_as_writes_the_stored_file_where_chosen_replacing_what_was_there() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    seed(&engine, dir.path(), &shop, 1, 2, 2).await;
    let out = tempfile::tempdir().unwrap();
    let chosen = out.path().join("shelf photo.jpg");
    std::fs::write(&chosen, b"an older file").unwrap();

    let bytes = engine
        .save_media("shop", "5511900000000", "MSG0-1", &chosen.to_string_lossy())
        .await
        .unwrap();
    assert_eq!(bytes, 101);
    assert_eq!(std::fs::read(&chosen).unwrap(), vec![7u8; 101]);
    assert_eq!(
        entries(out.path()),
        vec!["shelf photo.jpg"],
        "no temporary file left"
    );
}

#[tokio::test]
async fn save_as_refuses_a_place_it_cannot_write_and_a_file_that_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    seed(&engine, dir.path(), &shop, 1, 1, 1).await;
    let out = tempfile::tempdir().unwrap();
    for bad in [
        String::new(),
        "relative/photo.jpg".into(),
        out.path().display().to_string(),
        out.path()
            .join("nowhere")
            .join("photo.jpg")
            .display()
            .to_string(),
    ] {
        let error = engine
            .save_media("shop", CHAT, "MSG0-0", &bad)
            .await
            .unwrap_err();
        assert_eq!(
            error.code().as_str(),
            "export_destination_invalid",
            "{bad:?}"
        );
    }
    let chosen = out.path().join("photo.jpg").display().to_string();
    for (chat, message, code) in [
        (CHAT, "NOPE", "media_not_found"),
        ("not a chat", "MSG0-0", "invalid_jid"),
    ] {
        let error = engine
            .save_media("shop", chat, message, &chosen)
            .await
            .unwrap_err();
        assert_eq!(error.code().as_str(), code);
    }
    let error = engine
        .save_media("nobody", CHAT, "MSG0-0", &chosen)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "instance_not_found");

    // The file was removed from this computer behind the engine's back.
    let stored = instance_dir(dir.path(), &shop.id)
        .join("media")
        .join(CHAT)
        .join("0.jpg");
    std::fs::remove_file(stored).unwrap();
    let error = engine
        .save_media("shop", CHAT, "MSG0-0", &chosen)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "media_not_found");
    let error = engine
        .media_to_open("shop", CHAT, "MSG0-0")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "media_not_found");
    assert!(entries(out.path()).is_empty(), "nothing was written");
}

#[tokio::test]
async fn a_file_to_open_is_a_copy_kept_with_the_chat_and_deleted_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    seed(&engine, dir.path(), &shop, 2, 1, 1).await;

    let copy = engine.media_to_open("shop", CHAT, "MSG0-0").await.unwrap();
    let opened = instance_dir(dir.path(), &shop.id).join("opened").join(CHAT);
    assert_eq!(copy, opened.join("0.jpg"));
    assert_eq!(std::fs::read(&copy).unwrap(), vec![7u8; 100]);
    // Opening it again writes the same copy, not a second one.
    assert_eq!(
        engine.media_to_open("shop", CHAT, "MSG0-0").await.unwrap(),
        copy
    );
    assert_eq!(entries(&opened), vec!["0.jpg"]);
    let other = engine
        .media_to_open("shop", "5511900000001", "MSG1-0")
        .await
        .unwrap();

    // The chat deleted (here from the phone: the same removal as from the window).
    let mut events = engine.subscribe();
    engine
        .session_sink()
        .remote_chat_deleted(&shop.id, CHAT.into(), false)
        .await;
    engine_support::next_event(&mut events, "chat deleted", Duration::from_secs(10), |e| {
        matches!(e, EngineEvent::ChatDeleted { .. }).then_some(())
    })
    .await;
    assert!(!opened.exists(), "the chat's opened copies went with it");
    assert!(other.exists(), "another chat's copy stays");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
