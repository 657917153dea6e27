//! The privilege rules as a host uses them: a role table parsed once from the `ROLES` setting,
//! then asked per request whether the caller may run an endpoint's action. Hosts name endpoints
//! (`createToken`, `putUser`, `main`, ...), never ES's action names.
//!
//! A `Roles` object lives in the heap of the wasm instance that made it: after a trap replaces
//! the instance, the glue refuses the old object and the host parses the setting again.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::native_roles;
use crate::privileges::{self, Action};
use crate::roles::RoleTable;

#[wasm_bindgen]
pub struct Roles {
    table: RoleTable,
}

#[wasm_bindgen]
impl Roles {
    /// The table of the `ROLES` setting (JSON text, blank for none). The error's message is the
    /// whole text for the operator, e.g. `ROLES: invalid role name [ x]`.
    pub fn parse(roles_json: &str) -> Result<Roles, JsError> {
        Ok(Roles { table: RoleTable::from_setting(roles_json)? })
    }

    /// `undefined` when one of the assigned roles (a JSON array of names) grants the endpoint's
    /// action to `username`, else the 403 envelope. Throws for an unknown endpoint or roles
    /// that are not an array of strings: a host bug, which must not read as a denial.
    pub fn authorize(
        &self,
        username: &str,
        assigned_roles_json: &str,
        endpoint: &str,
    ) -> Result<Option<String>, JsError> {
        let action = action_for(endpoint)?;
        let assigned = role_names(assigned_roles_json)?;
        Ok(privileges::authorize(&self.table, username, &assigned, action).map(|reply| reply.to_envelope()))
    }

    /// The native roles among the assigned ones (a JSON array of names) to read from the store
    /// before authorizing, as `[[name, key], ...]`: those not read in the last 30 s.
    #[wasm_bindgen(js_name = nativeToRead)]
    pub fn native_to_read(&self, assigned_roles_json: &str, now_ms: f64) -> Result<String, JsError> {
        let assigned = role_names(assigned_roles_json)?;
        let wanted: Vec<Value> = self
            .table
            .native_to_read(&assigned, now_ms)
            .into_iter()
            .map(|name| {
                let key = native_roles::role_key(&name);
                Value::Array(vec![Value::String(name), Value::String(key)])
            })
            .collect();
        Ok(Value::Array(wanted).to_string())
    }

    /// Records the value read at a native role's key (`None`: absent) at `now_ms`.
    #[wasm_bindgen(js_name = setNative)]
    pub fn set_native(&mut self, name: &str, record: Option<String>, now_ms: f64) {
        let descriptor = record.as_deref().and_then(native_roles::read_record).map(|(_, d)| d);
        self.table.set_native(name, descriptor.as_ref(), now_ms);
    }
}

/// A JSON array of role names. Read through `Value`, whose parser the module has anyway.
fn role_names(json: &str) -> Result<Vec<String>, JsError> {
    let value: Value = serde_json::from_str(json)?;
    let names = value.as_array().and_then(|items| items.iter().map(|v| v.as_str().map(String::from)).collect());
    names.ok_or_else(|| JsError::new("assigned roles must be an array of strings"))
}

/// The ES action an endpoint runs, for messages that name it (the password grant's 401).
#[wasm_bindgen(js_name = actionName)]
pub fn action_name(endpoint: &str) -> Result<String, JsError> {
    Ok(action_for(endpoint)?.name().to_string())
}

fn action_for(endpoint: &str) -> Result<Action, JsError> {
    Action::for_endpoint(endpoint).ok_or_else(|| JsError::new(&format!("unknown endpoint [{endpoint}]")))
}
