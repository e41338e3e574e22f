//! One error type for every public operation, with a stable machine code. The code
//! and a sentence cross to the hosts (`{ "code": ..., "message": ... }`); the library
//! error that caused a storage or file-system failure stays attached for the logs.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The cause a storage or file-system failure keeps for the logs (`source()`).
/// Shared, so that an error can be cloned to every caller that waits on it.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidName(String),
    #[error("an instance named '{0}' already exists")]
    NameTaken(String),
    /// A chosen instance token is malformed or already another instance's.
    #[error("{0}")]
    InvalidToken(String),
    #[error("no instance named '{0}'")]
    InstanceNotFound(String),
    #[error("{0}")]
    InvalidPhone(String),
    #[error("{0}")]
    InvalidJid(String),
    #[error("{0}")]
    InvalidWebhook(String),
    /// The webhook's Authorization value (not its URL) is refused.
    #[error("{0}")]
    InvalidWebhookAuthorization(String),
    #[error("instance '{0}' has no webhook; set its address first")]
    WebhookNotConfigured(String),
    #[error("{0}")]
    InvalidProxy(String),
    /// The instance's proxy did not take the connection (refused, no route, no answer).
    #[error("{0}")]
    ProxyUnreachable(String),
    /// The instance's proxy refused its user name or password.
    #[error("{0}")]
    ProxyAuthFailed(String),
    #[error("{0}")]
    InvalidSettings(String),
    /// A host could not draw a QR code from the text it was given.
    #[error("{0}")]
    InvalidQr(String),
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
    #[error("the data folder {0} is in use by another Switchboard (the app or the server); close that one, or choose another folder")]
    DataFolderInUse(String),
    #[error("WhatsApp refused or failed: {0}")]
    WhatsApp(String),
    #[error("WhatsApp did not answer in time: {0}")]
    Timeout(String),
    #[error("storage failed: {message}")]
    Storage {
        message: String,
        #[source]
        cause: Option<Cause>,
    },
    #[error("file system failed: {message}")]
    Io {
        message: String,
        #[source]
        cause: Option<Cause>,
    },
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
    /// A page cursor that no page handed out, or a page size out of range.
    #[error("{0}")]
    InvalidPage(String),
    #[error("{0}")]
    MessageNotFound(String),
    /// A text or caption that cannot be sent (blank, too long).
    #[error("{0}")]
    InvalidMessage(String),
    #[error("{0}")]
    FileNotFound(String),
    #[error("{0}")]
    MediaTooLarge(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error("{0}")]
    MediaNotFound(String),
    /// The message has no file to download (a text, a location, or media whose
    /// download details were not kept).
    #[error("{0}")]
    NoMedia(String),
    /// WhatsApp's media host no longer serves the file.
    #[error("{0}")]
    MediaExpired(String),
    #[error("{0}")]
    ExportCancelled(String),
    /// Not an absolute `.zip` path in an existing folder, or a folder that cannot be
    /// written.
    #[error("{0}")]
    ExportDestinationInvalid(String),
    #[error("{0}")]
    ExportNotFound(String),
    /// Malformed, or already naming a running export.
    #[error("{0}")]
    InvalidExportId(String),
}

/// The stable machine code of an error: what every host maps (the window to words,
/// an HTTP host to a status). Generated into the UI's TypeScript as a string union.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidName,
    NameTaken,
    InvalidToken,
    InstanceNotFound,
    InvalidPhone,
    InvalidJid,
    InvalidWebhook,
    InvalidWebhookAuthorization,
    WebhookNotConfigured,
    InvalidProxy,
    ProxyUnreachable,
    ProxyAuthFailed,
    InvalidSettings,
    InvalidQr,
    NotConnected,
    NotPaired,
    AlreadyConnected,
    AlreadyLinked,
    DeletionInProgress,
    ChatNotFound,
    DataFolderInUse,
    WhatsappError,
    Timeout,
    StorageError,
    IoError,
    ShuttingDown,
    S3InvalidConfig,
    S3Unreachable,
    S3AccessDenied,
    S3NoSuchBucket,
    InvalidPage,
    MessageNotFound,
    InvalidMessage,
    FileNotFound,
    MediaTooLarge,
    UnsupportedMedia,
    MediaNotFound,
    NoMedia,
    MediaExpired,
    ExportCancelled,
    ExportDestinationInvalid,
    ExportNotFound,
    InvalidExportId,
}

