//! Switchboard's local HTTP API: a host of the command list beside the window. It serves
//! RyzeAPI's instance module and delete-chat under `/api` (module `ryze`) and Evolution
//! API v2's routes at the root (module `evolution`), each route a thin mapping of a
//! command onto that dialect's request and answer, behind account and instance tokens
//! and rate limits. The desktop app runs it when the user switches it on;
//! `switchboard-server` runs it with no window.

mod account_token;
mod auth;
mod dialect;
mod events_socket;
mod evolution;
mod limits;
mod linking;
mod live;
mod local;
mod openapi;
mod proxy_parts;
mod rendered_list;
mod ryze;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use switchboard_commands::Host;
use switchboard_engine::Engine;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;

pub use account_token::{AccountToken, TokenSource, ACCOUNT_TOKEN_ENV};
pub use dialect::{coverage, Dialect, Served};
pub use events_socket::SocketTuning;
pub use evolution::Evolution;
pub use limits::ApiLimits;
pub use local::LocalApi;
pub use openapi::document as openapi_document;
pub use ryze::Ryze;

/// Where the API listens and how it behaves.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub listen: SocketAddr,
    pub limits: ApiLimits,
    /// How long `connect` waits for WhatsApp's first QR code.
    pub connect_wait: Duration,
    pub socket: SocketTuning,
}

impl ApiConfig {
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            limits: ApiLimits::default(),
            connect_wait: Duration::from_secs(60),
            socket: SocketTuning::default(),
        }
    }
}

/// What every request reaches.
pub(crate) struct Shared {
    /// The engine, as the commands take it.
    pub host: Host,
    pub account: AccountToken,
    pub live: Arc<live::Live>,
    pub limits: limits::Limits,
    pub config: ApiConfig,
    /// Turns true when the API stops: long-lived connections end themselves.
    pub stop: watch::Receiver<bool>,
    /// The account's whole list, as each dialect last encoded it.
    pub ryze_list: rendered_list::RenderedList,
    pub evolution_list: rendered_list::RenderedList,
}

impl Shared {
    /// The host acting for `caller`: the audit trail records which token asked.
    pub fn host_for(&self, caller: &auth::Caller) -> Host {
        Host::new(self.host.engine().on_behalf_of(caller.requester()))
    }
}

pub(crate) type ApiState = Arc<Shared>;

/// A listening API. Dropping it without [`RunningApi::stop`] leaves it serving.
pub struct RunningApi {
    addr: SocketAddr,
    engine: Engine,
    stop: watch::Sender<bool>,
    task: JoinHandle<io::Result<()>>,
}

/// Listens on `config.listen` and serves the API over `engine` until stopped.
pub async fn start(
    engine: Engine,
    account: AccountToken,
    config: ApiConfig,
) -> io::Result<RunningApi> {
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    // Evolution-shaped webhooks tell their receiver where to call back.
    engine.set_api_url(Some(format!("http://{addr}")));
    let host = Host::new(engine);
    let live = live::follow(&host, stopped.clone())
        .await
        .map_err(|e| io::Error::other(e.message))?;
    let state = Arc::new(Shared {
        host,
        account,
        live,
        limits: limits::Limits::new(&config.limits),
        config,
        stop: stopped.clone(),
        ryze_list: Default::default(),
        evolution_list: Default::default(),
    });
    let engine = state.host.engine().clone();
    let app = router(state);
    let mut stopped_signal = stopped;
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender stops the server as well.
                let _ = stopped_signal.wait_for(|stop| *stop).await;
            })
            .await
    });
    Ok(RunningApi {
        addr,
        engine,
        stop,
        task,
    })
}

impl RunningApi {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Stops accepting connections, lets running requests finish, and returns when the
    /// last one did.
    pub async fn stop(self) -> io::Result<()> {
        let _ = self.stop.send(true);
        self.engine.set_api_url(None);
        self.task.await.map_err(io::Error::other)?
    }
}

fn router(state: ApiState) -> Router {
    let max_body = state.config.limits.max_body_bytes;
    Router::new()
        // The floor the benchmark compares the API's routes against.
        .route("/health", get(|| async { "ok" }))
        .route("/ws", get(events_socket::upgrade))
        .route("/api/openapi.json", get(openapi::serve))
        .merge(ryze::routes(state.clone()))
        .merge(evolution::routes(state.clone()))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// RyzeAPI's dialect lives under `/api`; everything else is Evolution's.
fn is_ryze(uri: &Uri) -> bool {
    uri.path().starts_with("/api/")
}

async fn unknown_route(method: Method, uri: Uri) -> Response {
    if is_ryze(&uri) {
        ryze::unknown_route(method, uri).await.into_response()
    } else {
        evolution::unknown_route(method, uri).await.into_response()
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    if is_ryze(&uri) {
        ryze::method_not_allowed(method, uri).await.into_response()
    } else {
        evolution::unknown_route(method, uri).await.into_response()
    }
}

/// A handler that panicked: the request fails in RyzeAPI's shape (the panic hook does
/// not see the path), the server goes on.
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ryze::panicked(panic)
}
