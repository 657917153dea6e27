//! What the HTTP service asks the core: whether a body may be read, how a request presents its
//! credentials, and the REST layer's error replies. The host does the plumbing; the rules and
//! their words are here.

use wasm_bindgen::prelude::*;

use crate::body_text::{self, MAX_BODY_BYTES};
use crate::credentials::{read_authorization, Credentials};
use crate::errors::store_unavailable;
use crate::media_type;
use crate::rest_errors::{self, AuthenticationFailure};
use crate::rest_headers;
use crate::routes::{self, Endpoint, RouteMatch};

/// The largest body the service reads; the host stops streaming past it.
#[wasm_bindgen(js_name = maxBodyBytes)]
pub fn max_body_bytes() -> u32 {
    MAX_BODY_BYTES as u32
}

/// `undefined` for a body that may be read as text, else the 413 or 400 reply envelope.
#[wasm_bindgen(js_name = checkBody)]
pub fn check_body(bytes: &[u8]) -> Option<String> {
    body_text::body_text(bytes).err().map(|reply| reply.to_envelope())
}

/// `{bodyCoding, echo, traceId}` of a request's plain headers (src/rest_headers.rs).
#[wasm_bindgen(js_name = requestHeaders)]
pub fn request_headers(
    content_encoding: Option<String>,
    opaque_id: Option<String>,
    traceparent: Option<String>,
) -> String {
    rest_headers::request_headers(content_encoding.as_deref(), opaque_id.as_deref(), traceparent.as_deref())
}

/// The coding of a response for `Accept-Encoding` (`gzip`, `deflate`), where the host compresses.
#[wasm_bindgen(js_name = responseCoding)]
pub fn response_coding(accept_encoding: Option<String>) -> Option<String> {
    rest_headers::response_coding(accept_encoding.as_deref()).map(str::to_string)
}

/// How the REST layer takes a request, before authentication: its endpoint, or the answer.
#[wasm_bindgen]
pub struct Route {
    endpoint: Option<Endpoint>,
    username: Option<String>,
    preflight: Option<String>,
    failure: Option<String>,
    body_problem: Option<String>,
    response_type: String,
}

#[wasm_bindgen]
impl Route {
    /// The endpoint's name (`getToken`, `putUser`, ...), when one serves the request.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> Option<String> {
        self.endpoint.map(|e| e.name().to_string())
    }

    /// The `{username}` path parameter, percent-decoded.
    #[wasm_bindgen(getter)]
    pub fn username(&self) -> Option<String> {
        self.username.clone()
    }

    /// The answer to an `OPTIONS` no endpoint serves, sent before authentication.
    #[wasm_bindgen(getter)]
    pub fn preflight(&self) -> Option<String> {
        self.preflight.clone()
    }

    /// The 400 or 405 when no endpoint serves the request (sent after authentication, as ES).
    #[wasm_bindgen(getter)]
    pub fn failure(&self) -> Option<String> {
        self.failure.clone()
    }

    /// The 406 or 400 for a non-empty body: a media type ES does not parse, or an endpoint
    /// that reads none.
    #[wasm_bindgen(getter, js_name = bodyProblem)]
    pub fn body_problem(&self) -> Option<String> {
        self.body_problem.clone()
    }

    /// The `Content-Type` of the response.
    #[wasm_bindgen(getter, js_name = responseType)]
    pub fn response_type(&self) -> String {
        self.response_type.clone()
    }
}

