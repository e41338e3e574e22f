//! What may be sent: text lengths, and for a file its kind, MIME type and WhatsApp's
//! size limit for that kind, all checked before anything is uploaded.

use std::path::Path;

use crate::conversation::MessageKind;
use crate::error::{Error, Result};

/// WhatsApp's longest text message, in characters.
pub const TEXT_MAX_CHARS: usize = 65_536;
/// WhatsApp's longest caption, in characters.
pub const CAPTION_MAX_CHARS: usize = 1_024;
const MB: u64 = 1024 * 1024;

/// WhatsApp's size limit for each kind of media a business may send.
pub fn size_limit(kind: MessageKind) -> u64 {
    match kind {
        MessageKind::Image => 5 * MB,
        MessageKind::Video | MessageKind::Audio | MessageKind::Voice => 16 * MB,
        _ => 100 * MB,
    }
}

/// The kinds a file may be sent as, by the file's extension, with its MIME type. A
/// document takes any file; images, video and audio only what WhatsApp plays.
fn kind_of_extension(extension: &str) -> Option<(MessageKind, &'static str)> {
    Some(match extension {
        "jpg" | "jpeg" => (MessageKind::Image, "image/jpeg"),
        "png" => (MessageKind::Image, "image/png"),
        "mp4" => (MessageKind::Video, "video/mp4"),
        "3gp" => (MessageKind::Video, "video/3gpp"),
        "ogg" | "opus" => (MessageKind::Audio, "audio/ogg; codecs=opus"),
        "mp3" => (MessageKind::Audio, "audio/mpeg"),
        "m4a" => (MessageKind::Audio, "audio/mp4"),
        "aac" => (MessageKind::Audio, "audio/aac"),
        _ => return None,
    })
}

fn document_mime(extension: &str) -> &'static str {
    match extension {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => kind_of_extension(extension).map_or("application/octet-stream", |(_, mime)| mime),
    }
}

/// A file checked for sending: how it goes, with what type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPlan {
    pub kind: MessageKind,
    pub mime: String,
    pub bytes: u64,
    pub file_name: String,
}

