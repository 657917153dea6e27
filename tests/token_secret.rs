//! The token secret keys the superseding pair: the store and a refresh token together no longer
//! give the next generations of a chain, while every refresh of one token (in one location or
//! racing across locations) still yields one pair. docs/threat-model.md states the claims.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{World, SECRET};
use edge_token::codec::{decode_salt, RawToken, TokenPair};
use edge_token::engine::{self, parse_options};
use edge_token::errors::Reply;
use edge_token::memory::MemoryStore;
use edge_token::schema::{keys, TokenRecord};
use edge_token::store::KvStore;
use edge_token::superseding::{Derivation, TokenSecret};
use edge_token::token_documents;
use pollster::block_on;
use serde_json::{json, Value};

const CLIENT: (&str, &str) = ("token_user", "default_native");
const OTHER_SECRET: &str = "another-token-secret-of-32-chars-or-more";

fn client_json() -> String {
    json!({"username": CLIENT.0, "realm": CLIENT.1}).to_string()
}

fn refresh_with(store: &MemoryStore, token: &str, options: Value) -> Reply {
    block_on(engine::refresh_token(store, token, &client_json(), &options.to_string()))
}

fn refresh_with_secret(store: &MemoryStore, token: &str, secret: &str) -> Reply {
    refresh_with(store, token, json!({"now": store.now(), "secret": secret}))
}

fn pair_of(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    (reply.body["access_token"].as_str().unwrap().into(), reply.body["refresh_token"].as_str().unwrap().into())
}

/// A copy of every live key: what a reader of the store holds, or another location's replica.
fn snapshot(store: &MemoryStore) -> MemoryStore {
    let copy = MemoryStore::new(store.now());
    for (key, value, metadata) in store.dump() {
        block_on(copy.put(&key, &value, 24 * 3600, metadata.as_ref())).unwrap();
    }
    copy
}

fn stored_record(store: &MemoryStore, token: &str) -> TokenRecord {
    let doc_id = RawToken::decode(token).unwrap().doc_id();
    block_on(token_documents::load(store, &doc_id, store.now())).unwrap().unwrap()
}

fn reason(reply: &Reply) -> String {
    reply.body["error"]["reason"].as_str().unwrap_or_default().to_string()
}

#[test]
fn refresh_without_a_usable_secret_is_refused_before_the_store_is_read() {
    let world = World::new();
    let refresh = world.password_token("token_user", "default_native").refresh.unwrap();
    let now = world.store.now();
    let rows = [
        (json!({"now": now}), "refreshing a token needs the token secret (options.secret, at least 32 characters; the service's TOKEN_SECRET)"),
        (json!({"now": now, "secret": null}), "refreshing a token needs the token secret (options.secret, at least 32 characters; the service's TOKEN_SECRET)"),
        (json!({"now": now, "secret": "short-secret-31-characters-long"}), "the token secret must be at least 32 characters long"),
        (json!({"now": now, "secret": ""}), "the token secret must be at least 32 characters long"),
        (json!({"now": now, "secret": 12345678901234567890_u64}), "invalid options: [secret] must be a string"),
        (json!({"now": now, "secret": ["a-secret-in-an-array-of-32-characters"]}), "invalid options: [secret] must be a string"),
    ];
    for (options, expected) in rows {
        let before = world.store.operations();
        let reply = refresh_with(&world.store, &refresh, options.clone());
        assert_eq!(reply.status, 400, "{options}");
        assert_eq!(reply.body["error"]["type"], "illegal_argument_exception", "{options}");
        assert_eq!(reason(&reply), expected, "{options}");
        assert!(!reply.body.to_string().contains("12345678901234567890"), "{options}");
        assert!(!reply.body.to_string().contains("a-secret-in-an-array"), "{options}");
        assert_eq!(world.store.operations(), before, "{options}");
    }
    // The other calls take the secret too (one options object serves all) and ignore it.
    assert_eq!(world.check(&world.password_token("u", "r").access).status, 200);
}

