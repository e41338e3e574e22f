#![recursion_limit = "256"]
//! Profile pictures: the phone sets one, the client asks where it is and downloads it.

mod common;

use common::http::request;
use common::linked_client;
use wa_mock::WaMock;
use whatsapp_rust::http::HttpRequest;
use whatsapp_rust::prelude::*;

/// A few bytes that start like a JPEG; the mock serves whatever the phone set.
fn jpeg(tag: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend(std::iter::repeat_n(tag, 300));
    bytes
}

async fn fetch(client: &Client, url: &str) -> (u16, Vec<u8>) {
    let response = client
        .http_client
        .execute(HttpRequest::get(url))
        .await
        .expect("the media host answers");
    (response.status_code, response.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_picture_is_found_and_downloaded_and_a_replaced_one_is_gone() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (client, linked) =
        linked_client(&mock, &dir.path().join("session.db"), "5511999990401").await;
    let me: Jid = linked.jid.parse().unwrap();
    let contacts = client.client.contacts();

    assert!(contacts
        .get_profile_picture(&me, false)
        .await
        .unwrap()
        .is_none());

    mock.set_profile_picture("5511999990401", Some(jpeg(1)))
        .unwrap();
    let first = contacts
        .get_profile_picture(&me, false)
        .await
        .unwrap()
        .expect("a picture now");
    assert_eq!(fetch(&client.client, &first.url).await, (200, jpeg(1)));

    mock.set_profile_picture("5511999990401", Some(jpeg(2)))
        .unwrap();
    let second = contacts
        .get_profile_picture(&me, false)
        .await
        .unwrap()
        .expect("the new picture");
    assert_ne!(second.id, first.id, "a new picture has a new id");
    assert_eq!(fetch(&client.client, &second.url).await, (200, jpeg(2)));
    assert_eq!(fetch(&client.client, &first.url).await.0, 404);

    mock.set_profile_picture("5511999990401", None).unwrap();
    assert!(contacts
        .get_profile_picture(&me, false)
        .await
        .unwrap()
        .is_none());
    assert_eq!(fetch(&client.client, &second.url).await.0, 404);
    client.stop().await;
}

#[tokio::test]
async fn bad_pictures_and_phones_are_refused() {
    let mock = WaMock::start().await.unwrap();
    let empty = mock.set_profile_picture("5511999990402", Some(Vec::new()));
    assert_eq!(empty.unwrap_err().code(), "bad_request");
    let huge = mock.set_profile_picture("5511999990402", Some(vec![0; 2 * 1024 * 1024 + 1]));
    assert_eq!(huge.unwrap_err().code(), "bad_request");
    let phone = mock.set_profile_picture("not-a-phone", Some(jpeg(1)));
    assert_eq!(phone.unwrap_err().code(), "bad_request");

    let admin = mock.admin_url();
    let (status, _) = request("PUT", &format!("{admin}/phones/5511999990402/picture"), "").await;
    assert_eq!(status, 400, "an empty picture");
    let (status, _) = request("PUT", &format!("{admin}/phones/12/picture"), "x").await;
    assert_eq!(status, 400, "a phone too short");
    let (status, body) = request(
        "PUT",
        &format!("{admin}/phones/5511999990402/picture"),
        "jpeg",
    )
    .await;
    assert_eq!((status, body.as_str()), (200, r#"{"ok":true}"#));
    let (status, _) = request(
        "DELETE",
        &format!("{admin}/phones/5511999990402/picture"),
        "",
    )
    .await;
    assert_eq!(status, 200);
}