/// Checks a file to send as `kind` (inferred from the extension when not given; any
/// other file goes as a document): it exists, is not empty, and fits WhatsApp's limit.
pub fn plan_media(
    path: &Path,
    kind: Option<MessageKind>,
    caption: Option<&str>,
) -> Result<MediaPlan> {
    let shown = path.display();
    let metadata = std::fs::metadata(path)
        .map_err(|e| Error::FileNotFound(format!("cannot read the file {shown}: {e}")))?;
    if !metadata.is_file() {
        return Err(Error::FileNotFound(format!("{shown} is not a file")));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let inferred = kind_of_extension(&extension);
    let (kind, mime) = match kind {
        None => inferred.unwrap_or((MessageKind::Document, document_mime(&extension))),
        Some(MessageKind::Document) => (MessageKind::Document, document_mime(&extension)),
        Some(wanted @ (MessageKind::Image | MessageKind::Video | MessageKind::Audio)) => {
            match inferred {
                Some((found, mime)) if found == wanted => (wanted, mime),
                _ => {
                    return Err(Error::UnsupportedMedia(format!(
                        "WhatsApp cannot play '{shown}' as {}; send it as a document",
                        wanted.as_str()
                    )))
                }
            }
        }
        Some(MessageKind::Voice) if inferred.is_some_and(|(k, _)| k == MessageKind::Audio) => {
            (MessageKind::Voice, "audio/ogg; codecs=opus")
        }
        Some(other) => {
            return Err(Error::UnsupportedMedia(format!(
                "a file cannot be sent as {}",
                other.as_str()
            )))
        }
    };
    if caption.is_some() && matches!(kind, MessageKind::Audio | MessageKind::Voice) {
        return Err(Error::UnsupportedMedia("audio carries no caption".into()));
    }
    if let Some(caption) = caption {
        check_text(caption, CAPTION_MAX_CHARS, "caption")?;
    }
    let bytes = metadata.len();
    if bytes == 0 {
        return Err(Error::UnsupportedMedia(format!("{shown} is empty")));
    }
    let limit = size_limit(kind);
    if bytes > limit {
        return Err(Error::MediaTooLarge(format!(
            "{shown} has {bytes} bytes; WhatsApp takes {} up to {} MB",
            kind.as_str(),
            limit / MB
        )));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(MediaPlan {
        kind,
        mime: mime.to_string(),
        bytes,
        file_name,
    })
}

/// A text or caption: not blank, and within WhatsApp's length.
pub fn check_text(text: &str, max_chars: usize, what: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::InvalidMessage(format!("the {what} is empty")));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(Error::InvalidMessage(format!(
            "the {what} has {chars} characters; WhatsApp takes at most {max_chars}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn file(dir: &Path, name: &str, bytes: u64) -> std::path::PathBuf {
        let path = dir.join(name);
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(bytes).unwrap();
        path
    }

    #[test]
    fn kinds_follow_the_extension_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let photo = file(dir.path(), "a.JPG", 10);
        let plan = plan_media(&photo, None, Some("hi")).unwrap();
        assert_eq!(
            (plan.kind, plan.mime.as_str()),
            (MessageKind::Image, "image/jpeg")
        );
        assert_eq!(plan.file_name, "a.JPG");
        let as_document = plan_media(&photo, Some(MessageKind::Document), None).unwrap();
        assert_eq!(as_document.kind, MessageKind::Document);
        assert_eq!(as_document.mime, "image/jpeg");
        let pdf = plan_media(&file(dir.path(), "b.pdf", 10), None, None).unwrap();
        assert_eq!(
            (pdf.kind, pdf.mime.as_str()),
            (MessageKind::Document, "application/pdf")
        );
        let voice = plan_media(
            &file(dir.path(), "v.ogg", 10),
            Some(MessageKind::Voice),
            None,
        );
        assert_eq!(voice.unwrap().kind, MessageKind::Voice);
    }

    #[test]
    fn files_that_cannot_go_are_refused_with_their_code() {
        let dir = tempfile::tempdir().unwrap();
        let code = |r: Result<MediaPlan>| r.unwrap_err().code();
        assert_eq!(
            code(plan_media(&dir.path().join("none.jpg"), None, None)),
            ErrorCode::FileNotFound
        );
        assert_eq!(
            code(plan_media(dir.path(), None, None)),
            ErrorCode::FileNotFound
        );
        let exe = file(dir.path(), "tool.exe", 10);
        assert_eq!(
            code(plan_media(&exe, Some(MessageKind::Image), None)),
            ErrorCode::UnsupportedMedia
        );
        assert_eq!(
            code(plan_media(&exe, Some(MessageKind::Location), None)),
            ErrorCode::UnsupportedMedia
        );
        let song = file(dir.path(), "s.mp3", 10);
        assert_eq!(
            code(plan_media(&song, None, Some("caption"))),
            ErrorCode::UnsupportedMedia
        );
        assert_eq!(
            code(plan_media(&file(dir.path(), "e.png", 0), None, None)),
            ErrorCode::UnsupportedMedia
        );
        let big = file(dir.path(), "big.png", 5 * MB + 1);
        assert_eq!(code(plan_media(&big, None, None)), ErrorCode::MediaTooLarge);
        // The same bytes fit as a document.
        assert!(plan_media(&big, Some(MessageKind::Document), None).is_ok());
    }

    #[test]
    fn texts_are_not_blank_and_not_too_long() {
        assert!(check_text("hi", TEXT_MAX_CHARS, "text").is_ok());
        for bad in ["", "  \n"] {
            assert_eq!(
                check_text(bad, TEXT_MAX_CHARS, "text").unwrap_err().code(),
                ErrorCode::InvalidMessage
            );
        }
        let long = "é".repeat(CAPTION_MAX_CHARS + 1);
        assert_eq!(
            check_text(&long, CAPTION_MAX_CHARS, "caption")
                .unwrap_err()
                .code(),
            ErrorCode::InvalidMessage
        );
    }
}
