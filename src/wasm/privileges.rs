//! The privilege rules as a host uses them: a role table parsed once from the `ROLES` setting,
//! then asked per request whether the caller may run an endpoint's action. Hosts name endpoints
//! (`createToken`, `putUser`, `main`, ...), never ES's action names.
//!
//! A `Roles` object lives in the heap of the wasm instance that made it: after a trap replaces
//! the instance, the glue refuses the old object and the host parses the setting again.

use serde_json::Value;
use wasm_bindgen::prelude::*;

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

    /// [`Roles::authorize`] for the service's caller, `principal_json` (its `_authenticate`
    /// body), with ES's same-user exemptions for an action on the user `target`.
    #[wasm_bindgen(js_name = authorizeCaller)]
    pub fn authorize_caller(
        &self,
        principal_json: &str,
        endpoint: &str,
        target: Option<String>,
    ) -> Result<Option<String>, JsError> {
        let action = action_for(endpoint)?;
        let principal: Value = serde_json::from_str(principal_json)?;
        let denied = privileges::authorize_principal(&self.table, &principal, action, target.as_deref());
        Ok(denied.map(|reply| reply.to_envelope()))
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
