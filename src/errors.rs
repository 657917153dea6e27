//! Elasticsearch's error bodies and the reply envelope that crosses the wasm boundary.
//!
//! Every failure the engine can produce is rendered here, so that the exact wire strings of
//! `docs/elasticsearch-semantics.md` §1 live in one place.

use serde_json::{json, Map, Value};

/// An HTTP-shaped answer: what Elasticsearch would send for a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// Headers that must also go on the HTTP response (for example `WWW-Authenticate`).
    pub headers: Vec<(String, Vec<String>)>,
    pub body: Value,
}

impl Reply {
    pub fn new(status: u16, body: Value) -> Self {
        Reply { status, headers: Vec::new(), body }
    }

    pub fn ok(body: Value) -> Self {
        Reply::new(200, body)
    }

    /// `{"status":N,"headers":{..},"body":..}`: one string per call keeps the boundary cheap.
    /// An error's headers are its own and those ES's REST layer adds for its status (§1.3,
    /// [`crate::rest_reply`]), so that the host only copies them. A success's are its own: the
    /// engine's calls answer a success with its body alone (the host has the REST layer's headers
    /// for it, `rest_reply::headers_by_status`), and CORS's 200 never reaches the REST layer.
    pub fn to_envelope(&self) -> String {
        if self.status >= 400 {
            self.to_rest_envelope()
        } else {
            self.envelope(&[])
        }
    }

    /// The envelope of a reply the host sends as it is, whatever its status: its own headers and
    /// the REST layer's.
    pub fn to_rest_envelope(&self) -> String {
        self.envelope(crate::rest_reply::rest_headers(self.status))
    }

    fn envelope(&self, rest: &[(&str, &str)]) -> String {
        let mut headers = Map::new();
        for (name, value) in rest {
            headers.insert((*name).into(), (*value).into());
        }
        for (name, values) in &self.headers {
            headers.insert(name.clone(), header_value(values));
        }
        json!({"status": self.status, "headers": headers, "body": self.body}).to_string()
    }
}

/// One value renders as a string, several as an array (ES `header` rendering, §1.1).
fn header_value(values: &[String]) -> Value {
    match values {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    }
}

/// An exception as Elasticsearch renders it: `type`, `reason`, metadata, `caused_by`, `header`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub kind: String,
    pub reason: String,
    pub metadata: Vec<(String, Value)>,
    pub caused_by: Option<Box<Cause>>,
    pub headers: Vec<(String, Vec<String>)>,
}

impl Cause {
    pub fn new(kind: &str, reason: impl Into<String>) -> Self {
        Cause {
            kind: kind.to_string(),
            reason: reason.into(),
            metadata: Vec::new(),
            caused_by: None,
            headers: Vec::new(),
        }
    }

    pub fn with_metadata(mut self, key: &str, value: Value) -> Self {
        self.metadata.push((key.to_string(), value));
        self
    }

    pub fn caused_by(mut self, cause: Cause) -> Self {
        self.caused_by = Some(Box::new(cause));
        self
    }

    pub fn with_header(mut self, name: &str, values: Vec<String>) -> Self {
        self.headers.push((name.to_string(), values));
        self
    }

    /// Renders the exception; `root_cause` entries skip `caused_by`, as ES does.
    pub fn to_json(&self, with_cause: bool) -> Value {
        let mut out = Map::new();
        out.insert("type".into(), Value::String(self.kind.clone()));
        out.insert("reason".into(), Value::String(self.reason.clone()));
        for (key, value) in &self.metadata {
            out.insert(key.clone(), value.clone());
        }
        if let (true, Some(cause)) = (with_cause, &self.caused_by) {
            out.insert("caused_by".into(), cause.to_json(true));
        }
        if !self.headers.is_empty() {
            let mut headers = Map::new();
            for (name, values) in &self.headers {
                headers.insert(name.clone(), header_value(values));
            }
            out.insert("header".into(), Value::Object(headers));
        }
        Value::Object(out)
    }

