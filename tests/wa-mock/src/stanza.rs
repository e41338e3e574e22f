//! The server's stanzas, shaped as whatsapp-rust 0.7.0 parses them.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::Node;

use crate::phone_signal::Encrypted;
use crate::registry::now_unix;

pub const SERVER: &str = "s.whatsapp.net";

/// `<iq type="result">` answering `id`.
pub fn iq_result(id: &str) -> NodeBuilder {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "result")
        .attr("id", id.to_owned())
}

pub fn iq_error(id: &str, code: u16, text: &str) -> Node {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "error")
        .attr("id", id.to_owned())
        .children([NodeBuilder::new("error")
            .attr("code", code.to_string())
            .attr("text", text.to_owned())
            .build()])
        .build()
}

/// The QR refs a fresh companion rotates through.
pub fn pair_device(id: &str, refs: &[String]) -> Node {
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "set")
        .attr("id", id.to_owned())
        .attr("xmlns", "md")
        .children([NodeBuilder::new("pair-device")
            .children(
                refs.iter()
                    .map(|r| NodeBuilder::new("ref").bytes(r.as_bytes().to_vec()).build()),
            )
            .build()])
        .build()
}

pub fn pair_success(
    device_jid: &str,
    device_lid: &str,
    identity: Vec<u8>,
    business: Option<&str>,
) -> Node {
    let mut children = vec![
        NodeBuilder::new("device-identity").bytes(identity).build(),
        NodeBuilder::new("device")
            .attr("jid", device_jid.to_owned())
            .attr("lid", device_lid.to_owned())
            .build(),
        NodeBuilder::new("platform").attr("name", "android").build(),
    ];
    if let Some(name) = business {
        children.push(
            NodeBuilder::new("biz")
                .attr("name", name.to_owned())
                .build(),
        );
    }
    NodeBuilder::new("iq")
        .attr("from", SERVER)
        .attr("type", "set")
        .attr("id", next_id())
        .attr("xmlns", "md")
        .children([NodeBuilder::new("pair-success").children(children).build()])
        .build()
}

pub fn success(lid: &str) -> Node {
    NodeBuilder::new("success")
        .attr("t", now_unix().to_string())
        .attr("lid", lid.to_owned())
        .attr("location", "mock")
        .attr("props", "1")
        .attr("abprops", "1")
        .build()
}

/// Stream error 515: the companion must reconnect (after pairing).
pub fn stream_restart() -> Node {
    NodeBuilder::new("stream:error").attr("code", "515").build()
}

pub fn stream_device_removed() -> Node {
    NodeBuilder::new("stream:error")
        .attr("code", "401")
        .children([NodeBuilder::new("conflict")
            .attr("type", "device_removed")
            .build()])
        .build()
}

pub fn stream_replaced() -> Node {
    NodeBuilder::new("stream:error")
        .children([NodeBuilder::new("conflict")
            .attr("type", "replaced")
            .build()])
        .build()
}

pub fn failure_logged_out() -> Node {
    NodeBuilder::new("failure")
        .attr("reason", "401")
        .attr("location", "mock")
        .build()
}

pub fn failure_banned() -> Node {
    NodeBuilder::new("failure")
        .attr("reason", "403")
        .attr("location", "mock")
        .build()
}

/// Code 101 is WhatsApp's "sent to too many people" temporary ban.
pub fn failure_temp_banned(expire_secs: u64) -> Node {
    NodeBuilder::new("failure")
        .attr("reason", "402")
        .attr("code", "101")
        .attr("expire", expire_secs.to_string())
        .attr("location", "mock")
        .build()
}

/// `<ib><offline count="0"/></ib>`: nothing queued, so the client stops waiting.
pub fn offline_done() -> Node {
    NodeBuilder::new("ib")
        .attr("from", SERVER)
        .children([NodeBuilder::new("offline").attr("count", "0").build()])
        .build()
}

pub fn ack(id: &str, class: &str, from: &str) -> Node {
    NodeBuilder::new("ack")
        .attr("id", id.to_owned())
        .attr("class", class.to_owned())
        .attr("from", from.to_owned())
        .attr("t", now_unix().to_string())
        .build()
}

/// A contact's receipt for a message the device sent: delivered without a type, or
/// `read`.
pub fn receipt(id: &str, from: &str, kind: Option<&str>) -> Node {
    let mut receipt = NodeBuilder::new("receipt")
        .attr("id", id.to_owned())
        .attr("from", from.to_owned())
        .attr("t", now_unix().to_string());
    if let Some(kind) = kind {
        receipt = receipt.attr("type", kind.to_owned());
    }
    receipt.build()
}

