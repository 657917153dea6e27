//! The counts, the back-off and the stored bucket.

use super::*;

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
