//! What the actor does when its client speaks: states, codes, pairing, history,
//! messages (receipts, downloads), chat deletions from the phone, calls; and when a
//! deadline passes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::{disconnected, expiry, Actor, Attempt, Deadline, SOCKET_TIMEOUT};
use crate::actor::media::{self, Download};
use crate::actor::picture;
use crate::error::{Error, ErrorCode};
use crate::model::{now_millis, ConnectVia, DisconnectReason, InstanceState, Profile};
use crate::paths;
use crate::records::{ChatUpsert, MessageUpsert};
use crate::wa::{ClientFate, Incoming, Lifecycle, Remote, SessionEvent};

impl Actor {
    pub(super) async fn on_event(&mut self, event: SessionEvent) {
        let id = self.ctx.instance_id.clone();
        let sink = Arc::clone(&self.ctx.sink);
        match event {
            SessionEvent::Lifecycle(change) => self.on_lifecycle(change).await,
            SessionEvent::Qr { code, valid_for } => {
                if self.attempt_via() == Some(ConnectVia::Qr) {
                    if matches!(self.deadline, Some(Deadline::FirstCode(_))) {
                        self.deadline = None;
                    }
                    sink.qr_code(&id, code, expiry(valid_for)).await;
                }
            }
            SessionEvent::PairingCode { code, valid_for } => {
                if let Some(Attempt {
                    via: ConnectVia::Code,
                    phone: Some(phone),
                    ..
                }) = &self.attempt
                {
                    let phone = phone.clone();
                    self.deadline = Some(Deadline::PairingCodeExpiry(Instant::now() + valid_for));
                    sink.pairing_code(&id, code, phone, expiry(valid_for)).await;
                }
            }
            SessionEvent::PairingCodeRefresh => self.refresh_pairing_code().await,
            SessionEvent::Paired(profile) => {
                self.paired = Some(true);
                self.deadline = None;
                if let Some(attempt) = &mut self.attempt {
                    // From now on this client runs a linked session.
                    attempt.via = ConnectVia::Reconnect;
                }
                sink.paired(&id, true).await;
                self.merge_profile(profile).await;
            }
            SessionEvent::History(blob) => {
                let decoded = tokio::task::spawn_blocking(move || blob.decode()).await;
                let Ok((mut chats, mut messages)) = decoded else {
                    tracing::warn!(instance = %id, "decoding a history sync failed");
                    return;
                };
                if self.ctx.settings.ignore_groups {
                    chats.retain(|c| !c.jid.ends_with("@g.us"));
                    messages.retain(|m| !m.chat_jid.ends_with("@g.us"));
                }
                if !chats.is_empty() {
                    sink.chats(&id, chats).await;
                }
                if !messages.is_empty() {
                    sink.messages(&id, messages).await;
                }
            }
            SessionEvent::Messages(incoming) => self.on_messages(incoming).await,
            SessionEvent::ChatDeletedElsewhere {
                chat_jid,
                delete_media,
            } => {
                sink.remote_chat_deleted(&id, chat_jid, delete_media).await;
            }
            SessionEvent::Receipts(receipts) => sink.delivery(&id, receipts).await,
            SessionEvent::OwnPushName(name) => {
                self.merge_profile(Profile {
                    push_name: Some(name),
                    ..Profile::default()
                })
                .await;
            }
            SessionEvent::ProxyFailed(error) => self.proxy_failed(error).await,
            SessionEvent::CallOffer(offer) => {
                if !self.ctx.settings.reject_calls {
                    return;
                }
                let Some(remote) = self.attempt.as_ref().map(|a| a.session.remote()) else {
                    return;
                };
                let reply = self.ctx.settings.reject_call_message.clone();
                tracing::info!(instance = %id, caller = %offer.caller(), "rejecting a call");
                self.background.spawn(async move {
                    remote.reject_call(&offer, reply.as_deref()).await;
                });
            }
        }
    }

