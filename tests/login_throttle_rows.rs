//! The login throttle's counts and decisions (src/login_throttle.rs), natively, on a clock the
//! rows move by hand. The host's side (promises, store writes) is tested through the service in
//! tests/service/throttle.test.mjs.

use edge_token::login_throttle::{Entry, Limits, LoginThrottle, Outcome, Released, Step, LIMITS};
use edge_token::throttle_leases::Lease;

const NAME: &str = "login:victim";
const PAIR: &str = "login:victim 192.0.2.1";
const OTHER_CLIENT: &str = "login:victim 198.51.100.7";
const T0: f64 = 1_767_225_600_000.0;
const SECOND: f64 = 1000.0;

/// One whole attempt of `pair`: admitted by both limits, then ended with `outcome`.
fn attempt(t: &mut LoginThrottle, pair: &str, outcome: Outcome, now: f64) -> bool {
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
fn admitted(entry: Entry) -> Lease {
    assert!(matches!(entry, Entry::Admit(_)), "not admitted: {entry:?}");
    let Entry::Admit(lease) = entry else { return 0 };
    lease
}

fn checked(step: Step) -> Lease {
    assert!(matches!(step, Step::Admitted(_)), "not admitted: {step:?}");
    let Step::Admitted(lease) = step else { return 0 };
    lease
}

/// What waiting attempts got, without the leases' identities.
fn got(released: Released) -> (usize, bool) {
    (released.admit, released.refuse_rest)
}

const FAIL: Outcome = Outcome::Failure { known: true };

#[test]
fn five_failures_then_a_back_off_that_doubles_up_to_five_minutes() {
    let mut t = LoginThrottle::new(LIMITS);
    for _ in 0..4 {
        assert!(attempt(&mut t, PAIR, FAIL, T0));
    }
    // The fifth failure locks for 1 s; each later failure doubles it.
    assert!(attempt(&mut t, PAIR, FAIL, T0));
    assert_eq!(t.enter(PAIR, 0, T0 + 999.0), Entry::Refuse);
    let mut now = T0 + SECOND;
    let mut locks = Vec::new();
    for _ in 0..12 {
        assert!(attempt(&mut t, PAIR, FAIL, now), "admitted once the lock ends");
        let mut lock = 0.0;
        let lease = loop {
            match t.enter(PAIR, 0, now + lock) {
                Entry::Admit(lease) => break lease,
                _ => lock += SECOND,
            }
        };
        t.leave(PAIR, lease, 0, now + lock);
        locks.push(lock / SECOND);
        now += lock;
    }
    assert_eq!(locks, [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 300.0, 300.0, 300.0, 300.0]);
}

#[test]
fn a_success_or_a_quiet_window_starts_over_and_other_clients_are_not_locked() {
    let mut t = LoginThrottle::new(LIMITS);
    for _ in 0..5 {
        assert!(attempt(&mut t, PAIR, FAIL, T0));
    }
    assert_eq!(t.enter(PAIR, 0, T0), Entry::Refuse);
    assert!(attempt(&mut t, OTHER_CLIENT, Outcome::Success, T0), "a stranger's guesses never lock the owner out");
    // After the lock, one success resets the count: five more failures before the next lock.
    assert!(attempt(&mut t, PAIR, Outcome::Success, T0 + SECOND));
    for _ in 0..5 {
        assert!(attempt(&mut t, PAIR, FAIL, T0 + SECOND));
    }
    assert_eq!(t.enter(PAIR, 0, T0 + SECOND), Entry::Refuse);
    // Failures further apart than the window (15 min) start over.
    let later = T0 + SECOND + 15.0 * 60.0 * SECOND + 1.0;
    for _ in 0..5 {
        assert!(attempt(&mut t, PAIR, FAIL, later));
    }
}

#[test]
fn a_burst_is_counted_as_it_starts_and_released_by_the_checks_that_end() {
    let mut t = LoginThrottle::new(LIMITS);
    let mut waiting = 0;
    let mut entries = Vec::new();
    for _ in 0..8 {
        let entry = t.enter(PAIR, waiting, T0);
        waiting += usize::from(entry == Entry::Wait);
        entries.push(entry);
    }
    // The first five are checked at once, the other three wait.
    let (checks, waits) = entries.split_at(5);
    assert_eq!(waits, [Entry::Wait; 3]);
    let leases: Vec<Lease> = checks.iter().map(|&entry| admitted(entry)).collect();
    // Five failures end: the first frees no slot (a failure uses one up), the fifth locks, and
    // the three waiting are refused at once.
    for (n, &lease) in leases.iter().enumerate() {
        assert!(t.admit_name(NAME, lease, None, T0));
        t.end(PAIR, NAME, lease, FAIL, T0);
        assert_eq!(got(t.leave(PAIR, lease, 3, T0)), (0, n == 4), "after failure {}", n + 1);
    }
    // Right passwords in parallel: each success frees a slot for one waiting attempt.
    let mut t = LoginThrottle::new(LIMITS);
    let leases: Vec<Lease> = (0..5).map(|_| admitted(t.enter(PAIR, 0, T0))).collect();
    assert_eq!(t.enter(PAIR, 0, T0), Entry::Wait);
    assert!(t.admit_name(NAME, leases[0], None, T0));
    t.end(PAIR, NAME, leases[0], Outcome::Success, T0);
    assert_eq!(got(t.leave(PAIR, leases[0], 1, T0)), (1, false));
}

#[test]
fn at_most_one_hundred_failures_per_username_per_window_from_all_clients() {
    let mut t = LoginThrottle::new(LIMITS);
    let mut failed = 0;
    for client in 0..100 {
        let pair = format!("{NAME} 10.0.0.{client}");
        while attempt(&mut t, &pair, FAIL, T0) {
            failed += 1;
        }
    }
    assert_eq!(failed, 100);
    assert!(!t.admit_name(NAME, 1, None, T0), "full");
    // The bucket drains continuously: 100 per 15 minutes, one per 9 s.
    assert!(!t.admit_name(NAME, 1, None, T0 + 8.0 * SECOND));
    assert!(t.admit_name(NAME, 1, None, T0 + 9.0 * SECOND));
}

#[test]
fn known_usernames_are_written_once_per_minute_and_a_fuller_stored_bucket_wins() {
    let mut t = LoginThrottle::new(LIMITS);
    assert_eq!(t.ttl_seconds(), 900);
    assert!(attempt(&mut t, PAIR, Outcome::Failure { known: false }, T0));
    assert_eq!(t.take_write(NAME, T0), None, "an unknown username never writes");
    assert!(attempt(&mut t, PAIR, FAIL, T0));
    let written = t.take_write(NAME, T0).unwrap_or_default();
    assert_eq!(written, format!(r#"{{"score":2.0,"at":{}}}"#, T0 as u64));
    assert!(attempt(&mut t, PAIR, FAIL, T0 + SECOND));
    assert_eq!(t.take_write(NAME, T0 + SECOND), None, "at most once a minute");
    assert!(t.take_write(NAME, T0 + 60.0 * SECOND).is_some(), "the pending change, a minute later");
    t.unwritten(NAME);
    assert!(t.take_write(NAME, T0 + 120.0 * SECOND).is_some(), "a failed write is written again");
    // Another isolate saw more: its fuller bucket is adopted; one that does not parse is ignored.
    let mut t = LoginThrottle::new(LIMITS);
    assert!(!t.admit_name(NAME, 1, Some(&format!(r#"{{"score":100,"at":{T0}}}"#)), T0));
    assert!(t.admit_name("login:other", 1, Some("not json"), T0));
}

#[test]
fn idle_state_is_forgotten_oldest_first_but_busy_state_is_kept() {
    let mut t = LoginThrottle::new(Limits { cache_size: 1, ..LIMITS });
    for _ in 0..5 {
        assert!(attempt(&mut t, PAIR, FAIL, T0));
    }
    // Busy: an attempt of another pair in flight keeps it while a flood of keys passes.
    admitted(t.enter(OTHER_CLIENT, 0, T0));
    for n in 0..10 {
        attempt(&mut t, &format!("login:n{n} 10.0.0.1"), FAIL, T0);
    }
    admitted(t.enter(OTHER_CLIENT, 0, T0)); // its count of one in flight was kept
                                            // The locked pair was idle and the flood's keys hold counts too (no key that holds none was
                                            // left to go first): forgotten, so it is admitted again (a lost lock, never a wrong one).
    admitted(t.enter(PAIR, 0, T0));
}

#[test]
fn a_cached_login_started_at_once_counts_as_the_steps_it_stands_for() {
    // Two throttles, one ended step by step and one by `start` with `known`, agree at every row:
    // admitted, refused by a lock (the pair's), and refused by a full bucket (the username's).
    let (mut steps, mut once) = (LoginThrottle::new(LIMITS), LoginThrottle::new(LIMITS));
    assert!(attempt(&mut steps, PAIR, Outcome::Success, T0));
    assert_eq!(once.start(PAIR, NAME, None, 0, true, T0), Step::Done);
    for t in [&mut steps, &mut once] {
        for _ in 0..5 {
            assert!(attempt(t, PAIR, FAIL, T0));
        }
    }
    assert_eq!(once.start(PAIR, NAME, None, 0, true, T0), Step::Refused, "locked");
    assert_eq!(steps.enter(PAIR, 0, T0), Entry::Refuse);
    // Once the lock ends, a success clears the pair's failures in both.
    let later = T0 + 2.0 * SECOND;
    assert!(attempt(&mut steps, PAIR, Outcome::Success, later));
    assert_eq!(once.start(PAIR, NAME, None, 0, true, later), Step::Done);
    for t in [&mut steps, &mut once] {
        let lease = admitted(t.enter(PAIR, 0, later)); // the success started over
        t.leave(PAIR, lease, 0, later);
    }
    // A full username bucket (as another isolate stored it) refuses both, and leaves the pair free.
    let full = format!(r#"{{"score":1000,"at":{}}}"#, later as u64);
    assert!(!steps.admit_name(NAME, 1, Some(&full), later));
    assert_eq!(once.start(PAIR, NAME, Some(&full), 0, true, later), Step::Refused);
    admitted(once.enter(PAIR, 0, later)); // the refused attempt left the pair
}

#[test]
fn start_resume_and_finish_admit_wait_and_release_as_enter_and_leave_do() {
    let mut t = LoginThrottle::new(LIMITS);
    // Five checks in flight fill the pair's slots; the sixth waits, and so does any with some waiting.
    let leases: Vec<Lease> = (0..5).map(|_| checked(t.start(PAIR, NAME, None, 0, false, T0))).collect();
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0), Step::Wait);
    assert_eq!(t.start(PAIR, NAME, None, 1, true, T0), Step::Wait, "a cached login waits its turn too");
    // A success lets the first of the two waiting go on; it resumes, known to succeed, and lets the next one go.
    let first = t.finish(PAIR, NAME, leases[0], Outcome::Success, 2, T0);
    assert_eq!(got(first), (1, false));
    let (step, next) = t.resume(PAIR, NAME, None, true, first.first, 1, T0);
    assert_eq!((step, got(next)), (Step::Done, (1, false)));
    assert_eq!(t.resume(PAIR, NAME, None, false, next.first, 0, T0), (Step::Admitted(next.first), Released::default()));
    // Five failures in a row: the fifth locks the pair and refuses all that wait.
    for &lease in &leases[1..] {
        assert_eq!(t.finish(PAIR, NAME, lease, FAIL, 0, T0), Released::default());
    }
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0), Step::Wait, "one slot left, still in flight");
    assert_eq!(got(t.finish(PAIR, NAME, next.first, FAIL, 1, T0)), (0, true));
    assert_eq!(t.start(PAIR, NAME, None, 0, true, T0), Step::Refused, "locked, cached login or not");
    // Only a known username's failures are due to be stored.
    assert!(t.wants_write(NAME, T0));
    assert!(t.take_write(NAME, T0).is_some());
    assert!(!t.wants_write(NAME, T0), "taken, and not again within the interval");
}

const LEASE: f64 = 15.0 * SECOND;

#[test]
fn a_place_never_finished_stops_counting_when_its_lease_ends() {
    assert_eq!(LIMITS.lease_ms, LEASE);
    // Five checks whose requests were cancelled (never finished) fill the pair.
    let mut t = LoginThrottle::new(LIMITS);
    for _ in 0..5 {
        checked(t.start(PAIR, NAME, None, 0, false, T0));
    }
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0 + LEASE - 1.0), Step::Wait, "still held");
    // The waiting attempt asks again when the first lease ends, and is admitted then.
    assert_eq!(t.retry_at(PAIR, T0 + SECOND), T0 + LEASE);
    assert_eq!(got(t.wake(PAIR, 1, T0 + LEASE - 1.0)), (0, false));
    let woken = t.wake(PAIR, 1, T0 + LEASE);
    assert_eq!(got(woken), (1, false));
    // It resumes on the username's places (freed too) and is checked; four more fit beside it.
    checked(t.resume(PAIR, NAME, None, false, woken.first, 0, T0 + LEASE).0);
    for _ in 0..4 {
        checked(t.start(PAIR, NAME, None, 0, false, T0 + LEASE));
    }
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0 + LEASE), Step::Wait);
    // With none held, a waiting attempt asks again a lease from now.
    let mut t = LoginThrottle::new(LIMITS);
    assert_eq!(t.retry_at(PAIR, T0), T0 + LEASE);

    // The username's places: 3 in its bucket of 3, held from 3 clients and never finished.
    let mut t = LoginThrottle::new(Limits { per_username: 3.0, ..LIMITS });
    for client in 0..3 {
        checked(t.start(&format!("{NAME} 10.0.0.{client}"), NAME, None, 0, false, T0));
    }
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0 + LEASE - 1.0), Step::Refused, "the bucket is full");
    checked(t.start(PAIR, NAME, None, 0, false, T0 + LEASE));
}

