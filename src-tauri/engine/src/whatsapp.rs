//! The adapter to whatsapp-rust, and the only module that imports it: protocol churn
//! stays here. It builds clients on an instance's session store, translates library
//! events into engine terms (`SessionEvent`) and performs the few protocol actions the
//! instance actor needs. It decides nothing about states or storage: the actor does.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use whatsapp_rust::features::{message_key, message_range, SyncActionMessageRange};
use whatsapp_rust::http::{HttpRequest, UreqHttpClient};
use whatsapp_rust::pair_code::PairCodeOptions;
use whatsapp_rust::prelude::*;
use whatsapp_rust::store::traits::DeviceStore;
use whatsapp_rust::transport::{
    default_tls_connector, from_websocket, Connector, TokioWebSocketTransportFactory, Transport,
    TransportEvent, TransportFactory,
};
use whatsapp_rust::types::events::{
    ConnectFailureReason, InboundMessage, LazyHistorySync, PairSuccess,
};
use whatsapp_rust::wacore::download::Downloadable;
use whatsapp_rust::wacore::iq::devices::RemoveCompanionDeviceSpec;
use whatsapp_rust::wacore::types::call::{CallAction, IncomingCall};
use whatsapp_rust::waproto::whatsapp as wa;

use crate::actor::{ChatUpsert, LastMessage, MessageUpsert};
use crate::error::{Error, Result};
use crate::model::{DisconnectReason, InstanceState, LogoutCause, Millis, Profile};
use crate::proxy::Proxy;

/// The WhatsApp Web version announced to the server. Pinned so that connecting never
/// fetches the current version over the network (the library would otherwise).
const CLIENT_VERSION: (u32, u32, u32) = (2, 3000, 0);
/// How long profile look-ups after connect may take; they never hold up the connection.
const PROFILE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// WhatsApp serves profile pictures of a few hundred kilobytes; anything far bigger is
/// not a profile picture.
const MAX_PICTURE_BYTES: usize = 5 * 1024 * 1024;
/// Bound on an orderly client stop before the client task is aborted.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------
// JIDs and the delete-chat message range
// ---------------------------------------------------------------------------------

/// Validates a chat given by the user and returns its canonical JID: bare phone digits
/// (`5511999999999`), or a JID on `@s.whatsapp.net`, `@lid` or `@g.us`.
pub fn canonical_chat_jid(input: &str) -> Result<String> {
    parse_chat_jid(input).map(|jid| jid.to_string())
}

pub(crate) fn parse_chat_jid(input: &str) -> Result<Jid> {
    let invalid = |why: &str| {
        Error::InvalidJid(format!(
            "'{}' is not a chat: {why}; expected a phone number in international format \
             (digits only) or a JID ending in @s.whatsapp.net, @lid or @g.us",
            input.escape_debug()
        ))
    };
    if input.is_empty() {
        return Err(invalid("it is empty"));
    }
    let Some((user, server)) = input.split_once('@') else {
        return if is_phone_number(input) {
            Ok(Jid::pn(input))
        } else {
            Err(invalid(
                "a phone number has 6 to 15 digits and does not start with 0",
            ))
        };
    };
    let user_ok = match server {
        "s.whatsapp.net" => is_phone_number(user),
        "lid" => is_digits(user, 1, 20),
        "g.us" => is_group_id(user),
        _ => return Err(invalid("unknown server after '@'")),
    };
    if !user_ok {
        return Err(invalid(
            "the part before '@' is not a valid id for that server",
        ));
    }
    input
        .parse::<Jid>()
        .map_err(|e| invalid(&format!("it does not parse ({e})")))
}

fn is_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_phone_number(s: &str) -> bool {
    is_digits(s, 6, 15) && !s.starts_with('0')
}

/// Group ids are a number, or (older groups) `<creator number>-<creation time>`.
fn is_group_id(s: &str) -> bool {
    match s.split_once('-') {
        Some((creator, created)) => is_digits(creator, 1, 20) && is_digits(created, 1, 20),
        None => is_digits(s, 1, 25),
    }
}

/// The message range WhatsApp Web attaches to a delete-chat mutation: the chat's last
/// message, so other devices delete exactly up to it. `None` when we hold no message.
pub(crate) fn delete_chat_range(
    chat: &Jid,
    last: Option<&LastMessage>,
) -> Result<Option<SyncActionMessageRange>> {
    let Some(last) = last else {
        return Ok(None);
    };
    if last.id.is_empty() {
        return Err(Error::InvalidJid(
            "the last message of the chat has no id".into(),
        ));
    }
    let participant = match &last.participant {
        Some(p) => Some(p.parse::<Jid>().map_err(|e| {
            Error::InvalidJid(format!("last message participant '{p}' is not a JID: {e}"))
        })?),
        None => None,
    };
    // The protocol counts message time in seconds.
    let seconds = last.timestamp.div_euclid(1000);
    let key = message_key(&last.id, chat, last.from_me, participant.as_ref());
    Ok(Some(message_range(seconds, None, vec![(key, seconds)])))
}

