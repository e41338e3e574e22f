//! RyzeAPI's S3 routes against a real S3-compatible server (s3s-fs on loopback): a
//! bucket is saved only after the engine tested it, the secret never comes back, each
//! failure is coded and changes nothing, S3 at creation, and the delete route's
//! `deleteS3Media` choice.

use engine_support::s3::{closed_port, S3Server, ACCESS_KEY, BUCKET, SECRET_KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{Options, Server};

fn parts(endpoint: &str, bucket: &str, secret: &str) -> Value {
    json!({
        "enabled": true,
        "endpoint": endpoint,
        "region": "us-east-1",
        "bucket": bucket,
        "prefix": "wa",
        "accessKey": ACCESS_KEY,
        "secretKey": secret,
        "pathStyle": true
    })
}

async fn get_s3(server: &Server, name: &str) -> Value {
    let (status, body) = server
        .account_call(Method::GET, &format!("/instance/getS3/{name}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["s3"].clone()
}

fn assert_coded(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
}

#[tokio::test]
async fn a_bucket_is_saved_only_after_it_passed_its_test_and_its_secret_never_comes_back() {
    let s3 = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    server.create("Sales").await;
    assert_eq!(get_s3(&server, "Sales").await["enabled"], false);

    let wrong_key = parts(&s3.endpoint(), BUCKET, "not-the-secret-key");
    let (status, body) = server
        .account_call(Method::POST, "/instance/s3/Sales", Some(wrong_key))
        .await;
    assert_coded(status, &body, StatusCode::BAD_REQUEST, "s3_access_denied");
    let missing = parts(&s3.endpoint(), "no-such-bucket", SECRET_KEY);
    let (status, body) = server
        .account_call(Method::POST, "/instance/s3/Sales", Some(missing))
        .await;
    assert_coded(status, &body, StatusCode::BAD_REQUEST, "s3_no_such_bucket");
    let nobody = format!("http://127.0.0.1:{}", closed_port().await);
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/s3/Sales",
            Some(parts(&nobody, BUCKET, SECRET_KEY)),
        )
        .await;
    assert_coded(status, &body, StatusCode::BAD_GATEWAY, "s3_unreachable");
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/s3/Sales",
            Some(json!({ "enabled": true, "endpoint": "ftp://files", "bucket": BUCKET })),
        )
        .await;
    assert_coded(status, &body, StatusCode::BAD_REQUEST, "s3_invalid_config");
    assert_eq!(
        get_s3(&server, "Sales").await["enabled"],
        false,
        "no failed try was saved"
    );

    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/s3/Sales",
            Some(parts(&s3.endpoint(), BUCKET, SECRET_KEY)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.to_string().contains(SECRET_KEY), "{body}");
    let saved = get_s3(&server, "Sales").await;
    assert_eq!(saved["enabled"], true);
    assert_eq!(saved["endpoint"], s3.endpoint());
    assert_eq!(saved["bucket"], BUCKET);
    assert_eq!(saved["prefix"], "wa");
    assert_eq!(saved["accessKey"], ACCESS_KEY);
    assert_eq!(saved["uploadsPending"], 0);
    assert_ne!(saved["secretKey"], SECRET_KEY);
    let (_, list) = server
        .account_call(Method::GET, "/instance/list", None)
        .await;
    assert!(!list.to_string().contains(SECRET_KEY), "{list}");

    // A later failure leaves the saved bucket as it was; `enabled: false` turns S3 off.
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/s3/Sales",
            Some(parts(&s3.endpoint(), "no-such-bucket", SECRET_KEY)),
        )
        .await;
    assert_coded(status, &body, StatusCode::BAD_REQUEST, "s3_no_such_bucket");
    assert_eq!(get_s3(&server, "Sales").await["bucket"], BUCKET);
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/s3/Sales",
            Some(json!({ "enabled": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(get_s3(&server, "Sales").await["enabled"], false);
}

#[tokio::test]
async fn s3_given_at_creation_is_tested_first_and_a_failure_creates_nothing() {
    let s3 = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/new",
            Some(json!({ "name": "Support", "s3": parts(&s3.endpoint(), "no-such-bucket", SECRET_KEY) })),
        )
        .await;
    assert_coded(status, &body, StatusCode::BAD_REQUEST, "s3_no_such_bucket");
    let (status, _) = server
        .account_call(Method::GET, "/instance/list?instanceName=Support", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was created");

    let (status, body) = server
        .account_call(
            Method::POST,
            "/instance/new",
            Some(json!({ "name": "Support", "s3": parts(&s3.endpoint(), BUCKET, SECRET_KEY) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(get_s3(&server, "Support").await["bucket"], BUCKET);
}

#[tokio::test]
async fn delete_keeps_the_bucket_objects_unless_asked_and_says_where_they_are() {
    let s3 = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    for name in ["Kept", "Wiped", "Local"] {
        server.create(name).await;
    }
    for name in ["Kept", "Wiped"] {
        let (status, body) = server
            .account_call(
                Method::POST,
                &format!("/instance/s3/{name}"),
                Some(parts(&s3.endpoint(), BUCKET, SECRET_KEY)),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    let (status, body) = server
        .account_call(
            Method::DELETE,
            "/instance/delete/Kept?deleteS3Media=perhaps",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["message"], "Invalid query parameters");
    server.listed("Kept").await;

    let (status, body) = server
        .account_call(Method::DELETE, "/instance/delete/Kept", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["s3Media"]["choice"], "keep", "{body}");
    assert_eq!(body["s3Media"]["bucket"], BUCKET);
    assert_eq!(body["s3Media"]["endpoint"], s3.endpoint());

    let (status, body) = server
        .account_call(
            Method::DELETE,
            "/instance/delete/Wiped?deleteS3Media=true",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["s3Media"]["choice"], "delete", "{body}");
    assert_eq!(body["s3Media"]["failed"], json!([]));

    let (status, body) = server
        .account_call(Method::DELETE, "/instance/delete/Local", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("s3Media").is_none(), "{body}");
}