#[test]
fn a_finish_after_its_lease_ended_frees_no_other_attempts_place() {
    let mut t = LoginThrottle::new(Limits { per_username: 5.0, ..LIMITS });
    let old: Vec<Lease> = (0..5).map(|_| checked(t.start(PAIR, NAME, None, 0, false, T0))).collect();
    // The leases end; five new checks take the pair's places and the username's.
    let later = T0 + LEASE;
    let new: Vec<Lease> = (0..5).map(|_| checked(t.start(PAIR, NAME, None, 0, false, later))).collect();
    assert!(old.iter().all(|lease| !new.contains(lease)), "every admission has its own lease");
    // The old ones end late: their places are gone, and the new ones keep theirs.
    for &lease in &old {
        assert_eq!(t.finish(PAIR, NAME, lease, Outcome::Success, 1, later + SECOND), Released::default());
    }
    assert_eq!(t.start(PAIR, NAME, None, 0, false, later + SECOND), Step::Wait, "the pair's five still held");
    assert!(!t.admit_name(NAME, 0, None, later + SECOND), "the username's five still held");
    // A new one's own finish frees its place, for the attempt waiting.
    assert_eq!(got(t.finish(PAIR, NAME, new[0], Outcome::Success, 1, later + SECOND)), (1, false));
}

