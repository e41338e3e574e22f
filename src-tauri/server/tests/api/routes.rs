//! Every route without a phone: the answers' shapes, the seeds' messages and statuses,
//! and bad input that changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{assert_refused, Options, Server};

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    (dir, server)
}

#[tokio::test]
async fn create_takes_inline_settings_webhook_and_proxy_and_is_born_disconnected() {
    let (_dir, server) = server().await;
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/new",
            Some(json!({
                "name": "Sales",
                "autoRejectCalls": true,
                "callRejectMessage": "We only text.",
                "keepOnlineStatus": true,
                "webhookEnabled": true,
                "webhookURL": "https://hooks.example.com/wa",
                "webhookAuthorization": "Bearer abc",
                "webhookEvents": ["INSTANCE_DELETE"],
                "proxyEnabled": true,
                "proxyProtocol": "socks5",
                "proxyHost": "proxy.example.com",
                "proxyPort": "1080",
                "proxyUsername": "user1",
                "proxyPassword": "pa55-w0rd-xyz",
                "somethingSwitchboardDoesNotKnow": 1
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    let instance = &body["instance"];
    assert_eq!(instance["name"], "Sales");
    assert_eq!(instance["status"], "disconnected");
    assert_eq!(instance["token"].as_str().unwrap().len(), 64, "{instance}");
    assert_eq!(instance["settings"]["autoRejectCalls"], true);
    assert_eq!(instance["settings"]["callRejectMessage"], "We only text.");
    assert_eq!(instance["settings"]["keepOnlineStatus"], true);
    assert_eq!(instance["settings"]["autoReadMessages"], false);
    assert_eq!(instance["webhook"]["enabled"], true);
    assert_eq!(instance["webhook"]["url"], "https://hooks.example.com/wa");
    assert_eq!(instance["webhook"]["events"], json!(["INSTANCE_DELETE"]));
    assert_eq!(instance["proxy"]["host"], "proxy.example.com");
    assert_eq!(instance["proxy"]["port"], "1080");
    assert_eq!(instance["proxy"]["username"], "user1");
    assert!(
        !body.to_string().contains("pa55-w0rd-xyz"),
        "the proxy password never leaves"
    );
    assert_eq!(instance["connection"]["state"], "disconnected");
    assert_eq!(instance["connection"]["numberJid"], serde_json::Value::Null);
}

#[tokio::test]
async fn create_refuses_a_missing_taken_or_invalid_name_and_changes_nothing() {
    let (_dir, server) = server().await;
    server.create("shop").await;
    let cases = [
        (json!({}), StatusCode::BAD_REQUEST, "Name is required"),
        (
            json!({ "name": "" }),
            StatusCode::BAD_REQUEST,
            "Name is required",
        ),
        (
            json!({ "name": "SHOP" }),
            StatusCode::CONFLICT,
            "an instance named 'SHOP' already exists",
        ),
        (
            json!({ "name": 42 }),
            StatusCode::BAD_REQUEST,
            "Invalid request body",
        ),
        (
            json!({ "name": "new", "token": "mine" }),
            StatusCode::BAD_REQUEST,
            "the token must be 16 to 128 characters (it has 4)",
        ),
        (
            json!({ "name": "new", "webhookEnabled": true }),
            StatusCode::BAD_REQUEST,
            "The webhook URL is required",
        ),
        (
            json!({ "name": "new", "proxyEnabled": true, "proxyHost": "p.example.com", "proxyProtocol": "ftp" }),
            StatusCode::BAD_REQUEST,
            "the proxy URL must start with http:// or socks5://",
        ),
    ];
    for (body, expected, message) in cases {
        let (status, answer) = server
            .account_call(Method::POST, "/instance/new", Some(body.clone()))
            .await;
        assert_refused(status, &answer, expected, message);
    }
    let bad_name = server
        .account_call(
            Method::POST,
            "/instance/new",
            Some(json!({ "name": "a b" })),
        )
        .await;
    assert_eq!(bad_name.0, StatusCode::BAD_REQUEST, "{}", bad_name.1);
    assert_eq!(bad_name.1["error"]["code"], "invalid_name");

    let (_, list) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(
        list["message"], "1 Instance found",
        "nothing else was created: {list}"
    );
}

#[tokio::test]
async fn list_filters_by_one_or_several_names() {
    let (_dir, server) = server().await;
    for name in ["sales", "support", "marketing"] {
        server.create(name).await;
    }
    let (_, all) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert_eq!(all["message"], "3 Instances found");
    let (_, two) = server
        .account_call(
            Method::GET,
            "/instance/list?instanceName=sales,Support,ghost",
            None,
        )
        .await;
    assert_eq!(two["message"], "2 Instances found");
    let (status, one) = server
        .account_call(Method::GET, "/instance/list?instanceName=marketing", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["message"], "1 Instance found");
    assert_eq!(one["instances"][0]["name"], "marketing");
    let (status, none) = server
        .account_call(Method::GET, "/instance/list?instanceName=ghost", None)
        .await;
    assert_refused(status, &none, StatusCode::NOT_FOUND, "Instance not found");
}

#[tokio::test]
async fn settings_proxy_and_webhook_are_read_and_changed_on_their_routes() {
    let (_dir, server) = server().await;
    server.create("shop").await;

    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/settings/shop",
            Some(json!({ "autoReadMessages": true, "callRejectMessage": "Text us" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "Settings updated successfully");
    let (_, read) = server
        .account_call(Method::GET, "/instance/getSettings/shop", None)
        .await;
    assert_eq!(read["message"], "Settings retrieved successfully");
    assert_eq!(read["settings"]["autoReadMessages"], true);
    assert_eq!(read["settings"]["callRejectMessage"], "Text us");
    assert_eq!(
        read["settings"]["autoRejectCalls"], false,
        "untouched flags stay"
    );

    let (status, proxy) = server
        .account_call(
            Method::POST,
            "/instance/proxy/shop",
            Some(
                json!({ "enabled": true, "host": "10.0.0.5", "port": "8080", "protocol": "http" }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{proxy}");
    let (_, read) = server
        .account_call(Method::GET, "/instance/getProxy/shop", None)
        .await;
    assert_eq!(read["proxy"]["enabled"], true);
    assert_eq!(read["proxy"]["host"], "10.0.0.5");
    let (_, off) = server
        .account_call(
            Method::POST,
            "/instance/proxy/shop",
            Some(json!({ "enabled": false })),
        )
        .await;
    assert_eq!(off["proxy"]["enabled"], false);
    let (status, refused) = server
        .account_call(
            Method::POST,
            "/instance/proxy/shop",
            Some(json!({ "enabled": true, "host": "p.example.com", "protocol": "https" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_proxy");

    let (status, hook) = server
        .account_call(
            Method::POST,
            "/events/webhook/shop",
            Some(json!({ "enabled": true, "url": "https://hooks.example.com/x", "events": ["CHAT_DELETED"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    assert_eq!(hook["webhook"]["label"], "default");
    assert!(hook["webhook"]["secret"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let (_, read) = server
        .account_call(Method::GET, "/events/getWebhook/shop", None)
        .await;
    assert_eq!(read["webhook"]["events"], json!(["CHAT_DELETED"]));
    let (status, refused) = server
        .account_call(
            Method::POST,
            "/events/webhook/shop",
            Some(json!({ "url": "https://hooks.example.com/x", "events": ["NOT_AN_EVENT"] })),
        )
        .await;
    assert_refused(
        status,
        &refused,
        StatusCode::BAD_REQUEST,
        "Invalid request body",
    );
    assert!(refused["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("NOT_AN_EVENT"));
    let (_, off) = server
        .account_call(
            Method::POST,
            "/events/webhook/shop",
            Some(json!({ "enabled": false })),
        )
        .await;
    assert_eq!(off["webhook"]["enabled"], false);
}

#[tokio::test]
async fn session_routes_answer_the_engines_refusals_while_nothing_is_linked() {
    let (_dir, server) = server().await;
    server.create("shop").await;
    let (status, body) = server
        .account_call(Method::POST, "/instance/reconnect/shop", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_paired");

    let (status, body) = server
        .account_call(
            Method::DELETE,
            "/chat/deleteChat/shop",
            Some(json!({ "number": "5511999999999" })),
        )
        .await;
    assert_refused(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "Instance is not connected to WhatsApp",
    );

    let (status, body) = server
        .account_call(Method::DELETE, "/instance/logout/shop", None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "logging out an idle instance is harmless: {body}"
    );
    assert_eq!(body["whatsappLogout"], "not_connected");

    let (status, body) = server
        .account_call(Method::GET, "/instance/connect/shop?number=12", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_phone");
}

#[tokio::test]
async fn delete_chat_refuses_bad_bodies_with_the_seeds_messages() {
    let (_dir, server) = server().await;
    server.create("shop").await;
    let malformed = server
        .raw(Method::DELETE, "/chat/deleteChat/shop", "{\"number\": ")
        .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Invalid request body", "{body}");
    assert!(
        body["error"]["detail"].as_str().is_some(),
        "the detail names the problem"
    );

    for missing in [
        json!({}),
        json!({ "number": "" }),
        json!({ "deleteMedia": true }),
    ] {
        let (status, body) = server
            .account_call(Method::DELETE, "/chat/deleteChat/shop", Some(missing))
            .await;
        assert_refused(status, &body, StatusCode::BAD_REQUEST, "Number is required");
    }
    let (status, body) = server
        .account_call(
            Method::DELETE,
            "/chat/deleteChat/shop",
            Some(json!({ "number": 5511999999999u64 })),
        )
        .await;
    assert_refused(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "Invalid request body",
    );
    let (status, body) = server
        .account_call(
            Method::DELETE,
            "/chat/deleteChat/ghost",
            Some(json!({ "number": "5511999999999" })),
        )
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Instance not found");
}

#[tokio::test]
async fn delete_answers_the_seeds_shape_and_the_name_is_free_at_once() {
    let (_dir, server) = server().await;
    server.create("shop").await;
    let (status, body) = server
        .account_call(Method::DELETE, "/instance/delete/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "Instance deleted");
    assert_eq!(body["instance"]["status"], "deleted");
    assert_eq!(body["removed"]["chats"], 0);
    let (status, body) = server
        .account_call(Method::DELETE, "/instance/delete/shop", None)
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Instance not found");
    server.create("shop").await;
}

#[tokio::test]
async fn bad_paths_and_methods_get_a_named_4xx_in_the_dialects_shape() {
    let (_dir, server) = server().await;
    server.create("shop").await;
    let (status, body) = server
        .account_call(Method::GET, "/instance/nothing", None)
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Route not found");
    let (status, body) = server
        .account_call(Method::DELETE, "/instance/delete/sh/op", None)
        .await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "Route not found");
    for encoded in ["sh%2Fop", "sh%20op", "sh%00op", "..%2Fshop"] {
        let (status, body) = server
            .account_call(Method::DELETE, &format!("/instance/delete/{encoded}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{encoded}: {body}");
        assert_eq!(body["error"]["code"], "invalid_name", "{encoded}: {body}");
    }
    let (status, body) = server
        .account_call(Method::GET, "/instance/delete/shop", None)
        .await;
    assert_refused(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
    );
    let (status, body) = server
        .account_call(
            Method::GET,
            "/instance/connect/shop?number=1&number=2",
            None,
        )
        .await;
    assert_refused(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "Invalid query parameters",
    );
    assert_eq!(
        server.listed("shop").await["name"],
        "shop",
        "nothing changed"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default().arg("--max-body-bytes").arg("1024"),
    )
    .await;
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(4096));
    let response = server.raw(Method::POST, "/instance/new", big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Request body too large");
}
