//! The `ROLES` setting's messages, role names, roles added at run time and ES's orders.

use super::*;

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
