//! A registered device's standing with the server: whether its login is accepted,
//! and the phone unlinking or banning it.

use std::time::Duration;

use wacore_binary::Node;

use super::{now_unix, ConnHandle, Inner, Outbound, Registry, Standing};
use crate::error::MockError;
use crate::phone_signal::{CompanionKeys, PhoneCipher};
use crate::stanza;

/// The phone still owes this device its app-state sync key.
pub struct KeyShare {
    pub phone: String,
    pub device_id: u32,
    pub cipher: PhoneCipher,
    pub companion: CompanionKeys,
    pub plaintext: Vec<u8>,
}

/// What the login handshake decided for a registered device.
pub enum LoginVerdict {
    Accept {
        jid: String,
        lid: String,
        key_share: Option<Box<KeyShare>>,
    },
    Reject(Node),
}

impl Registry {
    /// Decides a login by a registered device (username + device from the payload).
    pub fn login(
        &self,
        phone: &str,
        device_id: u32,
        noise_public: [u8; 32],
        conn: &ConnHandle,
    ) -> LoginVerdict {
        let mut inner = self.lock();
        let Inner {
            accounts, devices, ..
        } = &mut *inner;
        let Some(dev) = devices.get_mut(&(phone.to_owned(), device_id)) else {
            return LoginVerdict::Reject(stanza::failure_logged_out());
        };
        if dev.noise_public != noise_public {
            return LoginVerdict::Reject(stanza::failure_logged_out());
        }
        match dev.standing.clone() {
            Standing::Removed | Standing::AwaitingSignature { .. } => {
                LoginVerdict::Reject(stanza::failure_logged_out())
            }
            Standing::Banned => LoginVerdict::Reject(stanza::failure_banned()),
            Standing::TemporarilyBanned { until_unix } if until_unix > now_unix() => {
                LoginVerdict::Reject(stanza::failure_temp_banned(until_unix - now_unix()))
            }
            Standing::TemporarilyBanned { .. } | Standing::Active => {
                dev.standing = Standing::Active;
                if let Some(old) = dev.conn.replace(conn.clone()) {
                    if old.id != conn.id {
                        old.send(Outbound::SendAndClose(stanza::stream_replaced()));
                    }
                }
                let key_share = match (dev.key_shared, dev.cipher.take(), accounts.get(phone)) {
                    (false, Some(cipher), Some(account)) => Some(Box::new(KeyShare {
                        phone: phone.to_owned(),
                        device_id,
                        cipher,
                        companion: dev.companion.clone(),
                        plaintext: account.key_share_plaintext(dev.key_index),
                    })),
                    (_, cipher, _) => {
                        dev.cipher = cipher;
                        None
                    }
                };
                LoginVerdict::Accept {
                    jid: dev.jid(),
                    lid: dev.lid(),
                    key_share,
                }
            }
        }
    }

    /// The phone unlinks the device (Linked devices -> Log out).
    pub fn unlink(&self, who: &str) -> Result<(), MockError> {
        self.with_device(who, |dev| {
            if dev.standing == Standing::Removed {
                return Err(MockError::Conflict("device is already unlinked".into()));
            }
            dev.standing = Standing::Removed;
            if let Some(conn) = dev.conn.take() {
                conn.send(Outbound::SendAndClose(stanza::stream_device_removed()));
            }
            Ok(())
        })?
    }

    /// Locks the account of the device, for good or until `temporary` ends.
    pub fn ban(&self, who: &str, temporary: Option<Duration>) -> Result<(), MockError> {
        self.with_device(who, |dev| {
            if dev.standing == Standing::Removed {
                return Err(MockError::Conflict("device is unlinked".into()));
            }
            let failure = match temporary {
                Some(d) => {
                    let secs = d.as_secs().max(1);
                    dev.standing = Standing::TemporarilyBanned {
                        until_unix: now_unix() + secs,
                    };
                    stanza::failure_temp_banned(secs)
                }
                None => {
                    dev.standing = Standing::Banned;
                    stanza::failure_banned()
                }
            };
            if let Some(conn) = dev.conn.take() {
                conn.send(Outbound::SendAndClose(failure));
            }
            Ok(())
        })?
    }
}
