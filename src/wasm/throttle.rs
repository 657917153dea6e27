//! The login throttle (`crate::login_throttle`) as a host holds it: one object per service. The
//! host keeps the attempts that wait (its promises) and says how many wait; every count and
//! decision is the core's. After a trap replaces the instance the host makes a new, empty one.

use wasm_bindgen::prelude::*;

use crate::login_throttle::{self, Entry, Outcome, LIMITS};

#[wasm_bindgen]
pub struct LoginThrottle {
    throttle: login_throttle::LoginThrottle,
}

#[wasm_bindgen]
impl LoginThrottle {
    pub fn create() -> LoginThrottle {
        LoginThrottle { throttle: login_throttle::LoginThrottle::new(LIMITS) }
    }

    #[wasm_bindgen(js_name = ttlSeconds)]
    pub fn ttl_seconds(&self) -> u32 {
        u32::try_from(self.throttle.ttl_seconds()).unwrap_or(u32::MAX)
    }

    /// `pair`: the username's throttle key and the client, as the host groups waiting attempts.
    /// 0: admitted, 1: to wait, 2: refused.
    pub fn enter(&mut self, pair: &str, waiting: u32, now: f64) -> u32 {
        match self.throttle.enter(pair, waiting as usize, now) {
            Entry::Admit => 0,
            Entry::Wait => 1,
            Entry::Refuse => 2,
        }
    }

    /// How many waiting attempts are admitted, or -1: all of them are refused.
    pub fn leave(&mut self, pair: &str, waiting: u32, now: f64) -> i32 {
        let released = self.throttle.leave(pair, waiting as usize, now);
        if released.refuse_rest {
            return -1;
        }
        i32::try_from(released.admit).unwrap_or(i32::MAX)
    }

    #[wasm_bindgen(js_name = admitName)]
    pub fn admit_name(&mut self, key: &str, stored: Option<String>, now: f64) -> bool {
        self.throttle.admit_name(key, stored.as_deref(), now)
    }

    /// `outcome`: "success", "failure" or anything else for an abandoned check.
    pub fn end(&mut self, pair: &str, key: &str, outcome: &str, known: bool, now: f64) {
        let outcome = match outcome {
            "success" => Outcome::Success,
            "failure" => Outcome::Failure { known },
            _ => Outcome::Abandoned,
        };
        self.throttle.end(pair, key, outcome, now);
    }

    #[wasm_bindgen(js_name = takeWrite)]
    pub fn take_write(&mut self, key: &str, now: f64) -> Option<String> {
        self.throttle.take_write(key, now)
    }

    pub fn unwritten(&mut self, key: &str) {
        self.throttle.unwritten(key);
    }
}
