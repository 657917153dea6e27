//! The storage schema's promises: hashes only, every key expires, bounded KV operations.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{World, HOUR, MINUTE};
use serde_json::json;

#[test]
fn the_store_never_holds_a_raw_token() {
    let world = World::new();
    let mut secrets = Vec::new();
    for user in ["alice", "bob"] {
        let issued = world.password_token(user, "default_native");
        let refreshed = world.refresh(issued.refresh.as_ref().unwrap(), (user, "default_native"));
        secrets.push(issued.access.clone());
        secrets.extend(issued.refresh.clone());
        secrets.push(refreshed.body["access_token"].as_str().unwrap().to_string());
        secrets.push(refreshed.body["refresh_token"].as_str().unwrap().to_string());
        world.invalidate(json!({"token": issued.access}));
    }
    world.invalidate(json!({"username": "alice"}));
    let dump = world.store.dump();
    assert!(dump.len() > 10);
    for (key, value, metadata) in dump {
        let metadata = metadata.map(|m| m.to_string()).unwrap_or_default();
        for secret in &secrets {
            // Neither the string nor its unpadded form may appear anywhere.
            let bare = secret.trim_end_matches('=');
            assert!(!key.contains(bare) && !value.contains(bare) && !metadata.contains(bare), "{key}");
        }
    }
}

#[test]
fn every_key_expires_and_the_store_empties_itself() {
    let world = World::new();
    for i in 0..50 {
        let issued = world.password_token(&format!("user{i}"), "default_native");
        if i % 2 == 0 {
            world.refresh(issued.refresh.as_ref().unwrap(), (&format!("user{i}"), "default_native"));
        }
        world.advance(MINUTE);
    }
    world.invalidate(json!({"realm_name": "default_native"}));
    world.invalidate(json!({"username": "user3"}));
    world.invalidate(json!({"username": "user4", "realm_name": "default_native"}));
    assert!(!world.store.dump().is_empty());
    // The last document was created 50 minutes ago: 24 h + the 30 min purge grace after it.
    world.advance(24 * HOUR + 30 * MINUTE);
    assert_eq!(world.store.dump(), vec![]);
}

#[test]
fn a_check_costs_at_most_two_kv_operations() {
    let world = World::new();
    let issued = world.password_token("alice", "default_native");
    world.invalidate(json!({"realm_name": "elsewhere"}));
    for token in [issued.access.as_str(), "garbage", issued.refresh.as_deref().unwrap()] {
        let before = world.store.operations();
        world.check(token);
        assert!(world.store.operations() - before <= 2, "{token:.10}");
    }
}
