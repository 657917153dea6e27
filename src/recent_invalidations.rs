//! The bulk invalidations of this instance (one isolate, or the Durable Object): in flight, or
//! written in the last minute, by watermark key.
//!
//! Why: a refresh reads the invalidation watermarks, then writes its successor pair. A bulk
//! invalidation of the same owner in this instance may stamp and write its watermark between
//! those two steps, and the new pair would escape it. A refresh asks here just before it
//! writes: a covering invalidation in flight, or one written since, refuses it, as if the
//! invalidation had run first. Across instances, KV's propagation window remains (README).

use std::cell::RefCell;

/// How long a written watermark is remembered: longer than any refresh takes between its read
/// and its write (the store's deadline is 10 s).
const REMEMBER_MS: u64 = 60_000;
/// At most this many entries are kept; the oldest written ones are forgotten first.
const CAPACITY: usize = 1_000;

struct Entry {
    id: u64,
    key: String,
    /// `None` while the invalidation is in flight; then its watermark time.
    at: Option<u64>,
    written: u64,
}

thread_local! {
    static RECENT: RefCell<(u64, Vec<Entry>)> = const { RefCell::new((0, Vec::new())) };
}

/// An invalidation in flight; dropped without [`Ticket::written`] (it failed), it is forgotten.
pub struct Ticket {
    id: u64,
}

/// Records that an invalidation of watermark `key` has begun.
pub fn begin(key: &str, now: u64) -> Ticket {
    RECENT.with_borrow_mut(|(next, entries)| {
        *next = next.wrapping_add(1);
        entries.retain(|e| e.at.is_none() || now.saturating_sub(e.written) < REMEMBER_MS);
        if entries.len() >= CAPACITY {
            if let Some(oldest) = entries.iter().position(|e| e.at.is_some()) {
                entries.remove(oldest);
            }
        }
        entries.push(Entry { id: *next, key: key.to_string(), at: None, written: now });
        Ticket { id: *next }
    })
}

impl Ticket {
    /// The watermark was written at `at`.
    pub fn written(self, at: u64, now: u64) {
        RECENT.with_borrow_mut(|(_, entries)| {
            if let Some(entry) = entries.iter_mut().find(|e| e.id == self.id) {
                entry.at = Some(at);
                entry.written = now;
            }
        });
        std::mem::forget(self);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let id = self.id;
        RECENT.with_borrow_mut(|(_, entries)| entries.retain(|e| e.id != id));
    }
}

/// Whether an invalidation of one of `keys` is in flight, or was written covering a token
/// created at `creation_time`.
pub fn covers(keys: &[String], creation_time: u64) -> bool {
    RECENT.with_borrow(|(_, entries)| {
        entries.iter().any(|e| keys.contains(&e.key) && e.at.is_none_or(|at| at >= creation_time))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_written_failed_and_forgotten() {
        let keys = vec!["w:a".to_string()];
        let ticket = begin("w:a", 1_000);
        assert!(covers(&keys, 5_000), "in flight covers everything");
        ticket.written(2_000, 2_000);
        assert!(covers(&keys, 2_000) && !covers(&keys, 2_001));
        assert!(!covers(&["w:b".to_string()], 0));
        drop(begin("w:b", 3_000));
        assert!(!covers(&["w:b".to_string()], 0), "a failed invalidation is forgotten");
        begin("w:c", 2_000 + REMEMBER_MS).written(1, 2_000 + REMEMBER_MS);
        assert!(!covers(&keys, 0), "a minute later the store has it everywhere here");
    }
}
