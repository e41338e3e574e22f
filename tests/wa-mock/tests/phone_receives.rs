//! The contact's phone receives what the real client sends it: the first message
//! (`pkmsg`, on the keys the prekey fetch served) and, once the contact answered
//! in that session, the next one (`msg`) decrypt;
//! a file is fetched from the media host, decrypted and checked against the hashes in
//! its message, and a file that does not match them is reported as such. The media
//! host takes uploads with the CDN's refusals.

mod common;

use base64::prelude::{Engine as _, BASE64_URL_SAFE_NO_PAD};
use common::http::request;
use common::linked_client;
use serde_json::Value;
use sha2::{Digest, Sha256};
use wa_mock::{IncomingMessage, MediaCheck, PhoneReceived, ReceivedKind, WaMock};
use waproto::buffa::MessageField;
use waproto::whatsapp as wa;
use whatsapp_rust::download::MediaType;
use whatsapp_rust::http::{HttpClient, HttpRequest};
use whatsapp_rust::types::events::Event;
use whatsapp_rust::upload::UploadOptions;
use whatsapp_rust::Jid;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

const CONTACT: &str = "5511955552222";

async fn received(mock: &WaMock, count: usize) -> Vec<PhoneReceived> {
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let got = mock.phone_received(CONTACT).unwrap();
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the phone did not receive {count} messages"))
}

