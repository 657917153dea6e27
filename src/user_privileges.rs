//! What may I do (§13): `GET /_security/user/_privileges` and `GET`/`POST
//! /_security/user/_has_privileges`, as ES's `RBACEngine` (`buildUserPrivilegesResponseObject`,
//! `checkPrivileges`), `RoleDescriptor.parsePrivilegesToCheck` and `HasPrivilegesResponse` rule
//! them, for the caller's effective roles. Every user may ask both about themselves (ES's
//! same-user privileges): no authorization.
//!
//! ES decides by comparing action automata; here a privilege held grants one asked for when it is
//! the same, `all`, or one ES's definitions make a superset of it (`privilege_names`, §19), and an
//! index pattern held covers a name asked for by ES's wildcards or, written `/.../`, a Lucene
//! regular expression (`lucene_regexp`); a pattern asked for is covered by the same pattern or a
//! shorter `prefix*`. Application privileges are granted to `superuser` only.

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, Cause, Reply};
use crate::json_value::parse_strict;
use crate::lucene_regexp::{Regexps, TooComplex};
use crate::privileges::{
    authorize_principal, cluster_implies, comma_list, index_implies, is_action_pattern, is_known_index_privilege,
    is_known_privilege, pattern_matches, unknown_index_privilege, wildcard_matches, Action, CLUSTER_PRIVILEGES,
};
pub use crate::privileges_listing::user_privileges;
use crate::put_user::{parse_exception, token_name};
use crate::role_descriptor::string_array;
use crate::roles::{lowercase, IndexGroup, Role, RoleTable, SUPERUSER};

/// The most privilege checks (cluster privileges, and index or resource × privilege pairs) one
/// has-privileges request may ask for.
pub const MAX_CHECKS: usize = 1000;

/// The caller's roles that the table knows, in the order assigned, once each (ES resolves a
/// set of role names; a role named again adds nothing, and a user could name one 100,000 times).
pub(crate) fn effective<'a>(roles: &'a RoleTable, assigned: &'a [String]) -> Vec<(&'a str, &'a Role)> {
    let mut seen = std::collections::BTreeSet::new();
    let known = assigned.iter().filter_map(|name| roles.get(name).map(|role| (name.as_str(), role)));
    known.filter(|(name, _)| seen.insert(*name)).collect()
}

/// Java's `String.compareTo`: UTF-16 code units.
pub(crate) fn java_sorted(mut items: Vec<String>) -> Vec<String> {
    crate::sorting::sort_by(&mut items, |a, b| crate::sorting::java_string_order(a, b));
    items.dedup();
    items
}

/// An `index` entry asked about: `(names, privileges)`.
type IndexCheck = (Vec<String>, Vec<String>);
/// An `application` entry asked about: `(application, resources, privileges)`.
type ApplicationCheck = (String, Vec<String>, Vec<String>);

/// The privileges a has-privileges request asks about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrivilegesCheck {
    cluster: Vec<String>,
    index: Vec<IndexCheck>,
    application: Vec<ApplicationCheck>,
}

/// The body of `_has_privileges` for `username` (the caller), or ES's 400.
pub fn parse_check(username: &str, text: &str) -> Result<PrivilegesCheck, Reply> {
    if text.is_empty() {
        // `contentOrSourceParam`'s words (a `source` query parameter is not read here).
        return Err(parse_exception("request body or source parameter is required".to_string()));
    }
    let prefix = format!("failed to parse privileges check [{username}].");
    let members = match parse_strict(text)? {
        Value::Object(members) => members,
        other => {
            return Err(parse_exception(format!(
                "{prefix} expected an object but found [{}] instead",
                token_name(&other)
            )))
        }
    };
    let mut check = PrivilegesCheck::default();
    let mut seen = false;
    for (field, value) in &members {
        seen = true;
        match field.as_str() {
            "cluster" => check.cluster = string_array(username, field, value, true)?.unwrap_or_default(),
            "index" => check.index = index_entries(username, value)?,
            "application" | "applications" => check.application = application_entries(username, value)?,
            _ => return Err(parse_exception(format!("{prefix} unexpected field [{field}]"))),
        }
    }
    if !seen {
        return Err(parse_exception(format!("{prefix} All privilege fields [cluster,index,applications] are missing")));
    }
    if check.cluster.is_empty() && check.index.is_empty() && check.application.is_empty() {
        return Err(crate::errors::validation_error(&["must specify at least one privilege".to_string()]));
    }
    // Bounded where ES is not, so that one request stays cheap for a Worker (docs/service.md).
    let asked = check.cluster.len()
        + check.index.iter().map(|(names, privileges)| names.len() * privileges.len()).sum::<usize>()
        + check.application.iter().map(|(_, resources, privileges)| resources.len() * privileges.len()).sum::<usize>();
    if asked > MAX_CHECKS {
        return Err(illegal_argument(format!(
            "cannot check more than [{MAX_CHECKS}] privileges in one request, got [{asked}]"
        )));
    }
    Ok(check)
}

