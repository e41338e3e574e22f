//! One websocket connection: Noise handshake, then encrypted stanzas both ways.

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::freeze::hold_while_frozen;
use crate::noise_server::{ClientHello, Progress};
use crate::registry::{ConnHandle, Outbound};
use crate::session::Session;
use crate::wire::{plain_frame, FrameReader, SecureChannel};
use crate::Shared;

pub async fn serve(socket: WebSocket, shared: Arc<Shared>) {
    let id = shared.registry.next_conn_id();
    if let Err(e) = run(socket, shared.clone(), id).await {
        debug!(conn = id, "connection ended: {e:#}");
    }
    shared.registry.connection_closed(id);
    info!(conn = id, "connection closed");
}

struct Io {
    sink: SplitSink<WebSocket, Message>,
    stream: SplitStream<WebSocket>,
    reader: FrameReader,
}

impl Io {
    /// Reads until one whole frame arrived.
    async fn next_frame(&mut self) -> Result<Vec<u8>> {
        loop {
            if let Some(frame) = self.reader.next_frame() {
                return Ok(frame);
            }
            self.read_more().await?;
        }
    }

    async fn read_more(&mut self) -> Result<()> {
        match self.stream.next().await {
            Some(Ok(Message::Binary(data))) => self.reader.feed(&data),
            Some(Ok(Message::Close(_))) | None => bail!("client closed the socket"),
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(anyhow!("websocket: {e}")),
        }
    }

    async fn send(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.sink.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }
}

async fn run(socket: WebSocket, shared: Arc<Shared>, id: u64) -> Result<()> {
    let (sink, stream) = socket.split();
    let mut io = Io {
        sink,
        stream,
        reader: FrameReader::new(),
    };
    let hello = ClientHello::decode(&io.next_frame().await?)?;
    let (pattern, progress) = shared.identity.respond(&hello)?;
    shared.registry.count_handshake(pattern);
    let established = match progress {
        Progress::Done(done, reply) => {
            io.send(plain_frame(&reply)?).await?;
            debug!(conn = id, "IK handshake accepted");
            *done
        }
        Progress::AwaitFinish(pending, reply) => {
            io.send(plain_frame(&reply)?).await?;
            let finish = io.next_frame().await?;
            debug!(conn = id, "XX handshake finished");
            pending.finish(&finish)?
        }
    };
    let device = established
        .payload
        .username
        .zip(established.payload.device)
        .map(|(user, device)| (user.to_string(), device));
    let mut frozen = shared.freezer.watch();
    let mut channel = SecureChannel::new(established.keys);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = ConnHandle { id, tx };
    let (mut session, first) = Session::start(
        shared,
        conn,
        established.client_static,
        &established.payload,
    )
    .await;
    hold_while_frozen(&mut frozen, device.as_ref()).await;
    for out in first {
        if deliver(&mut io, &mut channel, out).await? {
            return Ok(());
        }
    }
    loop {
        tokio::select! {
            read = io.read_more() => {
                read?;
                while let Some(frame) = io.reader.next_frame() {
                    let node = channel.open(frame)?;
                    for out in session.handle(node) {
                        if deliver(&mut io, &mut channel, out).await? {
                            return Ok(());
                        }
                    }
                }
            }
            out = rx.recv() => {
                let Some(out) = out else { return Ok(()) };
                if deliver(&mut io, &mut channel, out).await? {
                    return Ok(());
                }
            }
            Ok(()) = frozen.changed() => {
                hold_while_frozen(&mut frozen, device.as_ref()).await;
            }
        }
    }
}

/// Sends one node; returns true when the connection must end afterwards.
async fn deliver(io: &mut Io, channel: &mut SecureChannel, out: Outbound) -> Result<bool> {
    let (node, close) = match out {
        Outbound::Send(n) => (n, false),
        Outbound::SendAndClose(n) => (n, true),
    };
    debug!("-> <{}>", node.tag);
    io.send(channel.seal(&node)?).await?;
    if close {
        if let Err(e) = io.sink.send(Message::Close(None)).await {
            warn!("closing websocket: {e}");
        }
    }
    Ok(close)
}
