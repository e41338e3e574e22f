//! The test a configuration must pass before it is saved: list under the configured
//! prefix (counting and deleting an instance's objects need it, and it tells a missing
//! bucket on servers that create one on the first write), write a small object there,
//! read it back, remove it. Each failure is coded with what failed; a probe object is
//! never left behind when the write itself succeeded.

use rand::RngCore;

use super::config::S3Config;
use super::store::{S3Store, S3Tuning};
use crate::error::{Error, Result};

const PROBE_CONTENT_TYPE: &str = "application/octet-stream";

/// The probe object's key: under the prefix, apart from every instance's folder.
fn probe_key(config: &S3Config, nonce: &str) -> String {
    let name = format!(".switchboard-probe-{nonce}");
    if config.prefix.is_empty() {
        name
    } else {
        format!("{}/{name}", config.prefix)
    }
}

/// Lists, then writes, reads back and removes a probe object in the configured bucket.
pub async fn probe(config: &S3Config, tuning: &S3Tuning) -> Result<()> {
    let store = S3Store::new(config, tuning)?;
    let mut body = vec![0u8; 64];
    rand::rng().fill_bytes(&mut body);
    let key = probe_key(config, &hex::encode(&body[..8]));

    store.list(&format!("{key}/")).await?;
    store
        .put_bytes(&key, body.clone(), PROBE_CONTENT_TYPE)
        .await?;
    let read = store.get(&key).await;
    let removed = store.delete(&key).await;
    match read? {
        Some(stored) if stored.bytes == body => {}
        Some(_) => {
            return Err(Error::S3Unreachable(format!(
                "the {} gave back different bytes than were written",
                config.location()
            )))
        }
        None => {
            return Err(Error::S3Unreachable(format!(
                "the {} did not keep a written object",
                config.location()
            )))
        }
    }
    removed
}
