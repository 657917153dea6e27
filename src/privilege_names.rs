//! ES 9's privilege names (§19): the cluster privileges in the order ES's messages list them,
//! the index privileges, and which of them imply which, as ES's `ClusterPrivilegeResolver` and
//! `IndexPrivilege` define their action automata.

use crate::privileges::comma_list;

/// The cluster privilege names ES 9 defines, in the order of its `ClusterPrivilegeResolver`
/// map (`sortByAccessLevel`: by how many of the others each implies, then by name), which is the
/// order its messages list them in (§19). A role may name any of them, although most grant
/// none of the actions above.
pub const CLUSTER_PRIVILEGES: [&str; 61] = [
    "manage_own_api_key",
    "manage_data_stream_global_retention",
    "monitor_data_stream_global_retention",
    "none",
    "cancel_task",
    "cross_cluster_replication",
    "cross_cluster_search",
    "delegate_pki",
    "grant_api_key",
    "manage_autoscaling",
    "manage_index_templates",
    "manage_logstash_pipelines",
    "manage_oidc",
    "manage_saml",
    "manage_search_application",
    "manage_search_query_rules",
    "manage_search_synonyms",
    "manage_service_account",
    "manage_token",
    "manage_user_profile",
    "monitor_connector",
    "monitor_enrich",
    "monitor_inference",
    "monitor_ml",
    "monitor_rollup",
    "monitor_snapshot",
    "monitor_text_structure",
    "monitor_watcher",
    "post_behavioral_analytics_event",
    "read_ccr",
    "read_connector_secrets",
    "read_fleet_secrets",
    "read_ilm",
    "read_pipeline",
    "read_security",
    "read_slm",
    "transport_client",
    "write_connector_secrets",
    "write_fleet_secrets",
    "create_snapshot",
    "manage_api_key",
    "manage_behavioral_analytics",
    "manage_ccr",
    "manage_connector",
    "manage_enrich",
    "manage_ilm",
    "manage_inference",
    "manage_ml",
    "manage_rollup",
    "manage_slm",
    "manage_watcher",
    "monitor_data_frame_transforms",
    "monitor_transform",
    "manage_ingest_pipelines",
    "manage_pipeline",
    "manage_data_frame_transforms",
    "manage_transform",
    "manage_security",
    "monitor",
    "manage",
    "all",
];

/// Whether holding the named cluster privilege `held` grants the named privilege `wanted`, as
/// ES 9's `ClusterPermission.implies` compares their action automata (§19): the privilege
/// itself, the three that grant no action (implied by every other), `all`, and the supersets
/// below. `manage_own_api_key` checks the request as well as the action: only itself implies it,
/// and it implies nothing else.
pub fn cluster_implies(held: &str, wanted: &str) -> bool {
    const EMPTY: [&str; 3] = ["none", "monitor_data_stream_global_retention", "manage_data_stream_global_retention"];
    // `manage_security` is `cluster:admin/xpack/security/*` without `delegate_pki`'s action.
    const UNDER_SECURITY: [&str; 7] = [
        "read_security",
        "manage_oidc",
        "manage_api_key",
        "grant_api_key",
        "manage_service_account",
        "manage_user_profile",
        "manage_token",
    ];
    // `manage` is `cluster:*` (and the template actions) without `cluster:admin/xpack/security/*`.
    const NOT_UNDER_MANAGE: [&str; 6] =
        ["all", "manage_security", "manage_saml", "manage_ccr", "read_ccr", "delegate_pki"];
    const UNDER_MONITOR: [&str; 8] = [
        "monitor_inference",
        "monitor_ml",
        "monitor_text_structure",
        "monitor_data_frame_transforms",
        "monitor_transform",
        "monitor_watcher",
        "monitor_rollup",
        "transport_client",
    ];
    const SUPERSETS: [(&str, &str); 24] = [
        ("manage_inference", "monitor_inference"),
        ("manage_ml", "monitor_ml"),
        ("manage_transform", "manage_data_frame_transforms"),
        ("manage_transform", "monitor_transform"),
        ("manage_transform", "monitor_data_frame_transforms"),
        ("manage_data_frame_transforms", "manage_transform"),
        ("manage_data_frame_transforms", "monitor_transform"),
        ("manage_data_frame_transforms", "monitor_data_frame_transforms"),
        ("monitor_transform", "monitor_data_frame_transforms"),
        ("monitor_data_frame_transforms", "monitor_transform"),
        ("manage_watcher", "monitor_watcher"),
        ("manage_rollup", "monitor_rollup"),
        ("manage_enrich", "monitor_enrich"),
        ("manage_connector", "monitor_connector"),
        ("manage_ingest_pipelines", "manage_pipeline"),
        ("manage_ingest_pipelines", "read_pipeline"),
        ("manage_pipeline", "manage_ingest_pipelines"),
        ("manage_pipeline", "read_pipeline"),
        ("manage_api_key", "grant_api_key"),
        ("manage_ccr", "read_ccr"),
        ("create_snapshot", "monitor_snapshot"),
        ("manage_ilm", "read_ilm"),
        ("manage_slm", "read_slm"),
        ("manage_behavioral_analytics", "post_behavioral_analytics_event"),
    ];
    if held == "manage_own_api_key" || wanted == "manage_own_api_key" {
        return held == wanted;
    }
    if held == wanted || held == "all" || EMPTY.contains(&wanted) {
        return true;
    }
    match held {
        "manage_security" => UNDER_SECURITY.contains(&wanted),
        "manage" => !NOT_UNDER_MANAGE.contains(&wanted) && !UNDER_SECURITY.contains(&wanted),
        "monitor" => UNDER_MONITOR.contains(&wanted),
        _ => SUPERSETS.contains(&(held, wanted)),
    }
}

