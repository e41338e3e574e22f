//! Names as WhatsApp gives them, against wa-mock speaking the real protocol: a group's
//! subject from the group query, a contact's push name from its messages and from
//! history sync (a name saved on the phone wins), and the business name after a restart.

use std::time::Duration;

use engine_support::*;
use switchboard_engine::model::{CreateInstance, Settings};
use switchboard_engine::{Engine, EngineEvent};
use wa_mock::{GroupInfo, HistoryChat, HistoryMessage, HistoryRequest, IncomingMessage, WaMock};

const WAIT: Duration = Duration::from_secs(30);
const SHOP: &str = "5511955550000";
const MARIA: &str = "5511912345678";
const JOAO: &str = "5521988887766";
const GROUP: &str = "120363025246125486@g.us";

fn user(phone: &str) -> String {
    format!("{phone}@s.whatsapp.net")
}

fn text(chat: &str, from: &str, words: &str) -> IncomingMessage {
    IncomingMessage {
        chat: chat.into(),
        from: from.into(),
        text: Some(words.into()),
        media: None,
    }
}

/// The chat's name once it has one, within `WAIT`.
async fn chat_name(engine: &Engine, jid: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let chats = engine.list_chats("shop").await.unwrap();
        if let Some(name) = chats
            .iter()
            .find(|c| c.jid == jid)
            .and_then(|c| c.name.clone())
        {
            return name;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{jid} got no name: {chats:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_shows_its_subject_and_a_contact_its_push_name() {
    let linked = linked_engine(Settings::default(), SHOP).await;
    let (mock, engine) = (&linked.mock, &linked.engine);
    mock.set_push_name(MARIA, "Maria Souza").unwrap();
    mock.set_group(
        GROUP,
        GroupInfo {
            subject: "Fornecedores".into(),
            participants: vec![SHOP.into(), MARIA.into(), JOAO.into()],
        },
    )
    .unwrap();
    let device = &linked.linked.jid;
    mock.send_message(device, &text(&user(MARIA), &user(MARIA), "Oi"))
        .await
        .unwrap();
    mock.send_message(device, &text(GROUP, &user(JOAO), "Chegou a nota?"))
        .await
        .unwrap();

    assert_eq!(chat_name(engine, GROUP).await, "Fornecedores");
    assert_eq!(chat_name(engine, &user(MARIA)).await, "Maria Souza");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn history_sync_gives_push_names_but_a_name_saved_on_the_phone_wins() {
    let linked = linked_engine(Settings::default(), SHOP).await;
    let (mock, engine) = (&linked.mock, &linked.engine);
    mock.set_push_name(MARIA, "Maria Souza").unwrap();
    mock.set_push_name(JOAO, "João da Padaria").unwrap();
    let chat = |phone: &str, name: Option<&str>| HistoryChat {
        jid: user(phone),
        name: name.map(str::to_string),
        messages: vec![HistoryMessage {
            id: format!("H{phone}"),
            from_me: false,
            timestamp: 1_700_000_000,
            text: Some("Bom dia".into()),
            media: None,
        }],
    };
    mock.send_history(
        &linked.linked.jid,
        &HistoryRequest {
            chats: vec![chat(MARIA, None), chat(JOAO, Some("João (fornecedor)"))],
        },
    )
    .await
    .unwrap();
    assert_eq!(chat_name(engine, &user(MARIA)).await, "Maria Souza");
    assert_eq!(chat_name(engine, &user(JOAO)).await, "João (fornecedor)");
    // A later message with the push name does not replace the saved name.
    mock.send_message(&linked.linked.jid, &text(&user(JOAO), &user(JOAO), "Oi"))
        .await
        .unwrap();
    let mut events = engine.subscribe();
    next_event(&mut events, "the message stored", WAIT, |e| match e {
        EngineEvent::MessagesAdded { chat_jid, .. } if chat_jid == user(JOAO) => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(chat_name(engine, &user(JOAO)).await, "João (fornecedor)");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_business_name_survives_a_restart() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    engine
        .create_instance(CreateInstance {
            name: "shop".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let profile = wa_mock::PhoneProfile {
        business: Some("Padaria Central Ltda".into()),
        ..engine_support::actor::phone(SHOP)
    };
    link_by_qr_as(&engine, &mock, "shop", &profile).await;
    assert_eq!(
        engine_business(&engine).await.as_deref(),
        Some("Padaria Central Ltda")
    );
    engine.shutdown().await;
    drop(engine);

    let engine = Engine::open(wa_mock_config(dir.path(), &mock))
        .await
        .unwrap();
    let mut events = engine.subscribe();
    engine.start_background();
    // Connected, then the session's own profile arrives (push name, no business name).
    next_event(
        &mut events,
        "the profile after reconnecting",
        WAIT,
        |e| match e {
            EngineEvent::ProfileUpdated { profile, .. } => Some(profile),
            _ => None,
        },
    )
    .await;
    assert_eq!(
        engine_business(&engine).await.as_deref(),
        Some("Padaria Central Ltda")
    );
    engine.shutdown().await;
}

async fn engine_business(engine: &Engine) -> Option<String> {
    engine
        .get_instance("shop")
        .await
        .unwrap()
        .profile
        .business_name
}
