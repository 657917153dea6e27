//! Arbitrary bytes as a get-token body (§3.1, §3.2).
#![no_main]

#[path = "common/mod.rs"]
mod common;

use edge_token::body_text::MAX_BODY_BYTES;
use edge_token::engine;
use edge_token::requests::{parse_token_request, GrantType};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn present(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

fuzz_target!(|data: &[u8]| {
    match parse_token_request(data) {
        Ok(request) => {
            let parsed = serde_json::from_slice::<Value>(data);
            assert!(matches!(parsed, Ok(Value::Object(_))), "accepted a body that is not a JSON object");
            match request.grant_type {
                GrantType::Password => {
                    assert!(
                        present(&request.username) && present(&request.password),
                        "password grant without credentials"
                    );
                    assert!(request.refresh_token.is_none(), "password grant with a refresh_token");
                }
                GrantType::RefreshToken => {
                    assert!(present(&request.refresh_token), "refresh grant without a refresh_token");
                    assert!(request.username.is_none() && request.password.is_none(), "refresh grant with credentials");
                }
                GrantType::ClientCredentials => {
                    assert!(
                        request.username.is_none() && request.password.is_none() && request.refresh_token.is_none(),
                        "client_credentials with credentials or a refresh_token"
                    );
                }
                GrantType::Kerberos => panic!("_kerberos must be answered as unsupported"),
            }
        }
        Err(reply) => {
            assert!(matches!(reply.status, 400 | 413), "status {} for a token body", reply.status);
            assert_eq!(reply.status == 413, data.len() > MAX_BODY_BYTES, "413 exactly for oversized bodies");
            if common::is_oauth2_error(&reply.body) {
                assert_eq!(reply.status, 400);
            } else {
                common::assert_es_envelope(&reply);
            }
        }
    }
    // The host-API wrapper agrees with the parser on UTF-8 bodies.
    if let Ok(text) = std::str::from_utf8(data) {
        let reply = engine::token_request(text);
        assert_eq!(reply.status == 200, parse_token_request(data).is_ok());
        if reply.status == 200 {
            assert!(reply.body["grant_type"].is_string());
            assert!(reply.body.get("kerberos_ticket").is_none());
        } else {
            common::assert_client_error(&reply, "engine::token_request");
        }
    }
});
