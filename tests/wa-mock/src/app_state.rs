//! Decodes the app-state patches a companion uploads (delete chat, clear chat,
//! archive, pin, mute, ...) with the sync key the phone shared with it.

use serde_json::{json, Value};
use wacore::appstate::decode::decode_record;
use wacore::appstate::keys::expand_app_state_keys;
use waproto::buffa::Message as _;
use waproto::whatsapp as wa;

use crate::phone::AppStateKey;

/// One `received` entry per mutation of the patch.
pub fn describe_patch(collection: &str, patch: &[u8], key: Option<&AppStateKey>) -> Vec<Value> {
    let undecodable = |why: &str| {
        vec![json!({"kind": "app-state", "collection": collection, "decoded": false,
                    "error": why, "bytes": patch.len()})]
    };
    let Ok(patch) = wa::SyncdPatch::decode_from_slice(patch) else {
        return undecodable("not a SyncdPatch");
    };
    let key_id = patch
        .key_id
        .as_option()
        .and_then(|k| k.id.clone())
        .unwrap_or_default();
    let Some(key) = key.filter(|k| k.id == key_id) else {
        return undecodable("encrypted with a key this phone did not share");
    };
    let keys = expand_app_state_keys(&key.data);
    patch
        .mutations
        .iter()
        .map(|m| {
            let operation = m
                .operation
                .as_ref()
                .and_then(|op| op.as_known())
                .unwrap_or(wa::syncd_mutation::SyncdOperation::SET);
            let Some(record) = m.record.as_option() else {
                return json!({"kind": "app-state", "collection": collection, "decoded": false,
                              "error": "mutation without record"});
            };
            match decode_record(operation, record, &keys, &key_id, true) {
                Ok((mutation, _)) => describe_mutation(collection, operation, &mutation),
                Err(e) => json!({"kind": "app-state", "collection": collection, "decoded": false,
                                 "error": e.to_string()}),
            }
        })
        .collect()
}

fn flag(index: &[String], at: usize) -> bool {
    index.get(at).is_some_and(|v| v == "1")
}

fn describe_mutation(
    collection: &str,
    operation: wa::syncd_mutation::SyncdOperation,
    m: &wacore::appstate::decode::Mutation,
) -> Value {
    let action = m.index.first().cloned().unwrap_or_default();
    let chat = m.index.get(1).cloned().unwrap_or_default();
    let op = if operation == wa::syncd_mutation::SyncdOperation::REMOVE {
        "remove"
    } else {
        "set"
    };
    let mut entry = json!({"kind": "app-state", "collection": collection, "operation": op,
                           "action": action, "chat": chat, "index": m.index});
    let value = m.action_value.as_ref();
    let extra = match action.as_str() {
        // deleteChat's media flag lives in the index (absent or "1" means delete).
        "deleteChat" => json!({
            "delete_media": m.index.get(2).is_none_or(|v| v != "0"),
            "message_range": value
                .and_then(|v| v.delete_chat_action.as_option())
                .and_then(|a| a.message_range.as_option())
                .map(describe_range),
        }),
        "clearChat" => json!({
            "delete_starred": flag(&m.index, 2),
            "delete_media": flag(&m.index, 3),
            "message_range": value
                .and_then(|v| v.clear_chat_action.as_option())
                .and_then(|a| a.message_range.as_option())
                .map(describe_range),
        }),
        "archive" => json!({"archived": value
            .and_then(|v| v.archive_chat_action.as_option())
            .and_then(|a| a.archived)}),
        "pin_v1" => json!({"pinned": value
            .and_then(|v| v.pin_action.as_option())
            .and_then(|a| a.pinned)}),
        "mute" => json!({
            "muted": value.and_then(|v| v.mute_action.as_option()).and_then(|a| a.muted),
            "mute_end_timestamp": value
                .and_then(|v| v.mute_action.as_option())
                .and_then(|a| a.mute_end_timestamp),
        }),
        _ => json!({}),
    };
    if let (Some(obj), Value::Object(more)) = (entry.as_object_mut(), extra) {
        obj.extend(more);
    }
    entry
}

fn describe_range(range: &wa::sync_action_value::SyncActionMessageRange) -> Value {
    json!({
        "last_message_timestamp": range.last_message_timestamp,
        "last_system_message_timestamp": range.last_system_message_timestamp,
        "messages": range.messages.iter().map(|m| {
            let key = m.key.as_option();
            json!({
                "id": key.and_then(|k| k.id.clone()),
                "remote_jid": key.and_then(|k| k.remote_jid.clone()),
                "from_me": key.and_then(|k| k.from_me),
                "timestamp": m.timestamp,
            })
        }).collect::<Vec<_>>(),
    })
}
