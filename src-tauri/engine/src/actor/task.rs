//! The actor task: one per instance. It owns the running client (if any), takes one
//! command at a time (`commands`), and turns the client's events into state and sink
//! calls (`reactions`).

mod commands;
mod liveness;
mod reactions;

use std::collections::HashSet;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::ActorContext;
use crate::error::Result;
use crate::model::{
    now_millis, ConnectVia, DisconnectReason, InstanceState, LogoutOutcome, Profile, Settings,
};
use crate::proxy::Proxy;
use crate::records::LastMessage;
use crate::wa::{self, Remote, Session, SessionEvent, SessionOptions};

/// A QR round that shows no code within this time is given up: the server cannot be
/// reached, and the library would otherwise retry silently forever.
const FIRST_CODE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a pairing-code request waits for the socket.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

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
    Remote(oneshot::Sender<Option<Remote>>),
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
    /// A temporary ban is over: the linked session connects again by itself.
    BanEnds(Instant),
}

impl Deadline {
    fn at(self) -> Instant {
        match self {
            Deadline::FirstCode(at) | Deadline::PairingCodeExpiry(at) | Deadline::BanEnds(at) => at,
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
    /// The client's failed-reconnect count at the last liveness check.
    seen_reconnect_errors: u32,
    /// Since when the liveness checks find the socket closed, checks in a row.
    closed_since: Option<Instant>,
    /// Groups whose subject was asked for in this actor's life (once each).
    named_groups: HashSet<String>,
}

impl Actor {
    pub(crate) fn new(ctx: ActorContext) -> Actor {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        Actor {
            named_groups: HashSet::new(),
            profile: ctx.profile.clone(),
            ctx,
            state: InstanceState::Disconnected {
                reason: DisconnectReason::Idle,
                detail: None,
                since: now_millis(),
            },
            attempt: None,
            generation: 0,
            events_tx,
            events_rx,
            paired: None,
            deadline: None,
            background: JoinSet::new(),
            seen_reconnect_errors: 0,
            closed_since: None,
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut liveness = tokio::time::interval(liveness::CHECK_EVERY);
        liveness.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let deadline = self.deadline;
            let watching = self.watching();
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
                _ = liveness.tick(), if watching => self.check_liveness().await,
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
            Command::Remote(reply) => {
                let remote = match &self.attempt {
                    Some(a) if self.state.is_connected() && a.session.is_connected() => {
                        Some(a.session.remote())
                    }
                    _ => None,
                };
                let _ = reply.send(remote);
            }
            Command::Shutdown(_) => unreachable!("handled by the loop"),
        }
    }

    /// A linked session that is, or was just, connected: its liveness is checked.
    fn watching(&self) -> bool {
        self.attempt_via() == Some(ConnectVia::Reconnect)
            && matches!(
                self.state,
                InstanceState::Connected { .. } | InstanceState::Reconnecting { .. }
            )
    }

    async fn check_liveness(&mut self) {
        let Some(attempt) = &self.attempt else {
            return;
        };
        let health = attempt.session.health();
        let closed_for = if health.live {
            self.closed_since = None;
            Duration::ZERO
        } else {
            self.closed_since.get_or_insert_with(Instant::now).elapsed()
        };
        let seen = liveness::Seen {
            reconnect_errors: std::mem::replace(
                &mut self.seen_reconnect_errors,
                health.reconnect_errors,
            ),
            closed_for,
        };
        if let Some(state) = liveness::judge(&self.state, &health, &seen, now_millis()) {
            self.set_state(state).await;
        }
    }

    // -- helpers -------------------------------------------------------------------

    async fn start(&mut self, via: ConnectVia, phone: Option<String>) -> Result<InstanceState> {
        self.generation += 1;
        self.seen_reconnect_errors = 0;
        self.closed_since = None;
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
            since: now_millis(),
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
        let paired = wa::has_stored_session(&self.ctx.session_db).await?;
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
            InstanceState::Connected { .. }
                | InstanceState::Connecting { .. }
                | InstanceState::Reconnecting { .. }
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
        since: now_millis(),
    }
}

fn expiry(valid_for: Duration) -> crate::model::Millis {
    now_millis().saturating_add(valid_for.as_millis() as i64)
}

/// Equal apart from `since`: a repeated state is not news.
fn same_state(a: &InstanceState, b: &InstanceState) -> bool {
    let forget_since = |s: &InstanceState| {
        let mut s = s.clone();
        match &mut s {
            InstanceState::Disconnected { since, .. }
            | InstanceState::Connecting { since, .. }
            | InstanceState::Connected { since }
            | InstanceState::Reconnecting { since, .. }
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
        let failed = disconnected(DisconnectReason::Failed, None);
        let expired = disconnected(DisconnectReason::QrExpired, None);
        assert!(!same_state(&failed, &expired));
        let waiting = |next_attempt| InstanceState::Reconnecting {
            detail: None,
            next_attempt,
            since: 1,
        };
        assert!(!same_state(&waiting(Some(5)), &waiting(Some(8))));
        let lost = waiting(None);
        assert!(!same_state(&a, &lost));
    }
}
