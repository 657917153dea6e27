//! The native realm (`default_native`): users kept in the same KV as the tokens, one key per
//! user, the reserved `elastic` user, and the names ES keeps for itself.
//!
//! Key: `user:` + base64url(SHA-256(username)). ES usernames may be 1024 characters, KV keys
//! only 512 bytes; the `user:` prefix shares nothing with the engine's `t:`, `r:`, `u:`, `w:`
//! keys. Value: JSON `{username, password_hash, roles, full_name, email, metadata, enabled}`,
//! no TTL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::authentication::{RealmRef, Subject};
use crate::errors::{illegal_argument, Reply};
use crate::json_fields::Fields;

/// The reserved superuser: the only reserved user that can log in here, with the password the
/// host is configured with.
pub const ELASTIC: &str = "elastic";

/// ES's reserved users (ClientReservedRealm): none of them may be created or deleted through
/// the API.
const RESERVED_USERNAMES: [&str; 7] =
    ["elastic", "kibana", "kibana_system", "logstash_system", "beats_system", "apm_system", "remote_monitoring_user"];
/// ES's internal users, which the API refuses to touch.
const INTERNAL_USERNAMES: [&str; 7] =
    ["_system", "_xpack", "_xpack_security", "_async_search", "_security_profile", "_cross_cluster_access", "_storage"];

const USER_KEY_PREFIX: &str = "user:";
const LOGIN_KEY_PREFIX: &str = "login:";

pub fn is_reserved(username: &str) -> bool {
    RESERVED_USERNAMES.contains(&username)
}

pub fn is_internal(username: &str) -> bool {
    INTERNAL_USERNAMES.contains(&username)
}

pub fn native_realm() -> RealmRef {
    RealmRef { name: "default_native".into(), kind: "native".into() }
}

pub fn reserved_realm() -> RealmRef {
    RealmRef { name: "reserved".into(), kind: "reserved".into() }
}

/// ES's rule for user and role names (`Validation.Users`/`Roles`): 1 to 1024 printable ASCII
/// characters, no leading or trailing space.
pub fn is_valid_name(name: &str) -> bool {
    let printable = name.bytes().all(|b| (0x20..=0x7e).contains(&b));
    printable && (1..=1024).contains(&name.len()) && !name.starts_with(' ') && !name.ends_with(' ')
}

/// ES's message for a name that breaks [`is_valid_name`]; `kind` is `User` or `Role`.
pub fn invalid_name_message(kind: &str) -> String {
    name_rule(kind, 1024)
}

/// ES's longest username in the native realm (`NativeRealmValidationUtil.MAX_NAME_LENGTH`: its
/// document ids, `user-` and the name, may be 512 bytes), which put-user applies.
pub const MAX_NATIVE_USERNAME: usize = 507;

/// Whether put-user takes the username: [`is_valid_name`] within [`MAX_NATIVE_USERNAME`].
pub fn is_valid_native_username(name: &str) -> bool {
    is_valid_name(name) && name.len() <= MAX_NATIVE_USERNAME
}

/// ES's message for a username that breaks [`is_valid_native_username`].
pub fn invalid_native_username_message() -> String {
    name_rule("User", MAX_NATIVE_USERNAME)
}

/// ES's `Validation` name rule for `kind` names of at most `max` characters.
fn name_rule(kind: &str, max: usize) -> String {
    format!(
        "{kind} names must be at least 1 and no more than {max} characters. They can contain alphanumeric characters \
         (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or \
         trailing whitespace is not allowed."
    )
}

/// The KV key of a user's record.
pub fn user_key(username: &str) -> String {
    format!("{USER_KEY_PREFIX}{}", full_digest(username))
}

/// The prefix every user record's key starts with, for listing them all.
pub fn user_key_prefix() -> &'static str {
    USER_KEY_PREFIX
}

/// The KV key of a username's failed-login state (the host's login throttle).
pub fn login_key(username: &str) -> String {
    format!("{LOGIN_KEY_PREFIX}{}", full_digest(username))
}

/// base64url(SHA-256(name)), all 32 bytes: a fixed-length key part that does not show the
/// name. Not `codec::name_digest` (its first 16 bytes, made for token index keys): deployments
/// already hold users and login state under these full-digest keys, so the format must stay.
fn full_digest(name: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(name.as_bytes()))
}

/// JavaScript's `String.prototype.trim`, which the service has always trimmed list items with:
/// Unicode White_Space without U+0085, plus U+FEFF.
pub(crate) fn trim_js(text: &str) -> &str {
    text.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

/// A stored user. Field order is the stored JSON's. Read by [`UserRecord::parse`] with the
/// field reader, not a derived deserializer (wasm size, `docs/wasm-size.md`); absent fields
/// read as `#[serde(default)]` would.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRecord {
    pub username: String,
    /// Always written; a record without one (damaged) never authenticates.
    pub password_hash: Option<String>,
    pub roles: Vec<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub metadata: Map<String, Value>,
    /// A record that does not say (damaged) counts as disabled: fail closed.
    pub enabled: bool,
}

