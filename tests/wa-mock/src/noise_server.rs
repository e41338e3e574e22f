//! Responder side of WhatsApp's Noise handshakes (XX, IK, XXfallback).
//!
//! The client drives these patterns with `wacore-noise`; this module mirrors
//! each token from the server's seat so both ends derive the same keys.

use anyhow::{anyhow, bail, Context, Result};
use wacore::libsignal::protocol::KeyPair;
use wacore_binary::consts::{
    NOISE_PATTERN_IK, NOISE_PATTERN_XX, NOISE_PATTERN_XXFALLBACK, WA_CONN_HEADER,
};
use wacore_noise::{NoiseCipher, NoiseHandshake};
use waproto::buffa::{Message as _, MessageField};
use waproto::whatsapp::{self as wa, handshake_message};

/// The server's long-lived Noise identity and the certificate chain naming it.
pub struct ServerIdentity {
    keypair: KeyPair,
    cert_chain: Vec<u8>,
}

impl ServerIdentity {
    pub fn generate() -> Self {
        let keypair = KeyPair::generate(&mut rand::rng());
        let cert_chain = wacore_noise::test_util::build_cert_chain_bytes(&public_bytes(&keypair));
        Self {
            keypair,
            cert_chain,
        }
    }

    fn public(&self) -> [u8; 32] {
        public_bytes(&self.keypair)
    }
}

fn public_bytes(kp: &KeyPair) -> [u8; 32] {
    kp.public_key
        .public_key_bytes()
        .try_into()
        .expect("X25519 public keys are 32 bytes")
}

/// What the first client message carried, decoded.
pub struct ClientHello {
    ephemeral: [u8; 32],
    /// IK only: the encrypted client static key and 0-RTT login payload.
    ik: Option<(Vec<u8>, Vec<u8>)>,
}

impl ClientHello {
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let msg = wa::HandshakeMessage::decode_from_slice(bytes).context("client hello")?;
        let hello = msg
            .client_hello
            .into_option()
            .ok_or_else(|| anyhow!("handshake message without client hello"))?;
        let ephemeral: [u8; 32] = hello
            .ephemeral
            .ok_or_else(|| anyhow!("client hello without ephemeral key"))?
            .try_into()
            .map_err(|_| anyhow!("client ephemeral key is not 32 bytes"))?;
        let ik = match (hello.r#static, hello.payload) {
            (Some(s), Some(p)) => Some((s, p)),
            _ => None,
        };
        Ok(Self { ephemeral, ik })
    }
}

/// Keys for the encrypted stream, already oriented for the server.
pub struct TransportKeys {
    pub write: NoiseCipher,
    pub read: NoiseCipher,
}

/// A finished handshake: the stream keys and the client's login payload.
pub struct Established {
    pub keys: TransportKeys,
    pub client_static: [u8; 32],
    pub payload: wa::ClientPayload,
}

/// Which handshake pattern a connection used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Full handshake: first contact, or a client without the server's key.
    Xx,
    /// One round trip with the server key the client cached.
    Ik,
    /// IK with a stale server key, recovered by the server's XX-shaped answer.
    XxFallback,
}

/// The server hello to send, and either a finished handshake (IK accepted) or
/// the XX state waiting for the client's finish message.
pub enum Progress {
    Done(Box<Established>, Vec<u8>),
    AwaitFinish(PendingXx, Vec<u8>),
}

/// XX (or XXfallback) state between the server hello and the client finish.
pub struct PendingXx {
    noise: NoiseHandshake,
    server_ephemeral: KeyPair,
}

