//! What the HTTP service asks the core: whether a body may be read, how a request presents its
//! credentials, and the REST layer's error replies. The host does the plumbing; the rules and
//! their words are here.

use wasm_bindgen::prelude::*;

use crate::body_text::{self, MAX_BODY_BYTES};
use crate::cluster_health;
use crate::credentials::{read_authorization, Credentials};
use crate::errors::store_unavailable;
use crate::media_type;
use crate::privileges::Action;
use crate::response_format::ResponseFormat;
use crate::rest_errors::{self, AuthenticationFailure};
use crate::rest_headers;
use crate::rest_request::{self, RequestHead};
use crate::routes::{self, Endpoint, Needs, RouteMatch};

/// The headers ES's REST layer puts on a reply, by its status (`crate::rest_reply`): the same for
/// every request, so the host reads them once.
#[wasm_bindgen(js_name = restHeaders)]
pub fn rest_headers_by_status() -> String {
    crate::rest_reply::headers_by_status().to_string()
}

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
    problem: Option<String>,
    body_problem: Option<String>,
    format: Option<String>,
    response_type: String,
}

#[wasm_bindgen]
impl Route {
    /// The endpoint's name (`getToken`, `putUser`, ...), when one serves the request.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> Option<String> {
        self.endpoint.map(|e| e.name().to_string())
    }

    /// The action the caller must be granted, by the host's name for it (`Action::endpoint`:
    /// `main`, `clusterHealth`, ...), checked where ES checks it, after the endpoint's 400s. None
    /// for get-token, whose body's grant names it (`tokenGrant`), and for the endpoints about the
    /// caller, which ES exempts.
    #[wasm_bindgen(getter)]
    pub fn action(&self) -> Option<String> {
        match self.endpoint?.needs() {
            Needs::Action(action) => Some(action.endpoint().to_string()),
            Needs::Grant | Needs::SameUser => None,
        }
    }

    /// The path parameter (`{username}`, `{index}`, `{name}`, `{realms}`), percent-decoded (or,
    /// for GET /_security/user, as ES reads it, the query's `username`).
    #[wasm_bindgen(getter)]
    pub fn username(&self) -> Option<String> {
        self.username.clone()
    }

    /// The answer to an `OPTIONS` no endpoint serves, sent before authentication.
    #[wasm_bindgen(getter)]
    pub fn preflight(&self) -> Option<String> {
        self.preflight.clone()
    }

    /// For a request without a body, the first of ES's answers after authentication and
    /// before the endpoint: a bad query or header (400), no handler (400), a wrong method
    /// (405), the endpoint's parameters (400).
    #[wasm_bindgen(getter)]
    pub fn problem(&self) -> Option<String> {
        self.problem.clone()
    }

    /// The same for a request with a body, where ES also checks the `Content-Type` version,
    /// the media type (406), and that the endpoint reads a body (400).
    #[wasm_bindgen(getter, js_name = bodyProblem)]
    pub fn body_problem(&self) -> Option<String> {
        self.body_problem.clone()
    }

    /// The response parameters (`pretty`, `filter_path`) for `renderBody`, when the body is
    /// not written as plain JSON.
    #[wasm_bindgen(getter)]
    pub fn format(&self) -> Option<String> {
        self.format.clone()
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
    let head = RequestHead { path, uri, accept: accept.as_deref(), content_type: content_type.as_deref() };
    let checks = rest_request::check(&head, endpoint);
    let failure = matched.failure(uri, method);
    let content = media_type::body_type_problem(content_type.as_deref());
    let no_body = match endpoint {
        Some(e) if !e.reads_body() => Some(rest_errors::body_not_supported(method, path)),
        _ => None,
    };
    let problem = checks.before_routing.or_else(|| failure.clone()).or_else(|| checks.endpoint_params.clone());
    let body_problem = checks.before_routing_with_body.or(failure).or(content).or(checks.endpoint_params).or(no_body);
    let preflight = (method == "OPTIONS" && endpoint.is_none()).then(|| matched.preflight().to_rest_envelope());
    let username = match matched {
        RouteMatch::Found { username: Some(username), .. } => Some(username),
        RouteMatch::Found { endpoint: Endpoint::GetUsers, .. } => {
            checks.params.get("username").filter(|u| !u.is_empty()).map(str::to_string)
        }
        _ => None,
    };
    Route {
        endpoint,
        preflight,
        problem: problem.map(|r| r.to_envelope()),
        body_problem: body_problem.map(|r| r.to_envelope()),
        format: (!checks.format.is_plain()).then(|| serde_json::to_string(&checks.format).unwrap_or_default()),
        response_type: media_type::response_type(accept.as_deref(), content_type.as_deref()),
        username,
    }
}

/// A reply body (JSON text) written with a route's `format`: filtered (unless it is an
/// error) and indented as ES does. Text that is not JSON is returned as it is.
#[wasm_bindgen(js_name = renderBody)]
pub fn render_body(format: &str, status: u16, body: &str) -> String {
    let format = ResponseFormat::from_json(format);
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(value) => format.render(status, &value),
        Err(_) => body.to_string(),
    }
}

