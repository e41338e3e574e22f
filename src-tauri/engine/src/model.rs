//! The engine's public data: what lists, reports and events carry.
//! These types are the source of truth for the UI's TypeScript (ts-rs).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::s3::objects_step::S3MediaOutcome;
use crate::s3::{ObjectFailure, S3ConfigInput, S3ConfigView};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The clock every state, record and code expiry is stamped with.
pub(crate) fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or_default()
}

/// How a connection attempt was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectVia {
    Qr,
    Code,
    Reconnect,
}

/// Why an instance is `disconnected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DisconnectReason {
    /// Never connected, or stopped by the user / at shutdown.
    Idle,
    /// All QR codes of a round expired unscanned.
    QrExpired,
    /// The pairing code expired unused.
    PairCodeExpired,
    /// Another client took over this session.
    StreamReplaced,
    /// WhatsApp refused this client version.
    ClientOutdated,
    /// Connecting failed (see `detail`).
    Failed,
    /// The instance's proxy could not be reached (see `detail`).
    ProxyUnreachable,
    /// The instance's proxy refused its user name or password (see `detail`).
    ProxyAuthFailed,
}

/// Who ended the session when an instance is `loggedout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LogoutCause {
    /// Logout asked through Switchboard.
    User,
    /// The device was removed from the phone's linked devices, or WhatsApp logged it out.
    Phone,
}

/// The one source of truth for an instance's connection state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum InstanceState {
    Disconnected {
        reason: DisconnectReason,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[ts(type = "number")]
        since: Millis,
    },
    Connecting {
        via: ConnectVia,
        #[ts(type = "number")]
        since: Millis,
    },
    Connected {
        #[ts(type = "number")]
        since: Millis,
    },
    /// A linked session lost its connection, or the server stopped answering the
    /// keepalive; the client is trying again on its own.
    Reconnecting {
        /// What was seen, e.g. the stream ended or the keepalive went unanswered.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// When the next attempt is due, when the client is waiting between attempts.
        #[ts(optional, type = "number")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_attempt: Option<Millis>,
        #[ts(type = "number")]
        since: Millis,
    },
    Loggedout {
        cause: LogoutCause,
        #[ts(type = "number")]
        since: Millis,
    },
    Banned {
        /// End of a temporary ban; none for a permanent one.
        #[ts(optional, type = "number")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Millis>,
        #[ts(type = "number")]
        since: Millis,
    },
}

impl InstanceState {
    pub fn name(&self) -> &'static str {
        match self {
            InstanceState::Disconnected { .. } => "disconnected",
            InstanceState::Connecting { .. } => "connecting",
            InstanceState::Connected { .. } => "connected",
            InstanceState::Reconnecting { .. } => "reconnecting",
            InstanceState::Loggedout { .. } => "loggedout",
            InstanceState::Banned { .. } => "banned",
        }
    }

    pub fn is_connected(&self) -> bool {
        matches!(self, InstanceState::Connected { .. })
    }

    /// When the instance entered this state.
    pub fn since(&self) -> Millis {
        match self {
            InstanceState::Disconnected { since, .. }
            | InstanceState::Connecting { since, .. }
            | InstanceState::Connected { since }
            | InstanceState::Reconnecting { since, .. }
            | InstanceState::Loggedout { since, .. }
            | InstanceState::Banned { since, .. } => *since,
        }
    }
}

/// What WhatsApp tells us about the linked account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Profile {
    /// Phone JID, e.g. `5511999999999@s.whatsapp.net`.
    pub phone_jid: Option<String>,
    pub lid: Option<String>,
    pub push_name: Option<String>,
    pub business_name: Option<String>,
    pub picture_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Counts {
    #[ts(type = "number")]
    pub chats: u64,
    #[ts(type = "number")]
    pub messages: u64,
    #[ts(type = "number")]
    pub media_files: u64,
    #[ts(type = "number")]
    pub media_bytes: u64,
}

/// Per-instance behaviour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    pub reject_calls: bool,
    /// Sent to a caller whose call was rejected (only with `reject_calls`).
    pub reject_call_message: Option<String>,
    pub ignore_groups: bool,
    pub always_online: bool,
    pub mark_messages_read: bool,
    pub auto_download_media: bool,
}

/// Events a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookEvent {
    StateChanged,
    QrUpdated,
    Connected,
    LoggedOut,
    MessagesUpsert,
    /// Receipts: a sent message was delivered to or read on the recipient's phone.
    MessagesUpdate,
    /// A message this instance sent (from the window or an API).
    SendMessage,
    ChatDeleted,
    InstanceDelete,
}

/// The shape of a webhook's bodies: Switchboard's own, or Evolution API's (its event
/// names and payloads, for integrations written against Evolution).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    #[default]
    Switchboard,
    Evolution,
}

impl WebhookFormat {
    /// The word stored in the database, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Switchboard => "switchboard",
            WebhookFormat::Evolution => "evolution",
        }
    }
}

/// A webhook as the user configures it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookInput {
    pub url: String,
    /// Empty means every event.
    #[serde(default)]
    pub events: Vec<WebhookEvent>,
    /// Sent verbatim as the `Authorization` header.
    #[serde(default)]
    pub authorization: Option<String>,
    #[serde(default)]
    pub format: WebhookFormat,
    /// Each event goes to `<url>/<event-name>` (Evolution's `byEvents`).
    #[serde(default)]
    pub by_events: bool,
}

/// A stored webhook; the secret signs every body (`X-Switchboard-Signature`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Webhook {
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub authorization: Option<String>,
    pub secret: String,
    #[serde(default)]
    pub format: WebhookFormat,
    #[serde(default)]
    pub by_events: bool,
}

