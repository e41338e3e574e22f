//! Reaching a host through an instance's proxy, by HTTP CONNECT or SOCKS5, so that
//! WhatsApp sees the proxy's address and never this computer's.

use std::net::IpAddr;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

/// A proxy's answer head larger than this is no proxy speaking.
const MAX_REPLY_HEAD: usize = 8 * 1024;
/// A proxy that does not take the TCP connection in this time is not there.
const PROXY_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Why a proxy did not open a tunnel: its login was refused, or anything else.
enum Refused {
    Login(String),
    Other(std::io::Error),
}

impl From<std::io::Error> for Refused {
    fn from(e: std::io::Error) -> Self {
        Refused::Other(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    HttpConnect,
    Socks5,
}

/// A validated proxy URL, ready to open tunnels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    kind: Kind,
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
    url: String,
}

impl Proxy {
    /// `http://[user:pass@]host[:port]` or `socks5://[user:pass@]host[:port]`.
    pub fn parse(url: &str) -> Result<Proxy> {
        let invalid = |why: &str| Error::InvalidProxy(format!("{why}: {url}"));
        let parsed = url::Url::parse(url).map_err(|_| invalid("not a URL"))?;
        let (kind, default_port) = match parsed.scheme() {
            "http" => (Kind::HttpConnect, 80),
            "socks5" => (Kind::Socks5, 1080),
            _ => return Err(invalid("only http:// and socks5:// proxies are supported")),
        };
        let host = match parsed.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(invalid("the proxy URL needs a host")),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|d| d.into_owned())
                .map_err(|_| invalid("the proxy credentials are not UTF-8"))
        };
        let credentials = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            (user, password) => Some((decode(user)?, decode(password.unwrap_or(""))?)),
        };
        Ok(Proxy {
            kind,
            host,
            port: parsed.port().unwrap_or(default_port),
            credentials,
            url: url.to_string(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A TCP stream to `host:port` through the proxy, ready for TLS or plain bytes.
    /// A proxy that cannot be reached answers `proxy_unreachable`, one that refuses the
    /// login `proxy_auth_failed`; one that will not open the host `whatsapp_error`.
    pub async fn tunnel(&self, host: &str, port: u16) -> Result<TcpStream> {
        let mut stream = tokio::time::timeout(
            PROXY_CONNECT_TIMEOUT,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
        .map_err(|e| {
            Error::ProxyUnreachable(format!(
                "the proxy {}:{} cannot be reached: {e}",
                self.host, self.port
            ))
        })?;
        let opened = match self.kind {
            Kind::HttpConnect => self.http_connect(&mut stream, host, port).await,
            Kind::Socks5 => self.socks5_connect(&mut stream, host, port).await,
        };
        opened.map_err(|e| match e {
            Refused::Login(why) => Error::ProxyAuthFailed(format!(
                "the proxy {}:{} refused the login: {why}",
                self.host, self.port
            )),
            Refused::Other(e) => {
                Error::WhatsApp(format!("the proxy did not open {host}:{port}: {e}"))
            }
        })?;
        Ok(stream)
    }

    async fn http_connect(
        &self,
        stream: &mut TcpStream,
        host: &str,
        port: u16,
    ) -> std::result::Result<(), Refused> {
        let authority = match host.parse::<IpAddr>() {
            Ok(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
            _ => format!("{host}:{port}"),
        };
        let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if let Some((user, password)) = &self.credentials {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        // Byte by byte: nothing after the head may be consumed, it belongs to the tunnel.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            if head.len() >= MAX_REPLY_HEAD {
                return Err(protocol("the proxy's answer never ended").into());
            }
            head.push(stream.read_u8().await?);
        }
        let status_line = String::from_utf8_lossy(&head);
        let status = status_line.split_whitespace().nth(1).unwrap_or_default();
        let first_line = status_line.lines().next().unwrap_or_default();
        match status {
            "200" => Ok(()),
            "407" => Err(Refused::Login(format!("it answered {first_line}"))),
            _ => Err(protocol(&format!("it answered {first_line}")).into()),
        }
    }

    async fn socks5_connect(
        &self,
        stream: &mut TcpStream,
        host: &str,
        port: u16,
    ) -> std::result::Result<(), Refused> {
        // Greeting: offer no authentication, and user/password when we have them.
        let methods: &[u8] = if self.credentials.is_some() {
            &[0, 2]
        } else {
            &[0]
        };
        let mut greeting = vec![5, methods.len() as u8];
        greeting.extend_from_slice(methods);
        stream.write_all(&greeting).await?;
        let mut chosen = [0u8; 2];
        stream.read_exact(&mut chosen).await?;
        match (chosen, &self.credentials) {
            ([5, 0], _) => {}
            ([5, 2], Some((user, password))) => {
                let (user, password) = (user.as_bytes(), password.as_bytes());
                if user.len() > 255 || password.len() > 255 {
                    return Err(Refused::Login(
                        "SOCKS5 credentials are at most 255 bytes each".into(),
                    ));
                }
                let mut auth = vec![1, user.len() as u8];
                auth.extend_from_slice(user);
                auth.push(password.len() as u8);
                auth.extend_from_slice(password);
                stream.write_all(&auth).await?;
                let mut verdict = [0u8; 2];
                stream.read_exact(&mut verdict).await?;
                if verdict[1] != 0 {
                    return Err(Refused::Login(
                        "the SOCKS5 proxy refused the user name or password".into(),
                    ));
                }
            }
            _ => {
                return Err(Refused::Login(
                    "the SOCKS5 proxy accepts none of our ways to log in".into(),
                ))
            }
        }

        let mut request = vec![5, 1, 0];
        match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => {
                request.push(1);
                request.extend_from_slice(&ip.octets());
            }
            Ok(IpAddr::V6(ip)) => {
                request.push(4);
                request.extend_from_slice(&ip.octets());
            }
            Err(_) => {
                let name = host.as_bytes();
                if name.len() > 255 {
                    return Err(protocol("the host name is too long for SOCKS5").into());
                }
                request.push(3);
                request.push(name.len() as u8);
                request.extend_from_slice(name);
            }
        }
        request.extend_from_slice(&port.to_be_bytes());
        stream.write_all(&request).await?;

        let mut reply = [0u8; 4];
        stream.read_exact(&mut reply).await?;
        if reply[1] != 0 {
            return Err(protocol(&format!("the SOCKS5 proxy answered error {}", reply[1])).into());
        }
        // The address the proxy bound, which we do not need.
        let bound = match reply[3] {
            1 => 4,
            4 => 16,
            3 => usize::from(stream.read_u8().await?),
            other => return Err(protocol(&format!("unknown SOCKS5 address type {other}")).into()),
        };
        let mut rest = vec![0u8; bound + 2];
        stream.read_exact(&mut rest).await?;
        Ok(())
    }
}

fn protocol(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn proxy_urls_are_read_with_their_defaults_and_credentials() {
        let socks = Proxy::parse("socks5://ana:p%40ss@127.0.0.1").unwrap();
        assert_eq!(socks.kind, Kind::Socks5);
        assert_eq!((socks.host.as_str(), socks.port), ("127.0.0.1", 1080));
        assert_eq!(socks.credentials, Some(("ana".into(), "p@ss".into())));
        let http = Proxy::parse("http://proxy.example:3128").unwrap();
        assert_eq!(http.kind, Kind::HttpConnect);
        assert_eq!(
            (http.host.as_str(), http.port, http.credentials),
            ("proxy.example", 3128, None)
        );
        assert_eq!(Proxy::parse("http://[::1]").unwrap().host, "::1");
        let https = Proxy::parse("https://proxy.example").unwrap_err();
        assert_eq!(https.code(), ErrorCode::InvalidProxy);
        assert_eq!(
            Proxy::parse("not a url").unwrap_err().code(),
            ErrorCode::InvalidProxy
        );
    }
}