// ---------------------------------------------------------------------------------
// What library events mean for the instance
// ---------------------------------------------------------------------------------

/// What becomes of the running client after a lifecycle event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientFate {
    /// The library keeps (or goes on trying to keep) the connection.
    Runs,
    /// The library stopped the client for good; the stored keys may still be valid.
    Stopped,
    /// WhatsApp revoked this device: the stored keys are dead and must be wiped.
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub state: InstanceState,
    pub fate: ClientFate,
}

/// The state a library event puts the instance in, or `None` when it does not touch
/// the state. Pure, so every mapping is tested without a network.
pub(crate) fn lifecycle(event: &Event, now: Millis) -> Option<Lifecycle> {
    let disconnected = |reason, detail: Option<String>| InstanceState::Disconnected {
        reason,
        detail,
        since: now,
    };
    let (state, fate) = match event {
        Event::Connected(_) => (InstanceState::Connected { since: now }, ClientFate::Runs),
        Event::Disconnected(d) => (
            disconnected(DisconnectReason::ConnectionLost, Some(d.reason.to_string())),
            ClientFate::Runs,
        ),
        Event::LoggedOut(out) => match out.reason {
            ConnectFailureReason::AccountLocked => (
                InstanceState::Banned {
                    until: None,
                    since: now,
                },
                ClientFate::Stopped,
            ),
            _ => (
                InstanceState::Loggedout {
                    cause: LogoutCause::Phone,
                    since: now,
                },
                ClientFate::Revoked,
            ),
        },
        Event::TemporaryBan(ban) => (
            InstanceState::Banned {
                until: Some(now.saturating_add(ban.expire.num_milliseconds())),
                since: now,
            },
            ClientFate::Stopped,
        ),
        Event::StreamReplaced(_) => (
            disconnected(DisconnectReason::StreamReplaced, None),
            ClientFate::Stopped,
        ),
        Event::ClientOutdated(_) => (
            disconnected(DisconnectReason::ClientOutdated, None),
            ClientFate::Stopped,
        ),
        Event::ConnectFailure(failure) => {
            let detail = match &failure.message {
                Some(m) => format!("{:?}: {m}", failure.reason),
                None => format!("{:?}", failure.reason),
            };
            if failure.reason.should_reconnect() {
                (
                    disconnected(DisconnectReason::ConnectionLost, Some(detail)),
                    ClientFate::Runs,
                )
            } else {
                (
                    disconnected(DisconnectReason::Failed, Some(detail)),
                    ClientFate::Stopped,
                )
            }
        }
        // With a pairing code still outstanding the library keeps the socket open.
        Event::PairingQrCodesExhausted(x) if x.disconnected => (
            disconnected(DisconnectReason::QrExpired, None),
            ClientFate::Stopped,
        ),
        _ => return None,
    };
    Some(Lifecycle { state, fate })
}

/// Everything the actor hears from a running client, in engine terms.
pub(crate) enum SessionEvent {
    Lifecycle(Lifecycle),
    Qr {
        code: String,
        valid_for: Duration,
    },
    PairingCode {
        code: String,
        valid_for: Duration,
    },
    /// The outstanding pairing code is void; WhatsApp wants a fresh one.
    PairingCodeRefresh,
    /// The phone accepted this device; keys are now stored.
    Paired(Profile),
    History(HistoryBlob),
    Messages(Vec<Incoming>),
    ChatDeletedElsewhere {
        chat_jid: String,
        delete_media: bool,
    },
    OwnPushName(String),
    CallOffer(CallOffer),
}

/// Forwards library events, tagged with the client's generation so the actor can drop
/// what a client it already replaced still says. Runs inline on the library's dispatch
/// path, so it only translates cheap events; history blobs are decoded by the actor.
struct Forwarder {
    generation: u64,
    events: UnboundedSender<(u64, SessionEvent)>,
}

