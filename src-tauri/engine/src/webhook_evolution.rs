//! Evolution API's webhook bodies, made from Switchboard's own: the same event data,
//! reworded into Evolution's event names (`messages.upsert`, ...) and payloads, for
//! integrations written against Evolution. One engine event can make several bodies
//! (Evolution sends one per message); an event Evolution has no word for makes none.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::model::WebhookEvent;

/// What every Evolution body says about where it comes from.
pub struct Origin<'a> {
    pub instance_name: &'a str,
    pub instance_id: &'a str,
    /// The instance's token: Evolution hands it to the receiver to call back with.
    pub apikey: &'a str,
    /// The linked phone's JID, once linked.
    pub sender: Option<&'a str>,
    /// Where the API answers, while it runs.
    pub server_url: Option<&'a str>,
    /// The URL the body is sent to.
    pub destination: &'a str,
}

/// Evolution's name of an engine event; `None` where Evolution has none (a connection
/// is told once, as `connection.update`).
pub fn event_name(event: WebhookEvent) -> Option<&'static str> {
    Some(match event {
        WebhookEvent::StateChanged => "connection.update",
        WebhookEvent::QrUpdated => "qrcode.updated",
        WebhookEvent::LoggedOut => "logout.instance",
        WebhookEvent::MessagesUpsert => "messages.upsert",
        WebhookEvent::MessagesUpdate => "messages.update",
        WebhookEvent::SendMessage => "send.message",
        WebhookEvent::ChatDeleted => "chats.delete",
        WebhookEvent::InstanceDelete => "instance.delete",
        WebhookEvent::Connected => return None,
    })
}

/// `messages.upsert` -> `messages-upsert`: the path `byEvents` appends.
pub fn path_segment(event_name: &str) -> String {
    event_name.replace(['.', '_'], "-").to_ascii_lowercase()
}

/// The bodies `data` (Switchboard's payload of `event`) becomes, with their event names.
pub fn bodies(event: WebhookEvent, origin: &Origin, data: &Value) -> Vec<(&'static str, String)> {
    let Some(name) = event_name(event) else {
        return Vec::new();
    };
    let payloads = match event {
        WebhookEvent::StateChanged => vec![connection(origin, data)],
        WebhookEvent::QrUpdated => vec![qr_code(origin, data)],
        WebhookEvent::LoggedOut => vec![Value::Null],
        WebhookEvent::MessagesUpsert | WebhookEvent::SendMessage => each(data)
            .map(|message| message_record(origin, message))
            .collect(),
        WebhookEvent::MessagesUpdate => receipts(origin, data),
        WebhookEvent::ChatDeleted => vec![json!([data["chatJid"]])],
        WebhookEvent::InstanceDelete => vec![json!({
            "instanceName": origin.instance_name,
            "instanceId": origin.instance_id,
        })],
        WebhookEvent::Connected => Vec::new(),
    };
    payloads
        .into_iter()
        .map(|payload| (name, envelope(name, origin, payload)))
        .collect()
}

fn envelope(name: &str, origin: &Origin, data: Value) -> String {
    json!({
        "event": name,
        "instance": origin.instance_name,
        "data": data,
        "destination": origin.destination,
        "date_time": OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
        "sender": origin.sender,
        "server_url": origin.server_url,
        "apikey": origin.apikey,
    })
    .to_string()
}

/// A list payload's items, or the payload itself.
fn each(data: &Value) -> impl Iterator<Item = &Value> {
    match data {
        Value::Array(items) => items.iter().collect::<Vec<_>>().into_iter(),
        other => vec![other].into_iter(),
    }
}

/// Evolution's three connection words: a banned, logged-out or disconnected number is
/// closed; the exact state rides along as `switchboardState`.
pub fn connection_word(state: &str) -> &'static str {
    match state {
        "connected" => "open",
        "connecting" | "reconnecting" => "connecting",
        _ => "close",
    }
}

fn connection(origin: &Origin, state: &Value) -> Value {
    let word = state["state"].as_str().unwrap_or_default();
    json!({
        "instance": origin.instance_name,
        "state": connection_word(word),
        "statusReason": if word == "loggedout" { 401 } else { 200 },
        "wuid": origin.sender,
        "switchboardState": word,
    })
}

fn qr_code(origin: &Origin, data: &Value) -> Value {
    let code = data["code"].as_str().unwrap_or_default();
    json!({
        "qrcode": {
            "instance": origin.instance_name,
            "pairingCode": Value::Null,
            "code": code,
            "base64": crate::qr_image::png_data_url(code).ok(),
        }
    })
}

/// Evolution's word for a message's kind (`messageType`) and the key of its content.
pub fn message_type(media_kind: Option<&str>) -> &'static str {
    match media_kind {
        None => "conversation",
        Some("image") => "imageMessage",
        Some("video") => "videoMessage",
        Some("audio" | "voice") => "audioMessage",
        Some("document") => "documentMessage",
        Some("sticker") => "stickerMessage",
        Some(_) => "unknown",
    }
}

