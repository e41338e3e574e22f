//! The phone's side of Signal: X3DH to a companion from the keys it
//! registered at pairing, then Double Ratchet messages to it.

use anyhow::{anyhow, Context, Result};
use async_trait::async_trait;
use wacore::libsignal::protocol::{
    create_sender_key_distribution_message, group_encrypt, message_decrypt, message_encrypt,
    process_prekey_bundle, CiphertextMessage, Direction, GenericSignedPreKey, IdentityChange,
    IdentityKey, IdentityKeyPair, IdentityKeyStore, KeyPair, PreKeyBundle, PreKeyId, PreKeyRecord,
    PreKeySignalMessage, PreKeyStore, ProtocolAddress, PublicKey, SenderKeyName, SenderKeyRecord,
    SenderKeyStore, SessionRecord, SessionStore, SignalMessage, SignalProtocolError,
    SignedPreKeyId, SignedPreKeyRecord, SignedPreKeyStore, UsePQRatchet,
};
use waproto::whatsapp as wa;

/// The companion's Signal keys, as it sent them in its pairing payload.
#[derive(Debug, Clone)]
pub struct CompanionKeys {
    registration_id: u32,
    identity: [u8; 32],
    signed_prekey_id: u32,
    signed_prekey: [u8; 32],
    signed_prekey_signature: Vec<u8>,
}

