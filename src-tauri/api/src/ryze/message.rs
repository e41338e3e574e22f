//! A chat's messages, a page at a time (`GET /api/chat/messages/:instance`), and
//! answering it (`POST /api/message/sendText/:instance`). RyzeAPI's seeds stop before
//! messaging: the shapes follow its delete-chat route (`number`, camelCase answers).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_commands::conversation::{ChatMessage, MessagePage, SendText};
use utoipa::{IntoParams, ToSchema};

use super::reply::{Args, Body, InstanceName, Refusal, RefusalBody};
use crate::ApiState;

/// What names the chat: a number (`5511999999999`) or a JID (`...@s.whatsapp.net`,
/// `...@lid`, `...@g.us`).
fn chat_of(number: Option<String>) -> Result<String, Refusal> {
    number
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "Number is required"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct MessagesQuery {
    /// The chat: a number or a JID.
    number: Option<String>,
    /// The `next` of the previous page; absent for the newest messages.
    before: Option<String>,
    /// 1 to 200 messages (default 50).
    limit: Option<u32>,
    /// Only the messages whose text or caption contains this (1 to 100 characters).
    search: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagesAnswer {
    success: bool,
    /// Newest first.
    #[schema(value_type = Vec<Object>)]
    messages: Vec<ChatMessage>,
    /// Ask with `before` set to this for the older messages; null at the oldest.
    next: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/chat/messages/{instance}",
    tag = "chat",
    params(("instance" = String, Path, description = "The instance's name"), MessagesQuery),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of the chat's messages (those matching `search` when given), newest first", body = MessagesAnswer),
        (status = 400, description = "Number is required, or the chat, cursor, limit or search is invalid", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found, or no such chat", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn messages(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Args(query): Args<MessagesQuery>,
) -> Result<Json<MessagesAnswer>, Refusal> {
    let chat = chat_of(query.number)?;
    let MessagePage { messages, next } = match query.search {
        Some(text) => {
            switchboard_commands::search_chat(
                &api.host,
                name,
                chat,
                text,
                query.before,
                query.limit,
            )
            .await?
        }
        None => {
            switchboard_commands::chat_messages(&api.host, name, chat, query.before, query.limit)
                .await?
        }
    };
    Ok(Json(MessagesAnswer {
        success: true,
        messages,
        next,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendTextBody {
    /// The chat: a number or a JID.
    number: Option<String>,
    text: String,
    /// The id of a stored message of the chat that this one answers.
    #[serde(default)]
    quoted: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SentAnswer {
    success: bool,
    /// The message as stored, with WhatsApp's id and delivery `sent`.
    #[schema(value_type = Object)]
    message: ChatMessage,
}

#[utoipa::path(
    post,
    path = "/api/message/sendText/{instance}",
    tag = "message",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = SendTextBody,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Sent and stored", body = SentAnswer),
        (status = 400, description = "Invalid request body, Number is required, or the chat or text is invalid", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found, or the quoted message is not in the chat", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
        (status = 502, description = "WhatsApp refused the message", body = RefusalBody),
        (status = 503, description = "Instance is not connected to WhatsApp", body = RefusalBody),
    )
)]
pub async fn send_text(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(body): Body<SendTextBody>,
) -> Result<Json<SentAnswer>, Refusal> {
    let chat = chat_of(body.number)?;
    let input = SendText {
        chat,
        text: body.text,
        quote: body.quoted,
    };
    let message = switchboard_commands::send_text(&api.host, name, input).await?;
    Ok(Json(SentAnswer {
        success: true,
        message,
    }))
}
