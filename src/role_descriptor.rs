//! The body of PUT/POST /_security/role/{name}: an ES role descriptor, parsed as ES's
//! `RoleDescriptor.parse` reads it and validated as `PutRoleRequest.validate` does (the role
//! name, then `RoleDescriptorRequestValidator`: cluster privileges, index privileges, metadata
//! keys, the description), into the descriptor ES stores and answers GET with (§11).
//!
//! Every member ES's REST layer accepts is kept as given (`indices` with `names`, `privileges`,
//! `field_security`, `query`, `allow_restricted_indices`; `applications`; `run_as`; `metadata`;
//! `description`; `remote_indices`, `remote_cluster`, `global`, `restriction`); only `cluster`
//! is enforced by this service, which guards no indices.

use serde_json::{json, Map, Value};

use crate::errors::{validation_error, Cause, Reply};
use crate::json_value::parse_strict;
use crate::privileges::{self, CLUSTER_PRIVILEGES};
use crate::roles::{is_reserved_role, lowercase};

/// ES's `NativeRealmValidationUtil.MAX_NAME_LENGTH` for native role names.
pub const MAX_ROLE_NAME_CHARS: usize = 507;
/// ES's limit on a role's `description`.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// ES's fixed index privileges (`IndexPrivilege`), for validation; an `indices:` action
/// pattern is accepted too.
const INDEX_PRIVILEGES: [&str; 24] = [
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

/// Members ES's role parser reads, in the order GET writes them.
const STRING_ARRAYS: [&str; 2] = ["cluster", "run_as"];
const OBJECT_ARRAYS: [&str; 3] = ["indices", "applications", "remote_indices"];
const OBJECTS: [&str; 5] = ["metadata", "transient_metadata", "global", "remote_cluster", "restriction"];

/// The descriptor to store for role `name`, from the request body; or ES's 400.
pub fn parse(name: &str, text: &str) -> Result<Map<String, Value>, Reply> {
    let members = match parse_strict(text)? {
        Value::Object(members) => members,
        _ => return Err(parse_failure(name, "expected an object")),
    };
    let mut descriptor = Map::new();
    for (field, value) in members {
        descriptor.insert(field.clone(), read_member(name, &field, value)?);
    }
    let problems = validate(name, &descriptor);
    if !problems.is_empty() {
        return Err(validation_error(&problems));
    }
    Ok(normalized(descriptor))
}

fn read_member(name: &str, field: &str, value: Value) -> Result<Value, Reply> {
    let expected = if STRING_ARRAYS.contains(&field) {
        "an array of strings"
    } else if OBJECT_ARRAYS.contains(&field) {
        "an array of objects"
    } else if OBJECTS.contains(&field) {
        "an object"
    } else if field == "description" {
        "a string"
    } else {
        return Err(parse_failure(name, &format!("unexpected field [{field}]")));
    };
    let fits = match (&value, expected) {
        (Value::Null, _) => true,
        (Value::Array(items), "an array of strings") => items.iter().all(Value::is_string),
        (Value::Array(items), "an array of objects") => items.iter().all(Value::is_object),
        (Value::Object(_), "an object") | (Value::String(_), "a string") => true,
        _ => false,
    };
    if !fits {
        return Err(parse_failure(name, &format!("field [{field}] must be {expected}")));
    }
    if field == "indices" {
        if let Value::Array(entries) = &value {
            for entry in entries {
                check_indices_entry(name, entry)?;
            }
        }
    }
    Ok(value)
}

/// An `indices` entry needs `names` and `privileges` (ES's parse error otherwise).
fn check_indices_entry(name: &str, entry: &Value) -> Result<(), Reply> {
    for required in ["names", "privileges"] {
        let present = match entry.get(required) {
            Some(Value::String(_)) => required == "names",
            Some(Value::Array(items)) => items.iter().all(Value::is_string),
            _ => false,
        };
        if !present {
            return Err(parse_failure(
                name,
                &format!("missing required [{required}] field or it is not an array of strings"),
            ));
        }
    }
    Ok(())
}

/// ES's parse failure for a role body (an `ElasticsearchParseException`).
fn parse_failure(name: &str, detail: &str) -> Reply {
    Cause::new("parse_exception", format!("failed to parse role [{name}]. {detail}")).into_reply(400)
}

/// `PutRoleRequest.validate`: the name, then each part of the descriptor, every problem listed.
fn validate(name: &str, descriptor: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(problem) = role_name_problem(name) {
        problems.push(problem);
    }
    for privilege in strings(descriptor.get("cluster")) {
        let lower = lowercase(privilege);
        if !privileges::is_known_privilege(&lower) {
            problems.push(format!(
                "unknown cluster privilege [{lower}]. a privilege must be either one of the predefined cluster \
                 privilege names [{}] or a pattern over one of the available cluster actions",
                privileges::comma_list(&CLUSTER_PRIVILEGES)
            ));
        }
    }
    for entry in descriptor.get("indices").and_then(Value::as_array).into_iter().flatten() {
        for privilege in strings(entry.get("privileges")) {
            let lower = lowercase(privilege);
            if !INDEX_PRIVILEGES.contains(&lower.as_str()) && !lower.starts_with("indices:") {
                problems.push(format!(
                    "unknown index privilege [{lower}]. a privilege must be either one of the predefined fixed \
                     indices privileges [{}] or a pattern over one of the available index actions",
                    privileges::comma_list(&INDEX_PRIVILEGES)
                ));
            }
        }
    }
    let metadata = descriptor.get("metadata").and_then(Value::as_object);
    if metadata.is_some_and(|members| members.keys().any(|key| key.starts_with('_'))) {
        problems.push("role descriptor metadata keys may not start with [_]".to_string());
    }
    let description = descriptor.get("description").and_then(Value::as_str).unwrap_or("");
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        problems.push(format!("Role description must be less than {MAX_DESCRIPTION_CHARS} characters."));
    }
    problems
}