/// Everything optional that can be given when an instance is created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CreateInstance {
    pub name: String,
    pub settings: Option<Settings>,
    pub webhook: Option<WebhookInput>,
    /// `http://`, `https://` or `socks5://` URL.
    pub proxy: Option<String>,
    /// Received media goes to this bucket (tested before the instance is created).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3ConfigInput>,
    /// The instance's own API token, chosen by the caller (16-128 of `[A-Za-z0-9._~-]`);
    /// one is generated when absent.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// An instance's bucket as shown: the configuration (secret masked) and the uploads
/// still waiting to go up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct S3Status {
    pub config: S3ConfigView,
    #[ts(type = "number")]
    pub uploads_pending: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Instance {
    pub id: String,
    pub name: String,
    /// Random per-instance token (for a future local API).
    pub token: String,
    pub state: InstanceState,
    pub profile: Profile,
    pub settings: Settings,
    pub webhook: Option<Webhook>,
    pub proxy: Option<String>,
    /// Where received media goes; none keeps it on this computer.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Status>,
    pub counts: Counts,
    /// True while a deletion is under way.
    pub deleting: bool,
    /// Whether a session (linked device keys) is stored.
    pub paired: bool,
    #[ts(type = "number")]
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChatSummary {
    pub jid: String,
    pub name: Option<String>,
    #[ts(type = "number | null")]
    pub last_message_at: Option<Millis>,
    #[ts(type = "number")]
    pub messages: u64,
    #[ts(type = "number")]
    pub media_files: u64,
    #[ts(type = "number")]
    pub media_bytes: u64,
}

/// Whether WhatsApp confirmed that the device was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LogoutOutcome {
    /// The server acknowledged remove-companion-device.
    Confirmed,
    /// Sent, but no acknowledgement came within the timeout.
    Unconfirmed,
    /// There was no live session to log out (not connected, or never paired).
    NotConnected,
}

/// What happened to the INSTANCE_DELETE webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    Delivered,
    /// Every bounded try failed; the deletion went on.
    Failed,
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LogoutReport {
    pub instance_id: String,
    pub name: String,
    pub whatsapp: LogoutOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeleteReport {
    pub instance_id: String,
    pub name: String,
    pub removed: Counts,
    pub whatsapp_logout: LogoutOutcome,
    pub webhook: WebhookOutcome,
    /// The instance's objects in its bucket: kept or deleted, and where (none without
    /// a bucket).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_media: Option<S3MediaOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChatDeleteReport {
    /// Canonical JID of the deleted chat.
    pub chat_jid: String,
    pub delete_media: bool,
    /// "Chat deleted successfully" or "Chat deleted successfully (including media)".
    pub message: String,
    #[ts(type = "number")]
    pub messages_removed: u64,
    #[ts(type = "number")]
    pub media_files_removed: u64,
    #[ts(type = "number")]
    pub media_bytes_removed: u64,
    /// With media deleted from a bucket: the chat's objects it did not let go, with
    /// why (empty when all went; none when no bucket was involved).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_objects_failed: Option<Vec<ObjectFailure>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Logout,
    DeleteInstance,
    DeleteChat,
}

/// Who asked for a destructive action, as the audit trail records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// Someone at the window.
    #[default]
    Window,
    /// The local API, with the account token.
    AccountToken,
    /// The local API, with the instance's own token.
    InstanceToken,
    /// The phone: a chat deleted there.
    Phone,
}

impl Requester {
    /// The word stored in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Requester::Window => "window",
            Requester::AccountToken => "account_token",
            Requester::InstanceToken => "instance_token",
            Requester::Phone => "phone",
        }
    }

    /// Reads a stored word; one this version does not know reads as the window's.
    pub fn from_stored(text: &str) -> Requester {
        [
            Requester::AccountToken,
            Requester::InstanceToken,
            Requester::Phone,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
        .unwrap_or_default()
    }
}

/// One destructive action, kept after the instance itself is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub action: AuditAction,
    pub instance_id: String,
    pub instance_name: String,
    /// The chat JID for delete-chat.
    pub target: Option<String>,
    #[ts(type = "number")]
    pub at: Millis,
    /// `ok`, or the error code of a failed attempt.
    pub result: String,
    pub removed: Counts,
    /// Free text: WhatsApp logout outcome, error message, origin (phone/local).
    pub detail: Option<String>,
    pub requested_by: Requester,
}

/// Where a chat deletion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChatDeleteOrigin {
    Local,
    Phone,
}

/// Something that happened to a number besides the destructive actions the audit holds:
/// what the phone, WhatsApp, the network or a webhook receiver did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEvent {
    /// The phone accepted this device.
    Linked,
    /// The device was removed from the phone's linked devices, or WhatsApp logged it out.
    UnlinkedByPhone,
    Banned {
        /// End of a temporary ban; none for a permanent one.
        #[ts(type = "number | null")]
        until: Option<Millis>,
    },
    /// The connection dropped or stopped answering.
    ConnectionLost { detail: Option<String> },
    /// Connected again after an outage this long.
    ConnectionBack {
        #[ts(type = "number")]
        after_ms: Millis,
    },
    /// Connecting failed: a proxy that cannot be used, a refused login, an outdated client.
    ConnectFailed { detail: Option<String> },
    /// A webhook was given up: refused by the receiver, or failed on its last try.
    WebhookFailed { event: String, detail: String },
}

/// One line of a number's timeline: something that happened to it, or a destructive
/// action taken on it (the audit record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TimelineItem {
    Happened(TimelineEvent),
    Action(AuditRecord),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimelineEntry {
    pub instance_id: String,
    pub instance_name: String,
    #[ts(type = "number")]
    pub at: Millis,
    pub item: TimelineItem,
}
