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
    assert_eq!((named.status, keys), (200, vec!["tokens", "superuser"]));
    assert_eq!(views(Some("nope"), &[None]).status, 404);
    let listed = views(None, &[Some(stored.clone()), Some("damaged".into())]);
    assert_eq!(listed.body["superuser"]["metadata"], json!({"_reserved": true}));
    assert_eq!(listed.body["tokens"]["cluster"], json!(["manage_token"]));

    let table = RoleTable::from_setting(r#"{"file_role": {"cluster": []}}"#).unwrap_or_default();
    let assigned: Vec<String> = ["file_role", "tokens", "superuser", "tokens"].map(String::from).to_vec();
    assert_eq!(keys_to_read(&table, &assigned), vec![role_key("tokens")]);
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
