//! Messages to a linked device: from the account's contacts (one Signal identity
//! each, group sender keys), from the phone itself (app-state key share, push
//! name), with each cipher taken out of the lock while it encrypts.

use super::{now_unix, validate_phone, ConnHandle, Inner, Registry, SharedCipher, Standing};
use crate::error::MockError;
use crate::phone::AppStateKey;
use crate::phone_signal::{CompanionKeys, PhoneCipher, SenderKeyChain};

/// What is needed to encrypt one incoming message outside the lock.
pub struct OutgoingToDevice {
    pub conn: ConnHandle,
    pub sender: String,
    pub device: (String, u32),
    pub cipher: SharedCipher,
    pub companion: CompanionKeys,
    /// For a group message: the sender's key in that group.
    pub group: Option<GroupSend>,
}

/// A contact's sender key in a group, taken out to encrypt one message.
pub struct GroupSend {
    pub group: String,
    pub chain: SenderKeyChain,
    /// The device already holds this sender key: no distribution message needed.
    pub distributed: bool,
}

/// What is needed to encrypt one message from the phone to its device.
pub struct FromPhone {
    pub conn: ConnHandle,
    pub phone: String,
    pub device_id: u32,
    pub cipher: PhoneCipher,
    pub companion: CompanionKeys,
}

impl Registry {
    /// Puts the cipher back after encrypting.
    pub fn return_cipher(&self, phone: &str, device_id: u32, cipher: PhoneCipher) {
        let mut inner = self.lock();
        if let Some(dev) = inner.devices.get_mut(&(phone.to_owned(), device_id)) {
            dev.cipher = Some(cipher);
        }
    }

    /// Takes what is needed to send the device a message from `sender`
    /// (a user JID such as `5511...@s.whatsapp.net`) in `chat`: the sender
    /// itself, or a group (`<digits>[-<digits>]@g.us`).
    pub fn begin_incoming(
        &self,
        who: &str,
        chat: &str,
        sender: &str,
    ) -> Result<OutgoingToDevice, MockError> {
        let group = match chat.strip_suffix("@g.us") {
            _ if chat == sender => None,
            Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                Some(chat.to_owned())
            }
            _ => {
                return Err(MockError::BadRequest(format!(
                    "chat must be the sender or a group JID, got {chat:?}"
                )))
            }
        };
        let user = sender
            .strip_suffix("@s.whatsapp.net")
            .filter(|u| validate_phone(u).is_ok())
            .ok_or_else(|| {
                MockError::BadRequest(format!(
                    "sender must be <digits>@s.whatsapp.net, got {sender:?}"
                ))
            })?;
        let mut inner = self.lock();
        let key =
            Self::find_key(&inner, who).ok_or_else(|| MockError::UnknownDevice(who.to_owned()))?;
        let dev = inner
            .devices
            .get(&key)
            .ok_or_else(|| MockError::UnknownDevice(who.to_owned()))?;
        if dev.phone == user {
            return Err(MockError::BadRequest(
                "the sender is the account itself".into(),
            ));
        }
        let conn = match (&dev.standing, &dev.conn) {
            (Standing::Active, Some(conn)) => conn.clone(),
            _ => return Err(MockError::Conflict("device is not connected".into())),
        };
        let companion = dev.companion.clone();
        let cipher = inner.contact_cipher(sender, &key)?;
        let Inner {
            sender_keys,
            sender_keys_distributed,
            ..
        } = &mut *inner;
        let group = group.map(|group| GroupSend {
            chain: sender_keys
                .remove(&(group.clone(), sender.to_owned()))
                .unwrap_or_default(),
            distributed: sender_keys_distributed.contains(&(
                group.clone(),
                sender.to_owned(),
                key.0.clone(),
                key.1,
            )),
            group,
        });
        Ok(OutgoingToDevice {
            conn,
            sender: sender.to_owned(),
            device: key,
            cipher,
            companion,
            group,
        })
    }

    /// Takes what the phone needs to send its own device `who` a message;
    /// give the cipher back with [`Self::return_cipher`].
    pub fn begin_from_phone(&self, who: &str) -> Result<FromPhone, MockError> {
        let mut inner = self.lock();
        let (key, dev) = Self::device_entry(&mut inner, who)?;
        let conn = match (&dev.standing, &dev.conn) {
            (Standing::Active, Some(conn)) => conn.clone(),
            _ => return Err(MockError::Conflict("device is not connected".into())),
        };
        let cipher = dev.cipher.take().ok_or_else(|| {
            MockError::Conflict("the phone is busy sending this device another message".into())
        })?;
        Ok(FromPhone {
            conn,
            phone: key.0,
            device_id: key.1,
            cipher,
            companion: dev.companion.clone(),
        })
    }

    /// Puts a contact's group sender key back after encrypting; `sent`
    /// records that the device now holds the sender key.
    pub fn end_incoming(
        &self,
        sender: String,
        device: (String, u32),
        group: Option<GroupSend>,
        sent: bool,
    ) {
        let mut inner = self.lock();
        if let Some(g) = group {
            if sent {
                inner.sender_keys_distributed.insert((
                    g.group.clone(),
                    sender.clone(),
                    device.0.clone(),
                    device.1,
                ));
            }
            inner.sender_keys.insert((g.group, sender), g.chain);
        }
    }

    /// The companion acknowledged the key-share message: no need to send it again.
    pub fn key_share_delivered(&self, phone: &str, device_id: u32) {
        let mut inner = self.lock();
        if let Some(dev) = inner.devices.get_mut(&(phone.to_owned(), device_id)) {
            dev.key_shared = true;
        }
    }

    /// The account's app-state sync key (to decode the patches its devices send).
    pub fn app_state_key(&self, conn_id: u64) -> Option<AppStateKey> {
        let inner = self.lock();
        let dev = inner
            .devices
            .values()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))?;
        inner
            .accounts
            .get(&dev.phone)
            .map(|a| a.app_state_key.clone())
    }

    /// The `critical_block` patch for the device on `conn_id`, once it holds the key.
    pub fn push_name_patch(&self, conn_id: u64) -> Option<Vec<u8>> {
        let inner = self.lock();
        let dev = inner
            .devices
            .values()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))?;
        let account = inner.accounts.get(&dev.phone)?;
        let now_ms = i64::try_from(now_unix() * 1000).unwrap_or(0);
        Some(crate::app_state::push_name_patch(
            &account.app_state_key,
            &account.push_name,
            now_ms,
        ))
    }
}
