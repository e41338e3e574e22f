//! The live instances: their state (the one source of truth while the engine runs),
//! their actor, and any deletion under way.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{watch, RwLock};

use crate::actor::ActorHandle;
use crate::error::{Error, Result};
use crate::model::{DeleteReport, Instance, InstanceState};

/// The instance's actor, spawned on the first connect. Operations hold the read lock
/// while they talk to it; stopping it takes the write lock, so it waits for them.
pub type ActorSlot = Arc<RwLock<Option<ActorHandle>>>;

/// Every caller of a deletion waits on the same outcome.
pub type DeletionOutcome = watch::Receiver<Option<Result<DeleteReport>>>;

pub struct Entry {
    pub id: String,
    pub name: String,
    pub state: InstanceState,
    /// A tombstone exists: the instance is listed as deleting and refuses operations.
    pub tombstoned: bool,
    /// Set while a deletion task runs; later callers join it.
    pub deletion: Option<DeletionOutcome>,
    pub actor: ActorSlot,
}

impl Entry {
    /// A deletion has started: the instance is listed as deleting and refuses
    /// operations.
    pub fn is_deleting(&self) -> bool {
        self.tombstoned || self.deletion.is_some()
    }
}

#[derive(Default)]
pub struct Registry {
    by_id: HashMap<String, Entry>,
    /// lower-cased name -> id
    by_key: HashMap<String, String>,
    /// Moves on every mutable access to an entry, so an unchanged generation proves the
    /// live overlay unchanged without comparing it.
    generation: u64,
}

impl Registry {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn touched(&mut self) -> &mut Self {
        self.generation += 1;
        self
    }

    pub fn insert(&mut self, entry: Entry) {
        self.touched()
            .by_key
            .insert(entry.name.to_ascii_lowercase(), entry.id.clone());
        self.by_id.insert(entry.id.clone(), entry);
    }

    pub fn remove(&mut self, id: &str) -> Option<Entry> {
        let entry = self.touched().by_id.remove(id)?;
        self.by_key.remove(&entry.name.to_ascii_lowercase());
        Some(entry)
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Entry> {
        self.touched().by_id.get_mut(id)
    }

    pub fn by_name_key(&self, key: &str) -> Option<&Entry> {
        self.by_key.get(key).and_then(|id| self.by_id.get(id))
    }

    pub fn by_name_key_mut(&mut self, key: &str) -> Option<&mut Entry> {
        let this = self.touched();
        let id = this.by_key.get(key)?;
        this.by_id.get_mut(id)
    }

    /// The instance named `key`, if it exists and is not being deleted.
    pub fn live(&self, key: &str, name: &str) -> Result<&Entry> {
        let entry = self
            .by_name_key(key)
            .ok_or_else(|| Error::InstanceNotFound(name.to_string()))?;
        if entry.is_deleting() {
            return Err(Error::DeletionInProgress(entry.name.clone()));
        }
        Ok(entry)
    }

    /// A new instance may take `name` (lookup key `key`) only when no other has it.
    pub fn ensure_name_free(&self, key: &str, name: &str) -> Result<()> {
        match self.by_name_key(key) {
            Some(e) if e.is_deleting() => Err(Error::DeletionInProgress(e.name.clone())),
            Some(_) => Err(Error::NameTaken(name.to_string())),
            None => Ok(()),
        }
    }

    /// Lays the live state and the deleting flag over an instance as stored.
    pub fn overlay_live(&self, instance: &mut Instance) {
        if let Some(entry) = self.get(&instance.id) {
            instance.state = entry.state.clone();
            instance.deleting |= entry.is_deleting();
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.by_id.values()
    }

    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.touched().by_id.values_mut()
    }
}
