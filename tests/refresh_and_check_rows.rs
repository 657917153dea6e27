//! §3.4, §3.5, §5.1 and §5.2 of docs/elasticsearch-semantics.md, row by row.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{counts, World, HOUR, MINUTE};
use edge_token::engine;
use pollster::block_on;
use serde_json::{json, Value};

const CLIENT: (&str, &str) = ("token_user", "default_native");

fn invalid_grant(description: &str) -> Value {
    json!({"error": "invalid_grant", "error_description": description})
}

#[test]
fn password_grant_response_has_es_shape_and_order() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    let keys: Vec<&str> = issued.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["access_token", "type", "expires_in", "refresh_token", "authentication"]);
    assert_eq!(issued.body["type"], "Bearer");
    assert_eq!(issued.body["expires_in"], 1200);
    assert_eq!(
        issued.body["authentication"],
        json!({"username":"token_user","roles":["superuser"],"full_name":"Token User","email":null,"metadata":{},"enabled":true,"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":"realm"})
    );
    assert_ne!(issued.access, issued.refresh.unwrap());
}

#[test]
fn client_credentials_has_no_refresh_token_and_scope_is_full_when_asked() {
    let world = World::new();
    let issued = world.create_as("client_credentials", "svc", "default_native", None);
    assert!(issued.body.get("refresh_token").is_none());
    assert!(issued.body.get("scope").is_none());
    let request =
        json!({"grant_type":"password","username":"u","realm":{"name":"file","type":"file"},"scope":"read write"});
    let reply = block_on(engine::create_token(
        &world.store,
        &request.to_string(),
        &json!({"now": common::T0, "timeout": "5m"}).to_string(),
    ));
    assert_eq!(reply.body["scope"], "full");
    assert_eq!(reply.body["expires_in"], 300);
    assert_eq!(reply.body["authentication"]["authentication_realm"], json!({"name":"file","type":"file"}));
}

#[test]
fn create_rejects_bad_requests_and_settings() {
    let world = World::new();
    let rows = [
        (json!({"grant_type":"password","username":"","realm":"r"}), "{}", 400),
        (json!({"grant_type":"_kerberos","username":"u","realm":"r"}), "{}", 400),
        (json!({"grant_type":"password","username":"u"}), "{}", 400),
        (json!({"grant_type":"password","username":"u","realm":"r","bogus":1}), "{}", 400),
        (json!({"grant_type":"password","username":"u","realm":"r"}), r#"{"timeout":"2h"}"#, 400),
        (json!({"grant_type":"password","username":"u","realm":"r"}), r#"{"now":-1}"#, 400),
    ];
    for (request, options, status) in rows {
        let reply = block_on(engine::create_token(&world.store, &request.to_string(), options));
        assert_eq!(reply.status, status, "{request} {options}: {}", reply.body);
    }
    assert!(world.store.dump().is_empty());
}

/// §5.1: a valid bearer token authenticates as its owner, type `token`, no `token` object.
#[test]
fn check_valid_token_gives_the_authenticate_body() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    let reply = world.check(&issued.access);
    assert_eq!(reply.status, 200);
    let mut expected = issued.body["authentication"].clone();
    expected["authentication_type"] = json!("token");
    assert_eq!(reply.body, expected);
    assert_eq!(world.outcome(&issued.access), "valid");
}

/// §5.2: expired and invalidated tokens share one 401; unknown ones get another.
#[test]
fn check_failures_are_the_401s_of_5_2() {
    let world = World::new();
    let expired_body = json!({"error":{"root_cause":[{"type":"security_exception","reason":"token expired","header":{"WWW-Authenticate":"Bearer realm=\"security\", error=\"invalid_token\", error_description=\"The access token expired\""}}],"type":"security_exception","reason":"token expired","header":{"WWW-Authenticate":"Bearer realm=\"security\", error=\"invalid_token\", error_description=\"The access token expired\""}},"status":401});
    let www = json!(["Bearer realm=\"security\"", "ApiKey", "Basic realm=\"security\", charset=\"UTF-8\""]);
    let unknown_body = json!({"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request","additional_unsuccessful_credentials":"oauth2 token: invalid token","header":{"WWW-Authenticate":www}}],"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request","additional_unsuccessful_credentials":"oauth2 token: invalid token","header":{"WWW-Authenticate":www}},"status":401});

    let invalidated = world.password_token("token_user", "default_native");
    world.invalidate(json!({"token": invalidated.access}));
    let bulk = world.password_token("token_user", "default_native");
    world.invalidate(json!({"username": "token_user"}));
    let expired = world.password_token("token_user", "default_native");
    let rows = [
        (invalidated.access.clone(), expired_body.clone(), "invalidated"),
        (bulk.access.clone(), expired_body.clone(), "invalidated"),
        ("garbage".to_string(), unknown_body.clone(), "unknown"),
        (invalidated.refresh.clone().unwrap(), unknown_body.clone(), "unknown"),
        ("A".repeat(10_000), unknown_body.clone(), "unknown"),
    ];
    for (token, body, detail) in rows {
        let reply = world.check(&token);
        assert_eq!((reply.status, &reply.body, world.outcome(&token)), (401, &body, detail), "{token:.20}");
        assert_eq!(reply.headers[0].0, "WWW-Authenticate");
    }
    world.advance(20 * MINUTE + 1);
    let reply = world.check(&expired.access);
    assert_eq!((reply.status, &reply.body, world.outcome(&expired.access)), (401, &expired_body, "expired"));
    // After the purge time the document is gone: unknown.
    world.advance(25 * HOUR);
    assert_eq!(world.check(&expired.access).body, unknown_body);
}

