//! A proxy given in parts (protocol, host, port, login), as both dialects take it,
//! turned into the one proxy URL the engine checks by its own rules.

use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProxyParts {
    pub enabled: Option<bool>,
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Why the parts make no proxy URL: a sentence, and the detail where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyProblem {
    pub message: &'static str,
    pub detail: Option<String>,
}

fn problem(message: &'static str) -> ProxyProblem {
    ProxyProblem {
        message,
        detail: None,
    }
}

impl ProxyParts {
    pub fn is_empty(&self) -> bool {
        self.enabled.is_none() && self.host.is_none()
    }

    /// The proxy URL the engine takes, `None` to have no proxy.
    pub fn into_url(self) -> Result<Option<String>, ProxyProblem> {
        if self.enabled == Some(false) {
            return Ok(None);
        }
        let host = self
            .host
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| problem("The proxy host is required"))?;
        let protocol = self.protocol.unwrap_or_else(|| "http".into());
        let address = match self.port.filter(|p| !p.trim().is_empty()) {
            Some(port) => format!("{protocol}://{}:{}", host.trim(), port.trim()),
            None => format!("{protocol}://{}", host.trim()),
        };
        let mut url = url::Url::parse(&address).map_err(|e| ProxyProblem {
            message: "Invalid proxy address",
            detail: Some(format!("{address}: {e}")),
        })?;
        if let Some(username) = self.username.filter(|u| !u.is_empty()) {
            url.set_username(&username)
                .map_err(|()| problem("Invalid proxy username"))?;
            url.set_password(self.password.as_deref().filter(|p| !p.is_empty()))
                .map_err(|()| problem("Invalid proxy password"))?;
        }
        Ok(Some(url.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_parts_become_one_url_with_an_encoded_login() {
        let url = ProxyParts {
            enabled: Some(true),
            protocol: Some("socks5".into()),
            host: Some("proxy.example.com".into()),
            port: Some("1080".into()),
            username: Some("us@er".into()),
            password: Some("p:ss".into()),
        }
        .into_url()
        .unwrap();
        assert_eq!(
            url.as_deref(),
            Some("socks5://us%40er:p%3Ass@proxy.example.com:1080")
        );
        let off = ProxyParts {
            enabled: Some(false),
            ..ProxyParts::default()
        };
        assert_eq!(off.into_url().unwrap(), None);
        let no_host = ProxyParts {
            enabled: Some(true),
            ..ProxyParts::default()
        };
        assert_eq!(
            no_host.into_url().unwrap_err().message,
            "The proxy host is required"
        );
    }
}
