//! The storage schema's promises: hashes only, every key expires, bounded KV operations.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{World, HOUR, MINUTE};
use edge_token::codec::{OwnerTag, RawToken, OWNER_TAG_LEN};
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

/// The token string with its bytes after ES's 29 replaced: `None` drops the owner tag (a token
/// as releases before the tag issued it), `Some` puts another tag in its place.
fn retagged(token: &str, tag: Option<OwnerTag>) -> String {
    let mut bytes = STANDARD.decode(token).unwrap();
    assert_eq!(bytes.len(), 29 + OWNER_TAG_LEN, "issued tokens carry their owner's tag");
    bytes.truncate(29);
    let untagged = STANDARD.encode(&bytes);
    match tag {
        None => untagged,
        Some(tag) => RawToken::decode(&untagged).unwrap().tagged(tag).encode(),
    }
}

/// Operations of one call.
fn ops(world: &World, call: impl FnOnce()) -> u64 {
    let before = world.store.operations();
    call();
    world.store.operations() - before
}

#[test]
fn a_check_is_one_kv_operation() {
    let world = World::new();
    let issued = world.password_token("alice", "default_native");
    world.invalidate(json!({"realm_name": "elsewhere"}));
    let refreshed = world.refresh(issued.refresh.as_ref().unwrap(), ("alice", "default_native"));
    let successor = refreshed.body["access_token"].as_str().unwrap();
    for token in [issued.access.as_str(), "garbage", issued.refresh.as_deref().unwrap(), successor] {
        let expected = if token == "garbage" { 0 } else { 1 };
        assert_eq!(ops(&world, || drop(world.check(token))), expected, "{token:.10}");
    }
    // Invalidated by itself or by any of its three watermarks: still one read, and refused.
    world.invalidate(json!({"token": successor}));
    assert_eq!(ops(&world, || assert_eq!(world.outcome(successor), "invalidated")), 1);
    world.invalidate(json!({"username": "alice"}));
    assert_eq!(ops(&world, || assert_eq!(world.outcome(&issued.access), "invalidated")), 1);
}

#[test]
fn a_token_without_the_tag_still_checks_in_two_reads() {
    let world = World::new();
    let issued = world.password_token("alice", "default_native");
    let old = retagged(&issued.access, None);
    assert_eq!(ops(&world, || assert_eq!(world.outcome(&old), "valid")), 2);
    assert_eq!(world.check(&old).body, world.check(&issued.access).body);
    let old_refresh = retagged(issued.refresh.as_ref().unwrap(), None);
    assert_eq!(world.invalidate(json!({"refresh_token": old_refresh})).0, 200);
    world.invalidate(json!({"username": "alice", "realm_name": "default_native"}));
    assert_eq!(ops(&world, || assert_eq!(world.outcome(&old), "invalidated")), 2);
}

#[test]
fn a_tampered_tag_never_makes_an_invalidated_token_valid() {
    let world = World::new();
    let victim = world.password_token("alice", "default_native");
    world.password_token("bob", "default_native");
    world.invalidate(json!({"username": "alice"}));
    let invalid_by_own_key = world.password_token("alice", "default_native");
    world.invalidate(json!({"token": invalid_by_own_key.access}));
    for token in [&victim.access, &invalid_by_own_key.access] {
        // Bob's tag names keys where nothing is invalidated; the document names Alice.
        for tag in [OwnerTag::of("default_native", "bob"), OwnerTag::of("elsewhere", "alice")] {
            let forged = retagged(token, Some(tag));
            assert_eq!(ops(&world, || assert_eq!(world.outcome(&forged), "invalidated")), 2);
            assert_eq!(world.invalidate(json!({"token": forged})), (200, common::counts(0, 1)));
        }
    }
    // A valid token under a wrong tag is still its owner's token, read the long way.
    let live = world.password_token("carol", "default_native");
    let forged = retagged(&live.access, Some(OwnerTag::of("default_native", "bob")));
    assert_eq!(world.check(&forged).body["username"], "carol");
}

#[test]
fn a_document_written_before_the_tag_still_checks_tagged_tokens_in_one_read() {
    use edge_token::schema::keys;
    use edge_token::store::KvStore;
    let world = World::new();
    let issued = world.password_token("alice", "default_native");
    let key = keys::record(&RawToken::decode(&issued.access).unwrap().doc_id());
    let mut document: serde_json::Value =
        serde_json::from_str(&pollster::block_on(world.store.get(&key)).unwrap().unwrap()).unwrap();
    assert_eq!(document["owner"]["tag"], OwnerTag::of("default_native", "alice").to_text());
    // As 0.2.0 wrote it: the owner without its tag, which the check then computes.
    document["owner"].as_object_mut().unwrap().remove("tag");
    pollster::block_on(world.store.put(&key, &document.to_string(), 3600, None)).unwrap();
    assert_eq!(ops(&world, || assert_eq!(world.outcome(&issued.access), "valid")), 1);
    world.invalidate(json!({"username": "alice"}));
    assert_eq!(ops(&world, || assert_eq!(world.outcome(&issued.access), "invalidated")), 1);
}
