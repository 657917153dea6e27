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

/// A reading of a host's clock (a store's, or a call's fixed time) as epoch milliseconds, when
/// it is one: finite and not negative. Any other reading is no time at all (a fixed one is a
/// 400, `engine::parse_options`; a store's is ignored for the platform's).
pub fn valid_reading(ms: f64) -> Option<u64> {
    (ms.is_finite() && ms >= 0.0).then_some(ms as u64)
}

/// The time of a call whose clocks the host read for the core (the synchronous steps): its
/// fixed time, else its store's clock, else the platform's; a reading that is not a time
/// counts as none, as [`Clock::read`] has it for a store.
pub fn now_of(fixed: Option<f64>, store: Option<f64>) -> u64 {
    fixed.and_then(valid_reading).or_else(|| store.and_then(valid_reading)).unwrap_or_else(system_now)
}

#[cfg(target_arch = "wasm32")]
fn system_now() -> u64 {
    js_sys::Date::now() as u64
}

#[cfg(not(target_arch = "wasm32"))]
fn system_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
