//! The actor task: one per instance. It owns the running client (if any), takes one
//! command at a time, and turns the client's events into state and sink calls.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::media::{self, Download};
use super::picture;
use super::{ActorContext, ChatUpsert, LastMessage};
use crate::error::{Error, Result};
use crate::model::{
    ConnectVia, DisconnectReason, InstanceState, LogoutCause, LogoutOutcome, Profile, Settings,
};
use crate::proxy::Proxy;
use crate::whatsapp::{
    self, ClientFate, Incoming, Lifecycle, Session, SessionEvent, SessionOptions,
};

/// A QR round that shows no code within this time is given up: the server cannot be
/// reached, and the library would otherwise retry silently forever.
const FIRST_CODE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a pairing-code request waits for the socket.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(20);
/// WhatsApp Web's wait for the remove-companion-device answer.
const DEFAULT_LOGOUT_TIMEOUT: Duration = Duration::from_secs(3);
const DELETE_CHAT_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) enum Command {
    ConnectQr(oneshot::Sender<Result<InstanceState>>),
    ConnectCode(String, oneshot::Sender<Result<String>>),
    Reconnect(oneshot::Sender<Result<InstanceState>>),
    Logout(oneshot::Sender<Result<LogoutOutcome>>),
    DeleteChat {
        chat_jid: String,
        delete_media: bool,
        last: Option<LastMessage>,
        reply: oneshot::Sender<Result<()>>,
    },
    Update {
        settings: Settings,
        proxy: Option<String>,
        reply: oneshot::Sender<()>,
    },
    State(oneshot::Sender<InstanceState>),
    Shutdown(oneshot::Sender<()>),
}

/// The running client and what it was started for.
struct Attempt {
    session: Session,
    via: ConnectVia,
    /// The number a pairing code was asked for (code attempts only).
    phone: Option<String>,
}

/// A moment at which the current attempt is given up.
#[derive(Clone, Copy)]
enum Deadline {
    FirstCode(Instant),
    PairingCodeExpiry(Instant),
}

impl Deadline {
    fn at(self) -> Instant {
        match self {
            Deadline::FirstCode(at) | Deadline::PairingCodeExpiry(at) => at,
        }
    }
}

pub(crate) struct Actor {
    ctx: ActorContext,
    state: InstanceState,
    profile: Profile,
    attempt: Option<Attempt>,
    /// Bumped for every client built or retired; events of older clients are dropped.
    generation: u64,
    events_tx: mpsc::UnboundedSender<(u64, SessionEvent)>,
    events_rx: mpsc::UnboundedReceiver<(u64, SessionEvent)>,
    /// Whether the store holds a linked device; read from disk on first need.
    paired: Option<bool>,
    deadline: Option<Deadline>,
    /// Downloads and look-ups running beside the actor; ended with it.
    background: JoinSet<()>,
}

