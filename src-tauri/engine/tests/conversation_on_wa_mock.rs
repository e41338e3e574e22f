//! A conversation against wa-mock with the real WhatsApp client: what the phone's
//! contact sends (a text, an image with a caption, a document) reads back from the
//! history with its kind and its file; an answer quoting the customer is stored as
//! sent, follows the receipts to delivered and read, and the contact's phone decrypts
//! it with the quote intact; an image and a document go through the media host and
//! the phone finds the files' hashes and bytes as sent.

use std::time::Duration;

use engine_support::{
    customer_writes, linked_engine, sha256_hex, shop_page_when, CustomerFiles, LinkedEngine,
};
use switchboard_engine::conversation::{ChatMessage, Delivery, MessageKind, SendMedia, SendText};
use switchboard_engine::model::Settings;
use switchboard_engine::EngineEvent;
use wa_mock::{MediaCheck, ReceivedKind};

const WAIT: Duration = Duration::from_secs(30);
const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

#[tokio::test(flavor = "multi_thread")]
async fn the_phones_text_image_and_document_read_back_with_kinds_and_files() {
    let settings = Settings {
        auto_download_media: true,
        ..Settings::default()
    };
    let LinkedEngine {
        mock,
        dir: _dir,
        engine,
        instance,
        linked,
    } = linked_engine(settings, "5511911112222").await;
    let mut events = engine.subscribe();

    let CustomerFiles { photo, invoice } =
        customer_writes(&mock, &linked.jid, CUSTOMER, "Good morning").await;
    engine_support::next_event(&mut events, "MessagesAdded", WAIT, |e| match e {
        EngineEvent::MessagesAdded {
            instance_id,
            chat_jid,
        } if instance_id == instance.id && chat_jid == CUSTOMER => Some(()),
        _ => None,
    })
    .await;
    let messages = shop_page_when(&engine, CUSTOMER, "three messages with two files", |m| {
        m.len() == 3 && m.iter().filter(|m| m.file.is_some()).count() == 2
    })
    .await;
    // WhatsApp stamps seconds: messages of the same second keep a stable order by id.
    let of_kind = |kind: MessageKind| {
        let found: Vec<&ChatMessage> = messages.iter().filter(|m| m.kind == kind).collect();
        assert_eq!(found.len(), 1, "one {kind:?} in {messages:?}");
        found[0]
    };
    let (text, image, document) = (
        of_kind(MessageKind::Text),
        of_kind(MessageKind::Image),
        of_kind(MessageKind::Document),
    );
    assert_eq!(text.text.as_deref(), Some("Good morning"));
    assert!(!text.from_me);
    assert_eq!(text.sender.as_deref(), Some(CUSTOMER));
    assert_eq!(image.text.as_deref(), Some("The shelf"));
    assert_eq!(document.text.as_deref(), Some("invoice.pdf"));
    for (message, bytes) in [(image, &photo), (document, &invoice)] {
        let file = message.file.as_ref().unwrap();
        let on_disk = std::fs::read(file.path.as_ref().unwrap()).unwrap();
        assert_eq!(&on_disk, bytes, "{} is the sent file", message.id);
        assert_eq!(file.bytes, bytes.len() as u64);
    }

    // The answer, quoting the customer's text, goes to WhatsApp and is stored as sent.
    let answer = engine
        .send_text(
            "shop",
            SendText {
                chat: "5511955554444".into(),
                text: "It's ready".into(),
                quote: Some(text.id.clone()),
            },
        )
        .await
        .unwrap();
    assert!(answer.from_me);
    // Sent at least: the contact's receipts may already have come in.
    assert!(answer.delivery >= Some(Delivery::Sent), "{answer:?}");
    assert_eq!(answer.kind, MessageKind::Text);
    let quoted = answer.quoted.as_ref().unwrap();
    assert_eq!(
        (quoted.id.as_str(), quoted.text.as_deref()),
        (text.id.as_str(), Some("Good morning"))
    );
    // The contact's phone receipts move it to delivered, then read, as events.
    let mut seen = Vec::new();
    while seen.last() != Some(&Delivery::Read) {
        let delivery = engine_support::next_event(&mut events, "a receipt", WAIT, |e| match e {
            EngineEvent::MessageDelivery {
                message_ids,
                delivery,
                chat_jid,
                ..
            } if message_ids == [answer.id.clone()] && chat_jid == CUSTOMER => Some(delivery),
            _ => None,
        })
        .await;
        seen.push(delivery);
    }
    assert_eq!(seen, [Delivery::Delivered, Delivery::Read]);
    // The contact's phone decrypted the answer: the text, and the quote pointing at
    // the customer's message.
    let phone = mock.phone_received("5511955554444").unwrap();
    assert_eq!(phone.len(), 1, "{phone:?}");
    let got = &phone[0];
    assert_eq!(got.id, answer.id);
    assert_eq!(got.from, mock.devices()[0].jid, "sent by the linked device");
    assert_eq!(got.kind, ReceivedKind::Text);
    assert_eq!(got.text.as_deref(), Some("It's ready"));
    assert_eq!(got.quoted_id.as_deref(), Some(text.id.as_str()));
    assert!(got.media.is_none() && got.error.is_none(), "{got:?}");
    // The customer wrote first: the answer rides the session the customer started.
    assert_eq!(got.signal.as_deref(), Some("msg"));
    let after = engine
        .chat_messages("shop", CUSTOMER, None, None)
        .await
        .unwrap();
    assert_eq!(after.messages.len(), 4);
    let stored = &after.messages[0];
    assert_eq!(stored.id, answer.id, "the newest message is the answer");
    assert_eq!(stored.delivery, Some(Delivery::Read));

    // An image with a caption and a document go up to the media host; the phone fetches
    // each file, decrypts it and finds the hashes the message names and the bytes sent.
    let files = tempfile::tempdir().unwrap();
    let shelf_photo = b"\xff\xd8\xff\xe0 the shelf, restocked".repeat(500);
    let receipt = b"%PDF-1.4 receipt 43".to_vec();
    let shelf = files.path().join("shelf.jpg");
    let receipt_path = files.path().join("receipt.pdf");
    std::fs::write(&shelf, &shelf_photo).unwrap();
    std::fs::write(&receipt_path, &receipt).unwrap();
    let mut sent = Vec::new();
    for (path, caption, quote) in [
        (&shelf, Some("In stock"), Some(image.id.clone())),
        (&receipt_path, None, None),
    ] {
        let message = engine
            .send_media(
                "shop",
                SendMedia {
                    chat: CUSTOMER.into(),
                    path: path.display().to_string(),
                    kind: None,
                    caption: caption.map(str::to_string),
                    quote,
                },
            )
            .await
            .unwrap();
        sent.push(message);
    }
    assert_eq!(
        (sent[0].kind, sent[1].kind),
        (MessageKind::Image, MessageKind::Document)
    );
    let phone = tokio::time::timeout(WAIT, async {
        loop {
            let phone = mock.phone_received("5511955554444").unwrap();
            if phone.len() == 3 {
                return phone;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the phone receives both files");
    for (got, (message, bytes, kind, mime)) in phone[1..].iter().zip([
        (&sent[0], &shelf_photo, ReceivedKind::Image, "image/jpeg"),
        (
            &sent[1],
            &receipt,
            ReceivedKind::Document,
            "application/pdf",
        ),
    ]) {
        assert_eq!((got.id.as_str(), got.kind), (message.id.as_str(), kind));
        let media = got.media.as_ref().unwrap_or_else(|| panic!("{got:?}"));
        assert_eq!(media.check, MediaCheck::Ok, "{got:?}");
        assert_eq!(media.size, bytes.len() as u64);
        assert_eq!(media.sha256.as_deref(), Some(sha256_hex(bytes).as_str()));
        assert_eq!(media.mimetype.as_deref(), Some(mime));
    }
    assert_eq!(phone[1].text.as_deref(), Some("In stock"));
    assert_eq!(phone[1].quoted_id.as_deref(), Some(image.id.as_str()));
    assert_eq!(
        phone[2].media.as_ref().unwrap().file_name.as_deref(),
        Some("receipt.pdf")
    );
    // What was sent is kept as sent, with its file.
    for (message, bytes) in [(&sent[0], &shelf_photo), (&sent[1], &receipt)] {
        let file = message.file.as_ref().unwrap();
        assert_eq!(&std::fs::read(file.path.as_ref().unwrap()).unwrap(), bytes);
    }
    engine.shutdown().await;
}
