//! The client's failures in the engine's words: which of `s3_unreachable`,
//! `s3_access_denied`, `s3_no_such_bucket` or `s3_invalid_config` happened, and a
//! sentence naming the bucket. Messages never carry a credential.

use object_store::client::{HttpError, HttpErrorKind};

use super::config::S3Config;
use crate::error::Error;

/// Server error codes that mean the keys or their permissions were refused.
const REFUSALS: [&str; 6] = [
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "NotSignedUp",
    "InvalidToken",
    "AllAccessDisabled",
];

/// `doing` names what the engine was doing, for the message: "writing", "reading"...
/// Some of the crate's errors (listing, for one) carry the HTTP status only in their
/// text, so the text of the whole chain is read too.
pub fn classify(config: &S3Config, doing: &str, error: &object_store::Error) -> Error {
    let place = config.location();
    let text = error_chain(error).collect::<Vec<_>>().join(" / ");
    let status = |code: u16| text.contains(&format!("status code: {code} "));
    let refused = matches!(
        error,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    ) || status(401)
        || status(403)
        || REFUSALS.iter().any(|code| text.contains(code));
    if refused {
        return Error::S3AccessDenied(format!(
            "the {place} refused {doing}: check the access key, the secret key and their permissions"
        ));
    }
    // S3 answers 404 to a write, a list or a delete only when the bucket is missing;
    // a read of a missing object is told apart by its caller.
    if matches!(error, object_store::Error::NotFound { .. })
        || status(404)
        || text.contains("NoSuchBucket")
    {
        return Error::S3NoSuchBucket(format!("there is no {place}"));
    }
    match transport_failure(error) {
        Some(kind) => Error::S3Unreachable(format!(
            "could not reach the {place} while {doing} ({}); check the endpoint URL and the network",
            describe(kind)
        )),
        None => Error::S3Unreachable(format!(
            "the {place} failed while {doing}: {}",
            first_line(error)
        )),
    }
}

fn error_chain(error: &object_store::Error) -> impl Iterator<Item = String> + '_ {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = current.source();
        Some(current.to_string())
    })
}

/// The transport failure under the error, if the request never got an HTTP answer.
fn transport_failure(error: &object_store::Error) -> Option<HttpErrorKind> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = next {
        if let Some(http) = current.downcast_ref::<HttpError>() {
            return Some(http.kind());
        }
        next = current.source();
    }
    None
}

fn describe(kind: HttpErrorKind) -> &'static str {
    match kind {
        HttpErrorKind::Connect => "connection failed",
        HttpErrorKind::Timeout => "timed out",
        HttpErrorKind::Interrupted => "connection interrupted",
        _ => "request failed",
    }
}

fn first_line(error: &object_store::Error) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}
