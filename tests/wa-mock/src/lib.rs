//! An offline WhatsApp Web server and simulated phone on loopback.
//!
//! The real whatsapp-rust client connects to [`WaMock::ws_url`] (it needs its
//! `danger-skip-cert-chain-verify` feature: the mock cannot sign with
//! WhatsApp's root key). Tests act as the phone through the typed helpers or
//! the admin HTTP API under [`WaMock::admin_url`]. Media and history blobs
//! are served over HTTPS from a second loopback port with a self-signed
//! certificate, so downloading them needs the HTTP client's
//! `danger-skip-tls-verify` feature.

mod admin;
mod app_state;
mod connection;
mod error;
mod freeze;
mod history;
mod incoming;
mod media;
mod noise_server;
mod phone;
mod phone_inbox;
mod phone_signal;
mod registry;
mod session;
mod stanza;
mod usync;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use error::MockError;
pub use history::{HistoryChat, HistoryMessage, HistoryRequest};
pub use incoming::{IncomingMedia, IncomingMediaKind, IncomingMessage};
pub use phone_inbox::{MediaCheck, PhoneReceived, ReceivedKind, ReceivedMedia};
pub use registry::{DeviceInfo, GroupInfo, HandshakeCounts, Linked, PhoneProfile};

use noise_server::ServerIdentity;
use registry::Registry;

/// Server behaviour that tests may want to change.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// How long the first QR ref is accepted (WhatsApp: 60 s).
    pub qr_first_ttl: Duration,
    /// How long each later ref is accepted (WhatsApp: 20 s).
    pub qr_next_ttl: Duration,
    /// How many refs one pairing connection gets (WhatsApp: 6).
    pub qr_refs: usize,
}

impl Default for MockOptions {
    fn default() -> Self {
        Self {
            qr_first_ttl: Duration::from_secs(60),
            qr_next_ttl: Duration::from_secs(20),
            qr_refs: 6,
        }
    }
}

