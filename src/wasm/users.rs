//! The native realm's exports (wasm only): synchronous calls around the host's KV reads and
//! writes and its password crypto, so the host owns no Elasticsearch rule of the realm. Each
//! answers with a reply envelope (`{"status","headers","body"}`), success or ES's error. The
//! endpoints themselves are [`super::realm_endpoints`]'s.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::Reply;
use crate::{password_hash, user_lookup};

fn envelope(value: Value) -> String {
    Reply::ok(value).to_envelope()
}

/// What verifying a password against a stored hash needs (`password_hash::verifier`), or
/// `null` for a hash that can never match.
#[wasm_bindgen(js_name = describePasswordHash)]
pub fn describe_password_hash(hash: &str) -> String {
    envelope(password_hash::verifier(hash).unwrap_or(Value::Null))
}

/// How to make a new password hash (`password_hash::new_hash_format`).
#[wasm_bindgen(js_name = newPasswordHashFormat)]
pub fn new_password_hash_format() -> String {
    envelope(password_hash::new_hash_format())
}

/// The new hash of the salt and key the host derived with [`new_password_hash_format`]'s
/// parameters (`password_hash::new_hash`), as a reply envelope; other lengths are the host's
/// mistake, a 500.
#[wasm_bindgen(js_name = newPasswordHash)]
pub fn new_password_hash(salt: &[u8], key: &[u8]) -> String {
    match password_hash::new_hash(salt, key) {
        Some(hash) => envelope(Value::String(hash)),
        None => crate::rest_errors::internal_error().to_envelope(),
    }
}

/// The salt bytes of a PBKDF2 hash (`password_hash::salt`), `undefined` for any other.
#[wasm_bindgen(js_name = passwordSalt)]
pub fn password_salt(hash: &str) -> Option<Vec<u8>> {
    password_hash::salt(hash)
}

/// Whether the key the host derived with [`describe_password_hash`]'s parameters is the one
/// `hash` stores, compared in constant time (`password_hash::key_matches`).
#[wasm_bindgen(js_name = passwordKeyMatches)]
pub fn password_key_matches(hash: &str, derived: &[u8]) -> bool {
    password_hash::key_matches(hash, derived)
}

/// The keys a password login reads: `{"throttle_key", "record_key", "state_key"}`.
#[wasm_bindgen(js_name = loginPlan)]
pub fn login_plan(username: &str) -> String {
    envelope(user_lookup::login_plan(username))
}

/// The hash a login checks and the principal it yields: `{"hash", "principal"}`.
#[wasm_bindgen(js_name = loginUser)]
pub fn login_user(username: &str, record: Option<String>, reserved_enabled: bool) -> String {
    envelope(user_lookup::login_user(username, record.as_deref(), reserved_enabled))
}
