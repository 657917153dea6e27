// Roles to cluster privileges to actions (docs/elasticsearch-semantics.md §6). A role grants an action when
// one of its cluster privileges is among the privileges ES lists as granting it, or when it names
// the action through a raw action pattern such as `cluster:admin/xpack/security/token/*`.
import { esError, reply } from "./http.js";

/** The transport actions behind the endpoints, as ES names them. */
export const ACTIONS = Object.freeze({
  createToken: "cluster:admin/xpack/security/token/create",
  refreshToken: "cluster:admin/xpack/security/token/refresh",
  invalidateToken: "cluster:admin/xpack/security/token/invalidate",
  putUser: "cluster:admin/xpack/security/user/put",
  getUsers: "cluster:admin/xpack/security/user/get",
  deleteUser: "cluster:admin/xpack/security/user/delete",
  main: "cluster:monitor/main",
});

// What ES's ClusterPrivilegeResolver.findPrivilegesThatGrant answers for each action, in its
// order (fewest implied privileges first, then by name). `manage` is absent from the security
// actions: it excludes cluster:admin/xpack/security/*.
const GRANTED_BY = Object.freeze({
  [ACTIONS.createToken]: ["manage_token", "manage_security", "all"],
  [ACTIONS.refreshToken]: ["manage_saml", "manage_token", "manage_security", "all"],
  [ACTIONS.invalidateToken]: ["delegate_pki", "manage_saml", "manage_token", "manage_security", "all"],
  [ACTIONS.putUser]: ["manage_security", "all"],
  [ACTIONS.getUsers]: ["read_security", "manage_security", "all"],
  [ACTIONS.deleteUser]: ["manage_security", "all"],
  [ACTIONS.main]: ["monitor", "manage", "all"],
});

/** The cluster privilege names ES defines; a role may name any of them (most grant nothing here). */
export const CLUSTER_PRIVILEGES = Object.freeze([
  "none", "all", "monitor", "monitor_inference", "monitor_ml", "monitor_text_structure",
  "monitor_data_frame_transforms", "monitor_transform", "monitor_watcher", "monitor_rollup",
  "monitor_enrich", "manage", "manage_inference", "manage_ml", "manage_data_frame_transforms",
  "manage_transform", "manage_token", "manage_watcher", "manage_index_templates",
  "manage_ingest_pipelines", "read_pipeline", "transport_client", "manage_security",
  "read_security", "manage_saml", "manage_oidc", "manage_api_key", "grant_api_key",
  "manage_service_account", "manage_user_profile", "manage_pipeline", "manage_rollup",
  "manage_autoscaling", "manage_ccr", "read_ccr", "create_snapshot", "monitor_snapshot",
  "manage_ilm", "read_ilm", "manage_slm", "read_slm", "delegate_pki", "manage_own_api_key",
  "manage_enrich", "manage_logstash_pipelines", "read_fleet_secrets", "write_fleet_secrets",
  "cancel_task", "manage_search_application", "manage_search_synonyms",
  "manage_behavioral_analytics", "post_behavioral_analytics_event", "manage_search_query_rules",
  "cross_cluster_search", "cross_cluster_replication", "read_connector_secrets",
  "write_connector_secrets", "monitor_data_stream_global_retention",
  "manage_data_stream_global_retention",
]);

/** The built-in roles this service knows; `superuser` is ES's, with every privilege. */
export const BUILTIN_ROLES = Object.freeze({ superuser: Object.freeze({ cluster: Object.freeze(["all"]) }) });

/** Whether a privilege name is a raw action pattern rather than a named privilege (as in ES). */
export function isActionPattern(name) {
  return /^(cluster:|indices:admin\/template\/|indices:admin\/index_template\/)/.test(name);
}

/** ES's automaton wildcards: `*` any run of characters, `?` one character. */
function globMatches(pattern, action) {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(action);
}

function grants(privilege, action) {
  const name = privilege.toLowerCase();
  if (isActionPattern(name)) return globMatches(name, action);
  return (GRANTED_BY[action] ?? []).includes(name);
}

/**
 * null when `principal` (an _authenticate-shaped body) may run `action` under `roles` (a Map of
 * role name → {cluster}), else the 403 reply of §6.2.
 */
export function authorize(principal, action, roles) {
  const assigned = principal.roles ?? [];
  const effective = assigned.filter((name) => roles.has(name));
  const allowed = effective.some((name) => roles.get(name).cluster.some((p) => grants(p, action)));
  return allowed ? null : forbidden(principal, action, assigned, effective);
}

function forbidden(principal, action, assigned, effective) {
  let reason = `action [${action}] is unauthorized for user [${principal.username}] with effective roles [${effective.join(",")}]`;
  const missing = [...new Set(assigned.filter((name) => !effective.includes(name)))].sort();
  if (missing.length > 0) reason += ` (assigned roles [${missing.join(",")}] were not found)`;
  const grantedBy = GRANTED_BY[action];
  if (grantedBy) reason += `, this action is granted by the cluster privileges [${grantedBy.join(",")}]`;
  return reply(403, esError(403, "security_exception", reason));
}