#[test]
fn the_secret_never_shows_in_debug_output_or_settings_replies() {
    let options = json!({"now": 1, "secret": SECRET}).to_string();
    let parsed = parse_options(&options).unwrap();
    assert!(parsed.secret.is_some());
    assert!(!format!("{parsed:?}").contains(SECRET), "{parsed:?}");
    let settings = engine::settings(&options);
    assert_eq!(settings.status, 200);
    assert!(!settings.to_envelope().contains(SECRET));
    let short = engine::settings(&json!({"secret": "short-secret"}).to_string());
    assert_eq!((short.status, reason(&short)), (400, "the token secret must be at least 32 characters long".into()));
    assert!(!short.to_envelope().contains("short-secret"));
}

/// Two locations that both still see the token unrefreshed (KV's propagation window) refresh
/// it at once: with one secret everywhere, they answer the same pair.
#[test]
fn the_same_secret_gives_the_same_pair_in_every_location() {
    let world = World::new();
    let refresh = world.password_token("token_user", "default_native").refresh.unwrap();
    let elsewhere = snapshot(&world.store);
    let here = pair_of(&refresh_with_secret(&world.store, &refresh, SECRET));
    elsewhere.advance(1500);
    let there = pair_of(&refresh_with_secret(&elsewhere, &refresh, SECRET));
    assert_eq!(here, there);
    assert_eq!(stored_record(&world.store, &refresh).refresh.unwrap().derivation, Derivation::Keyed.stored());
}

#[test]
fn a_different_secret_gives_a_different_pair_that_does_not_authenticate() {
    let world = World::new();
    let refresh = world.password_token("token_user", "default_native").refresh.unwrap();
    let elsewhere = snapshot(&world.store);
    let real = pair_of(&refresh_with_secret(&world.store, &refresh, SECRET));
    let other = pair_of(&refresh_with_secret(&elsewhere, &refresh, OTHER_SECRET));
    assert_ne!(real.0, other.0);
    assert_ne!(real.1, other.1);
    // A replay within 30 s with the wrong secret answers a pair no document backs.
    world.advance(1000);
    let replayed = pair_of(&refresh_with_secret(&world.store, &refresh, OTHER_SECRET));
    assert_eq!(replayed, other);
    assert_eq!(world.check(&replayed.0).status, 401);
    assert_eq!(world.check(&real.0).status, 200);
}

/// The pair of generation `n` of a chain, computed offline from one refresh token and the
/// salt its document holds, the way an attacker with a store snapshot would.
fn offline_generation(refresh: &str, salt: &[u8], n: usize, derivation: Derivation, secret: &TokenSecret) -> TokenPair {
    let mut token = RawToken::decode(refresh).unwrap();
    let mut salt = salt.to_vec();
    let mut pair = None;
    for _ in 0..n {
        let (next, next_salt) = TokenPair::superseding(&token, &salt, derivation, secret);
        token = next.refresh.clone().unwrap();
        salt = next_salt.to_vec();
        pair = Some(next);
    }
    pair.unwrap()
}

/// The attack the secret closes: a stolen refresh token plus one read of its document used to
/// give every later generation of the chain, and a predicted access token authenticated.
#[test]
fn a_stolen_refresh_token_and_a_store_snapshot_do_not_predict_later_generations() {
    let world = World::new();
    let stolen = world.password_token("token_user", "default_native").refresh.unwrap();
    let snapshot_salt = decode_salt(&stored_record(&world.store, &stolen).refresh.unwrap().salt).unwrap();

    // The legitimate client refreshes its chain five times, a minute apart.
    let mut current = stolen.clone();
    let mut real = (String::new(), String::new());
    for _ in 0..5 {
        world.advance(60_000);
        real = pair_of(&world.refresh(&current, CLIENT));
        current = real.1.clone();
    }

    let guessed = TokenSecret::new(OTHER_SECRET).unwrap();
    let attempts = [
        (
            "the derivation before the secret",
            offline_generation(&stolen, &snapshot_salt, 5, Derivation::Unkeyed, &guessed),
        ),
        (
            "the keyed derivation with a guessed secret",
            offline_generation(&stolen, &snapshot_salt, 5, Derivation::Keyed, &guessed),
        ),
    ];
    for (how, predicted) in attempts {
        assert_ne!(predicted.access.encode(), real.0, "{how}");
        assert_ne!(predicted.refresh.as_ref().unwrap().encode(), real.1, "{how}");
        assert_eq!(world.check(&predicted.access.encode()).status, 401, "{how}");
        let reply = world.refresh(&predicted.refresh.unwrap().encode(), CLIENT);
        assert_eq!(reply.body["error"], "invalid_grant", "{how}");
    }

    // The secret is the only thing missing: with it the same computation finds generation 5,
    // so the two attempts above failed for want of the secret, not by a mistake of the test.
    let secret = TokenSecret::new(SECRET).unwrap();
    let with_secret = offline_generation(&stolen, &snapshot_salt, 5, Derivation::Keyed, &secret);
    // The same token bytes; the string handed out also carries its owner's tag.
    assert_eq!(RawToken::decode(&real.0), Some(with_secret.access));
    assert_eq!(world.check(&real.0).status, 200);
}

