//! Reads of the native realm, in two steps around the host's KV reads: which keys to read (for
//! GET /_security/user and for a password login), then what the values read make (ES's body,
//! the user a password is checked against).

use serde_json::{json, Map, Value};

use crate::errors::Reply;
use crate::users::{login_key, native_realm, reserved_realm, trim_js, user_key, user_key_prefix, UserRecord, ELASTIC};

/// The names of GET /_security/user/{a,b}: comma-separated, trimmed, empty ones dropped.
pub fn usernames(list: &str) -> Vec<String> {
    list.split(',').map(trim_js).filter(|name| !name.is_empty()).map(str::to_string).collect()
}

/// What to read for GET /_security/user[/{names}]: `{"prefix"}` to list every stored user,
/// or `{"keys"}` with one key per name (`null` for the reserved user, who is not stored).
pub fn lookup(names: Option<&str>) -> Value {
    match names {
        None => json!({"prefix": user_key_prefix()}),
        Some(list) => {
            let keys: Vec<Value> = usernames(list)
                .iter()
                .map(|name| if name == ELASTIC { Value::Null } else { Value::String(user_key(name)) })
                .collect();
            json!({"keys": keys})
        }
    }
}

/// GET /_security/user's answer from the values read for [`lookup`] (in its key order; every
/// listed value when listing): `{name: user}`, or 404 `{}` when none of the names exist.
pub fn views(names: Option<&str>, values: &[Option<String>]) -> Reply {
    let mut out = Map::new();
    match names {
        None => {
            // All users: the reserved one first, then the native realm's by name.
            out.insert(ELASTIC.into(), UserRecord::elastic().view());
            let mut records: Vec<UserRecord> =
                values.iter().flatten().filter_map(|text| UserRecord::parse(text)).collect();
            records.sort_by(|a, b| a.username.cmp(&b.username));
            for record in records {
                out.insert(record.username.clone(), record.view());
            }
        }
        Some(list) => {
            for (name, value) in usernames(list).into_iter().zip(values.iter().chain(std::iter::repeat(&None))) {
                let record = if name == ELASTIC {
                    Some(UserRecord::elastic())
                } else {
                    UserRecord::parse_for(value.as_deref(), &name)
                };
                if let Some(record) = record {
                    out.insert(name, record.view());
                }
            }
        }
    }
    let status = if out.is_empty() { 404 } else { 200 };
    Reply::new(status, Value::Object(out))
}

/// The keys a password login for `username` reads: `throttle_key` (the host's failed-login
/// state) and `record_key`, the stored user, `null` for the reserved user, whose password is
/// the one the host is configured with.
pub fn login_plan(username: &str) -> Value {
    let record_key = if username == ELASTIC { Value::Null } else { Value::String(user_key(username)) };
    json!({"throttle_key": login_key(username), "record_key": record_key})
}

/// The user a password login is checked against, from the record read for [`login_plan`]:
/// `{"hash", "principal"}`. `hash` is the stored hash (`null` for the reserved user, and for
/// an unknown user, whom the host checks against a decoy so that it costs the same);
/// `principal` is the `_authenticate` body the login yields when the password matches, `null`
/// when it yields nobody (unknown or disabled user, reserved user not `reserved_enabled`).
pub fn login_user(username: &str, record: Option<&str>, reserved_enabled: bool) -> Value {
    if username == ELASTIC {
        let principal = reserved_enabled.then(|| UserRecord::elastic().principal(reserved_realm()));
        return json!({"hash": null, "principal": principal});
    }
    let Some(record) = UserRecord::parse_for(record, username).filter(|r| r.password_hash.is_some()) else {
        return json!({"hash": null, "principal": null});
    };
    let principal = record.enabled.then(|| record.principal(native_realm()));
    json!({"hash": record.password_hash, "principal": principal})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(name: &str, enabled: bool) -> String {
        format!(
            r#"{{"username":"{name}","password_hash":"H-{name}","roles":["r"],"full_name":null,"email":null,"metadata":{{}},"enabled":{enabled}}}"#
        )
    }

    #[test]
    fn name_lists() {
        let rows =
            [("a,b", vec!["a", "b"]), (" a , ,b,", vec!["a", "b"]), ("", vec![]), (",,", vec![]), ("x y", vec!["x y"])];
        for (list, names) in rows {
            assert_eq!(usernames(list), names, "{list:?}");
        }
    }

    #[test]
    fn lookups() {
        let rows = [
            (None, json!({"prefix":"user:"})),
            (Some("zed,elastic"), json!({"keys":[user_key("zed"), null]})),
            (Some(""), json!({"keys":[]})),
        ];
        for (names, expected) in rows {
            assert_eq!(lookup(names), expected, "{names:?}");
        }
    }

    #[test]
    fn views_of_what_was_read() {
        let elastic = UserRecord::elastic().view();
        let view = |name: &str| UserRecord::parse(&stored(name, true)).map(|r| r.view()).unwrap_or_default();
        type Row<'a> = (Option<&'a str>, Vec<Option<String>>, u16, Value);
        let rows: Vec<Row> = vec![
            (
                None,
                vec![Some(stored("zed", true)), Some("garbage".into()), Some(stored("amy", true))],
                200,
                json!({"elastic": elastic, "amy": view("amy"), "zed": view("zed")}),
            ),
            (None, vec![], 200, json!({"elastic": elastic})),
            (
                Some("zed,nobody,elastic"),
                vec![Some(stored("zed", true)), None, None],
                200,
                json!({"zed": view("zed"), "elastic": elastic}),
            ),
            (Some("nobody"), vec![None], 404, json!({})),
            // A record stored for another name does not answer.
            (Some("amy"), vec![Some(stored("zed", true))], 404, json!({})),
            (Some("amy"), vec![], 404, json!({})),
        ];
        for (names, values, status, body) in rows {
            let reply = views(names, &values);
            assert_eq!((reply.status, &reply.body), (status, &body), "{names:?}");
            let keys: Vec<&String> = reply.body.as_object().map(|m| m.keys().collect()).unwrap_or_default();
            let expected: Vec<&String> = body.as_object().map(|m| m.keys().collect()).unwrap_or_default();
            assert_eq!(keys, expected, "key order for {names:?}");
        }
    }

    #[test]
    fn login_plans_and_users() {
        assert_eq!(login_plan("joe"), json!({"throttle_key": login_key("joe"), "record_key": user_key("joe")}));
        assert_eq!(login_plan("elastic"), json!({"throttle_key": login_key("elastic"), "record_key": null}));
        let joe = UserRecord::parse(&stored("joe", true)).map(|r| r.principal(native_realm())).unwrap_or_default();
        let elastic = UserRecord::elastic().principal(reserved_realm());
        let on = stored("joe", true);
        let off = stored("joe", false);
        let rows: Vec<(&str, Option<&str>, bool, Value)> = vec![
            ("joe", Some(&on), false, json!({"hash":"H-joe","principal": joe})),
            ("joe", Some(&off), true, json!({"hash":"H-joe","principal": null})),
            ("joe", None, true, json!({"hash": null,"principal": null})),
            ("jim", Some(&on), true, json!({"hash": null,"principal": null})),
            ("joe", Some(r#"{"username":"joe","enabled":true}"#), true, json!({"hash": null,"principal": null})),
            ("elastic", None, true, json!({"hash": null,"principal": elastic})),
            ("elastic", Some(&on), false, json!({"hash": null,"principal": null})),
        ];
        for (username, record, reserved_enabled, expected) in rows {
            assert_eq!(login_user(username, record, reserved_enabled), expected, "{username} {record:?}");
        }
    }
}