/// ES 9's index privilege names (`IndexPrivilege`), sorted, as its message lists them.
pub const INDEX_PRIVILEGES: [&str; 24] = [
    "all",
    "auto_configure",
    "create",
    "create_doc",
    "create_index",
    "cross_cluster_replication",
    "cross_cluster_replication_internal",
    "delete",
    "delete_index",
    "index",
    "maintenance",
    "manage",
    "manage_data_stream_lifecycle",
    "manage_failure_store",
    "manage_follow_index",
    "manage_ilm",
    "manage_leader_index",
    "monitor",
    "none",
    "read",
    "read_cross_cluster",
    "read_failure_store",
    "view_index_metadata",
    "write",
];

/// Whether a (lower-cased) index privilege is one ES knows: a name, or an index action pattern
/// (`indices:*`, also behind the cross-cluster proxy prefix).
pub fn is_known_index_privilege(privilege: &str) -> bool {
    INDEX_PRIVILEGES.contains(&privilege)
        || privilege.starts_with("indices:")
        || privilege.starts_with("internal:transport/proxy/indices:")
}

/// ES's 400 reason for an index privilege it does not know (`IndexPrivilege.resolve`).
pub fn unknown_index_privilege(privilege: &str) -> String {
    format!(
        "unknown index privilege [{privilege}]. a privilege must be either one of the predefined fixed indices \
         privileges [{}] or a pattern over one of the available index actions",
        comma_list(&INDEX_PRIVILEGES)
    )
}

/// Whether holding the index privilege `held` grants `wanted` (both named), as ES 9's
/// `IndexPrivilege` automata compare them (§19). `manage` does not cover `view_index_metadata`:
/// that one also holds a transform action outside `indices:admin/*`.
pub fn index_implies(held: &str, wanted: &str) -> bool {
    wanted == "none"
        || held == "all"
        || held == wanted
        || match held {
            "write" => ["index", "create", "create_doc", "delete"].contains(&wanted),
            "index" => ["create", "create_doc"].contains(&wanted),
            "create" => wanted == "create_doc",
            "manage" => [
                "monitor",
                "create_index",
                "delete_index",
                "manage_follow_index",
                "manage_leader_index",
                "manage_ilm",
                "manage_data_stream_lifecycle",
                "maintenance",
                "auto_configure",
            ]
            .contains(&wanted),
            _ => false,
        }
}
