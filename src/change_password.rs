//! Changing a password (§11): PUT/POST /_security/user/{username}/_password and
//! `/_security/user/_password` (the caller's own), as ES's `RestChangePasswordAction`,
//! `ChangePasswordRequestBuilder`, `ChangePasswordRequest.validate` and
//! `NativeUsersStore.changePassword` rule them, in ES's order: the body (parse errors and the
//! password rules put-user applies, both before authorization), then authorization
//! (`privileges::authorize_user_action`: `manage_security`, or the caller's own password when
//! a password realm authenticated them), then the write.
//!
//! A native user's new hash replaces the one in its record, which must exist. A reserved
//! user's hash goes into its state document (`user_state::ReservedState`), made when missing,
//! as ES indexes a `reserved-user` document: from then on `elastic` logs in with it instead of
//! the bootstrap password (`ELASTIC_PASSWORD`). Tokens issued before stay valid (§10).

use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use crate::errors::{illegal_argument, request_body_required, validation_error, validation_reason, Cause, Reply};
use crate::json_fields::Fields;
use crate::json_value::parse_strict;
use crate::put_user::{credentials_map, parse_exception, read_secret, token_name};
use crate::user_state::{reserved_state_key, ReservedState};
use crate::users::{is_reserved, user_key, UserRecord};

/// The request after parsing and validation, with the key the change reads and writes; also
/// what the host hands back to [`new_value`] (as JSON, the fields in this order, `password`
/// and `password_hash` only when set).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePasswordRequest {
    pub username: String,
    pub password: Option<String>,
    pub password_hash: Option<String>,
    /// The user's record, or a reserved user's state.
    pub key: String,
}

/// Written through a `Value`, not derived (as `PutUserRequest`: wasm size).
impl Serialize for ChangePasswordRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut request = credentials_map(&self.username, self.password.as_deref(), self.password_hash.as_deref());
        request.insert("key".into(), self.key.clone().into());
        Value::Object(request).serialize(serializer)
    }
}

/// The request in `text` for `username` (the path's, else the caller's), or ES's 400.
pub fn parse(username: &str, text: &str) -> Result<ChangePasswordRequest, Reply> {
    if text.is_empty() {
        return Err(request_body_required());
    }
    let members = match parse_strict(text)? {
        Value::Object(members) => members,
        other => return Err(parse_exception(format!("expected an object, but found token [{}]", token_name(&other)))),
    };
    let (mut password, mut password_hash) = (None, None);
    for (field, value) in members {
        let already_set = password.is_some() || password_hash.is_some();
        match field.as_str() {
            "password" => password = Some(read_secret(&field, value, already_set)?),
            "password_hash" => password_hash = Some(read_secret(&field, value, already_set)?),
            _ => {
                return Err(parse_exception(format!(
                    "failed to parse change password request. unexpected field [{field}]"
                )))
            }
        }
    }
    // ChangePasswordRequest.validate(); the username is never missing over REST.
    if password.is_none() && password_hash.is_none() {
        return Err(validation_error(&["password is missing".to_string()]));
    }
    let key = if is_reserved(username) { reserved_state_key(username) } else { user_key(username) };
    Ok(ChangePasswordRequest { username: username.to_string(), password, password_hash, key })
}

/// A request the host hands back, or a 400 for one that is not such a request.
pub fn from_json(json: &str) -> Result<ChangePasswordRequest, Reply> {
    read(json).map_err(|error| illegal_argument(format!("invalid change password request: {error}")))
}

fn read(json: &str) -> Result<ChangePasswordRequest, String> {
    let mut f = Fields::parse(json, "struct ChangePasswordRequest")?;
    f.only(&["username", "password", "password_hash", "key"])?;
    Ok(ChangePasswordRequest {
        username: f.required_string("username")?,
        password: f.string("password")?,
        password_hash: f.string("password_hash")?,
        key: f.required_string("key")?,
    })
}

/// ES's answer when the native user does not exist.
pub fn user_must_exist() -> Reply {
    let reason = validation_reason(&["user must exist in order to change password".to_string()]);
    Cause::new("validation_exception", reason).into_reply(400)
}

