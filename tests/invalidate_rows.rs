//! §2.6, §2.7 and §2.8 of docs/elasticsearch-semantics.md, row by row.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{counts, FaultyStore, World, HOUR, MINUTE};
use edge_token::engine;
use pollster::block_on;
use serde_json::json;

const WELL_FORMED_UNKNOWN: &str = "w+aGBBgAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc=";

#[test]
fn before_any_token_exists_well_formed_tokens_get_400_and_garbage_404() {
    let world = World::new();
    let failed = json!({"error":{"root_cause":[{"type":"security_exception","reason":"failed to invalidate token"}],"type":"security_exception","reason":"failed to invalidate token"},"status":400});
    assert_eq!(world.invalidate(json!({"token": WELL_FORMED_UNKNOWN})), (400, failed.clone()));
    assert_eq!(world.invalidate(json!({"refresh_token": WELL_FORMED_UNKNOWN})), (400, failed));
    assert_eq!(world.invalidate(json!({"token": "not a token"})), (404, counts(0, 0)));
    assert_eq!(world.invalidate(json!({"realm_name": "default_native"})), (200, counts(0, 0)));
}

/// Tokens of ES 7.2 to 8.9 (§4.2): version 8.0.0 and a 22-character id.
const LEGACY: &str = "46ToAxYzNUdPZWdYOFRQcWhjeHR3NWpvTmVB";

#[test]
fn tokens_of_es_7_2_to_8_9_are_decoded_as_es_decodes_them() {
    let failed = (
        400,
        json!({"error":{"root_cause":[{"type":"security_exception","reason":"failed to invalidate token"}],"type":"security_exception","reason":"failed to invalidate token"},"status":400}),
    );
    let not_found = (404, counts(0, 0));
    // (body, before any token exists, once one does)
    let rows = [
        (json!({"token": LEGACY}), &failed),
        (json!({"refresh_token": LEGACY}), &failed),
        (json!({"token": "8+PtAxYzNUdPZWdYOFRQcWhjeHR3NWpvTmVB"}), &failed),
        // An unversioned 22-character refresh token.
        (json!({"refresh_token": "35GOegX8TPqhcxtw5joNeA"}), &failed),
        // 7.2 with a 30-character id: ES looks an access token up, refuses it as a refresh token.
        (json!({"token": "w7ysAx5hYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE="}), &failed),
        (json!({"refresh_token": "w7ysAx5hYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE="}), &not_found),
        // Shorter than ES's minimum; 7.1 (encrypted with another cluster's key); a byte Java's
        // string reader refuses; a 22-character access token is Base64 like any other.
        (json!({"token": "w7ysAwVhYmNkZQ=="}), &not_found),
        (json!({"token": "s+6rAxZiYmJiYmJiYmJiYmJiYmJiYmJiYmJi"}), &not_found),
        (json!({"token": "46ToAxb/YWFhYWFhYWFhYWFhYWFhYWFhYWFh"}), &not_found),
        (json!({"token": "35GOegX8TPqhcxtw5joNeA"}), &not_found),
    ];
    let world = World::new();
    for (body, before) in &rows {
        assert_eq!(&world.invalidate(body.clone()), *before, "{body}");
    }
    world.password_token("token_user", "default_native");
    for (body, _) in rows {
        assert_eq!(world.invalidate(body.clone()), not_found, "{body}");
    }
    assert_eq!(world.check(LEGACY).status, 401);
}

#[test]
fn unknown_undecodable_and_mismatched_tokens_get_404_with_zero_counts() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    let rows = [
        json!({"token": WELL_FORMED_UNKNOWN}),
        json!({"token": "bm90IGEgdG9rZW4="}),
        json!({"token": "vLBPvmAB6KvwvJZr27cS"}),
        json!({"token": "!!!"}),
        json!({"refresh_token": WELL_FORMED_UNKNOWN}),
        json!({"refresh_token": "vLBPvmAB6KvwvJZr27cS"}),
        // Same document (shared suffix), wrong half: the stored hash differs.
        json!({"refresh_token": issued.access}),
        json!({"token": issued.refresh.clone().unwrap()}),
    ];
    for body in rows {
        assert_eq!(world.invalidate(body.clone()), (404, counts(0, 0)), "{body}");
    }
    assert!(world.is_valid(&issued.access));
}

