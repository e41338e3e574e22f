//! One running whatsapp-rust client: building it on an instance's store, and the
//! actions the actor takes on it (pairing code, remove-device, delete-chat, stop).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use whatsapp_rust::features::SyncActionMessageRange;
use whatsapp_rust::pair_code::PairCodeOptions;
use whatsapp_rust::prelude::*;
use whatsapp_rust::transport::TokioWebSocketTransportFactory;
use whatsapp_rust::wacore::iq::devices::RemoveCompanionDeviceSpec;

use super::events::{Forwarder, SessionEvent};
use super::remote::Remote;
use super::store::open_store;
use super::transport::{http_client, ProxiedTransportFactory};
use crate::error::{Error, Result};
use crate::model::{now_millis, Profile};
use crate::proxy::Proxy;

/// The WhatsApp Web version announced to the server. Pinned so that connecting never
/// fetches the current version over the network (the library would otherwise).
const CLIENT_VERSION: (u32, u32, u32) = (2, 3000, 0);
/// Bound on an orderly client stop before the client task is aborted.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How to build a client.
pub(crate) struct SessionOptions<'a> {
    pub session_db: &'a Path,
    /// WebSocket URL of the chat server; `None` is WhatsApp's own.
    pub server_url: Option<&'a str>,
    /// Every connection of the client (chat socket, media, pictures) goes through it.
    pub proxy: Option<Proxy>,
}

/// What a client's counters say right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Health {
    /// A socket is open and the server accepted the login on it.
    pub live: bool,
    /// Time since the server last sent anything; `None` before the first byte.
    pub silent_for: Option<Duration>,
    /// Failed reconnect attempts in a row; the client waits before the next one.
    pub reconnect_errors: u32,
}

/// One running whatsapp-rust client. A client cannot be restarted: the actor builds a
/// new `Session` on the same store for every new QR round or reconnect.
pub(crate) struct Session {
    client: Arc<Client>,
    handle: BotHandle,
}

impl Session {
    /// Builds a client on the store and starts connecting in the background. Events go
    /// to `events`, tagged with `generation`.
    pub(crate) async fn start(
        options: &SessionOptions<'_>,
        generation: u64,
        events: UnboundedSender<(u64, SessionEvent)>,
    ) -> Result<Session> {
        let store = open_store(options.session_db).await?;
        let http = http_client(options.proxy.as_ref())?;
        // Library futures are boxed: their state machines are deep enough to overflow
        // the compiler's layout depth inside the actor's loop.
        let builder = Bot::builder().with_backend(store);
        let builder = match &options.proxy {
            Some(proxy) => builder.with_transport_factory(ProxiedTransportFactory {
                url: options
                    .server_url
                    .unwrap_or(whatsapp_rust::wacore::net::WHATSAPP_WEB_WS_URL)
                    .to_string(),
                proxy: proxy.clone(),
                generation,
                events: events.clone(),
            }),
            None => {
                let mut direct = TokioWebSocketTransportFactory::new();
                if let Some(url) = options.server_url {
                    direct = direct.with_url(url);
                }
                builder.with_transport_factory(direct)
            }
        };
        let bot = Box::pin(
            builder
                .with_http_client(http)
                .with_runtime(TokioRuntime)
                .with_version(CLIENT_VERSION)
                .with_event_handler(Forwarder { generation, events })
                .build(),
        )
        .await
        .map_err(|e| Error::WhatsApp(format!("building the WhatsApp client failed: {e}")))?;
        let handle = bot.spawn();
        Ok(Session {
            client: handle.client(),
            handle,
        })
    }

    /// Asks WhatsApp for an 8-character code to type on the phone. Waits up to `wait`
    /// for the socket first.
    pub(crate) async fn request_pairing_code(&self, phone: &str, wait: Duration) -> Result<String> {
        self.client
            .wait_for_socket(wait)
            .await
            .map_err(|e| Error::Timeout(format!("could not reach the WhatsApp server: {e}")))?;
        Box::pin(self.client.pair_with_code(PairCodeOptions {
            phone_number: phone.to_string(),
            ..Default::default()
        }))
        .await
        .map_err(|e| Error::WhatsApp(format!("WhatsApp gave no pairing code: {e}")))
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.client.is_connected() && self.client.is_logged_in()
    }

