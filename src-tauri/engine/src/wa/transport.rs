//! How a client reaches WhatsApp through an instance's proxy: the chat socket (tunnel,
//! then TLS and the WebSocket upgrade) and the HTTP client for media and pictures.

use std::sync::Arc;

use whatsapp_rust::http::UreqHttpClient;
use whatsapp_rust::transport::{
    default_tls_connector, from_websocket, Connector, Transport, TransportEvent, TransportFactory,
};

use crate::error::{Error, Result};
use crate::proxy::Proxy;

/// The chat socket through a proxy: the tunnel first, then TLS and the WebSocket upgrade
/// over it, as the library's own factory does them on a direct connection.
pub(super) struct ProxiedTransportFactory {
    pub url: String,
    pub proxy: Proxy,
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
        let tunnel = self.proxy.tunnel(&host, port).await?;
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