impl Actor {
    pub(crate) fn new(ctx: ActorContext) -> Actor {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        Actor {
            ctx,
            state: InstanceState::Disconnected {
                reason: DisconnectReason::Idle,
                detail: None,
                since: whatsapp::now_millis(),
            },
            profile: Profile::default(),
            attempt: None,
            generation: 0,
            events_tx,
            events_rx,
            paired: None,
            deadline: None,
            background: JoinSet::new(),
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            let deadline = self.deadline;
            let far = Instant::now() + Duration::from_secs(86_400);
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Shutdown(reply)) => {
                        self.close().await;
                        let _ = reply.send(());
                        return;
                    }
                    Some(command) => Box::pin(self.handle(command)).await,
                    None => break,
                },
                Some((generation, event)) = self.events_rx.recv() => {
                    if generation == self.generation {
                        Box::pin(self.on_event(event)).await;
                    }
                }
                _ = tokio::time::sleep_until(deadline.map_or(far, Deadline::at)), if deadline.is_some() => {
                    self.deadline_passed().await;
                }
                Some(_) = self.background.join_next(), if !self.background.is_empty() => {}
            }
        }
        // Every handle is gone without a shutdown: still stop the client cleanly.
        self.close().await;
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::ConnectQr(reply) => {
                let _ = reply.send(self.connect_qr().await);
            }
            Command::ConnectCode(phone, reply) => {
                let _ = reply.send(self.connect_code(phone).await);
            }
            Command::Reconnect(reply) => {
                let _ = reply.send(self.reconnect().await);
            }
            Command::Logout(reply) => {
                let _ = reply.send(self.logout().await);
            }
            Command::DeleteChat {
                chat_jid,
                delete_media,
                last,
                reply,
            } => {
                let _ = reply.send(self.delete_chat(&chat_jid, delete_media, last).await);
            }
            Command::Update {
                settings,
                proxy,
                reply,
            } => {
                self.update(settings, proxy);
                let _ = reply.send(());
            }
            Command::State(reply) => {
                let _ = reply.send(self.state.clone());
            }
            Command::Shutdown(_) => unreachable!("handled by the loop"),
        }
    }

    // -- commands ------------------------------------------------------------------

    async fn connect_qr(&mut self) -> Result<InstanceState> {
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

    async fn connect_code(&mut self, phone: String) -> Result<String> {
        if !is_phone_digits(&phone) {
            return Err(Error::InvalidPhone(format!(
                "'{}' is not a phone number: 6 to 15 digits with the country code, not starting with 0",
                phone.escape_debug()
            )));
        }
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

    async fn reconnect(&mut self) -> Result<InstanceState> {
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

    async fn logout(&mut self) -> Result<LogoutOutcome> {
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
        whatsapp::remove_session_files(&self.ctx.session_db)?;
        self.paired = Some(false);
        self.ctx.sink.paired(&self.ctx.instance_id, false).await;
        self.set_state(InstanceState::Loggedout {
            cause: LogoutCause::User,
            since: whatsapp::now_millis(),
        })
        .await;
        Ok(outcome)
    }

    async fn delete_chat(
        &mut self,
        chat_jid: &str,
        delete_media: bool,
        last: Option<LastMessage>,
    ) -> Result<()> {
        let chat = whatsapp::parse_chat_jid(chat_jid)?;
        let range = whatsapp::delete_chat_range(&chat, last.as_ref())?;
        let session = match &self.attempt {
            Some(a) if self.state.is_connected() && a.session.is_connected() => &a.session,
            _ => return Err(Error::NotConnected(self.ctx.name.clone())),
        };
        session
            .delete_chat(&chat, delete_media, range, DELETE_CHAT_TIMEOUT)
            .await
    }

    fn update(&mut self, settings: Settings, proxy: Option<String>) {
        let presence_changed = settings.always_online != self.ctx.settings.always_online;
        self.ctx.settings = settings;
        self.ctx.proxy = proxy;
        if presence_changed && self.state.is_connected() {
            self.apply_presence();
        }
    }

    // -- events --------------------------------------------------------------------

    async fn on_event(&mut self, event: SessionEvent) {
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
                if self.attempt_via() == Some(ConnectVia::Code) {
                    self.deadline = Some(Deadline::PairingCodeExpiry(Instant::now() + valid_for));
                    sink.pairing_code(&id, code, expiry(valid_for)).await;
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
            SessionEvent::OwnPushName(name) => {
                self.merge_profile(Profile {
                    push_name: Some(name),
                    ..Profile::default()
                })
                .await;
            }
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
                if let Err(e) = whatsapp::remove_session_files(&self.ctx.session_db) {
                    tracing::error!(instance = %self.ctx.instance_id, "wiping the revoked session failed: {e}");
                }
                self.paired = Some(false);
                self.ctx.sink.paired(&self.ctx.instance_id, false).await;
            }
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
                    tracing::warn!(instance = %id, code = e.code(), "profile picture not kept: {e}");
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
        let chats: BTreeSet<String> = incoming.iter().map(|m| m.upsert.chat_jid.clone()).collect();
        sink.chats(
            &id,
            chats
                .into_iter()
                .map(|jid| ChatUpsert { jid, name: None })
                .collect(),
        )
        .await;
        sink.messages(&id, incoming.iter().map(|m| m.upsert.clone()).collect())
            .await;

        let Some(remote) = self.attempt.as_ref().map(|a| a.session.remote()) else {
            return;
        };
        if self.ctx.settings.mark_messages_read {
            let remote = remote.clone();
            let receipts: Vec<_> = incoming.iter().map(|m| m.receipt.clone()).collect();
            self.background.spawn(async move {
                remote.mark_read(&receipts).await;
            });
        }
        if self.ctx.settings.auto_download_media {
            for message in incoming {
                let Some(media) = message.media else {
                    continue;
                };
                let job = Download {
                    instance_id: id.clone(),
                    media_dir: self.ctx.media_dir.clone(),
                    chat_jid: message.upsert.chat_jid,
                    message_id: message.upsert.id,
                    media,
                };
                self.background
                    .spawn(media::save(remote.clone(), job, Arc::clone(&sink)));
            }
        }
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

    async fn deadline_passed(&mut self) {
        let Some(deadline) = self.deadline.take() else {
            return;
        };
        let (reason, detail) = match deadline {
            Deadline::FirstCode(_) => (
                DisconnectReason::Failed,
                Some("WhatsApp could not be reached: no QR code arrived".to_string()),
            ),
            Deadline::PairingCodeExpiry(_) => (DisconnectReason::PairCodeExpired, None),
        };
        self.retire_attempt().await;
        self.set_state(disconnected(reason, detail)).await;
    }

    // -- helpers -------------------------------------------------------------------

    async fn start(&mut self, via: ConnectVia, phone: Option<String>) -> Result<InstanceState> {
        self.generation += 1;
        let options = self.session_options()?;
        let started = Session::start(&options, self.generation, self.events_tx.clone()).await;
        let session = match started {
            Ok(session) => session,
            Err(e) => {
                self.set_state(disconnected(DisconnectReason::Failed, Some(e.to_string())))
                    .await;
                return Err(e);
            }
        };
        self.attempt = Some(Attempt {
            session,
            via,
            phone,
        });
        self.deadline = (via == ConnectVia::Qr)
            .then(|| Deadline::FirstCode(Instant::now() + FIRST_CODE_TIMEOUT));
        self.set_state(InstanceState::Connecting {
            via,
            since: whatsapp::now_millis(),
        })
        .await;
        Ok(self.state.clone())
    }

    fn session_options(&self) -> Result<SessionOptions<'_>> {
        Ok(SessionOptions {
            session_db: &self.ctx.session_db,
            server_url: self.ctx.wa.server_url.as_deref(),
            proxy: self.proxy()?,
        })
    }

    /// Stops the running client, if any, and forgets what it may still say.
    async fn retire_attempt(&mut self) {
        self.generation += 1;
        self.deadline = None;
        if let Some(attempt) = self.attempt.take() {
            attempt.session.stop().await;
        }
    }

    async fn is_paired(&mut self) -> Result<bool> {
        if let Some(paired) = self.paired {
            return Ok(paired);
        }
        let paired = whatsapp::has_stored_session(&self.ctx.session_db).await?;
        self.paired = Some(paired);
        Ok(paired)
    }

    /// The instance's proxy, read before anything changes: a proxy that cannot be used
    /// refuses the connect, never connects around it.
    fn proxy(&self) -> Result<Option<Proxy>> {
        self.ctx.proxy.as_deref().map(Proxy::parse).transpose()
    }

    fn attempt_via(&self) -> Option<ConnectVia> {
        self.attempt.as_ref().map(|a| a.via)
    }

    fn apply_presence(&mut self) {
        let Some(remote) = self.attempt.as_ref().map(|a| a.session.remote()) else {
            return;
        };
        let online = self.ctx.settings.always_online;
        self.background
            .spawn(async move { remote.set_online(online).await });
    }

    async fn merge_profile(&mut self, update: Profile) {
        let merged = Profile {
            phone_jid: update.phone_jid.or(self.profile.phone_jid.take()),
            lid: update.lid.or(self.profile.lid.take()),
            push_name: update.push_name.or(self.profile.push_name.take()),
            business_name: update.business_name.or(self.profile.business_name.take()),
            picture_url: update.picture_url.or(self.profile.picture_url.take()),
        };
        self.profile = merged.clone();
        self.ctx.sink.profile(&self.ctx.instance_id, merged).await;
    }

    /// Records and announces a state, unless it only repeats the current one.
    async fn set_state(&mut self, state: InstanceState) {
        if same_state(&self.state, &state) {
            return;
        }
        self.state = state.clone();
        self.ctx
            .sink
            .state_changed(&self.ctx.instance_id, state)
            .await;
    }

    /// Stops everything the actor runs; the instance is no longer live.
    async fn close(&mut self) {
        self.retire_attempt().await;
        self.background.abort_all();
        while self.background.join_next().await.is_some() {}
        if matches!(
            self.state,
            InstanceState::Connected { .. } | InstanceState::Connecting { .. }
        ) {
            self.set_state(disconnected(DisconnectReason::Idle, None))
                .await;
        }
    }
}

fn disconnected(reason: DisconnectReason, detail: Option<String>) -> InstanceState {
    InstanceState::Disconnected {
        reason,
        detail,
        since: whatsapp::now_millis(),
    }
}

fn expiry(valid_for: Duration) -> crate::model::Millis {
    whatsapp::now_millis().saturating_add(valid_for.as_millis() as i64)
}

fn is_phone_digits(s: &str) -> bool {
    (6..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// Equal apart from `since`: a repeated state is not news.
fn same_state(a: &InstanceState, b: &InstanceState) -> bool {
    let forget_since = |s: &InstanceState| {
        let mut s = s.clone();
        match &mut s {
            InstanceState::Disconnected { since, .. }
            | InstanceState::Connecting { since, .. }
            | InstanceState::Connected { since }
            | InstanceState::Loggedout { since, .. }
            | InstanceState::Banned { since, .. } => *since = 0,
        }
        s
    };
    forget_since(a) == forget_since(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_states_are_not_news() {
        let a = InstanceState::Connected { since: 1 };
        let b = InstanceState::Connected { since: 2 };
        assert!(same_state(&a, &b));
        let lost = disconnected(DisconnectReason::ConnectionLost, None);
        let expired = disconnected(DisconnectReason::QrExpired, None);
        assert!(!same_state(&lost, &expired));
        assert!(!same_state(&a, &lost));
    }

    #[test]
    fn phone_digits_follow_the_international_format() {
        assert!(is_phone_digits("5511999999999"));
        assert!(!is_phone_digits("05511999999"));
        assert!(!is_phone_digits("+5511999999999"));
        assert!(!is_phone_digits("12345"));
        assert!(!is_phone_digits("1234567890123456"));
    }
}
