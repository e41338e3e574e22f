//! The simulated primary phone: an account identity key that signs companion
//! devices exactly as WhatsApp's ADV (account device verification) expects.

use anyhow::{anyhow, bail, Context, Result};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use wacore::libsignal::protocol::{KeyPair, PublicKey};
use waproto::buffa::{Message as _, MessageField};

use crate::phone_signal::PhoneCipher;
use waproto::whatsapp as wa;

/// Prefix of the message the account key signs (`ADV_PREFIX_ACCOUNT_SIGNATURE`).
const ACCOUNT_SIGNATURE_PREFIX: [u8; 2] = [6, 0];
/// Prefix of the message the companion signs back (`ADV_PREFIX_DEVICE_SIGNATURE_GENERATE`).
const DEVICE_SIGNATURE_PREFIX: [u8; 2] = [6, 1];

/// What a scanned QR code tells the phone about the companion.
#[derive(Debug, Clone)]
pub struct ScannedQr {
    pub pairing_ref: String,
    pub noise_public: [u8; 32],
    pub identity_public: [u8; 32],
    pub adv_secret: [u8; 32],
}

fn key32(field: &str, what: &str) -> Result<[u8; 32]> {
    BASE64_STANDARD
        .decode(field)
        .with_context(|| format!("{what} is not base64"))?
        .try_into()
        .map_err(|_| anyhow!("{what} is not 32 bytes"))
}

impl ScannedQr {
    /// Parses `ref,noise,identity,adv_secret[,client_type]`.
    pub fn parse(qr: &str) -> Result<Self> {
        let parts: Vec<&str> = qr.trim().split(',').collect();
        if parts.len() < 4 || parts[..4].iter().any(|p| p.is_empty()) {
            bail!("a QR code has at least 4 non-empty comma-separated fields");
        }
        Ok(Self {
            pairing_ref: parts[0].to_owned(),
            noise_public: key32(parts[1], "noise key")?,
            identity_public: key32(parts[2], "identity key")?,
            adv_secret: key32(parts[3], "ADV secret")?,
        })
    }
}

/// The app-state sync key the phone generated and shares with its companions.
#[derive(Debug, Clone)]
pub struct AppStateKey {
    pub id: Vec<u8>,
    pub data: [u8; 32],
    pub timestamp_ms: i64,
}

/// One phone number's account: its identity key pair and push name.
pub struct PhoneAccount {
    pub lid_user: String,
    pub push_name: String,
    pub business_name: Option<String>,
    pub app_state_key: AppStateKey,
    identity: KeyPair,
    registration_id: u32,
    next_key_index: u32,
}

/// The signed identity to put into `<pair-success>` and what it commits to.
pub struct DeviceGrant {
    pub hmac_container: Vec<u8>,
    pub key_index: u32,
}

impl PhoneAccount {
    pub fn new(lid_user: String, push_name: String, business: Option<String>) -> Self {
        Self {
            lid_user,
            push_name,
            business_name: business,
            app_state_key: AppStateKey {
                id: rand::random::<[u8; 6]>().to_vec(),
                data: rand::random(),
                timestamp_ms: i64::try_from(crate::registry::now_unix() * 1000).unwrap_or(0),
            },
            identity: KeyPair::generate(&mut rand::rng()),
            registration_id: rand::random::<u32>() & 0x3fff,
            next_key_index: 1,
        }
    }

    /// A fresh Signal cipher from this phone to one companion.
    pub fn cipher(&self) -> PhoneCipher {
        PhoneCipher::new(&self.identity, self.registration_id)
    }