fn objects<'a>(username: &str, value: &'a Value, kind: &str) -> Result<&'a Vec<Value>, Reply> {
    value.as_array().ok_or_else(|| {
        parse_exception(format!(
            "failed to parse {kind} privileges for role [{username}]. expected field [{kind}] value to be an array, but found [{}] instead",
            token_name(value)
        ))
    })
}

fn index_entries(username: &str, value: &Value) -> Result<Vec<IndexCheck>, Reply> {
    let prefix = format!("failed to parse indices privileges for role [{username}].");
    let mut out = Vec::new();
    for entry in objects(username, value, "indices")? {
        let Value::Object(members) = entry else {
            return Err(parse_exception(format!("{prefix} expected field [index] value to be an array of objects, but found an array element of type [{}]", token_name(entry))));
        };
        let (mut names, mut privileges) = (None, None);
        for (field, value) in members {
            match field.as_str() {
                "names" if value.is_string() => names = value.as_str().map(|one| vec![one.to_string()]),
                "names" => names = string_array(username, field, value, false)?,
                "privileges" => privileges = string_array(username, field, value, true)?,
                "allow_restricted_indices" if value.is_boolean() => {}
                "query" | "field_security" => {
                    return Err(parse_exception(format!(
                        "Field [{field}] is not supported in a has_privileges request"
                    )))
                }
                _ => return Err(parse_exception(format!("{prefix} unexpected field [{field}]"))),
            }
        }
        let Some(names) = names else {
            return Err(parse_exception(format!("{prefix} missing required [names] field")));
        };
        let Some(privileges) = privileges else {
            return Err(parse_exception(format!("{prefix} missing required [privileges] field")));
        };
        out.push((names, privileges));
    }
    Ok(out)
}

fn application_entries(username: &str, value: &Value) -> Result<Vec<ApplicationCheck>, Reply> {
    let prefix = format!("failed to parse application privileges for role [{username}].");
    let mut out = Vec::new();
    for entry in objects(username, value, "applications")? {
        let read =
            |field: &str| entry.get(field).and_then(|v| string_array(username, field, v, true).transpose()).transpose();
        let application = entry.get("application").and_then(Value::as_str);
        match (application, read("resources")?, read("privileges")?) {
            (Some(application), Some(resources), Some(privileges)) => {
                out.push((application.to_string(), resources, privileges))
            }
            _ => {
                return Err(parse_exception(format!(
                    "{prefix} missing required [application], [resources] or [privileges] field"
                )))
            }
        }
    }
    Ok(out)
}

/// Whether a pattern held covers what is asked for: a name by ES's wildcards, a pattern when it
/// is the same or a longer prefix under a trailing `*`.
fn covers(held: &str, wanted: &str) -> bool {
    if !wanted.contains(['*', '?']) {
        return pattern_matches(held, wanted);
    }
    held == wanted
        || held.strip_suffix('*').is_some_and(|prefix| !prefix.contains(['*', '?']) && wanted.starts_with(prefix))
}

/// Whether the privileges `held` grant the cluster privilege `wanted` (lower-cased).
fn grants_cluster(held: &[&String], wanted: &str) -> bool {
    held.iter().any(|h| {
        let h = h.as_str();
        if !is_action_pattern(wanted) {
            // An action pattern held implies what any privilege implies: those that grant no action,
            // which are what `none` implies.
            let named = if is_action_pattern(h) { "none" } else { h };
            return cluster_implies(named, wanted);
        }
        if h == "all" || (h == "manage" && !wanted.starts_with("cluster:admin/xpack/security")) {
            return true;
        }
        // An action asked for by name: a named privilege grants the actions it lists.
        let by_name = Action::ALL.iter().any(|a| a.name() == wanted && crate::privileges::grants(h, *a));
        by_name || (is_action_pattern(h) && covers(h, wanted))
    })
}