#[test]
fn access_token_counts_once_then_as_previously_invalidated() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    assert_eq!(world.invalidate(json!({"token": issued.access})), (200, counts(1, 0)));
    assert_eq!(world.invalidate(json!({"token": issued.access})), (200, counts(0, 1)));
    assert_eq!(world.check(&issued.access).status, 401);
}

#[test]
fn expired_access_token_whose_document_exists_still_counts_as_invalidated() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    world.advance(2 * HOUR);
    assert_eq!(world.invalidate(json!({"token": issued.access})), (200, counts(1, 0)));
}

#[test]
fn refresh_token_rows() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    let refresh = issued.refresh.clone().unwrap();
    assert_eq!(world.invalidate(json!({"refresh_token": refresh})), (200, counts(1, 0)));
    assert_eq!(world.invalidate(json!({"refresh_token": refresh})), (200, counts(0, 1)));

    // Already used for a refresh: still counts as invalidated.
    let used = world.password_token("token_user", "default_native");
    assert_eq!(world.refresh(used.refresh.as_ref().unwrap(), ("token_user", "default_native")).status, 200);
    assert_eq!(world.invalidate(json!({"refresh_token": used.refresh.unwrap()})), (200, counts(1, 0)));

    // Older than 24 h but not yet purged.
    let old = world.password_token("token_user", "default_native");
    world.advance(24 * HOUR + MINUTE);
    assert_eq!(world.invalidate(json!({"refresh_token": old.refresh.unwrap()})), (200, counts(1, 0)));
}

/// §2.7: the halves are independent.
#[test]
fn access_and_refresh_halves_are_invalidated_independently() {
    let world = World::new();
    let client = ("token_user", "default_native");
    let a = world.password_token("token_user", "default_native");
    assert_eq!(world.invalidate(json!({"token": a.access})), (200, counts(1, 0)));
    assert!(!world.is_valid(&a.access));
    assert_eq!(world.refresh(a.refresh.as_ref().unwrap(), client).status, 200);

    let b = world.password_token("token_user", "default_native");
    assert_eq!(world.invalidate(json!({"refresh_token": b.refresh.clone().unwrap()})), (200, counts(1, 0)));
    assert!(world.is_valid(&b.access));
    let refused = world.refresh(b.refresh.as_ref().unwrap(), client);
    assert_eq!(refused.body, json!({"error":"invalid_grant","error_description":"token has been invalidated"}));
}

/// §2.8 and the YAML tests: one password-grant token is two halves.
#[test]
fn realm_and_user_modes_count_per_half() {
    let rows = [
        json!({"realm_name": "default_native"}),
        json!({"username": "token_user"}),
        json!({"username": "token_user", "realm_name": "default_native"}),
    ];
    for body in rows {
        let world = World::new();
        let issued = world.password_token("token_user", "default_native");
        let other = world.password_token("someone_else", "other_realm");
        assert_eq!(world.invalidate(body.clone()), (200, counts(2, 0)), "{body}");
        assert_eq!(world.check(&issued.access).status, 401, "{body}");
        assert!(world.is_valid(&other.access), "{body}");
        // Everything is now invalidated: nothing is selected again.
        assert_eq!(world.invalidate(body.clone()), (200, counts(0, 0)), "{body}");
    }
}

#[test]
fn realm_mode_selects_and_counts_like_elasticsearch() {
    let world = World::new();
    let realm = "saml1";
    let fresh = world.password_token("alice", realm);
    let half_done = world.password_token("bob", realm);
    assert_eq!(world.invalidate(json!({"token": half_done.access})), (200, counts(1, 0)));
    let client_only = world.create_as("client_credentials", "carol", realm, None);
    assert!(client_only.refresh.is_none());
    let fully_done = world.password_token("dave", realm);
    world.invalidate(json!({"token": fully_done.access}));
    world.invalidate(json!({"refresh_token": fully_done.refresh.unwrap()}));
    // fresh: 2 new; half_done: refresh new + access previously; client_only: 1 new;
    // fully_done: not selected at all.
    assert_eq!(world.invalidate(json!({"realm_name": realm})), (200, counts(4, 1)));
    assert!(!world.is_valid(&fresh.access));
    assert!(!world.is_valid(&client_only.access));
}