/// One message as Evolution records it: `key`, `message`, `messageType`, seconds.
fn message_record(origin: &Origin, message: &Value) -> Value {
    let from_me = message["fromMe"].as_bool().unwrap_or(false);
    let kind = message["mediaKind"].as_str();
    let text = &message["text"];
    let content = match message_type(kind) {
        "conversation" => json!({ "conversation": text }),
        "documentMessage" => json!({ "documentMessage": { "fileName": text } }),
        other => json!({ other: { "caption": text } }),
    };
    let chat = message["chatJid"].as_str().unwrap_or_default();
    let participant = if chat.ends_with("@g.us") {
        message["sender"].clone()
    } else {
        Value::Null
    };
    json!({
        "key": {
            "remoteJid": chat,
            "fromMe": from_me,
            "id": message["id"],
            "participant": participant,
        },
        "pushName": message["senderName"],
        "status": if from_me { "SERVER_ACK" } else { "DELIVERY_ACK" },
        "message": content,
        "messageType": message_type(kind),
        "messageTimestamp": message["timestamp"].as_i64().unwrap_or_default() / 1000,
        "instanceId": origin.instance_id,
        "source": "unknown",
    })
}

/// One `messages.update` per message a receipt moved.
fn receipts(origin: &Origin, data: &Value) -> Vec<Value> {
    let status = match data["delivery"].as_str() {
        Some("read") => "READ",
        Some("delivered") => "DELIVERY_ACK",
        _ => "SERVER_ACK",
    };
    data["messageIds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|id| {
            json!({
                "keyId": id,
                "remoteJid": data["chatJid"],
                "fromMe": true,
                "participant": Value::Null,
                "status": status,
                "instanceId": origin.instance_id,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin<'static> {
        Origin {
            instance_name: "shop",
            instance_id: "id-1",
            apikey: "tok",
            sender: Some("5511999999999@s.whatsapp.net"),
            server_url: Some("http://127.0.0.1:8080"),
            destination: "http://127.0.0.1:9/hook",
        }
    }

    fn parse(body: &str) -> Value {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn one_upsert_per_message_in_evolutions_record_shape() {
        let data = json!([
            {"chatJid": "5511888888888@s.whatsapp.net", "id": "A1", "fromMe": false,
             "sender": "5511888888888@s.whatsapp.net", "senderName": "Ana",
             "timestamp": 1_700_000_000_123_i64, "text": "hi", "mediaKind": null},
            {"chatJid": "120363@g.us", "id": "A2", "fromMe": false, "sender": "5511777@s.whatsapp.net",
             "senderName": null, "timestamp": 1_700_000_001_000_i64, "text": "look", "mediaKind": "image"}
        ]);
        let bodies = bodies(WebhookEvent::MessagesUpsert, &origin(), &data);
        assert_eq!(bodies.len(), 2);
        let first = parse(&bodies[0].1);
        assert_eq!(bodies[0].0, "messages.upsert");
        assert_eq!(first["event"], "messages.upsert");
        assert_eq!(first["instance"], "shop");
        assert_eq!(first["apikey"], "tok");
        assert_eq!(first["server_url"], "http://127.0.0.1:8080");
        assert_eq!(
            first["data"]["key"]["remoteJid"],
            "5511888888888@s.whatsapp.net"
        );
        assert_eq!(first["data"]["key"]["participant"], Value::Null);
        assert_eq!(first["data"]["message"]["conversation"], "hi");
        assert_eq!(first["data"]["messageType"], "conversation");
        assert_eq!(first["data"]["messageTimestamp"], 1_700_000_000);
        assert_eq!(first["data"]["pushName"], "Ana");
        let second = parse(&bodies[1].1);
        assert_eq!(second["data"]["messageType"], "imageMessage");
        assert_eq!(second["data"]["message"]["imageMessage"]["caption"], "look");
        assert_eq!(
            second["data"]["key"]["participant"],
            "5511777@s.whatsapp.net"
        );
    }

    #[test]
    fn states_become_evolutions_three_words_and_connected_alone_says_nothing() {
        for (state, word) in [
            ("connected", "open"),
            ("connecting", "connecting"),
            ("reconnecting", "connecting"),
            ("banned", "close"),
            ("loggedout", "close"),
            ("disconnected", "close"),
        ] {
            let bodies = bodies(
                WebhookEvent::StateChanged,
                &origin(),
                &json!({ "state": state }),
            );
            let body = parse(&bodies[0].1);
            assert_eq!(body["event"], "connection.update");
            assert_eq!(body["data"]["state"], word, "{state}");
            assert_eq!(body["data"]["switchboardState"], state);
        }
        assert!(bodies(WebhookEvent::Connected, &origin(), &json!({})).is_empty());
    }

    #[test]
    fn receipts_qr_codes_and_deletions_take_evolutions_payloads() {
        let read = bodies(
            WebhookEvent::MessagesUpdate,
            &origin(),
            &json!({"chatJid": "5511@s.whatsapp.net", "messageIds": ["X", "Y"], "delivery": "read"}),
        );
        assert_eq!(read.len(), 2);
        assert_eq!(parse(&read[1].1)["data"]["status"], "READ");
        assert_eq!(parse(&read[1].1)["data"]["keyId"], "Y");

        let qr = bodies(
            WebhookEvent::QrUpdated,
            &origin(),
            &json!({"code": "2@abc"}),
        );
        let qr = parse(&qr[0].1);
        assert_eq!(qr["event"], "qrcode.updated");
        assert_eq!(qr["data"]["qrcode"]["code"], "2@abc");
        assert!(qr["data"]["qrcode"]["base64"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,"));

        let gone = bodies(WebhookEvent::InstanceDelete, &origin(), &Value::Null);
        assert_eq!(
            parse(&gone[0].1)["data"],
            json!({"instanceName": "shop", "instanceId": "id-1"})
        );
        assert_eq!(path_segment("messages.upsert"), "messages-upsert");
        assert_eq!(path_segment("instance.delete"), "instance-delete");
    }
}
