//! Evolution's `chat/findChats` and `chat/findMessages`: the chats with their newest
//! message time, and one chat's messages in Evolution's pages (`page`, `offset` = page
//! size), newest first, with its `where` filter on the key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_commands::conversation::{ChatMessage, MessagePage};

use super::reply::{Body, Fault, InstanceName};
use super::shapes::{iso, message_record};
use crate::ApiState;

type Answer = Result<(StatusCode, Json<Value>), Fault>;

/// Evolution's default page size.
const DEFAULT_PAGE: u64 = 50;
const MAX_PAGE: u64 = 200;
/// Messages read from the engine at a time while paging.
const READ_BATCH: u32 = 200;

#[derive(Debug, Default, Deserialize)]
pub struct FindChats {
    #[serde(rename = "where", default)]
    filter: ChatFilter,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatFilter {
    remote_jid: Option<String>,
}

/// `POST /chat/findChats/{instanceName}`: newest chat first.
pub async fn find_chats(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(body): Body<FindChats>,
) -> Answer {
    let filter = body.filter;
    let chats = switchboard_commands::list_chats(&api.host, name.clone())
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    let records: Vec<Value> = chats
        .iter()
        .filter(|c| filter.remote_jid.as_deref().is_none_or(|jid| c.jid == jid))
        .map(|c| {
            json!({
                "id": Value::Null,
                "remoteJid": c.jid,
                "pushName": c.name,
                "profilePicUrl": Value::Null,
                "updatedAt": c.last_message_at.map_or(Value::Null, iso),
                "messageCount": c.messages,
            })
        })
        .collect();
    Ok((StatusCode::OK, Json(Value::Array(records))))
}

#[derive(Debug, Deserialize)]
pub struct FindMessages {
    #[serde(rename = "where")]
    filter: Option<MessageFilter>,
    page: Option<u64>,
    offset: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageFilter {
    key: Option<KeyFilter>,
    message_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyFilter {
    remote_jid: Option<String>,
    from_me: Option<bool>,
    id: Option<String>,
}

impl FindMessages {
    fn wants(&self, instance_id: &str, message: &ChatMessage) -> bool {
        let filter = self.filter.as_ref();
        let key = filter.and_then(|f| f.key.as_ref());
        key.and_then(|k| k.from_me)
            .is_none_or(|f| f == message.from_me)
            && key
                .and_then(|k| k.id.as_deref())
                .is_none_or(|id| id == message.id)
            && filter
                .and_then(|f| f.message_type.as_deref())
                .is_none_or(|t| message_record(instance_id, message)["messageType"] == t)
    }
}

/// `POST /chat/findMessages/{instanceName}`: `where.key.remoteJid` names the chat.
pub async fn find_messages(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(query): Body<FindMessages>,
) -> Answer {
    let chat = query
        .filter
        .as_ref()
        .and_then(|f| f.key.as_ref())
        .and_then(|k| k.remote_jid.clone())
        .filter(|jid| !jid.trim().is_empty())
        .ok_or_else(|| {
            Fault::bad_request(
                "where.key.remoteJid is required: Switchboard reads one chat at a time",
            )
        })?;
    let size = query.offset.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&size) {
        return Err(Fault::bad_request(format!(
            "offset must be 1 to {MAX_PAGE}"
        )));
    }
    let page = query.page.unwrap_or(1);
    if page == 0 {
        return Err(Fault::bad_request("page starts at 1"));
    }
    let instance = super::instance(&api, &name).await?;
    let wanted = (page - 1) * size..page * size;
    let mut total = 0u64;
    let mut records = Vec::new();
    let mut before = None;
    // Newest first, a batch at a time: only the asked page is kept.
    loop {
        let MessagePage { messages, next } = switchboard_commands::chat_messages(
            &api.host,
            name.clone(),
            chat.clone(),
            before,
            Some(READ_BATCH),
        )
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
        for message in messages.iter().filter(|m| query.wants(&instance.id, m)) {
            if wanted.contains(&total) {
                records.push(message_record(&instance.id, message));
            }
            total += 1;
        }
        match next {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    Ok((
        StatusCode::OK,
        Json(json!({
            "messages": {
                "total": total,
                "pages": total.div_ceil(size),
                "currentPage": page,
                "records": records,
            }
        })),
    ))
}
