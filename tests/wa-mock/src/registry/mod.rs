//! Everything the mock server remembers: phone accounts, linked devices,
//! outstanding QR refs, live connections and what each device sent. Linking
//! (`linking`), a device's standing with the server (`standing`) and the
//! messages the phone and its contacts send (`messaging`) each have their own
//! part; this one holds the shared records and the device look-ups.

mod contacts;
mod directory;
mod linking;
mod messaging;
mod standing;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;
use wacore_binary::Node;

use crate::error::MockError;
use crate::noise_server::Pattern;
use crate::phone::PhoneAccount;
use crate::phone_signal::{CompanionKeys, PhoneCipher, SenderKeyChain};

pub use contacts::ContactBundle;
use contacts::{Contact, SharedCipher};
pub use directory::GroupInfo;
use linking::{PendingCode, PendingRef};
pub use messaging::OutgoingToDevice;
pub use standing::{KeyShare, LoginVerdict};

/// Instructions to a connection task.
#[derive(Debug)]
pub enum Outbound {
    Send(Node),
    /// Send the node, then close the socket.
    SendAndClose(Node),
}

/// A live connection, addressable from the admin side.
#[derive(Clone, Debug)]
pub struct ConnHandle {
    pub id: u64,
    pub tx: UnboundedSender<Outbound>,
}

impl ConnHandle {
    pub fn send(&self, out: Outbound) {
        // A closed receiver means the socket is already gone: nothing to tell.
        let _ = self.tx.send(out);
    }
}

/// Where a linked device stands with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Pair-success sent; the companion has not signed back yet.
    AwaitingSignature {
        key_index: u32,
    },
    Active,
    /// Unlinked from the phone or by the client's own logout.
    Removed,
    Banned,
    TemporarilyBanned {
        until_unix: u64,
    },
}

pub struct DeviceRecord {
    pub phone: String,
    pub device_id: u32,
    pub lid_user: String,
    pub identity_public: [u8; 32],
    pub noise_public: [u8; 32],
    pub standing: Standing,
    pub conn: Option<ConnHandle>,
    pub received: Vec<serde_json::Value>,
    pub prekey_count: usize,
    companion: CompanionKeys,
    /// Taken out while a message to the companion is being encrypted.
    cipher: Option<PhoneCipher>,
    key_shared: bool,
    key_index: u32,
}

impl DeviceRecord {
    pub fn jid(&self) -> String {
        format!("{}:{}@s.whatsapp.net", self.phone, self.device_id)
    }
    pub fn lid(&self) -> String {
        format!("{}:{}@lid", self.lid_user, self.device_id)
    }
}

/// One line of `GET /devices`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DeviceInfo {
    pub jid: String,
    pub lid: String,
    pub phone: String,
    pub name: String,
    pub connected: bool,
}

/// Result of a successful scan.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Linked {
    pub jid: String,
    pub lid: String,
}

/// How the phone identifies itself when scanning.
#[derive(Debug, Clone)]
pub struct PhoneProfile {
    pub phone: String,
    pub name: String,
    pub business: Option<String>,
}

impl Default for PhoneProfile {
    fn default() -> Self {
        Self {
            phone: "5511999999999".into(),
            name: "Mock Phone".into(),
            business: None,
        }
    }
}

/// How many handshakes of each pattern the server completed its part of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HandshakeCounts {
    pub xx: usize,
    pub ik: usize,
    pub xx_fallback: usize,
}

#[derive(Default)]
struct Inner {
    handshakes: HandshakeCounts,
    contacts: HashMap<String, Contact>,
    /// Sessions from a contact to one companion: (contact, phone, device id).
    contact_ciphers: HashMap<(String, String, u32), SharedCipher>,
    /// What each contact's phone received from the account's devices, by phone number.
    phone_received: HashMap<String, Vec<crate::phone_inbox::PhoneReceived>>,
    /// Each contact's sender key per group: (group, contact).
    sender_keys: HashMap<(String, String), SenderKeyChain>,
    /// Devices that received a sender key: (group, contact, phone, device id).
    sender_keys_distributed: HashSet<(String, String, String, u32)>,
    accounts: HashMap<String, PhoneAccount>,
    /// Contacts' push names, by phone number.
    push_names: HashMap<String, String>,
    /// Groups the server can describe, by JID.
    groups: HashMap<String, GroupInfo>,
    devices: BTreeMap<(String, u32), DeviceRecord>,
    refs: HashMap<String, PendingRef>,
    codes: HashMap<u64, PendingCode>,
    next_conn: u64,
}

