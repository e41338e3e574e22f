//! Every route Evolution's dialect says it serves is answered by the router (never
//! Evolution's "Cannot <METHOD> <path>"), against a real API on a real engine.

use std::net::SocketAddr;

use serde_json::Value;
use switchboard_api::{coverage, AccountToken, ApiConfig, Evolution, Served};
use switchboard_engine::{Engine, EngineConfig};

const KEY: &str = "evolution-routes-test-key-0123456789";

#[tokio::test]
async fn every_route_the_dialect_claims_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let api = switchboard_api::start(
        engine.clone(),
        AccountToken::fixed(KEY.into()),
        ApiConfig::new(listen),
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let mut checked = 0;
    for (command, served) in coverage::<Evolution>() {
        let Served::At(routes) = served else { continue };
        for route in routes {
            let (method, path) = route.split_once(' ').unwrap();
            let url = format!(
                "http://{}{}",
                api.addr(),
                path.replace("{instance}", "ghost")
            );
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let response = client
                .request(method, &url)
                .header("apikey", KEY)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let message = body["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("Cannot "),
                "{command}: {route} is not routed ({status}: {body})"
            );
            checked += 1;
        }
    }
    assert!(checked >= 17, "the dialect serves its routes ({checked})");
    // Without a key, Evolution's 401.
    let refused = client
        .get(format!("http://{}/instance/fetchInstances", api.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    api.stop().await.unwrap();
    engine.shutdown().await;
}
