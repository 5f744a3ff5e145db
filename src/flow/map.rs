//! The flows by key: one open-addressing table (hashbrown's `HashTable`) whose callers
//! hash a key once and hand the hash to every operation on it, so the look-ahead pass of a
//! batch and the update that follows share one hash computation per packet.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::flow::state::{FlowKey, FlowState};

/// The keyed hasher: foldhash under a per-process random seed, so crafted traffic cannot
/// force collisions.
type Hasher = foldhash::fast::RandomState;

/// Flows by key.
#[derive(Default, Clone)]
pub struct FlowMap {
    table: HashTable<(FlowKey, FlowState)>,
    hasher: Hasher,
}

impl std::fmt::Debug for FlowMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowMap")
            .field("flows", &self.table.len())
            .finish()
    }
}

/// One flow's slot, for an update: the state there, or room for a new one.
pub enum Slot<'a> {
    /// The key has a flow.
    Held(&'a mut FlowState),
    /// It has none; `insert` puts one there.
    Free(hashbrown::hash_table::VacantEntry<'a, (FlowKey, FlowState)>),
}

impl FlowMap {
    /// The hash of `key`, to pass to the `_hashed` calls.
    #[inline]
    pub fn hash(&self, key: &FlowKey) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Number of flows.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Whether `key`, of hash `hash`, has a flow.
    #[inline]
    pub fn contains_hashed(&self, hash: u64, key: &FlowKey) -> bool {
        self.table.find(hash, |(k, _)| k == key).is_some()
    }

    /// Whether `key` has a flow.
    pub fn contains_key(&self, key: &FlowKey) -> bool {
        self.contains_hashed(self.hash(key), key)
    }

    /// The flow of `key`.
    pub fn get(&self, key: &FlowKey) -> Option<&FlowState> {
        self.table
            .find(self.hash(key), |(k, _)| k == key)
            .map(|(_, s)| s)
    }

    /// The flow of `key`, to change.
    pub fn get_mut(&mut self, key: &FlowKey) -> Option<&mut FlowState> {
        let hash = self.hash(key);
        self.table.find_mut(hash, |(k, _)| k == key).map(|(_, s)| s)
    }

    /// Takes the flow of `key` out.
    pub fn remove(&mut self, key: &FlowKey) -> Option<FlowState> {
        let hash = self.hash(key);
        match self.table.find_entry(hash, |(k, _)| k == key) {
            Ok(entry) => Some(entry.remove().0.1),
            Err(_) => None,
        }
    }

    /// The slot of `key`, of hash `hash`.
    #[inline]
    pub fn slot_hashed(&mut self, hash: u64, key: FlowKey) -> Slot<'_> {
        let hasher = &self.hasher;
        match self
            .table
            .entry(hash, |(k, _)| *k == key, |(k, _)| hasher.hash_one(k))
        {
            Entry::Occupied(entry) => Slot::Held(&mut entry.into_mut().1),
            Entry::Vacant(entry) => Slot::Free(entry),
        }
    }

    /// Keeps the flows for which `keep` says so.
    pub fn retain(&mut self, mut keep: impl FnMut(&FlowKey, &mut FlowState) -> bool) {
        self.table.retain(|(k, s)| keep(k, s));
    }

    /// Every flow, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&FlowKey, &FlowState)> {
        self.table.iter().map(|(k, s)| (k, s))
    }

    /// Takes every flow out, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = (FlowKey, FlowState)> + '_ {
        self.table.drain()
    }
}