    /// The client's own counters: whether it is logged in on an open socket, how long
    /// the server has been silent, and how many reconnects failed in a row.
    pub(crate) fn health(&self) -> Health {
        let stats = self.client.stats();
        let silent_for = (stats.last_data_received_ms > 0).then(|| {
            let now = u64::try_from(now_millis()).unwrap_or_default();
            Duration::from_millis(now.saturating_sub(stats.last_data_received_ms))
        });
        Health {
            live: self.is_connected(),
            silent_for,
            reconnect_errors: stats.reconnect_errors,
        }
    }

    /// Whether the store this client runs on holds a linked device.
    pub(crate) fn has_identity(&self) -> bool {
        self.client.pn().is_some()
    }

    /// Waits until the client is logged in and ready; `false` after `timeout`.
    pub(crate) async fn wait_connected(&self, timeout: Duration) -> bool {
        self.client.wait_for_connected(timeout).await.is_ok()
    }

    /// Sends remove-companion-device so the device leaves the phone's linked devices.
    /// Returns whether the server acknowledged it within `timeout`. The library's own
    /// `logout()` sends the same request but does not tell whether it was answered.
    pub(crate) async fn remove_device(&self, timeout: Duration) -> bool {
        let Some(jid) = self.client.pn() else {
            return false;
        };
        if !self.client.is_connected() {
            return false;
        }
        match tokio::time::timeout(
            timeout,
            Box::pin(self.client.execute(RemoveCompanionDeviceSpec::new(&jid))),
        )
        .await
        {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::warn!("remove-companion-device was not acknowledged: {e}");
                false
            }
            Err(_) => {
                tracing::warn!("remove-companion-device got no answer within {timeout:?}");
                false
            }
        }
    }

    /// Orderly stop: flushes state, closes the socket, waits for the client task; a
    /// client that does not stop in time is aborted.
    pub(crate) async fn stop(self) {
        let Session { client, mut handle } = self;
        let orderly = tokio::time::timeout(
            STOP_TIMEOUT,
            Box::pin(async {
                client.disconnect().await;
                (&mut handle).await;
            }),
        )
        .await;
        if orderly.is_err() {
            tracing::warn!("the WhatsApp client did not stop within {STOP_TIMEOUT:?}; aborted");
            handle.abort();
        }
    }

    /// WhatsApp's delete-chat app-state mutation: the phone and the other linked devices
    /// drop the chat too.
    pub(crate) async fn delete_chat(
        &self,
        chat: &Jid,
        delete_media: bool,
        range: Option<SyncActionMessageRange>,
        timeout: Duration,
    ) -> Result<()> {
        let sent = tokio::time::timeout(
            timeout,
            Box::pin(
                self.client
                    .chat_actions()
                    .delete_chat(chat, delete_media, range),
            ),
        )
        .await
        .map_err(|_| Error::Timeout(format!("delete-chat for {chat} got no answer")))?;
        sent.map_err(|e| {
            let text = e.to_string();
            if text.contains("app state sync key") {
                Error::WhatsApp(format!(
                    "the phone has not shared its sync key with this device yet, so the chat \
                     cannot be deleted on WhatsApp; wait a moment after linking and retry ({text})"
                ))
            } else {
                Error::WhatsApp(format!(
                    "WhatsApp did not take the delete-chat change: {text}"
                ))
            }
        })
    }

    /// The linked account as the client knows it now (no network).
    pub(crate) fn own_profile(&self) -> Profile {
        Profile {
            phone_jid: self.client.pn().map(|j| j.to_non_ad_string()),
            lid: self.client.lid().map(|j| j.to_non_ad_string()),
            push_name: Some(self.client.push_name()).filter(|n| !n.is_empty()),
            business_name: None,
            picture_url: None,
        }
    }

    /// A cloneable handle for work the actor runs beside itself (downloads, look-ups).
    pub(crate) fn remote(&self) -> Remote {
        Remote(Arc::clone(&self.client))
    }
}
