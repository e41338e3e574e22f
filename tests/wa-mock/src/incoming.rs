//! Messages from the account's contacts to a linked device, Signal-encrypted
//! per device as WhatsApp delivers them.

use serde::Deserialize;
use waproto::buffa::Message as _;
use waproto::whatsapp as wa;

use crate::error::MockError;
use crate::registry::{Outbound, Registry};
use crate::stanza;

/// Body of `POST /devices/{jid}/messages`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingMessage {
    pub chat: String,
    pub from: String,
    pub text: Option<String>,
    pub media: Option<serde_json::Value>,
}

/// Encrypts `msg` from its sender to the device `who` and delivers it.
/// Returns the message id.
pub async fn deliver(
    registry: &Registry,
    who: &str,
    msg: &IncomingMessage,
) -> Result<String, MockError> {
    if msg.media.is_some() {
        return Err(MockError::NotImplemented("incoming media"));
    }
    if msg.chat != msg.from {
        return Err(MockError::NotImplemented(
            "group chats (chat must equal from)",
        ));
    }
    let text = msg
        .text
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| MockError::BadRequest("text must be a non-empty string".into()))?;
    let mut out = registry.begin_incoming(who, &msg.from)?;
    let plaintext = wacore::messages::MessageUtils::pad_message_v2(
        wa::Message {
            conversation: Some(text.to_owned()),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let encrypted = out
        .cipher
        .encrypt(&out.companion, out.device.1, &plaintext)
        .await;
    registry.end_incoming(out.sender.clone(), out.device.clone(), out.cipher);
    let encrypted = encrypted.map_err(|e| MockError::Internal(format!("{e:#}")))?;
    let id = stanza::next_message_id();
    out.conn.send(Outbound::Send(stanza::message_from(
        &id,
        &out.sender,
        encrypted.kind,
        encrypted.bytes,
    )));
    Ok(id)
}
