//! What a get-token grant asks of the token calls (§3.4, §3.5): whose token it is and who may
//! refresh it, read from the callers as the host has them (_authenticate bodies, §5.1).

use serde_json::{Map, Value};

use crate::errors::Reply;
use crate::requests::GrantType;

/// A get-token body (§3) read as `engine::token_request` reads it (ES's 400s as they are), with
/// what its grant asks of the host: `endpoint`, the endpoint whose action is authorized, and
/// `login`, whether the body's user is then authenticated (`GrantType::endpoint`, `logs_in`).
pub fn token_grant(body: &str) -> Reply {
    let mut reply = crate::engine::token_request(body);
    let grant = reply.body.get("grant_type").and_then(Value::as_str).and_then(GrantType::parse);
    if let (Some(grant), Some(fields), 200) = (grant, reply.body.as_object_mut(), reply.status) {
        fields.insert("endpoint".into(), grant.endpoint().into());
        fields.insert("login".into(), grant.logs_in().into());
    }
    reply
}

/// The `createToken` request of a `password` or `client_credentials` grant asked by `caller`,
/// or for `refresh_token` the `refreshToken` client, as JSON text. The owner is `user`, the user
/// the password grant authenticated (the caller itself for client_credentials); the client is
/// always the caller. A client_credentials caller who came with a bearer token is echoed as
/// such. Text that does not parse leaves fields out, for `createToken` to refuse.
pub fn grant_request(grant_type: &str, caller: &str, user: &str, scope: Option<String>) -> String {
    let read = |text: &str| match serde_json::from_str(text) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    let (caller, user) = (read(caller), read(user));
    let copy = |into: &mut Map<String, Value>, from: &Map<String, Value>, pairs: &[(&str, &str)]| {
        for (to, name) in pairs {
            if let Some(value) = from.get(*name) {
                into.insert((*to).into(), value.clone());
            }
        }
    };
    let mut client = Map::new();
    copy(&mut client, &caller, &[("username", "username"), ("realm", "authentication_realm")]);
    if grant_type == "refresh_token" {
        return Value::Object(client).to_string();
    }
    let mut request = Map::new();
    request.insert("grant_type".into(), grant_type.into());
    let owner = [
        ("username", "username"),
        ("realm", "authentication_realm"),
        ("lookup_realm", "lookup_realm"),
        ("roles", "roles"),
        ("full_name", "full_name"),
        ("email", "email"),
        ("metadata", "metadata"),
        ("enabled", "enabled"),
    ];
    copy(&mut request, &user, &owner);
    request.insert("client".into(), Value::Object(client));
    if grant_type == "client_credentials" {
        let by_token = caller.get("authentication_type").and_then(Value::as_str) == Some("token");
        request.insert("authentication_type".into(), (if by_token { "token" } else { "realm" }).into());
    }
    if let Some(scope) = scope {
        request.insert("scope".into(), scope.into());
    }
    Value::Object(request).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grant_names_its_endpoint_and_whether_it_logs_in() {
        let plan = |body: &str| {
            let reply = token_grant(body);
            (reply.status, reply.body.get("endpoint").cloned(), reply.body.get("login").cloned())
        };
        let password = r#"{"grant_type":"password","username":"u","password":"p","scope":"s"}"#;
        assert_eq!(plan(password), (200, Some("createToken".into()), Some(true.into())));
        assert_eq!(token_grant(password).body["username"], "u");
        let refresh = r#"{"grant_type":"refresh_token","refresh_token":"t"}"#;
        assert_eq!(plan(refresh), (200, Some("refreshToken".into()), Some(false.into())));
        let own = r#"{"grant_type":"client_credentials"}"#;
        assert_eq!(plan(own), (200, Some("createToken".into()), Some(false.into())));
        // ES's 400 is the body as engine::token_request answers it, nothing added.
        let bad = r#"{"grant_type":"password"}"#;
        assert_eq!(token_grant(bad).to_envelope(), crate::engine::token_request(bad).to_envelope());
        assert_eq!(plan(bad).0, 400);
    }

    const CALLER: &str = r#"{"username":"k","roles":["r"],"full_name":null,"metadata":{},"enabled":true,
        "authentication_realm":{"name":"n","type":"native"},"lookup_realm":{"name":"n","type":"native"},
        "authentication_type":"token"}"#;

    #[test]
    fn owner_from_the_user_client_from_the_caller() {
        let client = r#"{"username":"k","realm":{"name":"n","type":"native"}}"#;
        assert_eq!(grant_request("refresh_token", CALLER, "", None), client);
        let user = r#"{"username":"u","roles":[],"email":"e","authentication_realm":{"name":"a","type":"b"}}"#;
        assert_eq!(
            grant_request("password", CALLER, user, Some("s".into())),
            format!(
                r#"{{"grant_type":"password","username":"u","realm":{{"name":"a","type":"b"}},"roles":[],"email":"e","client":{client},"scope":"s"}}"#
            )
        );
        let own = grant_request("client_credentials", CALLER, CALLER, None);
        assert!(
            own.ends_with(&format!(r#""enabled":true,"client":{client},"authentication_type":"token"}}"#)),
            "{own}"
        );
        let realm = grant_request("client_credentials", "{}", "[]", None);
        assert_eq!(realm, r#"{"grant_type":"client_credentials","client":{},"authentication_type":"realm"}"#);
    }
}
