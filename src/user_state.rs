//! Enabling and disabling users (§10): PUT/POST /_security/user/{username}/_enable and
//! `/_disable`, as ES's `SetEnabledRequest`, `TransportSetEnabledAction` and
//! `NativeUsersStore.setEnabled` rule them.
//!
//! A native user's flag lives in its record (`enabled`). A reserved user has no record: its
//! state is a small document of its own, `reserved-user:` + base64url(SHA-256(name)), holding
//! `{"username","enabled"}` (ES's `reserved-user-<name>` document). Tokens a user was given
//! before being disabled keep authenticating until they expire or are invalidated: ES's token
//! service answers with the authentication stored with the token and does not look the user up
//! again (§10).

use crate::json_fields::Fields;
use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, validation_error, validation_reason, Cause, Reply};
use crate::users::{invalid_name_message, is_internal, is_reserved, is_valid_name, user_key, UserRecord};

const RESERVED_STATE_PREFIX: &str = "reserved-user:";

/// The KV key of a reserved user's enabled state.
pub fn reserved_state_key(username: &str) -> String {
    // The same digest as the user records' keys, under a prefix a user listing never reads.
    let digest = user_key(username);
    let digest = digest.split_once(':').map_or(digest.as_str(), |(_, d)| d);
    format!("{RESERVED_STATE_PREFIX}{digest}")
}

/// A reserved user's stored state. No state is the bootstrap state, enabled (ES's reserved
/// realm without its document); a state that does not parse, or names another user, counts as
/// disabled: fail closed.
/// `password_hash` is the password set through the API (§11); without one, `elastic` logs in
/// with the bootstrap password.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservedState {
    pub username: String,
    pub enabled: bool,
    pub password_hash: Option<String>,
}

impl ReservedState {
    /// The text to store: `{"username","enabled"}`, then `password_hash` when there is one.
    /// Built as a `Value`, not with a derived `Serialize` (one serializer less in the wasm).
    pub fn to_text(&self) -> String {
        let mut state = Map::new();
        state.insert("username".into(), self.username.clone().into());
        state.insert("enabled".into(), self.enabled.into());
        if let Some(hash) = &self.password_hash {
            state.insert("password_hash".into(), hash.clone().into());
        }
        Value::Object(state).to_string()
    }

    fn read(text: &str) -> Result<ReservedState, String> {
        let mut f = Fields::parse(text, "struct ReservedState")?;
        Ok(ReservedState {
            username: f.required_string("username")?,
            enabled: f.required_boolean("enabled")?,
            password_hash: f.string("password_hash")?,
        })
    }

    /// The state stored for `username`, when it parses and names that user.
    pub fn parse_for(stored: Option<&str>, username: &str) -> Option<ReservedState> {
        stored.and_then(|text| ReservedState::read(text).ok()).filter(|state| state.username == username)
    }
}

/// Whether the reserved user `username` is enabled, from the state read at its key.
pub fn reserved_enabled(username: &str, stored: Option<&str>) -> bool {
    stored.is_none() || ReservedState::parse_for(stored, username).is_some_and(|state| state.enabled)
}

/// What setting the flag reads and writes: `{"key", "reserved"}` (the user's record, or the
/// reserved user's state), or ES's 400 from `SetEnabledRequest.validate` (before
/// authorization): the user-name rule.
pub fn plan(username: &str) -> Result<Value, Reply> {
    if !is_valid_name(username) {
        return Err(validation_error(&[invalid_name_message("User")]));
    }
    let reserved = is_reserved(username);
    let key = if reserved { reserved_state_key(username) } else { user_key(username) };
    Ok(json!({"key": key, "reserved": reserved}))
}

/// `TransportSetEnabledAction`'s checks, after authorization: nobody changes their own flag,
/// enabling included; then ES's internal users are refused.
pub fn caller_problem(caller: &str, username: &str) -> Option<Reply> {
    if caller == username {
        return Some(illegal_argument("users may not update the enabled status of their own account"));
    }
    is_internal(username).then(|| illegal_argument(format!("user [{username}] is internal")))
}

