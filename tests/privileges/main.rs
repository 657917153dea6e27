//! §6 of docs/elasticsearch-semantics.md row by row: which privilege grants which action, raw
//! action patterns, the 403 body, and every message of the `ROLES` setting.
//!
//! One test crate in two modules: actions, privileges and the 403 (`actions`); the `ROLES`
//! setting, role names and roles added at run time (`roles`); the shared rows' helpers are here.

// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use edge_token::privileges::{authorize, authorize_principal, grants, wildcard_matches, Action, CLUSTER_PRIVILEGES};
use edge_token::roles::{is_valid_role_name, Role, RoleError, RoleTable, RolesSettingError};
use serde_json::json;

pub(crate) const ROLES: &str = r#"{
  "token_admin": {"cluster": ["manage_token"]},
  "monitor_only": {"cluster": ["monitor"]},
  "security_admin": {"cluster": ["manage_security"]},
  "pattern_role": {"cluster": ["cluster:admin/xpack/security/token/*"]},
  "manage_all_but_security": {"cluster": ["manage"]}
}"#;

pub(crate) fn table() -> RoleTable {
    RoleTable::from_setting(ROLES).unwrap()
}

pub(crate) fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub(crate) fn reason(reply: &edge_token::errors::Reply) -> &str {
    reply.body["error"]["reason"].as_str().unwrap()
}

mod actions;
mod roles;
