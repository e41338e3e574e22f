//! The account's whole instance list is answered from an encoding kept between reads,
//! in both dialects. It must never lag: at every step of a link, a settings change, a
//! logout and a deletion, the whole list shows each instance exactly as a fresh read of
//! that one instance does.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use wa_mock::{PhoneProfile, WaMock};

use crate::support::{Options, Server};

/// The instance named `name` in a whole list, if listed.
fn entry(list: &Value, name: &str) -> Option<Value> {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|i| i["name"] == name)
        .cloned()
}

/// Both dialects' whole lists, each checked against fresh filtered reads taken just
/// before and just after it; a pair of fresh reads that differ means the state moved
/// in between, and the check is taken again.
async fn whole_lists_agree(server: &Server, name: &str, listed: bool) {
    loop {
        let before = fresh(server, name).await;
        let whole = whole(server).await;
        let after = fresh(server, name).await;
        if before != after {
            continue;
        }
        let shown = (entry(&whole.0, name), entry(&whole.1, name));
        assert_eq!(
            shown, after,
            "the whole lists show {name} as fresh reads do"
        );
        assert_eq!(shown.0.is_some(), listed, "{name} listed: {listed}");
        return;
    }
}

/// `name` as the filtered list and fetchInstances show it, each read afresh.
async fn fresh(server: &Server, name: &str) -> (Option<Value>, Option<Value>) {
    let (status, ryze) = server
        .account_call(
            Method::GET,
            &format!("/instance/list?instanceName={name}"),
            None,
        )
        .await;
    let ryze = (status == StatusCode::OK).then(|| ryze["instances"][0].clone());
    let (status, evolution) = server
        .evolution(
            Method::GET,
            &format!("/instance/fetchInstances?instanceName={name}"),
            Some(&server.account),
            None,
        )
        .await;
    let evolution = (status == StatusCode::OK).then(|| evolution[0].clone());
    (ryze, evolution)
}

async fn whole(server: &Server) -> (Value, Value) {
    let (status, ryze) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ryze}");
    let (status, evolution) = server
        .evolution(
            Method::GET,
            "/instance/fetchInstances",
            Some(&server.account),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{evolution}");
    (ryze["instances"].clone(), evolution)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kept_whole_list_shows_every_change_at_once() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = Options::default()
        .wa(mock.ws_url())
        .arg("--requests-per-minute")
        .arg("100000");
    let server = Server::start(dir.path(), options).await;
    server.create("shop").await;
    server.create("spare").await;
    whole_lists_agree(&server, "shop", true).await;
    whole_lists_agree(&server, "spare", true).await;

    // Linking: the QR wait, then connected, each a live state the list lays over rows.
    let (status, qr) = server
        .account_call(Method::GET, "/instance/connect/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{qr}");
    whole_lists_agree(&server, "shop", true).await;
    let phone = PhoneProfile {
        phone: "5511933334444".into(),
        name: "Shop".into(),
        business: None,
    };
    mock.scan(qr["qrCode"].as_str().unwrap(), &phone).unwrap();
    server
        .wait_until("shop", "connected", |i| i["status"] == "connected")
        .await;
    whole_lists_agree(&server, "shop", true).await;
    let (whole_ryze, _) = whole(&server).await;
    assert_eq!(entry(&whole_ryze, "shop").unwrap()["status"], "connected");

    // A stored change.
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/settings/shop",
            Some(json!({ "autoReadMessages": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    whole_lists_agree(&server, "shop", true).await;
    let (whole_ryze, _) = whole(&server).await;
    assert_eq!(
        entry(&whole_ryze, "shop").unwrap()["settings"]["autoReadMessages"],
        true
    );

    let (status, out) = server
        .account_call(Method::DELETE, "/instance/logout/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    whole_lists_agree(&server, "shop", true).await;
    let (whole_ryze, _) = whole(&server).await;
    assert_eq!(entry(&whole_ryze, "shop").unwrap()["status"], "loggedout");

    let (status, gone) = server
        .account_call(Method::DELETE, "/instance/delete/spare", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    whole_lists_agree(&server, "spare", false).await;
    let (whole_ryze, whole_evolution) = whole(&server).await;
    assert_eq!(whole_ryze.as_array().unwrap().len(), 1, "{whole_ryze}");
    assert_eq!(whole_evolution.as_array().unwrap().len(), 1);
}
