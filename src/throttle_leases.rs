//! The login throttle's places in flight (`crate::login_throttle`), as leases. An admitted
//! attempt holds a place of its client and username, and one of its username, until the host
//! ends it. On workerd a request whose client disconnects is cancelled: its promises never
//! settle, so the host never ends it. A place is therefore a lease that ends by itself
//! ([`LEASE_MS`] after it was taken), and each has an identity, so that an attempt ended after
//! its lease ran out frees nothing (its place is gone; another attempt's is not its to free).

/// How long a place in flight is held without its attempt being ended: 15 s.
///
/// Longer than any honest check, which is one read of the user (the store's deadline is 10 s,
/// `www/kv-guard.js`, its timer up to 1 s late) and one hash: PBKDF2 through WebCrypto takes
/// milliseconds, bcryptjs's first import plus a check at the highest cost taken (12,
/// `password_hash.rs`) about 0.5 s on a slow isolate. An honest check that did outlast it would
/// only let one more check of its pair begin early. Short, because until it ends a cancelled
/// attempt's place keeps the client's next logins waiting (and counts in the username's bucket).
pub const LEASE_MS: f64 = 15_000.0;

/// The identity of one admission: unique within a throttle instance, and (seeded from the clock,
/// [`Ids`]) not reused by the instance that replaces it after a trap.
pub type Lease = u64;

/// The places of one key: each lease's identity and the time it ends.
#[derive(Default)]
pub struct Leases(Vec<(Lease, f64)>);

impl Leases {
    /// Takes a place for `lease` from `now`, for `length` ms.
    pub fn take(&mut self, lease: Lease, now: f64, length: f64) {
        self.0.push((lease, now + length));
    }

    /// Frees `lease`'s place; false when it holds none (its lease ran out and was forgotten).
    pub fn free(&mut self, lease: Lease) -> bool {
        let Some(at) = self.0.iter().position(|&(held, _)| held == lease) else { return false };
        self.0.swap_remove(at);
        true
    }

    /// Forgets the places whose lease has ended at `now`.
    pub fn expire(&mut self, now: f64) {
        self.0.retain(|&(_, until)| until > now);
    }

    /// How many places are held (those ended but not yet [`Self::expire`]d included).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a place is still held at `now`.
    pub fn live(&self, now: f64) -> bool {
        self.0.iter().any(|&(_, until)| until > now)
    }

    /// When the first of the places held ends, if any.
    pub fn next_end(&self) -> Option<f64> {
        self.0.iter().map(|&(_, until)| until).reduce(f64::min)
    }
}

/// Hands out lease identities. The first is the clock's milliseconds times 1,024, so that an
/// instance made after a trap (empty, while attempts of the old one may still end) starts past
/// every identity the old one gave, unless that one admitted over 1,024 attempts a millisecond.
/// A millisecond clock times 1,024 stays below 2^53: the identities pass through JavaScript
/// numbers exactly.
#[derive(Default)]
pub struct Ids {
    next: Lease,
}

impl Ids {
    pub fn next(&mut self, now: f64) -> Lease {
        if self.next == 0 {
            // `as` saturates (a clock past u64's range gives its largest); never 0, the unseeded mark.
            self.next = (now.max(0.0) as u64).saturating_mul(1024).max(1);
        }
        let lease = self.next;
        self.next = self.next.saturating_add(1);
        lease
    }
}
