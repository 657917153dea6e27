//! The body of PUT/POST /_security/user/{username}, parsed and validated as Elasticsearch does
//! it (PutUserRequestBuilder.source, PutUserRequest.validate, TransportPutUserAction), with
//! ES's error types and messages, in ES's order: parse errors, then request validation (both
//! before authorization), then the checks ES runs after authorization. Passwords are only
//! checked here; the host hashes a new one once the caller is known to be allowed, and
//! [`record`] makes the document to store.

use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, request_body_required, validation_error, validation_reason, Cause, Reply};
use crate::json_fields::Fields;
use crate::json_value::parse_strict;
use crate::native_roles::{self, MAX_STORED_ROLE_READS};
use crate::password_hash;
use crate::users::{
    invalid_name_message, invalid_native_username_message, is_internal, is_reserved, is_valid_name,
    is_valid_native_username, UserRecord,
};

/// The request after parsing and validation; also what the host hands back to
/// [`problems`] and [`record`] (as JSON, the fields in this order, `password` and
/// `password_hash` only when set).
#[derive(Debug, Clone, PartialEq)]
pub struct PutUserRequest {
    pub username: String,
    pub password: Option<String>,
    pub password_hash: Option<String>,
    /// `None` only while parsing: validation refuses a request without roles.
    pub roles: Option<Vec<String>>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub enabled: bool,
}

/// The fields a put-user and a change-password request share, as the host hands them back:
/// `username`, then `password` and `password_hash` where given.
pub(crate) fn credentials_map(username: &str, password: Option<&str>, hash: Option<&str>) -> Map<String, Value> {
    let mut request = Map::new();
    request.insert("username".into(), username.into());
    if let Some(password) = password {
        request.insert("password".into(), password.into());
    }
    if let Some(hash) = hash {
        request.insert("password_hash".into(), hash.into());
    }
    request
}

/// Written through a `Value` rather than derived: a derived `Serialize` is one more serializer
/// per struct and output format in the wasm (`docs/wasm-size.md`).
impl Serialize for PutUserRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut request = credentials_map(&self.username, self.password.as_deref(), self.password_hash.as_deref());
        request.insert("roles".into(), self.roles.clone().into());
        request.insert("full_name".into(), self.full_name.clone().into());
        request.insert("email".into(), self.email.clone().into());
        request.insert("metadata".into(), self.metadata.clone().map_or(Value::Null, Value::Object));
        request.insert("enabled".into(), self.enabled.into());
        Value::Object(request).serialize(serializer)
    }
}

const MIN_PASSWORD_LENGTH: usize = 6;

/// The request in `text` for the user named in the path, or ES's 400.
pub fn parse(username: &str, text: &str) -> Result<PutUserRequest, Reply> {
    if text.is_empty() {
        return Err(request_body_required());
    }
    let members = match parse_strict(text)? {
        Value::Object(members) => members,
        other => return Err(parse_exception(format!("expected an object, but found token [{}]", token_name(&other)))),
    };
    let mut request = PutUserRequest {
        username: username.to_string(),
        password: None,
        password_hash: None,
        roles: None,
        full_name: None,
        email: None,
        metadata: None,
        enabled: true,
    };
    for (field, value) in members {
        read_field(&mut request, &field, value)?;
    }
    let problems = validate(&request);
    if problems.is_empty() {
        Ok(request)
    } else {
        Err(validation_error(&problems))
    }
}

