//! Sending, short of WhatsApp: every refusal comes with its code before anything is
//! uploaded, and a refused send stores nothing (no row, no file).

use engine_support::*;
use switchboard_engine::conversation::{MessageKind, SendMedia, SendText};
use switchboard_engine::records::MessageUpsert;
use switchboard_engine::ErrorCode;

const CHAT: &str = "5511988887777@s.whatsapp.net";

fn text(chat: &str, text: &str, quote: Option<&str>) -> SendText {
    SendText {
        chat: chat.into(),
        text: text.into(),
        quote: quote.map(str::to_string),
    }
}

fn media(path: &std::path::Path, kind: Option<MessageKind>) -> SendMedia {
    SendMedia {
        chat: CHAT.into(),
        path: path.display().to_string(),
        kind,
        caption: None,
        quote: None,
    }
}

#[tokio::test]
async fn refused_sends_have_their_code_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    engine
        .session_sink()
        .messages(
            &instance.id,
            vec![MessageUpsert {
                chat_jid: CHAT.into(),
                id: "IN1".into(),
                timestamp: 1,
                text: Some("hello".into()),
                ..Default::default()
            }],
        )
        .await;
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("photo.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff").unwrap();
    let huge = files.path().join("huge.png");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(5 * 1024 * 1024 + 1)
        .unwrap();
    let tool = files.path().join("tool.exe");
    std::fs::write(&tool, b"MZ").unwrap();

    let code = |r: Result<_, switchboard_engine::Error>| r.unwrap_err().code();
    // Input first, whatever the connection.
    assert_eq!(
        code(
            engine
                .send_text("shop", text("not a jid", "hi", None))
                .await
        ),
        ErrorCode::InvalidJid
    );
    assert_eq!(
        code(engine.send_text("shop", text(CHAT, "  ", None)).await),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(engine.send_text("nope", text(CHAT, "hi", None)).await),
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        code(
            engine
                .send_text("shop", text(CHAT, "hi", Some("GONE")))
                .await
        ),
        ErrorCode::MessageNotFound
    );
    assert_eq!(
        code(
            engine
                .send_media("shop", media(&files.path().join("missing.pdf"), None))
                .await
        ),
        ErrorCode::FileNotFound
    );
    assert_eq!(
        code(engine.send_media("shop", media(&huge, None)).await),
        ErrorCode::MediaTooLarge
    );
    assert_eq!(
        code(
            engine
                .send_media("shop", media(&tool, Some(MessageKind::Video)))
                .await
        ),
        ErrorCode::UnsupportedMedia
    );
    // Good input on an instance that is not connected.
    assert_eq!(
        code(
            engine
                .send_text("shop", text("5511988887777", "hi", Some("IN1")))
                .await
        ),
        ErrorCode::NotConnected
    );
    assert_eq!(
        code(engine.send_media("shop", media(&photo, None)).await),
        ErrorCode::NotConnected
    );

    let page = engine
        .chat_messages("shop", CHAT, None, None)
        .await
        .unwrap();
    let ids: Vec<&str> = page.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["IN1"], "nothing refused was stored");
    assert!(media_is_empty(dir.path(), &instance.id), "no file was kept");
    let chats = engine.list_chats("shop").await.unwrap();
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].messages, 1);
}
