//! Everything the mock server remembers: phone accounts, linked devices,
//! outstanding QR refs, live connections and what each device sent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;
use wacore_binary::Node;

use crate::error::MockError;
use crate::noise_server::Pattern;
use wacore::libsignal::protocol::KeyPair;
use wacore::pair_code::PairCodeUtils;

use crate::phone::{AppStateKey, DeviceGrant, PhoneAccount, ScannedQr};
use crate::phone_signal::{CompanionKeys, PhoneCipher, SenderKeyChain};
use crate::stanza;

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

struct PendingRef {
    conn: ConnHandle,
    noise_public: [u8; 32],
    companion: CompanionKeys,
    expires: Instant,
}

/// A companion that asked to be linked by phone-number code.
struct PendingCode {
    conn: ConnHandle,
    phone: String,
    noise_public: [u8; 32],
    companion: CompanionKeys,
    wrapped_companion_ephemeral: Vec<u8>,
    pairing_ref: Vec<u8>,
    requested: Instant,
    entered: Option<EnteredCode>,
}

/// State the phone keeps between the code entry and the companion's finish.
struct EnteredCode {
    companion_ephemeral: [u8; 32],
    primary_ephemeral: KeyPair,
    profile: PhoneProfile,
}

/// How long a pairing code can be entered (WhatsApp: 180 s).
const PAIR_CODE_VALIDITY: Duration = Duration::from_secs(180);

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

/// How many handshakes of each pattern the server completed its part of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HandshakeCounts {
    pub xx: usize,
    pub ik: usize,
    pub xx_fallback: usize,
}

/// A contact of the account that writes to it: its own Signal identity.
struct Contact {
    identity: KeyPair,
    registration_id: u32,
}

/// What is needed to encrypt one incoming message outside the lock.
pub struct OutgoingToDevice {
    pub conn: ConnHandle,
    pub sender: String,
    pub device: (String, u32),
    pub cipher: PhoneCipher,
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

#[derive(Default)]
struct Inner {
    handshakes: HandshakeCounts,
    contacts: HashMap<String, Contact>,
    /// Sessions from a contact to one companion: (contact, phone, device id).
    contact_ciphers: HashMap<(String, String, u32), PhoneCipher>,
    /// Each contact's sender key per group: (group, contact).
    sender_keys: HashMap<(String, String), SenderKeyChain>,
    /// Devices that received a sender key: (group, contact, phone, device id).
    sender_keys_distributed: HashSet<(String, String, String, u32)>,
    accounts: HashMap<String, PhoneAccount>,
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