#[test]
fn refresh_issues_a_new_pair_and_leaves_the_old_access_token_valid() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    world.advance(MINUTE);
    let reply = world.refresh(issued.refresh.as_ref().unwrap(), CLIENT);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let keys: Vec<&str> = reply.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["access_token", "type", "expires_in", "refresh_token", "authentication"]);
    assert_eq!(reply.body["authentication"]["authentication_type"], "token");
    assert_eq!(reply.body["authentication"]["username"], "token_user");
    let new_access = reply.body["access_token"].as_str().unwrap();
    assert_ne!(new_access, issued.access);
    assert!(world.is_valid(new_access));
    assert!(world.is_valid(&issued.access));
    // The new refresh token has its own 24 h window.
    world.advance(23 * HOUR + 30 * MINUTE);
    let again = world.refresh(reply.body["refresh_token"].as_str().unwrap(), CLIENT);
    assert_eq!(again.status, 200, "{}", again.body);
}

/// §3.5, rules 1 to 5 in order.
#[test]
fn refresh_rules_in_order() {
    let world = World::new();
    let a = world.password_token("token_user", "default_native");
    let refresh = a.refresh.clone().unwrap();
    let rows = [
        ("garbage".to_string(), CLIENT, invalid_grant("could not refresh the requested token")),
        (a.access.clone(), CLIENT, invalid_grant("could not refresh the requested token")),
        (
            refresh.clone(),
            ("someone_else", "default_native"),
            invalid_grant("tokens must be refreshed by the creating client"),
        ),
        (
            refresh.clone(),
            ("token_user", "other_realm"),
            invalid_grant("tokens must be refreshed by the creating client"),
        ),
    ];
    for (token, client, body) in rows {
        let reply = world.refresh(&token, client);
        assert_eq!((reply.status, reply.body), (400, body), "{client:?}");
    }

    // Rule 2 before rule 3: an invalidated token past 24 h reports expiry.
    let old = world.password_token("token_user", "default_native");
    world.invalidate(json!({"refresh_token": old.refresh.clone().unwrap()}));
    let b = world.password_token("token_user", "default_native");
    world.invalidate(json!({"refresh_token": b.refresh.clone().unwrap()}));
    let reply = world.refresh(b.refresh.as_ref().unwrap(), ("someone_else", "x"));
    assert_eq!(reply.body, invalid_grant("token has been invalidated"), "rule 3 before rule 4");
    world.advance(24 * HOUR + 1);
    let reply = world.refresh(old.refresh.as_ref().unwrap(), CLIENT);
    assert_eq!(reply.body, invalid_grant("token document has expired"));
}

/// §3.5 rule 5: within ±30 s the same pair comes back; outside it, the exact errors.
#[test]
fn refresh_replay_window() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    let refresh = issued.refresh.unwrap();
    let first = world.refresh(&refresh, CLIENT);
    world.advance(29_000);
    let replay = world.refresh(&refresh, CLIENT);
    assert_eq!(replay.status, 200);
    assert_eq!(replay.body["access_token"], first.body["access_token"]);
    assert_eq!(replay.body["refresh_token"], first.body["refresh_token"]);
    assert_eq!(replay.body["expires_in"], 1200);
    assert_eq!(replay.body["authentication"], first.body["authentication"]);
    let stranger = world.refresh(&refresh, ("mallory", "default_native"));
    assert_eq!(stranger.body, invalid_grant("tokens must be refreshed by the creating client"));
    world.advance(1_001);
    let late = world.refresh(&refresh, CLIENT);
    assert_eq!(late.body, invalid_grant("token has already been refreshed more than 30 seconds in the past"));
    // A clock that runs behind the first refresh by more than 30 s.
    world.store.set_now(common::T0 - 31_000);
    let skewed = world.refresh(&refresh, CLIENT);
    assert_eq!(
        skewed.body,
        invalid_grant("token has been refreshed more than 30 seconds in the future, clock skew too great")
    );
}

