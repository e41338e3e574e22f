//! Frames and binary nodes on the wire: 3-byte length prefixes, the 4-byte
//! connection header on the client's first message, and AES-GCM with
//! per-direction counters once the handshake is done.

use anyhow::{anyhow, bail, Result};
use wacore_binary::consts::WA_CONN_HEADER;
use wacore_binary::marshal::unmarshal_ref;
use wacore_binary::{marshal, util::unpack, Node};
use wacore_noise::framing::{encode_frame, FrameDecoder};

use crate::noise_server::TransportKeys;

/// Splits the client's byte stream into frames.
pub struct FrameReader {
    decoder: FrameDecoder,
    header_seen: bool,
}

impl FrameReader {
    pub fn new() -> Self {
        Self {
            decoder: FrameDecoder::new(),
            header_seen: false,
        }
    }

    /// Feeds one websocket message; the very first must open with the header.
    pub fn feed(&mut self, data: &[u8]) -> Result<()> {
        let data = if self.header_seen {
            data
        } else {
            self.header_seen = true;
            data.strip_prefix(&WA_CONN_HEADER[..])
                .ok_or_else(|| anyhow!("stream does not start with the WhatsApp header"))?
        };
        self.decoder.feed(data);
        Ok(())
    }

    pub fn next_frame(&mut self) -> Option<Vec<u8>> {
        self.decoder.decode_frame().map(|f| f.to_vec())
    }
}

/// Wraps a handshake message in a frame (no header: the server never sends one).
pub fn plain_frame(payload: &[u8]) -> Result<Vec<u8>> {
    encode_frame(payload, None)
}

/// The encrypted stream after the handshake.
pub struct SecureChannel {
    keys: TransportKeys,
    write_counter: u32,
    read_counter: u32,
}

impl SecureChannel {
    pub fn new(keys: TransportKeys) -> Self {
        Self {
            keys,
            write_counter: 0,
            read_counter: 0,
        }
    }

    /// Encodes, encrypts and frames one node.
    pub fn seal(&mut self, node: &Node) -> Result<Vec<u8>> {
        let plain = marshal(node)?;
        let sealed = self
            .keys
            .write
            .encrypt_with_counter(self.write_counter, &plain)?;
        self.write_counter = self
            .write_counter
            .checked_add(1)
            .ok_or_else(|| anyhow!("write counter exhausted"))?;
        plain_frame(&sealed)
    }

    /// Decrypts and decodes one frame into a node.
    pub fn open(&mut self, frame: Vec<u8>) -> Result<Node> {
        let mut buf = frame;
        if buf.len() < 16 {
            bail!("frame shorter than its authentication tag");
        }
        self.keys
            .read
            .decrypt_in_place_with_counter(self.read_counter, &mut buf)?;
        self.read_counter = self
            .read_counter
            .checked_add(1)
            .ok_or_else(|| anyhow!("read counter exhausted"))?;
        let unpacked = unpack(&buf)?;
        Ok(unmarshal_ref(&unpacked)?.to_owned())
    }
}