impl Forwarder {
    fn translate(&self, event: &Event) -> Option<SessionEvent> {
        if let Some(change) = lifecycle(event, now_millis()) {
            return Some(SessionEvent::Lifecycle(change));
        }
        Some(match event {
            Event::PairingQrCode(qr) => SessionEvent::Qr {
                code: qr.code.clone(),
                valid_for: qr.timeout,
            },
            Event::PairingCode(code) => SessionEvent::PairingCode {
                code: code.code.clone(),
                valid_for: code.timeout,
            },
            Event::PairingCodeRefresh(_) => SessionEvent::PairingCodeRefresh,
            Event::PairSuccess(ok) => SessionEvent::Paired(paired_profile(ok)),
            Event::HistorySync(blob) => SessionEvent::History(HistoryBlob(blob.clone())),
            Event::Messages(batch) => {
                let incoming: Vec<Incoming> =
                    batch.iter().filter_map(Incoming::from_inbound).collect();
                if incoming.is_empty() {
                    return None;
                }
                SessionEvent::Messages(incoming)
            }
            Event::DeleteChatUpdate(d) => SessionEvent::ChatDeletedElsewhere {
                chat_jid: d.jid.to_non_ad_string(),
                delete_media: d.delete_media,
            },
            Event::SelfPushNameUpdated(p) => SessionEvent::OwnPushName(p.new_name.clone()),
            Event::IncomingCall(call) if matches!(call.action, CallAction::Offer { .. }) => {
                SessionEvent::CallOffer(CallOffer(Box::new(call.clone())))
            }
            _ => return None,
        })
    }

    fn kinds() -> EventInterest {
        EventInterest::of(&[
            EventKind::Connected,
            EventKind::Disconnected,
            EventKind::LoggedOut,
            EventKind::TemporaryBan,
            EventKind::StreamReplaced,
            EventKind::ClientOutdated,
            EventKind::ConnectFailure,
            EventKind::PairingQrCodesExhausted,
            EventKind::PairingQrCode,
            EventKind::PairingCode,
            EventKind::PairingCodeRefresh,
            EventKind::PairSuccess,
            EventKind::HistorySync,
            EventKind::Messages,
            EventKind::DeleteChatUpdate,
            EventKind::SelfPushNameUpdated,
            EventKind::IncomingCall,
        ])
    }
}

impl EventHandler for Forwarder {
    fn handle_event(&self, event: Arc<Event>) {
        if let Some(translated) = self.translate(&event) {
            // A closed channel means the actor is gone; nothing is left to tell.
            let _ = self.events.send((self.generation, translated));
        }
    }

    fn interest(&self) -> EventInterest {
        Self::kinds()
    }
}

fn paired_profile(ok: &PairSuccess) -> Profile {
    Profile {
        phone_jid: Some(ok.id.to_non_ad_string()),
        lid: Some(ok.lid.to_non_ad_string()),
        push_name: None,
        business_name: Some(ok.business_name.clone()).filter(|n| !n.is_empty()),
        picture_url: None,
    }
}

pub(crate) fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------
// History sync and incoming messages
// ---------------------------------------------------------------------------------

/// A history-sync blob as the library hands it over, still compressed.
pub(crate) struct HistoryBlob(Box<LazyHistorySync>);

impl HistoryBlob {
    /// Inflates and decodes the blob (CPU work: call it off the async threads).
    pub(crate) fn decode(&self) -> (Vec<ChatUpsert>, Vec<MessageUpsert>) {
        let Some(history) = self.0.get() else {
            tracing::warn!("a history sync blob could not be decoded; skipped");
            return (Vec::new(), Vec::new());
        };
        let names: BTreeMap<&str, &str> = history
            .pushnames
            .iter()
            .filter_map(|p| Some((p.id.as_deref()?, p.pushname.as_deref()?)))
            .collect();
        let mut chats = Vec::new();
        let mut messages = Vec::new();
        for conversation in &history.conversations {
            let Ok(jid) = conversation.id.parse::<Jid>() else {
                continue;
            };
            if !is_chat(&jid) {
                continue;
            }
            let chat_jid = jid.to_non_ad_string();
            let name = conversation
                .name
                .clone()
                .or_else(|| conversation.display_name.clone())
                .or_else(|| names.get(conversation.id.as_str()).map(|n| n.to_string()));
            chats.push(ChatUpsert {
                jid: chat_jid.clone(),
                name,
            });
            for entry in &conversation.messages {
                let Some(info) = entry.message.as_option() else {
                    continue;
                };
                if let Some(upsert) = history_message(&chat_jid, info) {
                    messages.push(upsert);
                }
            }
        }
        (chats, messages)
    }
}

