//! Cluster privileges and the actions they grant (docs/elasticsearch-semantics.md §6): which of
//! ES's cluster privileges let a caller run each action behind the service's endpoints, the raw
//! action patterns a role may name instead, and the 403 ES answers when no role of the caller
//! grants the action (§6.2).

use serde_json::Value;

use crate::errors::{Cause, Reply};
pub use crate::privilege_names::{
    cluster_implies, index_implies, is_known_index_privilege, unknown_index_privilege, CLUSTER_PRIVILEGES,
    INDEX_PRIVILEGES,
};
use crate::roles::RoleTable;

/// The transport actions behind the service's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CreateToken,
    RefreshToken,
    InvalidateToken,
    PutUser,
    GetUsers,
    DeleteUser,
    SetEnabled,
    ChangePassword,
    Main,
    ClusterHealth,
    PutRole,
    GetRoles,
    DeleteRole,
    HasPrivileges,
    ClearRealmCache,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::CreateToken,
        Action::RefreshToken,
        Action::InvalidateToken,
        Action::PutUser,
        Action::GetUsers,
        Action::DeleteUser,
        Action::SetEnabled,
        Action::ChangePassword,
        Action::Main,
        Action::ClusterHealth,
        Action::PutRole,
        Action::GetRoles,
        Action::DeleteRole,
        Action::HasPrivileges,
        Action::ClearRealmCache,
    ];

    /// The action's name, as ES names it in its messages.
    pub fn name(self) -> &'static str {
        match self {
            Action::CreateToken => "cluster:admin/xpack/security/token/create",
            Action::RefreshToken => "cluster:admin/xpack/security/token/refresh",
            Action::InvalidateToken => "cluster:admin/xpack/security/token/invalidate",
            Action::PutUser => "cluster:admin/xpack/security/user/put",
            Action::GetUsers => "cluster:admin/xpack/security/user/get",
            Action::DeleteUser => "cluster:admin/xpack/security/user/delete",
            Action::SetEnabled => "cluster:admin/xpack/security/user/set_enabled",
            Action::ChangePassword => "cluster:admin/xpack/security/user/change_password",
            Action::Main => "cluster:monitor/main",
            Action::ClusterHealth => "cluster:monitor/health",
            Action::PutRole => "cluster:admin/xpack/security/role/put",
            Action::GetRoles => "cluster:admin/xpack/security/role/get",
            Action::DeleteRole => "cluster:admin/xpack/security/role/delete",
            Action::HasPrivileges => "cluster:admin/xpack/security/user/has_privileges",
            Action::ClearRealmCache => "cluster:admin/xpack/security/realm/cache/clear",
        }
    }

    /// The host's name for the endpoint that runs the action, so that hosts never hold ES's
    /// action names.
    pub fn endpoint(self) -> &'static str {
        match self {
            Action::CreateToken => "createToken",
            Action::RefreshToken => "refreshToken",
            Action::InvalidateToken => "invalidateToken",
            Action::PutUser => "putUser",
            Action::GetUsers => "getUsers",
            Action::DeleteUser => "deleteUser",
            Action::SetEnabled => "setEnabled",
            Action::ChangePassword => "changePassword",
            Action::Main => "main",
            Action::ClusterHealth => "clusterHealth",
            Action::PutRole => "putRole",
            Action::GetRoles => "getRoles",
            Action::DeleteRole => "deleteRole",
            Action::HasPrivileges => "hasPrivileges",
            Action::ClearRealmCache => "clearRealmCache",
        }
    }

    pub fn for_endpoint(endpoint: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.endpoint() == endpoint)
    }

    /// What ES's `ClusterPrivilegeResolver.findPrivilegesThatGrant` answers for the action, in
    /// its order (fewest implied privileges first, then by name). `manage` is absent from the
    /// security actions: it excludes `cluster:admin/xpack/security/*`.
    pub fn granted_by(self) -> &'static [&'static str] {
        match self {
            Action::CreateToken => &["manage_token", "manage_security", "all"],
            Action::RefreshToken => &["manage_saml", "manage_token", "manage_security", "all"],
            Action::InvalidateToken => &["delegate_pki", "manage_saml", "manage_token", "manage_security", "all"],
            Action::PutUser
            | Action::DeleteUser
            | Action::SetEnabled
            | Action::ChangePassword
            | Action::PutRole
            | Action::DeleteRole
            | Action::ClearRealmCache => &["manage_security", "all"],
            Action::GetUsers | Action::GetRoles => &["read_security", "manage_security", "all"],
            // The cross-cluster privileges check the leader's privileges with this action.
            Action::HasPrivileges => &["read_ccr", "read_security", "manage_ccr", "manage_security", "all"],
            Action::Main | Action::ClusterHealth => &["monitor", "manage", "all"],
        }
    }
}

