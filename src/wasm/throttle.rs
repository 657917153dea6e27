//! The login throttle (`crate::login_throttle`) as a host holds it: one object per service. The
//! host keeps the attempts that wait (its promises) and says how many wait; every count and
//! decision is the core's. After a trap replaces the instance the host makes a new, empty one.
//!
//! The host names a client and username with `pair` (the core says who is one client), which
//! answers none for an attempt the client's bucket refuses, before the host reads anything.
//! An attempt is one call when it is refused or known to succeed (a cached login) and two when
//! its password is checked (`start`, `finish`); a waiting one adds `resume`. Each answers a step
//! (0 admitted, 1 to wait, 2 refused, 3 done) plus [`WRITE`] when the username's bucket is due
//! to be stored (`takeWrite`). A call that let the pair's waiting attempts go on keeps what they
//! get for `released` (and `releasedLease`, the first of their leases), which the host asks
//! only when some wait. An admitted attempt's lease (`lease`, a number) goes with its `finish`.
//! A waiting attempt asks again at `retryAt` (`wake`): a place whose attempt the host never
//! ended (a request cancelled on workerd) frees itself when its lease runs out.

use wasm_bindgen::prelude::*;

use crate::login_throttle::{self, Outcome, Released, Step, LIMITS};
use crate::throttle_clients;
use crate::throttle_leases::Lease;

// The steps' codes; `STEP` masks the step from an answer.
const ADMITTED: u32 = 0;
const WAIT: u32 = 1;
const REFUSED: u32 = 2;
const DONE: u32 = 3;
const STEP: u32 = 3;
/// Added to a step: the username's bucket is due to be stored.
const WRITE: u32 = 4;

#[wasm_bindgen]
pub struct LoginThrottle {
    throttle: login_throttle::LoginThrottle,
    released: Released,
    /// The lease of the attempt the last `start` or `resume` admitted.
    lease: Lease,
}

#[wasm_bindgen]
impl LoginThrottle {
    pub fn create() -> LoginThrottle {
        LoginThrottle { throttle: login_throttle::LoginThrottle::new(LIMITS), released: Released::default(), lease: 0 }
    }

    /// What the host reads once, by the names it gives them: the steps' codes, the `STEP` mask
    /// and `WRITE` flag of an answer, and `MAX_WAIT_MS`, how long an attempt waits for the
    /// checks in flight before it gives up (`gaveUp`).
    pub fn terms(&self) -> String {
        let max_wait_ms = LIMITS.max_wait_ms;
        serde_json::json!({
            "ADMITTED": ADMITTED, "WAIT": WAIT, "REFUSED": REFUSED, "DONE": DONE,
            "STEP": STEP, "WRITE": WRITE, "MAX_WAIT_MS": max_wait_ms,
        })
        .to_string()
    }

    /// The step of an attempt refused outside `start` and `resume`: the client's bucket refused
    /// it (`pair` answered none), or it gave up waiting (after `max_wait_ms`, or its client went:
    /// `client_left`, and then it takes no write). Refused, plus [`WRITE`] when the username's
    /// bucket is due to be stored.
    #[wasm_bindgen(js_name = gaveUp)]
    pub fn gave_up(&self, key: &str, client_left: bool, now: f64) -> u32 {
        if client_left {
            REFUSED
        } else {
            REFUSED | self.write_flag(key, now)
        }
    }

    #[wasm_bindgen(js_name = ttlSeconds)]
    pub fn ttl_seconds(&self) -> u32 {
        u32::try_from(self.throttle.ttl_seconds()).unwrap_or(u32::MAX)
    }

    /// The key of a client and username (`pair` below) for the username's throttle key and the
    /// address text the host vouches for, as it is (`crate::throttle_clients` names the client:
    /// an IPv6 client is its /64), or none when the client's bucket refuses the attempt now: the
    /// host then refuses it without reading the username's stored bucket (a refused attempt
    /// changes nothing; a write already due may still be taken, `takeWrite`).
    pub fn pair(&mut self, key: &str, address: Option<String>, now: f64) -> Option<String> {
        let pair = throttle_clients::pair_key(key, address.as_deref());
        (!self.throttle.client_refuses(&pair, now)).then_some(pair)
    }

