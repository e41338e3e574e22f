//! Linking a companion: QR refs the phone scans, pairing codes it types, and the
//! pair-success / pair-device-sign exchange that follows either.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use wacore::libsignal::protocol::KeyPair;
use wacore::pair_code::PairCodeUtils;

use super::{
    lid_user_for, now_unix, random_ref, validate_phone, ConnHandle, DeviceRecord, Inner, Linked,
    Outbound, PhoneProfile, Registry, Standing,
};
use crate::error::MockError;
use crate::phone::{DeviceGrant, PhoneAccount, ScannedQr};
use crate::phone_signal::CompanionKeys;
use crate::stanza;

pub(super) struct PendingRef {
    pub conn: ConnHandle,
    noise_public: [u8; 32],
    companion: CompanionKeys,
    expires: Instant,
}

/// A companion that asked to be linked by phone-number code.
pub(super) struct PendingCode {
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

impl Registry {
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
