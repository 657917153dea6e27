//! The native realm's endpoints as one protocol of three steps, so that the host runs them all
//! with one runner and decides nothing: PUT, GET and DELETE of users (§9), enabling and disabling
//! them (§10), changing passwords (§11), PUT, GET and DELETE of roles (§14).
//!
//! 1. [`request`], before authorization: ES's 400s for the path and body, the privilege to ask
//!    for (`action`) and the user ES's same-user rules look at (`target`); the endpoint's
//!    `state`, which the host hands back to the next steps.
//! 2. [`reads`], after authorization: ES's checks that come after it, then what to read: one
//!    `key`, or a lookup plan (`keys`, or a listing under `prefix`).
//! 3. [`answer`], from the values read and the host's hash of the request's `password` (made
//!    after the read, once the caller is known to be allowed): the write (`put` or `delete`),
//!    the user whose cached logins to `forget`, and ES's `status` and `body`.

use serde_json::{json, Value};

use crate::errors::{illegal_argument, Reply};
use crate::{change_password, native_roles, put_user, role_descriptor, user_lookup, user_state, users};

/// A step's JSON state field as text, `""` when absent.
fn text<'a>(state: &'a Value, field: &str) -> &'a str {
    state.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The endpoint's state and authorization, or ES's 4xx. `name` is the path's user or role name
/// (none for a list, or for one's own password); `caller` the authenticated user's name.
pub fn request(endpoint: &str, name: Option<&str>, caller: &str, body: &str) -> Result<Value, Reply> {
    let path = name.unwrap_or_default();
    let (action, state, target) = match endpoint {
        "putUser" => (endpoint, to_value(&put_user::parse(path, body)?)?, None),
        "enableUser" | "disableUser" => {
            let key = user_state::plan(path)?.get("key").cloned().unwrap_or_default();
            ("setEnabled", json!({"username": path, "key": key, "enabled": endpoint == "enableUser"}), None)
        }
        "changePassword" => {
            let request = change_password::parse(name.unwrap_or(caller), body)?;
            let target = request.username.clone();
            (endpoint, to_value(&request)?, Some(target))
        }
        "putRole" => {
            let descriptor = role_descriptor::parse_put(path, body)?;
            let value = native_roles::stored_text(path, &descriptor);
            (endpoint, json!({"key": native_roles::role_key(path), "value": value}), None)
        }
        "getUsers" | "deleteUser" | "getRoles" | "deleteRole" => (endpoint, json!({"name": name}), None),
        _ => return Err(not_an_endpoint(endpoint)),
    };
    Ok(json!({"action": action, "state": state, "target": target}))
}

/// What the endpoint reads once authorized: `{"key"}` or a lookup plan; or ES's 4xx.
pub fn reads(endpoint: &str, state: &Value, caller: &str) -> Result<Value, Reply> {
    let name = state.get("name").and_then(Value::as_str);
    let key = match endpoint {
        "putUser" => {
            let request = put_user::from_json(&state.to_string())?;
            if let Some(problem) = put_user::problems(&request) {
                return Err(problem);
            }
            users::user_key(&request.username)
        }
        "enableUser" | "disableUser" => {
            if let Some(problem) = user_state::caller_problem(caller, text(state, "username")) {
                return Err(problem);
            }
            text(state, "key").to_string()
        }
        "changePassword" | "putRole" => text(state, "key").to_string(),
        "deleteUser" => {
            let name = name.unwrap_or_default();
            users::delete_user_problem(name).map_or(Ok(()), Err)?;
            users::user_key(name)
        }
        "deleteRole" => {
            let name = name.unwrap_or_default();
            native_roles::delete_problem(name).map_or(Ok(()), Err)?;
            native_roles::role_key(name)
        }
        "getUsers" => return user_lookup::lookup(name),
        "getRoles" => return native_roles::lookup(name),
        _ => return Err(not_an_endpoint(endpoint)),
    };
    Ok(json!({ "key": key }))
}

/// The write, the user to forget and ES's answer, from the `values` read (one per key, or as
/// the lookup plan lists them) and the host's `hash` of a new password; or ES's 4xx.
pub fn answer(endpoint: &str, state: &Value, values: &[Option<String>], hash: Option<String>) -> Result<Value, Reply> {
    let existing = values.first().and_then(Option::as_deref);
    let name = state.get("name").and_then(Value::as_str);
    let written = |reply: Reply, key: &str, forget: &str, body: Value| {
        if reply.status != 200 {
            return Err(reply);
        }
        let value = reply.body.get("value").or_else(|| reply.body.get("record")).cloned();
        Ok(json!({"put": {"key": key, "value": value}, "forget": forget, "status": 200, "body": body}))
    };
    let deleted = |key: String, forget: Option<&str>| {
        let found = existing.is_some();
        let status = if found { 200 } else { 404 };
        Ok(json!({"delete": found.then_some(key), "forget": forget, "status": status, "body": {"found": found}}))
    };
    match endpoint {
        "putUser" => {
            let request = put_user::from_json(&state.to_string())?;
            let (key, username) = (users::user_key(&request.username), request.username.clone());
            let reply = put_user::record(request, hash, existing);
            let created = reply.body.get("created").cloned().unwrap_or_default();
            written(reply, &key, &username, json!({ "created": created }))
        }
        "enableUser" | "disableUser" => {
            let (username, enabled) = (text(state, "username"), endpoint == "enableUser");
            written(user_state::new_value(username, enabled, existing), text(state, "key"), username, json!({}))
        }
        "changePassword" => {
            let request = change_password::from_json(&state.to_string())?;
            let reply = change_password::new_value(&request, hash, existing);
            written(reply, &request.key, &request.username, json!({}))
        }
        "putRole" => {
            let put = json!({"key": text(state, "key"), "value": text(state, "value")});
            Ok(json!({"put": put, "status": 200, "body": native_roles::put_answer(existing)}))
        }
        "deleteUser" => deleted(users::user_key(name.unwrap_or_default()), name),
        "deleteRole" => deleted(native_roles::role_key(name.unwrap_or_default()), None),
        "getUsers" | "getRoles" => {
            let reply = if endpoint == "getUsers" {
                user_lookup::views(name, values)
            } else {
                native_roles::views(name, values)
            };
            if reply.status >= 400 {
                return Err(reply);
            }
            Ok(json!({"status": reply.status, "body": reply.body}))
        }
        _ => Err(not_an_endpoint(endpoint)),
    }
}

/// The 400 for a step asked of an endpoint that is not the native realm's (a host's mistake).
fn not_an_endpoint(endpoint: &str) -> Reply {
    illegal_argument(format!("[{endpoint}] is not an endpoint of the native realm"))
}

fn to_value(request: &impl serde::Serialize) -> Result<Value, Reply> {
    serde_json::to_value(request).map_err(|error| illegal_argument(format!("invalid request: {error}")))
}