#[test]
fn expired_access_with_live_refresh_counts_both_halves() {
    let world = World::new();
    world.password_token("alice", "saml1");
    world.create_as("client_credentials", "alice", "saml1", None);
    world.advance(HOUR);
    // The password token: both halves (access expired, refresh live). The client_credentials
    // token: expired access and no refresh, so not selected.
    assert_eq!(world.invalidate(json!({"username": "alice"})), (200, counts(2, 0)));
}

#[test]
fn tokens_created_after_a_bulk_invalidation_are_not_covered() {
    let world = World::new();
    world.password_token("alice", "saml1");
    world.invalidate(json!({"realm_name": "saml1"}));
    world.advance(1);
    let later = world.password_token("alice", "saml1");
    assert!(world.is_valid(&later.access));
    assert_eq!(world.invalidate(json!({"username": "alice", "realm_name": "saml1"})), (200, counts(2, 0)));
    assert!(!world.is_valid(&later.access));
}

#[test]
fn single_token_covered_by_a_bulk_invalidation_is_previously_invalidated() {
    let world = World::new();
    let issued = world.password_token("alice", "saml1");
    assert_eq!(world.invalidate(json!({"username": "alice"})), (200, counts(2, 0)));
    assert_eq!(world.invalidate(json!({"token": issued.access})), (200, counts(0, 1)));
    assert_eq!(world.invalidate(json!({"refresh_token": issued.refresh.unwrap()})), (200, counts(0, 1)));
}

#[test]
fn a_half_invalidated_by_itself_counts_as_previously_invalidated_in_every_bulk_scope() {
    let scopes = [
        json!({"realm_name": "saml1"}),
        json!({"username": "alice"}),
        json!({"username": "alice", "realm_name": "saml1"}),
    ];
    for scope in scopes {
        let world = World::new();
        let issued = world.password_token("alice", "saml1");
        let other = world.password_token("alice", "saml1");
        world.password_token("bob", "default_native");
        assert_eq!(world.invalidate(json!({"token": issued.access})), (200, counts(1, 0)));
        assert_eq!(world.invalidate(json!({"refresh_token": other.refresh.unwrap()})), (200, counts(1, 0)));
        // Each token's other half is new; the two halves invalidated by themselves are not.
        assert_eq!(world.invalidate(scope.clone()), (200, counts(2, 2)), "{scope}");
        assert_eq!(world.invalidate(scope.clone()), (200, counts(0, 0)), "{scope}");
    }
}

#[test]
fn invalidating_one_token_costs_two_kv_operations_and_a_repeat_one() {
    let world = World::new();
    let issued = world.password_token("alice", "saml1");
    // The token's owner tag names its status keys: one bulk get with the document, one put.
    for (body, expected, ops) in [
        (json!({"token": issued.access}), counts(1, 0), 2),
        (json!({"token": issued.access}), counts(0, 1), 1),
        (json!({"refresh_token": issued.refresh.unwrap()}), counts(1, 0), 2),
    ] {
        let before = world.store.operations();
        assert_eq!(world.invalidate(body.clone()), (200, expected), "{body}");
        assert_eq!(world.store.operations() - before, ops, "{body}");
    }
}

#[test]
fn a_half_invalidated_by_an_earlier_version_stays_invalidated() {
    use edge_token::codec::RawToken;
    use edge_token::schema::{keys, TokenHalf};
    use edge_token::store::KvStore;
    let world = World::new();
    let issued = world.password_token("alice", "saml1");
    let doc_id = RawToken::decode(&issued.access).unwrap().doc_id();
    block_on(world.store.put(&keys::legacy_invalidation(&doc_id, TokenHalf::Access), "1", 3600, None)).unwrap();
    assert_eq!(world.outcome(&issued.access), "invalidated");
    assert_eq!(world.invalidate(json!({"token": issued.access})), (200, counts(0, 1)));
}

#[test]
fn user_mode_spans_realms_and_matches_names_exactly() {
    let world = World::new();
    let a = world.password_token("alice", "saml1");
    let b = world.password_token("alice", "default_native");
    let c = world.password_token("alice2", "saml1");
    let d = world.password_token("Alice", "saml1");
    assert_eq!(world.invalidate(json!({"username": "alice"})), (200, counts(4, 0)));
    assert!(!world.is_valid(&a.access) && !world.is_valid(&b.access));
    assert!(world.is_valid(&c.access) && world.is_valid(&d.access));
}

