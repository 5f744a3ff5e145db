//! The flows by key: a dense vector of flows, indexed by an open-addressing table of
//! positions (hashbrown's `HashTable`). Callers hash a key once and hand the hash to every
//! operation on it, so the look-ahead pass of a batch and the update that follows share one
//! hash computation per packet.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::{Entry, VacantEntry};

use crate::flow::state::{FlowKey, FlowState};

/// The keyed hasher: foldhash under a per-process random seed, so crafted traffic cannot
/// force collisions.
type Hasher = foldhash::fast::RandomState;

/// Flows by key: the flows themselves in one dense vector, and an open-addressing table
/// of their positions (4 bytes a slot), so the table's free room costs 4 bytes a slot
/// rather than a whole flow's 112, and a lookup touches the small index and then the one
/// flow.
#[derive(Default, Clone)]
pub struct FlowMap {
    index: HashTable<u32>,
    flows: Vec<(FlowKey, FlowState)>,
    hasher: Hasher,
}

impl std::fmt::Debug for FlowMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowMap")
            .field("flows", &self.flows.len())
            .finish()
    }
}

/// One flow's slot, for an update: the state there, or room for a new one.
pub enum Slot<'a> {
    /// The key has a flow.
    Held(&'a mut FlowState),
    /// It has none; [`Free::insert`] puts one there.
    Free(Free<'a>),
}

/// Room for a new flow.
pub struct Free<'a> {
    slot: VacantEntry<'a, u32>,
    flows: &'a mut Vec<(FlowKey, FlowState)>,
}

impl<'a> Free<'a> {
    /// Puts the flow of `key` here and returns its state.
    #[inline]
    pub fn insert(self, key: FlowKey, state: FlowState) -> &'a mut FlowState {
        let at = self.flows.len();
        self.flows.push((key, state));
        self.slot.insert(position(at));
        &mut self.flows[at].1
    }
}

/// The hash of a key, always through a reference: the same code hashing the 40-byte key by
/// value (as clippy suggests for a `Copy` key) measured a third slower on the 200k-flow
/// benchmark (1.12 s -> 1.54 s, same run); the cause was not pinned down, most likely
/// different inlining into the update path.
#[inline]
fn hash_of(hasher: &Hasher, key: &FlowKey) -> u64 {
    hasher.hash_one(key)
}

/// A position in the dense vector as the index stores it (a run holds far fewer than
/// 2^32 flows at once: memory runs out first).
#[inline]
fn position(at: usize) -> u32 {
    u32::try_from(at).expect("fewer than 2^32 flows at once")
}

impl FlowMap {
    /// The hash of `key`, to pass to the `_hashed` calls.
    #[inline]
    pub fn hash(&self, key: &FlowKey) -> u64 {
        hash_of(&self.hasher, key)
    }

    /// Number of flows.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Where the flow of `key`, of hash `hash`, is in the dense vector.
    #[inline]
    fn find(&self, hash: u64, key: &FlowKey) -> Option<usize> {
        let flows = &self.flows;
        self.index
            .find(hash, |&at| flows[at as usize].0 == *key)
            .map(|&at| at as usize)
    }

    /// Whether `key`, of hash `hash`, has a flow.
    #[inline]
    pub fn contains_hashed(&self, hash: u64, key: &FlowKey) -> bool {
        self.find(hash, key).is_some()
    }

    /// Whether `key` has a flow.
    pub fn contains_key(&self, key: &FlowKey) -> bool {
        self.contains_hashed(self.hash(key), key)
    }

    /// The flow of `key`.
    pub fn get(&self, key: &FlowKey) -> Option<&FlowState> {
        self.find(self.hash(key), key).map(|at| &self.flows[at].1)
    }

    /// The flow of `key`, to change.
    pub fn get_mut(&mut self, key: &FlowKey) -> Option<&mut FlowState> {
        let at = self.find(self.hash(key), key)?;
        Some(&mut self.flows[at].1)
    }

    /// Takes the flow of `key` out. The last flow of the vector moves into its place, and
    /// its index slot is pointed there.
    pub fn remove(&mut self, key: &FlowKey) -> Option<FlowState> {
        let hash = self.hash(key);
        let flows = &self.flows;
        let (at, _) = self
            .index
            .find_entry(hash, |&at| flows[at as usize].0 == *key)
            .ok()?
            .remove();
        let at = at as usize;
        let last = self.flows.len() - 1;
        if at != last {
            let moved = hash_of(&self.hasher, &self.flows[last].0);
            if let Some(slot) = self.index.find_mut(moved, |&i| i as usize == last) {
                *slot = position(at);
            }
        }
        Some(self.flows.swap_remove(at).1)
    }

    /// The slot of `key`, of hash `hash`.
    #[inline]
    pub fn slot_hashed(&mut self, hash: u64, key: FlowKey) -> Slot<'_> {
        let (flows, hasher) = (&self.flows, &self.hasher);
        let entry = self.index.entry(
            hash,
            |&at| flows[at as usize].0 == key,
            |&at| hash_of(hasher, &flows[at as usize].0),
        );
        match entry {
            Entry::Occupied(held) => {
                let at = *held.get() as usize;
                Slot::Held(&mut self.flows[at].1)
            }
            Entry::Vacant(slot) => Slot::Free(Free {
                slot,
                flows: &mut self.flows,
            }),
        }
    }

    /// Keeps the flows for which `keep` says so (and indexes the kept ones afresh).
    pub fn retain(&mut self, mut keep: impl FnMut(&FlowKey, &mut FlowState) -> bool) {
        let before = self.flows.len();
        self.flows.retain_mut(|(k, s)| keep(k, s));
        if self.flows.len() == before {
            return;
        }
        self.index.clear();
        let hasher = &self.hasher;
        for (at, (key, _)) in self.flows.iter().enumerate() {
            let flows = &self.flows;
            self.index
                .insert_unique(hash_of(hasher, key), position(at), |&i| {
                    hash_of(hasher, &flows[i as usize].0)
                });
        }
    }

    /// Every flow, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&FlowKey, &FlowState)> {
        self.flows.iter().map(|(k, s)| (k, s))
    }

    /// Takes every flow out, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = (FlowKey, FlowState)> + '_ {
        self.index.clear();
        self.flows.drain(..)
    }
}
