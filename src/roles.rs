//! The role table: role names to the cluster privileges they hold. It starts with ES's built-in
//! `superuser`, takes the role descriptors of the `ROLES` setting, and can take more at run time
//! (`RoleTable::insert`, e.g. native roles read from the store). Only `cluster` is used; ES's
//! other descriptor members (indices, applications, metadata, ...) are accepted and ignored.

use std::fmt;

use serde_json::Value;

use crate::privileges::{self, Action, CLUSTER_PRIVILEGES};

/// The built-in role with every privilege; its name may not be given to another role.
pub const SUPERUSER: &str = "superuser";

/// One role: its cluster privileges, lower-cased (ES matches them case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    cluster: Vec<String>,
}

impl Role {
    /// A role from its cluster privileges; each must be a named privilege or an action pattern.
    pub fn new<'a>(role_name: &str, cluster: impl IntoIterator<Item = &'a str>) -> Result<Role, RoleError> {
        let mut privileges = Vec::new();
        for privilege in cluster {
            let lower = lowercase(privilege);
            if !privileges::is_known_privilege(&lower) {
                return Err(RoleError::UnknownPrivilege { privilege: lower, role: role_name.to_string() });
            }
            privileges.push(lower);
        }
        Ok(Role { cluster: privileges })
    }

    /// A role from an ES role descriptor (a JSON object; `cluster` absent or null is none).
    pub fn from_descriptor(role_name: &str, descriptor: &Value) -> Result<Role, RoleError> {
        let Value::Object(members) = descriptor else {
            return Err(RoleError::NotAnObject(role_name.to_string()));
        };
        let not_strings = || RoleError::ClusterNotStrings(role_name.to_string());
        let cluster = match members.get("cluster") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(values)) => {
                values.iter().map(|v| v.as_str().ok_or_else(not_strings)).collect::<Result<_, _>>()?
            }
            Some(_) => return Err(not_strings()),
        };
        Role::new(role_name, cluster)
    }

    pub fn cluster(&self) -> &[String] {
        &self.cluster
    }

    pub fn grants(&self, action: Action) -> bool {
        self.cluster.iter().any(|privilege| privileges::grants(privilege, action))
    }
}

/// Why a role was refused; the message is what the operator reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleError {
    InvalidName(String),
    Reserved(String),
    NotAnObject(String),
    ClusterNotStrings(String),
    UnknownPrivilege { privilege: String, role: String },
}

impl fmt::Display for RoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleError::InvalidName(name) => write!(f, "invalid role name [{name}]"),
            RoleError::Reserved(name) => write!(f, "Role [{name}] is reserved and may not be used."),
            RoleError::NotAnObject(name) => write!(f, "role [{name}] must be an object"),
            RoleError::ClusterNotStrings(name) => write!(f, "[cluster] of role [{name}] must be an array of strings"),
            RoleError::UnknownPrivilege { privilege, role } => write!(
                f,
                "unknown cluster privilege [{privilege}] in role [{role}]. a privilege must be either one of the \
                 predefined cluster privilege names [{}] or a pattern over one of the available cluster actions",
                privileges::comma_list(&CLUSTER_PRIVILEGES)
            ),
        }
    }
}

impl std::error::Error for RoleError {}

/// Why the `ROLES` setting was refused; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolesSettingError {
    NotJson,
    NotAnObject,
    Role(RoleError),
}

impl fmt::Display for RolesSettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RolesSettingError::NotJson => f.write_str(
                "ROLES must be a JSON object of role descriptors, e.g. {\"token_admin\": {\"cluster\": [\"manage_token\"]}}",
            ),
            RolesSettingError::NotAnObject => f.write_str("ROLES must be a JSON object of role descriptors"),
            RolesSettingError::Role(error) => write!(f, "ROLES: {error}"),
        }
    }
}

impl std::error::Error for RolesSettingError {}

/// ES's built-in role names (the reserved roles store of ES 9): the role API may not create,
/// change or delete them.
const RESERVED_ROLES: [&str; 32] = [
    "apm_system",
    "apm_user",
    "beats_admin",
    "beats_system",
    "data_frame_transforms_admin",
    "data_frame_transforms_user",
    "editor",
    "enrich_user",
    "inference_admin",
    "inference_user",
    "ingest_admin",
    "kibana_admin",
    "kibana_system",
    "kibana_user",
    "logstash_admin",
    "logstash_system",
    "machine_learning_admin",
    "machine_learning_user",
    "monitoring_user",
    "remote_monitoring_agent",
    "remote_monitoring_collector",
    "reporting_user",
    "rollup_admin",
    "rollup_user",
    "snapshot_user",
    SUPERUSER,
    "transform_admin",
    "transform_user",
    "transport_client",
    "viewer",
    "watcher_admin",
    "watcher_user",
];

pub fn is_reserved_role(name: &str) -> bool {
    RESERVED_ROLES.contains(&name)
}

/// ES's role name rule (`Validation.Roles`): 1 to 1024 printable ASCII characters, without
/// leading or trailing spaces.
pub fn is_valid_role_name(name: &str) -> bool {
    (1..=1024).contains(&name.len())
        && name.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !name.starts_with(' ')
        && !name.ends_with(' ')
}

