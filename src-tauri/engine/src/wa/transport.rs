//! How a client reaches WhatsApp through an instance's proxy: the chat socket (tunnel,
//! then TLS and the WebSocket upgrade) and the HTTP client for media and pictures.

use std::sync::Arc;

use whatsapp_rust::http::UreqHttpClient;
use whatsapp_rust::transport::{
    default_tls_connector, from_websocket, Connector, Transport, TransportEvent, TransportFactory,
};

use tokio::sync::mpsc::UnboundedSender;

use super::events::SessionEvent;
use crate::error::{Error, ErrorCode, Result};
use crate::proxy::Proxy;

/// The chat socket through a proxy: the tunnel first, then TLS and the WebSocket upgrade
/// over it, as the library's own factory does them on a direct connection. A proxy that
/// fails is told to the actor at once: the library only retries, and says nothing.
pub(super) struct ProxiedTransportFactory {
    pub url: String,
    pub proxy: Proxy,
    pub generation: u64,
    pub events: UnboundedSender<(u64, SessionEvent)>,
}

#[async_trait::async_trait]
impl TransportFactory for ProxiedTransportFactory {
    async fn create_transport(
        &self,
    ) -> anyhow::Result<(Arc<dyn Transport>, async_channel::Receiver<TransportEvent>)> {
        let uri: http::Uri = self.url.parse()?;
        let host = uri
            .host()
            .ok_or_else(|| anyhow::anyhow!("the chat server URL has no host"))?
            .trim_matches(['[', ']'])
            .to_string();
        let secure = uri.scheme_str() == Some("wss");
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let tunnel = match self.proxy.tunnel(&host, port).await {
            Ok(tunnel) => tunnel,
            Err(e) => {
                if matches!(
                    e.code(),
                    ErrorCode::ProxyUnreachable | ErrorCode::ProxyAuthFailed
                ) {
                    let _ = self
                        .events
                        .send((self.generation, SessionEvent::ProxyFailed(e.clone())));
                }
                return Err(e.into());
            }
        };
        let connector = if secure {
            default_tls_connector()
        } else {
            Connector::Plain
        };
        let stream = connector.wrap(&host, tunnel).await?;
        let origin =
            http::HeaderValue::from_static(whatsapp_rust::wacore::net::WHATSAPP_WEB_ORIGIN);
        let (ws, _) = tokio_websockets::ClientBuilder::from_uri(uri)
            .add_header(http::header::ORIGIN, origin)?
            .connect_on(stream)
            .await?;
        Ok(from_websocket(ws))
    }
}

/// The HTTP client for media and pictures, through the proxy when there is one.
pub(super) fn http_client(proxy: Option<&Proxy>) -> Result<UreqHttpClient> {
    let Some(proxy) = proxy else {
        return Ok(UreqHttpClient::new());
    };
    let proxy = ureq::Proxy::new(proxy.url())
        .map_err(|e| Error::InvalidProxy(format!("the proxy cannot carry HTTP: {e}")))?;
    #[allow(unused_mut)]
    let mut config = ureq::config::Config::builder().proxy(Some(proxy));
    // Test builds trust wa-mock's self-signed media host, as the library's own client does.
    #[cfg(feature = "insecure-test-server")]
    {
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .disable_verification(true)
                .build(),
        );
    }
    Ok(UreqHttpClient::with_agent(config.build().into()))
}