fn read_field(request: &mut PutUserRequest, field: &str, value: Value) -> Result<(), Reply> {
    match field {
        "password" | "password_hash" => {
            let secret = read_secret(field, value, request.password.is_some() || request.password_hash.is_some())?;
            if field == "password" {
                request.password = Some(secret);
            } else {
                request.password_hash = Some(secret);
            }
        }
        "roles" => request.roles = Some(roles(value)?),
        "full_name" => request.full_name = nullable_string(field, value)?,
        "email" => request.email = nullable_string(field, value)?,
        "metadata" => match value {
            Value::Object(metadata) => request.metadata = Some(metadata),
            other => return Err(type_error(field, "object", &other)),
        },
        "enabled" => match value {
            Value::Bool(enabled) => request.enabled = enabled,
            other => return Err(type_error(field, "boolean", &other)),
        },
        "username" => {
            if string(field, value)? != request.username {
                return Err(illegal_argument(format!(
                    "[username] in source does not match the username provided [{}]",
                    request.username
                )));
            }
        }
        _ => return Err(parse_exception(format!("failed to parse add user request. unexpected field [{field}]"))),
    }
    Ok(())
}

/// A `password` or `password_hash` member, checked as ES's request builders check it (put
/// user's and change password's alike): the length rule, or the hash rule, first; then that
/// only one of the two is given (`already_set`).
pub(crate) fn read_secret(field: &str, value: Value, already_set: bool) -> Result<String, Reply> {
    let secret = string(field, value)?;
    if field == "password" {
        // Java counts UTF-16 units.
        if secret.encode_utf16().count() < MIN_PASSWORD_LENGTH {
            return Err(validation_exception(&format!(
                "passwords must be at least [{MIN_PASSWORD_LENGTH}] characters long"
            )));
        }
    } else {
        check_hash(&secret)?;
    }
    if already_set {
        return Err(validation_exception("password_hash has already been set"));
    }
    Ok(secret)
}

/// Jackson's token names, which ES puts in its parse errors.
pub(crate) fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Number(_) => "VALUE_NUMBER",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

pub(crate) fn parse_exception(reason: String) -> Reply {
    Cause::new("parse_exception", reason).into_reply(400)
}

pub(crate) fn type_error(field: &str, wanted: &str, value: &Value) -> Reply {
    parse_exception(format!(
        "expected field [{field}] to be of type {wanted}, but found [{}] instead",
        token_name(value)
    ))
}

/// ES's `ValidationException` (not the action request kind): one message.
fn validation_exception(message: &str) -> Reply {
    Cause::new("validation_exception", validation_reason(&[message.to_string()])).into_reply(400)
}

fn string(field: &str, value: Value) -> Result<String, Reply> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(type_error(field, "string", &other)),
    }
}

fn nullable_string(field: &str, value: Value) -> Result<Option<String>, Reply> {
    match value {
        Value::Null => Ok(None),
        other => string(field, other).map(Some),
    }
}

/// An array of strings, or a string as ES's comma-separated list.
fn roles(value: Value) -> Result<Vec<String>, Reply> {
    const PREFIX: &str = "could not parse [roles] field. expected a string array but";
    match value {
        // The same split and trim as GET's list of names.
        Value::String(list) => Ok(crate::user_lookup::usernames(&list)),
        // A loop, not `collect::<Result<..>>` (one iterator adapter less in the wasm).
        Value::Array(items) => {
            let mut roles = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(role) => roles.push(role),
                    other => {
                        let found = token_name(&other);
                        return Err(parse_exception(format!("{PREFIX} one of the value in the array is [{found}]")));
                    }
                }
            }
            Ok(roles)
        }
        other => Err(parse_exception(format!("{PREFIX} found [{}] value instead", token_name(&other)))),
    }
}

/// A given hash must be one this service can verify, at a bounded cost
/// (`password_hash::check`). ES insists on its one configured hasher; here every bcrypt and
/// PBKDF2 form ES can produce within the bounds is taken, so hashes from a cluster configured
/// either way can be brought over.
fn check_hash(hash: &str) -> Result<(), Reply> {
    password_hash::check(hash).map(|_| ()).map_err(illegal_argument)
}