impl UserRecord {
    /// The record stored under `username`'s key, or `None` when there is none or it does not
    /// parse (it can never authenticate anyone). A hash collision is not a realistic worry,
    /// but a record must never answer for another name.
    pub fn parse_for(text: Option<&str>, username: &str) -> Option<UserRecord> {
        Self::parse(text?).filter(|record| record.username == username)
    }

    /// Any stored record (a listing), or `None` when it does not parse. Unknown fields are
    /// ignored, a field of the wrong type (null too, but for the `Option` ones) fails the record.
    pub fn parse(text: &str) -> Option<UserRecord> {
        Self::read(text).ok()
    }

    fn read(text: &str) -> Result<UserRecord, String> {
        let mut f = Fields::parse(text, "struct UserRecord")?;
        Ok(UserRecord {
            username: f.required_string("username")?,
            password_hash: f.string("password_hash")?,
            roles: f.strings("roles")?,
            full_name: f.string("full_name")?,
            email: f.string("email")?,
            metadata: f.object_or_empty("metadata")?,
            enabled: f.boolean_or_false("enabled")?,
        })
    }

    /// The text to store.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The reserved superuser, as ES shows it.
    pub fn elastic() -> UserRecord {
        let mut metadata = Map::new();
        metadata.insert("_reserved".into(), Value::Bool(true));
        UserRecord {
            username: ELASTIC.into(),
            password_hash: None,
            roles: vec!["superuser".into()],
            full_name: None,
            email: None,
            metadata,
            enabled: true,
        }
    }

    /// The user as GET /_security/user shows it: ES's `User.toXContent` order, never the hash.
    pub fn view(&self) -> Value {
        json!({
            "username": self.username,
            "roles": self.roles,
            "full_name": self.full_name,
            "email": self.email,
            "metadata": self.metadata,
            "enabled": self.enabled,
        })
    }

    /// The `_authenticate` body of this user logged in with a password in `realm`.
    pub fn principal(&self, realm: RealmRef) -> Value {
        let subject = Subject {
            username: self.username.clone(),
            roles: self.roles.clone(),
            full_name: self.full_name.clone(),
            email: self.email.clone(),
            metadata: self.metadata.clone(),
            enabled: self.enabled,
            authentication_realm: realm.clone(),
            lookup_realm: realm,
        };
        subject.to_authenticate_body("realm")
    }
}

