//! Refused sends on a number linked to wa-mock (the real WhatsApp client): a missing
//! file and an oversized file are refused with their codes while connected, a text
//! after the number logged out is `not_connected`, and none of them leaves a message,
//! a file, or anything on the contact's phone or the server.

use engine_support::{linked_engine, LinkedEngine};
use switchboard_engine::conversation::{SendMedia, SendText};
use switchboard_engine::model::Settings;
use switchboard_engine::ErrorCode;

const CONTACT: &str = "5511955556666";

fn media(path: &std::path::Path) -> SendMedia {
    SendMedia {
        chat: CONTACT.into(),
        path: path.display().to_string(),
        kind: None,
        caption: Some("the photo".into()),
        quote: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_sends_store_nothing_and_reach_nobody() {
    let LinkedEngine {
        mock,
        dir,
        engine,
        instance,
        linked,
    } = linked_engine(Settings::default(), "5511911113333").await;
    let files = tempfile::tempdir().unwrap();
    let huge = files.path().join("huge.jpg");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 * 1024 * 1024)
        .unwrap();

    let code = |r: Result<_, switchboard_engine::Error>| r.unwrap_err().code();
    let missing = engine
        .send_media("shop", media(&files.path().join("gone.jpg")))
        .await;
    assert_eq!(code(missing), ErrorCode::FileNotFound);
    assert_eq!(
        code(engine.send_media("shop", media(&huge)).await),
        ErrorCode::MediaTooLarge
    );

    engine.logout("shop").await.unwrap();
    let text = SendText {
        chat: CONTACT.into(),
        text: "hello?".into(),
        quote: None,
    };
    assert_eq!(
        code(engine.send_text("shop", text).await),
        ErrorCode::NotConnected
    );

    let jid = format!("{CONTACT}@s.whatsapp.net");
    assert_eq!(
        engine
            .chat_messages("shop", &jid, None, None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::ChatNotFound,
        "not even an empty chat was made"
    );
    assert!(engine.list_chats("shop").await.unwrap().is_empty());
    assert!(
        engine_support::media_is_empty(dir.path(), &instance.id),
        "no file was kept"
    );
    assert!(mock.phone_received(CONTACT).unwrap().is_empty());
    let server_got = mock.received(&linked.jid).unwrap();
    assert!(
        !server_got.iter().any(|r| r["kind"] == "message"),
        "no message reached the server: {server_got:?}"
    );
    engine.shutdown().await;
}