impl ErrorCode {
    /// The code as it crosses the wire and enters the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::NameTaken => "name_taken",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InstanceNotFound => "instance_not_found",
            ErrorCode::InvalidPhone => "invalid_phone",
            ErrorCode::InvalidJid => "invalid_jid",
            ErrorCode::InvalidWebhook => "invalid_webhook",
            ErrorCode::InvalidWebhookAuthorization => "invalid_webhook_authorization",
            ErrorCode::WebhookNotConfigured => "webhook_not_configured",
            ErrorCode::InvalidProxy => "invalid_proxy",
            ErrorCode::ProxyUnreachable => "proxy_unreachable",
            ErrorCode::ProxyAuthFailed => "proxy_auth_failed",
            ErrorCode::InvalidSettings => "invalid_settings",
            ErrorCode::InvalidQr => "invalid_qr",
            ErrorCode::NotConnected => "not_connected",
            ErrorCode::NotPaired => "not_paired",
            ErrorCode::AlreadyConnected => "already_connected",
            ErrorCode::AlreadyLinked => "already_linked",
            ErrorCode::DeletionInProgress => "deletion_in_progress",
            ErrorCode::ChatNotFound => "chat_not_found",
            ErrorCode::DataFolderInUse => "data_folder_in_use",
            ErrorCode::WhatsappError => "whatsapp_error",
            ErrorCode::Timeout => "timeout",
            ErrorCode::StorageError => "storage_error",
            ErrorCode::IoError => "io_error",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::S3InvalidConfig => "s3_invalid_config",
            ErrorCode::S3Unreachable => "s3_unreachable",
            ErrorCode::S3AccessDenied => "s3_access_denied",
            ErrorCode::S3NoSuchBucket => "s3_no_such_bucket",
            ErrorCode::InvalidPage => "invalid_page",
            ErrorCode::MessageNotFound => "message_not_found",
            ErrorCode::InvalidMessage => "invalid_message",
            ErrorCode::FileNotFound => "file_not_found",
            ErrorCode::MediaTooLarge => "media_too_large",
            ErrorCode::UnsupportedMedia => "unsupported_media",
            ErrorCode::MediaNotFound => "media_not_found",
            ErrorCode::NoMedia => "no_media",
            ErrorCode::MediaExpired => "media_expired",
            ErrorCode::ExportCancelled => "export_cancelled",
            ErrorCode::ExportDestinationInvalid => "export_destination_invalid",
            ErrorCode::ExportNotFound => "export_not_found",
            ErrorCode::InvalidExportId => "invalid_export_id",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// Stable code that crosses IPC and webhooks; the UI maps it to words.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidName(_) => ErrorCode::InvalidName,
            Error::NameTaken(_) => ErrorCode::NameTaken,
            Error::InvalidToken(_) => ErrorCode::InvalidToken,
            Error::InstanceNotFound(_) => ErrorCode::InstanceNotFound,
            Error::InvalidPhone(_) => ErrorCode::InvalidPhone,
            Error::InvalidJid(_) => ErrorCode::InvalidJid,
            Error::InvalidWebhook(_) => ErrorCode::InvalidWebhook,
            Error::InvalidWebhookAuthorization(_) => ErrorCode::InvalidWebhookAuthorization,
            Error::WebhookNotConfigured(_) => ErrorCode::WebhookNotConfigured,
            Error::InvalidProxy(_) => ErrorCode::InvalidProxy,
            Error::ProxyUnreachable(_) => ErrorCode::ProxyUnreachable,
            Error::ProxyAuthFailed(_) => ErrorCode::ProxyAuthFailed,
            Error::InvalidSettings(_) => ErrorCode::InvalidSettings,
            Error::InvalidQr(_) => ErrorCode::InvalidQr,
            Error::NotConnected(_) => ErrorCode::NotConnected,
            Error::NotPaired(_) => ErrorCode::NotPaired,
            Error::AlreadyConnected(_) => ErrorCode::AlreadyConnected,
            Error::AlreadyLinked(_) => ErrorCode::AlreadyLinked,
            Error::DeletionInProgress(_) => ErrorCode::DeletionInProgress,
            Error::ChatNotFound(_) => ErrorCode::ChatNotFound,
            Error::DataFolderInUse(_) => ErrorCode::DataFolderInUse,
            Error::WhatsApp(_) => ErrorCode::WhatsappError,
            Error::Timeout(_) => ErrorCode::Timeout,
            Error::Storage { .. } => ErrorCode::StorageError,
            Error::Io { .. } => ErrorCode::IoError,
            Error::ShuttingDown => ErrorCode::ShuttingDown,
            Error::S3InvalidConfig(_) => ErrorCode::S3InvalidConfig,
            Error::S3Unreachable(_) => ErrorCode::S3Unreachable,
            Error::S3AccessDenied(_) => ErrorCode::S3AccessDenied,
            Error::S3NoSuchBucket(_) => ErrorCode::S3NoSuchBucket,
            Error::InvalidPage(_) => ErrorCode::InvalidPage,
            Error::MessageNotFound(_) => ErrorCode::MessageNotFound,
            Error::InvalidMessage(_) => ErrorCode::InvalidMessage,
            Error::FileNotFound(_) => ErrorCode::FileNotFound,
            Error::MediaTooLarge(_) => ErrorCode::MediaTooLarge,
            Error::UnsupportedMedia(_) => ErrorCode::UnsupportedMedia,
            Error::MediaNotFound(_) => ErrorCode::MediaNotFound,
            Error::NoMedia(_) => ErrorCode::NoMedia,
            Error::MediaExpired(_) => ErrorCode::MediaExpired,
            Error::ExportCancelled(_) => ErrorCode::ExportCancelled,
            Error::ExportDestinationInvalid(_) => ErrorCode::ExportDestinationInvalid,
            Error::ExportNotFound(_) => ErrorCode::ExportNotFound,
            Error::InvalidExportId(_) => ErrorCode::InvalidExportId,
        }
    }

    /// A storage failure the engine found itself (no library error behind it).
    pub fn storage(message: impl Into<String>) -> Error {
        Error::Storage {
            message: message.into(),
            cause: None,
        }
    }

    /// A file-system failure the engine found itself (no io error behind it).
    pub fn io(message: impl Into<String>) -> Error {
        Error::Io {
            message: message.into(),
            cause: None,
        }
    }

    /// A file-system failure that an io error caused; the sentence comes first.
    pub fn io_caused(message: impl std::fmt::Display, cause: std::io::Error) -> Error {
        Error::Io {
            message: format!("{message}: {cause}"),
            cause: Some(Arc::new(cause)),
        }
    }

    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

