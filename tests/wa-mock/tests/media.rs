//! Incoming media: the phone's contact sends each kind of file, encrypted as
//! WhatsApp does; the client downloads it from the mock's CDN and decrypts it.

mod common;

use std::sync::Arc;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use common::http::request;
use common::{linked_client, TestClient};
use serde_json::{json, Value};
use wa_mock::{IncomingMessage, MockError, WaMock};
use waproto::whatsapp as wa;
use whatsapp_rust::types::events::Event;
use whatsapp_rust::ErrorChainExt;

const SENDER: &str = "5511955553333@s.whatsapp.net";

/// Distinct, non-block-aligned contents so a wrong key, IV or padding shows.
fn file_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn media_message(kind: &str, mime: &str, name: Option<&str>, bytes: &[u8]) -> IncomingMessage {
    let mut media =
        json!({"kind": kind, "mime": mime, "bytes_base64": BASE64_STANDARD.encode(bytes)});
    if let Some(name) = name {
        media["file_name"] = json!(name);
    }
    serde_json::from_value(json!({"chat": SENDER, "from": SENDER, "media": media}))
        .expect("valid message body")
}

async fn next_message(client: &mut TestClient, id: &str) -> Arc<wa::Message> {
    client
        .wait_for("the media message", |e| match e {
            Event::Messages(batch) => batch
                .messages
                .iter()
                .find(|m| m.info.id == id)
                .map(|m| m.message.clone()),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_media_kind_downloads_byte_identical() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990501").await;

    let image = file_bytes(1, 5_003);
    let mut msg = media_message("image", "image/jpeg", None, &image);
    msg.text = Some("a foto".into());
    let id = mock.send_message(&linked.jid, &msg).await.unwrap();
    let got = next_message(&mut client, &id).await;
    let image_msg = got.image_message.as_option().expect("an ImageMessage");
    assert_eq!(image_msg.caption.as_deref(), Some("a foto"));
    assert_eq!(image_msg.mimetype.as_deref(), Some("image/jpeg"));
    assert_eq!(image_msg.file_length, Some(image.len() as u64));
    assert_eq!(client.client.download(image_msg).await.unwrap(), image);

    let document = file_bytes(2, 16 * 1024);
    let msg = media_message("document", "application/pdf", Some("nota.pdf"), &document);
    let id = mock.send_message(&linked.jid, &msg).await.unwrap();
    let got = next_message(&mut client, &id).await;
    let doc = got.document_message.as_option().expect("a DocumentMessage");
    assert_eq!(doc.file_name.as_deref(), Some("nota.pdf"));
    assert_eq!(client.client.download(doc).await.unwrap(), document);

    let audio = file_bytes(3, 777);
    let msg = media_message("audio", "audio/ogg; codecs=opus", None, &audio);
    let id = mock.send_message(&linked.jid, &msg).await.unwrap();
    let got = next_message(&mut client, &id).await;
    let audio_msg = got.audio_message.as_option().expect("an AudioMessage");
    assert_eq!(client.client.download(audio_msg).await.unwrap(), audio);

    let video = file_bytes(4, 300_001);
    let msg = media_message("video", "video/mp4", None, &video);
    let id = mock.send_message(&linked.jid, &msg).await.unwrap();
    let got = next_message(&mut client, &id).await;
    let video_msg = got.video_message.as_option().expect("a VideoMessage");
    assert_eq!(client.client.download(video_msg).await.unwrap(), video);

    // A pointer the CDN does not hold (wrong hash token) is refused, not served.
    let mut tampered = video_msg.clone();
    tampered.file_enc_sha256 = Some(vec![0; 32]);
    assert!(client.client.download(&tampered).await.is_err());
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_media_is_refused_before_anything_is_sent() {
    let mock = WaMock::start().await.unwrap();
    let admin = mock.admin_url();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990502").await;
    let url = format!("{admin}/devices/5511999990502/messages");

    let cases = [
        json!({"kind": "image", "mime": "image/png", "bytes_base64": "%%%"}),
        json!({"kind": "image", "mime": "png", "bytes_base64": "AAAA"}),
        json!({"kind": "image", "mime": "image/png", "bytes_base64": ""}),
        json!({"kind": "sticker", "mime": "image/webp", "bytes_base64": "AAAA"}),
        json!({"kind": "image", "mime": "image/png", "bytes_base64": "AAAA", "extra": 1}),
    ];
    for media in cases {
        let body = json!({"chat": SENDER, "from": SENDER, "media": media}).to_string();
        let (status, body) = request("POST", &url, &body).await;
        assert_eq!(status, 400, "{media}: {body}");
        let err: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(err["error"], "bad_request");
    }
    let mut audio = media_message("audio", "audio/ogg", None, b"ogg");
    audio.text = Some("audio has no caption".into());
    assert!(matches!(
        mock.send_message(&linked.jid, &audio).await,
        Err(MockError::BadRequest(_))
    ));
    let image = media_message("image", "image/png", None, b"png");
    assert!(matches!(
        mock.send_message("5500000000000", &image).await,
        Err(MockError::UnknownDevice(_))
    ));

    // The device is still reachable after the refusals: a good file arrives.
    let (status, body) = request(
        "POST",
        &url,
        &json!({"chat": SENDER, "from": SENDER,
                "media": {"kind": "document", "mime": "text/plain", "file_name": "a.txt",
                          "bytes_base64": BASE64_STANDARD.encode("olá")}})
        .to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = next_message(&mut client, &id).await;
    let doc = got.document_message.as_option().expect("a DocumentMessage");
    assert_eq!(client.client.download(doc).await.unwrap(), "olá".as_bytes());
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_file_answers_gone_and_others_still_download() {
    let mock = WaMock::start().await.unwrap();
    let admin = mock.admin_url();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990503").await;
    let old = file_bytes(5, 2_001);
    let kept = file_bytes(6, 1_003);
    let id = mock
        .send_message(
            &linked.jid,
            &media_message("image", "image/jpeg", None, &old),
        )
        .await
        .unwrap();
    let got = next_message(&mut client, &id).await;
    let old_msg = got
        .image_message
        .as_option()
        .expect("an ImageMessage")
        .clone();
    let id = mock
        .send_message(
            &linked.jid,
            &media_message("image", "image/jpeg", None, &kept),
        )
        .await
        .unwrap();
    let got = next_message(&mut client, &id).await;
    let kept_msg = got
        .image_message
        .as_option()
        .expect("an ImageMessage")
        .clone();

    let sha256: String = old_msg
        .file_sha256
        .as_deref()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (status, body) = request("DELETE", &format!("{admin}/media/{sha256}"), "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["forgotten"],
        1
    );

    let refused = client.client.download(&old_msg).await.unwrap_err();
    let chain: &(dyn std::error::Error + Send + Sync + 'static) = refused.as_ref();
    assert_eq!(chain.http_status(), Some(410), "{refused:#}");
    assert_eq!(client.client.download(&kept_msg).await.unwrap(), kept);

    // Forgetting again, or a file never held, names what is wrong.
    let (status, body) = request("DELETE", &format!("{admin}/media/{sha256}"), "").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "unknown_media"
    );
    assert!(matches!(
        mock.forget_media("not-a-hash"),
        Err(MockError::BadRequest(_))
    ));
    client.stop().await;
}
