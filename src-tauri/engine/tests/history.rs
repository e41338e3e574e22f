//! Reading a conversation: pages newest first through a keyset cursor, every kind
//! as stored, the stored file beside its message, and coded refusals for bad input.

use engine_support::*;
use switchboard_engine::conversation::{Location, MessageKind, QuotedMessage};
use switchboard_engine::records::{MediaSaved, MessageUpsert};
use switchboard_engine::ErrorCode;

const CHAT: &str = "5511988887777@s.whatsapp.net";

fn message(id: &str, timestamp: i64) -> MessageUpsert {
    MessageUpsert {
        chat_jid: CHAT.into(),
        id: id.into(),
        sender: Some(CHAT.into()),
        timestamp,
        text: Some(format!("text {id}")),
        ..Default::default()
    }
}

#[tokio::test]
async fn pages_run_newest_first_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    let sink = engine.session_sink();
    // Two messages share a timestamp: the id orders them, and the cursor keeps both.
    let stored: Vec<MessageUpsert> = [("A", 10), ("B", 20), ("C", 20), ("D", 30), ("E", 40)]
        .into_iter()
        .map(|(id, t)| message(id, t))
        .collect();
    sink.messages(&instance.id, stored).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .chat_messages("shop", "5511988887777", cursor.as_deref(), Some(2))
            .await
            .unwrap();
        assert!(page.messages.len() <= 2);
        seen.extend(page.messages.iter().map(|m| m.id.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["E", "D", "C", "B", "A"]);

    let first = engine
        .chat_messages("shop", CHAT, None, None)
        .await
        .unwrap();
    assert_eq!(first.messages.len(), 5);
    assert!(first.next.is_none(), "one page holds the whole chat");
}

#[tokio::test]
async fn each_kind_reads_back_as_stored_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    let sink = engine.session_sink();
    let reply = MessageUpsert {
        quoted: Some(QuotedMessage {
            id: "TEXT".into(),
            text: Some("text TEXT".into()),
        }),
        from_me: true,
        sender: None,
        ..message("REPLY", 4)
    };
    let place = MessageUpsert {
        kind: MessageKind::Location,
        text: Some("Shop".into()),
        location: Some(Location {
            latitude: -23.5,
            longitude: -46.6,
        }),
        ..message("PLACE", 3)
    };
    let voice = MessageUpsert {
        kind: MessageKind::Voice,
        text: None,
        sender_name: Some("Ana".into()),
        ..message("VOICE", 2)
    };
    sink.messages(&instance.id, vec![message("TEXT", 1), voice, place, reply])
        .await;
    let relative = format!("media/{CHAT}/VOICE.ogg");
    std::fs::create_dir_all(
        dir.path()
            .join("instances")
            .join(&instance.id)
            .join(format!("media/{CHAT}")),
    )
    .unwrap();
    sink.media_saved(
        &instance.id,
        MediaSaved {
            chat_jid: CHAT.into(),
            message_id: "VOICE".into(),
            relative_path: relative.clone(),
            bytes: 3,
            mime: Some("audio/ogg".into()),
        },
    )
    .await;

    let page = engine
        .chat_messages("shop", CHAT, None, None)
        .await
        .unwrap();
    let ids: Vec<&str> = page.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["REPLY", "PLACE", "VOICE", "TEXT"]);
    let [reply, place, voice, text] = &page.messages[..] else {
        unreachable!()
    };
    assert_eq!(reply.kind, MessageKind::Text);
    assert!(reply.from_me);
    assert_eq!(reply.quoted.as_ref().unwrap().id, "TEXT");
    assert_eq!(place.kind, MessageKind::Location);
    assert_eq!(place.location.as_ref().unwrap().latitude, -23.5);
    assert_eq!(place.text.as_deref(), Some("Shop"));
    assert_eq!(voice.kind, MessageKind::Voice);
    assert_eq!(voice.sender_name.as_deref(), Some("Ana"));
    let file = voice.file.as_ref().expect("the voice note's file");
    assert_eq!(file.bytes, 3);
    assert_eq!(file.mime.as_deref(), Some("audio/ogg"));
    let path = std::path::PathBuf::from(file.path.as_ref().unwrap());
    assert!(path.is_absolute());
    assert!(path.ends_with(&relative));
    assert!(text.file.is_none() && text.quoted.is_none() && text.delivery.is_none());
}

#[tokio::test]
async fn bad_input_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "shop").await;
    engine
        .session_sink()
        .messages(&instance.id, vec![message("A", 1)])
        .await;
    let code = |r: Result<_, switchboard_engine::Error>| r.unwrap_err().code();
    assert_eq!(
        code(engine.chat_messages("nope", CHAT, None, None).await),
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        code(engine.chat_messages("shop", "not a jid", None, None).await),
        ErrorCode::InvalidJid
    );
    assert_eq!(
        code(
            engine
                .chat_messages("shop", "5511911112222", None, None)
                .await
        ),
        ErrorCode::ChatNotFound
    );
    for cursor in ["", "x", "10", "abc:ID"] {
        assert_eq!(
            code(engine.chat_messages("shop", CHAT, Some(cursor), None).await),
            ErrorCode::InvalidPage,
            "{cursor:?}"
        );
    }
    for limit in [0, 201] {
        assert_eq!(
            code(engine.chat_messages("shop", CHAT, None, Some(limit)).await),
            ErrorCode::InvalidPage
        );
    }
}
