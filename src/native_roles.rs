//! Roles stored in the native realm (§14): PUT/POST, GET and DELETE /_security/role/{name}, as
//! ES's `TransportGetRolesAction` and `TransportDeleteRoleAction` rule them (bodies:
//! `role_descriptor.rs`). A role is stored at `role:` + base64url(SHA-256(name)) as
//! `{"name", "descriptor"}`, the descriptor in the form GET answers it. A user's roles that
//! `ROLES` does not define are read from there for each request (`keys_to_read`, `with_stored`):
//! `ROLES` wins, as ES's file roles win over native ones.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::errors::{illegal_argument, Reply};
use crate::role_descriptor::valid_name;
use crate::roles::{RoleTable, SUPERUSER};
use crate::user_lookup::usernames;

const ROLE_KEY_PREFIX: &str = "role:";
/// The most roles one GET names or lists, as for users (`user_lookup`).
pub const MAX_ROLES: usize = 1000;
/// ES's longest native role name (`NativeRealmValidationUtil.MAX_NAME_LENGTH`).
pub const MAX_NATIVE_NAME: usize = 507;

/// ES's reserved roles (`ReservedRolesStore`): none may be put or deleted. Only `superuser`
/// exists here; GET answers it alone.
const RESERVED: [&str; 30] = [
    "superuser",
    "kibana_system",
    "kibana_admin",
    "kibana_user",
    "monitoring_user",
    "remote_monitoring_agent",
    "remote_monitoring_collector",
    "ingest_admin",
    "reporting_user",
    "machine_learning_user",
    "machine_learning_admin",
    "watcher_user",
    "watcher_admin",
    "transform_user",
    "transform_admin",
    "data_frame_transforms_user",
    "data_frame_transforms_admin",
    "logstash_system",
    "logstash_admin",
    "beats_system",
    "beats_admin",
    "apm_system",
    "apm_user",
    "rollup_user",
    "rollup_admin",
    "snapshot_user",
    "enrich_user",
    "transport_client",
    "viewer",
    "editor",
];

pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
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

/// ES's description of `superuser`.
const SUPERUSER_DESCRIPTION: &str = "Grants full access to cluster management and data indices. This role also grants direct \
     read-only access to restricted indices like .security. A user with this role can impersonate any other user in the \
     system, manage security and create roles with unlimited privileges. Take extra care when assigning it to a user.";

/// ES's reserved `superuser` as GET shows it (ES 9: remote privileges and a description).
fn superuser() -> Value {
    // Parsed from text: a `json!` literal this size costs the module kilobytes of code.
    let mut role: Value = serde_json::from_str(SUPERUSER_ROLE).unwrap_or_default();
    if let Value::Object(members) = &mut role {
        members.insert("description".into(), json!(SUPERUSER_DESCRIPTION));
    }
    role
}

const SUPERUSER_ROLE: &str = r#"{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":false},{"names":["*"],"privileges":["monitor","read","view_index_metadata","read_cross_cluster"],"allow_restricted_indices":true}],"applications":[{"application":"*","privileges":["*"],"resources":["*"]}],"run_as":["*"],"metadata":{"_reserved":true},"transient_metadata":{"enabled":true},"remote_indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":false,"clusters":["*"]},{"names":["*"],"privileges":["monitor","read","view_index_metadata","read_cross_cluster"],"allow_restricted_indices":true,"clusters":["*"]}],"remote_cluster":[{"privileges":["monitor_enrich","monitor_stats"],"clusters":["*"]}]}"#;

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

/// GET's answer from the values read: `{name: descriptor}` (reserved ones first when listing,
/// then stored ones by name), or 404 `{}`.
pub fn views(names: Option<&str>, values: &[Option<String>]) -> Reply {
    let stored: Vec<(String, Value)> = values.iter().flatten().filter_map(|text| read_stored(text)).collect();
    let mut out = Map::new();
    match names {
        None => {
            if values.len() > MAX_ROLES {
                return illegal_argument(format!("cannot list more than [{MAX_ROLES}] roles in one request"));
            }
            out.insert(SUPERUSER.into(), superuser());
            let mut sorted = stored;
            crate::sorting::sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
            for (name, descriptor) in sorted {
                out.insert(name, descriptor);
            }
        }
        Some(list) => {
            for name in usernames(list) {
                let found = if name == SUPERUSER {
                    Some(superuser())
                } else {
                    stored.iter().find(|(n, _)| *n == name).map(|(_, d)| d.clone())
                };
                if let Some(descriptor) = found {
                    out.insert(name, descriptor);
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

/// The keys of the assigned roles that `table` does not define (valid names, once each).
pub fn keys_to_read(table: &RoleTable, assigned: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for name in assigned.iter().filter(|n| table.get(n).is_none() && !is_reserved(n) && valid_name(n, MAX_NATIVE_NAME))
    {
        let key = role_key(name);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
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
