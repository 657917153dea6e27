//! One token's invalidation as the synchronous steps a host runs (`src/invalidate.rs`, bound by
//! `src/wasm/invalidate.rs`): what each step asks the host to read or write, for tokens with
//! their owner's tag, without it, and with one that names someone else. The answers themselves
//! are `invalidate_rows.rs`'s (the async path runs these same steps).
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{counts, World};
use edge_token::codec::{name_digest, RawToken};
use edge_token::invalidate::{missing_document_reply, one_after_read, one_first_read, FirstRead, OneStep};
use edge_token::schema::{self, keys, TokenHalf};
use edge_token::store::KvStore;
use pollster::block_on;

/// `token` with its owner tag (the 32 bytes after ES's 29) dropped, or replaced by `tag`'s.
fn retagged(token: &str, tag_of: Option<&str>) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut bytes = b64.decode(token).unwrap();
    bytes.truncate(29);
    if let Some(other) = tag_of {
        bytes.extend_from_slice(&b64.decode(other).unwrap()[29..]);
    }
    b64.encode(bytes)
}

fn read(world: &World, keys: &[String]) -> Vec<Option<String>> {
    block_on(world.store.get_many(keys)).unwrap()
}

/// Runs the steps as a host does, counting its reads; the step that ended them.
fn run(world: &World, token: &str, half: TokenHalf) -> (OneStep, usize) {
    let (presented, keys) = match one_first_read(token, half) {
        FirstRead::Read { presented, keys } => (presented, keys),
        FirstRead::Without(step) => return (step, 0),
    };
    let first = read(world, &keys);
    let now = world.store.now();
    let step = one_after_read(&presented, half, first[0].as_deref(), &first[1..], None, now);
    let OneStep::Read(keys) = step else { return (step, 1) };
    let second = read(world, &keys);
    let step = one_after_read(&presented, half, first[0].as_deref(), &first[1..], Some(&second), now);
    assert!(!matches!(step, OneStep::Read(_)), "step 2 with the second read's values never asks for a third");
    (step, 2)
}

#[test]
fn a_live_half_is_one_write_of_its_own_key_with_the_documents_lifetime() {
    let world = World::new();
    let alice = world.password_token("alice", "saml1");
    let bob = world.password_token("bob", "saml1");
    let refresh = alice.refresh.clone().unwrap();
    let doc_id = RawToken::decode(&alice.access).unwrap().doc_id();
    let own = |half| keys::invalidation(&name_digest("saml1"), &name_digest("alice"), &doc_id, half);
    let forged = retagged(&alice.access, Some(&bob.access));
    for (token, half, reads) in [
        (alice.access.clone(), TokenHalf::Access, 1),
        (retagged(&alice.access, None), TokenHalf::Access, 2),
        (forged, TokenHalf::Access, 2),
        (refresh, TokenHalf::Refresh, 1),
    ] {
        let (step, n) = run(&world, &token, half);
        let OneStep::Put { key, value, ttl, reply } = step else { panic!("{token}: {step:?}") };
        assert_eq!((key, value, n), (own(half), "1", reads), "{token}");
        // The document's lifetime (created now): until ExpiredTokenRemover would delete it.
        assert_eq!(ttl, schema::end_of_life(world.store.now()).div_ceil(1000) - world.store.now() / 1000, "{token}");
        assert_eq!((reply.status, reply.body), (200, counts(1, 0)));
    }
}

#[test]
fn answers_without_a_write() {
    let world = World::new();
    // Well formed, no document, no token stored yet: the host lists, and the core answers 400.
    let unknown = "w+aGBBgAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc=";
    assert!(matches!(run(&world, unknown, TokenHalf::Access).0, OneStep::AnyToken));
    assert_eq!(missing_document_reply(false).status, 400);
    assert_eq!((missing_document_reply(true).status, missing_document_reply(true).body), (404, counts(0, 0)));
    // ES 7.2 to 8.9's tokens: a list too, without a read.
    assert!(matches!(run(&world, "46ToAxYzNUdPZWdYOFRQcWhjeHR3NWpvTmVB", TokenHalf::Access), (OneStep::AnyToken, 0)));
    let OneStep::Done(reply) = run(&world, "not a token", TokenHalf::Access).0 else { panic!() };
    assert_eq!((reply.status, reply.body), (404, counts(0, 0)));
    let alice = world.password_token("alice", "saml1");
    // An access token presented as a refresh token: its hash is not the refresh half's.
    let OneStep::Done(reply) = run(&world, &alice.access, TokenHalf::Refresh).0 else { panic!() };
    assert_eq!((reply.status, reply.body), (404, counts(0, 0)));
    assert_eq!(world.invalidate(serde_json::json!({"token": alice.access})).0, 200);
    for token in [alice.access.clone(), retagged(&alice.access, None)] {
        let OneStep::Done(reply) = run(&world, &token, TokenHalf::Access).0 else { panic!("{token}") };
        assert_eq!((reply.status, reply.body), (200, counts(0, 1)), "{token}");
    }
}
