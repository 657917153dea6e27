//! The throttle on password guessing, for both ways a password is checked (Basic auth and the
//! password grant). Elasticsearch has no such throttle; this service runs on the open internet,
//! so it adds one that stays invisible on the wire: a throttled attempt gets the ordinary
//! failed-login 401 *without* checking the password (the right password is refused too: that is
//! what stops the guessing). Three limits apply to every attempt:
//!
//! - per client and username (the client: its address, an IPv6 one's /64,
//!   `crate::throttle_clients`): after `threshold` consecutive failures, each further failure
//!   locks this client out of this username for a back-off that doubles from `base_ms` up to
//!   `max_ms`. A success resets the count, and failures further apart than `window_ms` start
//!   over, so a lock always ends by itself. Keyed by client, a stranger's guesses never lock the
//!   real owner out.
//! - per username, all clients together: at most `per_username` failed checks per `window_ms`
//!   (a leaky bucket that drains continuously), which slows a guesser with many addresses. One
//!   client cannot fill it: its own back-off admits a few failures per window at most.
//! - per client, all usernames together: at most `per_client` failed checks per `window_ms`, a
//!   bucket of the same kind (kept in memory only). Without it one client varying the username
//!   met no back-off: each made-up name cost a (decoy) hash, and its pairs pushed the client's
//!   own locks out of the map. Checked first, so an attempt it refuses makes no other state: one
//!   client adds at most two keys (its pair's and the username's) per check it is admitted to.
//!   The unknown client (no address given: everyone) has no such bucket.
//!
//! Attempts are counted when they START: however many arrive at once, at most `threshold` per
//! client and username are being checked at a time (one once the back-off has begun); the others
//! wait for those checks and are then decided, so a burst of guesses costs a few hashes, and a
//! burst of right passwords (a client's parallel requests) all succeed. The host keeps the
//! waiting attempts (they are its promises) and tells each call how many wait; this module
//! keeps every count and makes every decision.
//!
//! A place in flight is a lease (`crate::throttle_leases`): an attempt the host never ends (on
//! workerd, one whose client disconnected) holds its places for [`Limits::lease_ms`] at most.
//! Expired places are forgotten whenever their key is next looked at, and the waiting attempts
//! of a pair ask again ([`LoginThrottle::wake`]) when its first lease ends
//! ([`LoginThrottle::retry_at`]), so they are admitted then.
//!
//! State is per instance, for at most `cache_size` keys of each kind on average (the least
//! recently used idle ones are forgotten first, those that hold no count before any that does;
//! a busy one is kept, so a flood of other keys cannot reset its count, and one client's own
//! flood is bounded by its bucket). Only the bucket of a username that exists is shared through
//! the store, so that other isolates see a username under attack: written at most once per
//! `write_interval_ms`, with a TTL of the window; failures for unknown usernames never write
//! (anonymous traffic costs no store writes). Of the stored copy and this one the fuller bucket
//! wins.

use crate::bounded_map::BoundedMap;
use crate::throttle_clients::client_slot;
use crate::throttle_leases::{Ids, Lease, LEASE_MS};
use crate::throttle_state::{age, level, lock_for, parse_bucket, slots, Slot};

/// The throttle's limits (the service has no setting for them).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub threshold: u32,
    pub base_ms: f64,
    pub max_ms: f64,
    pub window_ms: f64,
    pub per_username: f64,
    /// Failed checks per window of one client, over all usernames.
    pub per_client: f64,
    pub write_interval_ms: f64,
    pub cache_size: usize,
    /// How long a place in flight is held without its attempt being ended.
    pub lease_ms: f64,
    /// How long the host lets an attempt wait for the checks in flight before it gives up
    /// (refused): a bound on a request's wait, the checks and leases ending well before.
    pub max_wait_ms: f64,
}

pub const LIMITS: Limits = Limits {
    threshold: 5,
    base_ms: 1000.0,
    max_ms: 5.0 * 60.0 * 1000.0,
    window_ms: 15.0 * 60.0 * 1000.0,
    per_username: 100.0,
    per_client: 100.0,
    write_interval_ms: 60.0 * 1000.0,
    cache_size: 10_000,
    lease_ms: LEASE_MS,
    max_wait_ms: 60.0 * 1000.0,
};

