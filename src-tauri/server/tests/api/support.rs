//! The real `switchboard-server` process on a temporary data folder, and a real HTTP
//! client for it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const WAIT: Duration = Duration::from_secs(60);

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    pub api: String,
    pub ws: String,
    pub account: String,
    pub announced: Value,
    http: reqwest::Client,
}

/// How to start one.
#[derive(Default, Clone)]
pub struct Options {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Options {
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Talks to wa-mock at `ws_url` instead of WhatsApp.
    pub fn wa(self, ws_url: String) -> Self {
        self.env("SWITCHBOARD_WA_URL", ws_url)
    }
}

/// The command line of a server on `data_dir`, listening on a free loopback port.
pub fn command(data_dir: &Path, options: &Options) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard-server"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(&options.args)
        .env_remove("SWITCHBOARD_ACCOUNT_TOKEN")
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in &options.env {
        command.env(key, value);
    }
    command
}

impl Server {
    pub async fn start(data_dir: &Path, options: Options) -> Server {
        let mut child = command(data_dir, &options)
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("the server announces itself in time")
            .expect("stdout is readable");
        let Some(first) = first else {
            let output = child.wait_with_output().await.unwrap();
            panic!(
                "the server exited before listening: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let announced: Value = serde_json::from_str(&first).expect("the first line is JSON");
        let account = match options
            .env
            .iter()
            .find(|(k, _)| k == "SWITCHBOARD_ACCOUNT_TOKEN")
        {
            Some((_, token)) => token.clone(),
            None => std::fs::read_to_string(token_file(data_dir)).expect("the token file"),
        };
        Server {
            api: announced["api_url"].as_str().unwrap().to_string(),
            ws: announced["ws_url"].as_str().unwrap().to_string(),
            account,
            announced,
            child,
            http: reqwest::Client::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("the server is running")
    }

    /// Sends `signal` (e.g. `-TERM`, `-KILL`) and waits for the process to end.
    pub async fn signal_and_wait(mut self, signal: &str) -> std::process::ExitStatus {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill {signal} was delivered");
        tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("the server ends in time")
            .unwrap()
    }

    /// A request to `path` (under `/api`) with `token`, answering the status and the
    /// JSON body (`Value::Null` when the body is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.api);
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.header("token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// A request in Evolution's dialect: `path` from the root, the key in `apikey`.
    pub async fn evolution(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let root = self.api.trim_end_matches("/api");
        let mut request = self.http.request(method, format!("{root}{path}"));
        if let Some(key) = key {
            request = request.header("apikey", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// The same as [`Server::call`] with the account token.
    pub async fn account_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, path, Some(&self.account.clone()), body)
            .await
    }

    /// A raw request with a body that need not be JSON.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.http
            .request(method, format!("{}{path}", self.api))
            .header("token", &self.account)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers")
    }

    /// Creates `name` with the account token; answers the instance's own token.
    pub async fn create(&self, name: &str) -> String {
        let (status, body) = self
            .account_call(
                Method::POST,
                "/instance/new",
                Some(serde_json::json!({ "name": name })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["instance"]["token"].as_str().unwrap().to_string()
    }

    /// The instance as the list shows it to the account, if the list answers it.
    async fn try_listed(&self, name: &str) -> Option<Value> {
        let path = format!("/instance/list?instanceName={name}");
        let (status, body) = self.account_call(Method::GET, &path, None).await;
        (status == StatusCode::OK).then(|| body["instances"][0].clone())
    }

    /// The instance as the list shows it to the account.
    pub async fn listed(&self, name: &str) -> Value {
        self.try_listed(name).await.expect("the list shows it")
    }

    /// Creates `name`, links it by QR code as wa-mock's phone `phone`, and waits until it
    /// is connected.
    pub async fn linked(&self, name: &str, mock: &wa_mock::WaMock, phone: &str) -> wa_mock::Linked {
        self.create(name).await;
        let (status, qr) = self
            .account_call(Method::GET, &format!("/instance/connect/{name}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{qr}");
        let profile = wa_mock::PhoneProfile {
            phone: phone.into(),
            name: "Shop".into(),
            business: None,
        };
        let linked = mock.scan(qr["qrCode"].as_str().unwrap(), &profile).unwrap();
        self.wait_until(name, "connected", |i| i["status"] == "connected")
            .await;
        linked
    }

    /// Polls the list until `check` holds for `name`.
    pub async fn wait_until(
        &self,
        name: &str,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(instance) = self.try_listed(name).await.filter(|i| check(i)) {
                    return instance;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{name} did not reach: {what}"))
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Server {
    /// A WebSocket on `/ws` with the token in the query, as a browser sends it.
    pub async fn socket(&self, token: &str) -> Socket {
        let (socket, _) = tokio_tungstenite::connect_async(format!("{}?token={token}", self.ws))
            .await
            .expect("the socket opens");
        socket
    }
}

/// Reads frames until an engine event satisfies `pick`; panics on close or timeout.
pub async fn next_event(socket: &mut Socket, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    tokio::time::timeout(WAIT, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let event: Value = serde_json::from_str(&text).expect("events are JSON");
                    if pick(&event) {
                        return event;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    panic!("closed while waiting for {what}: {frame:?}")
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended while waiting for {what}: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} on the socket"))
}

pub fn token_file(data_dir: &Path) -> PathBuf {
    data_dir.join("api-token")
}

/// `{"success":false,"error":{"message":...}}` with exactly this message.
pub fn assert_refused(status: StatusCode, body: &Value, expected: StatusCode, message: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["message"], message, "{body}");
}
