//! How RyzeAPI shows an instance and its parts (camelCase, flat flags), built from the
//! engine's types. Fields RyzeAPI documents are kept by name; Switchboard's extras
//! (`counts`, `paired`, `deleting`, the engine's full `connection.detail`) ride beside.

use serde::Serialize;
use switchboard_engine::model::{
    Counts, Instance, InstanceState, Millis, Profile, Settings, Webhook, WebhookEvent,
};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceView {
    pub id: String,
    pub name: String,
    /// The instance's own token (TokenInstance).
    pub token: String,
    /// The state's name: disconnected, connecting, connected, reconnecting, loggedout, banned.
    pub status: &'static str,
    pub connection: ConnectionView,
    pub profile: ProfileView,
    pub settings: SettingsView,
    pub webhook: WebhookView,
    pub proxy: ProxyView,
    pub counts: CountsView,
    /// Whether a linked session is stored.
    pub paired: bool,
    /// True while a deletion is under way.
    pub deleting: bool,
    /// Milliseconds since the epoch.
    #[schema(value_type = i64)]
    pub created_at: Millis,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub state: &'static str,
    pub number_jid: Option<String>,
    pub lid: Option<String>,
    pub presence_status: &'static str,
    pub display_status: String,
    /// Since when the state holds (milliseconds since the epoch).
    #[schema(value_type = i64)]
    pub since: Millis,
    /// The engine's state with its reason, way or ban expiry.
    #[schema(value_type = Object)]
    pub detail: InstanceState,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub name: Option<String>,
    pub picture_url: Option<String>,
    pub is_business: bool,
    /// Empty when the account is not a business.
    pub business_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub auto_reject_calls: bool,
    /// Empty when no reply is sent.
    pub call_reject_message: String,
    pub ignore_group_messages: bool,
    pub keep_online_status: bool,
    pub auto_read_messages: bool,
    pub auto_download_media: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// Switchboard keeps one webhook per instance, labelled `default`.
    pub label: &'static str,
    pub enabled: bool,
    pub url: Option<String>,
    pub authorization: Option<String>,
    pub by_events: bool,
    /// Empty means every event.
    #[schema(value_type = Vec<String>, example = json!(["INSTANCE_DELETE"]))]
    pub events: Vec<WebhookEvent>,
    pub media_base64: bool,
    /// Signs every delivery (`X-Switchboard-Signature`).
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyView {
    pub enabled: bool,
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CountsView {
    pub chats: u64,
    pub messages: u64,
    pub media_files: u64,
    pub media_bytes: u64,
}

impl InstanceView {
    pub fn of(instance: &Instance) -> Self {
        Self {
            id: instance.id.clone(),
            name: instance.name.clone(),
            token: instance.token.clone(),
            status: instance.state.name(),
            connection: ConnectionView::of(instance),
            profile: ProfileView::of(&instance.profile),
            settings: SettingsView::of(&instance.settings),
            webhook: WebhookView::of(instance.webhook.as_ref()),
            proxy: ProxyView::of(instance.proxy.as_deref()),
            counts: CountsView::of(&instance.counts),
            paired: instance.paired,
            deleting: instance.deleting,
            created_at: instance.created_at,
        }
    }
}

impl ConnectionView {
    fn of(instance: &Instance) -> Self {
        let state = &instance.state;
        let online = state.is_connected() && instance.settings.always_online;
        Self {
            state: state.name(),
            number_jid: instance.profile.phone_jid.clone(),
            lid: instance.profile.lid.clone(),
            presence_status: if online { "available" } else { "unavailable" },
            display_status: display_status(state),
            since: state.since(),
            detail: state.clone(),
        }
    }
}

/// The state in a few words for a dashboard.
fn display_status(state: &InstanceState) -> String {
    match state {
        InstanceState::Disconnected { reason, .. } => {
            format!("Disconnected ({})", wire_word(reason))
        }
        InstanceState::Connecting { via, .. } => format!("Connecting ({})", wire_word(via)),
        InstanceState::Connected { .. } => "Connected".into(),
        InstanceState::Reconnecting { .. } => "Reconnecting".into(),
        InstanceState::Loggedout { cause, .. } => format!("Logged out ({})", wire_word(cause)),
        InstanceState::Banned { until: Some(_), .. } => "Banned for a while".into(),
        InstanceState::Banned { until: None, .. } => "Banned".into(),
    }
}

/// An engine enum's word on the wire, e.g. `qr_expired`.
fn wire_word(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl ProfileView {
    fn of(profile: &Profile) -> Self {
        Self {
            name: profile.push_name.clone(),
            picture_url: profile.picture_url.clone(),
            is_business: profile.business_name.is_some(),
            business_name: profile.business_name.clone().unwrap_or_default(),
        }
    }
}

impl SettingsView {
    pub fn of(settings: &Settings) -> Self {
        Self {
            auto_reject_calls: settings.reject_calls,
            call_reject_message: settings.reject_call_message.clone().unwrap_or_default(),
            ignore_group_messages: settings.ignore_groups,
            keep_online_status: settings.always_online,
            auto_read_messages: settings.mark_messages_read,
            auto_download_media: settings.auto_download_media,
        }
    }
}

impl WebhookView {
    pub fn of(webhook: Option<&Webhook>) -> Self {
        Self {
            label: "default",
            enabled: webhook.is_some(),
            url: webhook.map(|w| w.url.clone()),
            authorization: webhook.and_then(|w| w.authorization.clone()),
            by_events: false,
            events: webhook.map(|w| w.events.clone()).unwrap_or_default(),
            media_base64: false,
            secret: webhook.map(|w| w.secret.clone()),
        }
    }
}

impl ProxyView {
    /// The stored proxy URL in parts; the password never leaves.
    pub fn of(proxy: Option<&str>) -> Self {
        let parsed = proxy.and_then(|p| url::Url::parse(p).ok());
        let Some(url) = parsed else {
            return Self {
                enabled: false,
                protocol: None,
                host: None,
                port: None,
                username: None,
            };
        };
        let username = percent_encoding::percent_decode_str(url.username())
            .decode_utf8_lossy()
            .into_owned();
        Self {
            enabled: true,
            protocol: Some(url.scheme().to_string()),
            host: url.host_str().map(str::to_owned),
            port: url.port_or_known_default().map(|p| p.to_string()),
            username: (!username.is_empty()).then_some(username),
        }
    }
}

impl CountsView {
    pub fn of(counts: &Counts) -> Self {
        Self {
            chats: counts.chats,
            messages: counts.messages,
            media_files: counts.media_files,
            media_bytes: counts.media_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_shows_its_parts_without_the_password() {
        let view = ProxyView::of(Some("socks5://us%40er:s3cret@proxy.example.com:1080"));
        assert!(view.enabled);
        assert_eq!(view.protocol.as_deref(), Some("socks5"));
        assert_eq!(view.host.as_deref(), Some("proxy.example.com"));
        assert_eq!(view.port.as_deref(), Some("1080"));
        assert_eq!(view.username.as_deref(), Some("us@er"));
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert!(!ProxyView::of(None).enabled);
    }

    #[test]
    fn states_read_as_words() {
        let state = InstanceState::Disconnected {
            reason: switchboard_engine::model::DisconnectReason::QrExpired,
            detail: None,
            since: 5,
        };
        assert_eq!(display_status(&state), "Disconnected (qr_expired)");
        assert_eq!(state.since(), 5);
        let reconnecting = InstanceState::Reconnecting {
            detail: None,
            next_attempt: Some(9),
            since: 6,
        };
        assert_eq!(display_status(&reconnecting), "Reconnecting");
        assert_eq!(reconnecting.since(), 6);
        assert_eq!(reconnecting.name(), "reconnecting");
    }
}