    /// Publishes QR refs for a connection that wants to pair.
    pub fn offer_refs(
        &self,
        conn: &ConnHandle,
        noise_public: [u8; 32],
        companion: &CompanionKeys,
        refs: &[(String, Instant)],
    ) {
        let mut inner = self.lock();
        for (r, expires) in refs {
            inner.refs.insert(
                r.clone(),
                PendingRef {
                    conn: conn.clone(),
                    noise_public,
                    companion: companion.clone(),
                    expires: *expires,
                },
            );
        }
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

    /// The phone scans a QR: signs the companion and sends it pair-success.
    pub fn scan(&self, qr: &str, profile: &PhoneProfile) -> Result<Linked, MockError> {
        let scanned = ScannedQr::parse(qr).map_err(|e| MockError::BadRequest(e.to_string()))?;
        validate_phone(&profile.phone)?;
        let mut inner = self.lock();
        let pending = inner
            .refs
            .get(&scanned.pairing_ref)
            .ok_or(MockError::UnknownCode)?;
        if pending.expires <= Instant::now() {
            return Err(MockError::ExpiredCode);
        }
        if pending.noise_public != scanned.noise_public
            || pending.companion.identity() != scanned.identity_public
        {
            return Err(MockError::BadRequest(
                "the QR's keys are not those of the connection that asked for it".into(),
            ));
        }
        let conn = pending.conn.clone();
        let companion = pending.companion.clone();
        inner.refs.retain(|_, p| p.conn.id != conn.id);
        link_device(&mut inner, conn, companion, &scanned, profile)
    }

    /// A pairing connection asked for a code for `phone`; returns the pairing ref.
    pub fn code_requested(
        &self,
        conn: &ConnHandle,
        phone: &str,
        noise_public: [u8; 32],
        companion: &CompanionKeys,
        wrapped_companion_ephemeral: Vec<u8>,
    ) -> Result<Vec<u8>, MockError> {
        validate_phone(phone)?;
        if wrapped_companion_ephemeral.len() != 80 {
            return Err(MockError::BadRequest(
                "wrapped ephemeral key must be 80 bytes".into(),
            ));
        }
        let pairing_ref = random_ref().into_bytes();
        self.lock().codes.insert(
            conn.id,
            PendingCode {
                conn: conn.clone(),
                phone: phone.to_owned(),
                noise_public,
                companion: companion.clone(),
                wrapped_companion_ephemeral,
                pairing_ref: pairing_ref.clone(),
                requested: Instant::now(),
                entered: None,
            },
        );
        Ok(pairing_ref)
    }

    /// The user types the companion's code on the phone of `profile.phone`.
    pub fn enter_code(&self, code: &str, profile: &PhoneProfile) -> Result<Linked, MockError> {
        validate_phone(&profile.phone)?;
        let code = code.trim().to_ascii_uppercase();
        if !PairCodeUtils::validate_code(&code) {
            return Err(MockError::BadRequest(
                "a pairing code is 8 characters of 1-9 and A-Z without I, O, U".into(),
            ));
        }
        let mut inner = self.lock();
        let Inner {
            accounts, codes, ..
        } = &mut *inner;
        let pending = codes
            .values_mut()
            .filter(|c| c.phone == profile.phone && c.entered.is_none())
            .max_by_key(|c| c.requested)
            .ok_or(MockError::UnknownCode)?;
        if pending.requested.elapsed() > PAIR_CODE_VALIDITY {
            return Err(MockError::ExpiredCode);
        }
        let companion_ephemeral = PairCodeUtils::decrypt_primary_ephemeral_pub(
            &pending.wrapped_companion_ephemeral,
            &code,
        )
        .map_err(|e| MockError::BadRequest(e.to_string()))?;
        let account = account_for(accounts, profile);
        let primary_ephemeral = KeyPair::generate(&mut rand::rng());
        let primary_public: [u8; 32] =
            primary_ephemeral
                .public_key
                .public_key_bytes()
                .try_into()
                .map_err(|_| MockError::Internal("ephemeral key is not 32 bytes".into()))?;
        let wrapped = PairCodeUtils::encrypt_ephemeral_pub(&primary_public, &code);
        pending.conn.send(Outbound::Send(stanza::primary_hello(
            wrapped.to_vec(),
            account.identity_public().to_vec(),
            pending.pairing_ref.clone(),
        )));
        pending.entered = Some(EnteredCode {
            companion_ephemeral,
            primary_ephemeral,
            profile: profile.clone(),
        });
        Ok(Linked {
            jid: format!("{}@s.whatsapp.net", profile.phone),
            lid: format!("{}@lid", account.lid_user),
        })
    }

    /// The companion's last step: its key bundle, from which the phone derives
    /// the ADV secret the QR would have carried. Then pair-success as for a QR.
    pub fn code_finished(
        &self,
        conn_id: u64,
        wrapped_bundle: &[u8],
        companion_identity: [u8; 32],
        pairing_ref: &[u8],
    ) -> anyhow::Result<()> {
        let mut inner = self.lock();
        let pending = inner
            .codes
            .remove(&conn_id)
            .ok_or_else(|| anyhow::anyhow!("companion_finish without a pairing code"))?;
        if pending.pairing_ref != pairing_ref {
            anyhow::bail!("companion_finish names another pairing ref");
        }
        let entered = pending
            .entered
            .ok_or_else(|| anyhow::anyhow!("companion_finish before the code was entered"))?;
        if companion_identity != pending.companion.identity() {
            anyhow::bail!("companion_finish identity differs from the pairing payload");
        }
        let account = inner
            .accounts
            .get(&entered.profile.phone)
            .ok_or_else(|| anyhow::anyhow!("no account for the entered code"))?;
        let adv_secret = account.unwrap_code_bundle(
            &entered.primary_ephemeral,
            &entered.companion_ephemeral,
            wrapped_bundle,
            &companion_identity,
        )?;
        let qr = ScannedQr {
            pairing_ref: String::from_utf8_lossy(&pending.pairing_ref).into_owned(),
            noise_public: pending.noise_public,
            identity_public: companion_identity,
            adv_secret,
        };
        link_device(
            &mut inner,
            pending.conn,
            pending.companion,
            &qr,
            &entered.profile,
        )
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The companion signed its identity back: pairing is complete.
    pub fn device_signed(
        &self,
        conn_id: u64,
        signed_identity: &[u8],
        key_index: u32,
    ) -> anyhow::Result<()> {
        let mut inner = self.lock();
        let Inner {
            accounts, devices, ..
        } = &mut *inner;
        let dev = devices
            .values_mut()
            .find(|d| d.conn.as_ref().is_some_and(|c| c.id == conn_id))
            .ok_or_else(|| {
                anyhow::anyhow!("pair-device-sign from a connection that was not paired")
            })?;
        if dev.standing != (Standing::AwaitingSignature { key_index }) {
            anyhow::bail!("unexpected pair-device-sign (key index {key_index})");
        }
        let account = accounts
            .get(&dev.phone)
            .ok_or_else(|| anyhow::anyhow!("device without account"))?;
        account.verify_device_signature(signed_identity, &dev.identity_public)?;
        dev.standing = Standing::Active;
        Ok(())
    }

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
        let Inner {
            devices,
            contacts,
            contact_ciphers,
            sender_keys,
            sender_keys_distributed,
            ..
        } = &mut *inner;
        let dev = devices
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
        let cipher_key = (sender.to_owned(), key.0.clone(), key.1);
        let cipher = match contact_ciphers.remove(&cipher_key) {
            Some(c) => c,
            None => {
                let contact = contacts
                    .entry(sender.to_owned())
                    .or_insert_with(|| Contact {
                        identity: KeyPair::generate(&mut rand::rng()),
                        registration_id: rand::random::<u32>() & 0x3fff,
                    });
                PhoneCipher::new(&contact.identity, contact.registration_id)
            }
        };
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
            companion: dev.companion.clone(),
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

    /// Puts a contact's cipher (and group sender key) back after encrypting;
    /// `sent` records that the device now holds the sender key.
    pub fn end_incoming(
        &self,
        sender: String,
        device: (String, u32),
        cipher: PhoneCipher,
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
            inner.sender_keys.insert((g.group, sender.clone()), g.chain);
        }
        inner
            .contact_ciphers
            .insert((sender, device.0, device.1), cipher);
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

fn account_for<'a>(
    accounts: &'a mut HashMap<String, PhoneAccount>,
    profile: &PhoneProfile,
) -> &'a mut PhoneAccount {
    let account = accounts.entry(profile.phone.clone()).or_insert_with(|| {
        PhoneAccount::new(
            lid_user_for(&profile.phone),
            profile.name.clone(),
            profile.business.clone(),
        )
    });
    account.push_name = profile.name.clone();
    account.business_name = profile.business.clone();
    account
}

/// The phone signs the companion and sends it pair-success.
fn link_device(
    inner: &mut Inner,
    conn: ConnHandle,
    companion: CompanionKeys,
    scanned: &ScannedQr,
    profile: &PhoneProfile,
) -> Result<Linked, MockError> {
    let account = account_for(&mut inner.accounts, profile);
    let DeviceGrant {
        hmac_container,
        key_index,
    } = account
        .grant_device(scanned, now_unix())
        .map_err(|e| MockError::Internal(e.to_string()))?;
    let lid_user = account.lid_user.clone();
    let business = account.business_name.clone();
    let cipher = account.cipher();
    let device_id = inner
        .devices
        .range((profile.phone.clone(), 0)..=(profile.phone.clone(), u32::MAX))
        .map(|(k, _)| k.1)
        .max()
        .unwrap_or(0)
        + 1;
    let record = DeviceRecord {
        phone: profile.phone.clone(),
        device_id,
        lid_user: lid_user.clone(),
        identity_public: scanned.identity_public,
        noise_public: scanned.noise_public,
        standing: Standing::AwaitingSignature { key_index },
        conn: Some(conn.clone()),
        received: Vec::new(),
        prekey_count: 0,
        companion,
        cipher: Some(cipher),
        key_shared: false,
        key_index,
    };
    let node = stanza::pair_success(
        &record.jid(),
        &record.lid(),
        hmac_container,
        business.as_deref(),
    );
    inner
        .devices
        .insert((profile.phone.clone(), device_id), record);
    conn.send(Outbound::Send(node));
    Ok(Linked {
        jid: format!("{}@s.whatsapp.net", profile.phone),
        lid: format!("{lid_user}@lid"),
    })
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