    async fn on_lifecycle(&mut self, change: Lifecycle) {
        let Lifecycle { state, fate } = change;
        match fate {
            ClientFate::Runs => {}
            ClientFate::Stopped => self.retire_attempt().await,
            ClientFate::Revoked => {
                self.retire_attempt().await;
                if let Err(e) = paths::wipe_session(&self.ctx.session_db) {
                    tracing::error!(instance = %self.ctx.instance_id, "wiping the revoked session failed: {e}");
                }
                self.paired = Some(false);
                self.ctx.sink.paired(&self.ctx.instance_id, false).await;
            }
        }
        let state = match (&self.state, state) {
            // One outage, however many drops it takes: it began when the first one did.
            (
                InstanceState::Reconnecting {
                    since,
                    next_attempt,
                    ..
                },
                InstanceState::Reconnecting { detail, .. },
            ) => InstanceState::Reconnecting {
                detail,
                next_attempt: *next_attempt,
                since: *since,
            },
            (_, state) => state,
        };
        if let InstanceState::Banned {
            until: Some(until), ..
        } = state
        {
            let left = Duration::from_millis(until.saturating_sub(now_millis()).max(0) as u64);
            self.deadline = Some(Deadline::BanEnds(Instant::now() + left));
        }
        let connected = state.is_connected();
        self.set_state(state).await;
        if connected {
            self.deadline = None;
            self.on_connected().await;
        }
    }

    async fn on_connected(&mut self) {
        let Some(attempt) = &mut self.attempt else {
            return;
        };
        attempt.via = ConnectVia::Reconnect;
        let own = attempt.session.own_profile();
        let remote = attempt.session.remote();
        self.paired = Some(true);
        self.merge_profile(own).await;
        self.apply_presence();
        // Business name and picture need round trips; connecting never waits for them.
        let sink = Arc::clone(&self.ctx.sink);
        let id = self.ctx.instance_id.clone();
        let picture_file = self.ctx.picture_file.clone();
        let mut profile = self.profile.clone();
        self.background.spawn(async move {
            let (business, picture) = remote.profile_extras().await;
            if business.is_none() && picture.is_none() {
                return;
            }
            if let Some(url) = &picture {
                let stored = profile.picture_url.as_deref();
                if let Err(e) = picture::refresh(&remote, url, stored, &picture_file).await {
                    tracing::warn!(instance = %id, code = %e.code(), "profile picture not kept: {e}");
                }
            }
            profile.business_name = business.or(profile.business_name);
            profile.picture_url = picture.or(profile.picture_url);
            sink.profile(&id, profile).await;
        });
    }

    async fn on_messages(&mut self, mut incoming: Vec<Incoming>) {
        if self.ctx.settings.ignore_groups {
            incoming.retain(|m| !m.is_group);
        }
        if incoming.is_empty() {
            return;
        }
        let id = self.ctx.instance_id.clone();
        let sink = Arc::clone(&self.ctx.sink);
        sink.chats(&id, chats_of(&incoming)).await;
        sink.messages(&id, incoming.iter().map(|m| m.upsert.clone()).collect())
            .await;

        let Some(remote) = self.attempt.as_ref().map(|a| a.session.remote()) else {
            return;
        };
        self.ask_group_subjects(&remote, &incoming);
        if self.ctx.settings.mark_messages_read {
            let remote = remote.clone();
            let receipts: Vec<_> = incoming.iter().map(|m| m.receipt.clone()).collect();
            self.background.spawn(async move {
                remote.mark_read(&receipts).await;
            });
        }
        if self.ctx.settings.auto_download_media {
            for message in incoming {
                let MessageUpsert {
                    chat_jid,
                    id: message_id,
                    kind,
                    source: Some(source),
                    ..
                } = message.upsert
                else {
                    continue;
                };
                let job = Download {
                    instance_id: id.clone(),
                    media_dir: self.ctx.media_dir.clone(),
                    chat_jid,
                    message_id,
                    kind,
                    source,
                };
                self.background
                    .spawn(media::save(remote.clone(), job, Arc::clone(&sink)));
            }
        }
    }

