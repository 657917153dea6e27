//! The service's REST surface: which endpoint serves a path and method, as ES's REST
//! controller decides it (path parameters percent-decoded, empty segments ignored, 400 for an
//! unknown path, 405 with the methods a known path takes).

use crate::errors::Reply;
use crate::privileges::Action;
use crate::rest_errors::{method_not_allowed, no_handler, unexpected_method};

/// The endpoints, by the name the host dispatches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Info,
    Authenticate,
    GetToken,
    InvalidateToken,
    GetUsers,
    PutUser,
    DeleteUser,
    EnableUser,
    DisableUser,
    ChangePassword,
    ClusterHealth,
    HasPrivileges,
    GetUserPrivileges,
    PutRole,
    GetRoles,
    DeleteRole,
    ClearRealmCache,
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Info => "info",
            Endpoint::Authenticate => "authenticate",
            Endpoint::GetToken => "getToken",
            Endpoint::InvalidateToken => "invalidateToken",
            Endpoint::GetUsers => "getUsers",
            Endpoint::PutUser => "putUser",
            Endpoint::DeleteUser => "deleteUser",
            Endpoint::EnableUser => "enableUser",
            Endpoint::DisableUser => "disableUser",
            Endpoint::ChangePassword => "changePassword",
            Endpoint::ClusterHealth => "clusterHealth",
            Endpoint::HasPrivileges => "hasPrivileges",
            Endpoint::GetUserPrivileges => "getUserPrivileges",
            Endpoint::PutRole => "putRole",
            Endpoint::GetRoles => "getRoles",
            Endpoint::DeleteRole => "deleteRole",
            Endpoint::ClearRealmCache => "clearRealmCache",
        }
    }

    /// The query parameters the endpoint's ES handler reads, besides the global ones
    /// (rest_request::GLOBAL_PARAMS); `username` is the path's, which ES also takes from the query.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Endpoint::Info | Endpoint::Authenticate | Endpoint::GetToken | Endpoint::InvalidateToken => &[],
            Endpoint::GetUsers => &["username", "with_profile_uid"],
            Endpoint::PutUser
            | Endpoint::DeleteUser
            | Endpoint::EnableUser
            | Endpoint::DisableUser
            | Endpoint::ChangePassword => &["username", "refresh"],
            // RestClusterHealthAction's parameters (cluster_health.rs reads them).
            Endpoint::ClusterHealth => &[
                "index",
                "expand_wildcards",
                "level",
                "local",
                "master_timeout",
                "timeout",
                "wait_for_active_shards",
                "wait_for_events",
                "wait_for_nodes",
                "wait_for_no_initializing_shards",
                "wait_for_no_relocating_shards",
                "wait_for_status",
            ],
            Endpoint::HasPrivileges => &["username"],
            Endpoint::GetUserPrivileges => &[],
            Endpoint::GetRoles => &["name"],
            Endpoint::PutRole | Endpoint::DeleteRole => &["name", "refresh"],
            Endpoint::ClearRealmCache => &["realms", "usernames"],
        }
    }

    /// The privilege the endpoint's ES transport action asks of the caller. The host checks it
    /// where ES does: after the endpoint's 400s (docs/service.md, "Request order").
    pub fn needs(self) -> Needs {
        match self {
            Endpoint::Info => Needs::Action(Action::Main),
            // RBACEngine.checkSameUserPermissions: a request about the caller needs no privilege.
            Endpoint::Authenticate | Endpoint::GetUserPrivileges => Needs::SameUser,
            Endpoint::GetToken => Needs::Grant,
            Endpoint::InvalidateToken => Needs::Action(Action::InvalidateToken),
            Endpoint::GetUsers => Needs::Action(Action::GetUsers),
            Endpoint::PutUser => Needs::Action(Action::PutUser),
            Endpoint::DeleteUser => Needs::Action(Action::DeleteUser),
            Endpoint::EnableUser | Endpoint::DisableUser => Needs::Action(Action::SetEnabled),
            Endpoint::ChangePassword => Needs::Action(Action::ChangePassword),
            Endpoint::ClusterHealth => Needs::Action(Action::ClusterHealth),
            Endpoint::HasPrivileges => Needs::Action(Action::HasPrivileges),
            Endpoint::PutRole => Needs::Action(Action::PutRole),
            Endpoint::GetRoles => Needs::Action(Action::GetRoles),
            Endpoint::DeleteRole => Needs::Action(Action::DeleteRole),
            Endpoint::ClearRealmCache => Needs::Action(Action::ClearRealmCache),
        }
    }

    /// ES answers a body sent to any other endpoint with a 400 rather than ignoring it.
    pub fn reads_body(self) -> bool {
        matches!(
            self,
            Endpoint::GetToken
                | Endpoint::InvalidateToken
                | Endpoint::PutUser
                | Endpoint::ChangePassword
                | Endpoint::HasPrivileges
                | Endpoint::PutRole
        )
    }
}

