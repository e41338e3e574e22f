//! Media that arrived while auto-download was off, fetched later on demand against
//! wa-mock with the real client: the phone's image and document (and a history-sync
//! image) show without files, download into the store with the hash the phone sent
//! (a local folder, or the instance's S3 bucket), and every refusal is coded: a file
//! the media host forgot is `media_expired` and leaves nothing behind.

use std::time::Duration;

use engine_support::s3::S3Server;
use engine_support::{
    attachment, customer_writes, linked_engine, sha256_hex, shop_page_when, CustomerFiles,
    LinkedEngine,
};
use switchboard_engine::conversation::{ChatMessage, MessageKind};
use switchboard_engine::model::{InstanceState, Settings};
use switchboard_engine::{EngineEvent, ErrorCode};
use wa_mock::{HistoryChat, HistoryMessage, HistoryRequest, IncomingMediaKind};

const WAIT: Duration = Duration::from_secs(30);
const CUSTOMER: &str = "5511955556666@s.whatsapp.net";

fn of_kind(messages: &[ChatMessage], kind: MessageKind) -> ChatMessage {
    let found: Vec<&ChatMessage> = messages.iter().filter(|m| m.kind == kind).collect();
    assert_eq!(found.len(), 1, "one {kind:?} in {messages:?}");
    found[0].clone()
}

/// The customer's text, photo and invoice, stored without files (auto-download off).
async fn customer_media_without_files(
    linked: &LinkedEngine,
) -> (CustomerFiles, ChatMessage, ChatMessage, ChatMessage) {
    let files = customer_writes(&linked.mock, &linked.linked.jid, CUSTOMER, "Hi").await;
    shop_page_when(&linked.engine, CUSTOMER, "three messages", |m| m.len() == 3).await;
    // Nothing is downloaded behind the test's back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages =
        shop_page_when(&linked.engine, CUSTOMER, "the same three", |m| m.len() == 3).await;
    assert!(messages.iter().all(|m| m.file.is_none()), "{messages:?}");
    let text = of_kind(&messages, MessageKind::Text);
    let image = of_kind(&messages, MessageKind::Image);
    let document = of_kind(&messages, MessageKind::Document);
    (files, text, image, document)
}

