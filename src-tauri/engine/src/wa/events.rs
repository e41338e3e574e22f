//! What library events mean for the instance: the state a lifecycle event puts it in
//! (pure, tested without a network), and the forwarder that hands every event the
//! actor cares about over in engine terms.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use whatsapp_rust::prelude::*;
use whatsapp_rust::types::events::{ConnectFailureReason, PairSuccess, Receipt};
use whatsapp_rust::types::presence::ReceiptType;
use whatsapp_rust::wacore::types::call::CallAction;

use super::messages::{CallOffer, HistoryBlob, Incoming};
use crate::conversation::Delivery;
use crate::model::{now_millis, DisconnectReason, InstanceState, LogoutCause, Millis, Profile};
use crate::records::Receipts;

/// What becomes of the running client after a lifecycle event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientFate {
    /// The library keeps (or goes on trying to keep) the connection.
    Runs,
    /// The library stopped the client for good; the stored keys may still be valid.
    Stopped,
    /// WhatsApp revoked this device: the stored keys are dead and must be wiped.
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub state: InstanceState,
    pub fate: ClientFate,
}

/// The state a library event puts the instance in, or `None` when it does not touch
/// the state. Pure, so every mapping is tested without a network.
fn lifecycle(event: &Event, now: Millis) -> Option<Lifecycle> {
    let disconnected = |reason, detail: Option<String>| InstanceState::Disconnected {
        reason,
        detail,
        since: now,
    };
    let reconnecting = |detail: String| InstanceState::Reconnecting {
        detail: Some(detail),
        next_attempt: None,
        since: now,
    };
    let (state, fate) = match event {
        Event::Connected(_) => (InstanceState::Connected { since: now }, ClientFate::Runs),
        Event::Disconnected(d) => (reconnecting(d.reason.to_string()), ClientFate::Runs),
        Event::LoggedOut(out) => match out.reason {
            ConnectFailureReason::AccountLocked => (
                InstanceState::Banned {
                    until: None,
                    since: now,
                },
                ClientFate::Stopped,
            ),
            _ => (
                InstanceState::Loggedout {
                    cause: LogoutCause::Phone,
                    since: now,
                },
                ClientFate::Revoked,
            ),
        },
        Event::TemporaryBan(ban) => (
            InstanceState::Banned {
                until: Some(now.saturating_add(ban.expire.num_milliseconds())),
                since: now,
            },
            ClientFate::Stopped,
        ),
        Event::StreamReplaced(_) => (
            disconnected(DisconnectReason::StreamReplaced, None),
            ClientFate::Stopped,
        ),
        Event::ClientOutdated(_) => (
            disconnected(DisconnectReason::ClientOutdated, None),
            ClientFate::Stopped,
        ),
        Event::ConnectFailure(failure) => {
            let detail = match &failure.message {
                Some(m) => format!("{:?}: {m}", failure.reason),
                None => format!("{:?}", failure.reason),
            };
            if failure.reason.should_reconnect() {
                (reconnecting(detail), ClientFate::Runs)
            } else {
                (
                    disconnected(DisconnectReason::Failed, Some(detail)),
                    ClientFate::Stopped,
                )
            }
        }
        // With a pairing code still outstanding the library keeps the socket open.
        Event::PairingQrCodesExhausted(x) if x.disconnected => (
            disconnected(DisconnectReason::QrExpired, None),
            ClientFate::Stopped,
        ),
        _ => return None,
    };
    Some(Lifecycle { state, fate })
}

/// Everything the actor hears from a running client, in engine terms.
pub(crate) enum SessionEvent {
    Lifecycle(Lifecycle),
    Qr {
        code: String,
        valid_for: Duration,
    },
    PairingCode {
        code: String,
        valid_for: Duration,
    },
    /// The outstanding pairing code is void; WhatsApp wants a fresh one.
    PairingCodeRefresh,
    /// The phone accepted this device; keys are now stored.
    Paired(Profile),
    History(HistoryBlob),
    Messages(Vec<Incoming>),
    ChatDeletedElsewhere {
        chat_jid: String,
        delete_media: bool,
    },
    /// The recipient's phone got, or opened, messages this device sent.
    Receipts(Receipts),
    OwnPushName(String),
    CallOffer(CallOffer),
    /// The instance's proxy failed the chat socket (`proxy_unreachable` or
    /// `proxy_auth_failed`).
    ProxyFailed(crate::error::Error),
}

