//! The user-sync query answered as WhatsApp does: a number is on WhatsApp, a contact has
//! its phone (device 0), and the client, once answered, sends again without asking.

mod common;

use common::linked_client;
use wa_mock::WaMock;
use whatsapp_rust::Jid;

const CONTACT: &str = "5511955553333";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_on_whatsapp_and_their_devices_are_asked_for_once() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (client, linked) = linked_client(&mock, &dir.path().join("s.db"), "5511999990801").await;
    let contact: Jid = format!("{CONTACT}@s.whatsapp.net").parse().unwrap();

    let found = client
        .client
        .contacts()
        .is_on_whatsapp(std::slice::from_ref(&contact))
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].is_registered, "{found:?}");
    assert_eq!(found[0].jid.user, CONTACT);

    for text in ["one", "two", "three"] {
        client
            .client
            .send_text(contact.clone(), text)
            .await
            .unwrap();
    }
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while mock.phone_received(CONTACT).unwrap().len() < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the contact's phone got the three texts");

    let queries: Vec<_> = mock
        .received(&linked.jid)
        .unwrap()
        .into_iter()
        .filter(|r| r["kind"] == "usync")
        .collect();
    let asked_devices = queries
        .iter()
        .filter(|q| {
            q["protocols"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "devices")
                && q["users"].as_array().unwrap().iter().any(|u| u == CONTACT)
        })
        .count();
    assert_eq!(
        asked_devices, 1,
        "the contact's devices, asked once: {queries:#?}"
    );
    assert!(
        queries.iter().any(|q| q["protocols"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "contact")),
        "{queries:#?}"
    );
    client.stop().await;
}
