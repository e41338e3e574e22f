//! The admin HTTP API: what a test (or a person with curl) does as the phone.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::error::MockError;
use crate::registry::PhoneProfile;
use crate::Shared;

impl IntoResponse for MockError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(json!({"error": self.code(), "message": self.to_string()})),
        )
            .into_response()
    }
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/scan", post(scan))
        .route("/pair-code", post(pair_code))
        .route("/devices", get(devices))
        .route("/devices/{jid}/logout", post(logout))
        .route("/devices/{jid}/ban", post(ban))
        .route("/devices/{jid}/freeze", post(freeze))
        .route("/devices/{jid}/thaw", post(thaw))
        .route("/devices/{jid}/messages", post(message))
        .route("/devices/{jid}/history", post(history))
        .route("/devices/{jid}/received", get(received))
        .route("/phones/{phone}/received", get(phone_received))
        .route(
            "/phones/{phone}/picture",
            put(set_picture).delete(remove_picture),
        )
        .route("/phones/{phone}/name", put(set_push_name))
        .route("/groups/{jid}", put(set_group))
        .route("/media/{sha256}", delete(forget_media))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushNameBody {
    name: String,
}

/// The contact's push name, carried by its messages and the history it appears in.
async fn set_push_name(
    State(shared): State<Arc<Shared>>,
    Path(phone): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, MockError> {
    let body: PushNameBody = serde_json::from_slice(&body)
        .map_err(|e| MockError::BadRequest(format!("name body: {e}")))?;
    shared.registry.set_push_name(&phone, &body.name)?;
    Ok(Json(json!({"ok": true})))
}

/// A group's subject and members, as group queries answer them.
async fn set_group(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, MockError> {
    let group: crate::GroupInfo = serde_json::from_slice(&body)
        .map_err(|e| MockError::BadRequest(format!("group body: {e}")))?;
    shared.registry.set_group(&jid, group)?;
    Ok(Json(json!({"ok": true})))
}

/// The body is the QR string as the client produced it, or that string in JSON.
fn qr_from_body(body: &[u8]) -> Result<String, MockError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| MockError::BadRequest("body is not UTF-8".into()))?
        .trim();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .map_err(|e| MockError::BadRequest(format!("body is not a JSON string: {e}")))
    } else if text.is_empty() {
        Err(MockError::BadRequest("body must hold the QR string".into()))
    } else {
        Ok(text.to_owned())
    }
}

fn profile_from_query(q: &HashMap<String, String>) -> PhoneProfile {
    let mut profile = PhoneProfile::default();
    if let Some(phone) = q.get("phone") {
        profile.phone = phone.clone();
    }
    if let Some(name) = q.get("name") {
        profile.name = name.clone();
    }
    profile.business = q.get("business").filter(|b| !b.is_empty()).cloned();
    profile
}

async fn scan(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<crate::Linked>, MockError> {
    let qr = qr_from_body(&body)?;
    Ok(Json(shared.registry.scan(&qr, &profile_from_query(&q))?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairCodeBody {
    phone: String,
    code: String,
    name: Option<String>,
    business: Option<String>,
}

async fn pair_code(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<crate::Linked>, MockError> {
    let body: PairCodeBody = serde_json::from_slice(&body)
        .map_err(|e| MockError::BadRequest(format!("pair-code body: {e}")))?;
    let mut profile = PhoneProfile {
        phone: body.phone,
        ..PhoneProfile::default()
    };
    if let Some(name) = body.name {
        profile.name = name;
    }
    profile.business = body.business.filter(|b| !b.is_empty());
    Ok(Json(shared.registry.enter_code(&body.code, &profile)?))
}

async fn message(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, MockError> {
    let msg: crate::IncomingMessage = serde_json::from_slice(&body)
        .map_err(|e| MockError::BadRequest(format!("message body: {e}")))?;
    let id = crate::incoming::deliver(&shared, &jid, &msg).await?;
    Ok(Json(json!({"id": id})))
}

async fn history(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, MockError> {
    let request: crate::HistoryRequest = serde_json::from_slice(&body)
        .map_err(|e| MockError::BadRequest(format!("history body: {e}")))?;
    let id = crate::history::deliver(&shared, &jid, &request).await?;
    Ok(Json(json!({"id": id})))
}

async fn devices(State(shared): State<Arc<Shared>>) -> Json<Vec<crate::DeviceInfo>> {
    Json(shared.registry.devices())
}

async fn logout(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
) -> Result<Json<serde_json::Value>, MockError> {
    shared.registry.unlink(&jid)?;
    Ok(Json(json!({"ok": true})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BanBody {
    temporary_seconds: Option<u64>,
}

async fn ban(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, MockError> {
    let temporary = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let parsed: BanBody = serde_json::from_slice(&body)
            .map_err(|e| MockError::BadRequest(format!("ban body: {e}")))?;
        match parsed.temporary_seconds {
            Some(0) => {
                return Err(MockError::BadRequest(
                    "temporary_seconds must be at least 1".into(),
                ))
            }
            Some(s) => Some(Duration::from_secs(s)),
            None => None,
        }
    };
    shared.registry.ban(&jid, temporary)?;
    Ok(Json(json!({"ok": true})))
}

async fn freeze(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
) -> Result<Json<serde_json::Value>, MockError> {
    shared.freezer.freeze(&shared.registry, &jid)?;
    Ok(Json(json!({"ok": true})))
}

async fn thaw(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
) -> Result<Json<serde_json::Value>, MockError> {
    shared.freezer.thaw(&shared.registry, &jid)?;
    Ok(Json(json!({"ok": true})))
}

async fn received(
    State(shared): State<Arc<Shared>>,
    Path(jid): Path<String>,
) -> Result<Json<Vec<serde_json::Value>>, MockError> {
    Ok(Json(shared.registry.received(&jid)?))
}

/// What a contact's phone received from the account's devices, decrypted.
async fn phone_received(
    State(shared): State<Arc<Shared>>,
    Path(phone): Path<String>,
) -> Result<Json<Vec<crate::PhoneReceived>>, MockError> {
    Ok(Json(shared.registry.phone_received(&phone)?))
}

/// The body is the picture's bytes (a JPEG, as WhatsApp keeps them).
async fn set_picture(
    State(shared): State<Arc<Shared>>,
    Path(phone): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, MockError> {
    crate::registry::validate_phone(&phone)?;
    shared.media.set_picture(&phone, Some(body.to_vec()))?;
    Ok(Json(json!({"ok": true})))
}

async fn remove_picture(
    State(shared): State<Arc<Shared>>,
    Path(phone): Path<String>,
) -> Result<Json<serde_json::Value>, MockError> {
    crate::registry::validate_phone(&phone)?;
    shared.media.set_picture(&phone, None)?;
    Ok(Json(json!({"ok": true})))
}

/// The media host forgets the files whose plain content has this SHA-256 (hex), as
/// WhatsApp's does some weeks after they were sent; `unknown_media` when it holds none.
async fn forget_media(
    State(shared): State<Arc<Shared>>,
    Path(sha256): Path<String>,
) -> Result<Json<serde_json::Value>, MockError> {
    let forgotten = shared.media.forget(&sha256)?;
    Ok(Json(json!({"forgotten": forgotten})))
}
