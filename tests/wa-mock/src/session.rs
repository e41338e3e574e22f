//! What the server does with each stanza of one authenticated connection.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use serde_json::json;
use tracing::{debug, info, warn};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::Node;
use waproto::whatsapp as wa;

use crate::app_state::describe_patch;
use crate::phone_inbox::{self, ToContact};
use crate::phone_signal::CompanionKeys;
use crate::registry::{ConnHandle, KeyShare, LoginVerdict, Outbound};
use crate::stanza;
use crate::Shared;

enum Role {
    /// A fresh companion showing QR codes (or asking for a pairing code).
    Pairing {
        companion: CompanionKeys,
        noise_public: [u8; 32],
    },
    /// A registered device that logged in.
    Device,
    /// The server already refused this connection.
    Refused,
}

pub struct Session {
    shared: Arc<Shared>,
    conn: ConnHandle,
    role: Role,
    /// Held back until the client leaves passive mode, as the server queues
    /// messages for a device until then.
    queued: Vec<Outbound>,
    /// The key-share message in flight: (message id, phone, device id).
    key_share_in_flight: Option<(String, String, u32)>,
    /// Where messages to contacts go for their phones to read, in order.
    phones: Option<UnboundedSender<ToContact>>,
}

pub(crate) fn attr(node: &Node, key: &str) -> String {
    node.attrs
        .get(key)
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default()
}

impl Session {
    /// Decides what the connection is from its login payload and answers first.
    pub async fn start(
        shared: Arc<Shared>,
        conn: ConnHandle,
        client_static: [u8; 32],
        payload: &wa::ClientPayload,
    ) -> (Self, Vec<Outbound>) {
        if let Some(pairing) = payload.device_pairing_data.as_option() {
            let companion = match CompanionKeys::from_pairing(pairing) {
                Ok(keys) => keys,
                Err(e) => {
                    warn!(conn = conn.id, "unusable pairing payload: {e:#}");
                    let out = vec![Outbound::SendAndClose(stanza::failure_logged_out())];
                    let role = Role::Refused;
                    return (Self::new(shared, conn, role), out);
                }
            };
            let opts = &shared.options;
            let now = Instant::now();
            let refs: Vec<(String, Instant)> = (0..opts.qr_refs)
                .map(|i| {
                    let ttl = opts.qr_first_ttl + opts.qr_next_ttl * i as u32;
                    (crate::registry::random_ref(), now + ttl)
                })
                .collect();
            shared
                .registry
                .offer_refs(&conn, client_static, &companion, &refs);
            let names: Vec<String> = refs.into_iter().map(|(r, _)| r).collect();
            info!(
                conn = conn.id,
                "companion wants to pair; offering {} QR refs",
                names.len()
            );
            let first = Outbound::Send(stanza::pair_device(&stanza::next_id(), &names));
            let role = Role::Pairing {
                companion,
                noise_public: client_static,
            };
            return (Self::new(shared, conn, role), vec![first]);
        }
        let (Some(user), Some(device)) = (payload.username, payload.device) else {
            warn!(conn = conn.id, "login payload names no user");
            let out = vec![Outbound::SendAndClose(stanza::failure_logged_out())];
            return (Self::new(shared, conn, Role::Refused), out);
        };
        let verdict = shared
            .registry
            .login(&user.to_string(), device, client_static, &conn);
        let mut queued = Vec::new();
        let mut in_flight = None;
        let (role, out) = match verdict {
            LoginVerdict::Accept {
                jid,
                lid,
                key_share,
            } => {
                info!(conn = conn.id, %jid, "device logged in");
                if let Some(share) = key_share {
                    let (phone, device) = (share.phone.clone(), share.device_id);
                    if let Some((id, node)) = share_app_state_key(&shared, *share).await {
                        in_flight = Some((id, phone, device));
                        queued.push(Outbound::Send(node));
                    }
                }
                (Role::Device, vec![Outbound::Send(stanza::success(&lid))])
            }
            LoginVerdict::Reject(failure) => {
                info!(
                    conn = conn.id,
                    user,
                    device,
                    "login refused: {}",
                    attr(&failure, "reason")
                );
                (Role::Refused, vec![Outbound::SendAndClose(failure)])
            }
        };
        let mut session = Self::new(shared, conn, role);
        session.queued = queued;
        session.key_share_in_flight = in_flight;
        (session, out)
    }

    fn new(shared: Arc<Shared>, conn: ConnHandle, role: Role) -> Self {
        Self {
            shared,
            conn,
            role,
            queued: Vec::new(),
            key_share_in_flight: None,
            phones: None,
        }
    }

