//! Reads of the native realm, in two steps around the host's KV reads: which keys to read (for
//! GET /_security/user and for a password login), then what the values read make (ES's body,
//! the user a password is checked against).
//!
//! GET /_security/user is bounded, where ES is not: a Worker may make 1,000 KV operations per
//! request (a bulk get of up to 100 keys, and a list page of up to 1,000 keys, count one each),
//! so a request names at most [`MAX_NAMED_USERS`] users and a listing answers at most
//! [`MAX_LISTED_USERS`]; past either, ES's 400 `illegal_argument_exception` (see
//! `docs/service.md`).

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, Reply};
use crate::password_hash;
use crate::user_state::{self, reserved_state_key, ReservedState};
use crate::users::{login_key, native_realm, reserved_realm, trim_js, user_key, user_key_prefix, UserRecord, ELASTIC};

/// The most usernames GET /_security/user/{names} takes: 10 bulk gets.
pub const MAX_NAMED_USERS: usize = 1000;
/// The most users GET /_security/user lists: 10 list pages and 101 bulk gets (the users and the
/// reserved user's state), about 111 KV operations; the 11th page, that tells there are more, is
/// the last one read.
pub const MAX_LISTED_USERS: usize = 10_000;

/// The names of GET /_security/user/{a,b}: comma-separated, trimmed, empty ones dropped.
pub fn usernames(list: &str) -> Vec<String> {
    list.split(',').map(trim_js).filter(|name| !name.is_empty()).map(str::to_string).collect()
}

/// What to read for GET /_security/user[/{names}]: `{"prefix", "max_users", "keys"}` to list
/// the stored users (the host lists no further than one key past `max_users`, and reads no value
/// past it: [`views`] then answers 400 whatever was read), then read `keys` (the reserved user's
/// state), its values after the listed ones; or `{"keys"}`, each stored name's key once, in the
/// order the names come (for the reserved user, its state). Too many names: ES's 400.
pub fn lookup(names: Option<&str>) -> Result<Value, Reply> {
    match names {
        None => Ok(json!({
            "prefix": user_key_prefix(),
            "max_users": MAX_LISTED_USERS,
            "keys": [reserved_state_key(ELASTIC)],
        })),
        Some(list) => Ok(json!({"keys": keys(&named(list)?)})),
    }
}

/// The reserved user as GET shows it, enabled or not by its stored state (§10).
fn elastic_view(state: Option<&str>) -> Value {
    let mut elastic = UserRecord::elastic();
    elastic.enabled = user_state::reserved_enabled(ELASTIC, state);
    elastic.view()
}

/// The names of `list`, or ES's 400 past [`MAX_NAMED_USERS`].
fn named(list: &str) -> Result<Vec<String>, Reply> {
    let names = usernames(list);
    if names.len() > MAX_NAMED_USERS {
        return Err(illegal_argument(format!(
            "cannot get more than [{MAX_NAMED_USERS}] users in one request, got [{}] usernames",
            names.len()
        )));
    }
    Ok(names)
}