/// Concurrent refreshes of one token yield exactly one distinct pair.
#[test]
fn concurrent_refreshes_give_one_pair() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    let refresh = issued.refresh.unwrap();
    let client = json!({"username": CLIENT.0, "realm": CLIENT.1}).to_string();
    let options = world.options();
    let store = common::InterleavingStore(&world.store);
    let before = world.store.operations();
    let calls = (0..50).map(|_| engine::refresh_token(&store, &refresh, &client, &options));
    let replies = block_on(futures_util::future::join_all(calls));
    // Interleaved: all 50 read the document before any wrote, so all took the first-refresh
    // path (1 read, the owner tag naming the status keys, + 4 writes each) and still derived
    // one pair.
    assert_eq!(world.store.operations() - before, 50 * 5);
    let pairs: std::collections::BTreeSet<String> =
        replies.iter().map(|r| format!("{}|{}", r.body["access_token"], r.body["refresh_token"])).collect();
    assert!(replies.iter().all(|r| r.status == 200));
    assert_eq!(pairs.len(), 1);
}

#[test]
fn bulk_invalidation_blocks_refresh_of_covered_tokens() {
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    assert_eq!(world.invalidate(json!({"realm_name": "default_native"})), (200, counts(2, 0)));
    let reply = world.refresh(issued.refresh.as_ref().unwrap(), CLIENT);
    assert_eq!(reply.body, invalid_grant("token has been invalidated"));
}

#[test]
fn admin_minted_token_is_refreshed_only_by_the_admin() {
    let world = World::new();
    let issued = world.create_as("password", "alice", "default_native", Some(("elastic", "reserved")));
    let by_owner = world.refresh(issued.refresh.as_ref().unwrap(), ("alice", "default_native"));
    assert_eq!(by_owner.body, invalid_grant("tokens must be refreshed by the creating client"));
    let by_admin = world.refresh(issued.refresh.as_ref().unwrap(), ("elastic", "reserved"));
    assert_eq!(by_admin.status, 200);
    assert_eq!(by_admin.body["authentication"]["username"], "alice");
}

#[test]
fn metadata_too_deep_to_read_back_is_refused_at_creation() {
    let world = World::new();
    let nested = |levels: usize| {
        let mut value = json!("leaf");
        for _ in 0..levels {
            value = json!({ "a": value });
        }
        value
    };
    let request = |metadata: Value| {
        json!({"grant_type":"password","username":"u","realm":"default_native","metadata": metadata}).to_string()
    };
    let refused = block_on(engine::create_token(&world.store, &request(nested(120)), &world.options()));
    assert_eq!(refused.status, 400);
    let accepted = block_on(engine::create_token(&world.store, &request(nested(99)), &world.options()));
    assert_eq!(accepted.status, 200);
    let token = accepted.body["access_token"].as_str().unwrap();
    assert_eq!(world.check(token).status, 200);
}

/// The hot path writes a valid check's body directly, and a failure's envelope after a mark: they
/// must say what the reply says.
#[test]
fn the_direct_answer_of_a_check_equals_the_reply() {
    use edge_token::check::{check, outcome_answer, outcome_reply, FAILED};
    let world = World::new();
    let issued = world.password_token("token_user", "default_native");
    for token in [issued.access.as_str(), "garbage"] {
        let outcome = block_on(check(&world.store, token, world.store.now())).unwrap();
        let reply = outcome_reply(outcome.clone());
        let answer = outcome_answer(outcome);
        let rendered: Value = serde_json::from_str(&reply.to_envelope()).unwrap();
        let direct: Value = match answer.strip_prefix(FAILED) {
            Some(envelope) => serde_json::from_str(envelope).unwrap(),
            None => json!({"status": 200, "headers": {}, "body": serde_json::from_str::<Value>(&answer).unwrap()}),
        };
        assert_eq!(direct, rendered);
        assert_eq!(reply.status == 200, !answer.starts_with(FAILED), "{answer}");
    }
}
