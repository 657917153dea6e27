//! The native realm's exports (wasm only): synchronous calls around the host's KV reads and
//! writes and its password crypto, so the host owns no Elasticsearch rule of the realm. Each
//! answers with a reply envelope (`{"status","headers","body"}`), success or ES's error, except
//! [`user_key`], a plain key.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{illegal_argument, Reply};
use crate::{change_password, password_hash, put_user, user_lookup, user_state, users};

fn envelope(value: Value) -> String {
    Reply::ok(value).to_envelope()
}

/// A success envelope whose body is `null` when there is no problem; else the problem.
fn check(problem: Option<Reply>) -> String {
    problem.unwrap_or_else(|| Reply::ok(Value::Null)).to_envelope()
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

/// The checks ES runs after authorization, on the request [`parse_put_user`] answered with:
/// `null`, or ES's 400.
#[wasm_bindgen(js_name = checkPutUser)]
pub fn check_put_user(request_json: &str) -> String {
    check(put_user::from_json(request_json).map_or_else(Some, |request| put_user::problems(&request)))
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

/// Why the user cannot be deleted (ES's 400), or `null`.
#[wasm_bindgen(js_name = checkDeleteUser)]
pub fn check_delete_user(username: &str) -> String {
    check(users::delete_user_problem(username))
}

/// What enabling or disabling `username` reads and writes: `{"key", "reserved"}`, or ES's 400.
#[wasm_bindgen(js_name = setEnabledPlan)]
pub fn set_enabled_plan(username: &str) -> String {
    user_state::plan(username).map_or_else(|reply| reply.to_envelope(), envelope)
}

/// ES's 400 when `caller` would change their own flag, or `null`.
#[wasm_bindgen(js_name = checkSetEnabledCaller)]
pub fn check_set_enabled_caller(caller: &str, username: &str) -> String {
    check(user_state::caller_problem(caller, username))
}

/// The text to store at the plan's key, `{"value"}`, from the value read there; or ES's 400.
#[wasm_bindgen(js_name = setEnabledValue)]
pub fn set_enabled_value(username: &str, enabled: bool, existing: Option<String>) -> String {
    user_state::new_value(username, enabled, existing.as_deref()).to_envelope()
}

/// PUT/POST /_security/user/{username}/_password's body: the request (`username`, `password`
/// or `password_hash`, and the `key` to read and write), or ES's 400.
#[wasm_bindgen(js_name = parseChangePassword)]
pub fn parse_change_password(username: &str, body: &str) -> String {
    match change_password::parse(username, body) {
        Ok(request) => {
            serde_json::to_value(&request).map_or_else(|e| illegal_argument(e.to_string()).to_envelope(), envelope)
        }
        Err(reply) => reply.to_envelope(),
    }
}

/// The text to store at the request's key, `{"value"}`, from the value read there and the
/// host's hash of a new `password`; or ES's 400.
#[wasm_bindgen(js_name = changePasswordValue)]
pub fn change_password_value(request_json: &str, password_hash: Option<String>, existing: Option<String>) -> String {
    match change_password::from_json(request_json) {
        Ok(request) => change_password::new_value(&request, password_hash, existing.as_deref()).to_envelope(),
        Err(reply) => reply.to_envelope(),
    }
}

/// What GET /_security/user[/{usernames}] reads: `{"prefix", "max_users"}` (list) or
/// `{"keys"}`; ES's 400 for too many names.
#[wasm_bindgen(js_name = userLookup)]
pub fn user_lookup(usernames: Option<String>) -> String {
    match user_lookup::lookup(usernames.as_deref()) {
        Ok(plan) => envelope(plan),
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