/// What a release before the secret wrote on a first refresh: the unkeyed successor, and the
/// old document marked refreshed without a `derivation` field.
fn refresh_as_before_the_secret(store: &MemoryStore, refresh: &str) -> (String, String) {
    let now = store.now();
    let token = RawToken::decode(refresh).unwrap();
    let mut record = stored_record(store, refresh);
    let half = record.refresh.clone().unwrap();
    let any_secret = TokenSecret::new(OTHER_SECRET).unwrap();
    let salt = decode_salt(&half.salt).unwrap();
    let (pair, next_salt) = TokenPair::superseding(&token, &salt, Derivation::Unkeyed, &any_secret);
    let mut successor = record.clone();
    successor.creation_time = now;
    successor.access.hash = pair.access.hash();
    successor.access.expiration_time = now + 20 * 60_000;
    let mut next_half = half.clone();
    next_half.hash = pair.refresh.as_ref().unwrap().hash();
    next_half.salt = edge_token::codec::encode_salt(&next_salt);
    successor.refresh = Some(next_half);
    block_on(token_documents::save_with_index(store, &pair.access.doc_id(), &successor, now)).unwrap();
    let mut marked = half;
    marked.refresh_time = Some(now);
    record.refresh = Some(marked);
    block_on(token_documents::save_record(store, &token.doc_id(), &record, now)).unwrap();
    (pair.access.encode(), pair.refresh.unwrap().encode())
}

#[test]
fn tokens_refreshed_before_the_upgrade_replay_their_pair_and_their_successors_refresh_keyed() {
    let world = World::new();
    let refresh = world.password_token("token_user", "default_native").refresh.unwrap();
    let before = refresh_as_before_the_secret(&world.store, &refresh);
    assert!(!world.store.dump().iter().any(|(_, value, _)| value.contains("derivation")));

    // The upgrade happens; a replay within 30 s answers the pair the old release answered.
    world.advance(10_000);
    // The same token bytes; the replay's strings also carry their owner's tag.
    let replayed = pair_of(&world.refresh(&refresh, CLIENT));
    let bytes = |token: &str| RawToken::decode(token).unwrap();
    assert_eq!((bytes(&replayed.0), bytes(&replayed.1)), (bytes(&before.0), bytes(&before.1)));
    assert_eq!(world.check(&before.0).status, 200);

    // The successor, never refreshed, refreshes with the secret.
    let next = pair_of(&world.refresh(&before.1, CLIENT));
    assert_eq!(world.check(&next.0).status, 200);
    assert_eq!(stored_record(&world.store, &before.1).refresh.unwrap().derivation, Derivation::Keyed.stored());
}

#[test]
fn a_derivation_this_release_does_not_know_is_not_guessed() {
    let world = World::new();
    let refresh = world.password_token("token_user", "default_native").refresh.unwrap();
    pair_of(&world.refresh(&refresh, CLIENT));
    let key = keys::record(&RawToken::decode(&refresh).unwrap().doc_id());
    let mut stored: Value = serde_json::from_str(&block_on(world.store.get(&key)).unwrap().unwrap()).unwrap();
    stored["refresh"]["derivation"] = json!(9);
    block_on(world.store.put(&key, &stored.to_string(), 24 * 3600, None)).unwrap();
    let reply = world.refresh(&refresh, CLIENT);
    assert_eq!(
        reply.body,
        json!({"error": "invalid_grant", "error_description": "could not refresh the requested token"})
    );
    // The rules before the derivation keep their order: after 30 s the token is spent.
    world.advance(31_000);
    let reply = world.refresh(&refresh, CLIENT);
    assert_eq!(reply.body["error_description"], "token has already been refreshed more than 30 seconds in the past");
}