/// Forwards library events, tagged with the client's generation so the actor can drop
/// what a client it already replaced still says. Runs inline on the library's dispatch
/// path, so it only translates cheap events; history blobs are decoded by the actor.
pub(super) struct Forwarder {
    pub generation: u64,
    pub events: UnboundedSender<(u64, SessionEvent)>,
}

impl Forwarder {
    fn translate(&self, event: &Event) -> Option<SessionEvent> {
        if let Some(change) = lifecycle(event, now_millis()) {
            return Some(SessionEvent::Lifecycle(change));
        }
        Some(match event {
            Event::PairingQrCode(qr) => SessionEvent::Qr {
                code: qr.code.clone(),
                valid_for: qr.timeout,
            },
            Event::PairingCode(code) => SessionEvent::PairingCode {
                code: code.code.clone(),
                valid_for: code.timeout,
            },
            Event::PairingCodeRefresh(_) => SessionEvent::PairingCodeRefresh,
            Event::PairSuccess(ok) => SessionEvent::Paired(paired_profile(ok)),
            Event::HistorySync(blob) => SessionEvent::History(HistoryBlob(blob.clone())),
            Event::Messages(batch) => {
                let incoming: Vec<Incoming> =
                    batch.iter().filter_map(Incoming::from_inbound).collect();
                if incoming.is_empty() {
                    return None;
                }
                SessionEvent::Messages(incoming)
            }
            Event::DeleteChatUpdate(d) => SessionEvent::ChatDeletedElsewhere {
                chat_jid: d.jid.to_non_ad_string(),
                delete_media: d.delete_media,
            },
            Event::Receipt(receipt) => SessionEvent::Receipts(receipts_of(receipt)?),
            Event::SelfPushNameUpdated(p) => SessionEvent::OwnPushName(p.new_name.clone()),
            Event::IncomingCall(call) if matches!(call.action, CallAction::Offer { .. }) => {
                SessionEvent::CallOffer(CallOffer(Box::new(call.clone())))
            }
            _ => return None,
        })
    }

    fn kinds() -> EventInterest {
        EventInterest::of(&[
            EventKind::Connected,
            EventKind::Disconnected,
            EventKind::LoggedOut,
            EventKind::TemporaryBan,
            EventKind::StreamReplaced,
            EventKind::ClientOutdated,
            EventKind::ConnectFailure,
            EventKind::PairingQrCodesExhausted,
            EventKind::PairingQrCode,
            EventKind::PairingCode,
            EventKind::PairingCodeRefresh,
            EventKind::PairSuccess,
            EventKind::HistorySync,
            EventKind::Messages,
            EventKind::DeleteChatUpdate,
            EventKind::Receipt,
            EventKind::SelfPushNameUpdated,
            EventKind::IncomingCall,
        ])
    }
}

impl EventHandler for Forwarder {
    fn handle_event(&self, event: Arc<Event>) {
        if let Some(translated) = self.translate(&event) {
            // A closed channel means the actor is gone; nothing is left to tell.
            let _ = self.events.send((self.generation, translated));
        }
    }

    fn interest(&self) -> EventInterest {
        Self::kinds()
    }
}

/// Delivery and read receipts for messages this device sent; other receipts (our own
/// reads on other devices, retries, played) do not move a delivery state.
fn receipts_of(receipt: &Receipt) -> Option<Receipts> {
    let delivery = match receipt.r#type {
        ReceiptType::Delivered => Delivery::Delivered,
        ReceiptType::Read => Delivery::Read,
        _ => return None,
    };
    if receipt.source.is_from_me || receipt.message_ids.is_empty() {
        return None;
    }
    Some(Receipts {
        chat_jid: receipt.source.chat.to_non_ad_string(),
        message_ids: receipt
            .message_ids
            .iter()
            .map(|id| id.to_string())
            .collect(),
        delivery,
    })
}