/// ES's restricted indices as far as this service knows them (§19): the system indices of the
/// security plugin (`.security*`) and of the Kibana module.
fn is_restricted(name: &str) -> bool {
    const SYSTEM_INDICES: [&str; 5] =
        [".security*", ".kibana_*", ".reporting-*", ".apm-agent-configuration*", ".apm-custom-link*"];
    SYSTEM_INDICES.iter().any(|pattern| wildcard_matches(pattern, name))
}

fn grants_index(groups: &[&IndexGroup], name: &str, privilege: &str, regexps: &mut Regexps) -> Result<bool, Reply> {
    if privilege == "none" {
        return Ok(true);
    }
    // Once per name, not per group: kibana_system has 71 groups, five wildcards each.
    let restricted = is_restricted(name);
    let relevant = groups.iter().filter(|group| {
        (group.allow_restricted_indices || !restricted)
            && group.privileges.iter().any(|held| index_implies(held, privilege))
    });
    for pattern in relevant.flat_map(|group| group.names.iter()) {
        if covers_index(pattern, name, regexps)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`covers`] for an index pattern held, with ES's 500 for a `/regex/` too complex to match
/// (ES fails to build the role's automaton: Lucene's TooComplexToDeterminizeException), or
/// past the request's regex budget (`regexps`).
fn covers_index(held: &str, wanted: &str, regexps: &mut Regexps) -> Result<bool, Reply> {
    let regexp = held.strip_prefix('/').and_then(|p| p.strip_suffix('/')).filter(|_| held.len() >= 2);
    match regexp {
        Some(regexp) if !wanted.contains(['*', '?']) => regexps.try_matches(regexp, wanted).map_err(|_| {
            Cause::new("too_complex_to_determinize_exception", TooComplex::message(regexp)).into_reply(500)
        }),
        _ => Ok(covers(held, wanted)),
    }
}

/// Java's `HashMap` iteration order for these keys, inserted in this order (first insertion
/// wins the position): ES's has-privileges maps are `HashMap`s, so clients see them this way.
pub fn java_hash_order(keys: Vec<String>) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    let mut capacity: usize = 16;
    while unique.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let bucket = |key: &String| {
        let hash = key.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)));
        ((hash ^ (hash >> 16)) as usize) & (capacity - 1)
    };
    // (bucket, insertion index): sorting these pairs keeps insertion order within a bucket.
    let mut slots: Vec<(usize, usize)> = unique.iter().enumerate().map(|(at, key)| (bucket(key), at)).collect();
    crate::sorting::sort(&mut slots);
    slots.iter().filter_map(|(_, at)| unique.get(*at).cloned()).collect()
}

fn flag_map(entries: Vec<(String, bool)>) -> Map<String, Value> {
    let order = java_hash_order(entries.iter().map(|(key, _)| key.clone()).collect());
    let mut out = Map::new();
    for key in order {
        // Repeats of a key are ANDed, as ES merges resource privileges.
        let granted = entries.iter().filter(|(k, _)| *k == key).all(|(_, g)| *g);
        out.insert(key, json!(granted));
    }
    out
}

/// `_has_privileges`' answer for the caller: `username`, `has_all_requested`, `cluster`, `index`,
/// `application`, in ES's order; ES's 400 for an unknown cluster privilege. One request: its
/// `/regex/` matches share one budget (`lucene_regexp::REQUEST_STEPS`).
pub fn has_privileges(roles: &RoleTable, username: &str, assigned: &[String], check: &PrivilegesCheck) -> Reply {
    has_privileges_within(roles, username, assigned, check, &mut Regexps::default())
}