/// PutUserRequest.validate(): runs before authorization in ES.
fn validate(request: &PutUserRequest) -> Vec<String> {
    let mut problems = Vec::new();
    if request.roles.is_none() {
        problems.push("roles are missing".to_string());
    }
    if request.metadata.as_ref().is_some_and(|metadata| metadata.keys().any(|key| key.starts_with('_'))) {
        problems.push("metadata keys may not start with [_]".to_string());
    }
    problems
}

/// A request the host hands back (the body [`parse`] answered with), or a 400 for one that is
/// not such a request.
pub fn from_json(json: &str) -> Result<PutUserRequest, Reply> {
    read(json).map_err(|error| illegal_argument(format!("invalid put user request: {error}")))
}

fn read(json: &str) -> Result<PutUserRequest, String> {
    let mut f = Fields::parse(json, "struct PutUserRequest")?;
    f.only(&["username", "password", "password_hash", "roles", "full_name", "email", "metadata", "enabled"])?;
    Ok(PutUserRequest {
        username: f.required_string("username")?,
        password: f.string("password")?,
        password_hash: f.string("password_hash")?,
        roles: f.optional_strings("roles")?,
        full_name: f.string("full_name")?,
        email: f.string("email")?,
        metadata: f.object("metadata")?,
        enabled: f.required_boolean("enabled")?,
    })
}

/// TransportPutUserAction's checks, which ES runs after authorization: a 400, or `None`.
pub fn problems(request: &PutUserRequest) -> Option<Reply> {
    let username = &request.username;
    let mut problems = Vec::new();
    if is_reserved(username) {
        problems.push(format!("user [{username}] is reserved and only the password can be changed"));
    } else if is_internal(username) {
        problems.push(format!("user [{username}] is internal"));
    } else if !is_valid_native_username(username) {
        problems.push(invalid_native_username_message());
    }
    for role in request.roles.iter().flatten() {
        if !is_valid_name(role) {
            problems.push(invalid_name_message("Role"));
        }
    }
    // Not ES's: each request reads its caller's stored roles, within a Worker's KV budget.
    let readable = native_roles::readable_role_count(request.roles.as_deref().unwrap_or_default());
    if readable > MAX_STORED_ROLE_READS {
        problems.push(format!(
            "a user can be assigned at most [{MAX_STORED_ROLE_READS}] roles other than the reserved roles, got [{readable}]"
        ));
    }
    (!problems.is_empty()).then(|| validation_error(&problems))
}

/// ES's answer to a new user without a password.
pub fn password_required() -> Reply {
    validation_exception("password must be specified unless you are updating an existing user")
}

/// The document to store for `request`, as `{"record": <text>, "created": bool}`, or a 400.
/// `new_hash` is the host's hash of `request.password` (required when there is one); without
/// a password the given `password_hash` is used, else the existing record's. An update
/// replaces every other field (enabled defaults to true), as ES's put-user does.
pub fn record(request: PutUserRequest, new_hash: Option<String>, existing: Option<&str>) -> Reply {
    // Checked again here, so no call order can store a user that put-user refuses.
    if let Some(problem) = problems(&request) {
        return problem;
    }
    if let Some(given) = &request.password_hash {
        if let Err(problem) = check_hash(given) {
            return problem;
        }
    }
    let existing = UserRecord::parse_for(existing, &request.username);
    let hash = match (&request.password, new_hash) {
        (Some(_), Some(hash)) => Some(hash),
        (Some(_), None) => return illegal_argument("invalid put user request: the password was not hashed"),
        (None, _) => request.password_hash.or_else(|| existing.as_ref().and_then(|r| r.password_hash.clone())),
    };
    let Some(hash) = hash else {
        return password_required();
    };
    let record = UserRecord {
        username: request.username,
        password_hash: Some(hash),
        roles: request.roles.unwrap_or_default(),
        full_name: request.full_name,
        email: request.email,
        metadata: request.metadata.unwrap_or_default(),
        enabled: request.enabled,
    };
    Reply::ok(json!({"record": record.to_text(), "created": existing.is_none()}))
}
