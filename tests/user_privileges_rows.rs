//! What may I do (§13): `_privileges` bodies, `_has_privileges` checks and answers, ES's 400s,
//! and Java's HashMap order.

use edge_token::errors::Reply;
use edge_token::roles::RoleTable;
use edge_token::user_privileges::{has_privileges, java_hash_order, parse_check, user_privileges};
use serde_json::{json, Value};

fn table() -> RoleTable {
    let roles = r#"{"tok": {"cluster": ["manage_token"]},
        "logs": {"cluster": ["monitor"], "indices": [{"names": ["logs-*", "metrics"], "privileges": ["read", "write"]}]},
        "sec": {"cluster": ["manage_security"]}}"#;
    RoleTable::from_setting(roles).unwrap_or_default()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn java_hash_map_order() {
    // Buckets of 16 (Java's String.hashCode, spread): all 0, manage_token 6, monitor 10.
    let order = java_hash_order(names(&["all", "monitor", "manage_token", "all"]));
    assert_eq!(order, names(&["all", "manage_token", "monitor"]));
    let hash = |s: &str| s.encode_utf16().fold(0u32, |h, u| h.wrapping_mul(31).wrapping_add(u32::from(u)));
    let buckets: Vec<u32> = order.iter().map(|k| (hash(k) ^ (hash(k) >> 16)) & 15).collect();
    assert!(buckets.windows(2).all(|w| w.first() <= w.get(1)), "{order:?} {buckets:?}");
    assert_eq!(order.len(), 3);
    // "Aa" and "BB" share a Java hash: insertion order decides.
    assert_eq!(java_hash_order(names(&["BB", "Aa"])), names(&["BB", "Aa"]));
}

#[test]
fn user_privileges_bodies() {
    let roles = table();
    let logs = user_privileges(&roles, &names(&["logs", "tok", "missing"]));
    assert_eq!(
        serde_json::to_string(&logs).unwrap_or_default(),
        r#"{"cluster":["manage_token","monitor"],"global":[],"indices":[{"names":["logs-*","metrics"],"privileges":["read","write"],"allow_restricted_indices":false}],"applications":[],"run_as":[]}"#
    );
    let superuser = user_privileges(&roles, &names(&["superuser"]));
    assert_eq!(superuser["cluster"], json!(["all"]));
    assert_eq!(superuser["indices"].as_array().map(Vec::len), Some(2));
    assert_eq!(superuser["run_as"], json!(["*"]));
    let keys: Vec<&str> = superuser.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(keys, ["cluster", "global", "indices", "applications", "run_as", "remote_indices", "remote_cluster"]);
    assert_eq!(
        superuser["remote_cluster"],
        json!([{"privileges": ["monitor_enrich", "monitor_stats"], "clusters": ["*"]}])
    );
}

