//! `manifest.json`: what the archive holds, with a SHA-256 per file so that anyone can
//! check it, and the media that could not be included, with the reason.

use serde::Serialize;

use crate::model::Millis;

/// Names the layout, so that a reader knows what it opens.
pub(super) const FORMAT: &str = "switchboard-export";
pub(super) const VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub(super) struct Manifest {
    pub format: &'static str,
    pub version: u32,
    pub instance: String,
    /// The chat exported; null for the whole instance.
    pub chat: Option<String>,
    pub exported_at: Millis,
    pub counts: Counts,
    /// Every file of the archive but this one.
    pub files: Vec<FileEntry>,
    pub missing_media: Vec<MissingMedia>,
}

#[derive(Debug, Default, Serialize)]
pub(super) struct Counts {
    pub chats: u64,
    pub messages: u64,
    pub media_files: u64,
    pub media_missing: u64,
}

#[derive(Debug, Serialize)]
pub(super) struct FileEntry {
    pub path: String,
    pub bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub(super) struct MissingMedia {
    pub chat_jid: String,
    pub message_id: String,
    pub reason: String,
}
