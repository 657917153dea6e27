//! Which privilege grants which action, raw action patterns, wildcards and the 403 body.

use super::*;

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
