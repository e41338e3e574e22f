//! Evolution's settings, webhook and proxy: its fields mapped onto Switchboard's, each
//! set and found on its own route. What Switchboard cannot honour is refused with a
//! 400 that names it, never stored and ignored.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use switchboard_commands::model::{Settings, WebhookFormat, WebhookInput};

use super::reply::{Body, Fault, InstanceName};
use super::shapes::{event_named, proxy_record, settings_record, webhook_record, EVENT_NAMES};
use crate::proxy_parts::{ProxyParts, ProxyProblem};
use crate::ApiState;

type Answer = Result<(StatusCode, Json<Value>), Fault>;

impl From<ProxyProblem> for Fault {
    fn from(problem: ProxyProblem) -> Self {
        match problem.detail {
            Some(detail) => Fault::bad_request(format!("{}: {detail}", problem.message)),
            None => Fault::bad_request(problem.message),
        }
    }
}

/// Evolution's behaviour settings (flat in `instance/create`, the body of `settings/set`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsFields {
    reject_call: Option<bool>,
    msg_call: Option<String>,
    groups_ignore: Option<bool>,
    always_online: Option<bool>,
    read_messages: Option<bool>,
    read_status: Option<bool>,
    sync_full_history: Option<bool>,
    wavoip_token: Option<String>,
}

impl SettingsFields {
    /// The fields `settings/set` requires, as Evolution's schema does.
    fn missing(&self) -> Vec<&'static str> {
        [
            ("rejectCall", self.reject_call.is_none()),
            ("groupsIgnore", self.groups_ignore.is_none()),
            ("alwaysOnline", self.always_online.is_none()),
            ("readMessages", self.read_messages.is_none()),
            ("readStatus", self.read_status.is_none()),
            ("syncFullHistory", self.sync_full_history.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect()
    }

    /// `current` with these fields applied; one Switchboard cannot honour is refused.
    pub fn into_settings(self, current: Settings) -> Result<Settings, Fault> {
        if self.read_status == Some(true) {
            return Err(Fault::bad_request(
                "readStatus is not supported: Switchboard does not open contacts' status updates",
            ));
        }
        if self.sync_full_history == Some(true) {
            return Err(Fault::bad_request(
                "syncFullHistory is not supported: Switchboard keeps the history the phone sends when linking",
            ));
        }
        if self.wavoip_token.as_deref().is_some_and(|t| !t.is_empty()) {
            return Err(Fault::bad_request(
                "wavoipToken is not supported: Switchboard places no calls",
            ));
        }
        Ok(Settings {
            reject_calls: self.reject_call.unwrap_or(current.reject_calls),
            reject_call_message: match self.msg_call {
                Some(text) if text.trim().is_empty() => None,
                Some(text) => Some(text),
                None => current.reject_call_message,
            },
            ignore_groups: self.groups_ignore.unwrap_or(current.ignore_groups),
            always_online: self.always_online.unwrap_or(current.always_online),
            mark_messages_read: self.read_messages.unwrap_or(current.mark_messages_read),
            auto_download_media: current.auto_download_media,
        })
    }
}

/// The proxy fields of `instance/create`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyFields {
    proxy_host: Option<String>,
    proxy_port: Option<String>,
    proxy_protocol: Option<String>,
    proxy_username: Option<String>,
    proxy_password: Option<String>,
}

impl ProxyFields {
    pub fn into_url(self) -> Result<Option<String>, Fault> {
        if self
            .proxy_host
            .as_deref()
            .is_none_or(|h| h.trim().is_empty())
        {
            return Ok(None);
        }
        let parts = ProxyParts {
            enabled: Some(true),
            protocol: self.proxy_protocol,
            host: self.proxy_host,
            port: self.proxy_port,
            username: self.proxy_username,
            password: self.proxy_password,
        };
        Ok(parts.into_url()?)
    }
}

/// Evolution's webhook block (inside `instance/create`, and `webhook/set`'s `webhook`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookFields {
    enabled: Option<bool>,
    url: Option<String>,
    headers: Option<Map<String, Value>>,
    by_events: Option<bool>,
    base64: Option<bool>,
    events: Option<Vec<String>>,
}

impl WebhookFields {
    /// Switchboard's webhook in Evolution's shapes; `None` when switched off.
    pub fn into_input(self) -> Result<Option<WebhookInput>, Fault> {
        if self.enabled == Some(false) {
            return Ok(None);
        }
        let url = self
            .url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Fault::bad_request("webhook.url is required"))?;
        if self.base64 == Some(true) {
            return Err(Fault::bad_request(
                "webhook.base64 is not supported: media is not sent inline",
            ));
        }
        let mut authorization = None;
        for (name, value) in self.headers.unwrap_or_default() {
            match (name.to_ascii_lowercase().as_str(), value) {
                ("authorization", Value::String(value)) => authorization = Some(value),
                ("jwt_key", _) => return Err(Fault::bad_request(
                    "webhook.headers.jwt_key is not supported: send a fixed Authorization header",
                )),
                (_, _) => {
                    return Err(Fault::bad_request(format!(
                    "webhook.headers.{name} is not supported: only an Authorization header is sent"
                )))
                }
            }
        }
        let names = self.events.unwrap_or_default();
        let unknown: Vec<&str> = names
            .iter()
            .filter(|n| event_named(n).is_none())
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let offered: Vec<&str> = EVENT_NAMES.iter().map(|(word, _)| *word).collect();
            return Err(Fault::bad_request(format!(
                "Switchboard does not deliver {}; it delivers {}",
                unknown.join(", "),
                offered.join(", ")
            )));
        }
        Ok(Some(WebhookInput {
            url,
            events: names.iter().filter_map(|n| event_named(n)).collect(),
            authorization,
            format: WebhookFormat::Evolution,
            by_events: self.by_events.unwrap_or(false),
        }))
    }
}