#[test]
fn a_pair_with_places_held_is_kept_until_their_leases_end() {
    let mut t = LoginThrottle::new(Limits { cache_size: 1, ..LIMITS });
    checked(t.start(PAIR, NAME, None, 0, false, T0));
    for _ in 0..4 {
        checked(t.start(PAIR, NAME, None, 0, false, T0));
    }
    // A flood of other keys passes while the places are held: they are kept.
    for n in 0..10 {
        attempt(&mut t, &format!("login:n{n} 10.0.0.1"), FAIL, T0 + SECOND);
    }
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0 + SECOND), Step::Wait);
    // Once the leases end nothing holds the pair: forgotten by the next flood, or admitted anew.
    for n in 0..10 {
        attempt(&mut t, &format!("login:m{n} 10.0.0.1"), FAIL, T0 + LEASE);
    }
    checked(t.start(PAIR, NAME, None, 0, false, T0 + LEASE));
}

#[test]
fn an_abandoned_attempt_frees_its_places_at_once_and_a_check_that_still_ends_counts() {
    // The host ends an attempt whose client went away as abandoned (login-throttle.js); on Node
    // its check goes on, and its own end comes later with the same lease.
    let mut t = LoginThrottle::new(Limits { per_username: 5.0, ..LIMITS });
    let leases: Vec<Lease> = (0..5).map(|_| checked(t.start(PAIR, NAME, None, 0, false, T0))).collect();
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0), Step::Wait);
    // Abandoned: its pair's place goes to the one waiting, and its username's place is free.
    let woken = t.finish(PAIR, NAME, leases[0], Outcome::Abandoned, 1, T0);
    assert_eq!(got(woken), (1, false));
    checked(t.resume(PAIR, NAME, None, false, woken.first, 0, T0).0);
    // Its check ends after all, a failure: it frees nothing (no place is its own any more)...
    assert_eq!(t.finish(PAIR, NAME, leases[0], FAIL, 1, T0), Released::default());
    assert_eq!(t.start(PAIR, NAME, None, 0, false, T0), Step::Wait, "the pair's five still held");
    // ... but it counts: with the other five's failures, six, so the lock is 2 s, not 1 s.
    for &lease in &leases[1..] {
        t.finish(PAIR, NAME, lease, FAIL, 0, T0);
    }
    t.finish(PAIR, NAME, woken.first, FAIL, 0, T0);
    assert_eq!(t.enter(PAIR, 0, T0 + 1.5 * SECOND), Entry::Refuse);
    admitted(t.enter(PAIR, 0, T0 + 2.0 * SECOND));
}