/// The prefixes that make a role's privilege a raw action pattern rather than a named
/// privilege, as in ES's `ClusterPrivilegeResolver`.
const ACTION_PATTERN_PREFIXES: [&str; 3] = ["cluster:", "indices:admin/template/", "indices:admin/index_template/"];

/// Whether a (lower-cased) privilege is a raw action pattern such as
/// `cluster:admin/xpack/security/token/*`.
pub fn is_action_pattern(privilege: &str) -> bool {
    ACTION_PATTERN_PREFIXES.iter().any(|prefix| privilege.starts_with(prefix))
}

/// Whether a privilege may appear in a role: a named cluster privilege or an action pattern.
pub fn is_known_privilege(privilege: &str) -> bool {
    CLUSTER_PRIVILEGES.contains(&privilege) || is_action_pattern(privilege)
}

/// Whether a name is covered by a pattern as ES's `Automatons.pattern` reads it: `/.../` a
/// Lucene regular expression over the whole name, else [`wildcard_matches`]. One call is one
/// match within its own budget; the privilege checks that match many names share a request's
/// (`index_matching::Matching`, with `lucene_regexp::Regexps`), and reach the regular
/// expressions only that way: the cluster patterns that come here are `cluster:` actions.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('/').and_then(|p| p.strip_suffix('/')) {
        Some(regexp) if pattern.len() >= 2 => crate::lucene_regexp::matches(regexp, name),
        _ => wildcard_matches(pattern, name),
    }
}

/// ES's automaton wildcards: `*` is any run of characters, `?` exactly one; every other
/// character stands for itself. Iterative with one backtrack point (the last `*`), so a pattern
/// of many stars costs at most pattern × text steps and no stack.
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    wildcard_within(pattern, text, usize::MAX).0.unwrap_or(false)
}

/// [`wildcard_matches`] with its work counted: the answer, None past `limit` steps (one step a
/// character of the text looked at), and the steps taken. Nothing is copied: positions are byte
/// offsets, and without `?` (or with an ASCII text) bytes stand for characters, since a run of
/// the pattern's characters can only match the text's bytes at character boundaries.
pub fn wildcard_within(pattern: &str, text: &str, limit: usize) -> (Option<bool>, usize) {
    wildcard_on(pattern, text, text.is_ascii(), limit)
}

/// [`wildcard_within`] for a text known to be ASCII or not (a name matched against many patterns
/// is looked at once).
pub fn wildcard_on(pattern: &str, text: &str, ascii: bool, limit: usize) -> (Option<bool>, usize) {
    if ascii || !pattern.contains('?') {
        glob(pattern, text, limit, byte_at)
    } else {
        glob(pattern, text, limit, char_at)
    }
}

/// The unit at `at` and its width in bytes: a byte.
fn byte_at(text: &str, at: usize) -> Option<(char, usize)> {
    text.as_bytes().get(at).map(|byte| (char::from(*byte), 1))
}

/// The unit at `at` and its width in bytes: a character.
fn char_at(text: &str, at: usize) -> Option<(char, usize)> {
    text.get(at..).and_then(|rest| rest.chars().next()).map(|c| (c, c.len_utf8()))
}

fn glob(
    pattern: &str,
    text: &str,
    limit: usize,
    unit: fn(&str, usize) -> Option<(char, usize)>,
) -> (Option<bool>, usize) {
    let (mut p, mut t, mut steps) = (0, 0, 0usize);
    // After the last `*` seen: where the pattern resumes and how much text the star has taken.
    let mut star: Option<(usize, usize)> = None;
    while let Some((c, width)) = unit(text, t) {
        steps += 1;
        if steps > limit {
            return (None, steps);
        }
        match unit(pattern, p) {
            Some(('*', _)) => {
                p += 1;
                if p == pattern.len() {
                    // A trailing star takes the rest of the text.
                    return (Some(true), steps);
                }
                star = Some((p, t));
            }
            Some((wanted, w)) if wanted == '?' || wanted == c => {
                p += w;
                t += width;
            }
            _ => match star {
                // The star takes one more character and the rest of the pattern tries again.
                Some((resume, taken)) => {
                    let taken = taken + unit(text, taken).map_or(1, |(_, w)| w);
                    p = resume;
                    t = taken;
                    star = Some((resume, taken));
                }
                None => return (Some(false), steps),
            },
        }
    }
    (Some(pattern.get(p..).is_some_and(|rest| rest.bytes().all(|b| b == b'*'))), steps)
}