fn history_message(chat_jid: &str, info: &wa::WebMessageInfo) -> Option<MessageUpsert> {
    let key = info.key.as_option()?;
    let id = key.id.clone().filter(|id| !id.is_empty())?;
    let content = MessageContent::of(info.message.as_option()?);
    if content.is_empty() {
        return None;
    }
    let sender = info
        .participant
        .clone()
        .or_else(|| key.participant.clone())
        .filter(|s| !s.is_empty());
    Some(MessageUpsert {
        chat_jid: chat_jid.to_string(),
        id,
        from_me: key.from_me.unwrap_or(false),
        sender,
        timestamp: (info.message_timestamp.unwrap_or(0) as Millis).saturating_mul(1000),
        text: content.text,
        media_kind: content.media_kind.map(str::to_string),
    })
}

/// Chats worth keeping: people, LIDs and groups (not status, newsletters or broadcasts).
fn is_chat(jid: &Jid) -> bool {
    matches!(jid.server, Server::Pn | Server::Lid | Server::Group)
}

/// The part of a message Switchboard keeps: its text and what media it carries.
struct MessageContent<'a> {
    text: Option<String>,
    media_kind: Option<&'static str>,
    media: Option<&'a dyn Downloadable>,
    mime: Option<String>,
    file_name: Option<String>,
}

impl<'a> MessageContent<'a> {
    fn of(message: &'a wa::Message) -> Self {
        let base = message.get_base_message();
        let mut content = MessageContent {
            text: base
                .text_content()
                .or_else(|| base.get_caption())
                .map(str::to_string),
            media_kind: None,
            media: None,
            mime: None,
            file_name: None,
        };
        if let Some(m) = base.image_message.as_option() {
            content.set_media("image", m, m.mimetype.clone(), None);
        } else if let Some(m) = base.video_message.as_option() {
            content.set_media("video", m, m.mimetype.clone(), None);
        } else if let Some(m) = base.audio_message.as_option() {
            content.set_media("audio", m, m.mimetype.clone(), None);
        } else if let Some(m) = base.document_message.as_option() {
            content.set_media("document", m, m.mimetype.clone(), m.file_name.clone());
        } else if let Some(m) = base.sticker_message.as_option() {
            content.set_media("sticker", m, m.mimetype.clone(), None);
        }
        content
    }

    fn set_media(
        &mut self,
        kind: &'static str,
        media: &'a dyn Downloadable,
        mime: Option<String>,
        file_name: Option<String>,
    ) {
        self.media_kind = Some(kind);
        self.media = Some(media);
        self.mime = mime;
        self.file_name = file_name;
    }

    fn is_empty(&self) -> bool {
        self.text.is_none() && self.media_kind.is_none()
    }
}

/// One incoming message, translated, with what the actor may still do about it.
pub(crate) struct Incoming {
    pub upsert: MessageUpsert,
    pub is_group: bool,
    pub media: Option<MediaRef>,
    pub receipt: ReadReceipt,
}

impl Incoming {
    fn from_inbound(inbound: &InboundMessage) -> Option<Incoming> {
        let source = &inbound.info.source;
        if !is_chat(&source.chat) {
            return None;
        }
        let content = MessageContent::of(&inbound.message);
        if content.is_empty() {
            return None;
        }
        let chat_jid = source.chat.to_non_ad_string();
        let media = content.media.map(|_| MediaRef {
            message: Arc::clone(&inbound.message),
            mime: content.mime.clone(),
            file_name: content.file_name.clone(),
        });
        Some(Incoming {
            upsert: MessageUpsert {
                chat_jid,
                id: inbound.info.id.to_string(),
                from_me: source.is_from_me,
                sender: Some(source.sender.to_non_ad_string()),
                timestamp: inbound.info.timestamp.timestamp_millis(),
                text: content.text,
                media_kind: content.media_kind.map(str::to_string),
            },
            is_group: source.is_group,
            media,
            receipt: ReadReceipt {
                chat: source.chat.clone(),
                sender: source.is_group.then(|| source.sender.clone()),
                id: inbound.info.id.to_string(),
                from_me: source.is_from_me,
            },
        })
    }
}

/// A media attachment that can still be downloaded.
pub(crate) struct MediaRef {
    message: Arc<wa::Message>,
    pub mime: Option<String>,
    /// The sender's file name (documents only).
    pub file_name: Option<String>,
}

impl MediaRef {
    fn downloadable(&self) -> Option<&dyn Downloadable> {
        MessageContent::of(&self.message).media
    }
}

/// What a read receipt for one message needs.
#[derive(Clone)]
pub(crate) struct ReadReceipt {
    chat: Jid,
    sender: Option<Jid>,
    id: String,
    from_me: bool,
}

/// An incoming call offer.
pub(crate) struct CallOffer(Box<IncomingCall>);

impl CallOffer {
    pub(crate) fn caller(&self) -> String {
        self.0.from.to_non_ad_string()
    }
}

