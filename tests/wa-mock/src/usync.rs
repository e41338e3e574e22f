//! The user-sync query (`<iq xmlns="usync">`), answered as WhatsApp does: which devices
//! a number has (`<devices>`) and whether it is on WhatsApp (`<contact>`). Every number
//! is on WhatsApp here, a contact with its phone only (device 0), and the account with
//! its phone (its linked device is the one asking). Answered, the client keeps the device
//! lists instead of asking again at every send.

use serde_json::{json, Value};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::Node;

use crate::session::attr;
use crate::stanza;

const SERVER: &str = "s.whatsapp.net";

/// What the query asks for (`devices`, `contact`, `lid`...).
fn protocols(usync: &Node) -> Vec<String> {
    usync
        .get_optional_child("query")
        .and_then(|query| query.children())
        .map(|protocols| protocols.iter().map(|p| p.tag.to_string()).collect())
        .unwrap_or_default()
}

/// The query as the admin API lists it: its context, protocols and the numbers asked about.
pub fn describe(usync: &Node) -> Value {
    let users: Vec<Value> = usync
        .get_optional_child("list")
        .map(|list| {
            list.get_children_by_tag("user")
                .map(|user| phone_of(user).map_or(Value::Null, Value::from))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "kind": "usync",
        "context": attr(usync, "context"),
        "protocols": protocols(usync),
        "users": users,
    })
}

/// The answer to the `<usync>` query of iq `id`.
pub fn answer(id: &str, usync: &Node) -> Node {
    let asked = protocols(usync);
    let users: Vec<Node> = usync
        .get_optional_child("list")
        .map(|list| {
            list.get_children_by_tag("user")
                .map(|user| user_result(user, &asked))
                .collect()
        })
        .unwrap_or_default();
    stanza::iq_result(id)
        .children([NodeBuilder::new("usync")
            .attr("sid", attr(usync, "sid"))
            .attr("index", "0")
            .attr("last", "true")
            .attr("mode", attr(usync, "mode"))
            .attr("context", attr(usync, "context"))
            .children([NodeBuilder::new("list").children(users).build()])
            .build()])
        .build()
}

/// The number a `<user>` names: its `jid`, or the `<contact>` it was looked up by.
fn phone_of(user: &Node) -> Option<String> {
    let jid = attr(user, "jid");
    if !jid.is_empty() {
        let (address, server) = jid.split_once('@')?;
        let phone = address.split(':').next()?;
        return (server == SERVER).then(|| phone.to_owned());
    }
    let contact = user.get_optional_child("contact")?.content_as_string()?;
    let digits: String = contact.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

fn user_result(user: &Node, asked: &[String]) -> Node {
    let Some(phone) = phone_of(user) else {
        // A LID or another server: nobody the simulated network knows.
        let jid = attr(user, "jid");
        let errors = asked.iter().map(|protocol| {
            NodeBuilder::new_dynamic(protocol.clone())
                .children([NodeBuilder::new("error")
                    .attr("code", "404")
                    .attr("text", "item-not-found")
                    .build()])
                .build()
        });
        let builder = NodeBuilder::new("user");
        let builder = if jid.is_empty() {
            builder
        } else {
            builder.attr("jid", jid)
        };
        return builder.children(errors).build();
    };
    let results = asked.iter().filter_map(|protocol| match protocol.as_str() {
        "devices" => Some(
            NodeBuilder::new("devices")
                .children([NodeBuilder::new("device-list")
                    .children([NodeBuilder::new("device").attr("id", "0").build()])
                    .build()])
                .build(),
        ),
        "contact" => Some(NodeBuilder::new("contact").attr("type", "in").build()),
        // No LID, business profile, status or picture to report.
        _ => None,
    });
    NodeBuilder::new("user")
        .attr("jid", format!("{phone}@{SERVER}"))
        .children(results)
        .build()
}
