//! The bulk invalidations of this instance (one isolate, or the Durable Object): in flight, or
//! written in the last minute, by watermark key; and the watermarks its checks read lately.
//!
//! Why: a refresh reads the invalidation watermarks, then writes its successor pair. A bulk
//! invalidation of the same owner in this instance may stamp and write its watermark between
//! those two steps, and the new pair would escape it. A refresh asks here just before it
//! writes: a covering invalidation in flight, or one written since, refuses it, as if the
//! invalidation had run first. Across instances, KV's propagation window remains (README).
//!
//! The checks' watermarks: a check of a token with its owner's tag reads three watermarks
//! beside the document; a check within [`CHECK_CACHE_MS`] of one that read them for the same
//! store uses their values again and reads only the document and its own invalidation keys
//! (docs/storage-schema.md). Never for a watermark this instance is writing or wrote in the last
//! minute (those are read from the store, which shows this location's writes at once), never
//! for store 0 (the Durable Object's: its reads stay fresh). State of this wasm instance only: a
//! trap that replaces the instance empties it together with the invalidations above.

use std::cell::RefCell;
use std::collections::HashMap;

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

/// How long a check uses a watermark it read again without reading it: what this adds to KV's
/// own window for invalidations made in other isolates (README, "Consistency on Workers KV").
pub const CHECK_CACHE_MS: u64 = 5_000;
/// At most this many watermarks are kept (about 100 bytes each); when full, the stale ones are
/// dropped, and if none is, all of them.
const CHECK_CACHE_CAPACITY: usize = 1_000;

struct Read {
    value: Option<String>,
    at: u64,
}

thread_local! {
    static READS: RefCell<HashMap<(u32, String), Read>> = RefCell::new(HashMap::new());
}

/// Whether an invalidation of watermark `key` is in flight here, or was written here lately.
fn touched(key: &str) -> bool {
    RECENT.with_borrow(|(_, entries)| entries.iter().any(|e| e.key == key))
}

fn fresh(at: u64, now: u64) -> bool {
    now >= at && now - at < CHECK_CACHE_MS
}

/// The value of watermark `key` of `store` (`None` inside: no such key) a check read less than
/// [`CHECK_CACHE_MS`] ago, unless this instance invalidates that scope or did lately.
pub fn cached_watermark(store: u32, key: &str, now: u64) -> Option<Option<String>> {
    if store == 0 || touched(key) {
        return None;
    }
    READS.with_borrow(|reads| {
        let read = reads.get(&(store, key.to_string()))?;
        fresh(read.at, now).then(|| read.value.clone())
    })
}

/// Keeps what a check read of watermark `key` of `store` at `now` (read from the store, never
/// a value this cache gave: that would extend its age).
pub fn remember_watermark(store: u32, key: &str, value: Option<String>, now: u64) {
    if store == 0 || touched(key) {
        return;
    }
    READS.with_borrow_mut(|reads| {
        if reads.len() >= CHECK_CACHE_CAPACITY {
            reads.retain(|_, read| fresh(read.at, now));
            if reads.len() >= CHECK_CACHE_CAPACITY {
                reads.clear();
            }
        }
        reads.insert((store, key.to_string()), Read { value, at: now });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_reuse_watermarks_briefly_per_store_never_across_a_local_invalidation() {
        let v = |s: &str| Some(s.to_string());
        remember_watermark(1, "w:x", v("5"), 10_000);
        assert_eq!(cached_watermark(1, "w:x", 10_000 + CHECK_CACHE_MS - 1), Some(v("5")));
        assert_eq!(cached_watermark(1, "w:x", 10_000 + CHECK_CACHE_MS), None, "stale");
        assert_eq!(cached_watermark(1, "w:x", 9_999), None, "a clock that went back");
        assert_eq!(cached_watermark(2, "w:x", 10_000), None, "another store");
        remember_watermark(1, "w:y", None, 10_000);
        assert_eq!(cached_watermark(1, "w:y", 10_001), Some(None), "an absent watermark is a value too");
        remember_watermark(0, "w:z", None, 10_000);
        assert_eq!(cached_watermark(0, "w:z", 10_000), None, "store 0 reads fresh");
        let ticket = begin("w:x", 10_001);
        assert_eq!(cached_watermark(1, "w:x", 10_002), None, "in flight here");
        remember_watermark(1, "w:x", v("6"), 10_002);
        ticket.written(10_003, 10_003);
        assert_eq!(cached_watermark(1, "w:x", 10_004), None, "written here");
        for i in 0..CHECK_CACHE_CAPACITY + 5 {
            remember_watermark(3, &format!("w:{i}"), None, 20_000);
        }
        assert!(READS.with_borrow(HashMap::len) <= CHECK_CACHE_CAPACITY, "bounded");
    }

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
