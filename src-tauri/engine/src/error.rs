//! One error type for every public operation, with a stable machine code.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidName(String),
    #[error("an instance named '{0}' already exists")]
    NameTaken(String),
    #[error("no instance named '{0}'")]
    InstanceNotFound(String),
    #[error("{0}")]
    InvalidPhone(String),
    #[error("{0}")]
    InvalidJid(String),
    #[error("{0}")]
    InvalidWebhook(String),
    #[error("{0}")]
    InvalidProxy(String),
    #[error("{0}")]
    InvalidSettings(String),
    #[error("instance '{0}' is not connected to WhatsApp")]
    NotConnected(String),
    #[error("instance '{0}' has no linked session; link it with a QR code or a pairing code")]
    NotPaired(String),
    #[error("instance '{0}' is already connected to WhatsApp")]
    AlreadyConnected(String),
    #[error("instance '{0}' is already linked to a phone; reconnect it, or log out before linking it again")]
    AlreadyLinked(String),
    #[error("instance '{0}' is being deleted")]
    DeletionInProgress(String),
    #[error("no chat '{0}' in this instance")]
    ChatNotFound(String),
    #[error("WhatsApp refused or failed: {0}")]
    WhatsApp(String),
    #[error("WhatsApp did not answer in time: {0}")]
    Timeout(String),
    #[error("storage failed: {0}")]
    Storage(String),
    #[error("file system failed: {0}")]
    Io(String),
    #[error("the engine is shutting down")]
    ShuttingDown,
    #[error("{0}")]
    S3InvalidConfig(String),
    #[error("{0}")]
    S3Unreachable(String),
    #[error("{0}")]
    S3AccessDenied(String),
    #[error("{0}")]
    S3NoSuchBucket(String),
    #[error("{0}")]
    MediaNotFound(String),
}

impl Error {
    /// Stable code that crosses IPC and webhooks; the UI maps it to words.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidName(_) => "invalid_name",
            Error::NameTaken(_) => "name_taken",
            Error::InstanceNotFound(_) => "instance_not_found",
            Error::InvalidPhone(_) => "invalid_phone",
            Error::InvalidJid(_) => "invalid_jid",
            Error::InvalidWebhook(_) => "invalid_webhook",
            Error::InvalidProxy(_) => "invalid_proxy",
            Error::InvalidSettings(_) => "invalid_settings",
            Error::NotConnected(_) => "not_connected",
            Error::NotPaired(_) => "not_paired",
            Error::AlreadyConnected(_) => "already_connected",
            Error::AlreadyLinked(_) => "already_linked",
            Error::DeletionInProgress(_) => "deletion_in_progress",
            Error::ChatNotFound(_) => "chat_not_found",
            Error::WhatsApp(_) => "whatsapp_error",
            Error::Timeout(_) => "timeout",
            Error::Storage(_) => "storage_error",
            Error::Io(_) => "io_error",
            Error::ShuttingDown => "shutting_down",
            Error::S3InvalidConfig(_) => "s3_invalid_config",
            Error::S3Unreachable(_) => "s3_unreachable",
            Error::S3AccessDenied(_) => "s3_access_denied",
            Error::S3NoSuchBucket(_) => "s3_no_such_bucket",
            Error::MediaNotFound(_) => "media_not_found",
        }
    }

    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code().to_string(),
            message: self.to_string(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Storage(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

/// How an error crosses IPC: `{ "code": "...", "message": "..." }`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        e.to_payload()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
