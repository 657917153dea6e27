//! The role API's exports (wasm only): synchronous calls around the host's KV reads and
//! writes of native roles, each answering a reply envelope (success or ES's error), except
//! [`role_key`], a plain key.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::errors::{illegal_argument, Reply};
use crate::{native_roles, role_descriptor};

/// The KV key of a native role's record.
#[wasm_bindgen(js_name = roleKey)]
pub fn role_key(name: &str) -> String {
    native_roles::role_key(name)
}

/// PUT/POST /_security/role/{name}'s body: the descriptor to store, or ES's 400.
#[wasm_bindgen(js_name = parsePutRole)]
pub fn parse_put_role(name: &str, body: &str) -> String {
    match role_descriptor::parse(name, body) {
        Ok(descriptor) => Reply::ok(Value::Object(descriptor)).to_envelope(),
        Err(reply) => reply.to_envelope(),
    }
}

/// `{"record", "created"}` for the descriptor [`parse_put_role`] answered with; `existing` is
/// the value read at [`role_key`].
#[wasm_bindgen(js_name = putRoleRecord)]
pub fn put_role_record(name: &str, descriptor_json: &str, existing: Option<String>) -> String {
    match serde_json::from_str::<Value>(descriptor_json) {
        Ok(Value::Object(descriptor)) => {
            Reply::ok(native_roles::record(name, descriptor, existing.as_deref())).to_envelope()
        }
        _ => illegal_argument("invalid role descriptor").to_envelope(),
    }
}

/// What GET /_security/role[/{names}] reads: `{"prefix", "max_roles"}` or `{"keys"}`.
#[wasm_bindgen(js_name = roleLookup)]
pub fn role_lookup(names: Option<String>) -> String {
    native_roles::lookup(names.as_deref())
        .map_or_else(|reply| reply.to_envelope(), |plan| Reply::ok(plan).to_envelope())
}

/// GET's answer from the values read (a JSON array of strings or nulls).
#[wasm_bindgen(js_name = roleViews)]
pub fn role_views(names: Option<String>, values_json: &str) -> String {
    match serde_json::from_str::<Vec<Option<String>>>(values_json) {
        Ok(values) => native_roles::views(names.as_deref(), &values).to_envelope(),
        Err(error) => illegal_argument(format!("invalid role values: {error}")).to_envelope(),
    }
}

/// ES's 400 for deleting a built-in role, or a success envelope with a `null` body.
#[wasm_bindgen(js_name = checkDeleteRole)]
pub fn check_delete_role(name: &str) -> String {
    native_roles::delete_problem(name).unwrap_or_else(|| Reply::ok(Value::Null)).to_envelope()
}
