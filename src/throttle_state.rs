//! The login throttle's state per key (`crate::login_throttle`): a client and username's
//! failures and back-off, a bucket of failed checks (a username's or a client's), and the rules
//! that age them.

use serde_json::Value;

use crate::login_throttle::Limits;
use crate::throttle_leases::Leases;

#[derive(Default)]
pub struct Pair {
    pub failures: u32,
    pub until: f64,
    pub at: f64,
    pub in_flight: Leases,
}

/// A bucket of failed checks: a username's (`known`: the username exists, so the bucket may be
/// stored; `dirty`: changed since `written_at`), or a client's (never stored).
pub struct Name {
    pub score: f64,
    pub at: f64,
    pub in_flight: Leases,
    pub known: bool,
    pub dirty: bool,
    pub written_at: f64,
}

impl Default for Name {
    fn default() -> Self {
        Name {
            score: 0.0,
            at: 0.0,
            in_flight: Leases::default(),
            known: false,
            dirty: false,
            written_at: f64::NEG_INFINITY,
        }
    }
}

impl Name {
    /// The bucket's failures at `now` (it drains `capacity` per window) and its checks in flight.
    pub fn used(&self, capacity: f64, limits: &Limits, now: f64) -> f64 {
        level(self.score, self.at, capacity, limits, now) + self.in_flight.len() as f64
    }

    /// One more failure at `now`.
    pub fn fail(&mut self, capacity: f64, limits: &Limits, now: f64) {
        (self.score, self.at) = (level(self.score, self.at, capacity, limits, now) + 1.0, now);
    }
}

/// One key's state: a client and username's (`pair`), or a username's or a client's bucket
/// (`name`), the other half unused. All kinds share one map (one set of map code in the wasm);
/// their keys never collide (`crate::throttle_clients`).
#[derive(Default)]
pub struct Slot {
    pub pair: Pair,
    pub name: Name,
}

impl Slot {
    /// Whether an attempt holds a place here at `now` (then the slot is never forgotten).
    pub fn busy(&self, now: f64) -> bool {
        self.pair.in_flight.live(now) || self.name.in_flight.live(now)
    }

    /// Whether it holds a count (a pair's failures, a bucket's score): then it is forgotten only
    /// when no idle key that holds none is left ([`crate::bounded_map`]), so a flood of other
    /// keys pushes out no lock while keys that lose nothing can go.
    pub fn held(&self) -> bool {
        self.pair.failures > 0 || self.name.score > 0.0
    }
}

/// Forgets failures older than the window.
pub fn age(pair: &mut Pair, limits: &Limits, now: f64) {
    if pair.failures > 0 && now - pair.at > limits.window_ms {
        (pair.failures, pair.until) = (0, 0.0);
    }
}

/// How many attempts of a pair may be checked at once: the failures left before the back-off.
pub fn slots(pair: &Pair, limits: &Limits) -> usize {
    limits.threshold.saturating_sub(pair.failures).max(1) as usize
}

/// The back-off after `failures` consecutive failures (none below the threshold).
pub fn lock_for(failures: u32, limits: &Limits) -> f64 {
    let Some(over) = failures.checked_sub(limits.threshold) else { return 0.0 };
    (limits.base_ms * 2f64.powi(over.min(40) as i32)).min(limits.max_ms)
}

/// A bucket's level at `now`: it drains `capacity` per window, continuously.
pub fn level(score: f64, at: f64, capacity: f64, limits: &Limits, now: f64) -> f64 {
    let drained = (now - at).max(0.0) * capacity / limits.window_ms;
    (score - drained).max(0.0)
}

/// A stored bucket `{"score","at"}`, or None for one that does not parse (then it is ignored).
pub fn parse_bucket(text: &str) -> Option<(f64, f64)> {
    let value: Value = serde_json::from_str(text).ok()?;
    let number = |name: &str| value.get(name).and_then(Value::as_f64).filter(|n| n.is_finite());
    Some((number("score")?, number("at")?))
}