/// What an endpoint's caller must be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// This action (for changing a password and checking privileges, with ES's same-user rules
    /// on the request's user).
    Action(Action),
    /// The action of the body's grant: get-token creates or refreshes (`GrantType::endpoint`).
    Grant,
    /// Nothing: the request is about the caller.
    SameUser,
}

/// A path pattern (`{username}` is a parameter) and its methods, in the order ES's 405 message
/// and `Allow` header list them. A path may fit several patterns (`/_security/user/_password`
/// also fits `{username}`): the first that has the method serves it, as in ES's REST
/// controller, so fixed segments come before parameters.
type Methods = &'static [(&'static str, Endpoint)];
const ROUTES: &[(&[&str], Methods)] = &[
    (&[], &[("GET", Endpoint::Info), ("HEAD", Endpoint::Info)]),
    (&["_security", "_authenticate"], &[("GET", Endpoint::Authenticate)]),
    (&["_security", "oauth2", "token"], &[("POST", Endpoint::GetToken), ("DELETE", Endpoint::InvalidateToken)]),
    (&["_security", "user"], &[("GET", Endpoint::GetUsers)]),
    (&["_security", "role"], &[("GET", Endpoint::GetRoles)]),
    (
        &["_security", "role", "{name}"],
        &[
            ("PUT", Endpoint::PutRole),
            ("POST", Endpoint::PutRole),
            ("GET", Endpoint::GetRoles),
            ("DELETE", Endpoint::DeleteRole),
        ],
    ),
    (&["_cluster", "health"], &[("GET", Endpoint::ClusterHealth)]),
    (&["_cluster", "health", "{index}"], &[("GET", Endpoint::ClusterHealth)]),
    (&["_security", "user", "_password"], &[("PUT", Endpoint::ChangePassword), ("POST", Endpoint::ChangePassword)]),
    (&["_security", "user", "_privileges"], &[("GET", Endpoint::GetUserPrivileges)]),
    (&["_security", "user", "_has_privileges"], &[("GET", Endpoint::HasPrivileges), ("POST", Endpoint::HasPrivileges)]),
    (
        &["_security", "user", "{username}"],
        &[
            ("PUT", Endpoint::PutUser),
            ("POST", Endpoint::PutUser),
            ("GET", Endpoint::GetUsers),
            ("DELETE", Endpoint::DeleteUser),
        ],
    ),
    (&["_security", "user", "{username}", "_enable"], &[("PUT", Endpoint::EnableUser), ("POST", Endpoint::EnableUser)]),
    (
        &["_security", "user", "{username}", "_disable"],
        &[("PUT", Endpoint::DisableUser), ("POST", Endpoint::DisableUser)],
    ),
    (
        &["_security", "user", "{username}", "_has_privileges"],
        &[("GET", Endpoint::HasPrivileges), ("POST", Endpoint::HasPrivileges)],
    ),
    (
        &["_security", "user", "{username}", "_password"],
        &[("PUT", Endpoint::ChangePassword), ("POST", Endpoint::ChangePassword)],
    ),
    (&["_security", "realm", "{realms}", "_clear_cache"], &[("POST", Endpoint::ClearRealmCache)]),
];