/// The text to store at the request's key, `{"value": <text>}`, from the value read there.
/// `new_hash` is the host's hash of the request's `password` (required when it has one).
pub fn new_value(request: &ChangePasswordRequest, new_hash: Option<String>, existing: Option<&str>) -> Reply {
    // Checked again here, so that no call order stores a hash put-user would refuse.
    let hash = match (&request.password, &request.password_hash, new_hash) {
        (Some(_), _, Some(hash)) => hash,
        (Some(_), _, None) => return illegal_argument("invalid change password request: the password was not hashed"),
        (None, Some(given), _) => match read_secret("password_hash", Value::String(given.clone()), false) {
            Ok(hash) => hash,
            Err(problem) => return problem,
        },
        (None, None, _) => return validation_error(&["password is missing".to_string()]),
    };
    let username = &request.username;
    let key = if is_reserved(username) { reserved_state_key(username) } else { user_key(username) };
    if key != request.key {
        return illegal_argument("invalid change password request: the key is not the user's");
    }
    let text = if is_reserved(username) {
        // A state that does not parse counts as disabled (fail closed), and stays so.
        let previous = ReservedState::parse_for(existing, username);
        let enabled = existing.is_none() || previous.as_ref().is_some_and(|state| state.enabled);
        let state = ReservedState { username: username.clone(), enabled, password_hash: Some(hash) };
        state.to_text()
    } else {
        let Some(mut record) = UserRecord::parse_for(existing, username) else {
            return user_must_exist();
        };
        record.password_hash = Some(hash);
        record.to_text()
    };
    Reply::ok(json!({"value": text}))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str =
        "{PBKDF2}10000$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";

    fn reason(reply: &Reply) -> (u16, String, String) {
        let error = &reply.body["error"];
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        (reply.status, text(&error["type"]), text(&error["reason"]))
    }

    /// The parsed request; an empty one (which every assertion then fails on) when refused.
    fn parsed(username: &str, body: &str) -> ChangePasswordRequest {
        parse(username, body).unwrap_or(ChangePasswordRequest {
            username: String::new(),
            password: None,
            password_hash: None,
            key: String::new(),
        })
    }

    fn failure(username: &str, body: &str) -> (u16, String, String) {
        parse(username, body).err().map(|r| reason(&r)).unwrap_or_default()
    }

    #[test]
    fn bodies_as_es_parses_them() {
        let joe = parse("joe", r#"{"password":"s3krit-pw"}"#).ok();
        assert_eq!(joe.as_ref().and_then(|r| r.password.as_deref()), Some("s3krit-pw"));
        assert_eq!(joe.map(|r| r.key), Some(user_key("joe")));
        let hashed = parse("elastic", &format!(r#"{{"password_hash":"{HASH}"}}"#)).ok();
        assert_eq!(hashed.as_ref().and_then(|r| r.password_hash.as_deref()), Some(HASH));
        assert_eq!(hashed.map(|r| r.key), Some(reserved_state_key("elastic")));
        let rows = [
            ("", "parse_exception", "request body is required".to_string()),
            ("[]", "parse_exception", "expected an object, but found token [START_ARRAY]".into()),
            (
                r#"{"password":"short"}"#,
                "validation_exception",
                "Validation Failed: 1: passwords must be at least [6] characters long;".into(),
            ),
            (
                r#"{"password":12345678}"#,
                "parse_exception",
                "expected field [password] to be of type string, but found [VALUE_NUMBER] instead".into(),
            ),
            (
                r#"{"passwd":"s3krit-pw"}"#,
                "parse_exception",
                "failed to parse change password request. unexpected field [passwd]".into(),
            ),
            (r#"{"password":"s3krit-pw","password":"other-pw"}"#, "x_content_parse_exception", String::new()),
            (
                &format!(r#"{{"password":"s3krit-pw","password_hash":"{HASH}"}}"#),
                "validation_exception",
                "Validation Failed: 1: password_hash has already been set;".into(),
            ),
            // The length rule comes before the one that says a secret was already given.
            (
                &format!(r#"{{"password_hash":"{HASH}","password":"short"}}"#),
                "validation_exception",
                "Validation Failed: 1: passwords must be at least [6] characters long;".into(),
            ),
            ("{}", "action_request_validation_exception", "Validation Failed: 1: password is missing;".into()),
        ];
        for (body, kind, message) in rows {
            let (status, got_kind, got_reason) = failure("joe", body);
            assert_eq!((status, got_kind.as_str()), (400, kind), "{body}");
            if !message.is_empty() {
                assert_eq!(got_reason, message, "{body}");
            }
        }
        let (_, kind, _) = failure("joe", r#"{"password_hash":"plain-text"}"#);
        assert_eq!(kind, "illegal_argument_exception");
    }

    #[test]
    fn requests_as_the_host_holds_them() {
        let request = parsed("joe", r#"{"password":"s3krit-pw"}"#);
        let text = serde_json::to_string(&request).unwrap_or_default();
        let key = user_key("joe");
        assert_eq!(text, format!(r#"{{"username":"joe","password":"s3krit-pw","key":"{key}"}}"#));
        assert_eq!(from_json(&text), Ok(request));
        let hashed = parsed("joe", &format!(r#"{{"password_hash":"{HASH}"}}"#));
        let value = serde_json::to_value(&hashed).unwrap_or_default();
        assert_eq!(value, json!({"username": "joe", "password_hash": HASH, "key": key}));
    }

    #[test]
    fn new_values_of_native_and_reserved_users() {
        let stored = r#"{"username":"joe","password_hash":"old","roles":["r"],"full_name":null,"email":null,"metadata":{},"enabled":false}"#;
        let request = parsed("joe", r#"{"password":"s3krit-pw"}"#);
        let changed = new_value(&request, Some("new".into()), Some(stored));
        assert_eq!(changed.body["value"], stored.replace("\"old\"", "\"new\""));
        assert_eq!(reason(&new_value(&request, None, Some(stored))).0, 400);
        let missing = reason(&new_value(&request, Some("new".into()), None));
        let expected = "Validation Failed: 1: user must exist in order to change password;";
        assert_eq!(missing, (400, "validation_exception".into(), expected.into()));

        let elastic = parsed("elastic", &format!(r#"{{"password_hash":"{HASH}"}}"#));
        let fresh = new_value(&elastic, None, None);
        let state = |enabled: bool| format!(r#"{{"username":"elastic","enabled":{enabled},"password_hash":"{HASH}"}}"#);
        assert_eq!(fresh.body["value"], state(true));
        let disabled = new_value(&elastic, None, Some(r#"{"username":"elastic","enabled":false}"#));
        assert_eq!(disabled.body["value"], state(false));
        assert_eq!(new_value(&elastic, None, Some("damaged")).body["value"], state(false));
        let mut moved = elastic.clone();
        moved.key = user_key("elastic");
        assert_eq!(reason(&new_value(&moved, None, None)).0, 400);
    }
}
