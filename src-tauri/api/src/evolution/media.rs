//! Evolution's `chat/getBase64FromMediaMessage`: a received message's file in base64,
//! downloaded from WhatsApp first when it was not kept as it arrived.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_commands::conversation::MessageKind;

use super::reply::{Body, Fault, InstanceName};
use super::shapes::{content, kind_word};
use crate::ApiState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaQuery {
    message: Option<MessageRef>,
    #[serde(default)]
    convert_to_mp4: bool,
}

#[derive(Debug, Deserialize)]
pub struct MessageRef {
    key: Option<MessageKey>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageKey {
    id: Option<String>,
    remote_jid: Option<String>,
}

/// `POST /chat/getBase64FromMediaMessage/{instanceName}`: `message.key` names the message
/// by its chat (`remoteJid`) and `id`, as every message Switchboard sends or posts does.
pub async fn base64_of_media(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(query): Body<MediaQuery>,
) -> Result<(StatusCode, Json<Value>), Fault> {
    let key = query.message.and_then(|m| m.key);
    let (id, chat) = key.map_or((None, None), |k| (k.id, k.remote_jid));
    let id = id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| Fault::bad_request("message.key.id is required"))?;
    let chat = chat.filter(|jid| !jid.trim().is_empty()).ok_or_else(|| {
        Fault::bad_request(
            "message.key.remoteJid is required: Switchboard finds a message within its chat",
        )
    })?;
    let message =
        switchboard_commands::download_media(&api.host, name.clone(), chat.clone(), id.clone())
            .await
            .map_err(|e| Fault::from_engine(&name, e))?;
    if query.convert_to_mp4 && matches!(message.kind, MessageKind::Audio | MessageKind::Voice) {
        return Err(Fault::not_offered("Converting audio to MP4 (convertToMp4)"));
    }
    let file = api
        .host
        .engine()
        .media_file(&name, &chat, &id)
        .await
        .map_err(|e| Fault::from_engine(&name, e.into()))?;
    let media_type = kind_word(message.kind);
    let content = &content(&message)[media_type];
    Ok((
        StatusCode::OK,
        Json(json!({
            "mediaType": media_type,
            "fileName": content.get("fileName"),
            "caption": content.get("caption"),
            "size": {
                "fileLength": file.bytes.len(),
                "height": Value::Null,
                "width": Value::Null,
            },
            "mimetype": file.mime,
            "base64": base64::engine::general_purpose::STANDARD.encode(&file.bytes),
        })),
    ))
}
