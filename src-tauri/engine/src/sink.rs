//! What actors report (states, codes, profile, chats, messages, media, deletions from
//! the phone) becomes registry state, rows and events here. Sink calls cannot fail
//! back into the actor: errors are logged.

use std::collections::BTreeSet;

use serde::Serialize;
use tracing::warn;

use crate::actor::SessionSink;
use crate::chat_store;
use crate::db;
use crate::engine::{Engine, WeakEngine};
use crate::error::Result;
use crate::events::EngineEvent;
use crate::model::{
    now_millis, ChatDeleteOrigin, InstanceState, Millis, Profile, TimelineEvent, WebhookEvent,
};
use crate::records::{ChatUpsert, MediaSaved, MessageUpsert, Receipts};
use crate::timeline;
use crate::validate;
use crate::webhook::MessageData;

/// Holds the engine weakly: actors live inside the engine and must not keep it alive.
pub struct EngineSink {
    engine: WeakEngine,
}

impl EngineSink {
    pub(crate) fn new(engine: WeakEngine) -> EngineSink {
        EngineSink { engine }
    }

    /// The engine, if it is still open and the instance still exists.
    fn engine_for(&self, instance_id: &str) -> Option<Engine> {
        let engine = self.engine.upgrade()?;
        engine.registry().get(instance_id)?;
        Some(engine)
    }
}

/// Sink calls cannot fail back into the actor: a failure is logged, as what it means
/// (a deletion that took the instance meanwhile is no storage failure).
fn log_failure(engine: &Engine, instance_id: &str, what: &str, result: Result<()>) {
    if let Err(e) = result {
        let e = engine.explain(instance_id, &engine.name_of(instance_id), e);
        warn!(%instance_id, code = %e.code(), error = %e, "could not store {what}");
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QrData<'a> {
    code: &'a str,
    expires_at: Millis,
}

#[async_trait::async_trait]
impl SessionSink for EngineSink {
    async fn state_changed(&self, instance_id: &str, state: InstanceState) {
        if let Some(engine) = self.engine_for(instance_id) {
            log_failure(
                &engine,
                instance_id,
                "a state",
                engine.set_state(instance_id, state).await,
            );
        }
    }

    async fn qr_code(&self, instance_id: &str, code: String, expires_at: Millis) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let data = QrData {
            code: &code,
            expires_at,
        };
        engine
            .webhook(instance_id, WebhookEvent::QrUpdated, &data)
            .await;
        engine.emit(EngineEvent::QrCode {
            instance_id: instance_id.to_string(),
            code,
            issued_at: now_millis(),
            expires_at,
        });
    }

    async fn pairing_code(
        &self,
        instance_id: &str,
        code: String,
        phone: String,
        expires_at: Millis,
    ) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        engine.emit(EngineEvent::PairingCode {
            instance_id: instance_id.to_string(),
            code,
            phone,
            expires_at,
        });
    }

    async fn profile(&self, instance_id: &str, profile: Profile) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        log_failure(
            &engine,
            instance_id,
            "a profile",
            db::store_profile(engine.db(), instance_id, &profile).await,
        );
        engine.emit(EngineEvent::ProfileUpdated {
            instance_id: instance_id.to_string(),
            profile,
        });
    }

    async fn paired(&self, instance_id: &str, paired: bool) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        log_failure(
            &engine,
            instance_id,
            "the paired flag",
            db::set_paired(engine.db(), instance_id, paired).await,
        );
        if paired {
            log_failure(
                &engine,
                instance_id,
                "the link in the timeline",
                timeline::record(engine.db(), instance_id, &TimelineEvent::Linked).await,
            );
        }
        // The window offers logout only for a paired instance: tell it at once.
        if let Err(e) = engine.instance_updated(instance_id).await {
            warn!(%instance_id, code = %e.code(), error = %e, "could not announce the paired flag");
        }
    }

    async fn chats(&self, instance_id: &str, chats: Vec<ChatUpsert>) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        log_failure(
            &engine,
            instance_id,
            "chats",
            chat_store::store_chats(engine.db(), instance_id, &chats).await,
        );
        engine.emit(EngineEvent::ChatsChanged {
            instance_id: instance_id.to_string(),
        });
    }

    async fn messages(&self, instance_id: &str, messages: Vec<MessageUpsert>) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let new = match chat_store::store_messages(engine.db(), instance_id, &messages).await {
            Ok(new) => new,
            Err(e) => {
                log_failure(&engine, instance_id, "messages", Err(e));
                return;
            }
        };
        if new.is_empty() {
            return;
        }
        let data: Vec<MessageData> = new.iter().map(|&i| MessageData::of(&messages[i])).collect();
        engine
            .webhook(instance_id, WebhookEvent::MessagesUpsert, &data)
            .await;
        engine.emit(EngineEvent::ChatsChanged {
            instance_id: instance_id.to_string(),
        });
        let chats: BTreeSet<&str> = new.iter().map(|&i| messages[i].chat_jid.as_str()).collect();
        for chat in chats {
            engine.emit(EngineEvent::MessagesAdded {
                instance_id: instance_id.to_string(),
                chat_jid: chat_store::canonical(chat),
            });
        }
    }

    async fn media_saved(&self, instance_id: &str, media: MediaSaved) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let kept = engine.keep_media(instance_id, &media).await;
        log_failure(&engine, instance_id, "a media file", kept.map(|_| ()));
    }

    async fn delivery(&self, instance_id: &str, receipts: Receipts) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let chat = chat_store::canonical(&receipts.chat_jid);
        let mut early = engine.early_receipts().lock().await;
        match chat_store::set_delivery(engine.db(), instance_id, &receipts).await {
            Ok(moved) => {
                for id in receipts.message_ids.iter().filter(|id| !moved.contains(id)) {
                    early.keep(instance_id, &chat, id, receipts.delivery);
                }
                drop(early);
                engine
                    .announce_delivery(instance_id, &chat, moved, receipts.delivery)
                    .await;
            }
            Err(e) => log_failure(&engine, instance_id, "receipts", Err(e)),
        }
    }

    async fn remote_chat_deleted(&self, instance_id: &str, chat_jid: String, delete_media: bool) {
        let Some(engine) = self.engine_for(instance_id) else {
            return;
        };
        let jid = match validate::chat_jid(&chat_jid) {
            Ok(jid) => jid,
            Err(e) => {
                warn!(%instance_id, code = %e.code(), "ignoring a chat deletion for an unusable JID");
                return;
            }
        };
        let applied = engine
            .apply_chat_deletion(instance_id, &jid, delete_media, ChatDeleteOrigin::Phone)
            .await;
        log_failure(
            &engine,
            instance_id,
            "a chat deletion from the phone",
            applied.map(drop),
        );
    }
}
