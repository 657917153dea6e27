//! A role descriptor in a PUT /_security/role/{name} body (§14), parsed as ES's
//! `RoleDescriptor.parse` parses it and validated as `PutRoleRequest.validate` validates it, both
//! before authorization; the result is the descriptor as GET shows it (`toXContent`).

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, request_body_required, validation_error, validation_reason, Cause, Reply};
use crate::json_value::parse_strict;
use crate::native_roles::{is_reserved, MAX_NATIVE_NAME};
use crate::privileges::{
    comma_list, is_known_index_privilege, is_known_privilege, unknown_index_privilege, CLUSTER_PRIVILEGES,
};
use crate::put_user::{parse_exception, token_name};
use crate::roles::lowercase;

/// ES's role-name rule message (`Validation.Roles`) for names of at most `max` characters.
pub fn name_rule(max: usize) -> String {
    format!(
        "Role names must be at least 1 and no more than {max} characters. They can contain alphanumeric characters \
         (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or \
         trailing whitespace is not allowed."
    )
}

/// ES's role-name rule: 1 to `max` printable ASCII characters, no leading or trailing space.
pub fn valid_name(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len())
        && name.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !name.starts_with(' ')
        && !name.ends_with(' ')
}

/// The body of PUT /_security/role/{name}: the descriptor to store, as GET shows it, or ES's
/// 400 (the parser's, then `PutRoleRequest.validate`'s, all before authorization).
pub fn parse_put(name: &str, text: &str) -> Result<Value, Reply> {
    if !valid_name(name, 1024) {
        let reason = validation_reason(&[name_rule(1024)]);
        return Err(Cause::new("validation_exception", reason).into_reply(400));
    }
    if text.is_empty() {
        return Err(request_body_required());
    }
    let Value::Object(members) = parse_strict(text)? else {
        let found = parse_strict(text).map(|v| token_name(&v)).unwrap_or("");
        return Err(parse_exception(format!(
            "failed to parse role [{name}]. expected an object but found [{found}] instead"
        )));
    };
    let role = Descriptor::read(name, members)?;
    let problems = role.problems(name);
    if !problems.is_empty() {
        return Err(validation_error(&problems));
    }
    Ok(role.to_value())
}

/// A role descriptor read from a body.
#[derive(Default)]
struct Descriptor {
    cluster: Vec<String>,
    global: Option<Value>,
    indices: Vec<Value>,
    applications: Vec<Value>,
    run_as: Vec<String>,
    metadata: Map<String, Value>,
    remote_indices: Vec<Value>,
    remote_cluster: Vec<Value>,
    description: Option<String>,
}

/// ES's `readStringArray` under a role's (or a privileges check's) name: an array of strings,
/// `None` for `null` when `allow_null`; else `failed to parse role [<name>]` caused by the
/// field's problem, which is also the root cause.
pub fn string_array(name: &str, field: &str, value: &Value, allow_null: bool) -> Result<Option<Vec<String>>, Reply> {
    let problem = match value {
        Value::Null if allow_null => return Ok(None),
        Value::Null => "found null value instead".to_string(),
        Value::Array(items) => match items.iter().find(|item| !item.is_string()) {
            None => return Ok(Some(items.iter().filter_map(Value::as_str).map(String::from).collect())),
            Some(other) => format!("one of the value in the array is [{}]", token_name(other)),
        },
        other => format!("found [{}] value instead", token_name(other)),
    };
    let inner = Cause::new(
        "parse_exception",
        format!("could not parse [{field}] field. expected a string array but {problem}"),
    );
    let root = inner.to_json(false);
    let mut reply = parse_exception(format!("failed to parse role [{name}]"));
    if let Some(Value::Object(error)) = reply.body.get_mut("error") {
        error.insert("root_cause".into(), json!([root]));
        error.insert("caused_by".into(), inner.to_json(true));
    }
    Err(reply)
}

impl Descriptor {
    fn read(name: &str, members: Map<String, Value>) -> Result<Descriptor, Reply> {
        let mut role = Descriptor::default();
        let unexpected =
            |field: &str| parse_exception(format!("failed to parse role [{name}]. unexpected field [{field}]"));
        for (field, value) in members {
            match field.as_str() {
                "cluster" => role.cluster = string_array(name, &field, &value, true)?.unwrap_or_default(),
                "run_as" => role.run_as = string_array(name, &field, &value, true)?.unwrap_or_default(),
                "indices" | "index" => role.indices = indices(name, &field, &value, false)?,
                "remote_indices" => role.remote_indices = indices(name, &field, &value, true)?,
                "remote_cluster" => role.remote_cluster = remote_cluster(name, &value)?,
                "applications" | "application" => role.applications = applications(name, &value)?,
                "global" if value.is_object() => role.global = Some(value),
                "metadata" => match value {
                    Value::Object(metadata) => role.metadata = metadata,
                    other => {
                        return Err(parse_exception(format!(
                            "expected field [metadata] to be of type object, but found [{}] instead",
                            token_name(&other)
                        )))
                    }
                },
                "transient_metadata" if value.is_object() => {}
                "description" => match value {
                    Value::String(text) => role.description = Some(text),
                    Value::Null => {}
                    _ => return Err(unexpected(&field)),
                },
                "type" => {}
                _ => return Err(unexpected(&field)),
            }
        }
        Ok(role)
    }

