//! `GET /_security/user/_privileges` (§13): what the caller's effective roles hold, as ES's
//! `RBACEngine.buildUserPrivilegesResponseObject` and `GetUserPrivilegesResponse` list it.

use serde_json::{json, Map, Value};

use crate::roles::RoleTable;
use crate::user_privileges::{effective, java_sorted};

/// `{names, privileges, allow_restricted_indices}` (names and privileges sorted), and the
/// `clusters` (sorted) of a remote group.
fn index_entry(names: Vec<String>, privileges: Vec<String>, restricted: bool, clusters: Option<Vec<String>>) -> Value {
    let mut entry = json!({
        "names": java_sorted(names),
        "privileges": java_sorted(privileges),
        "allow_restricted_indices": restricted,
    });
    if let (Some(clusters), Value::Object(members)) = (clusters, &mut entry) {
        members.insert("clusters".into(), json!(java_sorted(clusters)));
    }
    entry
}

fn strings_of(value: Option<&Value>) -> Vec<String> {
    let items = value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    items.iter().filter_map(Value::as_str).map(String::from).collect()
}

/// Pushes `entry` unless an equal one is there (ES collects these in sets).
fn push_once(list: &mut Vec<Value>, entry: Value) {
    if !list.contains(&entry) {
        list.push(entry);
    }
}

/// GET /_security/user/_privileges: `cluster` (sorted), `global` (one object per configurable
/// privilege category), `indices` (one entry per role group, names and privileges sorted),
/// `applications`, `run_as` (sorted), then `remote_indices` and `remote_cluster` when there are
/// any, in ES's order (`RBACEngine.buildUserPrivilegesResponseObject`). Where ES iterates a
/// `HashSet` (`global`, `applications`) the roles' order is kept.
pub fn user_privileges(roles: &RoleTable, assigned: &[String]) -> Value {
    let held = effective(roles, assigned);
    let cluster = java_sorted(held.iter().flat_map(|(_, role)| role.cluster().iter().cloned()).collect());
    let (mut global, mut indices, mut applications, mut remote_indices, mut remote_cluster) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut run_as = Vec::new();
    for (_, role) in &held {
        for group in role.indices() {
            let entry =
                index_entry(group.names.clone(), group.privileges.clone(), group.allow_restricted_indices, None);
            push_once(&mut indices, entry);
        }
        if let Some(Value::Object(categories)) = role.shown("global") {
            for (category, privileges) in categories {
                push_once(&mut global, json!({ category.as_str(): privileges }));
            }
        }
        for entry in role.shown("applications").and_then(Value::as_array).into_iter().flatten() {
            push_once(&mut applications, entry.clone());
        }
        run_as.extend(strings_of(role.shown("run_as")));
        for group in role.shown("remote_indices").and_then(Value::as_array).into_iter().flatten() {
            let restricted = group.get("allow_restricted_indices").and_then(Value::as_bool).unwrap_or(false);
            let (names, privileges) = (strings_of(group.get("names")), strings_of(group.get("privileges")));
            let entry = index_entry(names, privileges, restricted, Some(strings_of(group.get("clusters"))));
            push_once(&mut remote_indices, entry);
        }
        for group in role.shown("remote_cluster").and_then(Value::as_array).into_iter().flatten() {
            let (privileges, clusters) = (strings_of(group.get("privileges")), strings_of(group.get("clusters")));
            push_once(&mut remote_cluster, json!({"privileges": java_sorted(privileges), "clusters": clusters}));
        }
    }
    let mut out = Map::new();
    out.insert("cluster".into(), json!(cluster));
    out.insert("global".into(), Value::Array(global));
    out.insert("indices".into(), Value::Array(indices));
    out.insert("applications".into(), Value::Array(applications));
    out.insert("run_as".into(), json!(java_sorted(run_as)));
    for (key, list) in [("remote_indices", remote_indices), ("remote_cluster", remote_cluster)] {
        if !list.is_empty() {
            out.insert(key.into(), Value::Array(list));
        }
    }
    Value::Object(out)
}
