//! The account's contacts as Signal peers: each has an identity and a signed
//! prekey it publishes (what the client's prekey fetch gets), one session per
//! companion that both directions share, and a list of what it received.

use std::sync::Arc;

use wacore::libsignal::protocol::{GenericSignedPreKey, KeyPair, SignedPreKeyRecord};

use super::{validate_phone, Inner, Registry};
use crate::error::MockError;
use crate::phone_inbox::PhoneReceived;
use crate::phone_signal::{signed_prekey, PhoneCipher};

/// The id of the one signed prekey each contact publishes.
const SIGNED_PREKEY_ID: u32 = 1;

/// A contact of the account: its own Signal identity and signed prekey.
pub(super) struct Contact {
    identity: KeyPair,
    registration_id: u32,
    signed_prekey: SignedPreKeyRecord,
}

impl Contact {
    fn new() -> Result<Self, MockError> {
        let identity = KeyPair::generate(&mut rand::rng());
        let signed_prekey = signed_prekey(&identity, SIGNED_PREKEY_ID)
            .map_err(|e| MockError::Internal(format!("{e:#}")))?;
        Ok(Self {
            identity,
            registration_id: rand::random::<u32>() & 0x3fff,
            signed_prekey,
        })
    }
}

/// A contact's session with one companion, locked while one message is
/// encrypted or decrypted with it.
pub type SharedCipher = Arc<tokio::sync::Mutex<PhoneCipher>>;

/// A contact's published keys, as the prekey fetch answers them.
pub struct ContactBundle {
    pub registration_id: u32,
    pub identity: [u8; 32],
    pub signed_prekey_id: u32,
    pub signed_prekey: [u8; 32],
    pub signature: Vec<u8>,
}

/// The user of a contact's JID (`<digits>@s.whatsapp.net`, no device).
fn contact_user(contact: &str) -> Result<&str, MockError> {
    contact
        .strip_suffix("@s.whatsapp.net")
        .filter(|u| validate_phone(u).is_ok())
        .ok_or_else(|| {
            MockError::BadRequest(format!(
                "a contact is <digits>@s.whatsapp.net, got {contact:?}"
            ))
        })
}

fn key32(bytes: &[u8], what: &str) -> Result<[u8; 32], MockError> {
    bytes
        .try_into()
        .map_err(|_| MockError::Internal(format!("{what} is not 32 bytes")))
}

impl Inner {
    /// The contact `contact`, created with fresh keys the first time.
    pub(super) fn contact(&mut self, contact: &str) -> Result<&Contact, MockError> {
        contact_user(contact)?;
        if !self.contacts.contains_key(contact) {
            self.contacts.insert(contact.to_owned(), Contact::new()?);
        }
        Ok(&self.contacts[contact])
    }

    /// The session of `contact` with the companion `device`, created the first time.
    pub(super) fn contact_cipher(
        &mut self,
        contact: &str,
        device: &(String, u32),
    ) -> Result<SharedCipher, MockError> {
        let key = (contact.to_owned(), device.0.clone(), device.1);
        if let Some(cipher) = self.contact_ciphers.get(&key) {
            return Ok(Arc::clone(cipher));
        }
        let c = self.contact(contact)?;
        let cipher = Arc::new(tokio::sync::Mutex::new(PhoneCipher::new(
            &c.identity,
            c.registration_id,
        )));
        self.contact_ciphers.insert(key, Arc::clone(&cipher));
        Ok(cipher)
    }
}

impl Registry {
    /// The keys `contact` publishes, for the client to start a session with it.
    pub fn contact_bundle(&self, contact: &str) -> Result<ContactBundle, MockError> {
        let mut inner = self.lock();
        let c = inner.contact(contact)?;
        let spk = &c.signed_prekey;
        let internal = |e: wacore::libsignal::protocol::SignalProtocolError| {
            MockError::Internal(format!("signed prekey: {e}"))
        };
        Ok(ContactBundle {
            registration_id: c.registration_id,
            identity: key32(c.identity.public_key.public_key_bytes(), "identity key")?,
            signed_prekey_id: SIGNED_PREKEY_ID,
            signed_prekey: key32(
                spk.public_key().map_err(internal)?.public_key_bytes(),
                "signed prekey",
            )?,
            signature: spk.signature().map_err(internal)?,
        })
    }

    /// The session of `contact` with the companion `device` and the signed
    /// prekey that answers the companion's first message.
    pub fn contact_session(
        &self,
        contact: &str,
        device: &(String, u32),
    ) -> Result<(SharedCipher, SignedPreKeyRecord), MockError> {
        let mut inner = self.lock();
        let cipher = inner.contact_cipher(contact, device)?;
        let spk = inner.contact(contact)?.signed_prekey.clone();
        Ok((cipher, spk))
    }

    /// Keeps what the phone `phone` received.
    pub fn add_phone_received(&self, phone: &str, entry: PhoneReceived) {
        let mut inner = self.lock();
        inner
            .phone_received
            .entry(phone.to_owned())
            .or_default()
            .push(entry);
    }

    /// What the phone `phone` (digits) received from the account's devices, in order.
    pub fn phone_received(&self, phone: &str) -> Result<Vec<PhoneReceived>, MockError> {
        validate_phone(phone)?;
        let inner = self.lock();
        Ok(inner.phone_received.get(phone).cloned().unwrap_or_default())
    }
}
