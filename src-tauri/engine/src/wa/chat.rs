//! Chats in protocol terms: a chat JID (by the engine's one JID rule) and the message
//! range a delete-chat mutation carries.

use whatsapp_rust::features::{message_key, message_range, SyncActionMessageRange};
use whatsapp_rust::prelude::*;

use crate::error::{Error, Result};
use crate::records::LastMessage;
use crate::validate;

/// A chat JID as the engine's rule accepts it (see `validate::chat_jid`), parsed.
pub(crate) fn parse_chat_jid(input: &str) -> Result<Jid> {
    let canonical = validate::chat_jid(input)?;
    canonical
        .parse::<Jid>()
        .map_err(|e| Error::InvalidJid(format!("'{canonical}' does not parse as a JID: {e}")))
}

/// The message range WhatsApp Web attaches to a delete-chat mutation: the chat's last
/// message, so other devices delete exactly up to it. `None` when we hold no message.
pub(crate) fn delete_chat_range(
    chat: &Jid,
    last: Option<&LastMessage>,
) -> Result<Option<SyncActionMessageRange>> {
    let Some(last) = last else {
        return Ok(None);
    };
    if last.id.is_empty() {
        return Err(Error::InvalidJid(
            "the last message of the chat has no id".into(),
        ));
    }
    let participant = match &last.participant {
        Some(p) => Some(p.parse::<Jid>().map_err(|e| {
            Error::InvalidJid(format!("last message participant '{p}' is not a JID: {e}"))
        })?),
        None => None,
    };
    // The protocol counts message time in seconds.
    let seconds = last.timestamp.div_euclid(1000);
    let key = message_key(&last.id, chat, last.from_me, participant.as_ref());
    Ok(Some(message_range(seconds, None, vec![(key, seconds)])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn no_last_message_means_no_range() {
        let chat = parse_chat_jid("5511999999999").unwrap();
        assert!(delete_chat_range(&chat, None).unwrap().is_none());
    }

    #[test]
    fn range_carries_the_last_message_in_seconds() {
        let chat = parse_chat_jid("120363012345678901@g.us").unwrap();
        let last = LastMessage {
            id: "3EB0ABC".into(),
            from_me: false,
            participant: Some("5511888888888@s.whatsapp.net".into()),
            timestamp: 1_700_000_123_456,
        };
        let range = delete_chat_range(&chat, Some(&last)).unwrap().unwrap();
        assert_eq!(range.last_message_timestamp, Some(1_700_000_123));
        assert_eq!(range.messages.len(), 1);
        let entry = &range.messages[0];
        assert_eq!(entry.timestamp, Some(1_700_000_123));
        let key = entry.key.as_option().unwrap();
        assert_eq!(key.id.as_deref(), Some("3EB0ABC"));
        assert_eq!(key.remote_jid.as_deref(), Some("120363012345678901@g.us"));
        assert_eq!(key.from_me, Some(false));
        assert_eq!(
            key.participant.as_deref(),
            Some("5511888888888@s.whatsapp.net")
        );
    }

    #[test]
    fn range_rejects_a_broken_last_message() {
        let chat = parse_chat_jid("5511999999999").unwrap();
        let mut last = LastMessage {
            id: String::new(),
            from_me: true,
            participant: None,
            timestamp: 1,
        };
        assert_eq!(
            delete_chat_range(&chat, Some(&last)).unwrap_err().code(),
            ErrorCode::InvalidJid
        );
        last.id = "X".into();
        last.participant = Some("not a jid@nowhere".into());
        assert_eq!(
            delete_chat_range(&chat, Some(&last)).unwrap_err().code(),
            ErrorCode::InvalidJid
        );
    }
}
