//! Roles stored in the native realm (§14): descriptors as ES parses and shows them, ES's 400s,
//! GET's reads and answers, and the role table a request gets with its stored roles.

use edge_token::errors::Reply;
use edge_token::native_roles::{delete_problem, keys_to_read, lookup, role_key, stored_text, views, with_stored};
use edge_token::privileges::{authorize, Action};
use edge_token::role_descriptor::{name_rule, parse_put};
use edge_token::roles::RoleTable;
use serde_json::{json, Value};

fn error(reply: &Reply) -> (u16, String, String) {
    let text = |p: &str| reply.body.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    (reply.status, text("/error/type"), text("/error/reason"))
}

#[test]
fn descriptors_in_es_display_form() {
    let body = r#"{"description":"d","run_as":["x"],"indices":[{"names":"logs-*","privileges":["read"],"query":{"match_all":{}}}],"cluster":["Manage_Token"],"metadata":{"v":1},"transient_metadata":{"enabled":false}}"#;
    let stored = parse_put("tokens", body).unwrap_or_default();
    assert_eq!(
        stored.to_string(),
        r#"{"cluster":["Manage_Token"],"indices":[{"names":["logs-*"],"privileges":["read"],"query":"{\"match_all\":{}}","allow_restricted_indices":false}],"applications":[],"run_as":["x"],"metadata":{"v":1},"transient_metadata":{"enabled":true},"description":"d"}"#
    );
    assert_eq!(parse_put("empty", "{}").map(|v| v["cluster"].clone()), Ok(json!([])));
}