#[test]
fn checks_and_answers() {
    let roles = table();
    let ask = |assigned: &[&str], body: &str| {
        parse_check("u", body).map_or_else(|e| e, |check| has_privileges(&roles, "u", &names(assigned), &check))
    };
    let body = r#"{"cluster":["monitor","manage_token","monitor_ml","cluster:admin/xpack/security/token/create"],
        "index":[{"names":["logs-1","other"],"privileges":["read","index"]}]}"#;
    let reply = ask(&["logs"], body);
    assert_eq!(reply.body["has_all_requested"], false);
    assert_eq!(reply.body["cluster"]["monitor"], true);
    assert_eq!(reply.body["cluster"]["monitor_ml"], true);
    assert_eq!(reply.body["cluster"]["manage_token"], false);
    assert_eq!(reply.body["index"]["logs-1"], json!({"read": true, "index": true}));
    assert_eq!(reply.body["index"]["other"], json!({"read": false, "index": false}));
    let tok = ask(&["tok"], r#"{"cluster":["cluster:admin/xpack/security/token/create","manage_token"]}"#);
    assert_eq!(tok.body["has_all_requested"], true);
    let sec = ask(&["sec"], r#"{"cluster":["manage_token","read_security","manage"]}"#);
    assert_eq!(sec.body["cluster"], json!({"manage_token": true, "read_security": true, "manage": false}));
    let su = ask(
        &["superuser"],
        r#"{"index":[{"names":[".security"],"privileges":["read","write"]}],"application":[{"application":"kibana","resources":["*"],"privileges":["read"]}]}"#,
    );
    assert_eq!(su.body["index"][".security"], json!({"read": true, "write": false}));
    assert_eq!(su.body["application"], json!({"kibana": {"*": {"read": true}}}));
    let keys: Vec<&str> = su.body.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(keys, ["username", "has_all_requested", "cluster", "index", "application"]);
}

#[test]
fn reserved_roles_index_patterns_written_as_lucene_regular_expressions() {
    let roles = table();
    let body =
        r#"{"index":[{"names":["logs-1",".kibana_1","ilm-history-7","metrics-kibana.x"],"privileges":["read"]}]}"#;
    let check = parse_check("u", body);
    assert!(check.is_ok(), "the body parses");
    let Ok(check) = check else { return };
    // viewer's `/~(([.]|ilm-history-).*)/`: every index but hidden ones and ILM's history.
    let viewer = has_privileges(&roles, "u", &names(&["viewer"]), &check);
    let read = |reply: &Reply, index: &str| reply.body["index"][index]["read"].clone();
    assert_eq!(
        ["logs-1", ".kibana_1", "ilm-history-7"].map(|index| read(&viewer, index)),
        [json!(true), json!(false), json!(false)]
    );
    // monitoring_user's `/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/`.
    let monitoring = has_privileges(&roles, "u", &names(&["monitoring_user"]), &check);
    assert_eq!([read(&monitoring, "metrics-kibana.x"), read(&monitoring, "logs-1")], [json!(true), json!(false)]);
}

#[test]
fn a_regular_expression_too_complex_to_match_is_es_500() {
    let attack = "(@{0,255})".repeat(8);
    let roles = json!({"r": {"indices": [{"names": ["logs", format!("/{attack}/")], "privileges": ["read"]}]}});
    let roles = RoleTable::from_setting(&roles.to_string()).unwrap_or_default();
    let asked = |name: &str| json!({"index": [{"names": [name], "privileges": ["read"]}]}).to_string();
    let answer = |name: &str| {
        parse_check("u", &asked(name)).map_or_else(|e| e, |check| has_privileges(&roles, "u", &names(&["r"]), &check))
    };
    // A name the plain pattern covers is answered without the regular expression.
    assert_eq!(answer("logs").body["index"]["logs"]["read"], json!(true));
    let reply = answer(&"a".repeat(250));
    let error = (reply.status, reply.body["error"]["type"].clone(), reply.body["error"]["reason"].clone());
    let reason = format!("Determinizing {attack} would require more than 10000 effort.");
    assert_eq!(error, (500, json!("too_complex_to_determinize_exception"), json!(reason)));
}

#[test]
fn es_refusals() {
    let roles = table();
    let rows = [
        ("", "parse_exception", "request body or source parameter is required"),
        (
            "[]",
            "parse_exception",
            "failed to parse privileges check [u]. expected an object but found [START_ARRAY] instead",
        ),
        (
            "{}",
            "parse_exception",
            "failed to parse privileges check [u]. All privilege fields [cluster,index,applications] are missing",
        ),
        (r#"{"clusters":[]}"#, "parse_exception", "failed to parse privileges check [u]. unexpected field [clusters]"),
        (
            r#"{"cluster":[]}"#,
            "action_request_validation_exception",
            "Validation Failed: 1: must specify at least one privilege;",
        ),
        (
            r#"{"index":[{"names":["a"],"privileges":["read"],"query":"{}"}]}"#,
            "parse_exception",
            "Field [query] is not supported in a has_privileges request",
        ),
        (
            r#"{"index":[{"privileges":["read"]}]}"#,
            "parse_exception",
            "failed to parse indices privileges for role [u]. missing required [names] field",
        ),
    ];
    for (body, kind, reason) in rows {
        let got = parse_check("u", body).err().unwrap_or_else(|| Reply::ok(Value::Null));
        assert_eq!(
            (got.status, got.body["error"]["type"].as_str(), got.body["error"]["reason"].as_str()),
            (400, Some(kind), Some(reason)),
            "{body}"
        );
    }
    let many = format!(r#"{{"index":[{{"names":{:?},"privileges":["read","write"]}}]}}"#, vec!["i"; 501]);
    let bound = parse_check("u", &many).err().map(|r| r.body["error"]["reason"].clone());
    assert_eq!(bound, Some(json!("cannot check more than [1000] privileges in one request, got [1002]")));
    let check = parse_check("u", r#"{"cluster":["Manage_Tokens"]}"#).unwrap_or_default();
    let unknown = has_privileges(&roles, "u", &[], &check);
    assert_eq!(unknown.status, 400);
    assert!(unknown.body["error"]["reason"]
        .as_str()
        .unwrap_or("")
        .starts_with("unknown cluster privilege [manage_tokens]. a privilege"));
}

/// The orders Java 17's `HashMap` iterates these keys in (printed by `new HashMap<>()` and
/// `put`s in this order, then `keySet()`), resizes included.
#[test]
fn java_hash_map_order_as_java_prints_it() {
    let rows: [(&[&str], &str); 5] = [
        (&["all", "monitor", "manage_token", "all"], "all,manage_token,monitor"),
        (
            &["monitor", "manage_security", "cluster:admin/xpack/security/token/create"],
            "cluster:admin/xpack/security/token/create,monitor,manage_security",
        ),
        (&["read", "index"], "read,index"),
        (&["manage_token", "read_security", "manage"], "manage_token,read_security,manage"),
        (&["BB", "Aa"], "BB,Aa"),
    ];
    for (keys, java) in rows {
        assert_eq!(java_hash_order(names(keys)).join(","), java, "{keys:?}");
    }
    let many: Vec<String> = (0..40).map(|i| format!("p{}", i * 7919 % 1000)).collect();
    let java = "p0,p919,p3,p380,p461,p56,p894,p299,p651,p595,p352,p975,p732,p676,p137,p433,p813,p757,p218,p514,p838,p190,p570,p84,p271,p542,p165,p623,p489,p841,p28,p785,p246,p704,p109,p922,p866,p327,p947,p408";
    assert_eq!(java_hash_order(many).join(","), java);
}

/// `_has_privileges` on a named user: one's own needs nothing, another's needs read_security
/// (then ES still refuses it), and the body is read first.
#[test]
fn checks_on_a_named_user() {
    use edge_token::user_privileges::check_request;
    let roles = table();
    let caller = |name: &str, assigned: &[&str]| json!({"username": name, "roles": assigned});
    let body = r#"{"cluster":["monitor"]}"#;
    let own = check_request(&roles, &caller("u", &["logs"]), "u", body);
    assert_eq!((own.status, &own.body["has_all_requested"]), (200, &json!(true)));
    let other = check_request(&roles, &caller("u", &["logs"]), "v", body);
    assert_eq!(other.status, 403);
    assert!(other.body["error"]["reason"].as_str().unwrap_or("").ends_with(
        "this action is granted by the cluster privileges [read_ccr,read_security,manage_ccr,manage_security,all]"
    ));
    let admin = check_request(&roles, &caller("a", &["sec"]), "v", body);
    assert_eq!(
        (admin.status, admin.body["error"]["reason"].as_str()),
        (400, Some("users may only check the privileges of their own account"))
    );
    let unread = check_request(&roles, &caller("u", &[]), "v", "{}");
    assert_eq!(unread.body["error"]["type"], "parse_exception");
}

/// ES 9's privilege automata compared (§16): the supersets ES's `ClusterPrivilegeResolver` and
/// `IndexPrivilege` define, the unknown-privilege 400s with ES's lists, the restricted indices.
#[test]
fn privileges_as_es_9_compares_them() {
    let roles = RoleTable::from_setting(
        r#"{"mon": {"cluster": ["monitor"]}, "man": {"cluster": ["manage"]},
            "keys": {"cluster": ["manage_api_key"]}, "own": {"cluster": ["manage_own_api_key"]},
            "idx": {"indices": [{"names": ["*"], "privileges": ["manage"]}]},
            "sys": {"indices": [{"names": ["*"], "privileges": ["read"], "allow_restricted_indices": true}]},
            "plain": {"indices": [{"names": ["*"], "privileges": ["read"]}]}}"#,
    )
    .unwrap_or_default();
    let ask = |assigned: &[&str], body: &str| {
        parse_check("u", body).map_or_else(|e| e, |check| has_privileges(&roles, "u", &names(assigned), &check))
    };
    let granted = |assigned: &[&str], part: &str, body: &str, key: &str| -> Value {
        let reply = ask(assigned, body);
        match part {
            "cluster" => reply.body["cluster"][key].clone(),
            _ => reply.body["index"][part][key].clone(),
        }
    };
    let cluster = |privilege: &str| format!(r#"{{"cluster":["{privilege}"]}}"#);
    let rows = [
        // `monitor` covers `transport_client`, not `monitor_enrich` (it holds an admin action)
        (&["mon"][..], "transport_client", true),
        (&["mon"][..], "monitor_enrich", false),
        (&["mon"][..], "monitor_connector", false),
        // `manage` is every cluster action but the security ones: the secrets too
        (&["man"][..], "read_fleet_secrets", true),
        (&["man"][..], "cross_cluster_search", true),
        (&["man"][..], "manage_saml", false),
        (&["man"][..], "read_ccr", false),
        // `manage_own_api_key` checks the request: only itself implies it
        (&["keys"][..], "manage_own_api_key", false),
        (&["superuser"][..], "manage_own_api_key", false),
        (&["own"][..], "manage_own_api_key", true),
        (&["keys"][..], "grant_api_key", true),
        // `none` and the no-op privileges: implied by any privilege, not by having none
        (&["keys"][..], "monitor_data_stream_global_retention", true),
        (&["idx"][..], "none", false),
    ];
    for (assigned, privilege, expected) in rows {
        assert_eq!(
            granted(assigned, "cluster", &cluster(privilege), privilege),
            json!(expected),
            "{assigned:?} {privilege}"
        );
    }
    let index =
        |name: &str, privilege: &str| format!(r#"{{"index":[{{"names":["{name}"],"privileges":["{privilege}"]}}]}}"#);
    let index_rows = [
        // `manage` covers `auto_configure`; not `view_index_metadata`, which holds a transform action
        (&["idx"][..], "logs", "auto_configure", true),
        (&["idx"][..], "logs", "view_index_metadata", false),
        (&["idx"][..], "logs", "none", true),
        // restricted: the security and Kibana system indices
        (&["plain"][..], ".kibana_1", "read", false),
        (&["plain"][..], ".kibana-event-log", "read", true),
        (&["plain"][..], ".security-7", "read", false),
        (&["sys"][..], ".kibana_1", "read", true),
    ];
    for (assigned, name, privilege, expected) in index_rows {
        assert_eq!(granted(assigned, name, &index(name, privilege), privilege), json!(expected), "{name} {privilege}");
    }
    // Unknown privileges are ES's 400s, with ES's lists in ES's order.
    let unknown = ask(&["mon"], &index("logs", "reed"));
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["error"]["reason"],
        "unknown index privilege [reed]. a privilege must be either one of the predefined fixed indices privileges \
         [all,auto_configure,create,create_doc,create_index,cross_cluster_replication,cross_cluster_replication_internal,\
         delete,delete_index,index,maintenance,manage,manage_data_stream_lifecycle,manage_failure_store,manage_follow_index,\
         manage_ilm,manage_leader_index,monitor,none,read,read_cross_cluster,read_failure_store,view_index_metadata,write] \
         or a pattern over one of the available index actions"
    );
    assert_eq!(unknown.body["error"]["type"], "illegal_argument_exception");
    let cluster_unknown = ask(&["mon"], &cluster("Monitor_X"));
    let reason = cluster_unknown.body["error"]["reason"].as_str().unwrap_or_default().to_string();
    assert!(reason.starts_with(
        "unknown cluster privilege [monitor_x]. a privilege must be either one of the predefined cluster privilege names \
         [manage_own_api_key,manage_data_stream_global_retention,monitor_data_stream_global_retention,none,cancel_task,"
    ));
    assert!(
        reason.ends_with(",manage_security,monitor,manage,all] or a pattern over one of the available cluster actions")
    );
    // Index action patterns are known privileges.
    assert_eq!(ask(&["idx"], &index("logs", "indices:admin/refresh")).status, 200);
}

/// A reserved role's `_privileges` (§18): its configurable privileges, applications and remote
/// privileges as ES shows them.
#[test]
fn user_privileges_of_reserved_roles() {
    let roles = RoleTable::new();
    let kibana = user_privileges(&roles, &names(&["kibana_system"]));
    assert_eq!(
        kibana["global"],
        json!([{"application": {"manage": {"applications": ["kibana-*"]}}}, {"profile": {"write": {"applications": ["kibana*"]}}}])
    );
    assert_eq!(kibana["remote_cluster"], json!([{"privileges": ["monitor_stats"], "clusters": ["*"]}]));
    assert_eq!(
        kibana["remote_indices"][0],
        json!({"names": [".monitoring-*"], "privileges": ["read", "read_cross_cluster"], "allow_restricted_indices": false, "clusters": ["*"]})
    );
    assert_eq!(kibana["cluster"][0], "cancel_task");
    let viewer = user_privileges(&roles, &names(&["viewer", "editor"]));
    assert_eq!(
        viewer["applications"],
        json!([{"application": "kibana-.kibana", "privileges": ["read"], "resources": ["*"]},
               {"application": "kibana-.kibana", "privileges": ["all"], "resources": ["*"]}])
    );
    let keys: Vec<&str> = viewer.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(keys, ["cluster", "global", "indices", "applications", "run_as"]);
}
