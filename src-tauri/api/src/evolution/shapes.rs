//! Switchboard's records in Evolution's shapes: an instance as `fetchInstances` lists
//! it, its settings, proxy and webhook as the `find` routes answer them, and a message
//! as Evolution stores it (`key`, `message`, `messageType`, seconds).

use serde_json::{json, Value};
use switchboard_commands::conversation::{ChatMessage, Delivery, MessageKind};
use switchboard_commands::model::{Instance, Settings, Webhook, WebhookEvent};
use switchboard_engine::webhook_evolution::{connection_word, message_type};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The only integration Switchboard runs: a device linked to the phone.
pub const INTEGRATION: &str = "WHATSAPP-BAILEYS";

/// Milliseconds since the epoch as Evolution's ISO timestamps.
pub fn iso(millis: i64) -> Value {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// `open`, `connecting` or `close`.
pub fn state_word(instance: &Instance) -> &'static str {
    connection_word(instance.state.name())
}

/// One instance as `fetchInstances` lists it; `switchboardState` says exactly what
/// Evolution's three words cannot (banned, logged out, reconnecting).
pub fn instance_record(instance: &Instance) -> Value {
    json!({
        "id": instance.id,
        "name": instance.name,
        "connectionStatus": state_word(instance),
        "switchboardState": instance.state.name(),
        "ownerJid": instance.profile.phone_jid,
        "profileName": instance.profile.push_name,
        "profilePicUrl": instance.profile.picture_url,
        "integration": INTEGRATION,
        "number": instance.profile.phone_jid.as_deref().and_then(|jid| jid.split('@').next()),
        "businessId": Value::Null,
        "token": instance.token,
        "clientName": "switchboard",
        "createdAt": iso(instance.created_at),
        "Proxy": instance.proxy.as_deref().map(proxy_record),
        "Setting": settings_record(&instance.settings),
        "Webhook": instance.webhook.as_ref().map(webhook_record),
        "_count": {
            "Message": instance.counts.messages,
            "Chat": instance.counts.chats,
        },
    })
}

/// Evolution's settings fields; what Switchboard never does reads false.
pub fn settings_record(settings: &Settings) -> Value {
    json!({
        "rejectCall": settings.reject_calls,
        "msgCall": settings.reject_call_message.clone().unwrap_or_default(),
        "groupsIgnore": settings.ignore_groups,
        "alwaysOnline": settings.always_online,
        "readMessages": settings.mark_messages_read,
        "readStatus": false,
        "syncFullHistory": false,
        "wavoipToken": "",
    })
}

/// A proxy URL in Evolution's parts; the password is never answered back.
pub fn proxy_record(url: &str) -> Value {
    let Ok(parsed) = url::Url::parse(url) else {
        return Value::Null;
    };
    json!({
        "enabled": true,
        "protocol": parsed.scheme(),
        "host": parsed.host_str().unwrap_or_default(),
        "port": parsed.port_or_known_default().map(|p| p.to_string()).unwrap_or_default(),
        "username": parsed.username(),
        "password": if parsed.password().is_some() { "********" } else { "" },
    })
}

/// Evolution's name of a webhook event Switchboard delivers, and back.
pub const EVENT_NAMES: [(&str, WebhookEvent); 8] = [
    ("QRCODE_UPDATED", WebhookEvent::QrUpdated),
    ("CONNECTION_UPDATE", WebhookEvent::StateChanged),
    ("MESSAGES_UPSERT", WebhookEvent::MessagesUpsert),
    ("MESSAGES_UPDATE", WebhookEvent::MessagesUpdate),
    ("SEND_MESSAGE", WebhookEvent::SendMessage),
    ("LOGOUT_INSTANCE", WebhookEvent::LoggedOut),
    ("CHATS_DELETE", WebhookEvent::ChatDeleted),
    ("INSTANCE_DELETE", WebhookEvent::InstanceDelete),
];

pub fn event_named(name: &str) -> Option<WebhookEvent> {
    EVENT_NAMES
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(name))
        .map(|(_, event)| *event)
}

fn event_word(event: WebhookEvent) -> Option<&'static str> {
    EVENT_NAMES
        .iter()
        .find(|(_, e)| *e == event)
        .map(|(word, _)| *word)
}

/// A webhook as `webhook/find` answers it; its Authorization rides in `headers`.
pub fn webhook_record(webhook: &Webhook) -> Value {
    let events: Vec<&str> = if webhook.events.is_empty() {
        EVENT_NAMES.iter().map(|(word, _)| *word).collect()
    } else {
        webhook
            .events
            .iter()
            .filter_map(|e| event_word(*e))
            .collect()
    };
    let headers = webhook
        .authorization
        .as_ref()
        .map(|value| json!({ "authorization": value }))
        .unwrap_or_else(|| json!({}));
    json!({
        "enabled": true,
        "url": webhook.url,
        "headers": headers,
        "events": events,
        "webhookByEvents": webhook.by_events,
        "webhookBase64": false,
    })
}

/// What a message holds, under the key Evolution gives its kind.
pub fn content(message: &ChatMessage) -> Value {
    let text = &message.text;
    let mime = message.file.as_ref().and_then(|f| f.mime.clone());
    match message.kind {
        MessageKind::Text => json!({ "conversation": text }),
        MessageKind::Location => json!({
            "locationMessage": {
                "degreesLatitude": message.location.as_ref().map(|l| l.latitude),
                "degreesLongitude": message.location.as_ref().map(|l| l.longitude),
            }
        }),
        MessageKind::Contact => json!({ "contactMessage": { "displayName": text } }),
        MessageKind::Document => json!({
            "documentMessage": { "fileName": text, "mimetype": mime }
        }),
        kind => {
            let key = message_type(Some(kind.as_str()));
            json!({ key: { "caption": text, "mimetype": mime } })
        }
    }
}

pub fn kind_word(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Location => "locationMessage",
        MessageKind::Contact => "contactMessage",
        MessageKind::Text => message_type(None),
        other => message_type(Some(other.as_str())),
    }
}

/// Evolution's status words: a sent message is acknowledged by the server, then
/// delivered, then read; received messages are delivered.
fn status_word(message: &ChatMessage) -> &'static str {
    match message.delivery {
        Some(Delivery::Sent) => "SERVER_ACK",
        Some(Delivery::Read) => "READ",
        Some(Delivery::Delivered) | None => "DELIVERY_ACK",
    }
}

/// One message as Evolution records it.
pub fn message_record(instance_id: &str, message: &ChatMessage) -> Value {
    let participant = message
        .chat_jid
        .ends_with("@g.us")
        .then(|| message.sender.clone())
        .flatten();
    json!({
        "id": message.id,
        "key": {
            "id": message.id,
            "fromMe": message.from_me,
            "remoteJid": message.chat_jid,
            "participant": participant,
        },
        "pushName": message.sender_name,
        "messageType": kind_word(message.kind),
        "message": content(message),
        "contextInfo": message.quoted.as_ref().map(|q| json!({
            "stanzaId": q.id,
            "quotedMessage": { "conversation": q.text },
        })),
        "messageTimestamp": message.timestamp / 1000,
        "instanceId": instance_id,
        "source": "unknown",
        "status": status_word(message),
        "MessageUpdate": [{ "status": status_word(message) }],
    })
}