#[test]
fn es_refusals() {
    let rows = [
        ("r", "", "parse_exception", "request body is required".to_string()),
        (
            "r",
            "[]",
            "parse_exception",
            "failed to parse role [r]. expected an object but found [START_ARRAY] instead".into(),
        ),
        ("r", r#"{"clusters":[]}"#, "parse_exception", "failed to parse role [r]. unexpected field [clusters]".into()),
        (
            "r",
            r#"{"indices":[{"privileges":["read"]}]}"#,
            "parse_exception",
            "failed to parse indices privileges for role [r]. missing required [names] field".into(),
        ),
        (
            "r",
            r#"{"indices":[{"names":[],"privileges":["read"]}]}"#,
            "parse_exception",
            "failed to parse indices privileges for role [r]. [names] cannot be an empty array".into(),
        ),
        (
            "r",
            r#"{"metadata":[]}"#,
            "parse_exception",
            "expected field [metadata] to be of type object, but found [START_ARRAY] instead".into(),
        ),
        (
            "superuser",
            "{}",
            "action_request_validation_exception",
            "Validation Failed: 1: Role [superuser] is reserved and may not be used.;".into(),
        ),
        (
            "r",
            r#"{"metadata":{"_x":1}}"#,
            "action_request_validation_exception",
            "Validation Failed: 1: metadata keys may not start with [_];".into(),
        ),
        (" r", "{}", "validation_exception", format!("Validation Failed: 1: {};", name_rule(1024))),
    ];
    for (name, body, kind, reason) in rows {
        let got = parse_put(name, body).err().map(|r| error(&r)).unwrap_or_default();
        assert_eq!(got, (400, kind.to_string(), reason), "{name} {body}");
    }
    let unknown = parse_put("r", r#"{"cluster":["manage_tokens"]}"#).err().map(|r| error(&r).2).unwrap_or_default();
    assert!(unknown.starts_with("Validation Failed: 1: unknown cluster privilege [manage_tokens]. a privilege"));
    assert_eq!(
        delete_problem("superuser").map(|r| error(&r).2),
        Some("role [superuser] is reserved and cannot be deleted".into())
    );
    assert!(delete_problem("mine").is_none());
}

#[test]
fn lookups_views_and_the_table_for_a_request() {
    let stored = stored_text("tokens", &parse_put("tokens", r#"{"cluster":["manage_token"]}"#).unwrap_or_default());
    assert_eq!(lookup(Some("tokens,superuser,tokens")), Ok(json!({"keys": [role_key("tokens")]})));
    let named = views(Some("tokens,superuser,nope"), &[Some(stored.clone())]);
    let keys: Vec<&str> = named.body.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    // ES answers the reserved roles named first, then the stored ones.
    assert_eq!((named.status, keys), (200, vec!["superuser", "tokens"]));
    assert_eq!(views(Some("nope"), &[None]).status, 404);
    let listed = views(None, &[Some(stored.clone()), Some("damaged".into())]);
    assert_eq!(listed.body["superuser"]["metadata"], json!({"_reserved": true}));
    assert_eq!(listed.body["tokens"]["cluster"], json!(["manage_token"]));

    let listed_names: Vec<&str> =
        listed.body.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(listed_names.len(), 30);
    assert_eq!(listed_names.first().copied(), Some("superuser"));
    assert_eq!(listed_names.get(28..).unwrap_or_default(), ["editor", "tokens"]);

    let table = RoleTable::from_setting(r#"{"file_role": {"cluster": []}}"#).unwrap_or_default();
    let assigned: Vec<String> = ["file_role", "tokens", "superuser", "tokens"].map(String::from).to_vec();
    assert_eq!(keys_to_read(&table, &assigned), vec![role_key("tokens")]);
    // A caller with more roles than a request reads: the first 1,000 distinct ones, in order.
    let many: Vec<String> = (0..25_000).map(|i| format!("r{}", i % 5_000)).collect();
    let keys = keys_to_read(&table, &many);
    assert_eq!((keys.len(), keys.first(), keys.last()), (1000, Some(&role_key("r0")), Some(&role_key("r999"))));
    let holder: Vec<String> = ["file_role", "tokens"].map(String::from).to_vec();
    assert!(authorize(&table, "u", &holder, Action::CreateToken).is_some());
    let merged = with_stored(&table, &[Some(stored)]);
    assert!(authorize(&merged, "u", &holder, Action::CreateToken).is_none());
}

/// ES's readStringArray inside a role: the role's error, caused by (and rooted in) the field's.
#[test]
fn string_arrays_as_es_reads_them() {
    let rows = [
        (r#"{"cluster":"manage_token"}"#, "could not parse [cluster] field. expected a string array but found [VALUE_STRING] value instead"),
        (r#"{"run_as":["a",1]}"#, "could not parse [run_as] field. expected a string array but one of the value in the array is [VALUE_NUMBER]"),
        (r#"{"indices":[{"names":null,"privileges":["read"]}]}"#, "failed to parse indices privileges for role [r]. expected field [names] value to be a string or an array of strings, but found [VALUE_NULL] instead"),
    ];
    for (body, cause) in rows {
        let reply = parse_put("r", body).err().unwrap_or_else(|| Reply::ok(Value::Null));
        let error = &reply.body["error"];
        if error["reason"] == "failed to parse role [r]" {
            assert_eq!(error["caused_by"]["reason"], cause, "{body}");
            assert_eq!(error["root_cause"][0]["reason"], cause, "{body}");
        } else {
            assert_eq!(error["reason"], cause, "{body}");
        }
    }
    assert_eq!(parse_put("r", r#"{"cluster":null,"run_as":null}"#).map(|d| d["cluster"].clone()), Ok(json!([])));
}

/// ES 9's reserved roles (§18): every name refused for PUT and DELETE with ES's words, each
/// descriptor answered as ES answers it, and their cluster privileges in force.
#[test]
fn reserved_roles_as_es_9_lists_them() {
    for name in ["kibana_system", "viewer", "editor", "inference_user", "logstash_admin"] {
        let put = parse_put(name, "{}").err().map(|r| error(&r).2).unwrap_or_default();
        assert_eq!(put, format!("Validation Failed: 1: Role [{name}] is reserved and may not be used.;"));
        let delete = delete_problem(name).map(|r| error(&r).2).unwrap_or_default();
        assert_eq!(delete, format!("role [{name}] is reserved and cannot be deleted"));
    }
    // Names ES 9 no longer reserves may be stored.
    for name in ["data_frame_transforms_admin", "kibana_dashboard_only_user"] {
        assert!(parse_put(name, "{}").is_ok() && delete_problem(name).is_none(), "{name}");
    }
    assert_eq!(lookup(Some("viewer,mine")), Ok(json!({"keys": [role_key("mine")]})));
    let named = views(Some("monitoring_user"), &[]);
    assert_eq!(
        serde_json::to_string(&named.body).unwrap_or_default(),
        r#"{"monitoring_user":{"cluster":["cluster:monitor/main","cluster:monitor/xpack/info","cluster:monitor/remote/info"],"indices":[{"names":[".monitoring-*"],"privileges":["read","read_cross_cluster"],"allow_restricted_indices":false},{"names":["/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/"],"privileges":["read","read_cross_cluster"],"allow_restricted_indices":false},{"names":["metricbeat-*"],"privileges":["read","read_cross_cluster"],"allow_restricted_indices":false}],"applications":[{"application":"kibana-*","privileges":["reserved_monitoring"],"resources":["*"]}],"run_as":[],"metadata":{"_reserved":true},"transient_metadata":{"enabled":true},"remote_indices":[{"names":[".monitoring-*"],"privileges":["read","read_cross_cluster"],"allow_restricted_indices":false,"clusters":["*"]},{"names":["/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/"],"privileges":["read","read_cross_cluster"],"allow_restricted_indices":false,"clusters":["*"]},{"names":["metricbeat-*"],"privileges":["read","read_cross_cluster"],"allow_restricted_indices":false,"clusters":["*"]}],"description":"Grants the minimum privileges required for any user of X-Pack monitoring other than those required to use Kibana. This role grants access to the monitoring indices and grants privileges necessary for reading basic cluster information. This role also includes all Kibana privileges for the Elastic Stack monitoring features. Monitoring users should also be assigned the kibana_admin role, or another role with access to the Kibana instance."}}"#
    );
    let kibana = views(Some("kibana_system"), &[]).body;
    assert_eq!(kibana["kibana_system"]["indices"].as_array().map(Vec::len), Some(71));
    assert_eq!(
        kibana["kibana_system"]["global"],
        json!({"application": {"manage": {"applications": ["kibana-*"]}}, "profile": {"write": {"applications": ["kibana*"]}}})
    );
    assert_eq!(
        kibana["kibana_system"]["remote_cluster"],
        json!([{"privileges": ["monitor_stats"], "clusters": ["*"]}])
    );

    // A reserved role's cluster privileges are in force: `kibana_system` holds `manage_token`,
    // `editor` holds none, and the `ROLES` setting may not redefine either.
    let table = RoleTable::new();
    let user = |role: &str| vec![role.to_string()];
    assert!(authorize(&table, "k", &user("kibana_system"), Action::CreateToken).is_none());
    assert!(authorize(&table, "k", &user("kibana_system"), Action::InvalidateToken).is_none());
    assert!(authorize(&table, "e", &user("editor"), Action::CreateToken).is_some());
    assert!(authorize(&table, "m", &user("monitoring_user"), Action::Main).is_none());
    assert!(authorize(&table, "m", &user("monitoring_user"), Action::ClusterHealth).is_some());
    let redefined = RoleTable::from_setting(r#"{"editor": {"cluster": ["all"]}}"#).err().map(|e| e.to_string());
    assert_eq!(redefined, Some("ROLES: Role [editor] is reserved and may not be used.".into()));
}

/// `remote_indices` and `remote_cluster` in a PUT body (§14): accepted, validated and answered
/// as ES 9 does; they grant nothing here.
#[test]
fn remote_privileges_as_es_9_reads_them() {
    let body = r#"{"remote_indices":[{"clusters":["eu-*"],"names":"logs-*","privileges":["read","READ_CROSS_CLUSTER"],
        "allow_restricted_indices":false}],"remote_cluster":[{"privileges":["monitor_stats"],"clusters":["eu-1","us-1"]}]}"#;
    let descriptor = parse_put("r", body).unwrap_or_default();
    assert_eq!(
        serde_json::to_string(&descriptor).unwrap_or_default(),
        r#"{"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true},"remote_indices":[{"names":["logs-*"],"privileges":["read","READ_CROSS_CLUSTER"],"allow_restricted_indices":false,"clusters":["eu-*"]}],"remote_cluster":[{"privileges":["monitor_stats"],"clusters":["eu-1","us-1"]}]}"#
    );
    let rows = [
        (r#"{"remote_indices":[{"names":["x"],"privileges":["read"]}]}"#, "parse_exception",
         "failed to parse remote indices privileges for role [r]. missing required [clusters] field"),
        (r#"{"remote_indices":{}}"#, "parse_exception",
         "failed to parse remote indices privileges for role [r]. expected field [remote_indices] value to be an array, but found [START_OBJECT] instead"),
        (r#"{"indices":[{"names":["x"],"privileges":["read"],"clusters":["a"]}]}"#, "parse_exception",
         "failed to parse indices privileges for role [r]. unexpected field [clusters]"),
        (r#"{"remote_indices":[{"names":["x"],"privileges":["read"],"clusters":[""]}]}"#, "action_request_validation_exception",
         "Validation Failed: 1: remote index cluster alias cannot be an empty string;"),
        (r#"{"remote_cluster":[{"privileges":["monitor_enrich"]}]}"#, "parse_exception",
         "failed to parse remote_cluster for role [r]. [clusters] must be defined when [privileges] are defined"),
        (r#"{"remote_cluster":[{"clusters":["a"]}]}"#, "parse_exception",
         "failed to parse remote_cluster for role [r]. [privileges] must be defined when [clusters] are defined"),
        (r#"{"remote_cluster":[{}]}"#, "illegal_argument_exception", "remote cluster groups must not be null or empty"),
        (r#"{"remote_cluster":[{"privileges":["monitor_stats","read_pipeline"],"clusters":["*"]}]}"#, "parse_exception",
         "failed to parse remote_cluster for role [r]. [monitor_enrich, monitor_stats] are the only values allowed for [privileges] within [remote_cluster]. Found [monitor_stats, read_pipeline]"),
        (r#"{"remote_cluster":[{"privileges":["monitor_stats"],"clusters":["a",""]}]}"#, "illegal_argument_exception",
         "remote_cluster clusters aliases must contain valid non-empty, non-null values"),
    ];
    for (body, kind, reason) in rows {
        let got = parse_put("r", body).err().map(|r| error(&r)).unwrap_or_default();
        assert_eq!(got, (400, kind.to_string(), reason.to_string()), "{body}");
    }
    // An unknown index privilege is refused as ES's validation refuses it, remote or not.
    let unknown = parse_put("r", r#"{"indices":[{"names":["x"],"privileges":["reed"]}]}"#).err().map(|r| error(&r).2);
    assert!(unknown
        .unwrap_or_default()
        .starts_with("Validation Failed: 1: unknown index privilege [reed]. a privilege"));
    // Stored, they grant nothing: there are no remote clusters.
    let stored = stored_text("r", &descriptor);
    let table = with_stored(&RoleTable::new(), &[Some(stored)]);
    assert!(table.get("r").is_some_and(|role| role.cluster().is_empty() && role.indices().is_empty()));
}