/// Whether one privilege of a role (lower-cased) grants the action.
pub fn grants(privilege: &str, action: Action) -> bool {
    if is_action_pattern(privilege) {
        wildcard_matches(privilege, action.name())
    } else {
        action.granted_by().contains(&privilege)
    }
}

/// `None` when one of the caller's roles found in `roles` grants `action`, else the 403 of
/// §6.2. Roles not in the table grant nothing and are named in the reason.
pub fn authorize(roles: &RoleTable, username: &str, assigned: &[String], action: Action) -> Option<Reply> {
    let mut effective: Vec<&str> =
        assigned.iter().map(String::as_str).filter(|name| roles.get(name).is_some()).collect();
    let allowed = effective.iter().filter_map(|name| roles.get(name)).any(|role| role.grants(action));
    if allowed {
        return None;
    }
    // ES's denial message lists the effective roles sorted (`AuthorizationDenialMessages`), once each.
    crate::sorting::sort_by(&mut effective, |a, b| crate::sorting::java_string_order(a, b));
    effective.dedup();
    let missing = missing_roles(assigned, roles);
    Some(forbidden(username, action, &effective, &missing))
}

/// [`authorize`] for the service's caller, `principal` (an `_authenticate` body): [`Caller`]'s
/// fields read from it, for [`authorize_caller`].
pub fn authorize_principal(
    roles: &RoleTable,
    principal: &Value,
    action: Action,
    target: Option<&str>,
) -> Option<Reply> {
    let assigned: Vec<String> = principal
        .get("roles")
        .and_then(Value::as_array)
        .map(|roles| roles.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    let caller = Caller {
        username: text(principal.get("username")),
        assigned: &assigned,
        realm_type: text(principal.get("authentication_realm").and_then(|realm| realm.get("type"))),
        authentication_type: text(principal.get("authentication_type")),
    };
    authorize_caller(roles, &caller, action, target)
}

/// A text field of a JSON body, "" when missing or not text.
fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or("")
}

/// The fields of the service's caller (its `_authenticate` body) that authorization reads.
pub struct Caller<'a> {
    pub username: &'a str,
    pub assigned: &'a [String],
    /// `authentication_realm.type`.
    pub realm_type: &'a str,
    pub authentication_type: &'a str,
}

/// [`authorize`] for the service's caller, with ES's same-user exemption
/// (`RBACEngine.checkSameUserPermissions`) for an action on `target`: a user may check their
/// own privileges, and change their own password, but only when a password realm (native or
/// reserved) authenticated them, not a token (§5.3, §11, §13).
pub fn authorize_caller(roles: &RoleTable, caller: &Caller, action: Action, target: Option<&str>) -> Option<Reply> {
    let denied = authorize(roles, caller.username, caller.assigned, action)?;
    let by_password =
        caller.authentication_type == "realm" && (caller.realm_type == "native" || caller.realm_type == "reserved");
    let own = target == Some(caller.username);
    if own && (action == Action::HasPrivileges || (action == Action::ChangePassword && by_password)) {
        return None;
    }
    Some(denied)
}

/// The assigned roles the table does not know, once each, in ES's (Java string) order.
fn missing_roles<'a>(assigned: &'a [String], roles: &RoleTable) -> Vec<&'a str> {
    let mut missing: Vec<&str> = assigned.iter().map(String::as_str).filter(|name| roles.get(name).is_none()).collect();
    // Java compares strings by UTF-16 code units, which differs from Rust's byte order for
    // characters above U+FFFF.
    crate::sorting::sort_by(&mut missing, |a, b| a.encode_utf16().cmp(b.encode_utf16()));
    missing.dedup();
    missing
}

fn forbidden(username: &str, action: Action, effective: &[&str], missing: &[&str]) -> Reply {
    let mut reason = format!(
        "action [{}] is unauthorized for user [{username}] with effective roles [{}]",
        action.name(),
        comma_list(effective)
    );
    if !missing.is_empty() {
        reason.push_str(&format!(" (assigned roles [{}] were not found)", comma_list(missing)));
    }
    reason
        .push_str(&format!(", this action is granted by the cluster privileges [{}]", comma_list(action.granted_by())));
    Cause::new("security_exception", reason).into_reply(403)
}

/// `a,b,c`. A plain loop: `join`'s generic machinery would cost the module a kilobyte.
pub fn comma_list(items: &[&str]) -> String {
    let mut out = String::new();
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out
}
