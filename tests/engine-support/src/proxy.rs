//! Loopback proxies for the tests: HTTP CONNECT and SOCKS5 (optionally with a user
//! name and password), each recording every tunnel it opened.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TestProxy {
    pub url: String,
    tunnels: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
enum Protocol {
    HttpConnect,
    Socks5 { login: Option<(String, String)> },
}

impl TestProxy {
    pub async fn http_connect() -> TestProxy {
        Self::start(Protocol::HttpConnect, |port| {
            format!("http://127.0.0.1:{port}")
        })
        .await
    }

    /// With `login`, the proxy demands that user name and password.
    pub async fn socks5(login: Option<(&str, &str)>) -> TestProxy {
        let login = login.map(|(u, p)| (u.to_string(), p.to_string()));
        Self::start(Protocol::Socks5 { login }, |port| {
            format!("socks5://127.0.0.1:{port}")
        })
        .await
    }

    async fn start(protocol: Protocol, url: impl FnOnce(u16) -> String) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&tunnels);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let protocol = protocol.clone();
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let _ = serve(client, protocol, recorded).await;
                });
            }
        });
        TestProxy {
            url: url(port),
            tunnels,
            task,
        }
    }

    /// Every `host:port` a client had this proxy open, in order.
    pub fn tunnels(&self) -> Vec<String> {
        self.tunnels.lock().unwrap().clone()
    }
}

async fn serve(
    mut client: TcpStream,
    protocol: Protocol,
    recorded: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let target = match &protocol {
        Protocol::HttpConnect => http_target(&mut client).await?,
        Protocol::Socks5 { login } => socks5_target(&mut client, login.as_ref()).await?,
    };
    let mut upstream = TcpStream::connect(&target).await?;
    recorded.lock().unwrap().push(target);
    match protocol {
        Protocol::HttpConnect => {
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?
        }
        Protocol::Socks5 { .. } => client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?,
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

async fn http_target(client: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(client.read_u8().await?);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    match (words.next(), words.next()) {
        (Some("CONNECT"), Some(target)) => Ok(target.to_string()),
        _ => Err(std::io::Error::other("not a CONNECT request")),
    }
}

async fn socks5_target(
    client: &mut TcpStream,
    login: Option<&(String, String)>,
) -> std::io::Result<String> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    match login {
        None if methods.contains(&0) => client.write_all(&[5, 0]).await?,
        Some((user, password)) if methods.contains(&2) => {
            client.write_all(&[5, 2]).await?;
            let mut version_and_length = [0u8; 2];
            client.read_exact(&mut version_and_length).await?;
            let mut given_user = vec![0u8; usize::from(version_and_length[1])];
            client.read_exact(&mut given_user).await?;
            let mut given_password = vec![0u8; usize::from(client.read_u8().await?)];
            client.read_exact(&mut given_password).await?;
            if given_user != user.as_bytes() || given_password != password.as_bytes() {
                client.write_all(&[1, 1]).await?;
                return Err(std::io::Error::other("wrong login"));
            }
            client.write_all(&[1, 0]).await?;
        }
        _ => {
            client.write_all(&[5, 0xFF]).await?;
            return Err(std::io::Error::other("no acceptable method"));
        }
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut name = vec![0u8; usize::from(client.read_u8().await?)];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return Err(std::io::Error::other("unsupported address type")),
    };
    let port = client.read_u16().await?;
    Ok(format!("{host}:{port}"))
}