fn server_hello(ephemeral: &[u8; 32], static_ct: Option<Vec<u8>>, payload: Vec<u8>) -> Vec<u8> {
    wa::HandshakeMessage {
        server_hello: MessageField::some(handshake_message::ServerHello {
            ephemeral: Some(ephemeral.to_vec()),
            r#static: static_ct,
            payload: Some(payload),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn orient(noise: NoiseHandshake) -> Result<TransportKeys> {
    // `finish` names the keys from the initiator's seat.
    let (initiator_write, initiator_read) = noise.finish()?;
    Ok(TransportKeys {
        write: initiator_read,
        read: initiator_write,
    })
}

impl ServerIdentity {
    /// Answers a client hello. IK that fails to decrypt (the client cached the
    /// static key of another server) falls back to XX as WhatsApp does.
    pub fn respond(&self, hello: &ClientHello) -> Result<(Pattern, Progress)> {
        if let Some((static_ct, payload_ct)) = &hello.ik {
            if let Ok((done, reply)) = self.accept_ik(hello.ephemeral, static_ct, payload_ct) {
                return Ok((Pattern::Ik, Progress::Done(Box::new(done), reply)));
            }
            let progress = self.start_xx(NOISE_PATTERN_XXFALLBACK, hello.ephemeral)?;
            return Ok((Pattern::XxFallback, progress));
        }
        Ok((Pattern::Xx, self.start_xx(NOISE_PATTERN_XX, hello.ephemeral)?))
    }

    fn start_xx(&self, pattern: &str, client_ephemeral: [u8; 32]) -> Result<Progress> {
        let mut noise = NoiseHandshake::new(pattern, &WA_CONN_HEADER)?;
        noise.authenticate(&client_ephemeral);
        let server_ephemeral = KeyPair::generate(&mut rand::rng());
        let eph_pub = public_bytes(&server_ephemeral);
        noise.authenticate(&eph_pub);
        noise.mix_shared_secret(server_ephemeral.private_key.serialize(), &client_ephemeral)?;
        let static_ct = noise.encrypt(&self.public())?;
        noise.mix_shared_secret(self.keypair.private_key.serialize(), &client_ephemeral)?;
        let cert_ct = noise.encrypt(&self.cert_chain)?;
        let reply = server_hello(&eph_pub, Some(static_ct), cert_ct);
        Ok(Progress::AwaitFinish(
            PendingXx {
                noise,
                server_ephemeral,
            },
            reply,
        ))
    }

    fn accept_ik(
        &self,
        client_ephemeral: [u8; 32],
        static_ct: &[u8],
        payload_ct: &[u8],
    ) -> Result<(Established, Vec<u8>)> {
        let mut noise = NoiseHandshake::new(NOISE_PATTERN_IK, &WA_CONN_HEADER)?;
        noise.authenticate(&self.public());
        noise.authenticate(&client_ephemeral);
        noise.mix_shared_secret(self.keypair.private_key.serialize(), &client_ephemeral)?;
        let client_static: [u8; 32] = noise
            .decrypt(static_ct)?
            .try_into()
            .map_err(|_| anyhow!("client static key is not 32 bytes"))?;
        noise.mix_shared_secret(self.keypair.private_key.serialize(), &client_static)?;
        let payload = noise.decrypt(payload_ct)?;
        let payload = wa::ClientPayload::decode_from_slice(&payload).context("IK payload")?;
        let server_ephemeral = KeyPair::generate(&mut rand::rng());
        let eph_pub = public_bytes(&server_ephemeral);
        noise.authenticate(&eph_pub);
        noise.mix_shared_secret(server_ephemeral.private_key.serialize(), &client_ephemeral)?;
        noise.mix_shared_secret(server_ephemeral.private_key.serialize(), &client_static)?;
        let cert_ct = noise.encrypt(&self.cert_chain)?;
        let reply = server_hello(&eph_pub, None, cert_ct);
        let established = Established {
            keys: orient(noise)?,
            client_static,
            payload,
        };
        Ok((established, reply))
    }
}

impl PendingXx {
    /// Reads the client finish message: the client static key and login payload.
    pub fn finish(mut self, bytes: &[u8]) -> Result<Established> {
        let msg = wa::HandshakeMessage::decode_from_slice(bytes).context("client finish")?;
        let fin = msg
            .client_finish
            .into_option()
            .ok_or_else(|| anyhow!("handshake message without client finish"))?;
        let (Some(static_ct), Some(payload_ct)) = (fin.r#static, fin.payload) else {
            bail!("client finish without static key or payload");
        };
        let client_static: [u8; 32] = self
            .noise
            .decrypt(&static_ct)?
            .try_into()
            .map_err(|_| anyhow!("client static key is not 32 bytes"))?;
        self.noise
            .mix_shared_secret(self.server_ephemeral.private_key.serialize(), &client_static)?;
        let payload = self.noise.decrypt(&payload_ct)?;
        let payload = wa::ClientPayload::decode_from_slice(&payload).context("XX payload")?;
        Ok(Established {
            keys: orient(self.noise)?,
            client_static,
            payload,
        })
    }
}