    /// `PutRoleRequest.validate`: the name (reserved ones too), the cluster privileges, the
    /// metadata keys, the description's length.
    fn problems(&self, name: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !valid_name(name, MAX_NATIVE_NAME) {
            problems.push(name_rule(MAX_NATIVE_NAME));
        } else if is_reserved(name) {
            problems.push(format!("Role [{name}] is reserved and may not be used."));
        }
        for privilege in &self.cluster {
            let lower = lowercase(privilege);
            if !is_known_privilege(&lower) {
                problems.push(format!(
                    "unknown cluster privilege [{lower}]. a privilege must be either one of the predefined cluster \
                     privilege names [{}] or a pattern over one of the available cluster actions",
                    comma_list(&CLUSTER_PRIVILEGES)
                ));
            }
        }
        let groups = self.indices.iter().chain(&self.remote_indices);
        for privilege in groups.flat_map(|group| strings(group.get("privileges"))) {
            let lower = lowercase(privilege);
            if !is_known_index_privilege(&lower) {
                problems.push(unknown_index_privilege(&lower));
            }
        }
        let aliases = self.remote_indices.iter().flat_map(|group| strings(group.get("clusters")));
        if aliases.into_iter().any(str::is_empty) {
            problems.push("remote index cluster alias cannot be an empty string".to_string());
        }
        if self.metadata.keys().any(|key| key.starts_with('_')) {
            problems.push("metadata keys may not start with [_]".to_string());
        }
        if self.description.as_ref().is_some_and(|d| d.encode_utf16().count() > 1000) {
            problems.push("Role description must be less than 1000 characters.".to_string());
        }
        problems
    }

    /// ES's `RoleDescriptor.toXContent` for display.
    fn to_value(&self) -> Value {
        let mut out = Map::new();
        out.insert("cluster".into(), json!(self.cluster));
        if let Some(global) = &self.global {
            out.insert("global".into(), global.clone());
        }
        out.insert("indices".into(), Value::Array(self.indices.clone()));
        out.insert("applications".into(), Value::Array(self.applications.clone()));
        out.insert("run_as".into(), json!(self.run_as));
        out.insert("metadata".into(), Value::Object(self.metadata.clone()));
        out.insert("transient_metadata".into(), json!({"enabled": true}));
        for (key, groups) in [("remote_indices", &self.remote_indices), ("remote_cluster", &self.remote_cluster)] {
            if !groups.is_empty() {
                out.insert(key.into(), Value::Array(groups.clone()));
            }
        }
        if let Some(description) = &self.description {
            out.insert("description".into(), json!(description));
        }
        Value::Object(out)
    }
}

/// The objects of the array `field` holds, or ES's parse exception (`prefix` opens its message).
fn objects<'a>(prefix: &str, field: &str, value: &'a Value) -> Result<Vec<&'a Map<String, Value>>, Reply> {
    let Value::Array(entries) = value else {
        return Err(parse_exception(format!(
            "{prefix} expected field [{field}] value to be an array, but found [{}] instead",
            token_name(value)
        )));
    };
    // Loops rather than `collect::<Result<Vec<_>, _>>()` here and in `applications`: each such
    // collect is one more monomorphised iterator adapter in the wasm.
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some(members) = entry.as_object() else {
            return Err(parse_exception(format!(
                "{prefix} expected field [{field}] value to be an array of objects, but found an array element of type [{}]",
                token_name(entry)
            )));
        };
        out.push(members);
    }
    Ok(out)
}

