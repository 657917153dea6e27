//! Time, in epoch milliseconds. A host may fix it for a call (tests); otherwise it is the
//! store's clock where the store has one (MemoryKV's injectable clock), else the platform's
//! (`Date.now()` in wasm, the system clock natively). An unfixed clock is read again during a
//! call: a bulk invalidation stamps its watermark when it writes it, so that a refresh that read
//! the store before that write is covered by it.

use crate::store::KvStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Fixed(u64),
    Store,
}

impl Clock {
    pub fn read<S: KvStore>(self, store: &S) -> u64 {
        match self {
            Clock::Fixed(now) => now,
            Clock::Store => store.clock().unwrap_or_else(system_now),
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn system_now() -> u64 {
    js_sys::Date::now() as u64
}

#[cfg(not(target_arch = "wasm32"))]
fn system_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
