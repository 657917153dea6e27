//! The places in flight: steps, leases that run out, abandoned attempts.

use super::*;

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
