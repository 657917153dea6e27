//! What ES's REST layer checks of a request before an endpoint's own work, in ES's order
//! (§16): the query string (RestRequest), the `Accept` and `Content-Type` headers and their
//! compatible versions, `pretty` and `human` (the channel), `error_trace` (RestController),
//! then, once routed, the endpoint's parameters (BaseRestHandler). Also the response
//! parameters the reply is written with.

use crate::errors::{Cause, Reply};
use crate::media_type::{self, HeaderProblem};
use crate::query_params::{decode_component, decode_query, unrecognized, QueryParams};
use crate::response_format::ResponseFormat;
use crate::routes::Endpoint;

/// The parameters every handler reads: the channel's (`format`, `filter_path`, `pretty`,
/// `human`) and RestController's `error_trace`.
pub const GLOBAL_PARAMS: [&str; 5] = ["error_trace", "filter_path", "format", "human", "pretty"];

/// One request's headers and target as the checks read them.
pub struct RequestHead<'a> {
    pub path: &'a str,
    pub uri: &'a str,
    pub accept: Option<&'a str>,
    pub content_type: Option<&'a str>,
}

/// The outcome of the request-level checks.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RequestChecks {
    /// The 400 sent before routing, for a request without a body and for one with a body
    /// (the compatible-version rules read `Content-Type` only when there is a body).
    pub before_routing: Option<Reply>,
    pub before_routing_with_body: Option<Reply>,
    /// The endpoint's 400 for its parameters: a bad value, or one it does not read.
    pub endpoint_params: Option<Reply>,
    pub format: ResponseFormat,
    pub params: QueryParams,
}

pub fn check(head: &RequestHead<'_>, endpoint: Option<Endpoint>) -> RequestChecks {
    // A query ES cannot decode is answered without reading any parameter (no pretty).
    let params = match decode_query(head.uri) {
        Ok(params) => params,
        Err(reply) => {
            return RequestChecks {
                before_routing: Some(reply.clone()),
                before_routing_with_body: Some(reply),
                ..RequestChecks::default()
            }
        }
    };
    let headers = |has_body| media_type::header_problem(head.accept, head.content_type, has_body);
    let channel = channel_problem(&params);
    let before = |problem: Option<HeaderProblem>| {
        problem.map(|p| p.into_reply()).or_else(|| channel.clone()).or_else(|| error_trace_problem(&params))
    };
    RequestChecks {
        before_routing: before(headers(false)),
        before_routing_with_body: before(headers(true)),
        endpoint_params: endpoint.and_then(|e| endpoint_problem(e, head.path, &params)),
        format: ResponseFormat {
            pretty: params.boolean("pretty", false).unwrap_or(false),
            filter_path: params.get("filter_path").map(str::to_string),
        },
        params,
    }
}

/// The channel's booleans: a bad one is ES's bad request, in the full error envelope.
fn channel_problem(params: &QueryParams) -> Option<Reply> {
    ["pretty", "human"]
        .iter()
        .find_map(|name| params.boolean(name, false).err())
        .map(|message| Cause::new("illegal_argument_exception", message).into_reply(400))
}

/// RestController answers a bad `error_trace` with its simple error body.
fn error_trace_problem(params: &QueryParams) -> Option<Reply> {
    params
        .boolean("error_trace", false)
        .err()
        .map(|message| Reply::new(400, serde_json::json!({ "error": message, "status": 400 })))
}

/// The endpoint's parameters: bad values first (the handler reads them), then the names it
/// did not read. ES quotes the decoded path without the query.
fn endpoint_problem(endpoint: Endpoint, path: &str, params: &QueryParams) -> Option<Reply> {
    if let Some(message) = value_problem(endpoint, params) {
        return Some(Cause::new("illegal_argument_exception", message).into_reply(400));
    }
    let known = endpoint.params();
    let invalid: Vec<&str> = params.names().filter(|n| !known.contains(n) && !GLOBAL_PARAMS.contains(n)).collect();
    if invalid.is_empty() {
        return None;
    }
    let candidates: Vec<&str> = known.iter().chain(GLOBAL_PARAMS.iter()).copied().collect();
    let path = decode_component(path, false).unwrap_or_else(|_| path.to_string());
    Some(Cause::new("illegal_argument_exception", unrecognized(&path, &invalid, &candidates)).into_reply(400))
}

