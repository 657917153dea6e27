//! The errors of Elasticsearch's REST layer, before any endpoint runs: no handler, wrong
//! method, media types, bodies where none is read, failed authentication, internal errors.
//! The host does the HTTP plumbing and asks for these replies; their text lives only here.

use serde_json::json;

use crate::errors::{default_www_authenticate, Cause, Reply};

/// ES's answer to a path no handler serves. ES says 400 here (not 404), with no `status`.
pub fn no_handler(uri: &str, method: &str) -> Reply {
    Reply::new(400, json!({ "error": format!("no handler found for uri [{uri}] and method [{method}]") }))
}

/// RestController's simple error: `{"error": "<message>", "status": N}`.
fn simple(status: u16, message: String) -> Reply {
    Reply::new(status, json!({ "error": message, "status": status }))
}

/// 405 for a path that exists under other methods, with the `Allow` header.
pub fn method_not_allowed(uri: &str, method: &str, allowed: &[String]) -> Reply {
    let mut reply = simple(
        405,
        format!("Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{}]", allowed.join(", ")),
    );
    reply.headers.push(("Allow".into(), vec![allowed.join(",")]));
    reply
}

/// 405 for a method ES's HTTP layer does not know (`Netty4HttpRequest.translateRequestMethod`
/// compares Netty's constants, so the case counts): RestController's message quotes it as sent,
/// with the path's methods when it has any.
pub fn unexpected_method(method: &str, allowed: &[String]) -> Reply {
    let mut message = format!("Unexpected http method: {method}");
    if !allowed.is_empty() {
        message.push_str(&format!(", allowed: [{}]", allowed.join(", ")));
    }
    let mut reply = simple(405, message);
    if !allowed.is_empty() {
        reply.headers.push(("Allow".into(), vec![allowed.join(",")]));
    }
    reply
}

/// 406 for a body whose media type ES does not parse (or that has none).
pub fn content_type_not_supported(content_type: Option<&str>) -> Reply {
    match content_type {
        None => simple(406, "Content-Type header is missing".into()),
        Some(value) => simple(406, format!("Content-Type header [{value}] is not supported")),
    }
}

/// BaseRestHandler's answer to a body sent to an endpoint that reads none. `path` has no query.
pub fn body_not_supported(method: &str, path: &str) -> Reply {
    Cause::new("illegal_argument_exception", format!("request [{method} {path}] does not support having a body"))
        .into_reply(400)
}

/// A request the HTTP layer could not decode: ES answers 400 with the decoder's complaint,
/// `reason` (the platform's own words, never request data), or ours when it gave none.
pub fn undecodable(reason: &str) -> Reply {
    let reason = if reason.is_empty() { "malformed HTTP request" } else { reason };
    Cause::new("illegal_argument_exception", reason).into_reply(400)
}

/// A request whose head or whole did not arrive within the host's deadline: the same shape
/// with 408, as ES's Netty layer has no answer for it (it just closes).
pub fn request_timeout() -> Reply {
    Cause::new("illegal_argument_exception", "request timeout").into_reply(408)
}

/// A body the host could not read: the client went away mid-body, or sent a framing the
/// platform refused. A 400: the request failed, not the service.
pub fn unreadable_body() -> Reply {
    undecodable("request body could not be read")
}

/// A 500 for an error the service did not expect. The host keeps a copy of this body for the
/// case where the wasm instance itself failed (checked by a parity test).
pub fn internal_error() -> Reply {
    Cause::new("exception", "internal error").into_reply(500)
}

/// A 500 for a configuration that cannot work (a bad env), answered to every request.
pub fn settings_error(message: &str) -> Reply {
    Cause::new("settings_exception", message).into_reply(500)
}

/// Why a request could not be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticationFailure<'a> {
    /// No credentials a realm here reads (no header, an empty one, ApiKey, Negotiate, ...).
    MissingCredentials {
        uri: &'a str,
    },
    /// A Basic header that is not `base64(user:password)`.
    InvalidBasicValue,
    InvalidBasicEncoding,
    /// Wrong password, unknown or disabled user, or a throttled username.
    User {
        username: &'a str,
        uri: &'a str,
    },
    /// The user named in a password grant (§3.4).
    UserForAction {
        username: &'a str,
        action: &'a str,
    },
}

/// The 401 of §5.2 for a failed authentication, with the default challenges as headers and in
/// the body's `header` member.
pub fn authentication_failure(failure: &AuthenticationFailure<'_>) -> Reply {
    let reason = match failure {
        AuthenticationFailure::MissingCredentials { uri } => {
            format!("missing authentication credentials for REST request [{uri}]")
        }
        AuthenticationFailure::InvalidBasicValue => "invalid basic authentication header value".into(),
        AuthenticationFailure::InvalidBasicEncoding => "invalid basic authentication header encoding".into(),
        AuthenticationFailure::User { username, uri } => {
            format!("unable to authenticate user [{username}] for REST request [{uri}]")
        }
        AuthenticationFailure::UserForAction { username, action } => {
            format!("unable to authenticate user [{username}] for action [{action}]")
        }
    };
    Cause::new("security_exception", reason).with_header("WWW-Authenticate", default_www_authenticate()).into_reply(401)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_layer_bodies() {
        let rows = [
            (no_handler("/x?y", "GET"), 400, json!({"error": "no handler found for uri [/x?y] and method [GET]"})),
            (
                method_not_allowed("/", "PUT", &["GET".into(), "HEAD".into()]),
                405,
                json!({"error": "Incorrect HTTP method for uri [/] and method [PUT], allowed: [GET, HEAD]", "status": 405}),
            ),
            (content_type_not_supported(None), 406, json!({"error": "Content-Type header is missing", "status": 406})),
            (
                content_type_not_supported(Some("text/plain")),
                406,
                json!({"error": "Content-Type header [text/plain] is not supported", "status": 406}),
            ),
        ];
        for (reply, status, body) in rows {
            assert_eq!((reply.status, reply.body), (status, body));
        }
        assert_eq!(
            method_not_allowed("/", "PUT", &["GET".into(), "HEAD".into()]).headers,
            vec![("Allow".into(), vec!["GET,HEAD".into()])]
        );
        let unreadable = unreadable_body();
        assert_eq!((unreadable.status, &unreadable.body["error"]["type"]), (400, &json!("illegal_argument_exception")));
        assert_eq!(unreadable.body["error"]["reason"], "request body could not be read");
        let undecodable = [undecodable("Invalid method"), undecodable(""), request_timeout()]
            .map(|reply| (reply.status, reply.body["error"]["type"].clone(), reply.body["error"]["reason"].clone()));
        assert_eq!(
            undecodable,
            [
                (400, json!("illegal_argument_exception"), json!("Invalid method")),
                (400, json!("illegal_argument_exception"), json!("malformed HTTP request")),
                (408, json!("illegal_argument_exception"), json!("request timeout")),
            ]
        );
        let reason = body_not_supported("GET", "/_security/_authenticate").body["error"]["reason"].clone();
        assert_eq!(reason, "request [GET /_security/_authenticate] does not support having a body");
    }

    #[test]
    fn authentication_failures_carry_the_challenges() {
        let reply =
            authentication_failure(&AuthenticationFailure::User { username: "u", uri: "/_security/_authenticate" });
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.body["error"]["reason"],
            "unable to authenticate user [u] for REST request [/_security/_authenticate]"
        );
        assert_eq!(reply.body["error"]["header"]["WWW-Authenticate"].as_array().map(Vec::len), Some(3));
        assert_eq!(reply.headers, vec![("WWW-Authenticate".into(), default_www_authenticate())]);
    }
}
