//! Native roles in the store (§11): their keys and records, and the two steps of GET and DELETE
//! around the host's KV reads. A record is `{"name", "descriptor"}` under `role:` and the full
//! SHA-256 of the name (names run to 507 characters; KV keys to 512 bytes).
//!
//! Like the user listing, a role listing is bounded (1,000 KV operations per Worker request):
//! at most [`MAX_LISTED_ROLES`] native roles, at most [`MAX_NAMED_ROLES`] names per request.

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, Reply};
use crate::roles::{is_reserved_role, SUPERUSER};
use crate::user_lookup::usernames as names_of;
use crate::users::full_digest;

const ROLE_KEY_PREFIX: &str = "role:";
pub const MAX_NAMED_ROLES: usize = 1000;
pub const MAX_LISTED_ROLES: usize = 10_000;

pub fn role_key(name: &str) -> String {
    format!("{ROLE_KEY_PREFIX}{}", full_digest(name))
}

/// The record to store for `name`, and whether it is new (`existing` is the value read).
pub fn record(name: &str, descriptor: Map<String, Value>, existing: Option<&str>) -> Value {
    let record = json!({"name": name, "descriptor": descriptor}).to_string();
    json!({"record": record, "created": existing.is_none()})
}

/// A stored record as `(name, descriptor)`; `None` for one that does not parse (never written
/// by this service; it is then treated as absent).
pub fn read_record(text: &str) -> Option<(String, Value)> {
    let mut value: Value = serde_json::from_str(text).ok()?;
    let name = value.get("name")?.as_str()?.to_string();
    let descriptor = value.get_mut("descriptor")?.take();
    descriptor.is_object().then_some((name, descriptor))
}

/// ES's built-in descriptor of a reserved role GET answers with (`superuser`; the others are
/// reserved names only, see docs/service.md).
fn reserved_descriptor(name: &str) -> Option<Value> {
    // Kept as text: parsing it costs the wasm less than building it.
    const SUPERUSER_DESCRIPTOR: &str = r#"{"cluster":["all"],
        "indices":[{"names":["*"],"privileges":["all"],"allow_restricted_indices":false},
            {"names":["*"],"privileges":["monitor","read","view_index_metadata","read_cross_cluster"],"allow_restricted_indices":true}],
        "applications":[{"application":"*","privileges":["*"],"resources":["*"]}],
        "run_as":["*"],"metadata":{"_reserved":true},"transient_metadata":{"enabled":true}}"#;
    if name == SUPERUSER {
        serde_json::from_str(SUPERUSER_DESCRIPTOR).ok()
    } else {
        None
    }
}

/// What GET /_security/role[/{names}] reads: `{"prefix", "max_roles"}` to list, or `{"keys"}`
/// for the named roles that are not built in; ES's 400 past [`MAX_NAMED_ROLES`].
pub fn lookup(names: Option<&str>) -> Result<Value, Reply> {
    let Some(list) = names else {
        return Ok(json!({"prefix": ROLE_KEY_PREFIX, "max_roles": MAX_LISTED_ROLES}));
    };
    let names = named(list)?;
    let mut keys: Vec<String> = Vec::new();
    for key in names.iter().filter(|name| !is_reserved_role(name)).map(|name| role_key(name)) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(json!({ "keys": keys }))
}

fn named(list: &str) -> Result<Vec<String>, Reply> {
    let names = names_of(list);
    if names.len() > MAX_NAMED_ROLES {
        return Err(illegal_argument(format!(
            "cannot get more than [{MAX_NAMED_ROLES}] roles in one request, got [{}] names",
            names.len()
        )));
    }
    Ok(names)
}

/// GET's answer from the values read (in the order of [`lookup`]'s keys, or of the listing):
/// the roles found by name, built-in ones first; 404 `{}` when names were given and none exists.
pub fn views(names: Option<&str>, values: &[Option<String>]) -> Reply {
    let stored: Vec<(String, Value)> = values.iter().flatten().filter_map(|text| read_record(text)).collect();
    let mut body = Map::new();
    let Some(list) = names else {
        if values.len() > MAX_LISTED_ROLES {
            return illegal_argument(format!("cannot list more than [{MAX_LISTED_ROLES}] roles"));
        }
        body.insert(SUPERUSER.to_string(), reserved_descriptor(SUPERUSER).unwrap_or_default());
        // In the order listed, as ES answers in its search's order (no sort).
        body.extend(stored);
        return Reply::ok(Value::Object(body));
    };
    let names = match named(list) {
        Ok(names) => names,
        Err(reply) => return reply,
    };
    for name in &names {
        let found = reserved_descriptor(name)
            .or_else(|| stored.iter().find(|(stored_name, _)| stored_name == name).map(|(_, d)| d.clone()));
        if let Some(descriptor) = found {
            body.insert(name.clone(), descriptor);
        }
    }
    let status = if body.is_empty() { 404 } else { 200 };
    Reply::new(status, Value::Object(body))
}

/// ES's 400 for deleting a built-in role, or `None`.
pub fn delete_problem(name: &str) -> Option<Reply> {
    is_reserved_role(name).then(|| illegal_argument(format!("role [{name}] is reserved and cannot be deleted")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(name: &str, cluster: &[&str]) -> Option<String> {
        let record = record(name, json!({"cluster": cluster}).as_object().cloned().unwrap_or_default(), None);
        record["record"].as_str().map(str::to_string)
    }

    #[test]
    fn keys_hide_the_name_and_fit_kv() {
        let key = role_key(&"r".repeat(507));
        assert!(key.starts_with("role:") && key.len() == 5 + 43);
        assert_ne!(role_key("a"), role_key("b"));
    }

    #[test]
    fn get_by_name_answers_found_roles_and_404_for_none() {
        let values = [stored("ops", &["manage_token"]), None];
        let reply = views(Some("ops,missing,superuser"), &values);
        assert_eq!(reply.status, 200);
        let names: Vec<&String> = reply.body.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(names, ["ops", "superuser"]);
        assert_eq!(reply.body["superuser"]["metadata"]["_reserved"], json!(true));
        let none = views(Some("missing"), &[None]);
        assert_eq!((none.status, none.body), (404, json!({})));
    }

    #[test]
    fn listing_puts_built_in_roles_first_then_native_ones_as_listed() {
        let reply = views(None, &[stored("zeta", &[]), None, stored("alpha", &["monitor"])]);
        let names: Vec<&String> = reply.body.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(names, ["superuser", "zeta", "alpha"]);
    }

    #[test]
    fn reserved_roles_are_not_read_and_not_deleted() {
        assert_eq!(
            lookup(Some("superuser,kibana_system,ops")).map(|v| v["keys"].clone()),
            Ok(json!([role_key("ops")]))
        );
        let refused = delete_problem("superuser").map(|r| r.body["error"]["reason"].clone());
        assert_eq!(refused, Some(json!("role [superuser] is reserved and cannot be deleted")));
        assert!(delete_problem("ops").is_none());
    }
}
