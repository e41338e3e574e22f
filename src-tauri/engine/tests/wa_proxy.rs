//! The instance's proxy carries every connection of its WhatsApp client (the chat
//! socket, pictures and media, the logout), and a proxy that cannot be used is never
//! bypassed and is named at once (`proxy_unreachable`, `proxy_auth_failed`).

use std::time::Duration;

use engine_support::actor::{first_qr, phone, Instance};
use engine_support::proxy::TestProxy;
use switchboard_engine::actor::ActorHandle;
use switchboard_engine::model::{DisconnectReason, InstanceState, LogoutOutcome, Settings};
use switchboard_engine::ErrorCode;
use wa_mock::WaMock;

const WAIT: Duration = Duration::from_secs(30);

fn actor_behind(mock: &WaMock, instance: &Instance, proxy: &str) -> ActorHandle {
    let mut ctx = instance.context(Settings::default(), Some(mock.ws_url()));
    ctx.proxy = Some(proxy.into());
    ActorHandle::spawn(ctx)
}

async fn scan_first_qr(mock: &WaMock, instance: &Instance, number: &str) {
    let qr = first_qr(instance, WAIT).await;
    mock.scan(&qr, &phone(number)).unwrap();
    instance
        .sink
        .wait_for_state(WAIT, InstanceState::is_connected)
        .await;
}

/// `host:port` of the mock's chat socket.
fn chat_server(mock: &WaMock) -> String {
    let url = mock.ws_url();
    let rest = url.strip_prefix("ws://").unwrap();
    rest[..rest.find('/').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socks5_proxy_with_a_login_carries_the_link_the_picture_and_the_logout() {
    let mock = WaMock::start().await.unwrap();
    mock.set_profile_picture("5511999970101", Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 9, 9]))
        .unwrap();
    let proxy = TestProxy::socks5(Some(("ana", "s@cret"))).await;
    let url = proxy.url.replace("socks5://", "socks5://ana:s%40cret@");
    let instance = Instance::default();
    let actor = actor_behind(&mock, &instance, &url);

    actor.connect_qr().await.unwrap();
    scan_first_qr(&mock, &instance, "5511999970101").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !instance.picture_file().exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the picture arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tunnels = proxy.tunnels();
    assert!(tunnels.contains(&chat_server(&mock)), "{tunnels:?}");
    assert!(
        tunnels.iter().any(|t| t != &chat_server(&mock)),
        "the picture came from the media host through the proxy too: {tunnels:?}"
    );

    assert_eq!(actor.logout().await.unwrap(), LogoutOutcome::Confirmed);
    actor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_connect_proxy_carries_the_link() {
    let mock = WaMock::start().await.unwrap();
    let proxy = TestProxy::http_connect().await;
    let instance = Instance::default();
    let actor = actor_behind(&mock, &instance, &proxy.url);

    actor.connect_qr().await.unwrap();
    scan_first_qr(&mock, &instance, "5511999970102").await;
    assert_eq!(proxy.tunnels().first(), Some(&chat_server(&mock)));
    actor.shutdown().await;
}

/// A proxy that refuses the login or is not there stops the link within seconds and
/// says which (the library alone would retry silently until the QR wait ran out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_refuses_or_is_gone_says_so_at_once_and_is_never_bypassed() {
    let mock = WaMock::start().await.unwrap();
    let wrong_login = TestProxy::socks5(Some(("ana", "right"))).await;
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    for (proxy, expected, words) in [
        (
            wrong_login.url.replace("socks5://", "socks5://ana:wrong@"),
            DisconnectReason::ProxyAuthFailed,
            "refused the login",
        ),
        (
            gone,
            DisconnectReason::ProxyUnreachable,
            "cannot be reached",
        ),
    ] {
        let instance = Instance::default();
        let actor = actor_behind(&mock, &instance, &proxy);
        let state = actor.connect_qr().await.unwrap();
        assert!(matches!(state, InstanceState::Connecting { .. }), "{proxy}");
        let stopped = instance
            .sink
            .wait_for_state(Duration::from_secs(5), |s| {
                matches!(s, InstanceState::Disconnected { .. })
            })
            .await;
        let InstanceState::Disconnected { reason, detail, .. } = stopped else {
            unreachable!()
        };
        assert_eq!(reason, expected, "{proxy}");
        assert!(detail.unwrap().contains(words), "{proxy}");
        actor.shutdown().await;
    }
    let handshakes = mock.handshakes();
    assert_eq!(
        handshakes.xx + handshakes.ik + handshakes.xx_fallback,
        0,
        "nothing reached the server"
    );
    assert!(wrong_login.tunnels().is_empty());
}

#[tokio::test]
async fn a_proxy_kind_the_client_cannot_use_refuses_the_connect_and_changes_nothing() {
    let instance = Instance::default();
    let mut ctx = instance.context(Settings::default(), None);
    ctx.proxy = Some("https://127.0.0.1:1080".into());
    let actor = ActorHandle::spawn(ctx);
    assert_eq!(
        actor.connect_qr().await.unwrap_err().code(),
        ErrorCode::InvalidProxy
    );
    let refused = actor
        .connect_code("5511999999999".into())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidProxy);
    assert!(instance.sink.calls().is_empty());
    actor.shutdown().await;
}
