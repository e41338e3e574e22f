//! RyzeAPI's request fields turned into the engine's inputs: behaviour flags onto
//! `Settings` and a webhook block into `WebhookInput` (proxy parts: `crate::proxy_parts`).
//! The same conversions serve the flat create body and the per-topic routes.

use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_engine::model::{Settings, WebhookEvent, WebhookInput};
use utoipa::ToSchema;

use super::reply::Refusal;

/// Behaviour flags; an absent one keeps its current value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsFields {
    pub auto_reject_calls: Option<bool>,
    pub call_reject_message: Option<String>,
    pub ignore_group_messages: Option<bool>,
    pub keep_online_status: Option<bool>,
    pub auto_read_messages: Option<bool>,
    pub auto_download_media: Option<bool>,
}

impl SettingsFields {
    pub fn is_empty(&self) -> bool {
        self.auto_reject_calls.is_none()
            && self.call_reject_message.is_none()
            && self.ignore_group_messages.is_none()
            && self.keep_online_status.is_none()
            && self.auto_read_messages.is_none()
            && self.auto_download_media.is_none()
    }

    /// `current` with the given flags applied; an empty reply message means none.
    pub fn apply_to(self, current: Settings) -> Settings {
        Settings {
            reject_calls: self.auto_reject_calls.unwrap_or(current.reject_calls),
            reject_call_message: match self.call_reject_message {
                Some(text) if text.trim().is_empty() => None,
                Some(text) => Some(text),
                None => current.reject_call_message,
            },
            ignore_groups: self.ignore_group_messages.unwrap_or(current.ignore_groups),
            always_online: self.keep_online_status.unwrap_or(current.always_online),
            mark_messages_read: self
                .auto_read_messages
                .unwrap_or(current.mark_messages_read),
            auto_download_media: self
                .auto_download_media
                .unwrap_or(current.auto_download_media),
        }
    }
}

/// A webhook as RyzeAPI gives it. Switchboard keeps one per instance and signs every
/// delivery; it neither splits deliveries by event nor inlines media. (The webhook
/// route's body; `events` are the engine's names, e.g. `INSTANCE_DELETE`.)
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookParts {
    pub label: Option<String>,
    pub enabled: Option<bool>,
    pub url: Option<String>,
    pub authorization: Option<String>,
    pub by_events: Option<bool>,
    #[schema(value_type = Option<Vec<String>>, example = json!(["INSTANCE_DELETE", "CHAT_DELETED"]))]
    pub events: Option<Vec<WebhookEvent>>,
    pub media_base64: Option<bool>,
}

impl WebhookParts {
    pub fn is_empty(&self) -> bool {
        self.enabled.is_none() && self.url.is_none()
    }

    /// The engine's webhook, `None` to remove it.
    pub fn into_input(self) -> Result<Option<WebhookInput>, Refusal> {
        if let Some(label) = self.label.filter(|l| l != "default") {
            return Err(bad("Only the default webhook is supported")
                .with_detail(format!("label {label:?}")));
        }
        if self.by_events == Some(true) {
            return Err(bad(
                "byEvents is not supported: every event goes to the one URL",
            ));
        }
        if self.media_base64 == Some(true) {
            return Err(bad(
                "mediaBase64 is not supported: media is not sent inline",
            ));
        }
        if self.enabled == Some(false) {
            return Ok(None);
        }
        let url = self
            .url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| bad("The webhook URL is required"))?;
        Ok(Some(WebhookInput {
            url,
            events: self.events.unwrap_or_default(),
            authorization: self.authorization.filter(|a| !a.is_empty()),
            ..WebhookInput::default()
        }))
    }
}

fn bad(message: &str) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_flags_keep_their_value_and_an_empty_reply_means_none() {
        let current = Settings {
            reject_calls: true,
            reject_call_message: Some("busy".into()),
            always_online: true,
            ..Settings::default()
        };
        let changed = SettingsFields {
            keep_online_status: Some(false),
            call_reject_message: Some("  ".into()),
            ..SettingsFields::default()
        }
        .apply_to(current);
        assert!(changed.reject_calls);
        assert!(!changed.always_online);
        assert_eq!(changed.reject_call_message, None);
    }

    #[test]
    fn a_webhook_needs_a_url_unless_it_is_switched_off() {
        let off = WebhookParts {
            enabled: Some(false),
            ..WebhookParts::default()
        };
        assert_eq!(off.into_input().unwrap(), None);
        let missing = WebhookParts {
            enabled: Some(true),
            ..WebhookParts::default()
        };
        assert_eq!(
            missing.into_input().unwrap_err().message,
            "The webhook URL is required"
        );
        let other_label = WebhookParts {
            label: Some("analytics".into()),
            url: Some("https://example.com/hook".into()),
            ..WebhookParts::default()
        };
        assert_eq!(
            other_label.into_input().unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