/// One whole attempt of `client` for the username `name`, as [`attempt`] makes for `NAME`.
fn attempt_for(t: &mut LoginThrottle, name: &str, client: &str, outcome: Outcome, now: f64) -> bool {
    let pair = format!("{name} {client}");
    let Entry::Admit(lease) = t.enter(&pair, 0, now) else { return false };
    if !t.admit_name(name, lease, None, now) {
        t.leave(&pair, lease, 0, now);
        return false;
    }
    t.end(&pair, name, lease, outcome, now);
    t.leave(&pair, lease, 0, now);
    true
}

#[test]
fn one_client_has_at_most_one_hundred_failed_checks_per_window_over_all_usernames() {
    let mut t = LoginThrottle::new(LIMITS);
    let checked = (0..1000)
        .filter(|n| attempt_for(&mut t, &format!("login:n{n}"), "192.0.2.1", Outcome::Failure { known: false }, T0))
        .count();
    assert_eq!(checked, 100, "1,000 made-up usernames from one address: 100 checks");
    // Refused before the pair is looked at: the right password too, while the bucket is full.
    assert!(!attempt_for(&mut t, NAME, "192.0.2.1", Outcome::Success, T0));
    assert!(attempt_for(&mut t, NAME, "192.0.2.2", Outcome::Success, T0), "another client is not");
    // It drains as a username's does: one check per 9 s.
    assert!(!attempt_for(&mut t, "login:late", "192.0.2.1", FAIL, T0 + 8.0 * SECOND));
    assert!(attempt_for(&mut t, "login:late", "192.0.2.1", FAIL, T0 + 9.0 * SECOND));
    // Places in flight count: 100 admitted at once (different usernames), the 101st refused.
    let mut t = LoginThrottle::new(LIMITS);
    for n in 0..100 {
        admitted(t.enter(&format!("login:n{n} 192.0.2.1"), 0, T0));
    }
    assert_eq!(t.enter("login:n100 192.0.2.1", 0, T0), Entry::Refuse);
}