/// The methods ES's HTTP layer knows, in the case they must be sent
/// (`Netty4HttpRequest.translateRequestMethod`; Netty keeps a method's case as sent).
const KNOWN_METHODS: [&str; 9] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"];

/// What the route table says of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteMatch {
    Found {
        endpoint: Endpoint,
        username: Option<String>,
    },
    /// The path exists under these other methods.
    WrongMethod(Vec<String>),
    /// A method ES does not know (`patch`, `FOO`), on any path; the path's methods, if any.
    UnknownMethod(Vec<String>),
    NotFound,
}

pub fn route(path: &str, method: &str) -> RouteMatch {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Every pattern the path fits is tried before a 405, which lists the methods of them all.
    let mut allowed: Vec<String> = Vec::new();
    for (pattern, methods) in ROUTES {
        let Some(username) = match_pattern(pattern, &segments) else {
            continue;
        };
        if let Some((_, endpoint)) = methods.iter().find(|(m, _)| *m == method) {
            return RouteMatch::Found { endpoint: *endpoint, username };
        }
        for (known, _) in methods.iter() {
            if !allowed.iter().any(|m| m == known) {
                allowed.push((*known).to_string());
            }
        }
    }
    if !KNOWN_METHODS.contains(&method) {
        RouteMatch::UnknownMethod(allowed)
    } else if allowed.is_empty() {
        RouteMatch::NotFound
    } else {
        RouteMatch::WrongMethod(allowed)
    }
}

/// `Some(parameter)` when the segments fit the pattern.
fn match_pattern(pattern: &[&str], segments: &[&str]) -> Option<Option<String>> {
    if pattern.len() != segments.len() {
        return None;
    }
    let mut parameter = None;
    for (part, segment) in pattern.iter().zip(segments) {
        if part.starts_with('{') {
            parameter = Some(percent_decode(segment));
        } else if part != segment {
            return None;
        }
    }
    Some(parameter)
}

/// The query parameters of a request URI, in order, percent-decoded (`+` as a space, as ES
/// decodes a query); a name without `=` has an empty value.
pub fn query_params(uri: &str) -> Vec<(String, String)> {
    let Some((_, query)) = uri.split_once('?') else {
        return Vec::new();
    };
    let decode = |text: &str| percent_decode(&text.replace('+', " "));
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (decode(name), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Percent-decoding as ES does for path parameters; a bad escape or bytes that are not UTF-8
/// keep the raw text.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte != b'%' {
            out.push(byte);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(decoded) => out.push(decoded),
            None => return raw.to_string(),
        }
        i += 3;
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_string())
}

impl RouteMatch {
    /// The answer to an `OPTIONS` that no endpoint serves: a 200 with the path's methods, given
    /// before authentication (CORS preflights carry no credentials).
    pub fn preflight(&self) -> Reply {
        let mut reply = Reply::new(200, serde_json::Value::Null);
        if let RouteMatch::WrongMethod(allowed) = self {
            reply.headers.push(("Allow".into(), vec![allowed.join(",")]));
        }
        reply
    }

