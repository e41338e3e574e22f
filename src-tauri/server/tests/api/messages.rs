//! A chat's messages and sendText through the server process: refusals in RyzeAPI's
//! shape with the engine's codes, and against wa-mock a customer's message read back a
//! page at a time and answered.

use reqwest::{Method, StatusCode};
use serde_json::json;
use wa_mock::{IncomingMessage, WaMock};

use crate::support::{assert_refused, Options, Server};

const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

#[tokio::test]
async fn messages_and_send_text_refuse_bad_requests_with_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    server.create("shop").await;

    let (status, body) = server
        .account_call(Method::GET, "/chat/messages/shop", None)
        .await;
    assert_refused(status, &body, StatusCode::BAD_REQUEST, "Number is required");
    let (status, body) = server
        .account_call(
            Method::GET,
            "/chat/messages/shop?number=5511911112222",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "chat_not_found");
    let (status, body) = server
        .account_call(Method::GET, "/chat/messages/shop?number=551&limit=5", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_jid");
    let (status, body) = server
        .account_call(
            Method::GET,
            "/chat/messages/shop?number=5511911112222&limit=0",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_page");
    let (status, body) = server
        .account_call(
            Method::GET,
            "/chat/messages/ghost?number=5511911112222",
            None,
        )
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Instance not found");

    let send = |body: serde_json::Value| {
        let server = &server;
        async move {
            server
                .account_call(Method::POST, "/message/sendText/shop", Some(body))
                .await
        }
    };
    let (status, body) = send(json!({ "text": "hi" })).await;
    assert_refused(status, &body, StatusCode::BAD_REQUEST, "Number is required");
    let (status, body) = send(json!({ "number": "5511911112222" })).await;
    assert_refused(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "Invalid request body",
    );
    let (status, body) = send(json!({ "number": "5511911112222", "text": " " })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_message");
    let (status, body) = send(json!({ "number": "5511911112222", "text": "hi" })).await;
    assert_refused(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "Instance is not connected to WhatsApp",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_message_is_read_in_pages_and_answered() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default().wa(mock.ws_url())).await;
    let linked = server.linked("shop", &mock, "5511911112222").await;
    for text in ["First", "Second"] {
        mock.send_message(
            &linked.jid,
            &IncomingMessage {
                chat: CUSTOMER.into(),
                from: CUSTOMER.into(),
                text: Some(text.into()),
                media: None,
            },
        )
        .await
        .unwrap();
    }
    server
        .wait_until("shop", "two messages", |i| i["counts"]["messages"] == 2)
        .await;

    let page = [("number", "5511955554444"), ("limit", "1")];
    let (status, first) = server
        .account_call(Method::GET, &messages_path(&page), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["success"], true);
    assert_eq!(first["messages"].as_array().unwrap().len(), 1);
    let next = first["next"].as_str().expect("an older page").to_string();
    let older = messages_path(&[page[0], page[1], ("before", next.as_str())]);
    let (status, second) = server.account_call(Method::GET, &older, None).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert!(
        second["next"].is_null(),
        "two messages, two pages: {second}"
    );
    let mut texts = vec![
        first["messages"][0]["text"].clone(),
        second["messages"][0]["text"].clone(),
    ];
    texts.sort_by_key(|t| t.to_string());
    assert_eq!(texts, [json!("First"), json!("Second")]);

    // A search walks the same pages and keeps what matches, in any case.
    let found = messages_path(&[("number", "5511955554444"), ("search", "SEC")]);
    let (status, found) = server.account_call(Method::GET, &found, None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let texts: Vec<_> = found["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, [json!("Second")]);
    assert!(found["next"].is_null());
    let wild = messages_path(&[("number", "5511955554444"), ("search", "%")]);
    let (status, wild) = server.account_call(Method::GET, &wild, None).await;
    assert_eq!(status, StatusCode::OK, "{wild}");
    assert_eq!(wild["messages"], json!([]), "% is looked for literally");
    let blank = messages_path(&[("number", "5511955554444"), ("search", " ")]);
    let (status, blank) = server.account_call(Method::GET, &blank, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{blank}");
    assert_eq!(blank["error"]["code"], "invalid_page");

    let quoted = first["messages"][0]["id"].clone();
    let (status, sent) = server
        .account_call(
            Method::POST,
            "/message/sendText/shop",
            Some(json!({ "number": "5511955554444", "text": "Thanks!", "quoted": quoted })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["message"]["from_me"], true);
    assert_eq!(sent["message"]["text"], "Thanks!");
    assert_eq!(sent["message"]["quoted"]["id"], quoted);
    let received = mock.received(&linked.jid).unwrap();
    assert!(
        received
            .iter()
            .any(|r| r["kind"] == "message" && r["id"] == sent["message"]["id"]),
        "the server got the answer: {received:?}"
    );
}

/// `/chat/messages/shop` with its query, encoded by the URL library.
fn messages_path(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://local/chat/messages/shop").unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}