    /// `pair`: the username's throttle key (`key`) and the client, as the host groups waiting
    /// attempts; `stored`: the bucket read from the store; `known`: a check known to succeed.
    pub fn start(&mut self, pair: &str, key: &str, stored: Option<String>, waiting: u32, known: bool, now: f64) -> u32 {
        let step = self.throttle.start(pair, key, stored.as_deref(), waiting as usize, known, now);
        self.answer(step, key, now)
    }

    /// A waiting attempt was admitted (`released`) holding `lease`: it goes on as `start`'s
    /// admitted one.
    #[allow(clippy::too_many_arguments)] // the host's values, passed through one by one
    pub fn resume(
        &mut self,
        pair: &str,
        key: &str,
        stored: Option<String>,
        known: bool,
        lease: f64,
        waiting: u32,
        now: f64,
    ) -> u32 {
        let lease = lease_of(lease);
        let (step, released) = self.throttle.resume(pair, key, stored.as_deref(), known, lease, waiting as usize, now);
        self.released = released;
        self.answer(step, key, now)
    }

    /// The attempt holding `lease` ended. `outcome`: "success", "failure" or anything else for
    /// an abandoned check; answers [`WRITE`] or 0.
    #[allow(clippy::too_many_arguments)] // the host's values, passed through one by one
    pub fn finish(
        &mut self,
        pair: &str,
        key: &str,
        lease: f64,
        outcome: &str,
        known: bool,
        waiting: u32,
        now: f64,
    ) -> u32 {
        let outcome = match outcome {
            "success" => Outcome::Success,
            "failure" => Outcome::Failure { known },
            _ => Outcome::Abandoned,
        };
        self.released = self.throttle.finish(pair, key, lease_of(lease), outcome, waiting as usize, now);
        self.write_flag(key, now)
    }

    /// The pair's `waiting` attempts ask again (at `retryAt`): what they get is `released`.
    pub fn wake(&mut self, pair: &str, waiting: u32, now: f64) {
        self.released = self.throttle.wake(pair, waiting as usize, now);
    }

    /// When the pair's waiting attempts ask again if no attempt of it ends before (epoch ms).
    #[wasm_bindgen(js_name = retryAt)]
    pub fn retry_at(&mut self, pair: &str, now: f64) -> f64 {
        self.throttle.retry_at(pair, now)
    }

    /// The lease of the attempt the last `start` or `resume` admitted (answered 0).
    pub fn lease(&self) -> f64 {
        self.lease as f64
    }

    /// The lease of the first waiting attempt `released` admitted; the next ones follow by one.
    #[wasm_bindgen(js_name = releasedLease)]
    pub fn released_lease(&self) -> f64 {
        self.released.first as f64
    }

    /// What the waiting attempts got from the last `resume` or `finish`: how many of them are
    /// admitted, or -1: all of them are refused.
    pub fn released(&self) -> i32 {
        if self.released.refuse_rest {
            return -1;
        }
        i32::try_from(self.released.admit).unwrap_or(i32::MAX)
    }

    #[wasm_bindgen(js_name = takeWrite)]
    pub fn take_write(&mut self, key: &str, now: f64) -> Option<String> {
        self.throttle.take_write(key, now)
    }

    pub fn unwritten(&mut self, key: &str) {
        self.throttle.unwritten(key);
    }
}

/// A lease the host passes back, as the number it was given (the ids stay below 2^53, where
/// numbers are exact). `as` saturates: NaN or a negative number gives 0, which is no lease.
fn lease_of(lease: f64) -> Lease {
    lease as Lease
}

impl LoginThrottle {
    fn answer(&mut self, step: Step, key: &str, now: f64) -> u32 {
        match step {
            Step::Admitted(lease) => {
                self.lease = lease;
                ADMITTED
            }
            Step::Wait => WAIT,
            Step::Refused => REFUSED | self.write_flag(key, now),
            Step::Done => DONE | self.write_flag(key, now),
        }
    }

    fn write_flag(&self, key: &str, now: f64) -> u32 {
        if self.throttle.wants_write(key, now) {
            WRITE
        } else {
            0
        }
    }
}
