//! Who a token belongs to and who created it, rendered in the `_authenticate` shape (§5.1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealmRef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// The authenticated user a token stands for. Field order is the wire order of §5.1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub username: String,
    pub roles: Vec<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub metadata: Map<String, Value>,
    pub enabled: bool,
    pub authentication_realm: RealmRef,
    pub lookup_realm: RealmRef,
}

impl Subject {
    /// The realm tokens are filed under: the effective user's (lookup) realm, as ES's
    /// `access_token.realm`.
    pub fn realm_name(&self) -> &str {
        &self.lookup_realm.name
    }

    /// The `_authenticate` body; `authentication_type` is `realm` or `token`.
    pub fn to_authenticate_body(&self, authentication_type: &str) -> Value {
        let mut body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        body.insert("authentication_type".into(), Value::String(authentication_type.into()));
        Value::Object(body)
    }
}

/// A realm as a host names it: by name alone (its type then defaults), or as `{name, type}`.
/// (Read by `grants`, without a derived deserializer: wasm size.)
#[derive(Debug, Clone)]
pub enum RealmInput {
    Name(String),
    Ref { name: String, kind: Option<String> },
}

impl RealmInput {
    /// The realm, its type from the input, else `default_kind`, else `native`.
    pub fn into_ref(self, default_kind: Option<String>) -> RealmRef {
        let (name, kind) = match self {
            RealmInput::Name(name) => (name, None),
            RealmInput::Ref { name, kind } => (name, kind),
        };
        RealmRef { name, kind: kind.or(default_kind).unwrap_or_else(|| "native".into()) }
    }
}

/// A client as a host names it: `{username, realm}`, the realm as [`RealmInput`].
#[derive(Debug, Clone)]
pub struct ClientInput {
    pub username: String,
    pub realm: RealmInput,
}

impl From<ClientInput> for Client {
    fn from(input: ClientInput) -> Client {
        Client { username: input.username, realm: input.realm.into_ref(None).name }
    }
}

/// The caller that asked for a token (§3.5 rule 4): only it may refresh the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub username: String,
    pub realm: String,
}

impl Client {
    /// Same principal in the same realm. Realm domains and API keys do not exist here.
    pub fn can_access_resources_of(&self, creator: &Client) -> bool {
        self.username == creator.username && self.realm == creator.realm
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authenticate_body_has_es_key_order() {
        let subject = Subject {
            username: "token_user".into(),
            roles: vec!["superuser".into()],
            full_name: Some("Token User".into()),
            email: None,
            metadata: Map::new(),
            enabled: true,
            authentication_realm: RealmRef { name: "default_native".into(), kind: "native".into() },
            lookup_realm: RealmRef { name: "default_native".into(), kind: "native".into() },
        };
        assert_eq!(
            subject.to_authenticate_body("token").to_string(),
            json!({"username":"token_user","roles":["superuser"],"full_name":"Token User","email":null,"metadata":{},"enabled":true,"authentication_realm":{"name":"default_native","type":"native"},"lookup_realm":{"name":"default_native","type":"native"},"authentication_type":"token"}).to_string()
        );
    }
}