    /// The padded plaintext of the message that shares the app-state sync key.
    pub fn key_share_plaintext(&self, key_index: u32) -> Vec<u8> {
        let key = &self.app_state_key;
        let share = wa::message::AppStateSyncKeyShare {
            keys: vec![wa::message::AppStateSyncKey {
                key_id: MessageField::some(wa::message::AppStateSyncKeyId {
                    key_id: Some(key.id.clone()),
                    ..Default::default()
                }),
                key_data: MessageField::some(wa::message::AppStateSyncKeyData {
                    key_data: Some(key.data.to_vec()),
                    fingerprint: MessageField::some(wa::message::AppStateSyncKeyFingerprint {
                        raw_id: Some(rand::random()),
                        current_index: Some(key_index),
                        device_indexes: vec![0, key_index],
                        ..Default::default()
                    }),
                    timestamp: Some(key.timestamp_ms),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let message = wa::Message {
            protocol_message: MessageField::some(wa::message::ProtocolMessage {
                r#type: Some(wa::message::protocol_message::Type::APP_STATE_SYNC_KEY_SHARE),
                app_state_sync_key_share: MessageField::some(share),
                ..Default::default()
            }),
            ..Default::default()
        };
        wacore::messages::MessageUtils::pad_message_v2(message.encode_to_vec())
    }

    pub fn identity_public(&self) -> [u8; 32] {
        self.identity
            .public_key
            .public_key_bytes()
            .try_into()
            .expect("X25519 public keys are 32 bytes")
    }

    /// Signs a companion's identity key: ADVDeviceIdentity, signed by the
    /// account key, wrapped in an HMAC keyed with the QR's ADV secret.
    pub fn grant_device(&mut self, qr: &ScannedQr, now_secs: u64) -> Result<DeviceGrant> {
        let key_index = self.next_key_index;
        self.next_key_index += 1;
        let details = wa::ADVDeviceIdentity {
            raw_id: Some(rand::random()),
            timestamp: Some(now_secs),
            key_index: Some(key_index),
            account_type: Some(wa::ADVEncryptionType::E2EE),
            device_type: Some(wa::ADVEncryptionType::E2EE),
            ..Default::default()
        }
        .encode_to_vec();
        let mut to_sign = Vec::with_capacity(2 + details.len() + 32);
        to_sign.extend_from_slice(&ACCOUNT_SIGNATURE_PREFIX);
        to_sign.extend_from_slice(&details);
        to_sign.extend_from_slice(&qr.identity_public);
        let signature = self
            .identity
            .private_key
            .calculate_signature(&to_sign, &mut rand::rng())
            .map_err(|e| anyhow!("account signature: {e}"))?;
        let signed = wa::ADVSignedDeviceIdentity {
            details: Some(details),
            account_signature_key: Some(self.identity_public().to_vec()),
            account_signature: Some(signature.to_vec()),
            ..Default::default()
        }
        .encode_to_vec();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&qr.adv_secret)
            .map_err(|e| anyhow!("HMAC key: {e}"))?;
        mac.update(&signed);
        let hmac_container = wa::ADVSignedDeviceIdentityHMAC {
            details: Some(signed),
            hmac: Some(mac.finalize().into_bytes().to_vec()),
            ..Default::default()
        }
        .encode_to_vec();
        Ok(DeviceGrant {
            hmac_container,
            key_index,
        })
    }

    /// Opens the key bundle a companion sends after a pairing-code entry and
    /// derives the ADV secret both sides now share.
    pub fn unwrap_code_bundle(
        &self,
        primary_ephemeral: &KeyPair,
        companion_ephemeral: &[u8; 32],
        wrapped: &[u8],
        companion_identity: &[u8; 32],
    ) -> Result<[u8; 32]> {
        if wrapped.len() < 32 + 12 + 96 + 16 {
            bail!("key bundle is {} bytes", wrapped.len());
        }
        let agree = |private: &wacore::libsignal::protocol::PrivateKey, public: &[u8; 32]| {
            let public = PublicKey::from_djb_public_key_bytes(public).map_err(|e| anyhow!("{e}"))?;
            private.calculate_agreement(&public).map_err(|e| anyhow!("{e}"))
        };
        let ephemeral_shared = agree(&primary_ephemeral.private_key, companion_ephemeral)?;
        let (salt, rest) = wrapped.split_at(32);
        let (iv, ciphertext) = rest.split_at(12);
        let mut key = [0u8; 32];
        wacore::crypto::hkdf_sha256_into(
            &ephemeral_shared,
            Some(salt),
            b"link_code_pairing_key_bundle_encryption_key",
            &mut key,
        )
        .map_err(|_| anyhow!("bundle key derivation"))?;
        let iv: [u8; 12] = iv.try_into().map_err(|_| anyhow!("iv length"))?;
        let mut bundle = Vec::new();
        wacore::libsignal::crypto::aes_256_gcm_decrypt(&key, &iv, b"", ciphertext, &mut bundle)
            .map_err(|_| anyhow!("key bundle does not decrypt: wrong code?"))?;
        if bundle.len() != 96
            || bundle[..32] != companion_identity[..]
            || bundle[32..64] != self.identity_public()[..]
        {
            bail!("key bundle names other identities");
        }
        let identity_shared = agree(&self.identity.private_key, companion_identity)?;
        let mut secret_input = Vec::with_capacity(96);
        secret_input.extend_from_slice(&ephemeral_shared);
        secret_input.extend_from_slice(&identity_shared);
        secret_input.extend_from_slice(&bundle[64..96]);
        let mut adv_secret = [0u8; 32];
        wacore::crypto::hkdf_sha256_into(&secret_input, None, b"adv_secret", &mut adv_secret)
            .map_err(|_| anyhow!("ADV secret derivation"))?;
        Ok(adv_secret)
    }

    /// Checks the companion's counter-signature in `<pair-device-sign>`.
    pub fn verify_device_signature(&self, signed_identity: &[u8], companion_identity: &[u8; 32]) -> Result<()> {
        let signed = wa::ADVSignedDeviceIdentity::decode_from_slice(signed_identity)
            .context("signed device identity")?;
        let details = signed.details.ok_or_else(|| anyhow!("no details"))?;
        let signature = signed
            .device_signature
            .ok_or_else(|| anyhow!("no device signature"))?;
        let mut msg = Vec::with_capacity(2 + details.len() + 64);
        msg.extend_from_slice(&DEVICE_SIGNATURE_PREFIX);
        msg.extend_from_slice(&details);
        msg.extend_from_slice(companion_identity);
        msg.extend_from_slice(&self.identity_public());
        let companion = PublicKey::from_djb_public_key_bytes(companion_identity)
            .map_err(|e| anyhow!("companion identity key: {e}"))?;
        if !companion.verify_signature(&msg, &signature) {
            bail!("companion device signature does not verify");
        }
        Ok(())
    }
}