/// ES's problem with a native role's name: its length and characters, or a reserved name.
pub fn role_name_problem(name: &str) -> Option<String> {
    let printable = name.bytes().all(|b| (0x20..=0x7e).contains(&b));
    let length = name.chars().count();
    if !(1..=MAX_ROLE_NAME_CHARS).contains(&length) || !printable || name.starts_with(' ') || name.ends_with(' ') {
        return Some(format!(
            "Role names must be at least 1 and no more than {MAX_ROLE_NAME_CHARS} characters. They can contain \
             alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin \
             (ASCII) block. Leading or trailing whitespace is not allowed."
        ));
    }
    is_reserved_role(name).then(|| format!("Role [{name}] is reserved and may not be used."))
}

fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// The descriptor as ES writes it back: `cluster`, `indices`, `applications`, `run_as`,
/// `metadata`, `transient_metadata` always present (empty when not given, `enabled: true` for
/// the transient part), `description` only when given; each `indices` entry with `names` as an
/// array and `allow_restricted_indices` (false unless given).
fn normalized(given: Map<String, Value>) -> Map<String, Value> {
    let present = |field: &str| given.get(field).filter(|v| !v.is_null()).cloned();
    let mut out = Map::new();
    for field in ["cluster", "indices", "applications", "run_as"] {
        out.insert(field.to_string(), present(field).unwrap_or_else(|| json!([])));
    }
    if let Some(Value::Array(entries)) = out.get_mut("indices") {
        entries.iter_mut().filter_map(Value::as_object_mut).for_each(normalize_indices_entry);
    }
    out.insert("metadata".to_string(), present("metadata").unwrap_or_else(|| json!({})));
    out.insert("transient_metadata".to_string(), json!({"enabled": true}));
    for (field, value) in given {
        if !value.is_null() && !out.contains_key(&field) {
            out.insert(field, value);
        }
    }
    out
}

fn normalize_indices_entry(entry: &mut Map<String, Value>) {
    if let Some(Value::String(one)) = entry.get("names").cloned() {
        entry.insert("names".to_string(), json!([one]));
    }
    entry.entry("allow_restricted_indices").or_insert(Value::Bool(false));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(reply: &Reply) -> String {
        reply.body["error"]["reason"].as_str().unwrap_or_default().to_string()
    }

    #[test]
    fn a_full_descriptor_is_kept_and_completed_as_es_answers_it() {
        let body = r#"{"cluster":["manage_token"],"indices":[{"names":"logs-*","privileges":["read"],
            "field_security":{"grant":["a"]},"query":"{\"match_all\":{}}"}],"run_as":["bob"],
            "metadata":{"team":"x"},"description":"d"}"#;
        let descriptor = parse("ops", body).map_err(|r| reason(&r));
        let expected = json!({
            "cluster":["manage_token"],
            "indices":[{"names":["logs-*"],"privileges":["read"],"field_security":{"grant":["a"]},
                "query":"{\"match_all\":{}}","allow_restricted_indices":false}],
            "applications":[],"run_as":["bob"],"metadata":{"team":"x"},
            "transient_metadata":{"enabled":true},"description":"d"});
        assert_eq!(descriptor.map(Value::Object), Ok(expected));
    }

    #[test]
    fn an_empty_descriptor_has_every_part_empty() {
        let descriptor = parse("empty", "{}").map(Value::Object).map_err(|r| reason(&r));
        let expected = json!({"cluster":[],"indices":[],"applications":[],"run_as":[],"metadata":{},
            "transient_metadata":{"enabled":true}});
        assert_eq!(descriptor, Ok(expected));
    }

    #[test]
    fn validation_lists_every_problem_in_es_order() {
        let body =
            r#"{"cluster":["mange_token"],"indices":[{"names":["a"],"privileges":["reed"]}],"metadata":{"_x":1}}"#;
        let problems = parse("superuser", body).map(|_| String::new()).unwrap_or_else(|r| reason(&r));
        assert!(problems.starts_with("Validation Failed: 1: Role [superuser] is reserved and may not be used.;2: unknown cluster privilege [mange_token]."), "{problems}");
        assert!(problems.contains(";3: unknown index privilege [reed]."), "{problems}");
        assert!(problems.ends_with(";4: role descriptor metadata keys may not start with [_];"), "{problems}");
    }

    #[test]
    fn parse_errors_name_the_role_and_the_field() {
        let unexpected = parse("r", r#"{"clusters":[]}"#).map(|_| String::new()).unwrap_or_else(|r| reason(&r));
        assert_eq!(unexpected, "failed to parse role [r]. unexpected field [clusters]");
        let wrong = parse("r", r#"{"cluster":"all"}"#).map(|_| String::new()).unwrap_or_else(|r| reason(&r));
        assert_eq!(wrong, "failed to parse role [r]. field [cluster] must be an array of strings");
        let no_names = parse("r", r#"{"indices":[{"privileges":["read"]}]}"#)
            .map(|_| String::new())
            .unwrap_or_else(|r| reason(&r));
        assert!(no_names.contains("missing required [names] field"), "{no_names}");
        assert!(parse("r", "[]").is_err() && parse("r", "{\"cluster\":[],\"cluster\":[]}").is_err());
    }

    #[test]
    fn names_follow_es_rules() {
        assert!(role_name_problem("ops team-1").is_none());
        assert!(role_name_problem("").is_some() && role_name_problem(" x").is_some());
        assert!(role_name_problem(&"a".repeat(507)).is_none() && role_name_problem(&"a".repeat(508)).is_some());
        assert!(role_name_problem("caf\u{e9}").is_some());
    }
}