fn paired_profile(ok: &PairSuccess) -> Profile {
    Profile {
        phone_jid: Some(ok.id.to_non_ad_string()),
        lid: Some(ok.lid.to_non_ad_string()),
        push_name: None,
        business_name: Some(ok.business_name.clone()).filter(|n| !n.is_empty()),
        picture_url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whatsapp_rust::chrono;
    use whatsapp_rust::types::events::{
        ConnectFailure, Connected, Disconnected, LoggedOut, PairingQrCodesExhausted,
        StreamReplaced, TempBanReason, TemporaryBan,
    };
    use whatsapp_rust::wacore::net::DisconnectReason as WireReason;

    const NOW: Millis = 1_700_000_000_000;

    fn map(event: Event) -> Option<Lifecycle> {
        lifecycle(&event, NOW)
    }

    #[test]
    fn connected_keeps_the_client() {
        let change = map(Event::Connected(Connected::builder().build())).unwrap();
        assert_eq!(change.state, InstanceState::Connected { since: NOW });
        assert_eq!(change.fate, ClientFate::Runs);
    }

    #[test]
    fn unexpected_drop_is_reconnecting_while_the_library_retries() {
        let change = map(Event::Disconnected(
            Disconnected::builder()
                .reason(WireReason::StreamEnded)
                .build(),
        ))
        .unwrap();
        assert_eq!(change.fate, ClientFate::Runs);
        assert_eq!(
            change.state,
            InstanceState::Reconnecting {
                detail: Some("stream ended (EOF)".into()),
                next_attempt: None,
                since: NOW,
            }
        );
    }

    #[test]
    fn unlinked_from_the_phone_is_logged_out_and_revokes_the_keys() {
        for reason in [
            ConnectFailureReason::LoggedOut,
            ConnectFailureReason::UnknownLogout,
        ] {
            let change = map(Event::LoggedOut(
                LoggedOut::builder()
                    .on_connect(false)
                    .reason(reason)
                    .build(),
            ))
            .unwrap();
            assert_eq!(
                change.state,
                InstanceState::Loggedout {
                    cause: LogoutCause::Phone,
                    since: NOW
                }
            );
            assert_eq!(change.fate, ClientFate::Revoked);
        }
    }

    #[test]
    fn account_locked_is_a_permanent_ban() {
        let change = map(Event::LoggedOut(
            LoggedOut::builder()
                .on_connect(true)
                .reason(ConnectFailureReason::AccountLocked)
                .build(),
        ))
        .unwrap();
        assert_eq!(
            change.state,
            InstanceState::Banned {
                until: None,
                since: NOW
            }
        );
        assert_eq!(change.fate, ClientFate::Stopped);
    }

    #[test]
    fn temporary_ban_carries_its_end() {
        let change = map(Event::TemporaryBan(
            TemporaryBan::builder()
                .code(TempBanReason::BlockedByUsers)
                .expire(chrono::Duration::seconds(3600))
                .build(),
        ))
        .unwrap();
        assert_eq!(
            change.state,
            InstanceState::Banned {
                until: Some(NOW + 3_600_000),
                since: NOW
            }
        );
        assert_eq!(change.fate, ClientFate::Stopped);
    }

    #[test]
    fn stream_replaced_stops_the_client() {
        let change = map(Event::StreamReplaced(StreamReplaced::builder().build())).unwrap();
        assert!(matches!(
            change.state,
            InstanceState::Disconnected {
                reason: DisconnectReason::StreamReplaced,
                ..
            }
        ));
        assert_eq!(change.fate, ClientFate::Stopped);
    }

    #[test]
    fn connect_failures_retry_only_when_the_server_says_so() {
        let retry = map(Event::ConnectFailure(
            ConnectFailure::builder()
                .reason(ConnectFailureReason::ServiceUnavailable)
                .build(),
        ))
        .unwrap();
        assert_eq!(retry.fate, ClientFate::Runs);
        assert!(matches!(retry.state, InstanceState::Reconnecting { .. }));
        let fatal = map(Event::ConnectFailure(
            ConnectFailure::builder()
                .reason(ConnectFailureReason::BadUserAgent)
                .message("bad agent".to_string())
                .build(),
        ))
        .unwrap();
        assert_eq!(fatal.fate, ClientFate::Stopped);
        match fatal.state {
            InstanceState::Disconnected { reason, detail, .. } => {
                assert_eq!(reason, DisconnectReason::Failed);
                assert!(detail.unwrap().contains("bad agent"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn qr_exhaustion_expires_the_round_unless_a_code_is_outstanding() {
        let expired = map(Event::PairingQrCodesExhausted(
            PairingQrCodesExhausted::builder()
                .disconnected(true)
                .build(),
        ))
        .unwrap();
        assert!(matches!(
            expired.state,
            InstanceState::Disconnected {
                reason: DisconnectReason::QrExpired,
                ..
            }
        ));
        assert_eq!(expired.fate, ClientFate::Stopped);
        assert!(map(Event::PairingQrCodesExhausted(
            PairingQrCodesExhausted::builder()
                .disconnected(false)
                .build(),
        ))
        .is_none());
    }
}
