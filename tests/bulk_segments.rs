//! Bulk invalidation in segments (§2.8, docs/storage-schema.md): every segment within its KV
//! operations, each continuation carried as text to the next, and the counts exactly those of
//! the invalidation run in one call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{counts, World, HOUR, MINUTE};
use edge_token::engine;
use edge_token::schema::keys;
use edge_token::store::KvStore;
use pollster::block_on;
use serde_json::{json, Value};

/// Runs `body` segment by segment with `ops` operations each; returns the final reply and the
/// operations each segment made.
fn segmented(world: &World, body: &Value, ops: u32) -> ((u16, Value), Vec<u64>) {
    let options = json!({"now": world.store.now(), "segmented": ops}).to_string();
    let mut used = Vec::new();
    let before = world.store.operations();
    let mut reply = block_on(engine::invalidate_token(&world.store, &body.to_string(), &options));
    used.push(world.store.operations() - before);
    while let Some(continuation) = reply.body.get("continuation").and_then(Value::as_str).map(str::to_string) {
        assert_eq!(reply.status, 200);
        let before = world.store.operations();
        reply = block_on(engine::continue_invalidation(&world.store, &continuation, &options));
        used.push(world.store.operations() - before);
    }
    ((reply.status, reply.body), used)
}

fn watermark_of(body: &Value) -> String {
    match (body.get("realm_name").and_then(Value::as_str), body.get("username").and_then(Value::as_str)) {
        (Some(realm), Some(user)) => keys::user_watermark(realm, user),
        (Some(realm), None) => keys::realm_watermark(realm),
        (None, Some(user)) => keys::all_realms_watermark_by_digest(&edge_token::codec::name_digest(user)),
        (None, None) => panic!("no scope in {body}"),
    }
}

/// A store where every rule of §2.8 has something to count: several users and realms, halves
/// invalidated by themselves, earlier user and realm invalidations, expired and old tokens.
fn mixed_world() -> World {
    let world = World::new();
    let mut issued = Vec::new();
    for i in 0..1_300 {
        let grant = if i % 5 == 0 { "client_credentials" } else { "password" };
        let realm = ["r1", "r2", "r3"][i % 3];
        issued.push(world.create_as(grant, &format!("user{}", i % 23), realm, None));
        if i == 400 {
            // Earlier invalidations: a user in a realm, a user everywhere (both cover what came before).
            world.invalidate(json!({"realm_name": "r2", "username": "user3"}));
            world.invalidate(json!({"username": "user5"}));
            world.advance(MINUTE);
        }
        if i == 700 {
            world.advance(23 * HOUR); // the first 700 are past their access expiry, refresh still live
        }
    }
    for (i, token) in issued.iter().enumerate().filter(|(i, _)| i % 7 == 0) {
        let half = if i % 2 == 0 { json!({"token": token.access}) } else { json!({"refresh_token": token.refresh}) };
        if token.refresh.is_some() || i % 2 == 0 {
            world.invalidate(half);
        }
    }
    world.advance(2 * HOUR); // now some refresh halves are past 24 h
    world
}

#[test]
fn segments_of_any_budget_count_exactly_what_one_call_counts() {
    let world = mixed_world();
    let bodies = [
        json!({"realm_name": "r1"}),
        json!({"realm_name": "r2"}),
        json!({"username": "user3"}),
        json!({"username": "user5"}),
        json!({"realm_name": "r2", "username": "user3"}),
        json!({"realm_name": "r3", "username": "user7"}),
    ];
    for body in &bodies {
        let key = watermark_of(body);
        let whole = world.invalidate(body.clone());
        assert_eq!(whole.0, 200);
        for ops in [2, 3, 5, 900] {
            block_on(world.store.delete(&key)).unwrap(); // back to the same store
            let (reply, used) = segmented(&world, body, ops);
            assert_eq!(reply, whole, "{body} in segments of {ops}");
            assert!(used.iter().all(|&n| n <= u64::from(ops)), "{body}: {used:?} over {ops}");
            if ops == 2 {
                assert!(used.len() >= 3, "{body}: {used:?}");
            }
        }
    }
}

#[test]
fn one_segment_is_enough_for_a_small_scope_and_the_watermark_covers_it() {
    let world = World::new();
    let token = world.password_token("alice", "native1");
    let ((status, body), used) = segmented(&world, &json!({"realm_name": "native1"}), 900);
    assert_eq!((status, body), (200, counts(2, 0)));
    assert_eq!(used, vec![6], "its watermark, four listings, the write");
    assert!(!world.is_valid(&token.access));
}

#[test]
fn a_scope_too_large_for_one_request_fails_without_a_watermark() {
    let world = World::new();
    // A user in 40 realms: two reads per realm (its watermarks, its own invalidations), and
    // segments of one read each (one operation stays for the write): more than 32 segments.
    for i in 0..40 {
        world.password_token("carol", &format!("realm{i:02}"));
    }
    let ((status, body), used) = segmented(&world, &json!({"username": "carol"}), 2);
    assert_eq!(status, 503, "{body}");
    assert_eq!(used.len(), 32);
    assert!(body.to_string().contains("more than 32 invocations"), "{body}");
    let key = keys::all_realms_watermark_by_digest(&edge_token::codec::name_digest("carol"));
    assert_eq!(block_on(world.store.get(&key)).unwrap(), None, "no watermark written");
    // The same scope with room per segment: done, every token counted.
    assert_eq!(segmented(&world, &json!({"username": "carol"}), 900).0, (200, counts(80, 0)));
}

#[test]
fn a_continuation_that_is_not_one_is_refused() {
    let world = World::new();
    for text in ["", "{}", "[1]", r#"{"v":2}"#, "not json"] {
        let reply = block_on(engine::continue_invalidation(&world.store, text, "{}"));
        assert_eq!(reply.status, 400, "{text}");
    }
    let options = json!({"segmented": 1}).to_string();
    let reply = block_on(engine::invalidate_token(&world.store, r#"{"realm_name":"x"}"#, &options));
    assert_eq!(reply.status, 400);
}

#[test]
fn a_realm_of_30_000_tokens_in_one_segment_or_in_many() {
    let world = World::new();
    let now = world.store.now();
    let metadata = json!({"c": now, "e": now + 20 * MINUTE, "f": 1});
    let realm = edge_token::codec::name_digest("huge");
    for i in 0..30_000u32 {
        let user = edge_token::codec::name_digest(&format!("u{}", i % 1_000));
        let key = format!("r:{realm}:{user}:token_{i:043}");
        block_on(world.store.put(&key, "", 3_600, Some(&metadata))).unwrap();
    }
    let ((status, body), used) = segmented(&world, &json!({"realm_name": "huge"}), 900);
    assert_eq!((status, body), (200, counts(60_000, 0)));
    assert_eq!(used.len(), 1, "30 pages fit one segment: {used:?}");
    let ((_, again), used) = segmented(&world, &json!({"realm_name": "huge"}), 12);
    // Both halves covered: no document is selected any more (§2.8).
    assert_eq!(again, counts(0, 0));
    assert!(used.len() >= 3 && used.iter().all(|&n| n <= 12), "{used:?}");
}