/// The REST layer's errors that the host meets outside routing, by kind; `args` in the order
/// each kind lists.
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestError {
    /// `[uri, method]`: a request target that names no path (`*`, CONNECT's `host:port`)
    NoHandler,
    /// `[reason]`: a request the host's HTTP layer could not decode (400); `reason` is the
    /// platform's own wording, never request data, or empty for the core's
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
    /// `[username, endpoint]`: the endpoint whose ES action the message names (`createToken`)
    UnableToAuthenticateForAction,
    /// `[]`: a body the host could not read (the client went away mid-body, a framing refused)
    UnreadableBody,
    /// `[]`: a request that did not arrive within the host's deadlines (408)
    RequestTimeout,
}

/// The reply envelope of a REST-layer error.
#[wasm_bindgen(js_name = restError)]
pub fn rest_error(kind: RestError, args: Vec<String>) -> String {
    let arg = |i: usize| args.get(i).map_or("", String::as_str);
    let reply = match kind {
        RestError::NoHandler => rest_errors::no_handler(arg(0), arg(1)),
        RestError::Undecodable => rest_errors::undecodable(arg(0)),
        RestError::BodyTooLarge => body_text::too_large(),
        RestError::Internal => rest_errors::internal_error(),
        RestError::Settings => rest_errors::settings_error(arg(0)),
        RestError::StoreUnavailable => store_unavailable(arg(0)),
        RestError::MissingCredentials => failure(&AuthenticationFailure::MissingCredentials { uri: arg(0) }),
        RestError::UnableToAuthenticate => failure(&AuthenticationFailure::User { username: arg(0), uri: arg(1) }),
        RestError::UnableToAuthenticateForAction => {
            let action = match Action::for_endpoint(arg(1)) {
                Some(action) => action.name(),
                None => arg(1),
            };
            failure(&AuthenticationFailure::UserForAction { username: arg(0), action })
        }
        RestError::UnreadableBody => rest_errors::unreadable_body(),
        RestError::RequestTimeout => rest_errors::request_timeout(),
    };
    reply.to_envelope()
}

fn failure(failure: &AuthenticationFailure<'_>) -> crate::errors::Reply {
    rest_errors::authentication_failure(failure)
}

/// The credentials of a request's `Authorization` header, read as ES's realms read it, as one
/// string behind a mark (one crossing and one JS string: an array of strings cost every request
/// a string per field and the array): `T` and the token, `B` and `username:password` (the
/// username ends at the first colon, as the realms split it, so it holds none), `F` and the 401's
/// envelope, or `""` when the request presents no credentials a realm here reads.
#[wasm_bindgen(js_name = readAuthorization)]
pub fn read_authorization_header(header: &str) -> String {
    match read_authorization(header) {
        Ok(Credentials::Basic { username, password }) => format!("B{username}:{password}"),
        Ok(Credentials::Bearer(token)) => format!("T{token}"),
        Ok(Credentials::None) => String::new(),
        Err(problem) => format!("F{}", rest_errors::authentication_failure(&problem).to_envelope()),
    }
}

/// GET /_cluster/health's parameters checked (§12): `{"probe_key"}`, the key whose read tells
/// whether the store answers, or ES's 400.
#[wasm_bindgen(js_name = clusterHealthPlan)]
pub fn cluster_health_plan(index: Option<String>, uri: &str) -> String {
    match cluster_health::parse(index.as_deref(), uri) {
        Ok(request) => crate::errors::Reply::ok(serde_json::json!({
            "probe_key": cluster_health::PROBE_KEY,
            "timeout_ms": cluster_health::timeout_ms(&request),
        }))
        .to_envelope(),
        Err(reply) => reply.to_envelope(),
    }
}

/// After a read of the probe (the store answered or not) with `remaining_ms` of the timeout
/// left: how long until the host reads it again (a number, while a `wait_for_*` does not hold),
/// or the answer's envelope (200, or 408 once the timeout has run out).
#[wasm_bindgen(js_name = clusterHealthNext, unchecked_return_type = "number | string")]
pub fn cluster_health_next(index: Option<String>, uri: &str, store_answered: bool, remaining_ms: f64) -> JsValue {
    let remaining = if remaining_ms > 0.0 { remaining_ms as u64 } else { 0 };
    let reply = match cluster_health::parse(index.as_deref(), uri) {
        Ok(request) => match cluster_health::wait_step(&request, store_answered, remaining) {
            Some(wait_ms) => return JsValue::from_f64(wait_ms as f64),
            None => cluster_health::answer(&request, store_answered),
        },
        Err(problem) => problem,
    };
    JsValue::from_str(&reply.to_rest_envelope())
}

/// A get-token grant's input to `createToken`, or for `refresh_token` its client (src/grant_request.rs).
#[wasm_bindgen(js_name = grantRequest)]
pub fn grant_request(grant_type: &str, caller: &str, user: &str, scope: Option<String>) -> String {
    crate::grant_request::grant_request(grant_type, caller, user, scope)
}

/// A get-token body read as ES reads it, with the endpoint its grant authorizes and whether it
/// authenticates the body's user (`grant_request::token_grant`); ES's 400 as its envelope.
#[wasm_bindgen(js_name = tokenGrant)]
pub fn token_grant(body: &str) -> String {
    crate::grant_request::token_grant(body).to_envelope()
}
