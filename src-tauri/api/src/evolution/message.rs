//! Evolution's `message/sendText` and `message/sendMedia` (media by URL or base64),
//! answered with the sent message as Evolution records it.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use switchboard_commands::conversation::{ChatMessage, MessageKind, SendMedia, SendText};

use super::reply::{Body, Fault, InstanceName};
use super::shapes::message_record;
use crate::ApiState;

type Answer = Result<(StatusCode, Json<Value>), Fault>;

/// The longest `delay` honoured before sending: a pause, not a queue.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// Media fetched by URL: how long the fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// What the send routes share: the chat, an optional pause and an optional quote.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Common {
    number: Option<String>,
    /// Milliseconds to wait before sending.
    delay: Option<u64>,
    /// `{"key": {"id": "..."}}`: the stored message this one answers.
    quoted: Option<Value>,
    mentions_every_one: Option<bool>,
    mentioned: Option<Vec<String>>,
    link_preview: Option<bool>,
}

impl Common {
    /// The chat, the quoted id, after refusing what Switchboard does not do and pausing.
    async fn prepare(self) -> Result<(String, Option<String>), Fault> {
        let chat = self
            .number
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| Fault::bad_request("number is required"))?;
        if self.mentions_every_one == Some(true) || self.mentioned.is_some_and(|m| !m.is_empty()) {
            return Err(Fault::bad_request(
                "mentions are not supported: Switchboard sends plain messages",
            ));
        }
        if self.link_preview == Some(true) {
            return Err(Fault::bad_request(
                "linkPreview is not supported: links are sent as text",
            ));
        }
        let quote = match self.quoted {
            None | Some(Value::Null) => None,
            Some(quoted) => Some(
                quoted["key"]["id"]
                    .as_str()
                    .map(String::from)
                    .ok_or_else(|| Fault::bad_request("quoted.key.id is required to quote"))?,
            ),
        };
        if let Some(delay) = self.delay.filter(|d| *d > 0) {
            let delay = Duration::from_millis(delay);
            if delay > MAX_DELAY {
                return Err(Fault::bad_request(format!(
                    "delay must be at most {} ms",
                    MAX_DELAY.as_millis()
                )));
            }
            tokio::time::sleep(delay).await;
        }
        Ok((chat, quote))
    }
}

#[derive(Debug, Deserialize)]
pub struct TextBody {
    text: Option<String>,
    #[serde(flatten)]
    common: Common,
}

fn sent(instance_id: &str, message: &ChatMessage) -> Answer {
    Ok((
        StatusCode::CREATED,
        Json(message_record(instance_id, message)),
    ))
}

/// `POST /message/sendText/{instanceName}`.
pub async fn send_text(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(body): Body<TextBody>,
) -> Answer {
    let text = body
        .text
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Fault::bad_request("text is required"))?;
    let id = super::instance(&api, &name).await?.id;
    let (chat, quote) = body.common.prepare().await?;
    let input = SendText { chat, text, quote };
    let message = switchboard_commands::send_text(&api.host, name.clone(), input)
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    sent(&id, &message)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaBody {
    mediatype: Option<String>,
    mimetype: Option<String>,
    caption: Option<String>,
    /// An http(s) URL, or the file in base64 (a `data:` URL too).
    media: Option<String>,
    file_name: Option<String>,
    #[serde(flatten)]
    common: Common,
}

fn kind_of(mediatype: &str) -> Result<MessageKind, Fault> {
    match mediatype {
        "image" => Ok(MessageKind::Image),
        "video" => Ok(MessageKind::Video),
        "audio" => Ok(MessageKind::Audio),
        "document" => Ok(MessageKind::Document),
        other => Err(Fault::bad_request(format!(
            "mediatype must be image, video, audio or document (not {other:?})"
        ))),
    }
}

/// The file's bytes, fetched from its URL or decoded from base64.
async fn media_bytes(media: &str) -> Result<Vec<u8>, Fault> {
    if media.starts_with("http://") || media.starts_with("https://") {
        let fetched = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| Fault::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .get(media)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| Fault::bad_request(format!("the media could not be fetched: {e}")))?;
        return fetched
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| Fault::bad_request(format!("the media could not be fetched: {e}")));
    }
    let encoded = media.split_once(";base64,").map_or(media, |(_, data)| data);
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| Fault::bad_request("media must be an http(s) URL or base64"))
}

/// A file name the engine can type the file by: the given one, else one from the
/// MIME type.
fn file_name(body_name: Option<String>, mimetype: Option<&str>, kind: MessageKind) -> String {
    if let Some(name) = body_name
        .map(|n| n.replace(['/', '\\'], "_"))
        .filter(|n| !n.trim().is_empty() && n != "." && n != "..")
    {
        return name;
    }
    let extension = mimetype
        .and_then(|m| m.split('/').nth(1))
        .map(|sub| sub.split(';').next().unwrap_or(sub).trim().to_string())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| {
            match kind {
                MessageKind::Image => "jpg",
                MessageKind::Video => "mp4",
                MessageKind::Audio => "ogg",
                _ => "bin",
            }
            .to_string()
        });
    format!("media.{extension}")
}

/// `POST /message/sendMedia/{instanceName}`: the file is kept in a private temporary
/// folder only while it is sent.
pub async fn send_media(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(body): Body<MediaBody>,
) -> Answer {
    let kind = kind_of(
        body.mediatype
            .as_deref()
            .ok_or_else(|| Fault::bad_request("mediatype is required"))?,
    )?;
    let media = body
        .media
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| Fault::bad_request("media is required"))?;
    let id = super::instance(&api, &name).await?.id;
    let bytes = media_bytes(&media).await?;
    let folder = tempfile::tempdir()
        .map_err(|e| Fault::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let path = folder
        .path()
        .join(file_name(body.file_name, body.mimetype.as_deref(), kind));
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| Fault::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let (chat, quote) = body.common.prepare().await?;
    let input = SendMedia {
        chat,
        path: path.to_string_lossy().into_owned(),
        kind: Some(kind),
        caption: body.caption,
        quote,
    };
    let message = switchboard_commands::send_media(&api.host, name.clone(), input)
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    sent(&id, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_kept_safe_or_made_from_the_mime_type() {
        assert_eq!(
            file_name(Some("a/../b.pdf".into()), None, MessageKind::Document),
            "a_.._b.pdf"
        );
        assert_eq!(
            file_name(None, Some("image/png"), MessageKind::Image),
            "media.png"
        );
        assert_eq!(
            file_name(Some("..".into()), None, MessageKind::Video),
            "media.mp4"
        );
        assert_eq!(
            file_name(None, Some("audio/ogg; codecs=opus"), MessageKind::Audio),
            "media.ogg"
        );
    }

    #[tokio::test]
    async fn base64_and_data_urls_decode_and_anything_else_is_refused() {
        assert_eq!(media_bytes("aGk=").await.unwrap(), b"hi");
        assert_eq!(
            media_bytes("data:text/plain;base64,aGk=").await.unwrap(),
            b"hi"
        );
        let refused = media_bytes("not base64 !").await.unwrap_err();
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    }
}
