//! Errors of the mock's public operations, each with a stable code.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MockError {
    /// Malformed input (QR string, phone number, JSON body).
    BadRequest(String),
    /// No connection is showing that QR code.
    UnknownCode,
    /// The QR code existed but its time is up.
    ExpiredCode,
    /// No linked device matches the given JID or phone.
    UnknownDevice(String),
    /// The media host holds no file with that content.
    UnknownMedia(String),
    /// The operation does not fit the device's current state.
    Conflict(String),
    Internal(String),
}

impl MockError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::UnknownCode => "unknown_code",
            Self::ExpiredCode => "expired_code",
            Self::UnknownDevice(_) => "unknown_device",
            Self::UnknownMedia(_) => "unknown_media",
            Self::Conflict(_) => "conflict",
            Self::Internal(_) => "internal",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::UnknownCode
            | Self::ExpiredCode
            | Self::UnknownDevice(_)
            | Self::UnknownMedia(_) => 404,
            Self::Conflict(_) => 409,
            Self::Internal(_) => 500,
        }
    }
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(m) => write!(f, "bad request: {m}"),
            Self::UnknownCode => write!(f, "no connection is showing this code"),
            Self::ExpiredCode => write!(f, "this code has expired"),
            Self::UnknownDevice(who) => write!(f, "no linked device matches {who:?}"),
            Self::UnknownMedia(sha256) => write!(f, "the media host holds no file {sha256}"),
            Self::Conflict(m) => write!(f, "{m}"),
            Self::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for MockError {}