/// Role name to role; roles named by a user but absent here grant nothing. A list rather than
/// a map: tables hold a handful of roles, and a map's code would cost wasm size for nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleTable {
    roles: Vec<(String, Role)>,
    /// Native roles (the role API's) as the host last read them from the store, with the time
    /// read; `None` for a name found absent. A name defined above wins over a native role of
    /// that name, as ES's file roles win (§11).
    native: Vec<NativeEntry>,
}

#[derive(Debug, Clone, PartialEq)]
struct NativeEntry {
    name: String,
    role: Option<Role>,
    read_at_ms: f64,
}

/// How long a native role read from the store is used before it is read again: within KV's
/// own 60 s propagation window, so the cache adds no staleness that KV does not already have.
pub const NATIVE_ROLE_TTL_MS: f64 = 30_000.0;
/// The most native roles a table remembers; the oldest read are forgotten first.
const MAX_NATIVE_ROLES: usize = 10_000;

impl Default for RoleTable {
    fn default() -> Self {
        RoleTable::new()
    }
}

impl RoleTable {
    /// The built-in roles only.
    pub fn new() -> RoleTable {
        let superuser = Role { cluster: vec!["all".to_string()] };
        RoleTable { roles: vec![(SUPERUSER.to_string(), superuser)], native: Vec::new() }
    }

    /// Adds or replaces a role. Built-in names and names ES refuses are rejected.
    pub fn insert(&mut self, name: &str, role: Role) -> Result<(), RoleError> {
        check_name(name)?;
        self.put(name, role);
        Ok(())
    }

    /// Adds or replaces a role given as an ES role descriptor.
    pub fn insert_descriptor(&mut self, name: &str, descriptor: &Value) -> Result<(), RoleError> {
        check_name(name)?;
        let role = Role::from_descriptor(name, descriptor)?;
        self.put(name, role);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Role> {
        let defined = self.roles.iter().find(|(known, _)| known == name);
        let native = || self.native.iter().find(|entry| entry.name == name).and_then(|entry| entry.role.as_ref());
        defined.map(|(_, role)| role).or_else(native)
    }

    /// Whether `name` is defined here (built in or by the setting), so no native role is read.
    pub fn defines(&self, name: &str) -> bool {
        self.roles.iter().any(|(known, _)| known == name)
    }

    /// The assigned roles that are native and not read within [`NATIVE_ROLE_TTL_MS`] of `now_ms`
    /// (each once): what the host reads from the store before authorizing.
    pub fn native_to_read(&self, assigned: &[String], now_ms: f64) -> Vec<String> {
        let mut wanted: Vec<String> = Vec::new();
        for name in assigned {
            let fresh = self.native.iter().any(|e| &e.name == name && now_ms - e.read_at_ms < NATIVE_ROLE_TTL_MS);
            if !fresh && !self.defines(name) && !wanted.contains(name) {
                wanted.push(name.clone());
            }
        }
        wanted
    }

    /// Records what the store holds for native role `name` (its descriptor, or `None`), read at
    /// `now_ms`. A descriptor that is not a valid role counts as absent.
    pub fn set_native(&mut self, name: &str, descriptor: Option<&Value>, now_ms: f64) {
        self.native.retain(|entry| entry.name != name);
        if self.native.len() >= MAX_NATIVE_ROLES {
            self.native.remove(0);
        }
        let role = descriptor.and_then(|d| Role::from_descriptor(name, d).ok());
        self.native.push(NativeEntry { name: name.to_string(), role, read_at_ms: now_ms });
    }

    fn put(&mut self, name: &str, role: Role) {
        match self.roles.iter_mut().find(|(known, _)| known == name) {
            Some((_, slot)) => *slot = role,
            None => self.roles.push((name.to_string(), role)),
        }
    }

    /// The table of the `ROLES` setting: JSON text of an object of role descriptors (blank for
    /// none) on top of the built-in roles. The roles are checked in the order written; the
    /// first problem is the error.
    pub fn from_setting(text: &str) -> Result<RoleTable, RolesSettingError> {
        let mut table = RoleTable::new();
        if is_js_blank(text) {
            return Ok(table);
        }
        let parsed: Value = serde_json::from_str(text).map_err(|_| RolesSettingError::NotJson)?;
        let Value::Object(descriptors) = parsed else {
            return Err(RolesSettingError::NotAnObject);
        };
        for (name, descriptor) in &descriptors {
            table.insert_descriptor(name, descriptor).map_err(RolesSettingError::Role)?;
        }
        Ok(table)
    }
}

fn check_name(name: &str) -> Result<(), RoleError> {
    if !is_valid_role_name(name) {
        return Err(RoleError::InvalidName(name.to_string()));
    }
    if name == SUPERUSER {
        return Err(RoleError::Reserved(name.to_string()));
    }
    Ok(())
}

/// Java's `toLowerCase(Locale.ROOT)`, as ES applies it to privilege names. In wasm, text that
/// is not ASCII goes to the host's `toLowerCase` (the same Unicode mapping), which spares the
/// module Rust's case tables (some 18 KB).
pub(crate) fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// Whether JavaScript's `trim()` leaves nothing: a setting of only whitespace is no setting,
/// as hosts have always read it. JS whitespace differs from Rust's by U+FEFF (JS only) and
/// U+0085 (Rust only).
fn is_js_blank(text: &str) -> bool {
    text.chars().all(|c| c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}'))
}