/// The text to store for the flag, `{"value": <text>}`, from the value read at [`plan`]'s key;
/// ES's 400 for a native user that does not exist.
pub fn new_value(username: &str, enabled: bool, existing: Option<&str>) -> Reply {
    if is_reserved(username) {
        // The password set through the API stays (§11).
        let password_hash = ReservedState::parse_for(existing, username).and_then(|state| state.password_hash);
        let state = ReservedState { username: username.into(), enabled, password_hash };
        return Reply::ok(json!({"value": state.to_text()}));
    }
    match UserRecord::parse_for(existing, username) {
        Some(mut record) => {
            record.enabled = enabled;
            Reply::ok(json!({"value": record.to_text()}))
        }
        None => {
            let verb = if enabled { "enabled" } else { "disabled" };
            let reason = validation_reason(&[format!("only existing users can be {verb}")]);
            Cause::new("validation_exception", reason).into_reply(400)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(reply: &Reply) -> (u16, String) {
        (reply.status, reply.body["error"]["reason"].as_str().unwrap_or("").to_string())
    }

    #[test]
    fn plans_and_request_validation() {
        assert_eq!(plan("joe").ok(), Some(json!({"key": user_key("joe"), "reserved": false})));
        let elastic = plan("elastic").ok().unwrap_or_default();
        assert_eq!(elastic["reserved"], true);
        assert!(elastic["key"].as_str().is_some_and(|k| k.starts_with("reserved-user:") && k.len() == 57));
        assert!(plan("_xpack").is_ok());
        let bad = plan(" joe").err().map(|r| reason(&r));
        assert_eq!(bad, Some((400, format!("Validation Failed: 1: {};", invalid_name_message("User")))));
    }

    #[test]
    fn nobody_changes_their_own_flag() {
        let own = caller_problem("joe", "joe").map(|r| reason(&r));
        assert_eq!(own, Some((400, "users may not update the enabled status of their own account".into())));
        assert!(caller_problem("elastic", "joe").is_none());
        let internal = caller_problem("elastic", "_xpack").map(|r| reason(&r));
        assert_eq!(internal, Some((400, "user [_xpack] is internal".into())));
    }

    #[test]
    fn new_values() {
        let stored = r#"{"username":"joe","password_hash":"h","roles":[],"full_name":null,"email":null,"metadata":{},"enabled":true}"#;
        let off = new_value("joe", false, Some(stored));
        assert_eq!(off.body["value"], stored.replace("\"enabled\":true", "\"enabled\":false"));
        let missing = new_value("jim", false, None);
        assert_eq!(reason(&missing), (400, "Validation Failed: 1: only existing users can be disabled;".into()));
        assert_eq!(missing.body["error"]["type"], "validation_exception");
        let other = new_value("jim", true, Some(stored));
        assert_eq!(reason(&other), (400, "Validation Failed: 1: only existing users can be enabled;".into()));
        assert_eq!(new_value("elastic", false, None).body["value"], r#"{"username":"elastic","enabled":false}"#);
        let with_password = r#"{"username":"elastic","enabled":true,"password_hash":"h"}"#;
        let kept = new_value("elastic", false, Some(with_password));
        assert_eq!(kept.body["value"], with_password.replace("true", "false"));
    }

    #[test]
    fn reserved_states() {
        let rows = [
            (None, true),
            (Some(r#"{"username":"elastic","enabled":false}"#), false),
            (Some(r#"{"username":"elastic","enabled":true}"#), true),
            (Some(r#"{"username":"kibana","enabled":true}"#), false),
            (Some("damaged"), false),
        ];
        for (stored, enabled) in rows {
            assert_eq!(reserved_enabled("elastic", stored), enabled, "{stored:?}");
        }
    }
}
