//! The JSON and setting strings a host passes in: options, createToken requests, the token
//! timeout setting, get-token bodies. None may panic; every rejection is a 4xx.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use edge_token::grants::parse_create_request;
use edge_token::engine::{self, parse_options};
use edge_token::settings::{parse_time_value, token_timeout_ms, TIMEOUT_SETTING};
use libfuzzer_sys::fuzz_target;

const MIN_TIMEOUT_MS: u64 = 1000;
const MAX_TIMEOUT_MS: u64 = 60 * 60 * 1000;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    match parse_options(text) {
        Ok(options) => {
            assert!(
                (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&options.timeout_ms),
                "timeout {} out of bounds",
                options.timeout_ms
            );
        }
        Err(reply) => {
            assert_eq!(reply.status, 400, "parse_options");
            common::assert_es_envelope(&reply);
        }
    }

    match parse_create_request(text) {
        Ok(request) => {
            assert!(!request.owner.username.is_empty(), "empty username accepted");
            assert!(!request.owner.authentication_realm.name.is_empty(), "empty realm accepted");
        }
        Err(reply) => common::assert_client_error(&reply, "parse_create_request"),
    }

    match token_timeout_ms(Some(text)) {
        Ok(ms) => {
            assert!((MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&ms), "timeout {ms} out of bounds for {text:?}");
            assert_eq!(parse_time_value(TIMEOUT_SETTING, text).ok(), Some(ms));
        }
        Err(reply) => {
            assert_eq!(reply.status, 400, "token_timeout_ms");
            common::assert_es_envelope(&reply);
        }
    }

    let reply = engine::token_request(text);
    if reply.status != 200 {
        common::assert_client_error(&reply, "engine::token_request");
    }
});
