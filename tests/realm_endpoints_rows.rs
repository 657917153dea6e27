//! The native realm's endpoints run through their three steps (src/realm_endpoints.rs), one row
//! per case: where each answer comes from in ES's order (before authorization, after it, after
//! the reads), what is read, written and forgotten, and ES's status and body.

use edge_token::errors::Reply;
use edge_token::realm_endpoints::{answer, reads, request};
use edge_token::{native_roles, users};
use serde_json::{json, Value};

fn error(step: &str, reply: &Reply) -> String {
    let reason = reply.body.pointer("/error/reason").and_then(Value::as_str).unwrap_or_default();
    format!("{step}: {} {reason}", reply.status)
}

/// The steps of `endpoint` as the host runs them, `stored` being the value at the key read (or
/// the values of a lookup) and `hash` the host's hash of a new password.
fn run(
    endpoint: &str,
    name: Option<&str>,
    caller: &str,
    body: &str,
    stored: &[Option<&str>],
    hash: Option<&str>,
) -> Value {
    let made = match request(endpoint, name, caller, body) {
        Ok(made) => made,
        Err(reply) => return json!(error("request", &reply)),
    };
    let state = made.get("state").cloned().unwrap_or_default();
    let plan = match reads(endpoint, &state, caller) {
        Ok(plan) => plan,
        Err(reply) => return json!(error("reads", &reply)),
    };
    let values: Vec<Option<String>> = stored.iter().map(|v| v.map(String::from)).collect();
    match answer(endpoint, &state, &values, hash.map(String::from)) {
        Ok(out) => json!({"action": made.get("action"), "target": made.get("target"), "plan": plan, "out": out}),
        Err(reply) => json!(error("answer", &reply)),
    }
}

const BODY: &str = r#"{"password":"secret-password","roles":["viewer"]}"#;
const HASH: &str = "$2a$10$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

