//! The privilege rules as a host uses them: a role table parsed once from the `ROLES` setting,
//! then asked per request whether the caller may run an endpoint's action. Hosts name endpoints
//! (`createToken`, `putUser`, `main`, ...), never ES's action names.
//!
//! A `Roles` object lives in the heap of the wasm instance that made it: after a trap replaces
//! the instance, the glue refuses the old object and the host parses the setting again.

use std::borrow::Cow;

use js_sys::Array;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::kv::field;
use crate::errors::Reply;
use crate::json_strings::strings_or_nulls;
use crate::privileges::{self, Action, Caller};
use crate::roles::RoleTable;
use crate::{native_roles, user_privileges};

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

    /// [`Roles::authorize`] for the service's caller (its `_authenticate` body, as the host holds
    /// it), with ES's same-user exemptions for an action on the user `target`. Only the fields
    /// authorization reads cross, not the body's JSON: the body (metadata and all) was
    /// serialized and parsed again on every request.
    #[wasm_bindgen(js_name = authorizeCaller)]
    pub fn authorize_caller(
        &self,
        principal: &JsValue,
        endpoint: &str,
        target: Option<String>,
        native_json: Option<String>,
    ) -> Result<Option<String>, JsError> {
        let action = action_for(endpoint)?;
        let table = self.with_native(native_json)?;
        let roles = field(principal, "roles").dyn_into::<Array>().unwrap_or_default();
        let roles: Vec<String> = roles.iter().filter_map(|role| role.as_string()).collect();
        let (username, authentication_type) = (text(principal, "username"), text(principal, "authentication_type"));
        let realm_type = text(&field(principal, "authentication_realm"), "type");
        let caller = Caller {
            username: &username,
            assigned: &roles,
            realm_type: &realm_type,
            authentication_type: &authentication_type,
        };
        let denied = privileges::authorize_caller(&table, &caller, action, target.as_deref());
        Ok(denied.map(|reply| reply.to_envelope()))
    }

    /// GET /_security/user/_privileges for the caller (`principal_json`): the reply envelope.
    #[wasm_bindgen(js_name = userPrivileges)]
    pub fn user_privileges(&self, principal_json: &str, native_json: Option<String>) -> Result<String, JsError> {
        let (_, roles) = caller(principal_json)?;
        let table = self.with_native(native_json)?;
        Ok(Reply::ok(user_privileges::user_privileges(&table, &roles)).to_envelope())
    }

    /// GET/POST /_security/user[/{username}]/_has_privileges for the caller on `target` (the
    /// path's user, else the caller): the reply envelope, ES's 400s and 403 included.
    #[wasm_bindgen(js_name = hasPrivileges)]
    pub fn has_privileges(
        &self,
        principal_json: &str,
        target: Option<String>,
        body: &str,
        native_json: Option<String>,
    ) -> Result<String, JsError> {
        let principal: Value = serde_json::from_str(principal_json)?;
        let (username, _) = caller(principal_json)?;
        let table = self.with_native(native_json)?;
        let target = target.unwrap_or(username);
        Ok(user_privileges::check_request(&table, &principal, &target, body).to_envelope())
    }

    /// The KV keys of the caller's roles that this table does not define (§14): a JSON array,
    /// empty when none need reading.
    #[wasm_bindgen(js_name = nativeRoleKeys)]
    pub fn native_role_keys(&self, principal_json: &str) -> Result<String, JsError> {
        let (_, roles) = caller(principal_json)?;
        Ok(serde_json::to_string(&native_roles::keys_to_read(&self.table, &roles))?)
    }
}

impl Roles {
    /// This table with the stored roles read for [`Roles::native_role_keys`] (a JSON array of
    /// stored texts or nulls), or this table itself without any.
    fn with_native(&self, native_json: Option<String>) -> Result<Cow<'_, RoleTable>, JsError> {
        let Some(json) = native_json else {
            return Ok(Cow::Borrowed(&self.table));
        };
        let values = strings_or_nulls(&json).map_err(|error| JsError::new(&error))?;
        Ok(Cow::Owned(native_roles::with_stored(&self.table, &values)))
    }
}

/// A field of the caller's body as text: "" when missing or not text.
fn text(object: &JsValue, name: &str) -> String {
    field(object, name).as_string().unwrap_or_default()
}

/// The username and roles of an `_authenticate` body.
fn caller(principal_json: &str) -> Result<(String, Vec<String>), JsError> {
    let principal: Value = serde_json::from_str(principal_json)?;
    let username = principal.get("username").and_then(Value::as_str).unwrap_or("").to_string();
    let roles = principal.get("roles").map(Value::to_string).unwrap_or_else(|| "[]".into());
    Ok((username, role_names(&roles)?))
}

/// A JSON array of role names. Read through `Value`, whose parser the module has anyway.
fn role_names(json: &str) -> Result<Vec<String>, JsError> {
    let value: Value = serde_json::from_str(json)?;
    let names = value.as_array().and_then(|items| items.iter().map(|v| v.as_str().map(String::from)).collect());
    names.ok_or_else(|| JsError::new("assigned roles must be an array of strings"))
}

fn action_for(endpoint: &str) -> Result<Action, JsError> {
    Action::for_endpoint(endpoint).ok_or_else(|| JsError::new(&format!("unknown endpoint [{endpoint}]")))
}
