//! Invariants shared by the fuzz targets: the shapes of Elasticsearch's error bodies.
#![allow(dead_code)]

use edge_token::errors::Reply;
use serde_json::Value;

/// The standard envelope of §1.1: `{"error":{"root_cause":[..],"type":..,"reason":..},"status":N}`.
pub fn assert_es_envelope(reply: &Reply) {
    let body = &reply.body;
    assert!(body["error"]["type"].is_string(), "error.type must be a string: {body}");
    assert!(body["error"]["reason"].is_string(), "error.reason must be a string: {body}");
    assert!(
        body["error"]["root_cause"].as_array().is_some_and(|causes| !causes.is_empty()),
        "error.root_cause must be a non-empty array: {body}"
    );
    assert_eq!(body["status"], Value::from(reply.status), "body.status must equal the HTTP status: {body}");
    assert_envelope_is_json(reply);
}

/// RFC 6749 §5.2, as get-token answers (§3.2): exactly `error` and `error_description`, strings.
pub fn is_oauth2_error(body: &Value) -> bool {
    body.as_object().is_some_and(|map| {
        map.len() == 2
            && map.get("error").is_some_and(Value::is_string)
            && map.get("error_description").is_some_and(Value::is_string)
    })
}

/// What crosses the wasm boundary must be valid JSON with the same status.
pub fn assert_envelope_is_json(reply: &Reply) {
    let envelope: Value = serde_json::from_str(&reply.to_envelope()).expect("to_envelope must be valid JSON");
    assert_eq!(envelope["status"], Value::from(reply.status));
}

/// An error reply is 4xx and Elasticsearch-shaped: the envelope, or the OAuth2 pair.
pub fn assert_client_error(reply: &Reply, context: &str) {
    assert!((400..500).contains(&reply.status), "{context}: status {} is not 4xx: {}", reply.status, reply.body);
    if is_oauth2_error(&reply.body) {
        assert_envelope_is_json(reply);
    } else {
        assert_es_envelope(reply);
    }
}