#[test]
fn put_user_in_es_order() {
    let created = run("putUser", Some("joe"), "admin", BODY, &[None], Some(HASH));
    assert_eq!(created["action"], "putUser");
    assert_eq!(created["target"], Value::Null);
    assert_eq!(created["plan"], json!({"key": users::user_key("joe")}));
    assert_eq!(created["out"]["put"]["key"], json!(users::user_key("joe")));
    assert!(created["out"]["put"]["value"].as_str().is_some_and(|record| record.contains(HASH)));
    assert_eq!((&created["out"]["forget"], &created["out"]["status"]), (&json!("joe"), &json!(200)));
    assert_eq!(created["out"]["body"], json!({"created": true}));
    let record = created["out"]["put"]["value"].as_str().unwrap_or_default().to_string();
    let updated = run("putUser", Some("joe"), "admin", r#"{"roles":[]}"#, &[Some(&record)], None);
    assert_eq!(updated["out"]["body"], json!({"created": false}));

    let rows = [
        ("joe", "{", "request: 400"),
        (
            "elastic",
            BODY,
            "reads: 400 Validation Failed: 1: user [elastic] is reserved and only the password can be changed;",
        ),
        (
            "joe",
            r#"{"roles":[]}"#,
            "answer: 400 Validation Failed: 1: password must be specified unless you are updating an existing user;",
        ),
    ];
    for (name, body, expected) in rows {
        let out = run("putUser", Some(name), "admin", body, &[None], None);
        assert!(out.as_str().is_some_and(|text| text.starts_with(expected)), "{name} {body}: {out}");
    }
}

#[test]
fn enable_disable_and_delete_users() {
    let record = run("putUser", Some("joe"), "admin", BODY, &[None], Some(HASH))["out"]["put"]["value"].clone();
    let record = record.as_str().unwrap_or_default();
    let disabled = run("disableUser", Some("joe"), "admin", "", &[Some(record)], None);
    assert_eq!(disabled["action"], "setEnabled");
    assert!(disabled["out"]["put"]["value"].as_str().is_some_and(|text| text.contains(r#""enabled":false"#)));
    assert_eq!((&disabled["out"]["forget"], &disabled["out"]["body"]), (&json!("joe"), &json!({})));
    let own = run("enableUser", Some("joe"), "joe", "", &[Some(record)], None);
    assert_eq!(own, json!("reads: 400 users may not update the enabled status of their own account"));
    let bad = run("enableUser", Some(" joe"), "admin", "", &[None], None);
    assert!(bad.as_str().is_some_and(|text| text.starts_with("request: 400")), "{bad}");
    let missing = run("enableUser", Some("ann"), "admin", "", &[None], None);
    assert_eq!(missing, json!("answer: 400 Validation Failed: 1: only existing users can be enabled;"));

    let found = run("deleteUser", Some("joe"), "admin", "", &[Some(record)], None);
    assert_eq!(
        found["out"],
        json!({"delete": users::user_key("joe"), "forget": "joe", "status": 200, "body": {"found": true}})
    );
    let missing = run("deleteUser", Some("ann"), "admin", "", &[None], None);
    assert_eq!(missing["out"], json!({"delete": null, "forget": "ann", "status": 404, "body": {"found": false}}));
    let reserved = run("deleteUser", Some("elastic"), "admin", "", &[None], None);
    assert_eq!(reserved, json!("reads: 400 user [elastic] is reserved and cannot be deleted"));
}

#[test]
fn change_password_names_the_caller_as_target() {
    let record = run("putUser", Some("joe"), "admin", BODY, &[None], Some(HASH))["out"]["put"]["value"].clone();
    let own = run("changePassword", None, "joe", r#"{"password":"another-password"}"#, &[record.as_str()], Some(HASH));
    assert_eq!((&own["action"], &own["target"]), (&json!("changePassword"), &json!("joe")));
    assert_eq!(own["plan"], json!({"key": users::user_key("joe")}));
    assert_eq!((&own["out"]["forget"], &own["out"]["body"]), (&json!("joe"), &json!({})));
    let missing =
        run("changePassword", Some("ann"), "admin", r#"{"password":"another-password"}"#, &[None], Some(HASH));
    assert!(missing.as_str().is_some_and(|text| text.starts_with("answer: 4")), "{missing}");
    assert!(run("changePassword", None, "joe", "", &[None], None)
        .as_str()
        .is_some_and(|t| t.starts_with("request: 400")));
}

#[test]
fn roles_put_get_delete() {
    let put = run("putRole", Some("reader"), "admin", r#"{"cluster":["monitor"]}"#, &[None], None);
    assert_eq!(put["plan"], json!({"key": native_roles::role_key("reader")}));
    assert_eq!(put["out"]["put"]["key"], json!(native_roles::role_key("reader")));
    assert_eq!((&put["out"]["status"], &put["out"]["body"]), (&json!(200), &json!({"role": {"created": true}})));
    assert!(run("putRole", Some("reader"), "admin", r#"{"cluster":"x"}"#, &[None], None)
        .as_str()
        .is_some_and(|text| text.starts_with("request: 400")));
    let reserved = run("deleteRole", Some("superuser"), "admin", "", &[None], None);
    assert!(reserved.as_str().is_some_and(|text| text.starts_with("reads: 400")), "{reserved}");
    let missing = run("deleteRole", Some("reader"), "admin", "", &[None], None);
    assert_eq!(missing["out"], json!({"delete": null, "forget": null, "status": 404, "body": {"found": false}}));

    let listing = run("getUsers", None, "admin", "", &[], None);
    assert!(listing["plan"].get("prefix").is_some(), "{listing}");
    let state = json!({"name": "reader"});
    assert_eq!(reads("getRoles", &state, "admin").ok(), Some(json!({"keys": [native_roles::role_key("reader")]})));
    let stored = put["out"]["put"]["value"].as_str();
    let found = run("getRoles", Some("reader"), "admin", "", &[stored], None);
    assert_eq!((&found["out"]["status"], found["out"]["body"].get("reader").is_some()), (&json!(200), true), "{found}");
    let missing = run("getRoles", Some("reader"), "admin", "", &[None], None);
    assert!(missing.as_str().is_some_and(|text| text.starts_with("answer: 404")), "{missing}");
    assert_eq!(
        run("nope", None, "admin", "", &[], None),
        json!("request: 400 [nope] is not an endpoint of the native realm")
    );
}
