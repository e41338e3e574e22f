//! A chat's export, or a whole instance's, as one ZIP file
//! (`GET /api/chat/export/:instance`): written by the engine to a temporary file, then
//! streamed to the caller from disk, never held in memory whole. The temporary file
//! goes once the answer has been sent (or the caller left).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use switchboard_commands::export::ExportRequest;
use tokio_util::io::ReaderStream;
use utoipa::IntoParams;

use super::reply::{Args, InstanceName, Refusal};
use crate::ApiState;

/// Bytes read from the file per chunk of the answer.
const CHUNK: usize = 256 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct ExportQuery {
    /// The chat (a number or a JID); absent for every chat of the instance.
    number: Option<String>,
}

/// The download's file name: the instance's name, and the chat's number when one.
fn file_name(instance: &str, chat: Option<&str>) -> String {
    let plain = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    match chat {
        Some(chat) => format!(
            "{}-{}.zip",
            plain(instance),
            plain(chat.split('@').next().unwrap_or(chat))
        ),
        None => format!("{}.zip", plain(instance)),
    }
}

#[utoipa::path(
    get,
    path = "/api/chat/export/{instance}",
    tag = "chat",
    params(("instance" = String, Path, description = "The instance's name"), ExportQuery),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The ZIP: messages.jsonl (one message per line, the fields of the messages route), transcript.html (opens offline, media linked relatively), media/ (the files) and manifest.json (counts and the SHA-256 of every file)", content_type = "application/zip", body = Vec<u8>),
        (status = 400, description = "The chat is invalid", body = super::RefusalBody),
        (status = 401, description = "Invalid token", body = super::RefusalBody),
        (status = 404, description = "Instance not found, or no such chat", body = super::RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = super::RefusalBody),
    )
)]
pub async fn export(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Args(query): Args<ExportQuery>,
) -> Result<Response, Refusal> {
    let chat = query.number.filter(|n| !n.trim().is_empty());
    let folder = tempfile::tempdir()
        .map_err(|e| Refusal::from_engine(switchboard_engine::Error::from(e).to_payload()))?;
    let path = folder.path().join("export.zip");
    let request = ExportRequest {
        export_id: format!("api-{}", hex::encode(rand::random::<[u8; 12]>())),
        destination: path.display().to_string(),
        chat: chat.clone(),
        // The API's transcript is in English.
        language: None,
    };
    let download = file_name(&name, chat.as_deref());
    let report = switchboard_commands::export_to_zip(&api.host, name, request).await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| Refusal::from_engine(switchboard_engine::Error::from(e).to_payload()))?;
    // The folder (and the file in it) lives as long as the answer's stream.
    let stream = ReaderStream::with_capacity(file, CHUNK).map(move |chunk| {
        let _kept_until_sent = &folder;
        chunk
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_LENGTH, report.bytes.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{download}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_plain() {
        assert_eq!(file_name("shop", None), "shop.zip");
        assert_eq!(
            file_name("Loja \"1\"", Some("5511955554444@s.whatsapp.net")),
            "Loja__1_-5511955554444.zip"
        );
    }
}