/// `POST /settings/set/{instanceName}`.
pub async fn set_settings(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(fields): Body<SettingsFields>,
) -> Answer {
    let missing = fields.missing();
    if !missing.is_empty() {
        return Err(Fault::bad_request(format!(
            "requires property {}",
            missing
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let current = super::instance(&api, &name).await?;
    let settings = fields.into_settings(current.settings)?;
    let instance = switchboard_commands::update_settings(&api.host, name.clone(), settings)
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "settings": {
                "instanceName": instance.name,
                "settings": settings_record(&instance.settings),
            }
        })),
    ))
}

/// `GET /settings/find/{instanceName}`.
pub async fn find_settings(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Answer {
    let instance = super::instance(&api, &name).await?;
    Ok((StatusCode::OK, Json(settings_record(&instance.settings))))
}

#[derive(Debug, Deserialize)]
pub struct WebhookBody {
    webhook: Option<WebhookFields>,
}

/// `POST /webhook/set/{instanceName}`: `{"webhook": {...}}`; `enabled: false` removes it.
pub async fn set_webhook(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(body): Body<WebhookBody>,
) -> Answer {
    let fields = body
        .webhook
        .ok_or_else(|| Fault::bad_request("requires property \"webhook\""))?;
    let instance = switchboard_commands::set_webhook(&api.host, name.clone(), fields.into_input()?)
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    let answer = match &instance.webhook {
        Some(webhook) => with_instance_id(webhook_record(webhook), &instance.id),
        None => json!({ "enabled": false, "instanceId": instance.id }),
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `GET /webhook/find/{instanceName}`: the webhook, or null.
pub async fn find_webhook(State(api): State<ApiState>, InstanceName(name): InstanceName) -> Answer {
    let instance = super::instance(&api, &name).await?;
    let answer = instance
        .webhook
        .as_ref()
        .map(|w| with_instance_id(webhook_record(w), &instance.id))
        .unwrap_or(Value::Null);
    Ok((StatusCode::OK, Json(answer)))
}

/// `POST /proxy/set/{instanceName}`: Evolution's parts; `enabled: false` removes it.
pub async fn set_proxy(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(parts): Body<ProxyParts>,
) -> Answer {
    let url = parts.into_url()?;
    let instance = switchboard_commands::set_proxy(&api.host, name.clone(), url)
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    let answer = match instance.proxy.as_deref() {
        Some(url) => with_instance_id(proxy_record(url), &instance.id),
        None => json!({ "enabled": false, "instanceId": instance.id }),
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `GET /proxy/find/{instanceName}`: the proxy (password masked), or null.
pub async fn find_proxy(State(api): State<ApiState>, InstanceName(name): InstanceName) -> Answer {
    let instance = super::instance(&api, &name).await?;
    let answer = instance
        .proxy
        .as_deref()
        .map(|url| with_instance_id(proxy_record(url), &instance.id))
        .unwrap_or(Value::Null);
    Ok((StatusCode::OK, Json(answer)))
}

fn with_instance_id(mut record: Value, id: &str) -> Value {
    record["instanceId"] = json!(id);
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_switchboard_cannot_honour_are_refused_by_name() {
        for (fields, word) in [
            (
                SettingsFields {
                    read_status: Some(true),
                    ..Default::default()
                },
                "readStatus",
            ),
            (
                SettingsFields {
                    sync_full_history: Some(true),
                    ..Default::default()
                },
                "syncFullHistory",
            ),
            (
                SettingsFields {
                    wavoip_token: Some("x".into()),
                    ..Default::default()
                },
                "wavoipToken",
            ),
        ] {
            let fault = fields.into_settings(Settings::default()).unwrap_err();
            assert_eq!(fault.status, StatusCode::BAD_REQUEST);
            assert!(fault.message.starts_with(word), "{}", fault.message);
        }
        let mapped = SettingsFields {
            reject_call: Some(true),
            msg_call: Some("busy".into()),
            groups_ignore: Some(true),
            read_messages: Some(true),
            read_status: Some(false),
            ..Default::default()
        }
        .into_settings(Settings::default())
        .unwrap();
        assert!(mapped.reject_calls && mapped.ignore_groups && mapped.mark_messages_read);
        assert_eq!(mapped.reject_call_message.as_deref(), Some("busy"));
    }

    #[test]
    fn a_webhook_takes_evolutions_event_names_and_only_an_authorization_header() {
        let fields = |events: Vec<&str>, headers: Value| WebhookFields {
            url: Some("http://127.0.0.1:9/hook".into()),
            events: Some(events.into_iter().map(String::from).collect()),
            headers: headers.as_object().cloned(),
            by_events: Some(true),
            ..Default::default()
        };
        let input = fields(
            vec!["MESSAGES_UPSERT", "CONNECTION_UPDATE"],
            json!({"Authorization": "Bearer x"}),
        )
        .into_input()
        .unwrap()
        .unwrap();
        assert_eq!(input.format, WebhookFormat::Evolution);
        assert!(input.by_events);
        assert_eq!(input.authorization.as_deref(), Some("Bearer x"));
        assert_eq!(input.events.len(), 2);

        let unknown = fields(vec!["GROUPS_UPSERT"], json!({}))
            .into_input()
            .unwrap_err();
        assert!(
            unknown.message.contains("GROUPS_UPSERT"),
            "{}",
            unknown.message
        );
        let header = fields(vec![], json!({"x-api": "1"}))
            .into_input()
            .unwrap_err();
        assert!(header.message.contains("x-api"), "{}", header.message);
        let off = WebhookFields {
            enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(off.into_input().unwrap(), None);
    }
}
