//! §6 of es-token-semantics.md row by row: which privilege grants which action, raw action
//! patterns, the 403 body, and every message of the `ROLES` setting.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use edge_token::privileges::{authorize, authorize_principal, grants, wildcard_matches, Action, CLUSTER_PRIVILEGES};
use edge_token::roles::{is_valid_role_name, Role, RoleError, RoleTable, RolesSettingError};
use serde_json::json;

const ROLES: &str = r#"{
  "token_admin": {"cluster": ["manage_token"]},
  "monitor_only": {"cluster": ["monitor"]},
  "security_admin": {"cluster": ["manage_security"]},
  "pattern_role": {"cluster": ["cluster:admin/xpack/security/token/*"]},
  "manage_all_but_security": {"cluster": ["manage"]}
}"#;

fn table() -> RoleTable {
    RoleTable::from_setting(ROLES).unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn reason(reply: &edge_token::errors::Reply) -> &str {
    reply.body["error"]["reason"].as_str().unwrap()
}

#[test]
fn each_action_has_its_es_name_and_endpoint() {
    let rows = [
        (Action::CreateToken, "createToken", "cluster:admin/xpack/security/token/create"),
        (Action::RefreshToken, "refreshToken", "cluster:admin/xpack/security/token/refresh"),
        (Action::InvalidateToken, "invalidateToken", "cluster:admin/xpack/security/token/invalidate"),
        (Action::PutUser, "putUser", "cluster:admin/xpack/security/user/put"),
        (Action::GetUsers, "getUsers", "cluster:admin/xpack/security/user/get"),
        (Action::DeleteUser, "deleteUser", "cluster:admin/xpack/security/user/delete"),
        (Action::SetEnabled, "setEnabled", "cluster:admin/xpack/security/user/set_enabled"),
        (Action::ChangePassword, "changePassword", "cluster:admin/xpack/security/user/change_password"),
        (Action::Main, "main", "cluster:monitor/main"),
        (Action::ClusterHealth, "clusterHealth", "cluster:monitor/health"),
        (Action::PutRole, "putRole", "cluster:admin/xpack/security/role/put"),
        (Action::GetRoles, "getRoles", "cluster:admin/xpack/security/role/get"),
        (Action::DeleteRole, "deleteRole", "cluster:admin/xpack/security/role/delete"),
        (Action::HasPrivileges, "hasPrivileges", "cluster:admin/xpack/security/user/has_privileges"),
        (Action::ClearRealmCache, "clearRealmCache", "cluster:admin/xpack/security/realm/cache/clear"),
    ];
    assert_eq!(rows.len(), Action::ALL.len());
    for (action, endpoint, name) in rows {
        assert_eq!(action.name(), name);
        assert_eq!(action.endpoint(), endpoint);
        assert_eq!(Action::for_endpoint(endpoint), Some(action));
    }
    for unknown in ["", "CreateToken", "authenticate", "cluster:monitor/main"] {
        assert_eq!(Action::for_endpoint(unknown), None, "{unknown}");
    }
}

#[test]
fn granted_by_lists_are_es_order() {
    let rows = [
        (Action::CreateToken, "manage_token,manage_security,all"),
        (Action::RefreshToken, "manage_saml,manage_token,manage_security,all"),
        (Action::InvalidateToken, "delegate_pki,manage_saml,manage_token,manage_security,all"),
        (Action::PutUser, "manage_security,all"),
        (Action::ClearRealmCache, "manage_security,all"),
        (Action::GetUsers, "read_security,manage_security,all"),
        (Action::DeleteUser, "manage_security,all"),
        (Action::SetEnabled, "manage_security,all"),
        (Action::ChangePassword, "manage_security,all"),
        (Action::Main, "monitor,manage,all"),
        (Action::ClusterHealth, "monitor,manage,all"),
        (Action::PutRole, "manage_security,all"),
        (Action::GetRoles, "read_security,manage_security,all"),
        (Action::DeleteRole, "manage_security,all"),
        // `read_ccr` and `manage_ccr` name the has-privileges action too (ES 9).
        (Action::HasPrivileges, "read_ccr,read_security,manage_ccr,manage_security,all"),
    ];
    for (action, expected) in rows {
        assert_eq!(action.granted_by().join(","), expected, "{action:?}");
    }
}

/// The authorization matrix: every action × every named privilege, through a one-privilege role.
#[test]
fn a_named_privilege_grants_exactly_the_actions_that_list_it() {
    for privilege in CLUSTER_PRIVILEGES {
        let mut roles = RoleTable::new();
        roles.insert("r", Role::new("r", [privilege]).unwrap()).unwrap();
        for action in Action::ALL {
            let expected = action.granted_by().contains(&privilege);
            assert_eq!(grants(privilege, action), expected, "{privilege} × {action:?}");
            let denied = authorize(&roles, "u", &names(&["r"]), action);
            assert_eq!(denied.is_none(), expected, "{privilege} × {action:?}");
        }
    }
    for action in Action::ALL {
        for privilege in action.granted_by() {
            assert!(CLUSTER_PRIVILEGES.contains(privilege), "{privilege}");
        }
    }
}

#[test]
fn privileges_are_matched_case_insensitively() {
    let role = Role::new("r", ["MANAGE_Token", "Cluster:Monitor/*"]).unwrap();
    assert_eq!(role.cluster(), ["manage_token", "cluster:monitor/*"]);
    assert!(role.grants(Action::CreateToken));
    assert!(role.grants(Action::Main));
    assert!(!role.grants(Action::PutUser));
    // Unicode lower-casing, as Java's and JavaScript's: the Kelvin sign becomes an ASCII `k`.
    let kelvin = Role::new("r", ["MANAGE_TO\u{212A}EN"]).unwrap();
    assert!(kelvin.grants(Action::CreateToken));
    let error = Role::new("r", ["ÄBC"]).unwrap_err();
    assert!(matches!(error, RoleError::UnknownPrivilege { ref privilege, .. } if privilege == "äbc"));
}

#[test]
fn action_patterns_grant_the_actions_they_match() {
    use Action::*;
    // Every security action (all but the monitor ones), which both these patterns match.
    const SECURITY: &[Action] = &[
        CreateToken,
        RefreshToken,
        InvalidateToken,
        PutUser,
        GetUsers,
        DeleteUser,
        SetEnabled,
        ChangePassword,
        PutRole,
        GetRoles,
        DeleteRole,
        HasPrivileges,
        ClearRealmCache,
    ];
    let rows: [(&str, &[Action]); 15] = [
        ("cluster:admin/xpack/security/token/*", &[CreateToken, RefreshToken, InvalidateToken]),
        ("cluster:admin/xpack/security/*", SECURITY),
        ("cluster:*", &Action::ALL),
        ("cluster:monitor/*", &[Main, ClusterHealth]),
        ("cluster:monitor/main", &[Main]),
        ("cluster:admin/xpack/security/token/?reate", &[CreateToken]),
        ("cluster:admin/xpack/security/user/???", &[PutUser, GetUsers]),
        ("cluster:admin/xpack/security/user/has_*", &[HasPrivileges]),
        ("cluster:admin/xpack/security/token/create*", &[CreateToken]),
        ("cluster:*/*/*/*/*", SECURITY),
        // Regular-expression characters stand for themselves.
        ("cluster:monitor/mai.", &[]),
        ("cluster:monitor/ma[i]n", &[]),
        ("cluster:admin/xpack/security/token/.*", &[]),
        ("cluster:admin", &[]),
        // Index template patterns are valid privileges that grant none of these actions.
        ("indices:admin/template/*", &[]),
    ];
    for (pattern, granted) in rows {
        let role = Role::new("r", [pattern]).unwrap();
        for action in Action::ALL {
            assert_eq!(role.grants(action), granted.contains(&action), "{pattern} × {action:?}");
        }
    }
}

#[test]
fn wildcards_follow_es_automaton_semantics() {
    let rows = [
        ("", "", true),
        ("*", "", true),
        ("**", "abc", true),
        ("?", "", false),
        ("?", "é", true),
        ("a*", "a", true),
        ("*a", "ba", true),
        ("*a", "ab", false),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXbYcZ", false),
        ("a*bc", "abcbc", true),
        ("a?c", "abbc", false),
        ("a\\*", "a\\x", true),
        ("abc", "abd", false),
    ];
    for (pattern, text, expected) in rows {
        assert_eq!(wildcard_matches(pattern, text), expected, "{pattern:?} ~ {text:?}");
    }
}

#[test]
fn many_stars_cost_no_more_than_pattern_times_text() {
    let pattern = format!("{}b", "*a".repeat(5_000));
    let text = "a".repeat(20_000);
    assert!(!wildcard_matches(&pattern, &text));
    assert!(wildcard_matches(&pattern, &format!("{text}b")));
}

#[test]
fn the_403_body_is_es_security_exception() {
    let denied = authorize(&table(), "watcher", &names(&["monitor_only"]), Action::InvalidateToken).unwrap();
    let reason = "action [cluster:admin/xpack/security/token/invalidate] is unauthorized for user [watcher] with effective roles [monitor_only], this action is granted by the cluster privileges [delegate_pki,manage_saml,manage_token,manage_security,all]";
    assert_eq!(denied.status, 403);
    assert!(denied.headers.is_empty());
    assert_eq!(
        denied.body,
        json!({"error": {"root_cause": [{"type": "security_exception", "reason": reason}], "type": "security_exception", "reason": reason}, "status": 403})
    );
}

#[test]
fn the_403_reason_names_effective_and_missing_roles() {
    let roles = table();
    let rows: [(&[&str], Action, &str); 6] = [
        (&[], Action::Main, "with effective roles [], this action"),
        (
            &["token_admin", "zz_missing", "aa_missing"],
            Action::PutUser,
            "with effective roles [token_admin] (assigned roles [aa_missing,zz_missing] were not found), this action",
        ),
        // Effective roles are listed sorted and once each (ES sorts the role names), as are the
        // missing ones.
        (
            &["token_admin", "monitor_only", "token_admin"],
            Action::PutUser,
            "with effective roles [monitor_only,token_admin], this action",
        ),
        (&["b", "a", "b"], Action::Main, "with effective roles [] (assigned roles [a,b] were not found), this action"),
        // Java's order: by UTF-16 code unit, so U+FF61 sorts after U+1F600 (a surrogate pair).
        (
            &["\u{ff61}", "\u{1f600}", "Z"],
            Action::Main,
            "with effective roles [] (assigned roles [Z,\u{1f600},\u{ff61}] were not found), this action",
        ),
        // `manage` does not grant the security actions.
        (
            &["manage_all_but_security"],
            Action::CreateToken,
            "with effective roles [manage_all_but_security], this action",
        ),
    ];
    for (assigned, action, expected) in rows {
        let denied = authorize(&roles, "u", &names(assigned), action).unwrap();
        assert!(reason(&denied).contains(expected), "{assigned:?}: {}", reason(&denied));
        assert!(reason(&denied).starts_with(&format!("action [{}] is unauthorized for user [u] ", action.name())));
    }
}

#[test]
fn superuser_and_granting_roles_are_allowed() {
    let roles = table();
    for action in Action::ALL {
        assert_eq!(authorize(&roles, "elastic", &names(&["superuser"]), action), None, "{action:?}");
        assert_eq!(authorize(&roles, "x", &names(&["missing", "superuser"]), action), None, "{action:?}");
    }
    assert_eq!(authorize(&roles, "p", &names(&["pattern_role"]), Action::RefreshToken), None);
    assert!(authorize(&roles, "p", &names(&["pattern_role"]), Action::GetUsers).is_some());
    assert_eq!(authorize(&roles, "s", &names(&["security_admin"]), Action::DeleteUser), None);
}

#[test]
fn roles_setting_errors_have_todays_messages() {
    let unknown_tail = format!(
        ". a privilege must be either one of the predefined cluster privilege names [{}] or a pattern over one of the available cluster actions",
        CLUSTER_PRIVILEGES.join(",")
    );
    let long = "x".repeat(1025);
    let rows = [
        ("{not json".to_string(), "ROLES must be a JSON object of role descriptors, e.g. {\"token_admin\": {\"cluster\": [\"manage_token\"]}}".to_string()),
        ("[]".to_string(), "ROLES must be a JSON object of role descriptors".to_string()),
        ("null".to_string(), "ROLES must be a JSON object of role descriptors".to_string()),
        ("\"{}\"".to_string(), "ROLES must be a JSON object of role descriptors".to_string()),
        ("5".to_string(), "ROLES must be a JSON object of role descriptors".to_string()),
        (r#"{"": {}}"#.to_string(), "ROLES: invalid role name []".to_string()),
        (r#"{" r": {}}"#.to_string(), "ROLES: invalid role name [ r]".to_string()),
        (r#"{"r ": {}}"#.to_string(), "ROLES: invalid role name [r ]".to_string()),
        (r#"{"ré": {}}"#.to_string(), "ROLES: invalid role name [ré]".to_string()),
        (r#"{"a\tb": {}}"#.to_string(), "ROLES: invalid role name [a\tb]".to_string()),
        (format!(r#"{{"{long}": {{}}}}"#), format!("ROLES: invalid role name [{long}]")),
        (r#"{"superuser": {"cluster": []}}"#.to_string(), "ROLES: Role [superuser] is reserved and may not be used.".to_string()),
        // The name is checked before the descriptor.
        (r#"{"superuser": 5}"#.to_string(), "ROLES: Role [superuser] is reserved and may not be used.".to_string()),
        (r#"{"r": null}"#.to_string(), "ROLES: role [r] must be an object".to_string()),
        (r#"{"r": ["all"]}"#.to_string(), "ROLES: role [r] must be an object".to_string()),
        (r#"{"r": "all"}"#.to_string(), "ROLES: role [r] must be an object".to_string()),
        (r#"{"r": {"cluster": "all"}}"#.to_string(), "ROLES: [cluster] of role [r] must be an array of strings".to_string()),
        (r#"{"r": {"cluster": ["all", 1]}}"#.to_string(), "ROLES: [cluster] of role [r] must be an array of strings".to_string()),
        (r#"{"r": {"cluster": [null]}}"#.to_string(), "ROLES: [cluster] of role [r] must be an array of strings".to_string()),
        (r#"{"r": {"cluster": {}}}"#.to_string(), "ROLES: [cluster] of role [r] must be an array of strings".to_string()),
        (r#"{"r": {"cluster": ["manage_tokens"]}}"#.to_string(), format!("ROLES: unknown cluster privilege [manage_tokens] in role [r]{unknown_tail}")),
        // The message shows the privilege lower-cased.
        (r#"{"r": {"cluster": ["Manage_Tokens"]}}"#.to_string(), format!("ROLES: unknown cluster privilege [manage_tokens] in role [r]{unknown_tail}")),
        (r#"{"r": {"cluster": ["indices:data/read/*"]}}"#.to_string(), format!("ROLES: unknown cluster privilege [indices:data/read/*] in role [r]{unknown_tail}")),
        // Roles are checked in the order written; the first problem wins.
        (r#"{"ok": {}, "b": 1, "a": 2}"#.to_string(), "ROLES: role [b] must be an object".to_string()),
    ];
    for (text, message) in rows {
        let error = RoleTable::from_setting(&text).unwrap_err();
        assert_eq!(error.to_string(), message, "{text}");
    }
}

#[test]
fn blank_setting_is_the_built_in_roles() {
    for blank in ["", " ", "\n\t ", "\u{feff}", "\u{a0}\u{3000}\u{2028}"] {
        assert_eq!(RoleTable::from_setting(blank), Ok(RoleTable::new()), "{blank:?}");
    }
    // U+0085 is not whitespace to JavaScript's trim().
    assert_eq!(RoleTable::from_setting("\u{85}"), Err(RolesSettingError::NotJson));
    assert_eq!(RoleTable::from_setting("{}"), Ok(RoleTable::new()));
}

#[test]
fn descriptors_other_members_are_accepted_and_ignored() {
    let text = r#"{"r": {"indices": [{"names": ["*"], "privileges": ["read"]}], "metadata": {"a": 1}, "run_as": ["x"]},
                   "n": {"cluster": null}, "s": {"cluster": ["manage_token"], "cluster": ["monitor"]}}"#;
    let roles = RoleTable::from_setting(text).unwrap();
    assert_eq!(roles.get("r").map(Role::cluster), Some(&[][..]));
    assert_eq!(roles.get("n").map(Role::cluster), Some(&[][..]));
    // A repeated member counts once, its last value (as JSON.parse reads it).
    assert_eq!(roles.get("s").map(Role::cluster), Some(&["monitor".to_string()][..]));
    assert!(roles.get("superuser").is_some_and(|role| role.grants(Action::PutUser)));
}

#[test]
fn role_names_follow_es_rule() {
    let longest = "x".repeat(1024);
    for (name, valid) in [
        ("a", true),
        ("a b", true),
        ("!~", true),
        (longest.as_str(), true),
        ("", false),
        (" a", false),
        ("a ", false),
        ("a\u{7f}", false),
    ] {
        assert_eq!(is_valid_role_name(name), valid, "{name:?}");
    }
}

#[test]
fn roles_can_be_added_at_run_time() {
    let mut roles = table();
    assert!(authorize(&roles, "n", &names(&["native"]), Action::GetUsers).is_some());
    roles.insert("native", Role::new("native", ["read_security"]).unwrap()).unwrap();
    assert_eq!(authorize(&roles, "n", &names(&["native"]), Action::GetUsers), None);
    // Replacing a role replaces its privileges.
    roles.insert_descriptor("native", &json!({"cluster": ["monitor"]})).unwrap();
    assert!(authorize(&roles, "n", &names(&["native"]), Action::GetUsers).is_some());

    assert_eq!(
        roles.insert("superuser", Role::new("superuser", []).unwrap()),
        Err(RoleError::Reserved("superuser".into()))
    );
    assert_eq!(roles.insert(" x", Role::new(" x", []).unwrap()), Err(RoleError::InvalidName(" x".into())));
    assert!(matches!(Role::new("r", ["nope"]), Err(RoleError::UnknownPrivilege { .. })));
}

/// ES's same-user exemption: one's own password, when a password realm authenticated the caller.
#[test]
fn own_password_changes_need_a_password_login() {
    let roles = table();
    let caller = |by: &str, realm: &str, roles: &[&str]| json!({"username": "joe", "roles": roles, "authentication_type": by, "authentication_realm": {"name": realm, "type": realm}});
    let rows = [
        (caller("realm", "native", &[]), Some("joe"), true),
        (caller("realm", "reserved", &[]), Some("joe"), true),
        (caller("token", "native", &[]), Some("joe"), false),
        (caller("realm", "file", &[]), Some("joe"), false),
        (caller("realm", "native", &[]), Some("jim"), false),
        (caller("realm", "native", &[]), None, false),
        (caller("token", "native", &["security_admin"]), Some("jim"), true),
        (json!({}), Some(""), false),
    ];
    for (principal, target, allowed) in rows {
        let denied = authorize_principal(&roles, &principal, Action::ChangePassword, target);
        assert_eq!(denied.is_none(), allowed, "{principal} on {target:?}");
    }
    // The exemption is for changing a password only.
    let own = authorize_principal(&roles, &caller("realm", "native", &[]), Action::SetEnabled, Some("joe"));
    assert_eq!(own.map(|r| r.status), Some(403));
}

/// ES's denial message lists the effective roles sorted and once each, then the assigned roles
/// not found, sorted (`AuthorizationDenialMessages.rolesDescription`).
#[test]
fn the_403_lists_roles_in_es_order() {
    let roles = table();
    let denied =
        authorize(&roles, "u", &names(&["token_admin", "monitor_only", "zz", "monitor_only", "aa"]), Action::PutUser)
            .map(|reply| reply.body["error"]["reason"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
    assert!(
        denied.starts_with(
            "action [cluster:admin/xpack/security/user/put] is unauthorized for user [u] with effective roles \
             [monitor_only,token_admin] (assigned roles [aa,zz] were not found), this action"
        ),
        "{denied}"
    );
}

/// ES orders its cluster privileges by how many of the others each implies, then by name
/// (`ClusterPrivilegeResolver.sortByAccessLevel`): the list and the superset table agree.
#[test]
fn the_privilege_order_is_es_sort_by_access_level_of_the_superset_table() {
    use edge_token::privileges::cluster_implies;
    let implied =
        |held: &str| CLUSTER_PRIVILEGES.iter().filter(|other| **other != held && cluster_implies(held, other)).count();
    let mut sorted = CLUSTER_PRIVILEGES.to_vec();
    sorted.sort_by(|a, b| implied(a).cmp(&implied(b)).then(a.cmp(b)));
    assert_eq!(sorted, CLUSTER_PRIVILEGES);
    assert_eq!((implied("manage_own_api_key"), implied("none"), implied("monitor"), implied("all")), (0, 2, 11, 59));
}