/// The keys to read for `names`: one per name (the reserved user's state for it), repeated
/// names read once. (A linear
/// search: at most 1,000 keys, which differ within their first bytes; a map would cost the wasm
/// kilobytes.)
fn keys(names: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let key_of = |name: &String| if name == ELASTIC { reserved_state_key(ELASTIC) } else { user_key(name) };
    for key in names.iter().map(key_of) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// GET /_security/user's answer from the values read for [`lookup`] (in its key order; every
/// listed value when listing): `{name: user}`, or 404 `{}` when none of the names exist; 400
/// for a listing of more than [`MAX_LISTED_USERS`] or too many names.
pub fn views(names: Option<&str>, values: &[Option<String>]) -> Reply {
    let out = match names {
        None => listed(values),
        Some(list) => named(list).map(|names| named_views(names, values)),
    };
    match out {
        Ok(out) if out.is_empty() => Reply::new(404, Value::Object(out)),
        Ok(out) => Reply::new(200, Value::Object(out)),
        Err(reply) => reply,
    }
}

/// All users: the reserved one first, then the native realm's by name; `values` end with the
/// reserved user's state.
fn listed(values: &[Option<String>]) -> Result<Map<String, Value>, Reply> {
    let (state, values) = values.split_last().map_or((None, values), |(last, rest)| (last.as_deref(), rest));
    if values.len() > MAX_LISTED_USERS {
        return Err(illegal_argument(format!(
            "cannot list more than [{MAX_LISTED_USERS}] users in one request; get them by name, up to \
             [{MAX_NAMED_USERS}] per request"
        )));
    }
    let mut out = Map::new();
    out.insert(ELASTIC.into(), elastic_view(state));
    let mut records: Vec<UserRecord> = values.iter().flatten().filter_map(|text| UserRecord::parse(text)).collect();
    crate::sorting::sort_by(&mut records, |a, b| a.username.cmp(&b.username));
    for record in records {
        out.insert(record.username.clone(), record.view());
    }
    Ok(out)
}

/// The named users that exist, in the order named; `values` in the order of [`keys`].
fn named_views(names: Vec<String>, values: &[Option<String>]) -> Map<String, Value> {
    let keys = keys(&names);
    let mut out = Map::new();
    for name in names {
        let key = if name == ELASTIC { reserved_state_key(ELASTIC) } else { user_key(&name) };
        let value = keys.iter().position(|k| *k == key).and_then(|at| values.get(at)).and_then(Option::as_deref);
        let view = if name == ELASTIC {
            Some(elastic_view(value))
        } else {
            UserRecord::parse_for(value, &name).map(|record| record.view())
        };
        if let Some(view) = view {
            out.insert(name, view);
        }
    }
    out
}

/// The keys a password login for `username` reads: `throttle_key` (the host's failed-login
/// state) and `record_key`, the stored user, `null` for the reserved user, whose password is
/// the one the host is configured with, whose enabled state (`state_key`, `null` for everyone
/// else) the host reads in its place (§10).
pub fn login_plan(username: &str) -> Value {
    if username == ELASTIC {
        let state_key = reserved_state_key(username);
        return json!({"throttle_key": login_key(username), "record_key": null, "state_key": state_key});
    }
    json!({"throttle_key": login_key(username), "record_key": user_key(username), "state_key": null})
}

/// The user a password login is checked against, from the record read for [`login_plan`]
/// (for the reserved user, the state read at its `state_key`):
/// `{"hash", "principal", "known"}`. `hash` is the stored hash (`null` for an unknown user,
/// whom the host checks against a decoy so that it costs the same, and for the reserved user
/// without a password set through the API, whom the host checks against its bootstrap password);
/// `principal` is the `_authenticate` body the login yields when the password matches, `null`
/// when it yields nobody (unknown or disabled user; reserved user neither `reserved_enabled`,
/// i.e. given a bootstrap password, nor given one through the API); `known` whether the username
/// exists (the reserved user, or a record is stored at its key), so that the login throttle may
/// store its bucket (a made-up name's never is).
pub fn login_user(username: &str, record: Option<&str>, reserved_enabled: bool) -> Value {
    if username == ELASTIC {
        // A password set through the API (§11) replaces the bootstrap one, which the host
        // checks when `hash` is null; `reserved_enabled` says whether it has one.
        let state = ReservedState::parse_for(record, ELASTIC);
        let hash = state.and_then(|s| s.password_hash).filter(|h| password_hash::verifier(h).is_some());
        let enabled = (reserved_enabled || hash.is_some()) && user_state::reserved_enabled(ELASTIC, record);
        let principal = enabled.then(|| UserRecord::elastic().principal(reserved_realm()));
        return json!({"hash": hash, "principal": principal, "known": true});
    }
    let known = record.is_some();
    // A stored hash this service would not take (one stored before the cost bounds, or written
    // to the store by hand) is never verified at its cost: the login is checked against the
    // decoy, as for an unknown user, and yields nobody.
    let Some(record) = UserRecord::parse_for(record, username)
        .filter(|r| r.password_hash.as_deref().is_some_and(|hash| password_hash::verifier(hash).is_some()))
    else {
        return json!({"hash": null, "principal": null, "known": known});
    };
    let principal = record.enabled.then(|| record.principal(native_realm()));
    json!({"hash": record.password_hash, "principal": principal, "known": known})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ES's own `{PBKDF2}` form: 10000 iterations, a 32-byte salt and key.
    const HASH: &str =
        "{PBKDF2}10000$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";

    fn stored_with(name: &str, enabled: bool, hash: &str) -> String {
        format!(
            r#"{{"username":"{name}","password_hash":"{hash}","roles":["r"],"full_name":null,"email":null,"metadata":{{}},"enabled":{enabled}}}"#
        )
    }

    fn stored(name: &str, enabled: bool) -> String {
        stored_with(name, enabled, HASH)
    }

    fn reason(reply: &Reply) -> (u16, &str) {
        (reply.status, reply.body["error"]["reason"].as_str().unwrap_or(""))
    }

    fn names(count: usize) -> String {
        (0..count).map(|i| format!("u{i}")).collect::<Vec<_>>().join(",")
    }

    const TOO_MANY_NAMES: &str = "cannot get more than [1000] users in one request, got [1001] usernames";
    const TOO_MANY_LISTED: &str =
        "cannot list more than [10000] users in one request; get them by name, up to [1000] per request";

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
        let thousand = names(1000);
        let state = reserved_state_key("elastic");
        let rows = [
            (None, json!({"prefix":"user:","max_users":10000,"keys":[state]})),
            (Some("zed,elastic"), json!({"keys":[user_key("zed"), state]})),
            // Each name is read once, in the order the names first come.
            (Some("zed,amy,zed,elastic,amy"), json!({"keys":[user_key("zed"), user_key("amy"), state]})),
            (Some(""), json!({"keys":[]})),
            (Some("elastic"), json!({"keys":[state]})),
        ];
        for (names, expected) in rows {
            assert_eq!(lookup(names), Ok(expected), "{names:?}");
        }
        assert_eq!(lookup(Some(&thousand)).map(|plan| plan["keys"].as_array().map(Vec::len)), Ok(Some(1000)));
        let over = lookup(Some(&names(1001))).err().unwrap_or_else(|| Reply::ok(Value::Null));
        assert_eq!(reason(&over), (400, TOO_MANY_NAMES));
        assert_eq!(over.body["error"]["type"], "illegal_argument_exception");
    }

    #[test]
    fn views_of_what_was_read() {
        let elastic = UserRecord::elastic().view();
        let mut disabled = elastic.clone();
        disabled["enabled"] = json!(false);
        let view = |name: &str| UserRecord::parse(&stored(name, true)).map(|r| r.view()).unwrap_or_default();
        type Row<'a> = (Option<&'a str>, Vec<Option<String>>, u16, Value);
        let rows: Vec<Row> = vec![
            (
                None,
                vec![Some(stored("zed", true)), Some("garbage".into()), Some(stored("amy", true)), None],
                200,
                json!({"elastic": elastic, "amy": view("amy"), "zed": view("zed")}),
            ),
            (None, vec![None], 200, json!({"elastic": elastic})),
            // The reserved user's state, read last, shows whether it is enabled.
            (None, vec![Some(r#"{"username":"elastic","enabled":false}"#.into())], 200, json!({"elastic": disabled})),
            (
                Some("zed,nobody,elastic"),
                vec![Some(stored("zed", true)), None, None],
                200,
                json!({"zed": view("zed"), "elastic": elastic}),
            ),
            (
                Some("elastic"),
                vec![Some(r#"{"username":"elastic","enabled":false}"#.into())],
                200,
                json!({"elastic": disabled}),
            ),
            // Values come in the lookup's key order, each name once.
            (
                Some("amy,zed,amy"),
                vec![Some(stored("amy", true)), Some(stored("zed", true))],
                200,
                json!({"amy": view("amy"), "zed": view("zed")}),
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
    fn views_past_the_bounds_are_es_400s() {
        assert_eq!(views(None, &vec![None; MAX_LISTED_USERS + 1]).status, 200);
        assert_eq!(reason(&views(None, &vec![None; MAX_LISTED_USERS + 2])), (400, TOO_MANY_LISTED));
        assert_eq!(reason(&views(Some(&names(1001)), &[])), (400, TOO_MANY_NAMES));
    }

    #[test]
    fn login_plans_and_users() {
        let joe_plan = json!({"throttle_key": login_key("joe"), "record_key": user_key("joe"), "state_key": null});
        assert_eq!(login_plan("joe"), joe_plan);
        let state_key = reserved_state_key("elastic");
        let elastic_plan = json!({"throttle_key": login_key("elastic"), "record_key": null, "state_key": state_key});
        assert_eq!(login_plan("elastic"), elastic_plan);
        let joe = UserRecord::parse(&stored("joe", true)).map(|r| r.principal(native_realm())).unwrap_or_default();
        let elastic = UserRecord::elastic().principal(reserved_realm());
        let on = stored("joe", true);
        let off = stored("joe", false);
        // Stored before the bounds, or by hand: never verified at their cost, nobody logs in.
        let costly = stored_with("joe", true, &format!("$2b$14${}", "a".repeat(53)));
        let long_key = stored_with("joe", true, &format!("{}{}", HASH, "A".repeat(2000)));
        let unreadable = stored_with("joe", true, "plain-text");
        let set_on = format!(r#"{{"username":"elastic","enabled":true,"password_hash":"{HASH}"}}"#);
        let set_off = set_on.replace("true", "false");
        let rows: Vec<(&str, Option<&str>, bool, Value)> = vec![
            ("joe", Some(&on), false, json!({"hash": HASH,"principal": joe,"known": true})),
            ("joe", Some(&off), true, json!({"hash": HASH,"principal": null,"known": true})),
            ("joe", Some(&costly), true, json!({"hash": null,"principal": null,"known": true})),
            ("joe", Some(&long_key), true, json!({"hash": null,"principal": null,"known": true})),
            ("joe", Some(&unreadable), true, json!({"hash": null,"principal": null,"known": true})),
            ("joe", None, true, json!({"hash": null,"principal": null,"known": false})),
            ("jim", Some(&on), true, json!({"hash": null,"principal": null,"known": true})),
            (
                "joe",
                Some(r#"{"username":"joe","enabled":true}"#),
                true,
                json!({"hash": null,"principal": null,"known": true}),
            ),
            ("elastic", None, true, json!({"hash": null,"principal": elastic,"known": true})),
            ("elastic", Some(&on), false, json!({"hash": null,"principal": null,"known": true})),
            (
                "elastic",
                Some(r#"{"username":"elastic","enabled":false}"#),
                true,
                json!({"hash": null,"principal": null,"known": true}),
            ),
            (
                "elastic",
                Some(r#"{"username":"elastic","enabled":true}"#),
                true,
                json!({"hash": null,"principal": elastic,"known": true}),
            ),
            // A password set through the API replaces the bootstrap one, which need not exist.
            ("elastic", Some(&set_on), false, json!({"hash": HASH,"principal": elastic,"known": true})),
            ("elastic", Some(&set_off), true, json!({"hash": HASH,"principal": null,"known": true})),
        ];
        for (username, record, reserved_enabled, expected) in rows {
            assert_eq!(login_user(username, record, reserved_enabled), expected, "{username} {record:?}");
        }
    }
}
