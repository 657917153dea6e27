//! A stored user of the native realm: the record kept under its `user:` key (`users.rs`), how
//! it is read back, and how ES shows it (GET user, `_authenticate`).

use serde_json::{json, Map, Value};

use crate::authentication::{RealmRef, Subject};
use crate::json_fields::Fields;
use crate::users::ELASTIC;

/// A stored user. Field order is the stored JSON's. Read by [`UserRecord::parse`] with the
/// field reader, not a derived deserializer (wasm size, `docs/wasm-size.md`); absent fields
/// read as `#[serde(default)]` would; written by [`UserRecord::to_text`] through a `Value`,
/// not a derived `Serialize` (the same text, one serializer less in the wasm).
#[derive(Debug, Clone, PartialEq)]
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

    /// The text to store: the fields in their declared order.
    pub fn to_text(&self) -> String {
        let mut record = Map::new();
        record.insert("username".into(), self.username.clone().into());
        record.insert("password_hash".into(), self.password_hash.clone().into());
        record.insert("roles".into(), self.roles.clone().into());
        record.insert("full_name".into(), self.full_name.clone().into());
        record.insert("email".into(), self.email.clone().into());
        record.insert("metadata".into(), Value::Object(self.metadata.clone()));
        record.insert("enabled".into(), self.enabled.into());
        Value::Object(record).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{native_realm, reserved_realm};

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
}
