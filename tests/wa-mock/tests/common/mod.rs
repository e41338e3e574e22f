//! A bare whatsapp-rust client wired to a wa-mock server, for the tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
pub mod http;

use wa_mock::{Linked, PhoneProfile, WaMock};
use whatsapp_rust::prelude::*;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

/// Generous upper bound for any single protocol step on a loaded machine.
pub const STEP: Duration = Duration::from_secs(30);

pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

pub struct TestClient {
    pub client: Arc<Client>,
    handle: Option<BotHandle>,
    events: mpsc::UnboundedReceiver<Arc<Event>>,
}

impl TestClient {
    /// Builds and starts a client whose session lives in `db`.
    pub async fn start(ws_url: &str, db: &Path) -> Self {
        Self::start_with(ws_url, db, None).await
    }

    /// Like `start`; with `pair_phone` the client asks for a pairing code.
    pub async fn start_with(ws_url: &str, db: &Path, pair_phone: Option<&str>) -> Self {
        init_logs();
        let store = SqliteStore::new(db.to_str().expect("utf-8 temp path"))
            .await
            .expect("open session store");
        let (tx, events) = mpsc::unbounded_channel();
        let mut builder = Bot::builder();
        if let Some(phone) = pair_phone {
            builder = builder.with_pair_code(whatsapp_rust::pair_code::PairCodeOptions {
                phone_number: phone.into(),
                ..Default::default()
            });
        }
        let bot = builder
            .with_backend(store)
            .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(ws_url))
            .with_http_client(UreqHttpClient::new())
            .with_runtime(TokioRuntime)
            .with_version((2, 3000, 0))
            .on_event(move |event, _client| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(event);
                }
            })
            .build()
            .await
            .expect("build bot");
        let client = bot.client();
        let handle = bot.spawn();
        Self {
            client,
            handle: Some(handle),
            events,
        }
    }

    /// Waits for the first event `pick` accepts, failing after `STEP`.
    pub async fn wait_for<T>(&mut self, what: &str, pick: impl FnMut(&Event) -> Option<T>) -> T {
        self.wait_for_within(what, STEP, pick).await
    }

    /// Waits for the first event `pick` accepts, failing after `limit`.
    pub async fn wait_for_within<T>(
        &mut self,
        what: &str,
        limit: Duration,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .unwrap_or_else(|| panic!("event stream ended before {what}"));
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    }

    pub async fn next_qr(&mut self) -> String {
        self.wait_for("a QR code", |e| match e {
            Event::PairingQrCode(qr) => Some(qr.code.clone()),
            _ => None,
        })
        .await
    }

    pub async fn connected(&mut self) {
        self.wait_for("Connected", |e| {
            matches!(e, Event::Connected(_)).then_some(())
        })
        .await
    }

    /// Disconnects and waits for the run loop to end.
    pub async fn stop(mut self) {
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(STEP, handle.shutdown())
                .await
                .expect("client shut down in time");
        }
    }
}

pub fn profile(phone: &str) -> PhoneProfile {
    PhoneProfile {
        phone: phone.into(),
        name: "Test Phone".into(),
        business: None,
    }
}

/// Starts a client on a fresh store and links it by QR; returns once Connected.
pub async fn linked_client(mock: &WaMock, db: &Path, phone: &str) -> (TestClient, Linked) {
    let mut client = TestClient::start(&mock.ws_url(), db).await;
    let qr = client.next_qr().await;
    let linked = mock.scan(&qr, &profile(phone)).expect("scan");
    client.connected().await;
    (client, linked)
}
