//! What WhatsApp tells a device about the people and groups it talks to: each
//! contact's push name (the `notify` attribute of the messages it sends) and
//! each group's subject and members (the answer to a `w:g2` group query).

use serde::Deserialize;

use super::{validate_phone, Registry};
use crate::error::MockError;

/// A group as the server describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInfo {
    pub subject: String,
    /// Members' phone numbers (digits).
    #[serde(default)]
    pub participants: Vec<String>,
}

/// A group JID's user part: `<digits>[-<digits>]`.
fn validate_group(jid: &str) -> Result<&str, MockError> {
    jid.strip_suffix("@g.us")
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .ok_or_else(|| MockError::BadRequest(format!("not a group JID: {jid:?}")))
}

impl Registry {
    /// The contact `phone` calls itself `name` from now on.
    pub fn set_push_name(&self, phone: &str, name: &str) -> Result<(), MockError> {
        validate_phone(phone)?;
        if name.trim().is_empty() {
            return Err(MockError::BadRequest("name must not be empty".into()));
        }
        self.lock()
            .push_names
            .insert(phone.to_owned(), name.to_owned());
        Ok(())
    }

    /// The push name of the sender JID `user@s.whatsapp.net`, if it set one.
    pub fn push_name_of(&self, sender: &str) -> Option<String> {
        let phone = sender.split(['@', ':']).next()?;
        self.lock().push_names.get(phone).cloned()
    }

    /// Creates or changes the group `jid`.
    pub fn set_group(&self, jid: &str, group: GroupInfo) -> Result<(), MockError> {
        validate_group(jid)?;
        if group.subject.trim().is_empty() {
            return Err(MockError::BadRequest("subject must not be empty".into()));
        }
        for phone in &group.participants {
            validate_phone(phone)?;
        }
        self.lock().groups.insert(jid.to_owned(), group);
        Ok(())
    }

    pub fn group(&self, jid: &str) -> Option<GroupInfo> {
        self.lock().groups.get(jid).cloned()
    }
}
