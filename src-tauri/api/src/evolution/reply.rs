//! Evolution's refusals and the extractors that produce them. One body serves both
//! forms integrations read: seed 001's `{"error":true,"message":...}` and Evolution's
//! server's `{"status":..,"response":{"message":[...]}}`; Switchboard's engine `code`
//! rides along where the engine refused.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_engine::{ErrorCode, ErrorPayload};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::limits::RetryAfter;

pub const UNAUTHORIZED: &str = "Unauthorized";

/// `The "<name>" instance does not exist`, Evolution's words (seed 001).
pub fn does_not_exist(name: &str) -> String {
    format!("The \"{name}\" instance does not exist")
}

/// A refused request in Evolution's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub status: StatusCode,
    pub message: String,
    pub code: Option<&'static str>,
    retry_after: Option<u64>,
}

/// Every refusal: `error` is true, `message` says why (seed 001), and `response.message`
/// lists the same words as Evolution's server does.
#[derive(Serialize, ToSchema)]
pub struct FaultBody {
    status: u16,
    error: bool,
    message: String,
    response: FaultMessages,
    /// Switchboard's error code, where the engine refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct FaultMessages {
    message: Vec<String>,
}

impl Fault {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code: None,
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, UNAUTHORIZED)
    }

    /// The same words under another status (seed 001 answers a missing instance with 400).
    pub fn with_status(self, status: StatusCode) -> Self {
        Self { status, ..self }
    }

    /// What Evolution offers and Switchboard does not: named, never pretended.
    pub fn not_offered(feature: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("{feature} is not available in Switchboard"),
        )
    }

    pub fn rate_limited(wait: RetryAfter) -> Self {
        Self {
            retry_after: Some(wait.seconds()),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit exceeded. Try again later.",
            )
        }
    }

    /// The one table from the engine's codes to Evolution's statuses and words, for a
    /// request about the instance `name`.
    pub fn from_engine(name: &str, error: ErrorPayload) -> Self {
        use ErrorCode::*;
        // Exhaustive on purpose: a code the engine adds does not compile until it has a
        // status here too.
        let (status, message) = match error.code {
            InstanceNotFound => (StatusCode::NOT_FOUND, does_not_exist(name)),
            NameTaken => (
                StatusCode::FORBIDDEN,
                format!("This name \"{name}\" is already in use."),
            ),
            NotConnected => (
                StatusCode::BAD_REQUEST,
                format!("The \"{name}\" instance is not connected"),
            ),
            InvalidName
            | InvalidToken
            | InvalidPhone
            | InvalidJid
            | InvalidWebhook
            | InvalidWebhookAuthorization
            | InvalidProxy
            | InvalidSettings
            | InvalidQr
            | S3InvalidConfig
            | S3AccessDenied
            | S3NoSuchBucket
            | InvalidPage
            | InvalidMessage
            | FileNotFound
            | ExportDestinationInvalid
            | InvalidExportId
            | NoMedia
            // Evolution answers a state that forbids the action as a bad request.
            | NotPaired
            | AlreadyConnected
            | AlreadyLinked
            | DeletionInProgress
            | ExportCancelled
            | WebhookNotConfigured => (StatusCode::BAD_REQUEST, error.message.clone()),
            ChatNotFound | MediaNotFound | MessageNotFound | ExportNotFound => {
                (StatusCode::NOT_FOUND, error.message.clone())
            }
            MediaExpired => (StatusCode::GONE, error.message.clone()),
            MediaTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, error.message.clone()),
            UnsupportedMedia => (StatusCode::UNSUPPORTED_MEDIA_TYPE, error.message.clone()),
            WhatsappError | S3Unreachable | ProxyUnreachable | ProxyAuthFailed => {
                (StatusCode::BAD_GATEWAY, error.message.clone())
            }
            Timeout => (StatusCode::GATEWAY_TIMEOUT, error.message.clone()),
            ShuttingDown | DataFolderInUse => {
                (StatusCode::SERVICE_UNAVAILABLE, error.message.clone())
            }
            StorageError | IoError => (StatusCode::INTERNAL_SERVER_ERROR, error.message.clone()),
        };
        Self {
            code: Some(error.code.as_str()),
            ..Self::new(status, message)
        }
    }
}

impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        let body = FaultBody {
            status: self.status.as_u16(),
            error: true,
            message: self.message.clone(),
            response: FaultMessages {
                message: vec![self.message],
            },
            code: self.code,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A JSON request body; anything else is a 400 with the parser's words. Unknown fields
/// are ignored, as Evolution's schemas do; an empty body reads as `{}`, so that what is
/// missing is named by the route.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Fault;

    async fn from_request(req: Request, state: &S) -> Result<Self, Fault> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Fault::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
            } else {
                Fault::bad_request(e.body_text())
            }
        })?;
        let json: &[u8] = if bytes.trim_ascii().is_empty() {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(json)
            .map(Body)
            .map_err(|e| Fault::bad_request(format!("Invalid request body: {e}")))
    }
}

/// Query parameters, refused in Evolution's shape when they cannot be read.
pub struct Args<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Args<T> {
    type Rejection = Fault;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Fault> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(args)| Args(args))
            .map_err(|e| Fault::bad_request(format!("Invalid query parameters: {}", e.body_text())))
    }
}

/// The `:instanceName` of the path, once the caller is known to reach it: another
/// instance's token is refused as Unauthorized, without learning whether it exists.
pub struct InstanceName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for InstanceName {
    type Rejection = Fault;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Fault> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(Fault::unauthorized)?;
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Fault::bad_request("\"instanceName\" not provided."))?;
        if !caller.reaches(&name) {
            return Err(Fault::unauthorized());
        }
        Ok(InstanceName(name))
    }
}

/// Any path no route answers, in Evolution's words.
pub async fn unknown_route(method: Method, uri: Uri) -> Fault {
    Fault::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {method} {}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use switchboard_engine::Error;

    #[test]
    fn engine_codes_take_evolutions_words_and_statuses() {
        let missing = Fault::from_engine(
            "shop",
            ErrorPayload::from(Error::InstanceNotFound("shop".into())),
        );
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.message, "The \"shop\" instance does not exist");
        assert_eq!(missing.code, Some("instance_not_found"));

        let taken = Fault::from_engine("shop", ErrorPayload::from(Error::NameTaken("shop".into())));
        assert_eq!(taken.status, StatusCode::FORBIDDEN);
        assert_eq!(taken.message, "This name \"shop\" is already in use.");

        let offline = Fault::from_engine(
            "shop",
            ErrorPayload::from(Error::NotConnected("shop".into())),
        );
        assert_eq!(offline.status, StatusCode::BAD_REQUEST);
        assert_eq!(offline.message, "The \"shop\" instance is not connected");
    }

    #[tokio::test]
    async fn a_fault_carries_both_documented_forms() {
        let response = Fault::bad_request("text is required").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "status": 400,
                "error": true,
                "message": "text is required",
                "response": {"message": ["text is required"]}
            })
        );
    }
}
