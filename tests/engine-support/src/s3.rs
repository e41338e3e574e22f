//! A real S3-compatible server for the tests and benchmarks: `s3s-fs` (crate s3s-fs,
//! installed by src-tauri/scripts/install-deps.sh), one process per test on a free
//! loopback port, storing into a temp folder, with access keys. Also a network fault
//! injector: a loopback forwarder that answers 503 to the first requests.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_engine::s3::S3ConfigInput;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

pub const ACCESS_KEY: &str = "switchboard-test";
pub const SECRET_KEY: &str = "s3cr3t-Test-Key-0123456789";
pub const BUCKET: &str = "media-bucket";

pub struct S3Server {
    child: Option<Child>,
    port: u16,
    pub root: tempfile::TempDir,
}

/// The installed server binary: on PATH, or in cargo's bin folder.
fn binary() -> PathBuf {
    let in_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("s3s-fs"))
            .find(|candidate| candidate.is_file())
    });
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    in_path
        .or_else(|| {
            cargo_home
                .map(|home| home.join("bin/s3s-fs"))
                .filter(|p| p.is_file())
        })
        .expect("s3s-fs is installed (bash src-tauri/scripts/install-deps.sh)")
}

impl S3Server {
    /// Starts the server with one bucket, [`BUCKET`].
    pub async fn start() -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let mut server = S3Server {
            child: None,
            port: 0,
            root,
        };
        server.spawn().await;
        server
    }

    /// Starts the process on the server's port (a free one the first time), and waits
    /// until it listens.
    async fn spawn(&mut self) {
        let mut child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .env("RUST_LOG", "s3s_fs=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("s3s-fs starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some((_, url)) = line.split_once("server is running at http://") {
                    return url.trim().to_string();
                }
            }
            panic!("s3s-fs exited before it listened");
        })
        .await
        .expect("s3s-fs listens within 20 s");
        // Keep draining its log so that the pipe never fills up.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.port = address
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the log names the port");
        self.child = Some(child);
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Another empty bucket.
    pub fn create_bucket(&self, name: &str) {
        std::fs::create_dir(self.root.path().join(name)).unwrap();
    }

    /// A configuration of this server's bucket with the right keys.
    pub fn config(&self, prefix: &str) -> S3ConfigInput {
        config_for(&self.endpoint(), prefix)
    }

    /// Stops the process (the stored objects stay).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }

    /// Starts it again on the same port, with the same objects.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }
}

pub fn config_for(endpoint: &str, prefix: &str) -> S3ConfigInput {
    S3ConfigInput {
        endpoint: endpoint.to_string(),
        region: "us-east-1".into(),
        bucket: BUCKET.into(),
        prefix: prefix.into(),
        access_key: ACCESS_KEY.into(),
        secret_key: Some(SECRET_KEY.into()),
        path_style: true,
    }
}

/// A loopback port nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Forwards loopback connections to `target`, but answers `503 Service Unavailable`
/// (reading the whole request first) to the first `failures` requests.
pub struct Unavailable {
    pub port: u16,
    answered_503: Arc<AtomicUsize>,
}

impl Unavailable {
    pub async fn start(target: String, failures: usize) -> Unavailable {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let answered_503 = Arc::new(AtomicUsize::new(0));
        let counter = answered_503.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = target.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    if counter.load(Ordering::SeqCst) < failures {
                        counter.fetch_add(1, Ordering::SeqCst);
                        answer_503(client).await;
                    } else if let Ok(mut server) = TcpStream::connect(&target).await {
                        let mut client = client;
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Unavailable { port, answered_503 }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn answered_503(&self) -> usize {
        self.answered_503.load(Ordering::SeqCst)
    }
}

async fn answer_503(mut client: TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let length = String::from_utf8_lossy(&head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    let _ = client.read_exact(&mut body).await;
    let _ = client
        .write_all(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
    let _ = client.shutdown().await;
}
