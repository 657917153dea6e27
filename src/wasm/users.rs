//! The native realm's exports (wasm only): synchronous calls around the host's KV reads and
//! writes and its password crypto, so the host owns no Elasticsearch rule of the realm. Each
//! answers with a reply envelope (`{"status","headers","body"}`), success or ES's error, except
//! [`user_key`], a plain key.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{illegal_argument, Reply};
use crate::{password_hash, put_user, user_lookup, users};

fn envelope(value: Value) -> String {
    Reply::ok(value).to_envelope()
}

/// The KV key of a user's record.
#[wasm_bindgen(js_name = userKey)]
pub fn user_key(username: &str) -> String {
    users::user_key(username)
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

/// PUT/POST /_security/user/{username}'s body: the normalized request (with `password` or
/// `password_hash` as given), or ES's 400 (parse errors, then validation).
#[wasm_bindgen(js_name = parsePutUser)]
pub fn parse_put_user(username: &str, body: &str) -> String {
    match put_user::parse(username, body).and_then(|request| to_value(&request)) {
        Ok(request) => envelope(request),
        Err(reply) => reply.to_envelope(),
    }
}

/// The record to store, `{"record": <text>, "created": bool}`, or a 400 (a new user without a
/// password). `password_hash` is the host's hash of the request's `password`, when it has one;
/// `existing` is the value read from [`user_key`].
#[wasm_bindgen(js_name = putUserRecord)]
pub fn put_user_record(request_json: &str, password_hash: Option<String>, existing: Option<String>) -> String {
    match put_user::from_json(request_json) {
        Ok(request) => put_user::record(request, password_hash, existing.as_deref()).to_envelope(),
        Err(reply) => reply.to_envelope(),
    }
}

/// GET /_security/user's answer from the values read (a JSON array of strings or nulls, in the
/// order of [`user_lookup`]'s keys, or of the keys listed); ES's 400 past its bounds.
#[wasm_bindgen(js_name = userViews)]
pub fn user_views(usernames: Option<String>, values_json: &str) -> String {
    match serde_json::from_str::<Vec<Option<String>>>(values_json) {
        Ok(values) => user_lookup::views(usernames.as_deref(), &values).to_envelope(),
        Err(error) => illegal_argument(format!("invalid user values: {error}")).to_envelope(),
    }
}

/// The keys a password login reads: `{"throttle_key", "record_key"}`.
#[wasm_bindgen(js_name = loginPlan)]
pub fn login_plan(username: &str) -> String {
    envelope(user_lookup::login_plan(username))
}

/// The hash a login checks and the principal it yields: `{"hash", "principal"}`.
#[wasm_bindgen(js_name = loginUser)]
pub fn login_user(username: &str, record: Option<String>, reserved_enabled: bool) -> String {
    envelope(user_lookup::login_user(username, record.as_deref(), reserved_enabled))
}

fn to_value(request: &put_user::PutUserRequest) -> Result<Value, Reply> {
    serde_json::to_value(request).map_err(|error| illegal_argument(format!("invalid put user request: {error}")))
}
