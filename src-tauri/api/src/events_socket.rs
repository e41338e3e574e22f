//! `/ws`: every engine event as it happens, one JSON text frame each (the same
//! `EngineEvent` the window receives). The same tokens as `/api`, in the `token` header,
//! `Authorization: Bearer`, or `?token=` for browsers that cannot set headers; an
//! instance token receives only its own instance's events. Pings keep the connection
//! alive. Every connection has a bounded queue: a consumer that falls behind is closed
//! with code 1008 and a reason, never buffered without bound.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use switchboard_engine::EngineEvent;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::auth::{self, Caller};
use crate::ryze::{Args, Refusal};
use crate::ApiState;

/// Close codes, with a reason in words beside each.
const NORMAL: u16 = 1000;
const GOING_AWAY: u16 = 1001;
const POLICY: u16 = 1008;

/// How connections are kept alive and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketTuning {
    /// A ping goes out this often; two unanswered in a row close the connection.
    pub heartbeat: Duration,
    /// Events waiting for one consumer; one more closes it as too slow.
    pub queue: usize,
    /// How long one frame may take to leave before the consumer counts as gone.
    pub send_timeout: Duration,
}

impl Default for SocketTuning {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(30),
            queue: 256,
            send_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SocketArgs {
    token: Option<String>,
}

#[utoipa::path(
    get,
    path = "/ws",
    tag = "socket",
    params(("token" = Option<String>, Query, description = "The token, for clients that cannot set headers")),
    security(("token" = []), ("bearer" = []), ()),
    responses(
        (status = 101, description = "Switching to WebSocket: one JSON text frame per engine event (`type` names it: instance_created, state_changed, qr_code, pairing_code, profile_updated, chats_changed, chat_deleted, instance_deleted, ...). Closes with 1008 for a consumer too slow or silent, 1001 when the server stops, 1000 after an instance token's instance is deleted."),
        (status = 401, description = "Invalid token", body = crate::ryze::RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = crate::ryze::RefusalBody),
    )
)]
pub async fn upgrade(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Args(args): Args<SocketArgs>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let token = auth::presented(&headers).or(args.token.as_deref());
    let Some(caller) = token.and_then(|t| auth::identify(&api.account, &api.live, t)) else {
        return Refusal::invalid_token().into_response();
    };
    if let Err(wait) = api.limits.admit(&caller) {
        return Refusal::rate_limited(wait).into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(e) => {
            return Refusal::new(e.status(), "A WebSocket upgrade is required")
                .with_detail(e.body_text())
                .into_response()
        }
    };
    // Subscribed now: nothing between this answer and the first frame is missed.
    let events = api.host.engine().subscribe();
    let tuning = api.config.socket.clone();
    let stop = api.stop.clone();
    upgrade.on_upgrade(move |socket| serve(socket, caller, events, tuning, stop))
}

/// Why the server ends a connection.
struct Closing {
    code: u16,
    reason: String,
}

/// When the close frame goes: after the frames already waiting, or at once (a consumer
/// that cannot keep up would never reach the end of its queue).
enum Ending {
    AfterQueue(Closing),
    Now(Closing),
}

async fn serve(
    socket: WebSocket,
    caller: Caller,
    mut events: broadcast::Receiver<EngineEvent>,
    tuning: SocketTuning,
    mut stop: watch::Receiver<bool>,
) {
    let (sink, mut incoming) = socket.split();
    let (frames, queued) = mpsc::channel::<Message>(tuning.queue.max(1));
    let (close, closing) = oneshot::channel::<Closing>();
    let writer = tokio::spawn(write(sink, queued, closing, tuning.send_timeout));
    let mut heartbeat = tokio::time::interval(tuning.heartbeat);
    heartbeat.tick().await;
    let mut answered = Instant::now();

    let ending = loop {
        tokio::select! {
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => {
                break Some(Ending::AfterQueue(closing_with(GOING_AWAY, "the server is stopping")));
            }
            event = events.recv() => match event {
                Ok(event) if caller.sees(event.instance_id()) => {
                    let own_end = matches!(&event, EngineEvent::InstanceDeleted { .. })
                        && !caller.is_account();
                    let text = serde_json::to_string(&event).unwrap_or_default();
                    if frames.try_send(Message::Text(text.into())).is_err() {
                        break Some(Ending::Now(too_slow(tuning.queue)));
                    }
                    if own_end {
                        break Some(Ending::AfterQueue(closing_with(NORMAL, "the instance was deleted")));
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    let reason = format!("consumer too slow: {missed} events missed");
                    break Some(Ending::Now(closing_with(POLICY, &reason)));
                }
                Err(RecvError::Closed) => {
                    break Some(Ending::AfterQueue(closing_with(GOING_AWAY, "the engine stopped")));
                }
            },
            _ = heartbeat.tick() => {
                if answered.elapsed() > 2 * tuning.heartbeat {
                    break Some(Ending::Now(closing_with(POLICY, "heartbeat not answered")));
                }
                if frames.try_send(Message::Ping(Default::default())).is_err() {
                    break Some(Ending::Now(too_slow(tuning.queue)));
                }
            }
            frame = incoming.next() => match frame {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
                // Any frame proves the consumer is there; pongs are what pings ask for.
                Some(Ok(_)) => answered = Instant::now(),
            },
        }
    };
    let closing_handshake = ending.is_some();
    match ending {
        Some(Ending::Now(closing)) => {
            let _ = close.send(closing);
        }
        Some(Ending::AfterQueue(Closing { code, reason })) => {
            let frame = Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }));
            let _ = tokio::time::timeout(tuning.send_timeout, frames.send(frame)).await;
        }
        None => {}
    }
    drop(frames);
    let _ = writer.await;
    if closing_handshake {
        // The close handshake: the connection ends when the consumer answers the close
        // frame (or stops trying), not under frames it may still be sending.
        let _ = tokio::time::timeout(tuning.send_timeout, async {
            while let Some(Ok(frame)) = incoming.next().await {
                if matches!(frame, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

fn closing_with(code: u16, reason: &str) -> Closing {
    Closing {
        code,
        reason: reason.to_string(),
    }
}

fn too_slow(queue: usize) -> Closing {
    closing_with(
        POLICY,
        &format!("consumer too slow: more than {queue} events waiting"),
    )
}

/// Sends queued frames until the queue ends (a queued close frame ends it too), or the
/// close frame asked for at once. A frame that cannot leave within `send_timeout` ends
/// the connection.
async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut queued: mpsc::Receiver<Message>,
    mut closing: oneshot::Receiver<Closing>,
    send_timeout: Duration,
) {
    loop {
        tokio::select! {
            biased;
            ending = &mut closing => {
                if let Ok(Closing { code, reason }) = ending {
                    let frame = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
                    let _ = tokio::time::timeout(send_timeout, sink.send(frame)).await;
                }
                return;
            }
            frame = queued.recv() => {
                let Some(frame) = frame else { return };
                let last = matches!(frame, Message::Close(_));
                match tokio::time::timeout(send_timeout, sink.send(frame)).await {
                    Ok(Ok(())) if !last => {}
                    _ => return,
                }
            }
        }
    }
}
