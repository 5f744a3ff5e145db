//! Per-key tallies with one memory bound for the whole run: the host lists of unknown
//! ports and the failing client -> server pairs of every report line.
//!
//! A tally is exact while it holds at most its capacity of distinct keys, which covers
//! ordinary captures entirely. A scan or flood of random addresses and ports would
//! otherwise grow one entry per flow; past the capacity the lightest half of the entries
//! (over all report lines at once) is dropped, so the heavy hitters of every line stay
//! and memory stays flat. The report then says that its top lists are approximate.

use std::hash::Hash;

use rustc_hash::FxHashMap;

/// A value that can be tallied: merged on repeated keys and weighed for pruning.
pub trait Tallied: Default {
    /// How heavy the entry is (entries with the least weight are dropped first).
    fn weight(&self) -> u64;
}

/// Counts per key, with at most `capacity` keys held at once.
#[derive(Debug, Clone)]
pub struct BoundedTally<K, V> {
    map: FxHashMap<K, V>,
    capacity: usize,
    pruned: bool,
}

impl<K: Hash + Eq + Ord + Copy, V: Tallied> BoundedTally<K, V> {
    /// An empty tally that holds at most `capacity` keys (at least 2).
    pub fn new(capacity: usize) -> BoundedTally<K, V> {
        BoundedTally {
            map: FxHashMap::default(),
            capacity: capacity.max(2),
            pruned: false,
        }
    }

    /// Updates the value of `key` (a fresh default when the key is new, or was dropped).
    pub fn update(&mut self, key: K, update: impl FnOnce(&mut V)) {
        update(self.map.entry(key).or_default());
        if self.map.len() > self.capacity {
            self.prune();
        }
    }

    /// Keeps the heaviest half (ties broken by key, so the result is deterministic).
    fn prune(&mut self) {
        let keep = self.capacity / 2;
        let mut all: Vec<(K, V)> = self.map.drain().collect();
        all.select_nth_unstable_by(keep, |a, b| {
            b.1.weight().cmp(&a.1.weight()).then(a.0.cmp(&b.0))
        });
        all.truncate(keep);
        self.map.extend(all);
        self.pruned = true;
    }

    /// Whether entries were ever dropped (then counts are lower bounds and light keys
    /// may be missing).
    pub fn pruned(&self) -> bool {
        self.pruned
    }

    /// Distinct keys held now.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the tally holds nothing.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every entry, in no particular order.
    pub fn into_entries(self) -> impl Iterator<Item = (K, V)> {
        self.map.into_iter()
    }

    /// The entries grouped by `group_of(key)`, each group heaviest first (ties by key)
    /// and cut to `n` entries.
    pub fn top_by<G: Hash + Eq>(
        self,
        n: usize,
        group_of: impl Fn(&K) -> G,
    ) -> FxHashMap<G, Vec<(K, V)>> {
        let mut groups: FxHashMap<G, Vec<(K, V)>> = FxHashMap::default();
        for (k, v) in self.map {
            groups.entry(group_of(&k)).or_default().push((k, v));
        }
        for entries in groups.values_mut() {
            entries.sort_by(|a, b| b.1.weight().cmp(&a.1.weight()).then(a.0.cmp(&b.0)));
            entries.truncate(n);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Tallied for u64 {
        fn weight(&self) -> u64 {
            *self
        }
    }

    #[test]
    fn exact_below_capacity() {
        let mut t: BoundedTally<(u8, u32), u64> = BoundedTally::new(100);
        for i in 0..100u32 {
            t.update(((i % 2) as u8, i), |v| *v += u64::from(i));
            t.update(((i % 2) as u8, i), |v| *v += 1);
        }
        assert!(!t.pruned());
        let top = t.top_by(3, |k| k.0);
        assert_eq!(top[&0], vec![((0, 98), 99), ((0, 96), 97), ((0, 94), 95)]);
        assert_eq!(top[&1].len(), 3);
    }

    #[test]
    fn a_flood_stays_bounded_and_keeps_the_heavy_hitters() {
        let mut t: BoundedTally<u32, u64> = BoundedTally::new(1000);
        // Three heavy keys, each hit often among a million keys seen once.
        for i in 0..1_000_000u32 {
            t.update(i + 10, |v| *v += 1);
            if i % 100 == 0 {
                for heavy in 0..3 {
                    t.update(heavy, |v| *v += 5);
                }
            }
            assert!(t.len() <= 1000);
        }
        assert!(t.pruned());
        let top = t.top_by(3, |_| ());
        let keys: Vec<u32> = top[&()].iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, vec![0, 1, 2]);
        // Heavy from the start, so never dropped: exact.
        assert_eq!(top[&()][0].1, 5 * 10_000);
    }
}