// ---------------------------------------------------------------------------------
// The session store on disk
// ---------------------------------------------------------------------------------

/// Whether the store holds a linked device (keys and a phone identity), read without
/// any network and without creating the file.
pub(crate) async fn has_stored_session(session_db: &Path) -> Result<bool> {
    if !is_sqlite_file(session_db).await? {
        return Ok(false);
    }
    let store = open_store(session_db).await?;
    let device = store
        .load()
        .await
        .map_err(|e| Error::Storage(format!("reading the session store failed: {e}")))?;
    Ok(device.is_some_and(|d| d.pn.is_some()))
}

/// Whether the file exists and starts with SQLite's header. Anything else holds no
/// session, and is not handed to the store (whose pool would wait 30 s on it).
async fn is_sqlite_file(path: &Path) -> Result<bool> {
    use tokio::io::AsyncReadExt;
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let mut header = [0u8; 16];
    match file.read_exact(&mut header).await {
        Ok(_) => Ok(&header == MAGIC),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Removes the session store with its WAL and shared-memory files. Missing files are
/// fine, so wiping twice is harmless. Call it only with no client on the store.
pub(crate) fn remove_session_files(session_db: &Path) -> Result<()> {
    let mut wal = session_db.as_os_str().to_owned();
    wal.push("-wal");
    let mut shm = session_db.as_os_str().to_owned();
    shm.push("-shm");
    for path in [session_db.as_os_str().to_owned(), wal, shm] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Io(format!(
                    "removing {} failed: {e}",
                    Path::new(&path).display()
                )))
            }
        }
    }
    Ok(())
}

async fn open_store(session_db: &Path) -> Result<SqliteStore> {
    prepare_store_file(session_db)?;
    let url = session_db
        .to_str()
        .ok_or_else(|| Error::Io(format!("{} is not valid UTF-8", session_db.display())))?;
    SqliteStore::new(url)
        .await
        .map_err(|e| Error::Storage(format!("opening the session store failed: {e}")))
}

/// Creates the instance folder (0700) and an empty store file (0600) before SQLite
/// does: SQLite gives its -wal and -shm files the database file's permissions.
fn prepare_store_file(session_db: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = session_db.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(session_db)?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// A running client
// ---------------------------------------------------------------------------------

/// How to build a client.
pub(crate) struct SessionOptions<'a> {
    pub session_db: &'a Path,
    /// WebSocket URL of the chat server; `None` is WhatsApp's own.
    pub server_url: Option<&'a str>,
    /// Every connection of the client (chat socket, media, pictures) goes through it.
    pub proxy: Option<Proxy>,
}

/// The chat socket through a proxy: the tunnel first, then TLS and the WebSocket upgrade
/// over it, as the library's own factory does them on a direct connection.
struct ProxiedTransportFactory {
    url: String,
    proxy: Proxy,
}

#[async_trait::async_trait]
impl TransportFactory for ProxiedTransportFactory {
    async fn create_transport(
        &self,
    ) -> anyhow::Result<(Arc<dyn Transport>, async_channel::Receiver<TransportEvent>)> {
        let uri: http::Uri = self.url.parse()?;
        let host = uri
            .host()
            .ok_or_else(|| anyhow::anyhow!("the chat server URL has no host"))?
            .trim_matches(['[', ']'])
            .to_string();
        let secure = uri.scheme_str() == Some("wss");
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let tunnel = self.proxy.tunnel(&host, port).await?;
        let connector = if secure {
            default_tls_connector()
        } else {
            Connector::Plain
        };
        let stream = connector.wrap(&host, tunnel).await?;
        let origin =
            http::HeaderValue::from_static(whatsapp_rust::wacore::net::WHATSAPP_WEB_ORIGIN);
        let (ws, _) = tokio_websockets::ClientBuilder::from_uri(uri)
            .add_header(http::header::ORIGIN, origin)?
            .connect_on(stream)
            .await?;
        Ok(from_websocket(ws))
    }
}

/// The HTTP client for media and pictures, through the proxy when there is one.
fn http_client(proxy: Option<&Proxy>) -> Result<UreqHttpClient> {
    let Some(proxy) = proxy else {
        return Ok(UreqHttpClient::new());
    };
    let proxy = ureq::Proxy::new(proxy.url())
        .map_err(|e| Error::InvalidProxy(format!("the proxy cannot carry HTTP: {e}")))?;
    #[allow(unused_mut)]
    let mut config = ureq::config::Config::builder().proxy(Some(proxy));
    // Test builds trust wa-mock's self-signed media host, as the library's own client does.
    #[cfg(feature = "insecure-test-server")]
    {
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .disable_verification(true)
                .build(),
        );
    }
    Ok(UreqHttpClient::with_agent(config.build().into()))
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

