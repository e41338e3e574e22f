//! Shared by the integration tests: an engine in a temp folder, a real HTTP webhook
//! receiver on loopback, data fed through the same sink the WhatsApp actors use.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_engine::actor::{ChatUpsert, MediaSaved, MessageUpsert, WaConfig};
use switchboard_engine::model::{CreateInstance, DeleteReport, Instance, WebhookInput};
use switchboard_engine::s3::queue::QueueTuning;
use switchboard_engine::s3::S3Tuning;
use switchboard_engine::{Engine, EngineConfig, EngineEvent, WebhookTuning};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

pub fn config(dir: &Path) -> EngineConfig {
    EngineConfig {
        data_dir: dir.to_path_buf(),
        wa: WaConfig {
            server_url: None,
            logout_timeout: Duration::from_secs(1),
        },
        webhooks: WebhookTuning {
            request_timeout: Duration::from_secs(2),
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            max_attempts: 4,
            delete_attempts: 3,
        },
        s3: S3Tuning {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            max_retries: 1,
            retry_backoff: Duration::from_millis(10),
        },
        uploads: QueueTuning {
            base_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(200),
        },
    }
}

/// For tests that count deliveries: a receiver slowed down by a busy machine must not
/// turn one delivery into a timed-out try and a retry.
pub fn patient_config(dir: &Path) -> EngineConfig {
    let mut config = config(dir);
    config.webhooks.request_timeout = Duration::from_secs(60);
    config
}

pub async fn open(dir: &Path) -> Engine {
    Engine::open(config(dir)).await.expect("engine opens")
}

pub async fn create(engine: &Engine, name: &str) -> Instance {
    engine
        .create_instance(CreateInstance {
            name: name.into(),
            ..Default::default()
        })
        .await
        .expect("instance created")
}

pub async fn create_with_webhook(engine: &Engine, name: &str, url: &str) -> Instance {
    engine
        .create_instance(CreateInstance {
            name: name.into(),
            webhook: Some(WebhookInput {
                url: url.into(),
                events: vec![],
                authorization: Some("Bearer test-token".into()),
            }),
            ..Default::default()
        })
        .await
        .expect("instance created")
}

/// Feeds `chats` chats of `messages_per_chat` messages, each chat with `media_per_chat`
/// media files written under the instance's media folder, as an actor would.
pub async fn seed(
    engine: &Engine,
    data_dir: &Path,
    instance: &Instance,
    chats: usize,
    messages_per_chat: usize,
    media_per_chat: usize,
) {
    let sink = engine.session_sink();
    for c in 0..chats {
        let jid = format!("55119{:08}@s.whatsapp.net", c);
        sink.chats(
            &instance.id,
            vec![ChatUpsert {
                jid: jid.clone(),
                name: Some(format!("Chat {c}")),
            }],
        )
        .await;
        let messages = (0..messages_per_chat)
            .map(|m| MessageUpsert {
                chat_jid: jid.clone(),
                id: format!("MSG{c}-{m}"),
                from_me: m % 2 == 0,
                sender: None,
                timestamp: 1_700_000_000_000 + m as i64,
                text: Some(format!("hello {m}")),
                media_kind: (m < media_per_chat).then(|| "image".to_string()),
            })
            .collect();
        sink.messages(&instance.id, messages).await;
        for m in 0..media_per_chat {
            let relative = format!("media/{jid}/{m}.jpg");
            let path = data_dir
                .join("instances")
                .join(&instance.id)
                .join(&relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, vec![7u8; 100 + m]).unwrap();
            sink.media_saved(
                &instance.id,
                MediaSaved {
                    chat_jid: jid.clone(),
                    message_id: format!("MSG{c}-{m}"),
                    relative_path: relative,
                    bytes: (100 + m) as u64,
                    mime: Some("image/jpeg".into()),
                },
            )
            .await;
        }
    }
}

pub fn instance_dir(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("instances").join(id)
}

/// Rows anywhere in the app database that belong to `id`, table by table.
pub async fn rows_of(data_dir: &Path, id: &str) -> HashMap<&'static str, i64> {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        data_dir.join("switchboard.db").display()
    ))
    .await
    .unwrap();
    let mut counts = HashMap::new();
    for (table, column) in [
        ("instances", "id"),
        ("webhooks", "instance_id"),
        ("chats", "instance_id"),
        ("messages", "instance_id"),
        ("media", "instance_id"),
        ("webhook_outbox", "instance_id"),
        ("deletions", "instance_id"),
        ("s3_configs", "instance_id"),
        ("s3_uploads", "instance_id"),
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} = ?"
        )))
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        counts.insert(table, n);
    }
    pool.close().await;
    counts
}