/// What becomes of an attempt that asks to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Admitted, holding the place of this lease.
    Admit(Lease),
    /// Waits for the checks in flight; the host hands it to [`LoginThrottle::wake`]'s answer.
    Wait,
    Refuse,
}

/// What the waiting attempts of a client and username get when a check of theirs ends (or a
/// lease runs out): the first `admit` of them are admitted (and counted in flight, holding the
/// leases `first`, `first + 1`, ...) and the rest keep waiting, or all are refused
/// (`refuse_rest`: a lock began, or the client's bucket is full; then `admit` is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Released {
    pub admit: usize,
    pub first: Lease,
    pub refuse_rest: bool,
}

/// Where an attempt stands after [`LoginThrottle::start`] or [`LoginThrottle::resume`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Being checked, holding this lease: [`LoginThrottle::finish`] ends it.
    Admitted(Lease),
    /// Waits for the checks in flight; the host hands it to [`LoginThrottle::wake`]'s answer.
    Wait,
    Refused,
    /// A check known to succeed, admitted and ended as a success.
    Done,
}

/// How an admitted attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure {
        known: bool,
    },
    /// The check could not be made (the store failed): counted neither way.
    Abandoned,
}

pub struct LoginThrottle {
    limits: Limits,
    /// Every kind of state (pairs, usernames, clients), at most `cache_size` of each on average.
    state: BoundedMap<Slot>,
    leases: Ids,
}

impl LoginThrottle {
    pub fn new(limits: Limits) -> Self {
        LoginThrottle { limits, state: BoundedMap::new(limits.cache_size.saturating_mul(2)), leases: Ids::default() }
    }

    /// The state of `key` (a pair's or a name's), with the places whose lease ended forgotten.
    fn slot(&mut self, key: &str, now: f64) -> &mut Slot {
        let slot = self.state.get(key, |slot| slot.busy(now), Slot::held);
        slot.pair.in_flight.expire(now);
        slot.name.in_flight.expire(now);
        slot
    }

    /// The TTL of a stored bucket, in seconds (KV's least is 60).
    pub fn ttl_seconds(&self) -> u64 {
        (self.limits.window_ms / 1000.0).ceil().max(60.0) as u64
    }

    /// An attempt of `pair_key` (a client and username's key, `crate::throttle_clients::pair_key`)
    /// asks to be checked, with `waiting` attempts of it already waiting.
    pub fn enter(&mut self, pair_key: &str, waiting: usize, now: f64) -> Entry {
        let limits = self.limits;
        // The client's bucket first: an attempt it refuses makes no state for its pair or
        // username, so one client cannot push its own back-off out of the map with a flood of
        // usernames (it makes two entries per check its bucket admits).
        let client = client_slot(pair_key);
        if self.client_room(client.as_deref(), now) == 0 {
            return Entry::Refuse;
        }
        let pair = &mut self.state.get(pair_key, |slot| slot.busy(now), Slot::held).pair;
        pair.in_flight.expire(now);
        age(pair, &limits, now);
        if pair.until > now {
            return Entry::Refuse;
        }
        if pair.in_flight.len() >= slots(pair, &limits) || waiting > 0 {
            return Entry::Wait;
        }
        let lease = self.leases.next(now);
        pair.in_flight.take(lease, now, limits.lease_ms);
        if let Some(client) = &client {
            self.slot(client, now).name.in_flight.take(lease, now, limits.lease_ms);
        }
        Entry::Admit(lease)
    }

    /// Whether the client's bucket refuses an attempt of `pair_key` now, as [`Self::enter`] would
    /// (which asks again). The host asks before it reads the username's stored bucket, so that a
    /// client its bucket refuses costs no store read; the answer changes no count and makes no
    /// state (a client not in the map has room).
    pub fn client_refuses(&mut self, pair_key: &str, now: f64) -> bool {
        let client = client_slot(pair_key).filter(|client| self.state.peek(client).is_some());
        self.client_room(client.as_deref(), now) == 0
    }