    pub fn handle(&mut self, node: Node) -> Vec<Outbound> {
        if matches!(self.role, Role::Refused) {
            return Vec::new();
        }
        match node.tag.as_ref() {
            "iq" => self.handle_iq(&node),
            "message" => {
                let id = attr(&node, "id");
                let to = attr(&node, "to");
                self.shared.registry.record(
                    self.conn.id,
                    json!({"kind": "message", "id": id, "to": to, "type": attr(&node, "type")}),
                );
                let out = vec![Outbound::Send(stanza::ack(&id, "message", &to))];
                if self.is_to_contact(&node, &to) {
                    // The contact's phone reads it, then sends its receipts.
                    self.hand_to_contact_phone(to, node);
                }
                out
            }
            "receipt" => {
                let id = attr(&node, "id");
                self.note_delivery(&id);
                let to = attr(&node, "to");
                vec![Outbound::Send(stanza::ack(&id, "receipt", &to))]
            }
            "ack" => {
                self.note_delivery(&attr(&node, "id"));
                Vec::new()
            }
            other => {
                debug!(conn = self.conn.id, "ignoring <{other}>");
                Vec::new()
            }
        }
    }

    /// A message to one of the account's contacts (not to its own devices).
    fn is_to_contact(&self, node: &Node, to: &str) -> bool {
        let user = to.split(['@', ':']).next().unwrap_or_default();
        let own = self.shared.registry.phone_of(self.conn.id);
        to.ends_with("@s.whatsapp.net")
            && attr(node, "category") != "peer"
            && own.is_some_and(|own| own != user)
    }

    fn hand_to_contact_phone(&mut self, contact: String, node: Node) {
        let Some(device) = self.shared.registry.device_of(self.conn.id) else {
            return;
        };
        let phones = self.phones.get_or_insert_with(|| {
            phone_inbox::spawn_reader(Arc::clone(&self.shared), self.conn.clone())
        });
        // The reader lives as long as this sender: it cannot have stopped.
        let _ = phones.send(ToContact {
            contact,
            device,
            node,
        });
    }

    /// The requested contacts' published keys (`<iq xmlns="encrypt"><key>`).
    fn key_bundles(&self, id: &str, key: &Node) -> Node {
        let users: Vec<Node> = key
            .get_children_by_tag("user")
            .map(|user| {
                let jid = attr(user, "jid");
                let (address, server) = jid.split_once('@').unwrap_or((&jid, ""));
                let (phone, device) = address.split_once(':').unwrap_or((address, "0"));
                let own = self.shared.registry.phone_of(self.conn.id);
                if server != "s.whatsapp.net" || device != "0" || own.as_deref() == Some(phone) {
                    // Contacts have a phone only; the account's own devices are not contacts.
                    return stanza::user_key_error(&jid, 404, "item-not-found");
                }
                match self
                    .shared
                    .registry
                    .contact_bundle(&format!("{phone}@{server}"))
                {
                    Ok(bundle) => stanza::user_key_bundle(&jid, &bundle),
                    Err(e) => {
                        warn!(conn = self.conn.id, "no keys for {jid}: {e}");
                        stanza::user_key_error(&jid, 400, "bad-request")
                    }
                }
            })
            .collect();
        stanza::iq_result(id)
            .children([NodeBuilder::new("list").children(users).build()])
            .build()
    }

    fn note_delivery(&mut self, id: &str) {
        if self
            .key_share_in_flight
            .as_ref()
            .is_some_and(|(pending, _, _)| pending == id)
        {
            if let Some((_, phone, device)) = self.key_share_in_flight.take() {
                self.shared.registry.key_share_delivered(&phone, device);
            }
        }
    }