pub async fn assert_no_rows(data_dir: &Path, id: &str) {
    let rows = rows_of(data_dir, id).await;
    assert!(rows.values().all(|n| *n == 0), "rows left: {rows:?}");
}

pub fn trash_is_empty(data_dir: &Path) -> bool {
    std::fs::read_dir(data_dir.join("trash"))
        .unwrap()
        .next()
        .is_none()
}

/// Polls `check` until it holds (5 s at most).
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The next event `pick` accepts, waiting `within` at most.
pub async fn next_event<T>(
    events: &mut broadcast::Receiver<EngineEvent>,
    what: &str,
    within: Duration,
    mut pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(within, async {
        loop {
            let event = events.recv().await.expect("engine events keep coming");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {within:?}"))
}

pub async fn instance_deleted(
    events: &mut broadcast::Receiver<EngineEvent>,
    id: &str,
) -> DeleteReport {
    next_event(
        events,
        "InstanceDeleted",
        Duration::from_secs(60),
        |e| match e {
            EngineEvent::InstanceDeleted {
                instance_id,
                report,
            } if instance_id == id => Some(report),
            _ => None,
        },
    )
    .await
}

// ---- crash points --------------------------------------------------------------------
// A test binary that uses `delete_in_crashing_child` declares
// `#[test] fn crash_child_process() { common::crash_child_process() }`: the child is
// that same binary, running only that test.

/// The child's side: with SWITCHBOARD_CRASH_DIR set, opens the engine there (talking to
/// SWITCHBOARD_WA_URL, if set) and deletes SWITCHBOARD_CRASH_DELETE; the `crash-points`
/// feature aborts the process at the step named in SWITCHBOARD_CRASH_AT. Without the
/// variable (an ordinary test run) it does nothing.
pub fn crash_child_process() {
    let Ok(dir) = std::env::var("SWITCHBOARD_CRASH_DIR") else {
        return;
    };
    let name = std::env::var("SWITCHBOARD_CRASH_DELETE").expect("the instance to delete");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut config = patient_config(Path::new(&dir));
        config.wa.server_url = WaConfig::server_url_from_env();
        let engine = Engine::open(config).await.expect("engine opens");
        if let Err(e) = engine.delete_instance(&name).await {
            eprintln!(
                "the deletion failed before the crash point: {} ({e})",
                e.code()
            );
        }
    });
    // Reaching this line means the fail point was never hit.
    std::process::exit(3);
}

/// Deletes `name` in a child process that aborts at `step`, and checks that it did.
/// Async, so that this runtime keeps serving webhook receivers and wa-mock meanwhile.
pub async fn delete_in_crashing_child(dir: &Path, name: &str, step: &str, wa_url: Option<&str>) {
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "crash_child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SWITCHBOARD_CRASH_DIR", dir)
        .env("SWITCHBOARD_CRASH_DELETE", name)
        .env("SWITCHBOARD_CRASH_AT", step);
    match wa_url {
        Some(url) => child.env("SWITCHBOARD_WA_URL", url),
        None => child.env_remove("SWITCHBOARD_WA_URL"),
    };
    let status = child.status().await.unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(6),
        "{step}: the child aborted at the step ({status})"
    );
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Lower-cased header names.
    pub headers: HashMap<String, String>,
    pub body: String,
    /// Whether the watched path existed when the request arrived.
    pub watched_path_existed: Option<bool>,
}

/// A real HTTP/1.1 server on 127.0.0.1:0 that records every request and answers with
/// the scripted statuses in order, then `default_status`.
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(scripted: Vec<u16>, default_status: u16, watch: Option<PathBuf>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::new(Mutex::new(VecDeque::from(scripted)));
        let log = received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let statuses = statuses.clone();
                let watch = watch.clone();
                tokio::spawn(async move {
                    let Some((headers, body)) = read_request(&mut socket).await else {
                        return;
                    };
                    let watched_path_existed = watch.as_ref().map(|p| p.exists());
                    log.lock().unwrap().push(Received {
                        headers,
                        body,
                        watched_path_existed,
                    });
                    let status = statuses
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or(default_status);
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Receiver { url, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn events(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["event"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }
}

async fn read_request(
    socket: &mut tokio::net::TcpStream,
) -> Option<(HashMap<String, String>, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8(buf[head_end..head_end + length].to_vec()).ok()?;
    Some((headers, body))
}

/// The receiver's side of the signature check.
pub fn signature_verifies(secret: &str, received: &Received) -> bool {
    use hmac::Mac;
    let Some(header) = received.headers.get("x-switchboard-signature") else {
        return false;
    };
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(received.body.as_bytes());
    mac.verify_slice(&sig).is_ok()
}
