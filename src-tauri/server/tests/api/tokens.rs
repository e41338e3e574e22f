//! The token matrix: the account token reaches everything; an instance token reaches its
//! own instance's routes only, never creates or deletes, and learns nothing about other
//! names; a wrong or missing token reaches nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{assert_refused, Options, Server};

/// Every instance route that an instance token may use on its own instance, with a body
/// that passes input checks.
fn own_routes(name: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/instance/getSettings/{name}"), None),
        (
            Method::POST,
            format!("/instance/settings/{name}"),
            Some(json!({ "autoReadMessages": true })),
        ),
        (Method::GET, format!("/instance/getProxy/{name}"), None),
        (
            Method::POST,
            format!("/instance/proxy/{name}"),
            Some(json!({ "enabled": false })),
        ),
        (Method::GET, format!("/events/getWebhook/{name}"), None),
        (
            Method::POST,
            format!("/events/webhook/{name}"),
            Some(json!({ "enabled": false })),
        ),
        (Method::DELETE, format!("/instance/logout/{name}"), None),
    ]
}

#[tokio::test]
async fn an_instance_token_reaches_only_its_own_instance() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let shop = server.create("shop").await;
    server.create("other").await;

    for (method, path, body) in own_routes("shop") {
        let (status, answer) = server
            .call(method.clone(), &path, Some(&shop), body.clone())
            .await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {answer}");
        // The same route in another case of the name is the same instance.
        let upper = path.replace("shop", "SHOP");
        let (status, answer) = server.call(method, &upper, Some(&shop), body).await;
        assert_eq!(status, StatusCode::OK, "{upper}: {answer}");
    }
    for name in ["other", "ghost", "sh%2Fop"] {
        for (method, path, body) in own_routes(name) {
            let (status, answer) = server.call(method.clone(), &path, Some(&shop), body).await;
            assert_refused(status, &answer, StatusCode::UNAUTHORIZED, "Invalid token");
            assert_eq!(
                answer["error"].get("code"),
                None,
                "{method} {path} says nothing more"
            );
        }
    }
    let (status, answer) = server
        .call(
            Method::DELETE,
            "/chat/deleteChat/other",
            Some(&shop),
            Some(json!({ "number": "5511999999999" })),
        )
        .await;
    assert_refused(status, &answer, StatusCode::UNAUTHORIZED, "Invalid token");
}

#[tokio::test]
async fn an_instance_token_lists_only_itself_and_never_creates_or_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let shop = server.create("shop").await;
    server.create("other").await;

    for path in ["/instance/list", "/instance/list?instanceName=other"] {
        let (status, list) = server.call(Method::GET, path, Some(&shop), None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["message"], "1 Instance found", "{path}: {list}");
        assert_eq!(list["instances"][0]["name"], "shop");
    }
    let (status, answer) = server
        .call(
            Method::POST,
            "/instance/new",
            Some(&shop),
            Some(json!({ "name": "third" })),
        )
        .await;
    assert_refused(status, &answer, StatusCode::UNAUTHORIZED, "Invalid token");
    for name in ["shop", "other"] {
        let (status, answer) = server
            .call(
                Method::DELETE,
                &format!("/instance/delete/{name}"),
                Some(&shop),
                None,
            )
            .await;
        assert_refused(status, &answer, StatusCode::UNAUTHORIZED, "Invalid token");
    }
    let (_, all) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(
        all["message"], "2 Instances found",
        "nothing was created or deleted"
    );
}

#[tokio::test]
async fn missing_wrong_and_revoked_tokens_reach_nothing_and_bearer_works_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let shop = server.create("shop").await;
    for token in [
        None,
        Some(""),
        Some("not-a-token"),
        Some(&server.account[..63]),
    ] {
        let (status, answer) = server
            .call(Method::GET, "/instance/list", token, None)
            .await;
        assert_refused(status, &answer, StatusCode::UNAUTHORIZED, "Invalid token");
    }
    let bearer = reqwest::Client::new()
        .get(format!("{}/instance/list", server.api))
        .bearer_auth(&shop)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);

    let (status, _) = server
        .account_call(Method::DELETE, "/instance/delete/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = server
        .call(Method::GET, "/instance/list", Some(&shop), None)
        .await;
    assert_refused(status, &answer, StatusCode::UNAUTHORIZED, "Invalid token");
    // A new instance of the same name has a new token; the old one stays revoked.
    let fresh = server.create("shop").await;
    assert_ne!(fresh, shop);
    let (status, _) = server
        .call(Method::GET, "/instance/getSettings/shop", Some(&shop), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server
        .call(
            Method::GET,
            "/instance/getSettings/shop",
            Some(&fresh),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn instance_tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let shop = server.create("shop").await;
    assert!(server.signal_and_wait("-TERM").await.success());
    let again = Server::start(dir.path(), Options::default()).await;
    let (status, answer) = again
        .call(Method::GET, "/instance/getSettings/shop", Some(&shop), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}
