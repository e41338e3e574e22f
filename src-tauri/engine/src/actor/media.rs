//! Received media, downloaded automatically or on demand: where a file goes and how it
//! is written (folders 0700, files 0600, checked, never a half-written file under its
//! final name).

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::SessionSink;
use crate::conversation::MessageKind;
use crate::error::{Error, Result};
use crate::records::{MediaSaved, MediaSource};
use crate::wa::Remote;

/// Keeps ASCII letters, digits, `@`, `.`, `-` and `_`; everything else becomes `_`.
/// A name made only of dots could climb out of its folder, so it gets a prefix.
fn safe_file_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') {
        name.insert(0, '_');
    }
    name
}

/// File extension for a media file: from the sender's file name when it has a sane
/// one, else from the MIME type, else `bin`.
pub(crate) fn extension_for(mime: Option<&str>, file_name: Option<&str>) -> String {
    let from_name = file_name
        .and_then(|n| Path::new(n).extension())
        .and_then(|e| e.to_str())
        .filter(|e| (1..=8).contains(&e.len()) && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_ascii_lowercase);
    if let Some(ext) = from_name {
        return ext;
    }
    let essence = mime
        .map(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match essence.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/aac" => "aac",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    }
    .to_string()
}

/// Where a message's media file goes: `<media_dir>/<chat folder>/<message id>.<ext>`.
pub(crate) fn media_path(
    media_dir: &Path,
    chat_jid: &str,
    message_id: &str,
    extension: &str,
) -> PathBuf {
    media_dir
        .join(chat_folder_name(chat_jid))
        .join(format!("{}.{extension}", safe_file_name(message_id)))
}

/// The folder (under the instance's `media` folder, and under its prefix in a bucket)
/// that holds a chat's media: a JID can never name a path outside it.
pub(crate) fn chat_folder_name(chat_jid: &str) -> String {
    safe_file_name(chat_jid)
}

pub(crate) struct Download {
    pub instance_id: String,
    pub media_dir: PathBuf,
    pub chat_jid: String,
    pub message_id: String,
    pub kind: MessageKind,
    pub source: MediaSource,
}

/// Downloads one attachment and tells the sink; failures are logged, never fatal.
pub(crate) async fn save(remote: Remote, job: Download, sink: Arc<dyn SessionSink>) {
    match write(&remote, &job).await {
        Ok(saved) => sink.media_saved(&job.instance_id, saved).await,
        Err(e) => tracing::warn!(
            instance = %job.instance_id,
            message = %job.message_id,
            code = %e.code(),
            "media download failed: {e}"
        ),
    }
}

/// Downloads an attachment into its place in the chat's folder, checked against the
/// hash its message names. The file appears under its name only once it is whole and
/// checked; a failure leaves nothing behind.
pub(crate) async fn write(remote: &Remote, job: &Download) -> Result<MediaSaved> {
    let source = &job.source;
    let extension = extension_for(source.mime.as_deref(), source.file_name.as_deref());
    let path = media_path(&job.media_dir, &job.chat_jid, &job.message_id, &extension);
    let folder = path
        .parent()
        .ok_or_else(|| Error::io("media path has no folder"))?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)?;
    // A name of its own per download (0600), removed when dropped unkept: two
    // downloads of one message never write into each other.
    let (file, partial) = tempfile::Builder::new()
        .suffix(".part")
        .tempfile_in(folder)?
        .into_parts();
    let bytes = remote.download(source, job.kind, file).await?;
    let checked = partial.to_path_buf();
    let digest = tokio::task::spawn_blocking(move || sha256_of(&checked))
        .await
        .map_err(|e| Error::io(format!("hashing the media file stopped: {e}")))??;
    if digest != source.file_sha256 {
        return Err(Error::WhatsApp(
            "the downloaded file is not the one the message names (its hash differs)".into(),
        ));
    }
    partial
        .persist(&path)
        .map_err(|e| Error::io_caused(format!("cannot keep {}", path.display()), e.error))?;
    let base = job.media_dir.parent().unwrap_or(&job.media_dir);
    let relative = path.strip_prefix(base).unwrap_or(&path);
    Ok(MediaSaved {
        chat_jid: job.chat_jid.clone(),
        message_id: job.message_id.clone(),
        relative_path: relative.to_string_lossy().into_owned(),
        bytes,
        mime: source.mime.clone(),
    })
}

fn sha256_of(path: &Path) -> Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hasher.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside_their_folder() {
        assert_eq!(
            safe_file_name("5511999999999@s.whatsapp.net"),
            "5511999999999@s.whatsapp.net"
        );
        assert_eq!(safe_file_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_file_name(".."), "_..");
        assert_eq!(safe_file_name(""), "_");
        assert_eq!(safe_file_name("a/b\\c\0d"), "a_b_c_d");
    }

    #[test]
    fn extensions_come_from_name_then_mime() {
        assert_eq!(
            extension_for(Some("application/pdf"), Some("Invoice.PDF")),
            "pdf"
        );
        assert_eq!(extension_for(Some("audio/ogg; codecs=opus"), None), "ogg");
        assert_eq!(
            extension_for(Some("image/jpeg"), Some("no-extension")),
            "jpg"
        );
        assert_eq!(extension_for(None, Some("evil.p/h")), "bin");
        assert_eq!(extension_for(Some("application/x-unknown"), None), "bin");
    }

    #[test]
    fn media_goes_into_the_chat_folder() {
        let path = media_path(
            Path::new("/d/instances/i/media"),
            "120363@g.us",
            "3EB0/1",
            "jpg",
        );
        assert_eq!(
            path,
            PathBuf::from("/d/instances/i/media/120363@g.us/3EB0_1.jpg")
        );
    }
}
