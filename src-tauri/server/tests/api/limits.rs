//! The limits, configured small: requests per token per minute (429 with Retry-After,
//! other tokens unaffected) and instance deletions per minute.

use reqwest::{Method, StatusCode};

use crate::support::{assert_refused, Options, Server};

/// Asks `path` with the account token, expects RyzeAPI's 429, answers its Retry-After.
async fn refused_for(server: &Server, method: Method, path: &str) -> u64 {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", server.api))
        .header("token", &server.account)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Rate limit exceeded. Try again later."
    );
    wait
}

#[tokio::test]
async fn each_token_is_limited_per_minute_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default().arg("--requests-per-minute").arg("5"),
    )
    .await;
    // One request of the budget goes to creating the instance.
    let shop = server.create("shop").await;
    for _ in 0..4 {
        let (status, _) = server
            .account_call(Method::GET, "/instance/list", None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let wait = refused_for(&server, Method::GET, "/instance/list").await;
    assert!((1..=60).contains(&wait), "{wait}");

    let (status, _) = server
        .call(Method::GET, "/instance/list", Some(&shop), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the instance's token has its own budget"
    );
}

#[tokio::test]
async fn deletions_are_limited_per_minute_before_anything_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default().arg("--deletes-per-minute").arg("2"),
    )
    .await;
    for name in ["a1", "a2", "a3"] {
        server.create(name).await;
    }
    for name in ["a1", "a2"] {
        let (status, body) = server
            .account_call(Method::DELETE, &format!("/instance/delete/{name}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = server
        .account_call(Method::DELETE, "/instance/delete/a3", None)
        .await;
    assert_refused(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded. Try again later.",
    );
    assert_eq!(server.listed("a3").await["name"], "a3", "a3 is still there");
}

#[tokio::test]
async fn deletions_are_limited_per_hour_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default().arg("--deletes-per-hour").arg("1"),
    )
    .await;
    server.create("b1").await;
    server.create("b2").await;
    let (status, _) = server
        .account_call(Method::DELETE, "/instance/delete/b1", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let wait = refused_for(&server, Method::DELETE, "/instance/delete/b2").await;
    assert!(wait > 60, "the hour's budget answers: {wait}");
}