    /// How many more checks the client's bucket (`client`, its key) has room for: its failures
    /// and its places in flight count. The unknown client has no bucket.
    fn client_room(&mut self, client: Option<&str>, now: f64) -> usize {
        let Some(client) = client else { return usize::MAX };
        let limits = self.limits;
        let used = self.slot(client, now).name.used(limits.per_client, &limits, now);
        (limits.per_client - used).floor().max(0.0) as usize
    }

    /// The attempt of the pair holding `lease` has ended (its place freed, unless its lease ran
    /// out: then it frees nothing): what the pair's `waiting` attempts get.
    pub fn leave(&mut self, pair: &str, lease: Lease, waiting: usize, now: f64) -> Released {
        self.slot(pair, now).pair.in_flight.free(lease);
        if let Some(client) = client_slot(pair) {
            self.slot(&client, now).name.in_flight.free(lease);
        }
        self.wake(pair, waiting, now)
    }

    /// What the pair's `waiting` attempts get now: the host asks when a place may have freed
    /// (an attempt ended, [`Self::leave`], or a lease ran out, [`Self::retry_at`]).
    pub fn wake(&mut self, pair_key: &str, waiting: usize, now: f64) -> Released {
        let limits = self.limits;
        let mut released = Released::default();
        let client = client_slot(pair_key);
        let room = self.client_room(client.as_deref(), now);
        let pair = &mut self.state.get(pair_key, |slot| slot.busy(now), Slot::held).pair;
        pair.in_flight.expire(now);
        while released.admit < waiting {
            age(pair, &limits, now);
            if pair.until > now {
                released.refuse_rest = true;
                break;
            }
            if pair.in_flight.len() >= slots(pair, &limits) {
                break;
            }
            if released.admit >= room {
                // The client's bucket is full: refused now, unless some were admitted (then
                // the rest wait for the next release, which refuses them).
                released.refuse_rest = released.admit == 0;
                break;
            }
            let lease = self.leases.next(now);
            if released.admit == 0 {
                released.first = lease;
            }
            pair.in_flight.take(lease, now, limits.lease_ms);
            released.admit += 1;
        }
        if let Some(client) = &client {
            let bucket = &mut self.slot(client, now).name;
            for lease in (0..released.admit as Lease).map(|n| released.first.saturating_add(n)) {
                bucket.in_flight.take(lease, now, limits.lease_ms);
            }
        }
        released
    }

    /// When the pair's waiting attempts should ask again ([`Self::wake`]) if no attempt ends
    /// before: when its first place in flight ends (a lease from now, when it holds none).
    pub fn retry_at(&mut self, pair: &str, now: f64) -> f64 {
        let lease_ms = self.limits.lease_ms;
        self.slot(pair, now).pair.in_flight.next_end().unwrap_or(now + lease_ms)
    }

    /// Whether the username's bucket (the `stored` copy, JSON text, adopted when fuller) has
    /// room for one more check; if so the attempt is counted in flight on it, holding `lease`.
    pub fn admit_name(&mut self, key: &str, lease: Lease, stored: Option<&str>, now: f64) -> bool {
        let limits = self.limits;
        let name = &mut self.slot(key, now).name;
        if let Some((score, at)) = stored.and_then(parse_bucket) {
            name.known = true; // only known usernames are ever stored
            if level(score, at, limits.per_username, &limits, now)
                > level(name.score, name.at, limits.per_username, &limits, now)
            {
                (name.score, name.at, name.dirty) = (score, at, false);
            }
        }
        if name.used(limits.per_username, &limits, now) + 1.0 > limits.per_username {
            return false;
        }
        name.in_flight.take(lease, now, limits.lease_ms);
        true
    }