#[tokio::test(flavor = "multi_thread")]
async fn media_left_on_whatsapp_downloads_later_with_the_phones_hash() {
    let linked = linked_engine(Settings::default(), "5511911113333").await;
    let engine = &linked.engine;
    let mut events = engine.subscribe();
    let (files, text, image, document) = customer_media_without_files(&linked).await;

    for (message, sent) in [(&image, &files.photo), (&document, &files.invoice)] {
        let got = engine
            .download_media("shop", CUSTOMER, &message.id)
            .await
            .unwrap();
        let file = got.file.clone().expect("the message points at its file");
        let path = file.path.clone().expect("a local file");
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(sha256_hex(&on_disk), sha256_hex(sent), "{}", message.id);
        assert_eq!(file.bytes, sent.len() as u64);
        let announced = engine_support::next_event(&mut events, "MediaStored", WAIT, |e| match e {
            EngineEvent::MediaStored { message, .. } if message.id == got.id => Some(message),
            _ => None,
        })
        .await;
        assert_eq!(announced, got);
        // A second ask answers the stored file at once, unchanged.
        let again = engine
            .download_media("shop", CUSTOMER, &message.id)
            .await
            .unwrap();
        assert_eq!(again, got);
    }
    assert_eq!(
        document.text.as_deref(),
        Some("invoice.pdf"),
        "the document kept its name"
    );
    let shown = engine.get_instance("shop").await.unwrap();
    assert_eq!(shown.counts.media_files, 2);

    // Refusals, each coded.
    let code = |r: switchboard_engine::Result<ChatMessage>| r.unwrap_err().code();
    assert_eq!(
        code(engine.download_media("shop", CUSTOMER, &text.id).await),
        ErrorCode::NoMedia
    );
    assert_eq!(
        code(engine.download_media("shop", CUSTOMER, "3EB0NOSUCH").await),
        ErrorCode::MessageNotFound
    );
    assert_eq!(
        code(engine.download_media("shop", CUSTOMER, "").await),
        ErrorCode::MessageNotFound
    );
    assert_eq!(
        code(engine.download_media("shop", "not a chat", &image.id).await),
        ErrorCode::InvalidJid
    );
    assert_eq!(
        code(engine.download_media("nobody", CUSTOMER, &image.id).await),
        ErrorCode::InstanceNotFound
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_whatsapp_forgot_is_media_expired_and_nothing_is_kept() {
    let linked = linked_engine(Settings::default(), "5511911114444").await;
    let engine = &linked.engine;
    let (files, _, image, document) = customer_media_without_files(&linked).await;
    assert_eq!(
        linked.mock.forget_media(&sha256_hex(&files.photo)).unwrap(),
        1
    );

    let error = engine
        .download_media("shop", CUSTOMER, &image.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::MediaExpired, "{error}");
    assert!(
        error
            .to_string()
            .contains("WhatsApp no longer has this file"),
        "{error}"
    );
    let media_dir = linked
        .dir
        .path()
        .join("instances")
        .join(&linked.instance.id)
        .join("media");
    assert!(
        engine_support::files_under(&media_dir).is_empty(),
        "no partial file"
    );
    let messages = shop_page_when(engine, CUSTOMER, "the same three", |m| m.len() == 3).await;
    assert!(messages.iter().all(|m| m.file.is_none()), "no row changed");
    assert_eq!(
        engine
            .get_instance("shop")
            .await
            .unwrap()
            .counts
            .media_files,
        0
    );

    // The document the host still holds downloads.
    let got = engine
        .download_media("shop", CUSTOMER, &document.id)
        .await
        .unwrap();
    assert_eq!(got.file.unwrap().bytes, files.invoice.len() as u64);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_that_is_not_connected_cannot_download() {
    let linked = linked_engine(Settings::default(), "5511911115555").await;
    let engine = &linked.engine;
    let (_, _, image, _) = customer_media_without_files(&linked).await;
    let mut events = engine.subscribe();
    linked.mock.logout_device(&linked.linked.jid).unwrap();
    engine_support::next_event(&mut events, "the logout", WAIT, |e| match e {
        EngineEvent::StateChanged {
            state: InstanceState::Loggedout { .. },
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    let error = engine
        .download_media("shop", CUSTOMER, &image.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotConnected, "{error}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn history_media_downloads_later_into_the_bucket() {
    let server = S3Server::start().await;
    let linked = linked_engine(Settings::default(), "5511911116666").await;
    let engine = &linked.engine;
    engine
        .set_s3("shop", Some(server.config("wa")))
        .await
        .unwrap();
    let photo = b"\x89PNG an old photo from history".to_vec();
    linked
        .mock
        .send_history(
            &linked.linked.jid,
            &HistoryRequest {
                chats: vec![HistoryChat {
                    jid: CUSTOMER.into(),
                    name: Some("Ana".into()),
                    messages: vec![HistoryMessage {
                        id: "3EB0HISTORYPHOTO".into(),
                        from_me: false,
                        timestamp: 1_700_000_000,
                        text: Some("Last year".into()),
                        media: Some(attachment(
                            IncomingMediaKind::Image,
                            "image/png",
                            None,
                            &photo,
                        )),
                    }],
                }],
            },
        )
        .await
        .unwrap();
    let messages = shop_page_when(engine, CUSTOMER, "the history photo", |m| m.len() == 1).await;
    assert!(messages[0].file.is_none(), "{messages:?}");

    let got = engine
        .download_media("shop", CUSTOMER, "3EB0HISTORYPHOTO")
        .await
        .unwrap();
    assert_eq!(got.file.as_ref().unwrap().bytes, photo.len() as u64);
    tokio::time::timeout(WAIT, async {
        loop {
            let shown = engine.get_instance("shop").await.unwrap();
            if shown.s3.is_some_and(|s3| s3.uploads_pending == 0) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the upload finished");
    let store = switchboard_engine::s3::S3Store::new(
        &switchboard_engine::s3::config::validate(server.config("wa"), None).unwrap(),
        &switchboard_engine::s3::S3Tuning::default(),
    )
    .unwrap();
    let keys = store
        .list(&format!("wa/{}/{CUSTOMER}/", linked.instance.id))
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let object = store.get(&keys[0].0).await.unwrap().unwrap();
    assert_eq!(sha256_hex(&object.bytes), sha256_hex(&photo));
    let messages = shop_page_when(engine, CUSTOMER, "the photo in the bucket", |m| {
        m[0].file.as_ref().is_some_and(|f| f.path.is_none())
    })
    .await;
    assert_eq!(messages[0].file.as_ref().unwrap().bytes, photo.len() as u64);
    engine.shutdown().await;
}
