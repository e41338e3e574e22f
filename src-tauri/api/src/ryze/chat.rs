//! `DELETE /api/chat/deleteChat/:instance` (seed 002): removes a chat from every linked
//! device, and with `deleteMedia` also its media stored here. `POST
//! /api/chat/downloadMedia/:instance`: fetches a received file that was not downloaded
//! as it arrived, while WhatsApp still serves it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_commands::conversation::ChatMessage;
use utoipa::ToSchema;

use super::reply::{Body, InstanceName, Refusal, RefusalBody};
use crate::auth::Caller;
use crate::ApiState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteChatBody {
    /// A number (`5511999999999`) or a JID (`...@s.whatsapp.net`, `...@lid`, `...@g.us`).
    number: Option<String>,
    #[serde(default)]
    delete_media: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatDeletedAnswer {
    success: bool,
    /// "Chat deleted successfully", with " (including media)" when media went too.
    message: String,
    chat_jid: String,
    delete_media: bool,
    messages_removed: u64,
    media_files_removed: u64,
    media_bytes_removed: u64,
}

#[utoipa::path(
    delete,
    path = "/api/chat/deleteChat/{instance}",
    tag = "chat",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = DeleteChatBody,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Chat deleted successfully[ (including media)]", body = ChatDeletedAnswer),
        (status = 400, description = "Invalid request body (malformed JSON), or Number is required", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
        (status = 503, description = "Instance is not connected to WhatsApp", body = RefusalBody),
    )
)]
pub async fn delete_chat(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    InstanceName(name): InstanceName,
    Body(body): Body<DeleteChatBody>,
) -> Result<Json<ChatDeletedAnswer>, Refusal> {
    let number = body
        .number
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "Number is required"))?;
    let report =
        switchboard_commands::delete_chat(&api.host_for(&caller), name, number, body.delete_media)
            .await?;
    Ok(Json(ChatDeletedAnswer {
        success: true,
        message: report.message,
        chat_jid: report.chat_jid,
        delete_media: report.delete_media,
        messages_removed: report.messages_removed,
        media_files_removed: report.media_files_removed,
        media_bytes_removed: report.media_bytes_removed,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DownloadMediaBody {
    /// The chat: a number or a JID (also accepted as `chatJid`).
    #[serde(alias = "chatJid")]
    number: Option<String>,
    /// The id of a received media message of the chat.
    message_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaDownloadedAnswer {
    success: bool,
    /// The message with its stored file: `file.path` on this computer (null when the
    /// file lives in the instance's S3 bucket), `file.bytes`, `file.mime`.
    #[schema(value_type = Object)]
    message: ChatMessage,
}

#[utoipa::path(
    post,
    path = "/api/chat/downloadMedia/{instance}",
    tag = "chat",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = DownloadMediaBody,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The file is stored (now, or it already was)", body = MediaDownloadedAnswer),
        (status = 400, description = "Invalid request body, Number is required, messageId is required, or the message has no file (no_media)", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found, or no such message in the chat (message_not_found)", body = RefusalBody),
        (status = 410, description = "WhatsApp no longer has this file (media_expired)", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
        (status = 502, description = "WhatsApp's media host failed", body = RefusalBody),
        (status = 503, description = "Instance is not connected to WhatsApp", body = RefusalBody),
    )
)]
pub async fn download_media(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    InstanceName(name): InstanceName,
    Body(body): Body<DownloadMediaBody>,
) -> Result<Json<MediaDownloadedAnswer>, Refusal> {
    let number = body
        .number
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "Number is required"))?;
    let message_id = body
        .message_id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "messageId is required"))?;
    let message =
        switchboard_commands::download_media(&api.host_for(&caller), name, number, message_id)
            .await?;
    Ok(Json(MediaDownloadedAnswer {
        success: true,
        message,
    }))
}