    /// The attempt holding `lease`, admitted by both limits, ended (`leave` follows, for the
    /// pair's waiting). Its outcome counts even when its lease ran out: the check was made.
    pub fn end(&mut self, pair: &str, key: &str, lease: Lease, outcome: Outcome, now: f64) {
        let limits = self.limits;
        let name = &mut self.slot(key, now).name;
        name.in_flight.free(lease);
        if let Outcome::Failure { known: true } = outcome {
            name.known = true;
        }
        if let Outcome::Failure { .. } = outcome {
            name.fail(limits.per_username, &limits, now);
            name.dirty = true;
            if let Some(client) = client_slot(pair) {
                self.slot(&client, now).name.fail(limits.per_client, &limits, now);
            }
        }
        let pair = &mut self.slot(pair, now).pair;
        match outcome {
            Outcome::Success => (pair.failures, pair.until, pair.at) = (0, 0.0, now),
            Outcome::Failure { .. } => {
                age(pair, &limits, now);
                let failures = pair.failures.saturating_add(1);
                let lock = lock_for(failures, &limits);
                (pair.failures, pair.until, pair.at) = (failures, if lock > 0.0 { now + lock } else { 0.0 }, now);
            }
            Outcome::Abandoned => {}
        }
    }

    /// An attempt of `pair` begins, `waiting` of its pair already waiting (the host's call for
    /// [`Self::enter`] and, once admitted, [`Self::admit_name`]). `known`: the check is known to
    /// succeed before it is made (a login the realm cache knows), so an admitted attempt is ended
    /// as a success at once ([`Step::Done`]), as [`Self::end`] and [`Self::leave`] would.
    pub fn start(
        &mut self,
        pair: &str,
        key: &str,
        stored: Option<&str>,
        waiting: usize,
        known: bool,
        now: f64,
    ) -> Step {
        match self.enter(pair, waiting, now) {
            Entry::Refuse => Step::Refused,
            Entry::Wait => Step::Wait,
            // Admitted with none waiting, so nobody to release.
            Entry::Admit(lease) => self.resume(pair, key, stored, known, lease, 0, now).0,
        }
    }

    /// A waiting attempt that [`Self::wake`] admitted on its pair, holding `lease`, goes on as
    /// [`Self::start`]'s admitted one; what the pair's `waiting` attempts get when it leaves the
    /// pair at once (refused by the username's bucket, or done).
    #[allow(clippy::too_many_arguments)] // the host's values, passed through one by one
    pub fn resume(
        &mut self,
        pair: &str,
        key: &str,
        stored: Option<&str>,
        known: bool,
        lease: Lease,
        waiting: usize,
        now: f64,
    ) -> (Step, Released) {
        if !self.admit_name(key, lease, stored, now) {
            return (Step::Refused, self.leave(pair, lease, waiting, now));
        }
        if !known {
            return (Step::Admitted(lease), Released::default());
        }
        self.end(pair, key, lease, Outcome::Success, now);
        (Step::Done, self.leave(pair, lease, waiting, now))
    }

    /// The attempt holding `lease` ended: [`Self::end`], then [`Self::leave`] for the pair's
    /// `waiting`.
    pub fn finish(
        &mut self,
        pair: &str,
        key: &str,
        lease: Lease,
        outcome: Outcome,
        waiting: usize,
        now: f64,
    ) -> Released {
        self.end(pair, key, lease, outcome, now);
        self.leave(pair, lease, waiting, now)
    }

    /// Whether [`Self::take_write`] would answer a bucket now (without taking it).
    pub fn wants_write(&self, key: &str, now: f64) -> bool {
        self.state.peek(key).is_some_and(|slot| {
            let name = &slot.name;
            name.known && name.dirty && now - name.written_at >= self.limits.write_interval_ms
        })
    }

    /// The bucket to store for a known username with a pending change, at most once per
    /// interval (JSON text), or None. [`Self::unwritten`] puts it back when the write fails.
    /// Asking makes no state: a refused attempt asks without knowing whether one is due.
    pub fn take_write(&mut self, key: &str, now: f64) -> Option<String> {
        if !self.wants_write(key, now) {
            return None;
        }
        let name = &mut self.slot(key, now).name;
        (name.written_at, name.dirty) = (now, false);
        Some(serde_json::json!({ "score": name.score, "at": name.at as u64 }).to_string())
    }

    /// A write of [`Self::take_write`] failed (a 429 or a failing store): a later attempt
    /// writes it.
    pub fn unwritten(&mut self, key: &str) {
        self.state.get(key, |_| true, Slot::held).name.dirty = true; // no clock here: forgets nothing
    }
}