#[test]
fn a_store_that_cannot_be_written_gets_503_and_nothing_is_reported_invalidated() {
    let world = World::new();
    let issued = world.password_token("alice", "saml1");
    let faulty = FaultyStore::new(&world.store);
    faulty.fail_put.set(true);
    for body in [json!({"token": issued.access}), json!({"realm_name": "saml1"}), json!({"username": "alice"})] {
        let reply = block_on(engine::invalidate_token(&faulty, &body.to_string(), &world.options()));
        assert_eq!(reply.status, 503, "{body}");
        assert_eq!(reply.body["error"]["reason"], "unable to perform requested action");
        assert_eq!(reply.body["error"]["caused_by"]["reason"], "KV PUT failed: 503 Service Unavailable");
    }
    assert!(world.is_valid(&issued.access));
    faulty.fail_put.set(false);
    faulty.fail_list.set(true);
    let reply = block_on(engine::invalidate_token(&faulty, r#"{"realm_name":"saml1"}"#, &world.options()));
    assert_eq!(reply.status, 503);
}

#[test]
fn bulk_invalidation_of_10_000_tokens_is_exact_and_cheap() {
    let world = World::new();
    for i in 0..10_000 {
        world.create_as(
            if i % 4 == 0 { "client_credentials" } else { "password" },
            &format!("user{}", i % 37),
            "big",
            None,
        );
    }
    let before = world.store.operations();
    let (status, body) = world.invalidate(json!({"realm_name": "big"}));
    let used = world.store.operations() - before;
    assert_eq!(status, 200);
    assert_eq!(body, counts(2_500 + 7_500 * 2, 0));
    assert!(used <= 30, "{used} KV operations");
}

#[test]
fn the_parse_only_export_names_the_mode_and_shares_the_errors() {
    let rows = [
        (r#"{"token":"t"}"#, "token"),
        (r#"{"refresh_token":"t"}"#, "refresh_token"),
        (r#"{"realm_name":"r"}"#, "realm_name"),
        (r#"{"username":"u"}"#, "username"),
        (r#"{"username":"u","realm_name":"r"}"#, "realm_name_and_username"),
    ];
    for (body, mode) in rows {
        assert_eq!(engine::invalidate_request(body).body, json!({ "mode": mode }));
    }
    let world = World::new();
    for body in ["", "{}", r#"{"x":1}"#, r#"{"token":"a","refresh_token":"b"}"#] {
        let parsed = engine::invalidate_request(body);
        let full = block_on(engine::invalidate_token(&world.store, body, &world.options()));
        assert_eq!((parsed.status, parsed.body), (full.status, full.body), "{body}");
    }
}

/// KV has no compare-and-set: an invalidation racing a refresh, or the other half's
/// invalidation, of the same document must not be lost to a rewrite of that document.
#[test]
fn invalidations_racing_other_writes_to_the_same_document_are_not_lost() {
    let world = World::new();
    let store = common::InterleavingStore(&world.store);
    let client = json!({"username": "alice", "realm": "default_native"}).to_string();
    for _ in 0..10 {
        let issued = world.password_token("alice", "default_native");
        let refresh = issued.refresh.clone().unwrap();
        let options = world.options();
        let invalidate_access = json!({"token": issued.access}).to_string();
        let invalidate_refresh = json!({"refresh_token": refresh}).to_string();
        let (a, r, refreshed) = block_on(futures_util::future::join3(
            engine::invalidate_token(&store, &invalidate_access, &options),
            engine::invalidate_token(&store, &invalidate_refresh, &options),
            engine::refresh_token(&store, &refresh, &client, &options),
        ));
        assert_eq!((a.status, a.body), (200, counts(1, 0)));
        assert_eq!((r.status, r.body), (200, counts(1, 0)));
        assert_eq!(refreshed.status, 200, "the refresh read the document before the invalidation");
        assert!(!world.is_valid(&issued.access));
        let again = world.refresh(&refresh, ("alice", "default_native"));
        assert_eq!(again.body["error"], "invalid_grant");
        world.advance(1);
    }
}