fn contact() -> Jid {
    format!("{CONTACT}@s.whatsapp.net").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_decrypt_and_the_admin_api_lists_them() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut client, linked) =
        linked_client(&mock, &dir.path().join("s.db"), "5511999990701").await;
    let first = client
        .client
        .send_text(contact(), "Bom dia")
        .await
        .unwrap()
        .message_id;
    // The contact answers, so the client's next message rides the session (`msg`).
    let reply = mock
        .send_message(
            &linked.jid,
            &IncomingMessage {
                chat: format!("{CONTACT}@s.whatsapp.net"),
                from: format!("{CONTACT}@s.whatsapp.net"),
                text: Some("Oi".into()),
                media: None,
            },
        )
        .await
        .unwrap();
    client
        .wait_for("the contact's reply", |e| match e {
            Event::Messages(batch) => batch
                .messages
                .iter()
                .any(|m| m.info.id == reply)
                .then_some(()),
            _ => None,
        })
        .await;
    let quoting = wa::Message {
        extended_text_message: MessageField::some(wa::message::ExtendedTextMessage {
            text: Some("Sobre isto".into()),
            context_info: MessageField::some(wa::ContextInfo {
                stanza_id: Some(first.clone()),
                participant: Some(linked.jid.clone()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let second = client
        .client
        .send_message(contact(), quoting)
        .await
        .unwrap()
        .message_id;

    let got = received(&mock, 2).await;
    let device = mock.devices()[0].jid.clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].id.as_str(), got[1].id.as_str()),
        (first.as_str(), second.as_str())
    );
    assert!(
        got.iter().all(|m| m.error.is_none() && m.from == device),
        "{got:?}"
    );
    assert!(got.iter().all(|m| m.kind == ReceivedKind::Text));
    let signals: Vec<Option<&str>> = got.iter().map(|m| m.signal.as_deref()).collect();
    assert_eq!(signals, [Some("pkmsg"), Some("msg")]);
    assert_eq!(got[0].text.as_deref(), Some("Bom dia"));
    assert_eq!(got[0].quoted_id, None);
    assert_eq!(got[1].text.as_deref(), Some("Sobre isto"));
    assert_eq!(got[1].quoted_id.as_deref(), Some(first.as_str()));

    // The same list over the admin API, in plain JSON.
    let list = |phone: &str| {
        let url = format!("{}/phones/{phone}/received", mock.admin_url());
        async move { request("GET", &url, "").await }
    };
    let (status, body) = list(CONTACT).await;
    assert_eq!(status, 200, "{body}");
    let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["text"], "Sobre isto");
    assert_eq!(listed[1]["kind"], "text");
    assert_eq!(listed[1]["quoted_id"], first.as_str());
    // A phone nobody wrote to received nothing; a malformed number is refused.
    let (status, body) = list("5511900000000").await;
    assert_eq!((status, body.as_str()), (200, "[]"));
    let (status, body) = list("not-a-phone").await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_checked_against_their_hashes() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (client, _linked) = linked_client(&mock, &dir.path().join("s.db"), "5511999990702").await;
    let photo: Vec<u8> = (0..70_001u32).map(|i| (i % 251) as u8).collect();
    let up = client
        .client
        .upload(photo.clone(), MediaType::Image, UploadOptions::default())
        .await
        .expect("the media host takes the upload");
    let image = |sha: [u8; 32], enc_sha: [u8; 32], path: &str| wa::Message {
        image_message: MessageField::some(wa::message::ImageMessage {
            url: Some(up.url.clone()),
            direct_path: Some(path.to_owned()),
            media_key: Some(up.media_key.to_vec()),
            file_sha256: Some(sha.to_vec()),
            file_enc_sha256: Some(enc_sha.to_vec()),
            file_length: Some(up.file_length),
            mimetype: Some("image/jpeg".into()),
            caption: Some("a foto".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut wrong = up.file_sha256;
    wrong[0] ^= 1;
    let mut wrong_enc = up.file_enc_sha256;
    wrong_enc[0] ^= 1;
    let sends = [
        image(up.file_sha256, up.file_enc_sha256, &up.direct_path),
        image(wrong, up.file_enc_sha256, &up.direct_path),
        image(up.file_sha256, wrong_enc, &up.direct_path),
        image(
            up.file_sha256,
            up.file_enc_sha256,
            "/v/t62.7118-24/gone.enc",
        ),
    ];
    for message in sends {
        client
            .client
            .send_message(contact(), message)
            .await
            .unwrap();
    }
    let got = received(&mock, 4).await;
    let checks: Vec<MediaCheck> = got
        .iter()
        .map(|m| m.media.as_ref().expect("an image").check)
        .collect();
    assert_eq!(
        checks,
        [
            MediaCheck::Ok,
            MediaCheck::Sha256Mismatch,
            MediaCheck::EncSha256Mismatch,
            MediaCheck::NotOnHost
        ]
    );
    let good = got[0].media.as_ref().unwrap();
    assert_eq!(got[0].kind, ReceivedKind::Image);
    assert_eq!(got[0].text.as_deref(), Some("a foto"));
    assert_eq!(good.size, photo.len() as u64);
    let hex: String = Sha256::digest(&photo)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(good.sha256.as_deref(), Some(hex.as_str()));
    assert_eq!(good.mimetype.as_deref(), Some("image/jpeg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_host_takes_uploads_as_the_cdn_does() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (client, _linked) = linked_client(&mock, &dir.path().join("s.db"), "5511999990703").await;
    let conn = client.client.refresh_media_conn(false).await.unwrap();
    let host = &conn.hosts[0].hostname;
    let http = UreqHttpClient::new();
    let blob = b"an encrypted file, as the host sees it".to_vec();
    let token = BASE64_URL_SAFE_NO_PAD.encode(Sha256::digest(&blob));
    let post = |path: String, body: Vec<u8>| {
        let request = HttpRequest::post(format!("https://{host}{path}")).with_body(body);
        let http = &http;
        async move { http.execute(request).await.unwrap() }
    };
    let auth = &conn.auth;
    let upload = |kind: &str, token: &str, auth: &str| {
        format!("/mms/{kind}/{token}?auth={auth}&token={token}")
    };

    let refused = [
        (upload("image", &token, "stale"), 401),
        (
            upload("image", &BASE64_URL_SAFE_NO_PAD.encode([0u8; 32]), auth),
            400,
        ),
        (upload("sticker-pack", &token, auth), 404),
        (format!("{}&resume=1", upload("image", &token, auth)), 404),
    ];
    for (path, status) in refused {
        let answer = post(path.clone(), blob.clone()).await;
        assert_eq!(answer.status_code, status, "{path}");
    }
    let answer = post(upload("document", &token, auth), blob.clone()).await;
    assert_eq!(answer.status_code, 200);
    let stored: Value = serde_json::from_slice(&answer.body).unwrap();
    let direct_path = stored["direct_path"].as_str().unwrap();
    assert!(direct_path.starts_with("/v/t62.7119-24/"), "{stored}");
    assert_eq!(stored["url"], format!("https://{host}{direct_path}"));
    // Downloading it back (with the same auth and token) gives the same bytes.
    let url = format!("https://{host}{direct_path}?auth={auth}&token={token}");
    let back = http.execute(HttpRequest::get(url)).await.unwrap();
    assert_eq!((back.status_code, back.body), (200, blob));
}