    fn handle_iq(&mut self, node: &Node) -> Vec<Outbound> {
        let id = attr(node, "id");
        let kind = attr(node, "type");
        let xmlns = attr(node, "xmlns");
        let child = node.children().and_then(|c| c.first());
        let child_tag = child.map(|c| c.tag.as_ref()).unwrap_or("");
        if kind == "result" || kind == "error" {
            return self.handle_iq_answer(node);
        }
        debug!(conn = self.conn.id, %xmlns, %kind, child = child_tag, "iq");
        let reply = match (xmlns.as_str(), child_tag) {
            ("passive", "active") => {
                let mut out = vec![Outbound::Send(stanza::iq_result(&id).build())];
                out.append(&mut self.queued);
                out.push(Outbound::Send(stanza::offline_done()));
                return out;
            }
            ("passive", _) | ("w:p", _) | ("urn:xmpp:ping", _) => stanza::iq_result(&id).build(),
            ("encrypt", "count") => {
                let count = self.shared.registry.set_prekey_count(self.conn.id, 0);
                stanza::iq_result(&id)
                    .children([NodeBuilder::new("count")
                        .attr("value", count.to_string())
                        .build()])
                    .build()
            }
            ("encrypt", "key") => self.key_bundles(&id, child.expect("matched child")),
            ("encrypt", _) if child_has(node, "list") => {
                let added = node
                    .get_optional_child("list")
                    .and_then(|l| l.children())
                    .map_or(0, |keys| keys.len());
                let total = self.shared.registry.set_prekey_count(self.conn.id, added);
                debug!(conn = self.conn.id, added, total, "prekeys uploaded");
                stanza::iq_result(&id).build()
            }
            ("md", "remove-companion-device") => {
                let target = child.map(|c| attr(c, "jid")).unwrap_or_default();
                let reason = child.map(|c| attr(c, "reason")).unwrap_or_default();
                self.shared.registry.record(
                    self.conn.id,
                    json!({"kind": "remove-companion-device", "jid": target, "reason": reason}),
                );
                self.shared.registry.companion_removed_itself(self.conn.id);
                stanza::iq_result(&id).build()
            }
            ("md", "link_code_companion_reg") => {
                return vec![Outbound::Send(
                    self.pair_code_step(&id, child.expect("matched child")),
                )];
            }
            ("w:m", "media_conn") => stanza::iq_result(&id)
                .children([NodeBuilder::new("media_conn")
                    .attr("auth", self.shared.media.auth().to_owned())
                    .attr("ttl", "21600")
                    .attr("max_buckets", "12")
                    .children([NodeBuilder::new("host")
                        .attr("hostname", self.shared.media.hostname())
                        .build()])
                    .build()])
                .build(),
            ("usync", "usync") => {
                let usync = child.expect("matched child");
                self.shared
                    .registry
                    .record(self.conn.id, crate::usync::describe(usync));
                crate::usync::answer(&id, usync)
            }
            ("w:sync:app:state", "sync") => self.app_state_sync(&id, child.expect("matched child")),
            ("w:g2", "query") => self.group_info(&id, &attr(node, "to")),
            ("w:profile:picture", "picture") => {
                let target = attr(node, "target");
                let phone = target.split(['@', ':']).next().unwrap_or_default();
                match self.shared.media.picture(phone) {
                    Some(picture) => stanza::iq_result(&id)
                        .children([NodeBuilder::new("picture")
                            .attr("id", picture.id)
                            .attr("type", "image")
                            .attr("url", picture.url)
                            .attr("direct_path", picture.direct_path)
                            .build()])
                        .build(),
                    None => stanza::iq_error(&id, 404, "item-not-found"),
                }
            }
            _ => {
                debug!(conn = self.conn.id, %xmlns, child = child_tag, "unanswered iq -> 501");
                stanza::iq_error(&id, 501, "feature-not-implemented")
            }
        };
        vec![Outbound::Send(reply)]
    }

    /// A group's subject and members, as a `w:g2` query gets them.
    fn group_info(&self, id: &str, jid: &str) -> Node {
        let Some(group) = self.shared.registry.group(jid) else {
            return stanza::iq_error(id, 404, "item-not-found");
        };
        stanza::iq_result(id)
            .children([stanza::group(jid, &group)])
            .build()
    }

    /// Answers with each requested collection, empty: nothing is synced yet.
    fn app_state_sync(&mut self, id: &str, sync: &Node) -> Node {
        let collections: Vec<Node> = sync
            .get_children_by_tag("collection")
            .map(|c| {
                let name = attr(c, "name");
                let version = attr(c, "version");
                for patch in c.get_children_by_tag("patch") {
                    let key = self.shared.registry.app_state_key(self.conn.id);
                    for entry in describe_patch(&name, node_bytes(patch), key.as_ref()) {
                        self.shared.registry.record(self.conn.id, entry);
                    }
                }
                let from_version = version.parse::<u64>().unwrap_or(0);
                if name == "critical_block" && from_version == 0 {
                    if let Some(patch) = self.shared.registry.push_name_patch(self.conn.id) {
                        return NodeBuilder::new("collection")
                            .attr("name", name)
                            .attr("version", "1")
                            .children([NodeBuilder::new("patches")
                                .children([NodeBuilder::new("patch").bytes(patch).build()])
                                .build()])
                            .build();
                    }
                }
                NodeBuilder::new("collection")
                    .attr("name", name)
                    .attr("version", from_version.to_string())
                    .build()
            })
            .collect();
        stanza::iq_result(id)
            .children([NodeBuilder::new("sync").children(collections).build()])
            .build()
    }