/// [`has_privileges`] with the request's regular expressions in `regexps`, whose work a test reads.
pub fn has_privileges_within(
    roles: &RoleTable,
    username: &str,
    assigned: &[String],
    check: &PrivilegesCheck,
    regexps: &mut Regexps,
) -> Reply {
    let held = effective(roles, assigned);
    let cluster_held: Vec<&String> = held.iter().flat_map(|(_, role)| role.cluster()).collect();
    let groups: Vec<&IndexGroup> = held.iter().flat_map(|(_, role)| role.indices()).collect();
    let superuser = held.iter().any(|(name, _)| *name == SUPERUSER);
    let mut all = true;
    let mut cluster = Vec::new();
    for asked in &check.cluster {
        let wanted = lowercase(asked);
        if !is_known_privilege(&wanted) {
            return illegal_argument(format!(
                "unknown cluster privilege [{wanted}]. a privilege must be either one of the predefined cluster privilege \
                 names [{}] or a pattern over one of the available cluster actions",
                comma_list(&CLUSTER_PRIVILEGES)
            ));
        }
        let granted = grants_cluster(&cluster_held, &wanted);
        all &= granted;
        cluster.push((asked.clone(), granted));
    }
    let mut by_index: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for (names, privileges) in &check.index {
        for name in names {
            for privilege in privileges {
                let wanted = lowercase(privilege);
                if !is_known_index_privilege(&wanted) {
                    return illegal_argument(unknown_index_privilege(&wanted));
                }
                let granted = match grants_index(&groups, name, &wanted, regexps) {
                    Ok(granted) => granted,
                    Err(reply) => return reply,
                };
                all &= granted;
                match by_index.iter_mut().find(|(n, _)| n == name) {
                    Some((_, flags)) => flags.push((privilege.clone(), granted)),
                    None => by_index.push((name.clone(), vec![(privilege.clone(), granted)])),
                }
            }
        }
    }
    let mut index = Map::new();
    for name in java_sorted(by_index.iter().map(|(name, _)| name.clone()).collect()) {
        let flags = by_index.iter().find(|(n, _)| *n == name).map(|(_, flags)| flags.clone()).unwrap_or_default();
        index.insert(name, Value::Object(flag_map(flags)));
    }
    let mut application = Map::new();
    let apps = java_hash_order(check.application.iter().map(|(app, _, _)| app.clone()).collect());
    for app in apps {
        let mut resources: Vec<(String, Vec<(String, bool)>)> = Vec::new();
        for (_, resource_list, privileges) in check.application.iter().filter(|(a, _, _)| *a == app) {
            for resource in resource_list {
                let flags: Vec<(String, bool)> = privileges.iter().map(|p| (p.clone(), superuser)).collect();
                all &= superuser || flags.is_empty();
                match resources.iter_mut().find(|(r, _)| r == resource) {
                    Some((_, existing)) => existing.extend(flags),
                    None => resources.push((resource.clone(), flags)),
                }
            }
        }
        let mut out = Map::new();
        for resource in java_sorted(resources.iter().map(|(r, _)| r.clone()).collect()) {
            let flags = resources.iter().find(|(r, _)| *r == resource).map(|(_, f)| f.clone()).unwrap_or_default();
            out.insert(resource, Value::Object(flag_map(flags)));
        }
        application.insert(app, Value::Object(out));
    }
    Reply::ok(json!({
        "username": username,
        "has_all_requested": all,
        "cluster": Value::Object(flag_map(cluster)),
        "index": Value::Object(index),
        "application": Value::Object(application),
    }))
}

/// `_has_privileges` as ES runs it for the caller `principal` on the user `target` (the path's,
/// else the caller): the body's 400s, then authorization (ES's same-user privilege, else
/// `read_security`), then the refusal to check another user, then the answer.
pub fn check_request(roles: &RoleTable, principal: &Value, target: &str, body: &str) -> Reply {
    let username = principal.get("username").and_then(Value::as_str).unwrap_or("");
    let assigned: Vec<String> = principal
        .get("roles")
        .and_then(Value::as_array)
        .map(|roles| roles.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    let check = match parse_check(target, body) {
        Ok(check) => check,
        Err(problem) => return problem,
    };
    if let Some(denied) = authorize_principal(roles, principal, Action::HasPrivileges, Some(target)) {
        return denied;
    }
    if target != username {
        return illegal_argument("users may only check the privileges of their own account");
    }
    has_privileges(roles, username, &assigned, &check)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_role_named_again_is_resolved_once() {
        let table = super::RoleTable::new();
        let assigned: Vec<String> = ["viewer", "nope", "viewer", "editor", "viewer"].map(String::from).to_vec();
        let names: Vec<&str> = super::effective(&table, &assigned).into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["viewer", "editor"]);
    }
}
