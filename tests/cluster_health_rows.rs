//! Cluster health's waits (§12): how long the host waits before it reads the probe again, and
//! the timeout each request may wait in all.

use edge_token::cluster_health::{answer, parse, timeout_ms, wait_step, MAX_WAIT_MS};

#[test]
fn the_timeout_is_es_default_or_the_parameter_bounded() {
    let timeout = |query: &str| parse(None, &format!("/_cluster/health{query}")).map(|r| timeout_ms(&r)).ok();
    assert_eq!(timeout(""), Some(30_000));
    assert_eq!(timeout("?timeout=2s"), Some(2_000));
    assert_eq!(timeout("?timeout=0"), Some(0));
    assert_eq!(timeout("?timeout=-1"), Some(30_000));
    assert_eq!(timeout("?timeout=1h"), Some(MAX_WAIT_MS));
    assert_eq!(timeout("?master_timeout=5s"), Some(30_000));
}

#[test]
fn green_ends_a_wait_at_once_red_reads_again_each_second_until_the_timeout() {
    let step = |index: Option<&str>, query: &str, answered: bool, remaining: u64| {
        let request = parse(index, &format!("/_cluster/health{query}")).ok()?;
        wait_step(&request, answered, remaining)
    };
    let rows = [
        // The store answers: green satisfies every status wait at once.
        (None, "?wait_for_status=green", true, 30_000, None),
        (None, "?wait_for_status=yellow&timeout=5s", true, 5_000, None),
        // It does not: read again within a second, never past the time left, not at all after.
        (None, "?wait_for_status=green", false, 30_000, Some(1_000)),
        (None, "?wait_for_status=yellow", false, 400, Some(400)),
        (None, "?wait_for_status=green", false, 0, None),
        // Red satisfies a wait for red, and no wait at all needs none.
        (None, "?wait_for_status=red", false, 30_000, None),
        (None, "", false, 30_000, None),
        // A wait the store cannot satisfy waits out its time without reading again.
        (None, "?wait_for_active_shards=1", true, 30_000, Some(30_000)),
        (Some("logs"), "?wait_for_status=green", true, 2_000, Some(2_000)),
        // A bad wait_for_nodes is answered at once (ES's 400).
        (None, "?wait_for_nodes=>=x", false, 30_000, None),
    ];
    for (index, query, answered, remaining, expected) in rows {
        assert_eq!(step(index, query, answered, remaining), expected, "{index:?} {query} {answered} {remaining}");
    }
    let timed_out = parse(None, "/_cluster/health?wait_for_status=green").map(|r| answer(&r, false)).ok();
    assert_eq!(timed_out.map(|r| (r.status, r.body["timed_out"].clone())), Some((408, true.into())));
}
