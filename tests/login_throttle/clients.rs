//! The per-client bucket over all usernames, and the throttle's bounded memory.

use super::*;

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
