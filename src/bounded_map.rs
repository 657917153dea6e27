//! A map of at most `cap` entries (beyond while more are busy), the least recently used idle ones
//! forgotten first: the login throttle's state (`crate::login_throttle`), bounded whatever
//! keys a flood of requests brings, without forgetting a key with attempts in flight.

use std::collections::BTreeMap;

pub struct BoundedMap<T> {
    cap: usize,
    tick: u64,
    entries: BTreeMap<String, (u64, T)>,
    /// The keys by last use, oldest first: eviction in O(log n), not a scan.
    by_use: BTreeMap<u64, String>,
}

impl<T: Default> BoundedMap<T> {
    pub fn new(cap: usize) -> Self {
        BoundedMap { cap, tick: 0, entries: BTreeMap::new(), by_use: BTreeMap::new() }
    }

    /// The entry of `key`, made if missing, now the most recently used; `busy` says which
    /// entries must not be forgotten to make room.
    pub fn get(&mut self, key: &str, busy: impl Fn(&T) -> bool) -> &mut T {
        self.tick += 1;
        let tick = self.tick;
        match self.entries.get_mut(key) {
            Some((used, _)) => {
                self.by_use.remove(used);
                *used = tick;
            }
            None => {
                self.entries.insert(key.to_string(), (tick, T::default()));
            }
        }
        self.by_use.insert(tick, key.to_string());
        if self.entries.len() > self.cap {
            self.forget_idle(tick, busy);
        }
        &mut self.entries.entry(key.to_string()).or_insert_with(|| (tick, T::default())).1
    }

    /// The entry of `key`, if any, without using it.
    pub fn peek(&self, key: &str) -> Option<&T> {
        self.entries.get(key).map(|(_, entry)| entry)
    }

    /// Forgets the least recently used idle entries beyond `cap`, never the one used at `now`.
    fn forget_idle(&mut self, now: u64, busy: impl Fn(&T) -> bool) {
        let excess = self.entries.len().saturating_sub(self.cap);
        let idle: Vec<(u64, String)> = self
            .by_use
            .range(..now)
            .filter(|(_, key)| self.entries.get(*key).is_some_and(|(_, entry)| !busy(entry)))
            .take(excess)
            .map(|(tick, key)| (*tick, key.clone()))
            .collect();
        for (tick, key) in idle {
            self.by_use.remove(&tick);
            self.entries.remove(&key);
        }
    }
}