/// Why `username` cannot be deleted (ES's 400), or `None`.
pub fn delete_user_problem(username: &str) -> Option<Reply> {
    if is_reserved(username) {
        return Some(illegal_argument(format!("user [{username}] is reserved and cannot be deleted")));
    }
    if is_internal(username) {
        return Some(illegal_argument(format!("user [{username}] is internal")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_user_takes_usernames_of_at_most_507_characters() {
        assert!(is_valid_native_username(&"u".repeat(507)));
        assert!(!is_valid_native_username(&"u".repeat(508)) && is_valid_name(&"u".repeat(508)));
        assert!(invalid_native_username_message()
            .starts_with("User names must be at least 1 and no more than 507 characters."));
    }

    #[test]
    fn reserved_and_internal_names() {
        let rows = [
            ("elastic", true, false),
            ("kibana", true, false),
            ("remote_monitoring_user", true, false),
            ("_system", false, true),
            ("_storage", false, true),
            ("Elastic", false, false),
            ("joe", false, false),
        ];
        for (name, reserved, internal) in rows {
            assert_eq!((is_reserved(name), is_internal(name)), (reserved, internal), "{name}");
        }
    }

    #[test]
    fn the_name_rule() {
        let long = "u".repeat(1024);
        let too_long = "u".repeat(1025);
        let rows = [
            ("joe", true),
            ("a b", true),
            ("~!@#$%^&*()", true),
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("", false),
            (" padded", false),
            ("padded ", false),
            ("tab\tin", false),
            ("a\u{0}b", false),
            ("café", false),
        ];
        for (name, valid) in rows {
            assert_eq!(is_valid_name(name), valid, "{name:?}");
        }
        assert_eq!(
            invalid_name_message("Role"),
            "Role names must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters \
             (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or \
             trailing whitespace is not allowed."
        );
    }

    #[test]
    fn keys_are_the_full_sha256_in_base64url() {
        // Fixed values (what the service has always written), so a change of format cannot pass.
        let rows = [
            (
                "joe",
                "user:eGdcwXYIE3LEOrqz6p-3DHQ4HrAtxuk_ttRNFh2m7rM",
                "login:eGdcwXYIE3LEOrqz6p-3DHQ4HrAtxuk_ttRNFh2m7rM",
            ),
            (
                "",
                "user:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
                "login:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
            ),
        ];
        for (name, user, login) in rows {
            assert_eq!(user_key(name), user, "{name}");
            assert_eq!(login_key(name), login, "{name}");
        }
        assert!(user_key("joe").starts_with(user_key_prefix()));
    }

    #[test]
    fn trim_is_javascripts() {
        let rows = [(" a ", "a"), ("\u{feff}a\u{3000}", "a"), ("\u{85}a", "\u{85}a"), ("\t\n a b \r", "a b")];
        for (text, trimmed) in rows {
            assert_eq!(trim_js(text), trimmed, "{text:?}");
        }
    }

    #[test]
    fn records_parse_only_for_their_own_name() {
        let text = r#"{"username":"joe","password_hash":"h","roles":["r"],"full_name":null,"email":"e","metadata":{"k":1},"enabled":true}"#;
        let rows: [(Option<&str>, &str, bool); 6] = [
            (Some(text), "joe", true),
            (Some(text), "jim", false),
            (None, "joe", false),
            (Some("not json"), "joe", false),
            (Some(r#"{"username":5}"#), "joe", false),
            (Some(r#"{"username":"joe","roles":"r"}"#), "joe", false),
        ];
        for (stored, name, found) in rows {
            assert_eq!(UserRecord::parse_for(stored, name).is_some(), found, "{stored:?} {name}");
        }
        let record = UserRecord::parse(text).unwrap_or_else(UserRecord::elastic);
        assert_eq!(record.to_text(), text, "stored text round-trips in the stored order");
        let damaged = UserRecord::parse(r#"{"username":"joe"}"#).unwrap_or_else(UserRecord::elastic);
        assert_eq!((damaged.password_hash, damaged.enabled), (None, false));
    }

    /// The derive the reader replaced, as its oracle.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Derived {
        username: String,
        #[serde(default)]
        password_hash: Option<String>,
        #[serde(default)]
        roles: Vec<String>,
        #[serde(default)]
        full_name: Option<String>,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        metadata: Map<String, Value>,
        #[serde(default)]
        enabled: bool,
    }

    #[test]
    fn records_read_as_the_derive_did() {
        let rows = [
            r#"{"username":"joe","password_hash":"h","roles":["r"],"full_name":null,"email":"e","metadata":{"k":1.5},"enabled":true}"#,
            r#"{"username":"joe"}"#,
            r#"{"enabled":true,"username":"joe","extra":[1,{"x":null}]}"#,
            r#"{"username":"joe","password_hash":null,"full_name":"J","email":null}"#,
            r#"{"username":null}"#,
            r#"{"username":5}"#,
            r#"{"username":"joe","password_hash":5}"#,
            r#"{"username":"joe","roles":null}"#,
            r#"{"username":"joe","roles":["a",1]}"#,
            r#"{"username":"joe","metadata":null}"#,
            r#"{"username":"joe","metadata":[]}"#,
            r#"{"username":"joe","enabled":null}"#,
            r#"{"username":"joe","enabled":"true"}"#,
            r#"{"username":"joe","full_name":{}}"#,
            "[]",
            "null",
            "{",
        ];
        for text in rows {
            let derived = serde_json::from_str::<Derived>(text).ok().map(|d| {
                let Derived { username, password_hash, roles, full_name, email, metadata, enabled } = d;
                UserRecord { username, password_hash, roles, full_name, email, metadata, enabled }
            });
            assert_eq!(UserRecord::parse(text), derived, "{text}");
        }
    }

    #[test]
    fn views_and_principals_in_es_order() {
        let record = UserRecord::parse(
            r#"{"username":"joe","password_hash":"h","roles":["r"],"full_name":"Joe","email":null,"metadata":{},"enabled":false}"#,
        )
        .unwrap_or_else(UserRecord::elastic);
        let rows = [
            (
                record.view(),
                r#"{"username":"joe","roles":["r"],"full_name":"Joe","email":null,"metadata":{},"enabled":false}"#,
            ),
            (
                UserRecord::elastic().view(),
                r#"{"username":"elastic","roles":["superuser"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true}"#,
            ),
            (
                record.principal(native_realm()),
                r#"{"username":"joe","roles":["r"],"full_name":"Joe","email":null,"metadata":{},"enabled":false,"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":"realm"}"#,
            ),
            (
                UserRecord::elastic().principal(reserved_realm()),
                r#"{"username":"elastic","roles":["superuser"],"full_name":null,"email":null,"metadata":{"_reserved":true},"enabled":true,"authentication_realm":{"name":"reserved","type":"reserved"},"lookup_realm":{"name":"reserved","type":"reserved"},"authentication_type":"realm"}"#,
            ),
        ];
        for (value, text) in rows {
            assert_eq!(value.to_string(), text);
        }
    }

    #[test]
    fn delete_problems() {
        let rows = [
            ("elastic", Some("user [elastic] is reserved and cannot be deleted")),
            ("kibana_system", Some("user [kibana_system] is reserved and cannot be deleted")),
            ("_xpack", Some("user [_xpack] is internal")),
            ("joe", None),
        ];
        for (name, reason) in rows {
            let problem = delete_user_problem(name);
            assert_eq!(problem.as_ref().map(|r| r.status), reason.map(|_| 400), "{name}");
            assert_eq!(problem.as_ref().and_then(|r| r.body["error"]["reason"].as_str()), reason, "{name}");
            assert_eq!(
                problem.as_ref().and_then(|r| r.body["error"]["type"].as_str()),
                reason.map(|_| "illegal_argument_exception")
            );
        }
    }
}
