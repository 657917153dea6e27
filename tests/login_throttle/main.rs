//! The login throttle's counts and decisions (src/login_throttle.rs), natively, on a clock the
//! rows move by hand. The host's side (promises, store writes) is tested through the service in
//! tests/service/throttle.test.mjs.
//!
//! One test crate in three modules: the counts and back-off (`counts`), the places in flight as
//! leases (`leases`), and the per-client bucket (`clients`); the shared rows' helpers are here.

use edge_token::login_throttle::{Entry, Limits, LoginThrottle, Outcome, Released, Step, LIMITS};
use edge_token::throttle_leases::Lease;

pub(crate) const NAME: &str = "login:victim";
pub(crate) const PAIR: &str = "login:victim 192.0.2.1";
pub(crate) const OTHER_CLIENT: &str = "login:victim 198.51.100.7";
pub(crate) const T0: f64 = 1_767_225_600_000.0;
pub(crate) const SECOND: f64 = 1000.0;

/// One whole attempt of `pair`: admitted by both limits, then ended with `outcome`.
pub(crate) fn attempt(t: &mut LoginThrottle, pair: &str, outcome: Outcome, now: f64) -> bool {
    let Entry::Admit(lease) = t.enter(pair, 0, now) else { return false };
    if !t.admit_name(NAME, lease, None, now) {
        t.leave(pair, lease, 0, now);
        return false;
    }
    t.end(pair, NAME, lease, outcome, now);
    t.leave(pair, lease, 0, now);
    true
}

/// The lease of an admitted entry or step (a failed row otherwise).
pub(crate) fn admitted(entry: Entry) -> Lease {
    assert!(matches!(entry, Entry::Admit(_)), "not admitted: {entry:?}");
    let Entry::Admit(lease) = entry else { return 0 };
    lease
}

pub(crate) fn checked(step: Step) -> Lease {
    assert!(matches!(step, Step::Admitted(_)), "not admitted: {step:?}");
    let Step::Admitted(lease) = step else { return 0 };
    lease
}

/// What waiting attempts got, without the leases' identities.
pub(crate) fn got(released: Released) -> (usize, bool) {
    (released.admit, released.refuse_rest)
}

pub(crate) const FAIL: Outcome = Outcome::Failure { known: true };

mod clients;
mod counts;
mod leases;
