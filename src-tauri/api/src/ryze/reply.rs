//! RyzeAPI's refusals and the extractors that produce them: the error shape
//! `{"success":false,"error":{"message":...}}` (with the engine's `code` and a `detail`
//! naming the problem where there is one), the one table from engine codes to statuses,
//! and request bodies, queries and instance names read into that shape.

use std::any::Any;

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
use crate::proxy_parts::ProxyProblem;

pub const INVALID_TOKEN: &str = "Invalid token";
pub const INSTANCE_NOT_FOUND: &str = "Instance not found";
pub const NOT_CONNECTED: &str = "Instance is not connected to WhatsApp";
pub const RATE_LIMITED: &str = "Rate limit exceeded. Try again later.";
pub const INVALID_BODY: &str = "Invalid request body";

/// A refused request, in RyzeAPI's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
    pub code: Option<String>,
    pub detail: Option<String>,
    retry_after: Option<u64>,
}

/// Every refusal: `success` is false and `error.message` says why.
#[derive(Serialize, ToSchema)]
pub struct RefusalBody {
    success: bool,
    error: RefusalError,
}

#[derive(Serialize, ToSchema)]
pub struct RefusalError {
    /// RyzeAPI's words, e.g. "Instance not found".
    message: String,
    /// The engine's error code, where the engine refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    /// What exactly was wrong, where there is more to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code: None,
            detail: None,
            retry_after: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, INVALID_TOKEN)
    }

    pub fn invalid_body(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, INVALID_BODY).with_detail(detail)
    }

    pub fn rate_limited(wait: RetryAfter) -> Self {
        Self {
            retry_after: Some(wait.seconds()),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED)
        }
    }

    /// The one table from the engine's error codes to a status and RyzeAPI's words; the
    /// seeds' messages where they give one, the engine's own message otherwise.
    pub fn from_engine(error: ErrorPayload) -> Self {
        use ErrorCode::*;
        let own = || error.message.clone();
        // Exhaustive on purpose: a code the engine adds does not compile until it has a
        // status here.
        let (status, message) = match error.code {
            InstanceNotFound => (StatusCode::NOT_FOUND, INSTANCE_NOT_FOUND.to_string()),
            NotConnected => (StatusCode::SERVICE_UNAVAILABLE, NOT_CONNECTED.to_string()),
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
            | NoMedia => (StatusCode::BAD_REQUEST, own()),
            MediaExpired => (StatusCode::GONE, own()),
            ChatNotFound | MediaNotFound | MessageNotFound | ExportNotFound => {
                (StatusCode::NOT_FOUND, own())
            }
            MediaTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, own()),
            UnsupportedMedia => (StatusCode::UNSUPPORTED_MEDIA_TYPE, own()),
            NameTaken | NotPaired | AlreadyConnected | AlreadyLinked | DeletionInProgress
            | ExportCancelled | WebhookNotConfigured => (StatusCode::CONFLICT, own()),
            WhatsappError | S3Unreachable | ProxyUnreachable | ProxyAuthFailed => {
                (StatusCode::BAD_GATEWAY, own())
            }
            Timeout => (StatusCode::GATEWAY_TIMEOUT, own()),
            ShuttingDown | DataFolderInUse => (StatusCode::SERVICE_UNAVAILABLE, own()),
            StorageError | IoError => (StatusCode::INTERNAL_SERVER_ERROR, own()),
        };
        let code = error.code.as_str().to_string();
        let detail = (message != error.message).then_some(error.message);
        Self {
            code: Some(code),
            detail,
            ..Self::new(status, message)
        }
    }
}

impl From<ProxyProblem> for Refusal {
    fn from(problem: ProxyProblem) -> Self {
        let refusal = Refusal::new(StatusCode::BAD_REQUEST, problem.message);
        match problem.detail {
            Some(detail) => refusal.with_detail(detail),
            None => refusal,
        }
    }
}

impl From<ErrorPayload> for Refusal {
    fn from(error: ErrorPayload) -> Self {
        Self::from_engine(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = RefusalBody {
            success: false,
            error: RefusalError {
                message: self.message,
                code: self.code,
                detail: self.detail,
            },
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

/// A JSON request body; anything else is refused as "Invalid request body" with the
/// parser's words as the detail. Unknown fields are ignored. The content type is not
/// required: the seeds' own examples sometimes leave it out.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Refusal> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
            } else {
                Refusal::invalid_body(e.body_text())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| Refusal::invalid_body(e.to_string()))
    }
}

/// Query parameters, refused in RyzeAPI's shape when they cannot be read.
pub struct Args<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Args<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refusal> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(args)| Args(args))
            .map_err(|e| {
                Refusal::new(StatusCode::BAD_REQUEST, "Invalid query parameters")
                    .with_detail(e.body_text())
            })
    }
}

/// The `:instance` of the path, once the caller is known to reach it: an instance token
/// gets "Invalid token" for any other name, without learning whether it exists.
pub struct InstanceName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for InstanceName {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(Refusal::invalid_token)?;
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                Refusal::new(StatusCode::BAD_REQUEST, "Invalid instance name")
                    .with_detail(e.body_text())
            })?;
        if !caller.reaches(&name) {
            return Err(Refusal::invalid_token());
        }
        Ok(InstanceName(name))
    }
}

/// Any path no route answers.
pub async fn unknown_route(method: Method, uri: Uri) -> Refusal {
    Refusal::new(StatusCode::NOT_FOUND, "Route not found")
        .with_detail(format!("no route answers {method} {}", uri.path()))
}

/// A known path asked with a method it does not answer.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Refusal {
    Refusal::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        .with_detail(format!("{} does not answer {method}", uri.path()))
}

/// A handler that panicked: the request fails, the server goes on.
pub fn panicked(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("an API request panicked");
    Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    use switchboard_engine::Error;

    fn refusal(error: Error) -> Refusal {
        Refusal::from_engine(ErrorPayload::from(error))
    }

    #[test]
    fn engine_codes_map_to_one_status_and_the_seeds_words() {
        let not_found = refusal(Error::InstanceNotFound("x".into()));
        assert_eq!(not_found.status, StatusCode::NOT_FOUND);
        assert_eq!(not_found.message, "Instance not found");
        assert_eq!(not_found.detail.as_deref(), Some("no instance named 'x'"));
        assert_eq!(not_found.code.as_deref(), Some("instance_not_found"));

        let offline = refusal(Error::NotConnected("x".into()));
        assert_eq!(offline.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(offline.message, "Instance is not connected to WhatsApp");

        let taken = refusal(Error::NameTaken("x".into()));
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert_eq!(taken.message, "an instance named 'x' already exists");
        assert_eq!(taken.detail, None);

        let stopping = refusal(Error::ShuttingDown);
        assert_eq!(stopping.status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_refusal_is_the_dialects_error_shape_with_retry_after_when_limited() {
        let response =
            Refusal::rate_limited(RetryAfter(std::time::Duration::from_secs(7))).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
