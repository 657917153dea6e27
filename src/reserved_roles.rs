//! ES's reserved roles (§18): the names none may put or delete, and their descriptors as GET
//! /_security/role shows them, read from ES 9's `ReservedRolesStore` and
//! `KibanaOwnedReservedRoleDescriptors` into one data file, `reserved_roles.json`.
//!
//! The file keeps each descriptor in GET's member names but leaves out what every reserved
//! role has unless it says otherwise (`metadata` `{"_reserved":true}`, `transient_metadata`
//! `{"enabled":true}`, empty `cluster`, `indices`, `applications` and `run_as`, and
//! `allow_restricted_indices: false`); [`descriptor`] puts them back in ES's order. The roles
//! are in the source's declaration order, which is the order GET lists them in (ES's own order
//! is that of an immutable map, which changes from one JVM start to the next).

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

/// The reserved roles, minified JSON: name to descriptor, in declaration order.
const DATA: &str = include_str!("reserved_roles.json");

/// `(name, descriptor as GET shows it)` for every reserved role, parsed once.
pub fn all() -> &'static [(String, Value)] {
    static ROLES: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    // Read as a `Value`, not a `Map`: a typed read links serde's type-mismatch message, and
    // with it f64 formatting (docs/wasm-size.md).
    ROLES.get_or_init(|| match serde_json::from_str::<Value>(DATA) {
        Ok(Value::Object(roles)) => roles.into_iter().map(|(name, compact)| (name, expand(&compact))).collect(),
        _ => Vec::new(),
    })
}

/// Whether ES reserves the role name.
pub fn is_reserved(name: &str) -> bool {
    all().iter().any(|(known, _)| known == name)
}

/// The reserved role's descriptor as GET shows it.
pub fn descriptor(name: &str) -> Option<&'static Value> {
    all().iter().find(|(known, _)| known == name).map(|(_, descriptor)| descriptor)
}

/// ES's `RoleDescriptor.toXContent` order, with the defaults the data file leaves out.
fn expand(compact: &Value) -> Value {
    let member = |key: &str| compact.get(key).cloned();
    let mut out = Map::new();
    out.insert("cluster".into(), member("cluster").unwrap_or_else(|| json!([])));
    if let Some(global) = member("global") {
        out.insert("global".into(), global);
    }
    out.insert("indices".into(), groups(compact.get("indices")));
    out.insert("applications".into(), member("applications").unwrap_or_else(|| json!([])));
    out.insert("run_as".into(), member("run_as").unwrap_or_else(|| json!([])));
    out.insert("metadata".into(), member("metadata").unwrap_or_else(|| json!({"_reserved": true})));
    out.insert("transient_metadata".into(), member("transient_metadata").unwrap_or_else(|| json!({"enabled": true})));
    if compact.get("remote_indices").is_some() {
        out.insert("remote_indices".into(), groups(compact.get("remote_indices")));
    }
    for key in ["remote_cluster", "description"] {
        if let Some(value) = member(key) {
            out.insert(key.into(), value);
        }
    }
    Value::Object(out)
}

/// Index groups with `allow_restricted_indices` in its place (after `privileges`, before a
/// remote group's `clusters`).
fn groups(list: Option<&Value>) -> Value {
    let entries = list.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let expanded = entries.iter().map(|group| {
        let mut out = Map::new();
        for key in ["names", "privileges"] {
            out.insert(key.into(), group.get(key).cloned().unwrap_or_else(|| json!([])));
        }
        let restricted = group.get("allow_restricted_indices").and_then(Value::as_bool).unwrap_or(false);
        out.insert("allow_restricted_indices".into(), json!(restricted));
        if let Some(clusters) = group.get("clusters") {
            out.insert("clusters".into(), clusters.clone());
        }
        Value::Object(out)
    });
    Value::Array(expanded.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es_9_names_in_declaration_order() {
        let names: Vec<&str> = all().iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "superuser",
                "transport_client",
                "kibana_admin",
                "kibana_user",
                "monitoring_user",
                "remote_monitoring_agent",
                "remote_monitoring_collector",
                "ingest_admin",
                "reporting_user",
                "kibana_system",
                "logstash_system",
                "beats_admin",
                "beats_system",
                "apm_system",
                "inference_admin",
                "inference_user",
                "machine_learning_user",
                "machine_learning_admin",
                "transform_admin",
                "transform_user",
                "watcher_admin",
                "watcher_user",
                "logstash_admin",
                "rollup_user",
                "rollup_admin",
                "snapshot_user",
                "enrich_user",
                "viewer",
                "editor",
            ]
        );
        assert!(!is_reserved("data_frame_transforms_admin") && !is_reserved("kibana_dashboard_only_user"));
    }

    #[test]
    fn descriptors_in_es_member_order() {
        let keys = |name: &str| -> Vec<String> {
            descriptor(name).and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
        };
        assert_eq!(
            keys("kibana_system"),
            [
                "cluster",
                "global",
                "indices",
                "applications",
                "run_as",
                "metadata",
                "transient_metadata",
                "remote_indices",
                "remote_cluster",
                "description"
            ]
        );
        assert_eq!(
            keys("ingest_admin"),
            ["cluster", "indices", "applications", "run_as", "metadata", "transient_metadata", "description"]
        );
        let superuser = descriptor("superuser").cloned().unwrap_or_default();
        assert_eq!(superuser["transient_metadata"], json!({}));
        assert_eq!(
            superuser["remote_indices"][1],
            json!({"names": ["*"], "privileges": ["monitor", "read", "view_index_metadata", "read_cross_cluster"],
                   "allow_restricted_indices": true, "clusters": ["*"]})
        );
        let kibana_user = descriptor("kibana_user").cloned().unwrap_or_default();
        assert_eq!(kibana_user["metadata"]["_deprecated_reason"], "Please use the [kibana_admin] role instead");
        assert_eq!(descriptor("editor").map(|d| d["transient_metadata"].clone()), Some(json!({"enabled": true})));
    }
}