#[derive(Default)]
pub struct Registry {
    inner: Mutex<Inner>,
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn lid_user_for(phone: &str) -> String {
    // A stable, phone-derived number so the same phone keeps its LID.
    let sum = phone.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    format!("{}", 100_000_000_000_000 + sum % 900_000_000_000_000)
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn count_handshake(&self, pattern: Pattern) {
        let mut inner = self.lock();
        match pattern {
            Pattern::Xx => inner.handshakes.xx += 1,
            Pattern::Ik => inner.handshakes.ik += 1,
            Pattern::XxFallback => inner.handshakes.xx_fallback += 1,
        }
    }

    pub fn handshakes(&self) -> HandshakeCounts {
        self.lock().handshakes
    }

    pub fn next_conn_id(&self) -> u64 {
        let mut inner = self.lock();
        inner.next_conn += 1;
        inner.next_conn
    }

    /// Forgets a connection that closed.
    pub fn connection_closed(&self, conn_id: u64) {
        let mut inner = self.lock();
        inner.refs.retain(|_, p| p.conn.id != conn_id);
        inner.codes.remove(&conn_id);
        for dev in inner.devices.values_mut() {
            if dev.conn.as_ref().is_some_and(|c| c.id == conn_id) {
                dev.conn = None;
            }
        }
    }

    fn find_key(inner: &Inner, who: &str) -> Option<(String, u32)> {
        let who = who.trim();
        let (user, server) = who.split_once('@').unwrap_or((who, "s.whatsapp.net"));
        let (user, device) = match user.split_once(':') {
            Some((u, d)) => (u, Some(d.parse::<u32>().ok()?)),
            None => (user, None),
        };
        let matches = |d: &DeviceRecord| match server {
            "s.whatsapp.net" | "c.us" => d.phone == user,
            "lid" => d.lid_user == user,
            _ => false,
        };
        let mut candidates = inner
            .devices
            .iter()
            .filter(|(_, d)| matches(d) && device.is_none_or(|n| n == d.device_id));
        if device.is_some() {
            return candidates.next().map(|(k, _)| k.clone());
        }
        // A bare account names its newest device that is still linked, else its newest.
        let all: Vec<_> = candidates
            .by_ref()
            .map(|(k, d)| (k.clone(), d.standing.clone()))
            .collect();
        all.iter()
            .rev()
            .find(|(_, s)| *s != Standing::Removed)
            .or(all.last())
            .map(|(k, _)| k.clone())
    }

    fn with_device<T>(
        &self,
        who: &str,
        f: impl FnOnce(&mut DeviceRecord) -> T,
    ) -> Result<T, MockError> {
        let mut inner = self.lock();
        let (_, dev) = Self::device_entry(&mut inner, who)?;
        Ok(f(dev))
    }

    /// The registry key (phone, device id) of the device `who` names.
    pub fn device_key(&self, who: &str) -> Result<(String, u32), MockError> {
        Self::find_key(&self.lock(), who).ok_or_else(|| MockError::UnknownDevice(who.to_owned()))
    }

    /// The device `who` names (any accepted spelling), with its registry key.
    fn device_entry<'a>(
        inner: &'a mut Inner,
        who: &str,
    ) -> Result<((String, u32), &'a mut DeviceRecord), MockError> {
        let unknown = || MockError::UnknownDevice(who.to_owned());
        let key = Self::find_key(inner, who).ok_or_else(unknown)?;
        let dev = inner.devices.get_mut(&key).ok_or_else(unknown)?;
        Ok((key, dev))
    }

    pub fn devices(&self) -> Vec<DeviceInfo> {
        let inner = self.lock();
        inner
            .devices
            .values()
            .filter(|d| !matches!(d.standing, Standing::AwaitingSignature { .. }))
            .map(|d| DeviceInfo {
                jid: d.jid(),
                lid: d.lid(),
                phone: d.phone.clone(),
                name: inner
                    .accounts
                    .get(&d.phone)
                    .map(|a| a.push_name.clone())
                    .unwrap_or_default(),
                connected: d.conn.is_some() && d.standing == Standing::Active,
            })
            .collect()
    }

    pub fn received(&self, who: &str) -> Result<Vec<serde_json::Value>, MockError> {
        self.with_device(who, |d| d.received.clone())
    }

    /// Records something the device on `conn_id` sent.
    pub fn record(&self, conn_id: u64, entry: serde_json::Value) {
        let mut inner = self.lock();
        if let Some(dev) = inner
            .devices
            .values_mut()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))
        {
            dev.received.push(entry);
        }
    }

    /// The registry key (phone, device id) of the device on `conn_id`.
    pub fn device_of(&self, conn_id: u64) -> Option<(String, u32)> {
        let inner = self.lock();
        inner
            .devices
            .iter()
            .find(|(_, d)| d.conn.as_ref().is_some_and(|c| c.id == conn_id))
            .map(|(key, _)| key.clone())
    }

    /// The account number of the device on `conn_id`.
    pub fn phone_of(&self, conn_id: u64) -> Option<String> {
        let inner = self.lock();
        inner
            .devices
            .values()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))
            .map(|d| d.phone.clone())
    }

    /// The client logged itself out: the phone drops it from linked devices.
    pub fn companion_removed_itself(&self, conn_id: u64) {
        let mut inner = self.lock();
        if let Some(dev) = inner
            .devices
            .values_mut()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))
        {
            dev.standing = Standing::Removed;
        }
    }

    pub fn set_prekey_count(&self, conn_id: u64, added: usize) -> usize {
        let mut inner = self.lock();
        match inner
            .devices
            .values_mut()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))
        {
            Some(dev) => {
                dev.prekey_count += added;
                dev.prekey_count
            }
            None => 0,
        }
    }
}

pub fn random_ref() -> String {
    use base64::prelude::{Engine as _, BASE64_STANDARD};
    format!("2@{}", BASE64_STANDARD.encode(rand::random::<[u8; 18]>()))
}

pub(crate) fn validate_phone(phone: &str) -> Result<(), MockError> {
    if (5..=20).contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(MockError::BadRequest(format!(
            "phone must be 5 to 20 digits, got {phone:?}"
        )))
    }
}
