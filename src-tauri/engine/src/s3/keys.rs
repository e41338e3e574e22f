//! Where an instance's media lives in its bucket:
//! `<prefix>/<instance-id>/<chat>/<message-id>.<ext>`, the same chat folder and file name
//! as the local copy under `media/`, so either place names a file the same way.

use std::path::{Component, Path};

use super::config::S3Config;

/// Every object of one instance starts with this (it ends with `/`).
pub fn instance_prefix(config: &S3Config, instance_id: &str) -> String {
    if config.prefix.is_empty() {
        format!("{instance_id}/")
    } else {
        format!("{}/{instance_id}/", config.prefix)
    }
}

/// Every object of one chat of one instance starts with this (it ends with `/`).
pub fn chat_prefix(config: &S3Config, instance_id: &str, chat_folder: &str) -> String {
    format!("{}{chat_folder}/", instance_prefix(config, instance_id))
}

/// The object key of a media file stored locally at `relative_path` (relative to the
/// instance folder: `media/<chat>/<message-id>.<ext>`). None for any other shape, so a
/// key can never be made from a path outside the media folder.
pub fn media_key(config: &S3Config, instance_id: &str, relative_path: &str) -> Option<String> {
    let mut parts = Path::new(relative_path).components();
    let (
        Some(Component::Normal(media)),
        Some(Component::Normal(chat)),
        Some(Component::Normal(file)),
        None,
    ) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if media != "media" {
        return None;
    }
    Some(format!(
        "{}{}",
        chat_prefix(config, instance_id, chat.to_str()?),
        file.to_str()?
    ))
}