impl MockOptions {
    /// Validates the options; a ref count of 0 or above 20 is refused.
    pub fn validate(&self) -> Result<(), MockError> {
        if !(1..=20).contains(&self.qr_refs) {
            return Err(MockError::BadRequest(
                "qr_refs must be between 1 and 20".into(),
            ));
        }
        if self.qr_first_ttl.is_zero() || self.qr_next_ttl.is_zero() {
            return Err(MockError::BadRequest(
                "QR lifetimes must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// State shared by the websocket and admin sides.
pub(crate) struct Shared {
    identity: ServerIdentity,
    registry: Registry,
    freezer: freeze::Freezer,
    options: MockOptions,
    media: Arc<media::MediaStore>,
}

/// A running mock server. Dropping it stops the server.
pub struct WaMock {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
    _media: media::MediaServer,
}

impl WaMock {
    /// Starts on an ephemeral loopback port with WhatsApp's timings.
    pub async fn start() -> Result<Self, MockError> {
        Self::start_with(MockOptions::default(), "127.0.0.1:0").await
    }

    /// Starts with the given options on `listen` (e.g. `127.0.0.1:0`).
    pub async fn start_with(options: MockOptions, listen: &str) -> Result<Self, MockError> {
        options.validate()?;
        let addr: SocketAddr = listen
            .parse()
            .map_err(|e| MockError::BadRequest(format!("listen address {listen:?}: {e}")))?;
        if !addr.ip().is_loopback() {
            return Err(MockError::BadRequest(
                "wa-mock only listens on loopback".into(),
            ));
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| MockError::Internal(format!("bind {addr}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| MockError::Internal(e.to_string()))?;
        let media = media::start(addr.ip()).await?;
        let shared = Arc::new(Shared {
            identity: ServerIdentity::generate(),
            registry: Registry::default(),
            freezer: freeze::Freezer::default(),
            options,
            media: media.store.clone(),
        });
        let app = Router::new()
            .route("/ws/chat", get(websocket))
            .nest("/admin", admin::router())
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("wa-mock server stopped: {e}");
            }
        });
        Ok(Self {
            shared,
            addr,
            task,
            _media: media,
        })
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws/chat", self.addr)
    }

    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.addr)
    }

    /// The phone scans `qr` (as the client produced it).
    pub fn scan(&self, qr: &str, profile: &PhoneProfile) -> Result<Linked, MockError> {
        self.shared.registry.scan(qr, profile)
    }

    /// The user types the companion's pairing code on the phone `profile.phone`.
    pub fn enter_pair_code(&self, code: &str, profile: &PhoneProfile) -> Result<Linked, MockError> {
        self.shared.registry.enter_code(code, profile)
    }

    /// The phone unlinks the device: it gets `device_removed` and cannot log in again.
    pub fn logout_device(&self, jid: &str) -> Result<(), MockError> {
        self.shared.registry.unlink(jid)
    }

    /// Locks the account: for good (`None`, reason 403) or temporarily (402).
    pub fn ban_device(&self, jid: &str, temporary: Option<Duration>) -> Result<(), MockError> {
        if temporary.is_some_and(|d| d.as_secs() == 0) {
            return Err(MockError::BadRequest(
                "a temporary ban lasts at least 1 s".into(),
            ));
        }
        self.shared.registry.ban(jid, temporary)
    }

    /// The server stops answering the device (`who`: its JID or phone), keeping its
    /// sockets open, until [`WaMock::thaw_device`].
    pub fn freeze_device(&self, who: &str) -> Result<(), MockError> {
        self.shared.freezer.freeze(&self.shared.registry, who)
    }

    /// The server answers the device again and sends what it held.
    pub fn thaw_device(&self, who: &str) -> Result<(), MockError> {
        self.shared.freezer.thaw(&self.shared.registry, who)
    }

    /// The media host forgets the files whose plain content has the SHA-256
    /// `sha256_hex`; downloads of them answer 410 Gone. Answers how many it forgot.
    pub fn forget_media(&self, sha256_hex: &str) -> Result<usize, MockError> {
        self.shared.media.forget(sha256_hex)
    }

    /// The phone `phone` sets its profile picture (`None` removes it).
    pub fn set_profile_picture(
        &self,
        phone: &str,
        picture: Option<Vec<u8>>,
    ) -> Result<(), MockError> {
        registry::validate_phone(phone)?;
        self.shared.media.set_picture(phone, picture)
    }

    /// The contact `phone` (digits) takes `name` as its push name: its messages
    /// and the phone's history syncs carry it from now on.
    pub fn set_push_name(&self, phone: &str, name: &str) -> Result<(), MockError> {
        self.shared.registry.set_push_name(phone, name)
    }

    /// Creates or changes the group `jid` (`<digits>@g.us`) that group queries
    /// describe.
    pub fn set_group(&self, jid: &str, group: GroupInfo) -> Result<(), MockError> {
        self.shared.registry.set_group(jid, group)
    }

    pub fn devices(&self) -> Vec<DeviceInfo> {
        self.shared.registry.devices()
    }

    /// A contact writes to the device, 1:1 or in a group: the message (text or
    /// a file on the media host) arrives encrypted for it. Returns the message id.
    pub async fn send_message(
        &self,
        jid: &str,
        message: &IncomingMessage,
    ) -> Result<String, MockError> {
        incoming::deliver(&self.shared, jid, message).await
    }

    /// The phone syncs chat history to the device: a history-sync notification
    /// pointing at an encrypted blob on the media host. Returns the message id.
    pub async fn send_history(
        &self,
        jid: &str,
        history: &HistoryRequest,
    ) -> Result<String, MockError> {
        history::deliver(&self.shared, jid, history).await
    }

    /// Handshakes completed so far, by pattern (tells IK reconnects from XX).
    pub fn handshakes(&self) -> HandshakeCounts {
        self.shared.registry.handshakes()
    }

    /// What the contact's phone `phone` (digits) received from the account's
    /// devices, decrypted, in order.
    pub fn phone_received(&self, phone: &str) -> Result<Vec<PhoneReceived>, MockError> {
        self.shared.registry.phone_received(phone)
    }

    /// What the device sent that the server recorded, in order.
    pub fn received(&self, jid: &str) -> Result<Vec<serde_json::Value>, MockError> {
        self.shared.registry.received(jid)
    }
}

impl Drop for WaMock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn websocket(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| connection::serve(socket, shared))
}
