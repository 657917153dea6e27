//! The native roles' exports (wasm only, §14): synchronous calls around the host's KV reads and
//! writes, each answering with a reply envelope, success or ES's error.

use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use crate::errors::{illegal_argument, Reply};
use crate::{native_roles, role_descriptor};

fn envelope(value: Value) -> String {
    Reply::ok(value).to_envelope()
}

/// PUT/POST /_security/role/{name}'s body: `{"key", "value"}` (where and what to store), or
/// ES's 400.
#[wasm_bindgen(js_name = parsePutRole)]
pub fn parse_put_role(name: &str, body: &str) -> String {
    match role_descriptor::parse_put(name, body) {
        Ok(descriptor) => envelope(json!({
            "key": native_roles::role_key(name),
            "value": native_roles::stored_text(name, &descriptor),
        })),
        Err(reply) => reply.to_envelope(),
    }
}

/// PUT's answer, `{"role":{"created"}}`, from the value stored at the key before.
#[wasm_bindgen(js_name = putRoleAnswer)]
pub fn put_role_answer(existing: Option<String>) -> String {
    envelope(native_roles::put_answer(existing.as_deref()))
}

/// What GET /_security/role[/{names}] reads (as `userLookup` answers), or ES's 400.
#[wasm_bindgen(js_name = roleLookup)]
pub fn role_lookup(names: Option<String>) -> String {
    native_roles::lookup(names.as_deref()).map_or_else(|reply| reply.to_envelope(), envelope)
}

/// GET /_security/role's answer from the values read (a JSON array of strings or nulls).
#[wasm_bindgen(js_name = roleViews)]
pub fn role_views(names: Option<String>, values_json: &str) -> String {
    match serde_json::from_str::<Vec<Option<String>>>(values_json) {
        Ok(values) => native_roles::views(names.as_deref(), &values).to_envelope(),
        Err(error) => illegal_argument(format!("invalid role values: {error}")).to_envelope(),
    }
}

/// DELETE /_security/role/{name}: `{"key"}` to delete, or ES's 400 for a reserved role.
#[wasm_bindgen(js_name = deleteRolePlan)]
pub fn delete_role_plan(name: &str) -> String {
    match native_roles::delete_problem(name) {
        Some(reply) => reply.to_envelope(),
        None => envelope(json!({"key": native_roles::role_key(name)})),
    }
}
