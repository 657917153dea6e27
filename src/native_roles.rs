//! Roles stored in the native realm (§14): PUT/POST, GET and DELETE /_security/role/{name}, as
//! ES's `TransportGetRolesAction` and `TransportDeleteRoleAction` rule them (bodies:
//! `role_descriptor.rs`). A role is stored at `role:` + base64url(SHA-256(name)) as
//! `{"name", "descriptor"}`, the descriptor in the form GET answers it. A user's roles that
//! `ROLES` does not define are read from there for each request (`keys_to_read`, `with_stored`):
//! `ROLES` wins, as ES's file roles win over native ones.

use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::errors::{illegal_argument, Reply};
use crate::reserved_roles;
use crate::role_descriptor::valid_name;
use crate::roles::RoleTable;
use crate::user_lookup::usernames;

const ROLE_KEY_PREFIX: &str = "role:";
/// The most roles one GET names or lists, as for users (`user_lookup`).
pub const MAX_ROLES: usize = 1000;
/// ES's longest native role name (`NativeRealmValidationUtil.MAX_NAME_LENGTH`).
pub const MAX_NATIVE_NAME: usize = 507;
/// The most stored roles one request reads for its caller: 10 bulk gets of 100 keys, well
/// inside a Worker's 1,000 KV operations. Put-user refuses a user who could need more
/// ([`readable_role_count`]); of a user stored before (or by hand) with more, the first ones
/// are read and the rest grant nothing, as ES's roles that are not found.
pub const MAX_STORED_ROLE_READS: usize = 1000;

/// ES's reserved roles (§18): none may be put or deleted; GET answers them from the data file.
pub fn is_reserved(name: &str) -> bool {
    reserved_roles::is_reserved(name)
}

/// The KV key of a stored role.
pub fn role_key(name: &str) -> String {
    format!("{ROLE_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(Sha256::digest(name.as_bytes())))
}

/// PUT's answer, from the value that was stored at the role's key before.
pub fn put_answer(existing: Option<&str>) -> Value {
    json!({"role": {"created": existing.is_none()}})
}

/// The text stored for a role: `{"name", "descriptor"}`.
pub fn stored_text(name: &str, descriptor: &Value) -> String {
    json!({"name": name, "descriptor": descriptor}).to_string()
}

/// `(name, descriptor)` of a stored role, when it parses.
fn read_stored(text: &str) -> Option<(String, Value)> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some((value.get("name")?.as_str()?.to_string(), value.get("descriptor")?.clone()))
}

/// What GET /_security/role[/{names}] reads: `{"prefix", "max_users"}` or `{"keys"}` (the
/// shape the host's user reads take), or ES's 400 past [`MAX_ROLES`].
pub fn lookup(names: Option<&str>) -> Result<Value, Reply> {
    let Some(list) = names else {
        return Ok(json!({"prefix": ROLE_KEY_PREFIX, "max_users": MAX_ROLES}));
    };
    let names = usernames(list);
    if names.len() > MAX_ROLES {
        return Err(illegal_argument(format!(
            "cannot get more than [{MAX_ROLES}] roles in one request, got [{}] names",
            names.len()
        )));
    }
    let mut keys: Vec<String> = Vec::new();
    for key in names.iter().filter(|name| !is_reserved(name)).map(|name| role_key(name)) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(json!({"keys": keys}))
}

/// GET's answer from the values read: `{name: descriptor}`, or 404 `{}`. As ES's
/// `TransportGetRolesAction` builds it: the reserved roles first (all of them when listing, in
/// the data file's order; else those named, in the order named), then the stored ones (by name
/// when listing, else in the order named).
pub fn views(names: Option<&str>, values: &[Option<String>]) -> Reply {
    let mut stored: Vec<(String, Value)> = values.iter().flatten().filter_map(|text| read_stored(text)).collect();
    let mut out = Map::new();
    match names {
        None => {
            if values.len() > MAX_ROLES {
                return illegal_argument(format!("cannot list more than [{MAX_ROLES}] roles in one request"));
            }
            for (name, descriptor) in reserved_roles::all() {
                out.insert(name.clone(), descriptor.clone());
            }
            crate::sorting::sort_by(&mut stored, |a, b| a.0.cmp(&b.0));
            out.extend(stored.into_iter().filter(|(name, _)| !is_reserved(name)));
        }
        Some(list) => {
            let asked = usernames(list);
            for name in &asked {
                if let Some(descriptor) = reserved_roles::descriptor(name) {
                    out.insert(name.clone(), descriptor.clone());
                }
            }
            for name in asked.iter().filter(|name| !is_reserved(name)) {
                if let Some((_, descriptor)) = stored.iter().find(|(n, _)| n == name) {
                    out.insert(name.clone(), descriptor.clone());
                }
            }
        }
    }
    Reply::new(if out.is_empty() { 404 } else { 200 }, Value::Object(out))
}

/// ES's 400 for deleting a reserved role, or `None`.
pub fn delete_problem(name: &str) -> Option<Reply> {
    is_reserved(name).then(|| illegal_argument(format!("role [{name}] is reserved and cannot be deleted")))
}

/// Whether `name` could be a stored role: a valid native name, not one of ES's reserved roles.
fn may_be_stored(name: &str) -> bool {
    !is_reserved(name) && valid_name(name, MAX_NATIVE_NAME)
}

/// The keys of the assigned roles that `table` does not define (valid names, once each, in the
/// order assigned), at most [`MAX_STORED_ROLE_READS`] of them.
pub fn keys_to_read(table: &RoleTable, assigned: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut keys: Vec<String> = Vec::new();
    for name in assigned.iter().filter(|n| table.get(n).is_none() && may_be_stored(n)) {
        if keys.len() == MAX_STORED_ROLE_READS {
            break;
        }
        if seen.insert(name.as_str()) {
            keys.push(role_key(name));
        }
    }
    keys
}

/// How many distinct roles of `roles` might be stored ones (a `ROLES` definition of one may go
/// away later): put-user refuses more than [`MAX_STORED_ROLE_READS`].
pub fn readable_role_count(roles: &[String]) -> usize {
    roles.iter().map(String::as_str).filter(|n| may_be_stored(n)).collect::<BTreeSet<_>>().len()
}

/// `table` with the stored roles read for [`keys_to_read`] (values that do not parse, or that
/// `table` already defines, are left out: `ROLES` wins).
pub fn with_stored(table: &RoleTable, values: &[Option<String>]) -> RoleTable {
    let mut out = table.clone();
    for (name, descriptor) in values.iter().flatten().filter_map(|text| read_stored(text)) {
        if table.get(&name).is_none() {
            // A stored role was validated when it was put; one that no longer is grants nothing.
            let _ = out.insert_descriptor(&name, &descriptor);
        }
    }
    out
}
