//! The role table: role names to the cluster privileges they hold. It starts with ES's reserved
//! roles (§18), takes the role descriptors of the `ROLES` setting, and can take more at run time
//! (`RoleTable::insert`, e.g. native roles read from the store). `cluster` decides the service's
//! actions; `indices` is kept for what a user may ask about (§13); ES's other descriptor members
//! (applications, run_as, metadata, ...) are accepted and ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::privileges::{self, Action, CLUSTER_PRIVILEGES};
use crate::reserved_roles;

/// The reserved role with every privilege.
pub const SUPERUSER: &str = "superuser";

/// One role: its cluster privileges, lower-cased (ES matches them case-insensitively), and its
/// index privilege groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    cluster: Vec<String>,
    indices: Vec<IndexGroup>,
    /// What the descriptor says beyond `cluster` and `indices` that `_privileges` shows:
    /// `global`, `applications`, `run_as`, `remote_indices`, `remote_cluster`. They grant
    /// nothing here.
    shown: Map<String, Value>,
}

/// One `indices` entry of a role descriptor: index name patterns, index privileges
/// (lower-cased), and whether the patterns also cover restricted indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexGroup {
    pub names: Vec<String>,
    pub privileges: Vec<String>,
    pub allow_restricted_indices: bool,
}

impl IndexGroup {
    /// An `indices` entry read leniently: `names` a string or strings, `privileges` strings;
    /// anything else is not a group (the setting has always taken such members unread).
    fn from_descriptor(entry: &Value) -> Option<IndexGroup> {
        let strings = |value: &Value| -> Option<Vec<String>> {
            match value {
                Value::String(one) => Some(vec![one.clone()]),
                Value::Array(items) => items.iter().map(|v| v.as_str().map(String::from)).collect(),
                _ => None,
            }
        };
        let names = strings(entry.get("names")?)?;
        let privileges = strings(entry.get("privileges")?)?.iter().map(|p| lowercase(p)).collect();
        let allow_restricted_indices = entry.get("allow_restricted_indices").and_then(Value::as_bool).unwrap_or(false);
        Some(IndexGroup { names, privileges, allow_restricted_indices })
    }
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
        Ok(Role { cluster: privileges, indices: Vec::new(), shown: Map::new() })
    }

    /// A role from an ES role descriptor (a JSON object; `cluster` absent or null is none).
    pub fn from_descriptor(role_name: &str, descriptor: &Value) -> Result<Role, RoleError> {
        let Value::Object(members) = descriptor else {
            return Err(RoleError::NotAnObject(role_name.to_string()));
        };
        let not_strings = || RoleError::ClusterNotStrings(role_name.to_string());
        let cluster = match members.get("cluster") {
            None | Some(Value::Null) => Vec::new(),
            // Checked, then collected: a `collect::<Result<..>>` costs the wasm an iterator adapter.
            Some(Value::Array(values)) if values.iter().all(Value::is_string) => {
                values.iter().filter_map(Value::as_str).collect()
            }
            Some(Value::Array(_)) => return Err(not_strings()),
            Some(_) => return Err(not_strings()),
        };
        let mut role = Role::new(role_name, cluster)?;
        if let Some(Value::Array(entries)) = members.get("indices") {
            role.indices = entries.iter().filter_map(IndexGroup::from_descriptor).collect();
        }
        for key in ["global", "applications", "run_as", "remote_indices", "remote_cluster"] {
            if let Some(value) = members.get(key).filter(|v| v.is_array() || v.is_object()) {
                role.shown.insert(key.into(), value.clone());
            }
        }
        Ok(role)
    }

    pub fn cluster(&self) -> &[String] {
        &self.cluster
    }

    pub fn indices(&self) -> &[IndexGroup] {
        &self.indices
    }

    /// The descriptor's `global`, `applications`, `run_as`, `remote_indices` or
    /// `remote_cluster`, as it was given.
    pub fn shown(&self, member: &str) -> Option<&Value> {
        self.shown.get(member)
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

/// ES's role name rule (`Validation.Roles`): 1 to 1024 printable ASCII characters, without
/// leading or trailing spaces.
pub fn is_valid_role_name(name: &str) -> bool {
    (1..=1024).contains(&name.len())
        && name.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !name.starts_with(' ')
        && !name.ends_with(' ')
}

/// Role name to role, on top of the reserved roles; roles named by a user but absent here grant
/// nothing. A map, not a list: a request's table holds the caller's stored roles too (up to
/// `native_roles::MAX_STORED_ROLE_READS`), and a user may name many more roles than that, each
/// looked up here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleTable {
    roles: BTreeMap<String, Role>,
}

impl Default for RoleTable {
    fn default() -> Self {
        RoleTable::new()
    }
}

impl RoleTable {
    /// The built-in roles only: ES's reserved roles (§18), which every table has.
    pub fn new() -> RoleTable {
        RoleTable { roles: BTreeMap::new() }
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
        let reserved = || reserved_table().iter().find(|(known, _)| known == name).map(|(_, role)| role);
        self.roles.get(name).or_else(reserved)
    }

    fn put(&mut self, name: &str, role: Role) {
        self.roles.insert(name.to_string(), role);
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

/// ES's reserved roles, each with the privileges of its descriptor, built once: tables share
/// them, so that cloning a table (a request's, with its stored roles) copies only its own roles.
fn reserved_table() -> &'static [(String, Role)] {
    static TABLE: OnceLock<Vec<(String, Role)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let roles = reserved_roles::all().iter();
        roles
            .filter_map(|(name, descriptor)| Some((name.clone(), Role::from_descriptor(name, descriptor).ok()?)))
            .collect()
    })
}

fn check_name(name: &str) -> Result<(), RoleError> {
    if !is_valid_role_name(name) {
        return Err(RoleError::InvalidName(name.to_string()));
    }
    if reserved_roles::is_reserved(name) {
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
