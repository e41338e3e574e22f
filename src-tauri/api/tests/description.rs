//! The API's description: OpenAPI 3.1, generated from the Rust types, committed as
//! src-tauri/api/openapi.json and failing here when stale; every route a dialect says
//! it serves is described, and every described route is served. To refresh it:
//! `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-api --test description`.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::Value;
use switchboard_api::{coverage, AccountToken, ApiConfig, Ryze, Served};
use switchboard_engine::{Engine, EngineConfig};

const TOKEN: &str = "description-test-token-0123456789";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

fn described() -> Value {
    serde_json::from_str(&switchboard_api::openapi_document()).unwrap()
}

#[test]
fn the_committed_description_is_current() {
    let fresh = switchboard_api::openapi_document();
    if std::env::var_os("SWITCHBOARD_UPDATE_BINDINGS").is_some() {
        std::fs::write(committed_path(), &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == fresh,
        "src-tauri/api/openapi.json is stale; run SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-api --test description"
    );
}

#[test]
fn it_is_openapi_3_1_with_both_ways_to_send_a_token() {
    let doc = described();
    assert_eq!(doc["openapi"], "3.1.0");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["in"], "header");
    assert_eq!(schemes["token"]["name"], "token");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let delete = &doc["paths"]["/api/instance/delete/{instance}"]["delete"];
    assert!(delete["responses"]["429"].is_object(), "{delete}");
}

#[test]
fn every_route_a_dialect_serves_is_described() {
    let doc = described();
    for (command, served) in coverage::<Ryze>() {
        let Served::At(routes) = served else { continue };
        for route in routes {
            let (method, path) = route.split_once(' ').unwrap();
            assert!(
                doc["paths"][path][method.to_ascii_lowercase()].is_object(),
                "{command}: {route} is not described"
            );
        }
    }
}

/// Every described route, against a real API on a real engine: none is unknown to the
/// router. This is also the API as the desktop app starts it, in-process.
#[tokio::test]
async fn every_described_route_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let api = switchboard_api::start(
        engine.clone(),
        AccountToken::fixed(TOKEN.into()),
        ApiConfig::new(listen),
    )
    .await
    .unwrap();
    let base = format!("http://{}", api.addr());
    let client = reqwest::Client::new();
    let doc = described();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        if path == "/ws" {
            continue;
        }
        for method in methods.as_object().unwrap().keys() {
            let url = format!("{base}{}", path.replace("{instance}", "ghost"));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = client
                .request(method.clone(), &url)
                .header("token", TOKEN)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_ne!(
                body["error"]["message"], "Route not found",
                "{method} {path}"
            );
            assert_ne!(
                status,
                reqwest::StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
    let served: Value = client
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, doc, "the served description is the generated one");
    api.stop().await.unwrap();
    engine.shutdown().await;
}