/// Routes a request: `path` without the query, `uri` with it (ES quotes it in messages).
#[wasm_bindgen(js_name = routeRequest)]
pub fn route_request(
    method: &str,
    path: &str,
    uri: &str,
    accept: Option<String>,
    content_type: Option<String>,
) -> Route {
    let matched = routes::route(path, method);
    let endpoint = match &matched {
        RouteMatch::Found { endpoint, .. } => Some(*endpoint),
        _ => None,
    };
    let body_problem = media_type::body_type_problem(content_type.as_deref()).or_else(|| match endpoint {
        Some(e) if !e.reads_body() => Some(rest_errors::body_not_supported(method, path)),
        _ => None,
    });
    Route {
        endpoint,
        preflight: (method == "OPTIONS" && endpoint.is_none()).then(|| matched.preflight().to_envelope()),
        failure: matched.failure(uri, method).map(|r| r.to_envelope()),
        body_problem: body_problem.map(|r| r.to_envelope()),
        response_type: media_type::response_type(accept.as_deref(), content_type.as_deref()),
        username: match matched {
            RouteMatch::Found { username, .. } => username,
            _ => None,
        },
    }
}

/// The REST layer's errors that the host meets outside routing, by kind; `args` in the order
/// each kind lists.
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestError {
    /// `[uri, method]`: a request target that names no path (`*`, CONNECT's `host:port`)
    NoHandler,
    /// `[reason, status]`: a request the host's HTTP layer could not decode (400), or that took
    /// too long (408); `reason` is the platform's own wording, never request data
    Undecodable,
    /// `[]`
    BodyTooLarge,
    /// `[]`
    Internal,
    /// `[message]`
    Settings,
    /// `[what failed]`
    StoreUnavailable,
    /// `[uri]`
    MissingCredentials,
    /// `[username, uri]`
    UnableToAuthenticate,
    /// `[username, action]`
    UnableToAuthenticateForAction,
}

/// The reply envelope of a REST-layer error.
#[wasm_bindgen(js_name = restError)]
pub fn rest_error(kind: RestError, args: Vec<String>) -> String {
    let arg = |i: usize| args.get(i).map_or("", String::as_str);
    let reply = match kind {
        RestError::NoHandler => rest_errors::no_handler(arg(0), arg(1)),
        RestError::Undecodable => rest_errors::undecodable(arg(0), arg(1).parse().unwrap_or(400)),
        RestError::BodyTooLarge => body_text::too_large(),
        RestError::Internal => rest_errors::internal_error(),
        RestError::Settings => rest_errors::settings_error(arg(0)),
        RestError::StoreUnavailable => store_unavailable(arg(0)),
        RestError::MissingCredentials => failure(&AuthenticationFailure::MissingCredentials { uri: arg(0) }),
        RestError::UnableToAuthenticate => failure(&AuthenticationFailure::User { username: arg(0), uri: arg(1) }),
        RestError::UnableToAuthenticateForAction => {
            failure(&AuthenticationFailure::UserForAction { username: arg(0), action: arg(1) })
        }
    };
    reply.to_envelope()
}

fn failure(failure: &AuthenticationFailure<'_>) -> crate::errors::Reply {
    rest_errors::authentication_failure(failure)
}

/// The credentials of a request's `Authorization` header, read as ES's realms read it.
/// Exactly one of `failure` (a 401 envelope), `token`, or `username`+`password` is set; none
/// when the request presents no credentials a realm here reads.
#[wasm_bindgen]
pub struct Authorization {
    credentials: Credentials,
    failure: Option<String>,
}

#[wasm_bindgen]
impl Authorization {
    #[wasm_bindgen(getter)]
    pub fn failure(&self) -> Option<String> {
        self.failure.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn token(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Bearer(token) => Some(token.clone()),
            _ => None,
        }
    }

    #[wasm_bindgen(getter)]
    pub fn username(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Basic { username, .. } => Some(username.clone()),
            _ => None,
        }
    }

    #[wasm_bindgen(getter)]
    pub fn password(&self) -> Option<String> {
        match &self.credentials {
            Credentials::Basic { password, .. } => Some(password.clone()),
            _ => None,
        }
    }
}

#[wasm_bindgen(js_name = readAuthorization)]
pub fn read_authorization_header(header: &str) -> Authorization {
    match read_authorization(header) {
        Ok(credentials) => Authorization { credentials, failure: None },
        Err(problem) => Authorization {
            credentials: Credentials::None,
            failure: Some(rest_errors::authentication_failure(&problem).to_envelope()),
        },
    }
}
