//! What the actor does when the engine asks: link by QR or by code, reconnect, log
//! out, delete a chat, take new settings.

use std::time::Duration;

use super::{disconnected, Actor, SOCKET_TIMEOUT};
use crate::error::{Error, Result};
use crate::model::{
    now_millis, ConnectVia, DisconnectReason, InstanceState, LogoutCause, LogoutOutcome, Settings,
};
use crate::paths;
use crate::records::LastMessage;
use crate::validate;
use crate::wa::{self, Session};

/// WhatsApp Web's wait for the remove-companion-device answer.
const DEFAULT_LOGOUT_TIMEOUT: Duration = Duration::from_secs(3);
const DELETE_CHAT_TIMEOUT: Duration = Duration::from_secs(30);

impl Actor {
    pub(super) async fn connect_qr(&mut self) -> Result<InstanceState> {
        if self.state.is_connected() {
            return Ok(self.state.clone());
        }
        if let Some(attempt) = &self.attempt {
            // A QR round is showing codes, or the library is bringing a linked session
            // back: asking again changes nothing.
            if matches!(attempt.via, ConnectVia::Qr | ConnectVia::Reconnect) {
                return Ok(self.state.clone());
            }
        }
        self.proxy()?;
        self.retire_attempt().await;
        if self.is_paired().await? {
            return self.start(ConnectVia::Reconnect, None).await;
        }
        self.start(ConnectVia::Qr, None).await
    }

    pub(super) async fn connect_code(&mut self, phone: String) -> Result<String> {
        validate::pairing_phone(&phone)?;
        if self.state.is_connected() {
            return Err(Error::AlreadyConnected(self.ctx.name.clone()));
        }
        let linked = matches!(&self.attempt, Some(a) if a.via == ConnectVia::Reconnect)
            || (self.attempt.is_none() && self.is_paired().await?);
        if linked {
            return Err(Error::AlreadyLinked(self.ctx.name.clone()));
        }
        self.proxy()?;
        self.retire_attempt().await;
        self.start(ConnectVia::Code, Some(phone.clone())).await?;
        let requested = match &self.attempt {
            Some(attempt) => {
                attempt
                    .session
                    .request_pairing_code(&phone, SOCKET_TIMEOUT)
                    .await
            }
            None => Err(Error::ShuttingDown),
        };
        match requested {
            Ok(code) => Ok(code),
            Err(e) => {
                self.retire_attempt().await;
                self.set_state(disconnected(DisconnectReason::Failed, Some(e.to_string())))
                    .await;
                Err(e)
            }
        }
    }

    pub(super) async fn reconnect(&mut self) -> Result<InstanceState> {
        if self.state.is_connected() {
            return Ok(self.state.clone());
        }
        if matches!(&self.attempt, Some(a) if a.via == ConnectVia::Reconnect) {
            return Ok(self.state.clone());
        }
        if !self.is_paired().await? {
            return Err(Error::NotPaired(self.ctx.name.clone()));
        }
        self.proxy()?;
        self.retire_attempt().await;
        self.start(ConnectVia::Reconnect, None).await
    }

    pub(super) async fn logout(&mut self) -> Result<LogoutOutcome> {
        let timeout = if self.ctx.wa.logout_timeout.is_zero() {
            DEFAULT_LOGOUT_TIMEOUT
        } else {
            self.ctx.wa.logout_timeout
        };
        let mut session = self.attempt.take().map(|a| a.session);
        // A linked device that is not connected right now still deserves to leave the
        // phone's linked-devices list: connect briefly, bounded by the same timeout.
        if session.is_none() && self.is_paired().await.unwrap_or(false) {
            self.generation += 1;
            if let Ok(options) = self.session_options() {
                session = Session::start(&options, self.generation, self.events_tx.clone())
                    .await
                    .ok();
            }
        }
        // Nothing this client says while leaving is news to anyone.
        self.generation += 1;
        self.deadline = None;
        let outcome = match session {
            Some(session) => {
                let outcome = if session.has_identity() && session.wait_connected(timeout).await {
                    if session.remove_device(timeout).await {
                        LogoutOutcome::Confirmed
                    } else {
                        LogoutOutcome::Unconfirmed
                    }
                } else {
                    LogoutOutcome::NotConnected
                };
                session.stop().await;
                outcome
            }
            None => LogoutOutcome::NotConnected,
        };
        paths::wipe_session(&self.ctx.session_db)?;
        self.paired = Some(false);
        self.ctx.sink.paired(&self.ctx.instance_id, false).await;
        self.set_state(InstanceState::Loggedout {
            cause: LogoutCause::User,
            since: now_millis(),
        })
        .await;
        Ok(outcome)
    }

    pub(super) async fn delete_chat(
        &mut self,
        chat_jid: &str,
        delete_media: bool,
        last: Option<LastMessage>,
    ) -> Result<()> {
        let chat = wa::parse_chat_jid(chat_jid)?;
        let range = wa::delete_chat_range(&chat, last.as_ref())?;
        let session = match &self.attempt {
            Some(a) if self.state.is_connected() && a.session.is_connected() => &a.session,
            _ => return Err(Error::NotConnected(self.ctx.name.clone())),
        };
        session
            .delete_chat(&chat, delete_media, range, DELETE_CHAT_TIMEOUT)
            .await
    }

    pub(super) fn update(&mut self, settings: Settings, proxy: Option<String>) {
        let presence_changed = settings.always_online != self.ctx.settings.always_online;
        self.ctx.settings = settings;
        self.ctx.proxy = proxy;
        if presence_changed && self.state.is_connected() {
            self.apply_presence();
        }
    }
}
