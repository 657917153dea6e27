//! How a reply's body is written, by the request's response parameters (§16.1): `filter_path`
//! on every body except an error's (ES builds errors with filtering off), and `pretty` as
//! Jackson's default pretty printer with ES's indenter: two spaces, `" : "` between a name and
//! its value, `{ }` and `[ ]` when empty, and a line feed at the end.

use serde::Serialize;
use serde_json::Value;

use crate::filter_path::FilterPath;
use crate::json_fields::Fields;

/// The response parameters of one request, as the host carries them to `render`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseFormat {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pretty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_path: Option<String>,
}

impl ResponseFormat {
    /// The host's JSON of it (what it serialized); anything else is the plain format.
    pub fn from_json(json: &str) -> ResponseFormat {
        let read = |mut f: Fields| {
            Ok::<_, String>(ResponseFormat {
                pretty: f.boolean("pretty")?.unwrap_or(false),
                filter_path: f.string("filter_path")?,
            })
        };
        Fields::parse(json, "struct ResponseFormat").and_then(read).unwrap_or_default()
    }

    /// `true` when the body is written as plain compact JSON, unfiltered.
    pub fn is_plain(&self) -> bool {
        !self.pretty && self.filter_path.as_deref().and_then(FilterPath::parse).is_none()
    }

    /// The body's text. An error body (a 4xx/5xx whose body has `error`) is never filtered.
    pub fn render(&self, status: u16, body: &Value) -> String {
        let is_error = status >= 400 && body.get("error").is_some();
        let filtered = match self.filter_path.as_deref().and_then(FilterPath::parse) {
            Some(filter) if !is_error => filter.apply(body),
            _ => body.clone(),
        };
        if !self.pretty {
            return filtered.to_string();
        }
        let mut out = String::new();
        write_pretty(&mut out, &filtered, 0);
        out.push('\n');
        out
    }
}

fn indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_pretty(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Object(map) => {
            out.push('{');
            for (index, (name, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                out.push_str(&Value::String(name.clone()).to_string());
                out.push_str(" : ");
                write_pretty(out, item, depth + 1);
            }
            indent(out, depth);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                write_pretty(out, item, depth + 1);
            }
            indent(out, depth);
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn format(pretty: bool, filter_path: Option<&str>) -> ResponseFormat {
        ResponseFormat { pretty, filter_path: filter_path.map(str::to_string) }
    }

    #[test]
    fn pretty_as_es_writes_it() {
        let body = json!({"a": 1, "b": {"c": [1, "x"], "d": {}, "e": []}, "f": null});
        let expected = "{\n  \"a\" : 1,\n  \"b\" : {\n    \"c\" : [\n      1,\n      \"x\"\n    ],\n    \"d\" : { },\n    \"e\" : [ ]\n  },\n  \"f\" : null\n}\n";
        assert_eq!(format(true, None).render(200, &body), expected);
        assert_eq!(format(true, None).render(200, &json!({})), "{ }\n");
        assert_eq!(format(true, Some("zz")).render(200, &body), "{ }\n");
    }

    #[test]
    fn filters_bodies_but_not_errors() {
        let ok = json!({"access_token": "t", "type": "Bearer"});
        assert_eq!(format(false, Some("type")).render(200, &ok), r#"{"type":"Bearer"}"#);
        let counts = json!({"invalidated_tokens": 0, "error_count": 0});
        assert_eq!(format(false, Some("error_count")).render(404, &counts), r#"{"error_count":0}"#);
        let error = json!({"error": {"type": "x"}, "status": 400});
        assert_eq!(format(false, Some("status")).render(400, &error), error.to_string());
        let oauth = json!({"error": "invalid_grant", "error_description": "d"});
        assert_eq!(format(false, Some("error")).render(400, &oauth), oauth.to_string());
        assert_eq!(format(true, Some("status")).render(400, &error).lines().count(), 6);
    }

    #[test]
    fn plain_formats() {
        assert!(format(false, None).is_plain());
        assert!(format(false, Some(" , ")).is_plain());
        assert!(!format(false, Some("a")).is_plain() && !format(true, None).is_plain());
        let round = ResponseFormat::from_json(r#"{"pretty":true}"#);
        assert_eq!(round, format(true, None));
    }
}
