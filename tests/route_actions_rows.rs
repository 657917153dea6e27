//! The privilege each routed endpoint asks of its caller (src/routes.rs, `Endpoint::needs`), one
//! row per endpoint, as ES's REST handler's transport action and RBACEngine's same-user
//! exemption have it; and the native realm's first step names the same action.

use edge_token::realm_endpoints::request;
use edge_token::routes::{route, Needs, RouteMatch};
use serde_json::Value;

/// ES's action name for the request, "grant" when the body's grant chooses, "same user" when none.
fn needs(method: &str, path: &str) -> (String, String) {
    let RouteMatch::Found { endpoint, .. } = route(path, method) else {
        return (String::new(), format!("{method} {path}: no endpoint"));
    };
    let needed = match endpoint.needs() {
        Needs::Action(action) => action.name().to_string(),
        Needs::Grant => "grant".to_string(),
        Needs::SameUser => "same user".to_string(),
    };
    (endpoint.name().to_string(), needed)
}

#[test]
fn every_endpoint_asks_for_its_es_action() {
    let security = "cluster:admin/xpack/security";
    let rows = [
        ("GET", "/", "cluster:monitor/main".to_string()),
        ("GET", "/_security/_authenticate", "same user".into()),
        ("POST", "/_security/oauth2/token", "grant".into()),
        ("DELETE", "/_security/oauth2/token", format!("{security}/token/invalidate")),
        ("GET", "/_security/user", format!("{security}/user/get")),
        ("PUT", "/_security/user/joe", format!("{security}/user/put")),
        ("DELETE", "/_security/user/joe", format!("{security}/user/delete")),
        ("PUT", "/_security/user/joe/_enable", format!("{security}/user/set_enabled")),
        ("POST", "/_security/user/joe/_disable", format!("{security}/user/set_enabled")),
        ("PUT", "/_security/user/_password", format!("{security}/user/change_password")),
        ("GET", "/_cluster/health/idx", "cluster:monitor/health".into()),
        ("GET", "/_security/user/_has_privileges", format!("{security}/user/has_privileges")),
        ("GET", "/_security/user/_privileges", "same user".into()),
        ("PUT", "/_security/role/r", format!("{security}/role/put")),
        ("GET", "/_security/role", format!("{security}/role/get")),
        ("DELETE", "/_security/role/r", format!("{security}/role/delete")),
        ("POST", "/_security/realm/*/_clear_cache", format!("{security}/realm/cache/clear")),
    ];
    let mut endpoints: Vec<String> = Vec::new();
    for (method, path, expected) in rows {
        let (endpoint, needed) = needs(method, path);
        assert_eq!(needed, expected, "{method} {path}");
        endpoints.push(endpoint);
    }
    endpoints.sort();
    endpoints.dedup();
    // Every endpoint of the route table has its row.
    assert_eq!(endpoints.len(), 17, "{endpoints:?}");
}

/// The realm's endpoints name their action in their first step too (for the host's check): the
/// same one the route says.
#[test]
fn the_realm_steps_ask_for_the_routes_action() {
    let rows = [
        ("PUT", "/_security/user/joe", r#"{"password":"secret-pass","roles":[]}"#),
        ("GET", "/_security/user/joe", ""),
        ("DELETE", "/_security/user/joe", ""),
        ("PUT", "/_security/user/joe/_enable", ""),
        ("PUT", "/_security/user/joe/_disable", ""),
        ("PUT", "/_security/user/joe/_password", r#"{"password":"secret-pass"}"#),
        ("PUT", "/_security/role/r", "{}"),
        ("GET", "/_security/role/r", ""),
        ("DELETE", "/_security/role/r", ""),
    ];
    for (method, path, body) in rows {
        let RouteMatch::Found { endpoint, username } = route(path, method) else {
            panic!("{method} {path}: no endpoint");
        };
        let Needs::Action(action) = endpoint.needs() else {
            panic!("{method} {path}: no action");
        };
        let made = request(endpoint.name(), username.as_deref(), "admin", body).unwrap_or_else(|r| panic!("{r:?}"));
        assert_eq!(made.get("action").and_then(Value::as_str), Some(action.endpoint()), "{method} {path}");
    }
}

/// ES reads the method as sent: Netty keeps its case and `translateRequestMethod` knows nine, so
/// `patch` or `FOO` is RestController's 405 "Unexpected http method" on every path (with the
/// path's methods when it has any), where `PATCH` is the 405 naming the method.
#[test]
fn the_method_is_read_as_sent() {
    let rows = [
        (
            "/_security/oauth2/token",
            "patch",
            405,
            "Unexpected http method: patch, allowed: [POST, DELETE]",
            "POST,DELETE",
        ),
        ("/", "get", 405, "Unexpected http method: get, allowed: [GET, HEAD]", "GET,HEAD"),
        ("/nope", "FOO", 405, "Unexpected http method: FOO", ""),
        ("/_security/user", "PROPFIND", 405, "Unexpected http method: PROPFIND, allowed: [GET]", "GET"),
        (
            "/_security/oauth2/token",
            "PATCH",
            405,
            "Incorrect HTTP method for uri [/_security/oauth2/token] and method [PATCH], allowed: [POST, DELETE]",
            "POST,DELETE",
        ),
        ("/nope", "TRACE", 400, "no handler found for uri [/nope] and method [TRACE]", ""),
    ];
    for (path, method, status, message, allow) in rows {
        let reply = route(path, method).failure(path, method).unwrap_or_else(|| panic!("{method} {path}: routed"));
        assert_eq!(reply.status, status, "{method} {path}");
        assert_eq!(reply.body.get("error").and_then(Value::as_str), Some(message), "{method} {path}");
        let header: Vec<String> = reply.headers.iter().flat_map(|(_, values)| values.clone()).collect();
        assert_eq!(header.join(""), allow, "{method} {path}");
    }
}
