//! Frozen devices: the server stops answering a device while its sockets stay open,
//! as a stopped server process does. A frozen connection neither reads nor writes; a
//! device that connects again while frozen is let through the handshake and then
//! hears nothing. Thawing lets every held connection go on where it stopped.

use std::collections::BTreeSet;

use tokio::sync::watch;

use crate::error::MockError;
use crate::registry::Registry;

/// A device as the registry keys it: phone number and device id.
pub type DeviceKey = (String, u32);

pub struct Freezer {
    frozen: watch::Sender<BTreeSet<DeviceKey>>,
}

impl Default for Freezer {
    fn default() -> Self {
        Freezer {
            frozen: watch::Sender::new(BTreeSet::new()),
        }
    }
}

impl Freezer {
    /// The server stops answering the device `who` names; `conflict` if it already is.
    pub fn freeze(&self, registry: &Registry, who: &str) -> Result<(), MockError> {
        let device = registry.device_key(who)?;
        if !self.frozen.send_if_modified(|set| set.insert(device)) {
            return Err(MockError::Conflict("device is already frozen".into()));
        }
        Ok(())
    }

    /// The server answers the device again; `conflict` if it was not frozen.
    pub fn thaw(&self, registry: &Registry, who: &str) -> Result<(), MockError> {
        let device = registry.device_key(who)?;
        if !self.frozen.send_if_modified(|set| set.remove(&device)) {
            return Err(MockError::Conflict("device is not frozen".into()));
        }
        Ok(())
    }

    /// What a connection watches to learn that its device froze or thawed.
    pub fn watch(&self) -> watch::Receiver<BTreeSet<DeviceKey>> {
        self.frozen.subscribe()
    }
}

/// Waits, without touching the socket, while `device` is frozen.
pub async fn hold_while_frozen(
    frozen: &mut watch::Receiver<BTreeSet<DeviceKey>>,
    device: Option<&DeviceKey>,
) {
    let Some(device) = device else { return };
    // The sender lives as long as the server; a closed channel means it is stopping.
    let _ = frozen.wait_for(|set| !set.contains(device)).await;
}
