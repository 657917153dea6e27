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

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, Reply};
use crate::index_matching::Matching;
pub use crate::java_maps::java_hash_order;
use crate::java_maps::{flag_map, Grouped};
use crate::json_value::parse_strict;
use crate::lucene_regexp::Regexps;
use crate::privileges::{
    authorize_principal, cluster_implies, comma_list, is_action_pattern, is_known_index_privilege, is_known_privilege,
    unknown_index_privilege, Action, CLUSTER_PRIVILEGES,
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
    let mut seen = BTreeSet::new();
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

/// Whether the cluster privileges held grant the cluster privilege `wanted` (lower-cased):
/// `named` the named ones held, once each, `patterns` the action patterns held, once each.
fn grants_cluster(named: &[&str], patterns: &[&str], wanted: &str, matching: &mut Matching) -> Result<bool, Reply> {
    if !is_action_pattern(wanted) {
        // An action pattern held implies what any privilege implies: those that grant no action,
        // which are what `none` implies.
        let by_pattern = !patterns.is_empty() && cluster_implies("none", wanted);
        return Ok(by_pattern || named.iter().any(|held| cluster_implies(held, wanted)));
    }
    let security = wanted.starts_with("cluster:admin/xpack/security");
    // An action asked for by name: a named privilege grants the actions it lists.
    let action = Action::ALL.into_iter().find(|action| action.name() == wanted);
    let by_name = |held: &str| {
        held == "all" || (held == "manage" && !security) || action.is_some_and(|a| crate::privileges::grants(held, a))
    };
    if named.iter().any(|held| by_name(held)) {
        return Ok(true);
    }
    for held in patterns {
        // The same as `grants` for the action named, and for an action pattern asked for, a
        // pattern held that is the same or a shorter prefix.
        if matching.covers(held, wanted)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `_has_privileges`' answer for the caller: `username`, `has_all_requested`, `cluster`, `index`,
/// `application`, in ES's order; ES's 400 for an unknown cluster privilege. One request: its
/// `/regex/` matches share one budget (`lucene_regexp::REQUEST_STEPS`), its wildcard matches
/// another (`index_matching::WILDCARD_STEPS`).
pub fn has_privileges(roles: &RoleTable, username: &str, assigned: &[String], check: &PrivilegesCheck) -> Reply {
    has_privileges_matching(roles, username, assigned, check, &mut Matching::new(&mut Regexps::default()))
}

/// [`has_privileges`] with the request's matching in `matching` (its regexps and wildcard
/// work), whose work a test reads.
pub fn has_privileges_matching(
    roles: &RoleTable,
    username: &str,
    assigned: &[String],
    check: &PrivilegesCheck,
    matching: &mut Matching,
) -> Reply {
    match answer(roles, username, assigned, check, matching) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn answer(
    roles: &RoleTable,
    username: &str,
    assigned: &[String],
    check: &PrivilegesCheck,
    matching: &mut Matching,
) -> Result<Reply, Reply> {
    let held = effective(roles, assigned);
    // The cluster privileges held, once each: named ones, then action patterns.
    let cluster_held: BTreeSet<&str> = held.iter().flat_map(|(_, role)| role.cluster()).map(String::as_str).collect();
    let (patterns, named): (Vec<&str>, Vec<&str>) = cluster_held.into_iter().partition(|h| is_action_pattern(h));
    let groups: Vec<&IndexGroup> = held.iter().flat_map(|(_, role)| role.indices()).collect();
    let superuser = held.iter().any(|(name, _)| *name == SUPERUSER);
    let mut all = true;
    let mut cluster = Vec::new();
    for asked in &check.cluster {
        let wanted = lowercase(asked);
        if !is_known_privilege(&wanted) {
            return Err(illegal_argument(format!(
                "unknown cluster privilege [{wanted}]. a privilege must be either one of the predefined cluster privilege \
                 names [{}] or a pattern over one of the available cluster actions",
                comma_list(&CLUSTER_PRIVILEGES)
            )));
        }
        let granted = grants_cluster(&named, &patterns, &wanted, matching)?;
        all &= granted;
        cluster.push((asked.clone(), granted));
    }
    let mut by_index = Grouped::default();
    // What is decided, by name then privilege: a name asked again costs nothing more.
    let mut name_at: BTreeMap<&str, usize> = BTreeMap::new();
    let mut decided: Vec<Vec<(String, bool)>> = Vec::new();
    for (names, privileges) in &check.index {
        for name in names {
            let at = *name_at.entry(name).or_insert(decided.len());
            if at == decided.len() {
                decided.push(Vec::new());
            }
            for privilege in privileges {
                let wanted = lowercase(privilege);
                if !is_known_index_privilege(&wanted) {
                    return Err(illegal_argument(unknown_index_privilege(&wanted)));
                }
                let known = decided.get(at).and_then(|known| known.iter().find(|(p, _)| *p == wanted));
                let granted = match known {
                    Some((_, granted)) => *granted,
                    None => {
                        let granted = matching.grants_index(&groups, name, &wanted)?;
                        if let Some(known) = decided.get_mut(at) {
                            known.push((wanted, granted));
                        }
                        granted
                    }
                };
                all &= granted;
                by_index.add(name, [(privilege.clone(), granted)]);
            }
        }
    }
    let mut app_at: BTreeMap<&str, usize> = BTreeMap::new();
    let mut entries: Vec<Vec<&ApplicationCheck>> = Vec::new();
    for entry in &check.application {
        let at = *app_at.entry(&entry.0).or_insert(entries.len());
        match entries.get_mut(at) {
            Some(list) => list.push(entry),
            None => entries.push(vec![entry]),
        }
    }
    let mut application = Map::new();
    for app in java_hash_order(check.application.iter().map(|(app, _, _)| app.clone()).collect()) {
        let mut resources = Grouped::default();
        let listed = app_at.get(app.as_str()).and_then(|at| entries.get(*at));
        for (_, resource_list, privileges) in listed.into_iter().flatten() {
            for resource in resource_list {
                let flags: Vec<(String, bool)> = privileges.iter().map(|p| (p.clone(), superuser)).collect();
                all &= superuser || flags.is_empty();
                resources.add(resource, flags);
            }
        }
        application.insert(app, Value::Object(resources.into_map()));
    }
    Ok(Reply::ok(json!({
        "username": username,
        "has_all_requested": all,
        "cluster": Value::Object(flag_map(cluster)),
        "index": Value::Object(by_index.into_map()),
        "application": Value::Object(application),
    })))
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
