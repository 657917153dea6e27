//! What the host saw of one request, for the audit trail (src/audit.rs): read from the JSON the
//! host notes as the request goes (its "trail"), the request URI split into the events' path and
//! query, the credentials' kind read from the `Authorization` header as the realms read it, the
//! client's address as the service records it (`crate::throttle_clients`), and ES's request id.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::credentials::{read_authorization, Credentials};
use crate::throttle_clients;

/// What the host saw of one request (read from its JSON without a derived deserializer, which
/// would cost the wasm more than the whole module).
#[derive(Debug, Default)]
pub struct Request {
    /// When it was answered, in epoch milliseconds.
    pub at_ms: f64,
    pub request_id: String,
    pub origin_address: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub opaque_id: Option<String>,
    /// `none`, `basic`, `bearer` or `malformed`: how the request presented credentials.
    pub credentials: String,
    /// The Basic username, when there was one.
    pub username: Option<String>,
    /// The caller as `_authenticate` answers, when authentication succeeded.
    pub principal: Option<Value>,
    /// The endpoint that ran (`putUser`, ...), when routing found one, and its path parameter.
    pub endpoint: Option<String>,
    pub name: Option<String>,
    pub status: u16,
    /// The request body (read here for the fields an event may carry, never copied).
    pub body: Option<String>,
    /// The response body, for the counts of an invalidation.
    pub response: Option<Value>,
}

impl Request {
    pub fn from_json(text: &str) -> Option<Request> {
        let Value::Object(mut m) = serde_json::from_str(text).ok()? else {
            return None;
        };
        let mut text = |key: &str| match m.remove(key) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        // The request URI as ES quotes it; its path and query are separate event fields.
        let uri = text("uri").unwrap_or_default();
        let (credentials, username) = credentials_of(&text("authorization").unwrap_or_default());
        let (path, query) = uri.split_once('?').unwrap_or((uri.as_str(), ""));
        let mut request = Request {
            request_id: text("request_id").unwrap_or_else(new_request_id),
            // The host passes its platform's address text as it is (or none): recorded here.
            origin_address: throttle_clients::address(text("origin_address").as_deref()),
            method: text("method").unwrap_or_default(),
            path: path.to_string(),
            query: query.to_string(),
            opaque_id: text("opaque_id"),
            credentials: credentials.into(),
            username,
            endpoint: text("endpoint"),
            name: text("name"),
            body: text("body"),
            ..Request::default()
        };
        request.at_ms = m.get("at_ms").and_then(Value::as_f64).unwrap_or(0.0);
        request.status = m.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
        request.principal = m.remove("principal").filter(Value::is_object);
        // The host passes the reply's body whatever it is; only an object or array is read.
        request.response = m.remove("response").filter(|v| v.is_object() || v.is_array());
        Some(request)
    }
}

/// How a request presented credentials, from its `Authorization` header as the realms read it
/// (src/credentials.rs): `none`, `basic` (with its username), `bearer` or `malformed`.
fn credentials_of(header: &str) -> (&'static str, Option<String>) {
    match read_authorization(header) {
        Ok(Credentials::Basic { username, .. }) => ("basic", Some(username)),
        Ok(Credentials::Bearer(_)) => ("bearer", None),
        Ok(Credentials::None) => ("none", None),
        Err(_) => ("malformed", None),
    }
}

/// ES's request ids: 16 random bytes, base64url (22 characters); one per request, on its every
/// event. Empty without a random source (no event is lost for it).
fn new_request_id() -> String {
    crate::codec::random_bytes::<16>().map(|bytes| URL_SAFE_NO_PAD.encode(bytes)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_without_an_id_gets_a_new_one_as_es_makes_them() {
        let ids: Vec<String> = (0..2).filter_map(|_| Request::from_json("{}")).map(|r| r.request_id).collect();
        let url_safe =
            |id: &String| id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        assert!(ids.iter().all(url_safe), "{ids:?}");
        assert_ne!(ids.first(), ids.get(1));
        let given = Request::from_json(r#"{"request_id":"abc"}"#).map(|r| r.request_id);
        assert_eq!(given.as_deref(), Some("abc"));
    }

    #[test]
    fn the_uri_gives_the_events_path_and_query_and_only_a_json_body_is_read() {
        let read = |json: &str| Request::from_json(json).map(|r| (r.path, r.query, r.response.is_some()));
        let query = read(r#"{"uri":"/_security/user?pretty&x=a?b","response":{"found":true}}"#);
        assert_eq!(query, Some(("/_security/user".into(), "pretty&x=a?b".into(), true)));
        assert_eq!(read(r#"{"uri":"/","response":"text"}"#), Some(("/".into(), String::new(), false)));
    }

    #[test]
    fn the_origin_address_is_the_hosts_text_as_the_service_records_it() {
        let origin = |json: &str| Request::from_json(json).map(|r| r.origin_address);
        assert_eq!(origin("{}").as_deref(), Some("unknown"));
        assert_eq!(origin(r#"{"origin_address":7}"#).as_deref(), Some("unknown"));
        assert_eq!(origin(r#"{"origin_address":"2001:db8::1"}"#).as_deref(), Some("2001:db8::1"));
        let long = json!({ "origin_address": "\u{e9}".repeat(200) }).to_string();
        assert_eq!(origin(&long), Some("\u{e9}".repeat(64)));
    }

    #[test]
    fn the_authorization_header_says_how_credentials_came_and_only_basic_names_the_user() {
        let read = |header: &str| {
            let json = json!({ "authorization": header }).to_string();
            Request::from_json(&json).map(|r| (r.credentials, r.username))
        };
        assert_eq!(read("Basic ZWxhc3RpYzpwdw=="), Some(("basic".into(), Some("elastic".into()))));
        assert_eq!(read("Bearer dGs="), Some(("bearer".into(), None)));
        assert_eq!(read("Basic !!"), Some(("malformed".into(), None)));
        assert_eq!(read("ApiKey a2V5"), Some(("none".into(), None)));
        let absent = Request::from_json("{}").map(|r| r.credentials);
        assert_eq!(absent.as_deref(), Some("none"));
    }
}