/// `indices` (or `remote_indices`, each with its `clusters`) entries, checked as ES's parser
/// checks them, in ES's display form.
fn indices(name: &str, field: &str, value: &Value, remote: bool) -> Result<Vec<Value>, Reply> {
    let kind = if remote { "remote indices" } else { "indices" };
    let prefix = format!("failed to parse {kind} privileges for role [{name}].");
    let mut out = Vec::new();
    for members in objects(&prefix, field, value)? {
        let (mut names, mut privileges, mut restricted) = (None, None, false);
        let (mut query, mut field_security, mut clusters) = (None, None, None);
        for (key, value) in members {
            match (key.as_str(), value) {
                ("names", Value::String(one)) => names = Some(vec![one.clone()]),
                ("names", Value::Array(_)) => {
                    let list = string_array(name, key, value, false)?.unwrap_or_default();
                    if list.is_empty() {
                        return Err(parse_exception(format!("{prefix} [names] cannot be an empty array")));
                    }
                    names = Some(list);
                }
                ("names", other) => {
                    return Err(parse_exception(format!(
                        "{prefix} expected field [names] value to be a string or an array of strings, but found [{}] instead",
                        token_name(other)
                    )))
                }
                ("privileges", value) => privileges = string_array(name, key, value, true)?,
                ("allow_restricted_indices", Value::Bool(flag)) => restricted = *flag,
                ("allow_restricted_indices", other) => {
                    return Err(parse_exception(format!(
                        "{prefix} expected field [allow_restricted_indices] value to be a boolean, but found [{}] instead",
                        token_name(other)
                    )))
                }
                ("query", Value::Null) => {}
                ("query", Value::String(text)) => query = (!text.is_empty()).then(|| text.clone()),
                ("query", Value::Object(_)) => query = Some(value.to_string()),
                ("field_security", Value::Object(_)) => field_security = Some(value.clone()),
                ("clusters", value) if remote => clusters = string_array(name, key, value, true)?,
                _ => return Err(parse_exception(format!("{prefix} unexpected field [{key}]"))),
            }
        }
        let Some(names) = names else {
            return Err(parse_exception(format!("{prefix} missing required [names] field")));
        };
        let Some(privileges) = privileges else {
            return Err(parse_exception(format!("{prefix} missing required [privileges] field")));
        };
        if remote && clusters.is_none() {
            return Err(parse_exception(format!("{prefix} missing required [clusters] field")));
        }
        let mut group = Map::new();
        group.insert("names".into(), json!(names));
        group.insert("privileges".into(), json!(privileges));
        if let Some(field_security) = field_security {
            group.insert("field_security".into(), field_security);
        }
        if let Some(query) = query {
            group.insert("query".into(), json!(query));
        }
        group.insert("allow_restricted_indices".into(), json!(restricted));
        if let Some(clusters) = clusters {
            group.insert("clusters".into(), json!(clusters));
        }
        out.push(Value::Object(group));
    }
    Ok(out)
}

/// `applications` entries: `application`, `privileges`, `resources`, each required.
fn applications(name: &str, value: &Value) -> Result<Vec<Value>, Reply> {
    let prefix = format!("failed to parse application privileges for role [{name}].");
    let Value::Array(entries) = value else {
        return Err(parse_exception(format!("{prefix} expected an array but found [{}] instead", token_name(value))));
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let application = entry.get("application").and_then(Value::as_str);
        let list =
            |field: &str| entry.get(field).and_then(|v| string_array(name, field, v, true).transpose()).transpose();
        match (application, list("privileges")?, list("resources")?) {
            (Some(application), Some(privileges), Some(resources)) => {
                out.push(json!({"application": application, "privileges": privileges, "resources": resources}));
            }
            _ => {
                return Err(parse_exception(format!(
                    "{prefix} missing required [application], [privileges] or [resources] field"
                )))
            }
        }
    }
    Ok(out)
}

/// The strings of a JSON array (none for anything else).
fn strings(value: Option<&Value>) -> Vec<&str> {
    value.and_then(Value::as_array).map(|items| items.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The cluster privileges a role may grant on remote clusters (ES 9's
/// `RemoteClusterPermissions.getSupportedRemoteClusterPermissions`).
const REMOTE_CLUSTER_PRIVILEGES: [&str; 2] = ["monitor_enrich", "monitor_stats"];

/// `remote_cluster` entries (`privileges` and `clusters`), checked as ES's
/// `RemoteClusterPermissions.parse` checks them.
fn remote_cluster(name: &str, value: &Value) -> Result<Vec<Value>, Reply> {
    let prefix = format!("failed to parse remote_cluster for role [{name}].");
    let mut out = Vec::new();
    for members in objects(&prefix, "remote_cluster", value)? {
        let (mut privileges, mut clusters) = (None, None);
        for (key, value) in members {
            match key.as_str() {
                "privileges" => privileges = string_array(name, key, value, false)?,
                "clusters" => clusters = string_array(name, key, value, false)?,
                _ => return Err(parse_exception(format!("{prefix} unexpected field [{key}]"))),
            }
        }
        let (privileges, clusters) = match (privileges, clusters) {
            (Some(privileges), Some(clusters)) => (privileges, clusters),
            (Some(_), None) => {
                return Err(parse_exception(format!(
                    "{prefix} [clusters] must be defined when [privileges] are defined"
                )))
            }
            (None, Some(_)) => {
                return Err(parse_exception(format!(
                    "{prefix} [privileges] must be defined when [clusters] are defined"
                )))
            }
            (None, None) => return Err(illegal_argument("remote cluster groups must not be null or empty")),
        };
        if privileges.is_empty() || clusters.is_empty() {
            return Err(illegal_argument("remote cluster groups must not be null or empty"));
        }
        if privileges.iter().any(|p| !REMOTE_CLUSTER_PRIVILEGES.contains(&lowercase(p).as_str())) {
            return Err(parse_exception(format!(
                "{prefix} [monitor_enrich, monitor_stats] are the only values allowed for [privileges] within \
                 [remote_cluster]. Found [{}]",
                privileges.join(", ")
            )));
        }
        if clusters.iter().any(String::is_empty) {
            return Err(illegal_argument(
                "remote_cluster clusters aliases must contain valid non-empty, non-null values",
            ));
        }
        out.push(json!({"privileges": privileges, "clusters": clusters}));
    }
    Ok(out)
}
