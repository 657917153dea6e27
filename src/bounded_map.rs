//! A map of at most `cap` entries (beyond while more are busy), the least recently used idle ones
//! forgotten first, and of those the clean ones before the held ones: the login throttle's state
//! (`crate::login_throttle`), bounded whatever keys a flood of requests brings, without
//! forgetting a key with attempts in flight, nor a lock or a count while a key that holds
//! nothing can go instead.

use std::collections::BTreeMap;

pub struct BoundedMap<T> {
    cap: usize,
    tick: u64,
    /// Each entry with its last use and whether it was held then.
    entries: BTreeMap<String, (u64, bool, T)>,
    /// The keys by last use, oldest first, clean (`[0]`) and held (`[1]`): eviction in
    /// O(log n), not a scan.
    by_use: [BTreeMap<u64, String>; 2],
}

impl<T: Default> BoundedMap<T> {
    pub fn new(cap: usize) -> Self {
        BoundedMap { cap, tick: 0, entries: BTreeMap::new(), by_use: [BTreeMap::new(), BTreeMap::new()] }
    }

    /// The entry of `key`, made if missing, now the most recently used; `busy` says which
    /// entries must not be forgotten to make room, `held` which go after the others (a
    /// lock or a count: the entry's state as it is used, so a change shows at its next use).
    pub fn get(&mut self, key: &str, busy: impl Fn(&T) -> bool, held: impl Fn(&T) -> bool) -> &mut T {
        self.tick += 1;
        let tick = self.tick;
        let kept = match self.entries.get_mut(key) {
            Some((used, was_held, entry)) => {
                order(&mut self.by_use, *was_held).remove(used);
                *was_held = held(entry);
                *used = tick;
                *was_held
            }
            None => {
                self.entries.insert(key.to_string(), (tick, false, T::default()));
                false
            }
        };
        order(&mut self.by_use, kept).insert(tick, key.to_string());
        if self.entries.len() > self.cap {
            self.forget_idle(tick, busy);
        }
        &mut self.entries.entry(key.to_string()).or_insert_with(|| (tick, false, T::default())).2
    }

    /// The entry of `key`, if any, without using it.
    pub fn peek(&self, key: &str) -> Option<&T> {
        self.entries.get(key).map(|(_, _, entry)| entry)
    }

    /// Forgets the least recently used idle entries beyond `cap`, clean ones first, never the
    /// one used at `now`.
    fn forget_idle(&mut self, now: u64, busy: impl Fn(&T) -> bool) {
        for held in [false, true] {
            let excess = self.entries.len().saturating_sub(self.cap);
            let entries = &self.entries;
            let idle: Vec<(u64, String)> = self
                .by_use
                .get(usize::from(held))
                .into_iter()
                .flat_map(|order| order.range(..now))
                .filter(|(_, key)| entries.get(*key).is_some_and(|(_, _, entry)| !busy(entry)))
                .take(excess)
                .map(|(tick, key)| (*tick, key.clone()))
                .collect();
            for (tick, key) in idle {
                order(&mut self.by_use, held).remove(&tick);
                self.entries.remove(&key);
            }
        }
    }
}

/// The order of the clean keys or of the held ones.
fn order(by_use: &mut [BTreeMap<u64, String>; 2], held: bool) -> &mut BTreeMap<u64, String> {
    let [clean, kept] = by_use;
    if held {
        kept
    } else {
        clean
    }
}
