//! A real HTTP/1.1 webhook receiver on loopback that records every request.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request's path, e.g. `/hook/messages-upsert`.
    pub path: String,
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
                    let Some((path, headers, body)) = read_request(&mut socket).await else {
                        return;
                    };
                    let watched_path_existed = watch.as_ref().map(|p| p.exists());
                    log.lock().unwrap().push(Received {
                        path,
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

/// The path, the headers and the body of one request.
async fn read_request(
    socket: &mut tokio::net::TcpStream,
) -> Option<(String, HashMap<String, String>, String)> {
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
    let path = head.split(' ').nth(1)?.to_string();
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
    Some((path, headers, body))
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
