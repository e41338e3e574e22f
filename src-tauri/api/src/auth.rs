//! Who is calling. The account token reaches everything; an instance's own token
//! (RyzeAPI's TokenInstance, returned when it was created) reaches only that instance.

use axum::http::{header, HeaderMap};
use switchboard_engine::model::Requester;

use crate::account_token::AccountToken;
use crate::live::Live;

/// The header RyzeAPI reads the token from.
const TOKEN_HEADER: &str = "token";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Account,
    /// `key` is the instance's name in lower case: names are unique case-insensitively.
    Instance {
        id: String,
        key: String,
    },
}

impl Caller {
    /// How the audit trail names this caller.
    pub fn requester(&self) -> Requester {
        match self {
            Caller::Account => Requester::AccountToken,
            Caller::Instance { .. } => Requester::InstanceToken,
        }
    }

    pub fn is_account(&self) -> bool {
        matches!(self, Caller::Account)
    }

    /// Whether this caller may act on the instance called `name`.
    pub fn reaches(&self, name: &str) -> bool {
        match self {
            Caller::Account => true,
            Caller::Instance { key, .. } => key.eq_ignore_ascii_case(name),
        }
    }

    /// Whether this caller may see events about the instance `instance_id`.
    pub fn sees(&self, instance_id: &str) -> bool {
        match self {
            Caller::Account => true,
            Caller::Instance { id, .. } => id == instance_id,
        }
    }

    /// One rate-limit bucket per token.
    pub fn limit_key(&self) -> String {
        match self {
            Caller::Account => "account".into(),
            Caller::Instance { id, .. } => format!("instance:{id}"),
        }
    }
}

/// The token a request presents: the `token` header, else `Authorization: Bearer`.
pub fn presented(headers: &HeaderMap) -> Option<&str> {
    if let Some(token) = headers.get(TOKEN_HEADER) {
        return token.to_str().ok();
    }
    let authorization = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = authorization.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller a token stands for, or `None` for a token nobody holds.
pub fn identify(account: &AccountToken, live: &Live, token: &str) -> Option<Caller> {
    if token.is_empty() {
        return None;
    }
    if account.matches(token) {
        return Some(Caller::Account);
    }
    live.instance_with_token(token)
        .map(|(id, key)| Caller::Instance { id, key })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_token_header_wins_then_a_bearer_authorization() {
        assert_eq!(presented(&headers(&[("token", "abc")])), Some("abc"));
        assert_eq!(
            presented(&headers(&[("authorization", "Bearer xyz")])),
            Some("xyz")
        );
        assert_eq!(
            presented(&headers(&[
                ("token", "abc"),
                ("authorization", "Bearer xyz")
            ])),
            Some("abc")
        );
        assert_eq!(presented(&headers(&[("authorization", "Basic xyz")])), None);
        assert_eq!(presented(&headers(&[])), None);
    }

    #[test]
    fn an_instance_token_reaches_its_own_instance_in_any_case_and_nothing_else() {
        let caller = Caller::Instance {
            id: "id-1".into(),
            key: "shop".into(),
        };
        assert!(caller.reaches("shop"));
        assert!(caller.reaches("Shop"));
        assert!(!caller.reaches("shop2"));
        assert!(caller.sees("id-1"));
        assert!(!caller.sees("id-2"));
        assert!(Caller::Account.reaches("anything"));
        assert_ne!(caller.limit_key(), Caller::Account.limit_key());
    }
}