/// ES's readings of the endpoint parameters that take a value of a kind.
fn value_problem(endpoint: Endpoint, params: &QueryParams) -> Option<String> {
    if endpoint.params().contains(&"with_profile_uid") {
        if let Err(message) = params.boolean("with_profile_uid", false) {
            return Some(message);
        }
    }
    match params.get("refresh") {
        Some(value) if endpoint.params().contains(&"refresh") => (!matches!(value, "" | "true" | "false" | "wait_for"))
            .then(|| format!("Unknown value for refresh: [{value}].")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(uri: &'a str, accept: Option<&'a str>, content_type: Option<&'a str>) -> RequestHead<'a> {
        let path = uri.split('?').next().unwrap_or_default();
        RequestHead { path, uri, accept, content_type }
    }

    fn reason(reply: Option<&Reply>) -> Option<String> {
        reply.map(|r| match &r.body["error"] {
            serde_json::Value::String(simple) => simple.clone(),
            error => error["reason"].as_str().unwrap_or_default().to_string(),
        })
    }

    #[test]
    fn endpoint_parameters_row_by_row() {
        let rows: &[(&str, Endpoint, Option<&str>)] = &[
            ("/_security/oauth2/token?pretty&human=false&filter_path=a&format=json&error_trace", Endpoint::GetToken, None),
            ("/_security/oauth2/token?x=1", Endpoint::GetToken, Some("request [/_security/oauth2/token] contains unrecognized parameter: [x]")),
            ("/_security/user/a%20b?refresh=wait_for&refesh", Endpoint::PutUser, Some("request [/_security/user/a b] contains unrecognized parameter: [refesh] -> did you mean [refresh]?")),
            ("/_security/user?with_profile_uid=yes", Endpoint::GetUsers, Some("Failed to parse value [yes] as only [true] or [false] are allowed.")),
            ("/_security/user?with_profile_uid&username=a", Endpoint::GetUsers, None),
            ("/_security/user/x?refresh=now", Endpoint::DeleteUser, Some("Unknown value for refresh: [now].")),
            ("/_security/user/x/_enable?refresh", Endpoint::EnableUser, None),
            ("/?refresh=true", Endpoint::Info, Some("request [/] contains unrecognized parameter: [refresh]")),
        ];
        for (uri, endpoint, expected) in rows {
            let checks = check(&head(uri, None, None), Some(*endpoint));
            assert_eq!(reason(checks.endpoint_params.as_ref()).as_deref(), *expected, "{uri}");
        }
    }

    #[test]
    fn before_routing_in_es_order() {
        let rows: &[(&str, Option<&str>, Option<&str>)] = &[
            ("/x?pretty=yes", None, Some("Failed to parse value [yes] as only [true] or [false] are allowed.")),
            ("/x?human=no&pretty", None, Some("Failed to parse value [no] as only [true] or [false] are allowed.")),
            ("/x?error_trace=1", None, Some("Failed to parse value [1] as only [true] or [false] are allowed.")),
            (
                "/x?pretty=%",
                None,
                Some("java.lang.IllegalArgumentException: unterminated escape sequence at end of string: %"),
            ),
            (
                "/x?pretty=yes",
                Some("application/vnd.elasticsearch+json; compatible-with=7"),
                Some("Invalid media-type value on headers [Accept, Content-Type]"),
            ),
            ("/x?pretty=yes", Some("nonsense"), Some("Invalid media-type value on headers [Accept]")),
            ("/x?pretty=true&human=true&error_trace=false", None, None),
        ];
        for (uri, accept, expected) in rows {
            let checks = check(&head(uri, *accept, None), None);
            assert_eq!(reason(checks.before_routing.as_ref()).as_deref(), *expected, "{uri}");
        }
        let simple = check(&head("/x?error_trace=1", None, None), None).before_routing.map(|r| r.body);
        assert_eq!(simple.map(|b| b["status"].clone()), Some(400.into()));
    }

    #[test]
    fn response_parameters() {
        let checks = check(&head("/x?pretty&filter_path=a,-b", None, None), None);
        assert_eq!(checks.format, ResponseFormat { pretty: true, filter_path: Some("a,-b".into()) });
        assert_eq!(checks.params.get("filter_path"), Some("a,-b"));
    }
}