    /// The standard envelope of §1.1. The root cause is the exception itself unless the
    /// caller names a deeper Elasticsearch exception.
    pub fn into_reply(self, status: u16) -> Reply {
        let mut error = Map::new();
        error.insert("root_cause".into(), json!([self.to_json(false)]));
        if let Value::Object(rendered) = self.to_json(true) {
            error.extend(rendered);
        }
        Reply { status, headers: self.headers.clone(), body: json!({"error": Value::Object(error), "status": status}) }
    }
}

/// `Validation Failed: 1: a;2: b;` (§1.2).
pub fn validation_reason(messages: &[String]) -> String {
    let mut reason = String::from("Validation Failed: ");
    for (index, message) in messages.iter().enumerate() {
        reason.push_str(&format!("{}: {};", index + 1, message));
    }
    reason
}

pub fn validation_error(messages: &[String]) -> Reply {
    Cause::new("action_request_validation_exception", validation_reason(messages)).into_reply(400)
}

pub fn request_body_required() -> Reply {
    Cause::new("parse_exception", "request body is required").into_reply(400)
}

pub fn illegal_argument(reason: impl Into<String>) -> Reply {
    Cause::new("illegal_argument_exception", reason).into_reply(400)
}

/// RFC 6749 §5.2 shape used by get-token (§3.2, §3.3): exactly two keys, no envelope.
pub fn oauth2_error(code: &str, description: impl Into<String>) -> Reply {
    Reply::new(400, json!({"error": code, "error_description": description.into()}))
}

/// 503 for a backend the engine could not use (§2.6 row "index unavailable").
pub fn store_unavailable(detail: &str) -> Reply {
    Cause::new("security_exception", "unable to perform requested action")
        .caused_by(Cause::new("exception", detail))
        .into_reply(503)
}

/// The default `WWW-Authenticate` list for generic 401s, in ES's order (§3.7).
pub fn default_www_authenticate() -> Vec<String> {
    vec![
        "Bearer realm=\"security\"".to_string(),
        "ApiKey".to_string(),
        "Basic realm=\"security\", charset=\"UTF-8\"".to_string(),
    ]
}

/// 401 for an unknown, garbage or purged bearer token (§5.2).
pub fn invalid_bearer_token() -> Reply {
    Cause::new(
        "security_exception",
        "unable to authenticate with provided credentials and anonymous access is not allowed for this request",
    )
    .with_metadata("additional_unsuccessful_credentials", json!("oauth2 token: invalid token"))
    .with_header("WWW-Authenticate", default_www_authenticate())
    .into_reply(401)
}

/// 401 for a bearer token that exists but is expired or invalidated (§5.2).
pub fn expired_bearer_token() -> Reply {
    Cause::new("security_exception", "token expired")
        .with_header(
            "WWW-Authenticate",
            vec!["Bearer realm=\"security\", error=\"invalid_token\", error_description=\"The access token expired\""
                .to_string()],
        )
        .into_reply(401)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reason_numbers_each_message() {
        let reason = validation_reason(&["a".into(), "b".into()]);
        assert_eq!(reason, "Validation Failed: 1: a;2: b;");
    }

    #[test]
    fn envelope_has_root_cause_without_caused_by() {
        let reply = Cause::new("x_content_parse_exception", "outer")
            .caused_by(Cause::new("illegal_argument_exception", "inner"))
            .into_reply(400);
        assert_eq!(
            reply.body.to_string(),
            r#"{"error":{"root_cause":[{"type":"x_content_parse_exception","reason":"outer"}],"type":"x_content_parse_exception","reason":"outer","caused_by":{"type":"illegal_argument_exception","reason":"inner"}},"status":400}"#
        );
    }

    #[test]
    fn single_header_value_is_a_string_several_are_an_array() {
        let reply = expired_bearer_token();
        let header = &reply.body["error"]["header"]["WWW-Authenticate"];
        assert!(header.is_string());
        let reply = invalid_bearer_token();
        let header = &reply.body["error"]["root_cause"][0]["header"]["WWW-Authenticate"];
        assert_eq!(header.as_array().map(Vec::len), Some(3));
        assert_eq!(reply.headers.first().map(|h| h.1.len()), Some(3));
    }
}