/// Server-chosen stanza ids, unique within the process.
pub fn next_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("mock.{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A 1:1 message from the account's phone (device 0) to one of its companions.
pub fn message_from_phone(id: &str, phone: &str, enc: Encrypted) -> Node {
    message_from(
        id,
        &format!("{phone}@{SERVER}"),
        None,
        None,
        "text",
        vec![enc],
    )
}

/// A message from `from` (a user, or a group with its `participant`) to a
/// companion; `kind` is the stanza type WhatsApp uses for its content
/// (`text` or `media`), `encs` its `<enc>` payloads in order; `notify` is the
/// sender's push name, as WhatsApp adds it to what a contact sends.
pub fn message_from(
    id: &str,
    from: &str,
    participant: Option<&str>,
    notify: Option<&str>,
    kind: &str,
    encs: Vec<Encrypted>,
) -> Node {
    let mut node = NodeBuilder::new("message")
        .attr("from", from.to_owned())
        .attr("id", id.to_owned())
        .attr("type", kind.to_owned())
        .attr("t", now_unix().to_string());
    if let Some(participant) = participant {
        node = node.attr("participant", participant.to_owned());
    }
    if let Some(notify) = notify {
        node = node.attr("notify", notify.to_owned());
    }
    node.children(encs.into_iter().map(|enc| {
        NodeBuilder::new("enc")
            .attr("v", "2")
            .attr("type", enc.kind)
            .bytes(enc.bytes)
            .build()
    }))
    .build()
}

/// Message ids look like WhatsApp's: 3EB0 and 16 hex digits.
pub fn next_message_id() -> String {
    let n: u64 = rand::random();
    format!("3EB0{n:016X}")
}

/// The phone entered the code: its wrapped ephemeral key and identity.
pub fn primary_hello(wrapped_ephemeral: Vec<u8>, identity: Vec<u8>, pairing_ref: Vec<u8>) -> Node {
    NodeBuilder::new("notification")
        .attr("from", SERVER)
        .attr("type", "link_code_companion_reg")
        .attr("id", next_id())
        .attr("t", now_unix().to_string())
        .children([NodeBuilder::new("link_code_companion_reg")
            .attr("stage", "primary_hello")
            .children([
                NodeBuilder::new("link_code_pairing_wrapped_primary_ephemeral_pub")
                    .bytes(wrapped_ephemeral)
                    .build(),
                NodeBuilder::new("primary_identity_pub")
                    .bytes(identity)
                    .build(),
                NodeBuilder::new("link_code_pairing_ref")
                    .bytes(pairing_ref)
                    .build(),
            ])
            .build()])
        .build()
}

/// One contact's published keys in a prekey-fetch answer.
pub fn user_key_bundle(jid: &str, b: &crate::registry::ContactBundle) -> Node {
    let bytes = |tag: &'static str, b: Vec<u8>| NodeBuilder::new(tag).bytes(b).build();
    NodeBuilder::new("user")
        .attr("jid", jid.to_owned())
        .children([
            bytes("registration", b.registration_id.to_be_bytes().to_vec()),
            bytes("type", vec![5]),
            bytes("identity", b.identity.to_vec()),
            NodeBuilder::new("skey")
                .children([
                    bytes("id", b.signed_prekey_id.to_be_bytes()[1..].to_vec()),
                    bytes("value", b.signed_prekey.to_vec()),
                    bytes("signature", b.signature.clone()),
                ])
                .build(),
        ])
        .build()
}

/// A prekey-fetch answer for a device the server has no keys for.
pub fn user_key_error(jid: &str, code: u16, text: &str) -> Node {
    NodeBuilder::new("user")
        .attr("jid", jid.to_owned())
        .children([NodeBuilder::new("error")
            .attr("code", code.to_string())
            .attr("text", text.to_owned())
            .build()])
        .build()
}

/// A group as a `w:g2` query answer carries it: id, subject, members.
pub fn group(jid: &str, info: &crate::registry::GroupInfo) -> Node {
    let id = jid.strip_suffix("@g.us").unwrap_or(jid);
    let now = now_unix().to_string();
    NodeBuilder::new("group")
        .attr("id", id.to_owned())
        .attr("subject", info.subject.clone())
        .attr("s_t", now.clone())
        .attr("creation", now)
        .attr("addressing_mode", "pn")
        .children(info.participants.iter().map(|phone| {
            NodeBuilder::new("participant")
                .attr("jid", format!("{phone}@{SERVER}"))
                .build()
        }))
        .build()
}