#[test]
fn the_host_asks_the_clients_bucket_before_it_reads_and_asking_counts_nothing() {
    let mut t = LoginThrottle::new(LIMITS);
    let client = |n: usize| format!("login:n{n} 192.0.2.1");
    for n in 0..100 {
        assert!(!t.client_refuses(&client(n), T0), "room for check {n}");
        assert!(!t.client_refuses(&client(n), T0), "asking twice takes no room");
        assert!(attempt_for(&mut t, &format!("login:n{n}"), "192.0.2.1", Outcome::Failure { known: false }, T0));
    }
    // Full: refused for any username, as `enter` refuses it, and asking again changes nothing.
    for n in 100..200 {
        assert!(t.client_refuses(&client(n), T0));
        assert_eq!(t.enter(&client(n), 0, T0), Entry::Refuse);
        assert_eq!(t.take_write(&format!("login:n{n}"), T0), None, "nothing to write for a made-up username");
    }
    assert!(!t.client_refuses("login:n0 192.0.2.2", T0), "another client is not");
    assert!(!t.client_refuses("login:n0 unknown", T0), "the unknown client has no bucket");
    // One check per 9 s drains: exactly one more is admitted then.
    assert!(!t.client_refuses(&client(300), T0 + 9.0 * SECOND));
    assert!(attempt_for(&mut t, "login:n300", "192.0.2.1", FAIL, T0 + 9.0 * SECOND));
    assert!(t.client_refuses(&client(301), T0 + 9.0 * SECOND));
}