    /// The companion's half of linking by phone-number code.
    fn pair_code_step(&mut self, id: &str, reg: &Node) -> Node {
        let Role::Pairing {
            companion,
            noise_public,
        } = &self.role
        else {
            return stanza::iq_error(id, 400, "bad-request");
        };
        let bytes_of = |tag: &str| {
            reg.get_optional_child(tag)
                .map(|n| node_bytes(n).to_vec())
                .unwrap_or_default()
        };
        match attr(reg, "stage").as_str() {
            "companion_hello" => {
                let jid = attr(reg, "jid");
                let phone = jid.split('@').next().unwrap_or_default();
                let wrapped = bytes_of("link_code_pairing_wrapped_companion_ephemeral_pub");
                match self.shared.registry.code_requested(
                    &self.conn,
                    phone,
                    *noise_public,
                    companion,
                    wrapped,
                ) {
                    Ok(pairing_ref) => stanza::iq_result(id)
                        .children([NodeBuilder::new("link_code_companion_reg")
                            .children([NodeBuilder::new("link_code_pairing_ref")
                                .bytes(pairing_ref)
                                .build()])
                            .build()])
                        .build(),
                    Err(e) => {
                        warn!(conn = self.conn.id, "companion_hello refused: {e}");
                        stanza::iq_error(id, 400, "bad-request")
                    }
                }
            }
            "companion_finish" => {
                let identity: Result<[u8; 32], _> =
                    bytes_of("companion_identity_public").try_into();
                let outcome = identity
                    .map_err(|_| anyhow::anyhow!("companion identity is not 32 bytes"))
                    .and_then(|identity| {
                        self.shared.registry.code_finished(
                            self.conn.id,
                            &bytes_of("link_code_pairing_wrapped_key_bundle"),
                            identity,
                            &bytes_of("link_code_pairing_ref"),
                        )
                    });
                match outcome {
                    Ok(()) => stanza::iq_result(id).build(),
                    Err(e) => {
                        warn!(conn = self.conn.id, "companion_finish refused: {e:#}");
                        stanza::iq_error(id, 400, "bad-request")
                    }
                }
            }
            other => {
                warn!(
                    conn = self.conn.id,
                    "unknown link_code_companion_reg stage {other:?}"
                );
                stanza::iq_error(id, 400, "bad-request")
            }
        }
    }

    fn handle_iq_answer(&mut self, node: &Node) -> Vec<Outbound> {
        let Some(sign) = node.get_optional_child("pair-device-sign") else {
            return Vec::new();
        };
        let Some(identity) = sign.get_optional_child("device-identity") else {
            warn!(
                conn = self.conn.id,
                "pair-device-sign without device-identity"
            );
            return vec![Outbound::SendAndClose(stanza::failure_logged_out())];
        };
        let key_index = attr(identity, "key-index").parse::<u32>().unwrap_or(0);
        let bytes = node_bytes(identity);
        match self
            .shared
            .registry
            .device_signed(self.conn.id, bytes, key_index)
        {
            Ok(()) => {
                info!(
                    conn = self.conn.id,
                    "pairing complete; restarting the stream"
                );
                vec![Outbound::SendAndClose(stanza::stream_restart())]
            }
            Err(e) => {
                warn!(conn = self.conn.id, "pair-device-sign rejected: {e:#}");
                vec![Outbound::SendAndClose(stanza::failure_logged_out())]
            }
        }
    }
}

/// The phone sends the companion its app-state sync key, Signal-encrypted.
/// Returns the message id and stanza.
async fn share_app_state_key(shared: &Shared, share: KeyShare) -> Option<(String, Node)> {
    let KeyShare {
        phone,
        device_id,
        mut cipher,
        companion,
        plaintext,
    } = share;
    let result = cipher.encrypt(&companion, device_id, &plaintext).await;
    shared.registry.return_cipher(&phone, device_id, cipher);
    match result {
        Ok(enc) => {
            let id = stanza::next_message_id();
            let node = stanza::message_from_phone(&id, &phone, enc);
            Some((id, node))
        }
        Err(e) => {
            warn!("could not share the app-state key with {phone}:{device_id}: {e:#}");
            None
        }
    }
}

fn child_has(node: &Node, tag: &str) -> bool {
    node.get_optional_child(tag).is_some()
}

pub(crate) fn node_bytes(node: &Node) -> &[u8] {
    match &node.content {
        Some(wacore_binary::NodeContent::Bytes(b)) => b,
        _ => &[],
    }
}
