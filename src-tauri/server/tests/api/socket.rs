//! `/ws`: engine events as JSON, scoped by token, kept alive by pings, bounded per
//! consumer, and closed with a code and a reason.

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::support::{next_event, Options, Server, Socket, WAIT};

async fn touch(server: &Server, name: &str) {
    let (status, body) = server
        .account_call(
            Method::POST,
            &format!("/instance/settings/{name}"),
            Some(json!({ "autoReadMessages": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn updated(id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |event| event["type"] == "instance_updated" && event["instance_id"] == id
}

/// The close frame that ends the socket, reading past whatever comes before it.
async fn close_frame(socket: &mut Socket) -> (CloseCode, String) {
    tokio::time::timeout(WAIT, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (frame.code, frame.reason.to_string());
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("a close frame in time")
}

#[tokio::test]
async fn the_account_sees_every_instance_and_an_instance_token_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let shop = server.create("shop").await;
    server.create("other").await;
    let shop_id = server.listed("shop").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other_id = server.listed("other").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut account = server.socket(&server.account).await;
    let mut own = server.socket(&shop).await;

    touch(&server, "other").await;
    touch(&server, "shop").await;
    next_event(&mut account, "other's update", updated(&other_id)).await;
    next_event(&mut account, "shop's update", updated(&shop_id)).await;
    let first = next_event(&mut own, "an event", |_| true).await;
    assert_eq!(first["instance_id"], shop_id.as_str(), "{first}");
    assert_eq!(first["type"], "instance_updated");

    // Its own deletion is the last thing an instance token hears.
    let (status, _) = server
        .account_call(Method::DELETE, "/instance/delete/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    next_event(&mut own, "its deletion", |e| {
        e["type"] == "instance_deleted"
    })
    .await;
    let (code, reason) = close_frame(&mut own).await;
    assert_eq!(code, CloseCode::Normal);
    assert_eq!(reason, "the instance was deleted");
}

#[tokio::test]
async fn a_header_token_works_and_a_bad_one_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let mut request = server.ws.as_str().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("token", server.account.parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());

    for url in [server.ws.clone(), format!("{}?token=nope", server.ws)] {
        match tokio_tungstenite::connect_async(url).await {
            Err(WsError::Http(response)) => {
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
                let body: Value =
                    serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
                assert_eq!(body["error"]["message"], "Invalid token");
            }
            other => panic!("a refused upgrade: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_consumer_that_answers_pings_stays_and_a_silent_one_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default().arg("--ws-heartbeat-secs").arg("1"),
    )
    .await;
    let mut reading = server.socket(&server.account).await;
    let mut silent = server.socket(&server.account).await;

    // Reading lets the client answer every ping; four heartbeats pass without a close.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(4500);
    let mut pings = 0;
    while let Ok(frame) = tokio::time::timeout_at(deadline, reading.next()).await {
        match frame {
            Some(Ok(Message::Ping(_))) => pings += 1,
            Some(Ok(Message::Close(frame))) => panic!("closed while answering: {frame:?}"),
            Some(Ok(_)) => {}
            other => panic!("the socket ended: {other:?}"),
        }
    }
    assert!(pings >= 3, "a ping every second: {pings}");

    let (code, reason) = close_frame(&mut silent).await;
    assert_eq!(code, CloseCode::Policy);
    assert_eq!(reason, "heartbeat not answered");
}

#[tokio::test]
async fn stopping_the_server_closes_sockets_as_going_away_and_it_still_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default()).await;
    let mut socket = server.socket(&server.account).await;
    let stopping = tokio::spawn(server.signal_and_wait("-TERM"));
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, CloseCode::Away);
    assert_eq!(reason, "the server is stopping");
    assert!(stopping.await.unwrap().success());
}

#[tokio::test]
async fn a_consumer_that_falls_behind_is_closed_as_too_slow() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        Options::default()
            .arg("--ws-queue")
            .arg("4")
            .arg("--requests-per-minute")
            .arg("100000"),
    )
    .await;
    server.create("shop").await;
    // Large events, so that the kernel's buffers fill quickly.
    let (status, body) = server
        .account_call(
            Method::POST,
            "/events/webhook/shop",
            Some(
                json!({ "url": "https://hooks.example.com/x", "authorization": "x".repeat(4000) }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A consumer with a tiny receive window that does not read.
    let address = server
        .ws
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .to_string();
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(address.parse().unwrap()).await.unwrap();
    let url = format!("{}?token={}", server.ws, server.account);
    let (mut slow, _) =
        tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    const UPDATES: usize = 600;
    for _ in 0..UPDATES {
        touch(&server, "shop").await;
    }
    let mut events = 0;
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match slow.next().await {
                Some(Ok(Message::Text(_))) => events += 1,
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Some((frame.code, frame.reason.to_string()))
                }
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    })
    .await
    .expect("the slow consumer is cut off in time");
    assert!(events < UPDATES, "it did not get everything: {events}");
    let (code, reason) = closed.expect("a close frame after what was already sent");
    assert_eq!(code, CloseCode::Policy);
    assert!(reason.starts_with("consumer too slow"), "{reason}");
    // The server is unharmed.
    let mut fresh = server.socket(&server.account).await;
    touch(&server, "shop").await;
    next_event(&mut fresh, "an update after the cut", |e| {
        e["type"] == "instance_updated"
    })
    .await;
}