/// Client operations that may run in a task beside the actor.
#[derive(Clone)]
pub(crate) struct Remote(Arc<Client>);

impl Remote {
    /// Business name and picture URL of the linked account, each when WhatsApp tells.
    pub(crate) async fn profile_extras(&self) -> (Option<String>, Option<String>) {
        let Some(me) = self.0.pn().map(|j| j.to_non_ad()) else {
            return (None, None);
        };
        let business = tokio::time::timeout(
            PROFILE_LOOKUP_TIMEOUT,
            self.0.contacts().get_user_info(std::slice::from_ref(&me)),
        )
        .await
        .ok()
        .and_then(|r| r.ok())
        .and_then(|mut infos| infos.remove(&me))
        .and_then(|info| info.verified_name)
        .and_then(|v| v.name)
        .filter(|n| !n.is_empty());
        let picture = tokio::time::timeout(
            PROFILE_LOOKUP_TIMEOUT,
            self.0.contacts().get_profile_picture(&me, false),
        )
        .await
        .ok()
        .and_then(|r| r.ok())
        .flatten()
        .map(|p| p.url)
        .filter(|u| !u.is_empty());
        (business, picture)
    }

    /// Downloads a profile picture through the client's own HTTP client, so the
    /// instance's proxy and TLS rules apply to it as to media.
    pub(crate) async fn fetch_picture(&self, url: &str) -> Result<Vec<u8>> {
        let response = tokio::time::timeout(
            PROFILE_LOOKUP_TIMEOUT,
            self.0.http_client.execute(HttpRequest::get(url)),
        )
        .await
        .map_err(|_| Error::Timeout("the profile picture did not arrive in time".into()))?
        .map_err(|e| Error::WhatsApp(format!("downloading the profile picture failed: {e}")))?;
        match response.status_code {
            200 if (1..=MAX_PICTURE_BYTES).contains(&response.body.len()) => Ok(response.body),
            200 => Err(Error::WhatsApp(format!(
                "the profile picture has {} bytes",
                response.body.len()
            ))),
            status => Err(Error::WhatsApp(format!(
                "the profile picture answered HTTP {status}"
            ))),
        }
    }

    /// Downloads and decrypts an attachment into `file`; returns the bytes written.
    pub(crate) async fn download(&self, media: &MediaRef, file: std::fs::File) -> Result<u64> {
        let downloadable = media
            .downloadable()
            .ok_or_else(|| Error::WhatsApp("the message carries no downloadable media".into()))?;
        let mut file = self
            .0
            .download_to_writer(downloadable, file)
            .await
            .map_err(|e| Error::WhatsApp(format!("downloading media failed: {e}")))?;
        use std::io::Write;
        file.flush()?;
        file.sync_all()?;
        // The library hands the file back rewound: its length is what was written.
        Ok(file.metadata()?.len())
    }

    pub(crate) async fn set_online(&self, online: bool) {
        let presence = self.0.presence();
        let result = if online {
            presence.set_available().await
        } else {
            presence.set_unavailable().await
        };
        if let Err(e) = result {
            tracing::warn!("setting presence failed: {e}");
        }
    }

    /// Read receipts for messages others sent, one request per chat and sender.
    pub(crate) async fn mark_read(&self, receipts: &[ReadReceipt]) {
        let mut batches: Vec<(&ReadReceipt, Vec<&str>)> = Vec::new();
        for r in receipts.iter().filter(|r| !r.from_me) {
            let same = |(first, _): &&mut (&ReadReceipt, Vec<&str>)| {
                first.chat == r.chat && first.sender == r.sender
            };
            match batches.iter_mut().find(same) {
                Some((_, ids)) => ids.push(&r.id),
                None => batches.push((r, vec![&r.id])),
            }
        }
        for (first, ids) in batches {
            if let Err(e) = self
                .0
                .mark_as_read(&first.chat, first.sender.as_ref(), &ids)
                .await
            {
                tracing::warn!("sending read receipts failed: {e}");
            }
        }
    }