    /// The 400 or 405 of a request no endpoint serves.
    pub fn failure(&self, uri: &str, method: &str) -> Option<Reply> {
        match self {
            RouteMatch::Found { .. } => None,
            RouteMatch::WrongMethod(allowed) => Some(method_not_allowed(uri, method, allowed)),
            RouteMatch::UnknownMethod(allowed) => Some(unexpected_method(method, allowed)),
            RouteMatch::NotFound => Some(no_handler(uri, method)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(endpoint: Endpoint, username: Option<&str>) -> RouteMatch {
        RouteMatch::Found { endpoint, username: username.map(str::to_string) }
    }

    #[test]
    fn the_route_table_row_by_row() {
        let rows = [
            ("/", "GET", found(Endpoint::Info, None)),
            ("", "HEAD", found(Endpoint::Info, None)),
            ("/_security/_authenticate/", "GET", found(Endpoint::Authenticate, None)),
            ("//_security//oauth2/token", "DELETE", found(Endpoint::InvalidateToken, None)),
            ("/_security/oauth2/token", "POST", found(Endpoint::GetToken, None)),
            ("/_security/user", "GET", found(Endpoint::GetUsers, None)),
            ("/_security/user/a%2Cb", "GET", found(Endpoint::GetUsers, Some("a,b"))),
            ("/_security/user/caf%C3%A9", "PUT", found(Endpoint::PutUser, Some("café"))),
            ("/_security/user/bad%zz", "POST", found(Endpoint::PutUser, Some("bad%zz"))),
            ("/_security/user/x%ff", "DELETE", found(Endpoint::DeleteUser, Some("x%ff"))),
            ("/_security/oauth2/token", "GET", RouteMatch::WrongMethod(vec!["POST".into(), "DELETE".into()])),
            ("/_security/user", "PUT", RouteMatch::WrongMethod(vec!["GET".into()])),
            ("/nope", "GET", RouteMatch::NotFound),
            ("/_security/user/a/b", "GET", RouteMatch::NotFound),
            ("/_security/user/j%20o/_enable", "PUT", found(Endpoint::EnableUser, Some("j o"))),
            ("/_security/user/joe/_disable", "POST", found(Endpoint::DisableUser, Some("joe"))),
            ("/_security/realm/*/_clear_cache", "POST", found(Endpoint::ClearRealmCache, Some("*"))),
            ("/_security/user/joe/_disable", "GET", RouteMatch::WrongMethod(vec!["PUT".into(), "POST".into()])),
            ("/_security/user/_password", "POST", found(Endpoint::ChangePassword, None)),
            ("/_cluster/health", "GET", found(Endpoint::ClusterHealth, None)),
            ("/_security/role", "GET", found(Endpoint::GetRoles, None)),
            ("/_security/role/a%20b", "POST", found(Endpoint::PutRole, Some("a b"))),
            ("/_security/role/r", "DELETE", found(Endpoint::DeleteRole, Some("r"))),
            ("/_security/user/_privileges", "GET", found(Endpoint::GetUserPrivileges, None)),
            ("/_security/user/_has_privileges", "POST", found(Endpoint::HasPrivileges, None)),
            ("/_security/user/joe/_has_privileges", "GET", found(Endpoint::HasPrivileges, Some("joe"))),
            ("/_security/user/_privileges", "PUT", found(Endpoint::PutUser, Some("_privileges"))),
            ("/_cluster/health/a%2Cb", "GET", found(Endpoint::ClusterHealth, Some("a,b"))),
            ("/_security/user/joe/_password", "PUT", found(Endpoint::ChangePassword, Some("joe"))),
            // A fixed segment without the method falls through to the parameter that has it.
            ("/_security/user/_password", "GET", found(Endpoint::GetUsers, Some("_password"))),
            ("/_security/user/_password", "DELETE", found(Endpoint::DeleteUser, Some("_password"))),
            (
                "/_security/user/_password",
                "PATCH",
                RouteMatch::WrongMethod(vec!["PUT".into(), "POST".into(), "GET".into(), "DELETE".into()]),
            ),
        ];
        for (path, method, expected) in rows {
            assert_eq!(route(path, method), expected, "{method} {path}");
        }
        assert!(Endpoint::PutUser.reads_body() && !Endpoint::GetUsers.reads_body());
        let params = query_params("/p?a=1&b&c=x%2By+z&&a=2");
        let expected = [("a", "1"), ("b", ""), ("c", "x+y z"), ("a", "2")].map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(params, expected);
        assert!(query_params("/p").is_empty());
    }

    #[test]
    fn preflights_and_failures() {
        let wrong = route("/", "OPTIONS");
        assert_eq!(wrong.preflight().headers, vec![("Allow".into(), vec!["GET,HEAD".into()])]);
        assert!(route("/x", "OPTIONS").preflight().headers.is_empty());
        assert_eq!(wrong.failure("/", "OPTIONS").map(|r| r.status), Some(405));
        assert_eq!(route("/x", "GET").failure("/x", "GET").map(|r| r.status), Some(400));
    }
}