fn caused_by<E: std::error::Error + Send + Sync + 'static>(e: E) -> (String, Option<Cause>) {
    (e.to_string(), Some(Arc::new(e)))
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        let (message, cause) = caused_by(e);
        Error::Storage { message, cause }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        let (message, cause) = caused_by(e);
        Error::Storage { message, cause }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let (message, cause) = caused_by(e);
        Error::Io { message, cause }
    }
}

/// How an error crosses to a host: `{ "code": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        e.to_payload()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_wire_form_is_code_and_message() {
        let payload = Error::InstanceNotFound("shop".into()).to_payload();
        assert_eq!(
            serde_json::to_string(&payload).unwrap(),
            r#"{"code":"instance_not_found","message":"no instance named 'shop'"}"#
        );
        let in_use = Error::DataFolderInUse("/data/sb".into()).to_payload();
        assert_eq!(
            serde_json::to_value(&in_use).unwrap(),
            serde_json::json!({
                "code": "data_folder_in_use",
                "message": "the data folder /data/sb is in use by another Switchboard (the app or the server); close that one, or choose another folder",
            })
        );
        let back: ErrorPayload = serde_json::from_str(
            r#"{"code":"invalid_qr","message":"the text is too long for a QR code"}"#,
        )
        .unwrap();
        assert_eq!(back.code, ErrorCode::InvalidQr);
    }

    #[test]
    fn a_library_cause_stays_attached_but_never_crosses_the_wire() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let error = Error::from(io);
        assert_eq!(error.code(), ErrorCode::IoError);
        let cause = error.source().expect("the io error is the source");
        assert_eq!(cause.to_string(), "denied");
        assert_eq!(
            serde_json::to_string(&error.to_payload()).unwrap(),
            r#"{"code":"io_error","message":"file system failed: denied"}"#
        );
        // Clones (every caller of a joined deletion gets one) keep the cause.
        assert!(error.clone().source().is_some());

        let storage = Error::from(sqlx::Error::RowNotFound);
        assert_eq!(storage.code(), ErrorCode::StorageError);
        assert!(storage.source().is_some());
        assert!(Error::storage("bad state column").source().is_none());
    }

    #[test]
    fn every_code_is_written_as_serde_writes_it() {
        let every = [
            ErrorCode::InvalidName,
            ErrorCode::NameTaken,
            ErrorCode::InvalidToken,
            ErrorCode::InstanceNotFound,
            ErrorCode::InvalidPhone,
            ErrorCode::InvalidJid,
            ErrorCode::InvalidWebhook,
            ErrorCode::InvalidWebhookAuthorization,
            ErrorCode::WebhookNotConfigured,
            ErrorCode::InvalidProxy,
            ErrorCode::ProxyUnreachable,
            ErrorCode::ProxyAuthFailed,
            ErrorCode::InvalidSettings,
            ErrorCode::InvalidQr,
            ErrorCode::NotConnected,
            ErrorCode::NotPaired,
            ErrorCode::AlreadyConnected,
            ErrorCode::AlreadyLinked,
            ErrorCode::DeletionInProgress,
            ErrorCode::ChatNotFound,
            ErrorCode::DataFolderInUse,
            ErrorCode::WhatsappError,
            ErrorCode::Timeout,
            ErrorCode::StorageError,
            ErrorCode::IoError,
            ErrorCode::ShuttingDown,
            ErrorCode::S3InvalidConfig,
            ErrorCode::S3Unreachable,
            ErrorCode::S3AccessDenied,
            ErrorCode::S3NoSuchBucket,
            ErrorCode::InvalidPage,
            ErrorCode::MessageNotFound,
            ErrorCode::InvalidMessage,
            ErrorCode::FileNotFound,
            ErrorCode::MediaTooLarge,
            ErrorCode::UnsupportedMedia,
            ErrorCode::MediaNotFound,
            ErrorCode::NoMedia,
            ErrorCode::MediaExpired,
            ErrorCode::ExportCancelled,
            ErrorCode::ExportDestinationInvalid,
            ErrorCode::ExportNotFound,
            ErrorCode::InvalidExportId,
        ];
        for code in every {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().to_string())
            );
        }
    }
}