    /// Declines a call, then optionally sends the caller a text.
    pub(crate) async fn reject_call(&self, offer: &CallOffer, reply: Option<&str>) {
        if let Err(e) = self.0.voip().reject(&offer.0).await {
            tracing::warn!("rejecting a call failed: {e}");
            return;
        }
        if let Some(text) = reply.filter(|t| !t.trim().is_empty()) {
            let to = offer.0.from.to_non_ad();
            if let Err(e) = self.0.send_message(&to, wa::Message::text(text)).await {
                tracing::warn!("sending the call-rejection reply failed: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whatsapp_rust::chrono;
    use whatsapp_rust::types::events::{
        ConnectFailure, Connected, Disconnected, LoggedOut, PairingQrCodesExhausted,
        StreamReplaced, TempBanReason, TemporaryBan,
    };
    use whatsapp_rust::wacore::net::DisconnectReason as WireReason;

    const NOW: Millis = 1_700_000_000_000;

    #[test]
    fn bare_numbers_become_phone_jids() {
        assert_eq!(
            canonical_chat_jid("5511999999999").unwrap(),
            "5511999999999@s.whatsapp.net"
        );
    }

    #[test]
    fn each_chat_server_is_accepted() {
        for jid in [
            "5511999999999@s.whatsapp.net",
            "123456789012345@lid",
            "120363012345678901@g.us",
            "5511999999999-1600000000@g.us",
        ] {
            assert_eq!(canonical_chat_jid(jid).unwrap(), jid, "{jid}");
        }
    }

    #[test]
    fn anything_else_is_invalid_jid() {
        for bad in [
            "",
            " 5511999999999",
            "+5511999999999",
            "05511999999",
            "12345",
            "1234567890123456",
            "55 11 99999 9999",
            "abc@s.whatsapp.net",
            "5511999999999:3@s.whatsapp.net",
            "@s.whatsapp.net",
            "5511999999999@",
            "5511999999999@example.com",
            "status@broadcast",
            "123@newsletter",
            "12a@lid",
            "1-2-3@g.us",
            "../x",
            "a/b",
            "55119\u{0}99999@lid",
        ] {
            let err = canonical_chat_jid(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_jid", "{bad:?}");
            assert!(err.to_string().contains("expected a phone number"), "{err}");
        }
    }

    #[test]
    fn no_last_message_means_no_range() {
        let chat = parse_chat_jid("5511999999999").unwrap();
        assert!(delete_chat_range(&chat, None).unwrap().is_none());
    }

    #[test]
    fn range_carries_the_last_message_in_seconds() {
        let chat = parse_chat_jid("120363012345678901@g.us").unwrap();
        let last = LastMessage {
            id: "3EB0ABC".into(),
            from_me: false,
            participant: Some("5511888888888@s.whatsapp.net".into()),
            timestamp: 1_700_000_123_456,
        };
        let range = delete_chat_range(&chat, Some(&last)).unwrap().unwrap();
        assert_eq!(range.last_message_timestamp, Some(1_700_000_123));
        assert_eq!(range.messages.len(), 1);
        let entry = &range.messages[0];
        assert_eq!(entry.timestamp, Some(1_700_000_123));
        let key = entry.key.as_option().unwrap();
        assert_eq!(key.id.as_deref(), Some("3EB0ABC"));
        assert_eq!(key.remote_jid.as_deref(), Some("120363012345678901@g.us"));
        assert_eq!(key.from_me, Some(false));
        assert_eq!(
            key.participant.as_deref(),
            Some("5511888888888@s.whatsapp.net")
        );
    }

    #[test]
    fn range_rejects_a_broken_last_message() {
        let chat = parse_chat_jid("5511999999999").unwrap();
        let mut last = LastMessage {
            id: String::new(),
            from_me: true,
            participant: None,
            timestamp: 1,
        };
        assert_eq!(
            delete_chat_range(&chat, Some(&last)).unwrap_err().code(),
            "invalid_jid"
        );
        last.id = "X".into();
        last.participant = Some("not a jid@nowhere".into());
        assert_eq!(
            delete_chat_range(&chat, Some(&last)).unwrap_err().code(),
            "invalid_jid"
        );
    }

    fn map(event: Event) -> Option<Lifecycle> {
        lifecycle(&event, NOW)
    }

    #[test]
    fn connected_keeps_the_client() {
        let change = map(Event::Connected(Connected::builder().build())).unwrap();
        assert_eq!(change.state, InstanceState::Connected { since: NOW });
        assert_eq!(change.fate, ClientFate::Runs);
    }

    #[test]
    fn unexpected_drop_is_connection_lost_while_the_library_retries() {
        let change = map(Event::Disconnected(
            Disconnected::builder()
                .reason(WireReason::StreamEnded)
                .build(),
        ))
        .unwrap();
        assert_eq!(change.fate, ClientFate::Runs);
        match change.state {
            InstanceState::Disconnected {
                reason,
                detail,
                since,
            } => {
                assert_eq!(reason, DisconnectReason::ConnectionLost);
                assert_eq!(detail.as_deref(), Some("stream ended (EOF)"));
                assert_eq!(since, NOW);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unlinked_from_the_phone_is_logged_out_and_revokes_the_keys() {
        for reason in [
            ConnectFailureReason::LoggedOut,
            ConnectFailureReason::UnknownLogout,
        ] {
            let change = map(Event::LoggedOut(
                LoggedOut::builder()
                    .on_connect(false)
                    .reason(reason)
                    .build(),
            ))
            .unwrap();
            assert_eq!(
                change.state,
                InstanceState::Loggedout {
                    cause: LogoutCause::Phone,
                    since: NOW
                }
            );
            assert_eq!(change.fate, ClientFate::Revoked);
        }
    }

    #[test]
    fn account_locked_is_a_permanent_ban() {
        let change = map(Event::LoggedOut(
            LoggedOut::builder()
                .on_connect(true)
                .reason(ConnectFailureReason::AccountLocked)
                .build(),
        ))
        .unwrap();
        assert_eq!(
            change.state,
            InstanceState::Banned {
                until: None,
                since: NOW
            }
        );
        assert_eq!(change.fate, ClientFate::Stopped);
    }

    #[test]
    fn temporary_ban_carries_its_end() {
        let change = map(Event::TemporaryBan(
            TemporaryBan::builder()
                .code(TempBanReason::BlockedByUsers)
                .expire(chrono::Duration::seconds(3600))
                .build(),
        ))
        .unwrap();
        assert_eq!(
            change.state,
            InstanceState::Banned {
                until: Some(NOW + 3_600_000),
                since: NOW
            }
        );
        assert_eq!(change.fate, ClientFate::Stopped);
    }

    #[test]
    fn stream_replaced_stops_the_client() {
        let change = map(Event::StreamReplaced(StreamReplaced::builder().build())).unwrap();
        assert!(matches!(
            change.state,
            InstanceState::Disconnected {
                reason: DisconnectReason::StreamReplaced,
                ..
            }
        ));
        assert_eq!(change.fate, ClientFate::Stopped);
    }

    #[test]
    fn connect_failures_retry_only_when_the_server_says_so() {
        let retry = map(Event::ConnectFailure(
            ConnectFailure::builder()
                .reason(ConnectFailureReason::ServiceUnavailable)
                .build(),
        ))
        .unwrap();
        assert_eq!(retry.fate, ClientFate::Runs);
        assert!(matches!(
            retry.state,
            InstanceState::Disconnected {
                reason: DisconnectReason::ConnectionLost,
                ..
            }
        ));
        let fatal = map(Event::ConnectFailure(
            ConnectFailure::builder()
                .reason(ConnectFailureReason::BadUserAgent)
                .message("bad agent".to_string())
                .build(),
        ))
        .unwrap();
        assert_eq!(fatal.fate, ClientFate::Stopped);
        match fatal.state {
            InstanceState::Disconnected { reason, detail, .. } => {
                assert_eq!(reason, DisconnectReason::Failed);
                assert!(detail.unwrap().contains("bad agent"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn qr_exhaustion_expires_the_round_unless_a_code_is_outstanding() {
        let expired = map(Event::PairingQrCodesExhausted(
            PairingQrCodesExhausted::builder()
                .disconnected(true)
                .build(),
        ))
        .unwrap();
        assert!(matches!(
            expired.state,
            InstanceState::Disconnected {
                reason: DisconnectReason::QrExpired,
                ..
            }
        ));
        assert_eq!(expired.fate, ClientFate::Stopped);
        assert!(map(Event::PairingQrCodesExhausted(
            PairingQrCodesExhausted::builder()
                .disconnected(false)
                .build(),
        ))
        .is_none());
    }

    #[tokio::test]
    async fn an_absent_store_holds_no_session_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("session.db");
        assert!(!has_stored_session(&db).await.unwrap());
        assert!(!db.exists());
    }

    #[tokio::test]
    async fn a_fresh_store_holds_no_session() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("instance").join("session.db");
        drop(open_store(&db).await.unwrap());
        assert!(db.exists());
        assert!(!has_stored_session(&db).await.unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(db.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }

    #[tokio::test]
    async fn wiping_removes_the_store_and_is_harmless_to_repeat() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("session.db");
        drop(open_store(&db).await.unwrap());
        std::fs::write(dir.path().join("session.db-wal"), b"w").unwrap();
        std::fs::write(dir.path().join("session.db-shm"), b"s").unwrap();
        std::fs::write(dir.path().join("keep.txt"), b"k").unwrap();
        remove_session_files(&db).unwrap();
        remove_session_files(&db).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, vec!["keep.txt".to_string()]);
    }
}