#[test]
fn the_unknown_client_has_no_bucket_of_its_own() {
    // A host that passes no address makes every request one client: a bucket for it would
    // refuse every username to everyone after 100 failed logins.
    let mut t = LoginThrottle::new(LIMITS);
    let checked = (0..300)
        .filter(|n| attempt_for(&mut t, &format!("login:n{n}"), "unknown", Outcome::Failure { known: false }, T0))
        .count();
    assert_eq!(checked, 300, "300 made-up usernames without an address: each checked");
    assert!(attempt_for(&mut t, NAME, "unknown", Outcome::Success, T0), "another username still logs in");
}

#[test]
fn a_flood_of_usernames_from_a_locked_client_does_not_push_its_lock_out() {
    // The default map (20,000 entries): 14 failures lock the pair for 256 s, then the client
    // sends 20,000 logins for made-up usernames.
    let mut t = LoginThrottle::new(LIMITS);
    for _ in 0..5 {
        assert!(attempt(&mut t, PAIR, FAIL, T0));
    }
    let mut now = T0;
    let mut lock = SECOND;
    for _ in 0..9 {
        now += lock + 1.0;
        assert!(attempt(&mut t, PAIR, FAIL, now));
        lock *= 2.0;
    }
    let checked = (0..20_000)
        .filter(|n| attempt_for(&mut t, &format!("login:junk{n}"), "192.0.2.1", Outcome::Failure { known: false }, now))
        .count();
    // 30 s later the client's bucket has room again (one per 9 s); the pair's lock still holds.
    assert_eq!(t.enter(PAIR, 0, now + 30.0 * SECOND), Entry::Refuse, "the lock was kept");
    assert!(checked <= 100, "{checked} checks for 20,000 made-up usernames");
    admitted(t.enter("login:other 192.0.2.1", 0, now + 30.0 * SECOND));
}

#[test]
fn idle_keys_that_hold_nothing_are_forgotten_before_a_lock() {
    // Room for 6 keys: the lock's 3 (the pair, the username's and the client's buckets) and an
    // attempt's own and its predecessor's (a client's bucket and pair).
    let mut t = LoginThrottle::new(Limits { cache_size: 3, ..LIMITS });
    for _ in 0..5 {
        assert!(attempt(&mut t, PAIR, FAIL, T0));
    }
    // Many clients logging in: their pairs and buckets hold no count, and go first.
    for n in 0..50 {
        assert!(attempt(&mut t, &format!("{NAME} 10.0.{n}.1"), Outcome::Success, T0));
    }
    assert_eq!(t.enter(PAIR, 0, T0), Entry::Refuse, "the lock was kept");
}
