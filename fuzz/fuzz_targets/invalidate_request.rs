//! Arbitrary bytes as an invalidate-token body (§2.2, §2.3).
#![no_main]

#[path = "common/mod.rs"]
mod common;

use edge_token::body_text::MAX_BODY_BYTES;
use edge_token::requests::{parse_invalidate_request, InvalidateTarget};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    match parse_invalidate_request(data) {
        Ok(target) => {
            // Only a JSON object can be accepted.
            let parsed = serde_json::from_slice::<Value>(data);
            assert!(matches!(parsed, Ok(Value::Object(_))), "accepted a body that is not a JSON object");
            match target {
                InvalidateTarget::AccessToken(token) | InvalidateTarget::RefreshToken(token) => {
                    assert!(!token.is_empty(), "an empty token was accepted");
                }
                InvalidateTarget::Owner { realm_name, username } => {
                    assert!(realm_name.is_some() || username.is_some(), "owner target without realm or user");
                    for name in [realm_name, username].into_iter().flatten() {
                        assert!(!name.trim().is_empty(), "a blank realm or user name was accepted");
                    }
                }
            }
        }
        Err(reply) => {
            assert!(matches!(reply.status, 400 | 413), "status {} for an invalidate body", reply.status);
            assert_eq!(reply.status == 413, data.len() > MAX_BODY_BYTES, "413 exactly for oversized bodies");
            common::assert_es_envelope(&reply);
        }
    }
});