fn be_u32(bytes: &[u8], what: &str) -> Result<u32> {
    if bytes.is_empty() || bytes.len() > 4 {
        return Err(anyhow!("{what}: {} bytes", bytes.len()));
    }
    Ok(bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

fn key32(bytes: Option<&Vec<u8>>, what: &str) -> Result<[u8; 32]> {
    bytes
        .ok_or_else(|| anyhow!("{what} missing"))?
        .as_slice()
        .try_into()
        .map_err(|_| anyhow!("{what} is not 32 bytes"))
}

impl CompanionKeys {
    pub fn from_pairing(data: &wa::client_payload::DevicePairingRegistrationData) -> Result<Self> {
        Ok(Self {
            registration_id: be_u32(
                data.e_regid.as_deref().unwrap_or_default(),
                "registration id",
            )?,
            identity: key32(data.e_ident.as_ref(), "identity key")?,
            signed_prekey_id: be_u32(
                data.e_skey_id.as_deref().unwrap_or_default(),
                "signed prekey id",
            )?,
            signed_prekey: key32(data.e_skey_val.as_ref(), "signed prekey")?,
            signed_prekey_signature: data
                .e_skey_sig
                .clone()
                .ok_or_else(|| anyhow!("signed prekey signature missing"))?,
        })
    }

    pub fn identity(&self) -> [u8; 32] {
        self.identity
    }

    fn bundle(&self, device_id: u32) -> Result<PreKeyBundle> {
        let public =
            |k: &[u8; 32]| PublicKey::from_djb_public_key_bytes(k).map_err(|e| anyhow!("{e}"));
        PreKeyBundle::new(
            self.registration_id,
            device_id.into(),
            None,
            self.signed_prekey_id.into(),
            public(&self.signed_prekey)?,
            self.signed_prekey_signature.clone(),
            IdentityKey::new(public(&self.identity)?),
        )
        .map_err(|e| anyhow!("prekey bundle: {e}"))
    }
}

/// The phone's Signal state for one companion: one session, one peer identity.
pub struct PhoneCipher {
    identity: IdentityKeyPair,
    registration_id: u32,
    session: Option<SessionRecord>,
    peer_identity: Option<IdentityKey>,
}

/// A `<enc>` payload: its type attribute and bytes.
pub struct Encrypted {
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

impl PhoneCipher {
    pub fn new(account_key: &KeyPair, registration_id: u32) -> Self {
        Self {
            identity: IdentityKeyPair::from(account_key.clone()),
            registration_id,
            session: None,
            peer_identity: None,
        }
    }

    /// The session and identity stores Signal works on, over this cipher's state.
    fn stores(&mut self) -> (SingleSessionStore<'_>, IdentityView<'_>) {
        (
            SingleSessionStore(&mut self.session),
            IdentityView {
                own: &self.identity,
                registration_id: self.registration_id,
                peer: &mut self.peer_identity,
            },
        )
    }

    /// Encrypts `plaintext` to the companion, starting a session if none exists.
    pub async fn encrypt(
        &mut self,
        companion: &CompanionKeys,
        device_id: u32,
        plaintext: &[u8],
    ) -> Result<Encrypted> {
        let address = ProtocolAddress::new("companion", device_id.into());
        if self.session.is_none() {
            let bundle = companion.bundle(device_id)?;
            let (mut sessions, mut identities) = self.stores();
            process_prekey_bundle(
                &address,
                &mut sessions,
                &mut identities,
                &bundle,
                &mut rand::make_rng::<rand::rngs::StdRng>(),
                UsePQRatchet::No,
            )
            .await
            .context("X3DH with the companion")?;
        }
        let (mut sessions, mut identities) = self.stores();
        let message = message_encrypt(plaintext, &address, &mut sessions, &mut identities)
            .await
            .context("encrypting to the companion")?;
        let kind = match &message {
            CiphertextMessage::PreKeySignalMessage(_) => "pkmsg",
            _ => "msg",
        };
        Ok(Encrypted {
            kind,
            bytes: message.serialize().to_vec(),
        })
    }
}

impl PhoneCipher {
    /// Decrypts a `pkmsg` or `msg` payload the companion sent. A `pkmsg` that
    /// starts a session answers the companion's X3DH with `signed_prekey`, the
    /// one this identity published; there are no one-time prekeys.
    pub async fn decrypt(
        &mut self,
        kind: &str,
        bytes: &[u8],
        device_id: u32,
        signed_prekey: &SignedPreKeyRecord,
    ) -> Result<Vec<u8>> {
        let message = match kind {
            "pkmsg" => CiphertextMessage::PreKeySignalMessage(
                PreKeySignalMessage::try_from(bytes).context("reading the pkmsg")?,
            ),
            "msg" => CiphertextMessage::SignalMessage(
                SignalMessage::try_from(bytes).context("reading the msg")?,
            ),
            other => return Err(anyhow!("an <enc> of type {other:?} is not a 1:1 message")),
        };
        let address = ProtocolAddress::new("companion", device_id.into());
        let (mut sessions, mut identities) = self.stores();
        let result = message_decrypt(
            &message,
            &address,
            &mut sessions,
            &mut identities,
            &mut NoOneTimePreKeys,
            &OneSignedPreKey(signed_prekey),
            &mut rand::make_rng::<rand::rngs::StdRng>(),
            UsePQRatchet::No,
        )
        .await
        .context("decrypting the companion's message")?;
        Ok(result.plaintext)
    }
}

/// A signed prekey for an identity: the key pair, signed by the identity key.
pub fn signed_prekey(identity: &KeyPair, id: u32) -> Result<SignedPreKeyRecord> {
    let key = KeyPair::generate(&mut rand::rng());
    let signature = identity
        .private_key
        .calculate_signature(&key.public_key.serialize(), &mut rand::rng())
        .map_err(|e| anyhow!("signing the prekey: {e}"))?;
    let now = wacore::libsignal::protocol::Timestamp::from_epoch_millis(
        crate::registry::now_unix() * 1000,
    );
    Ok(SignedPreKeyRecord::new(id.into(), now, &key, &signature))
}

/// The contact publishes no one-time prekeys: X3DH runs on the signed prekey.
struct NoOneTimePreKeys;

#[async_trait]
impl PreKeyStore for NoOneTimePreKeys {
    async fn get_pre_key(&self, _id: PreKeyId) -> Result<PreKeyRecord, SignalProtocolError> {
        Err(SignalProtocolError::InvalidPreKeyId)
    }

    async fn save_pre_key(
        &mut self,
        _id: PreKeyId,
        _record: &PreKeyRecord,
    ) -> Result<(), SignalProtocolError> {
        Ok(())
    }

    async fn remove_pre_key(&mut self, _id: PreKeyId) -> Result<(), SignalProtocolError> {
        Ok(())
    }
}

struct OneSignedPreKey<'a>(&'a SignedPreKeyRecord);

#[async_trait]
impl SignedPreKeyStore for OneSignedPreKey<'_> {
    async fn get_signed_pre_key(
        &self,
        id: SignedPreKeyId,
    ) -> Result<SignedPreKeyRecord, SignalProtocolError> {
        match self.0.id() {
            Ok(own) if own == id => Ok(self.0.clone()),
            _ => Err(SignalProtocolError::InvalidSignedPreKeyId),
        }
    }

    async fn save_signed_pre_key(
        &mut self,
        _id: SignedPreKeyId,
        _record: &SignedPreKeyRecord,
    ) -> Result<(), SignalProtocolError> {
        Ok(())
    }
}

struct SingleSessionStore<'a>(&'a mut Option<SessionRecord>);