    /// A group's subject comes from a group query, once per group in the actor's life.
    fn ask_group_subjects(&mut self, remote: &Remote, incoming: &[Incoming]) {
        for message in incoming.iter().filter(|m| m.is_group) {
            let jid = message.upsert.chat_jid.clone();
            if !self.named_groups.insert(jid.clone()) {
                continue;
            }
            let (remote, sink, id) = (
                remote.clone(),
                Arc::clone(&self.ctx.sink),
                self.ctx.instance_id.clone(),
            );
            self.background.spawn(async move {
                if let Some(subject) = remote.group_subject(&jid).await {
                    let named = ChatUpsert {
                        jid,
                        name: Some(subject),
                        push_name: None,
                    };
                    sink.chats(&id, vec![named]).await;
                }
            });
        }
    }

    /// A proxy that fails is said at once. A link or first connect stops on it (the
    /// library would retry silently); a session that was up keeps trying, and its outage
    /// says why.
    async fn proxy_failed(&mut self, error: Error) {
        tracing::warn!(instance = %self.ctx.instance_id, code = %error.code(), "{error}");
        let detail = Some(error.to_string());
        if let InstanceState::Reconnecting {
            since,
            next_attempt,
            ..
        } = self.state
        {
            let state = InstanceState::Reconnecting {
                detail,
                next_attempt,
                since,
            };
            return self.set_state(state).await;
        }
        if self.state.is_connected() {
            return;
        }
        let reason = match error.code() {
            ErrorCode::ProxyAuthFailed => DisconnectReason::ProxyAuthFailed,
            _ => DisconnectReason::ProxyUnreachable,
        };
        self.retire_attempt().await;
        self.set_state(disconnected(reason, detail)).await;
    }

    async fn refresh_pairing_code(&mut self) {
        let Some(Attempt {
            session,
            via: ConnectVia::Code,
            phone: Some(phone),
        }) = &self.attempt
        else {
            return;
        };
        // The new code reaches the sink through the PairingCode event.
        let requested = session.request_pairing_code(phone, SOCKET_TIMEOUT).await;
        if let Err(e) = requested {
            self.retire_attempt().await;
            self.set_state(disconnected(DisconnectReason::Failed, Some(e.to_string())))
                .await;
        }
    }

    pub(super) async fn deadline_passed(&mut self) {
        let Some(deadline) = self.deadline.take() else {
            return;
        };
        let (reason, detail) = match deadline {
            Deadline::BanEnds(_) => return self.ban_ended().await,
            Deadline::FirstCode(_) => (
                DisconnectReason::Failed,
                Some("WhatsApp could not be reached: no QR code arrived".to_string()),
            ),
            Deadline::PairingCodeExpiry(_) => (DisconnectReason::PairCodeExpired, None),
        };
        self.retire_attempt().await;
        self.set_state(disconnected(reason, detail)).await;
    }

    /// A temporary ban is over: connect the linked session again, as if asked to. A
    /// session that is gone (or a ban WhatsApp extends) says so through the state.
    async fn ban_ended(&mut self) {
        tracing::info!(instance = %self.ctx.instance_id, "the temporary ban is over; reconnecting");
        if let Err(e) = self.reconnect().await {
            tracing::warn!(instance = %self.ctx.instance_id, code = %e.code(), "reconnect after the ban failed: {e}");
        }
    }
}

/// The chats of incoming messages; a 1:1 chat carries the push name its contact sent.
fn chats_of(incoming: &[Incoming]) -> Vec<ChatUpsert> {
    let mut chats: BTreeMap<String, ChatUpsert> = BTreeMap::new();
    for message in incoming {
        let upsert = &message.upsert;
        let chat = chats
            .entry(upsert.chat_jid.clone())
            .or_insert_with(|| ChatUpsert {
                jid: upsert.chat_jid.clone(),
                ..ChatUpsert::default()
            });
        if !message.is_group && !upsert.from_me && upsert.sender_name.is_some() {
            chat.push_name = upsert.sender_name.clone();
        }
    }
    chats.into_values().collect()
}