#[async_trait]
impl SessionStore for SingleSessionStore<'_> {
    async fn load_session(
        &self,
        _address: &ProtocolAddress,
    ) -> Result<Option<SessionRecord>, SignalProtocolError> {
        Ok(self.0.clone())
    }

    async fn has_session(&self, _address: &ProtocolAddress) -> Result<bool, SignalProtocolError> {
        Ok(self.0.is_some())
    }

    async fn store_session(
        &mut self,
        _address: &ProtocolAddress,
        record: SessionRecord,
    ) -> Result<(), SignalProtocolError> {
        *self.0 = Some(record);
        Ok(())
    }
}

struct IdentityView<'a> {
    own: &'a IdentityKeyPair,
    registration_id: u32,
    peer: &'a mut Option<IdentityKey>,
}

#[async_trait]
impl IdentityKeyStore for IdentityView<'_> {
    async fn get_identity_key_pair(&self) -> Result<IdentityKeyPair, SignalProtocolError> {
        Ok(self.own.clone())
    }

    async fn get_local_registration_id(&self) -> Result<u32, SignalProtocolError> {
        Ok(self.registration_id)
    }

    async fn save_identity(
        &mut self,
        _address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> Result<IdentityChange, SignalProtocolError> {
        let replaced = self.peer.is_some_and(|old| old != *identity);
        *self.peer = Some(*identity);
        Ok(if replaced {
            IdentityChange::ReplacedExisting
        } else {
            IdentityChange::NewOrUnchanged
        })
    }

    async fn is_trusted_identity(
        &self,
        _address: &ProtocolAddress,
        identity: &IdentityKey,
        _direction: Direction,
    ) -> Result<bool, SignalProtocolError> {
        // The companion's identity was signed by this phone at pairing.
        Ok(self.peer.is_none_or(|known| known == *identity))
    }

    async fn get_identity(
        &self,
        _address: &ProtocolAddress,
    ) -> Result<Option<IdentityKey>, SignalProtocolError> {
        Ok(*self.peer)
    }
}

/// One contact's sender key in one group: what its group messages are
/// encrypted with, and the distribution message that lets a device read them.
#[derive(Default)]
pub struct SenderKeyChain {
    record: Option<SenderKeyRecord>,
}

impl SenderKeyChain {
    /// The serialized SenderKeyDistributionMessage (creates the key on first use).
    pub async fn distribution(&mut self, name: &SenderKeyName) -> Result<Vec<u8>> {
        let message = create_sender_key_distribution_message(
            name,
            &mut SingleSenderKeyStore(&mut self.record),
            &mut rand::make_rng::<rand::rngs::StdRng>(),
        )
        .await
        .context("sender key distribution")?;
        Ok(message.serialized().to_vec())
    }

    /// An `skmsg` payload: `plaintext` under the sender key, advancing its chain.
    pub async fn encrypt(&mut self, name: &SenderKeyName, plaintext: &[u8]) -> Result<Vec<u8>> {
        let message = group_encrypt(
            &mut SingleSenderKeyStore(&mut self.record),
            name,
            plaintext,
            &mut rand::make_rng::<rand::rngs::StdRng>(),
        )
        .await
        .context("sender key encryption")?;
        Ok(message.serialized().to_vec())
    }
}

struct SingleSenderKeyStore<'a>(&'a mut Option<SenderKeyRecord>);

#[async_trait]
impl SenderKeyStore for SingleSenderKeyStore<'_> {
    async fn store_sender_key(
        &mut self,
        _name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> Result<(), SignalProtocolError> {
        *self.0 = Some(record);
        Ok(())
    }

    async fn load_sender_key(
        &self,
        _name: &SenderKeyName,
    ) -> Result<Option<SenderKeyRecord>, SignalProtocolError> {
        Ok(self.0.clone())
    }
}
