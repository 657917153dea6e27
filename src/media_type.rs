//! Media types as ES's REST layer reads them: which request bodies it parses, and in which type
//! it answers. Only JSON is produced; a client that speaks the compatibility type
//! (`application/vnd.elasticsearch+json; compatible-with=N`) gets it back.

use crate::errors::{Cause, Reply};
use crate::rest_errors::content_type_not_supported;

const VND_PREFIX: &str = "application/vnd.elasticsearch+";
/// ES 9 accepts its own major and the previous one (RestApiVersion current/minimumSupported).
const COMPATIBLE_VERSIONS: [&str; 2] = ["8", "9"];

/// `type/subtype; k=v` → (essence, params), lower-cased; `None` when it is not a media type.
fn parse(value: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut parts = value.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    let token = |s: &str, extra: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c) || extra.contains(c))
    };
    if !token(kind, "") || !token(subtype, "*") {
        return None;
    }
    let params = parts
        .filter_map(|part| {
            let (key, value) = part.split_once('=')?;
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            Some((key.trim().to_ascii_lowercase(), value.to_string()))
        })
        .collect();
    Some((essence, params))
}

/// The compatible-with version of a vendor JSON type, or `None` for anything else.
fn vendor_json_version(essence: &str, params: &[(String, String)]) -> Option<String> {
    let json = [format!("{VND_PREFIX}json"), format!("{VND_PREFIX}x-ndjson")];
    if !json.iter().any(|j| j == essence) {
        return None;
    }
    let version = params.iter().find(|(k, _)| k == "compatible-with").map(|(_, v)| v.as_str())?;
    COMPATIBLE_VERSIONS.contains(&version).then(|| version.to_string())
}

/// `None` when a body of this `Content-Type` can be parsed, else the 406.
pub fn body_type_problem(content_type: Option<&str>) -> Option<Reply> {
    let accepted = content_type.and_then(parse).is_some_and(|(essence, params)| {
        essence == "application/json"
            || essence == "application/x-ndjson"
            || vendor_json_version(&essence, &params).is_some()
    });
    (!accepted).then(|| content_type_not_supported(content_type))
}

/// The response `Content-Type`: from `Accept` first, else the request's `Content-Type`.
pub fn response_type(accept: Option<&str>, content_type: Option<&str>) -> String {
    let candidates = accept.into_iter().flat_map(|a| a.split(',')).chain(content_type);
    for candidate in candidates {
        let Some((essence, params)) = parse(candidate) else {
            continue;
        };
        if essence == "*/*" {
            continue;
        }
        return match vendor_json_version(&essence, &params) {
            Some(version) => format!("{VND_PREFIX}json;compatible-with={version}"),
            None => "application/json".into(),
        };
    }
    "application/json".into()
}

/// A header ES refuses while building the request (RestRequest's MediaTypeHeaderException).
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderProblem {
    headers: &'static str,
    cause: Cause,
}

impl HeaderProblem {
    /// ES's 400: `media_type_header_exception`, caused by the parser's or the version check's.
    pub fn into_reply(self) -> Reply {
        Cause::new("media_type_header_exception", format!("Invalid media-type value on headers [{}]", self.headers))
            .caused_by(self.cause)
            .into_reply(400)
    }
}

/// ES's ParsedMediaType of one header: `None` for no header or a media range (a `,` or
/// `*/*`), else its `compatible-with` parameter (if any); the error is the parser's message.
fn es_parse(value: Option<&str>, name: &str) -> Result<Option<Option<String>>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.trim().is_empty() {
        return Err(format!("Header [{name}] cannot be empty."));
    }
    if value.contains(',') || value == "*/*" {
        return Ok(None);
    }
    let lower = value.to_ascii_lowercase();
    let elements = java_split(&lower, ';');
    let essence = elements.first().map(|e| java_split(e, '/')).unwrap_or_default();
    let tchar =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    if !matches!(essence.as_slice(), [kind, subtype] if tchar(kind.trim()) && tchar(subtype.trim())) {
        return Err(format!("invalid media-type [{value}]"));
    }
    let mut version = None;
    for element in elements.iter().skip(1).map(|e| e.trim()).filter(|e| !e.is_empty()) {
        match java_split(element, '=').as_slice() {
            [key, param]
                if !key.ends_with(char::is_whitespace)
                    && !param.starts_with(char::is_whitespace)
                    && !key.is_empty() =>
            {
                if key.trim() == "compatible-with" {
                    version = Some(param.trim().to_string());
                }
            }
            _ => return Err(format!("invalid parameters for header [{value}]")),
        }
    }
    Ok(Some(version))
}

/// Java's String.split: trailing empty pieces are dropped.
fn java_split(s: &str, separator: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(separator).collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

const CURRENT_MAJOR: i16 = 9;
const MINIMUM_MAJOR: i16 = 8;

/// ES 9's RestCompatibleVersionHelper (§16.3) after both headers have parsed: the Accept
/// version must be 9 or 8, and with a body the Content-Type version too, the same one, and
/// given on both headers or on neither.
pub fn header_problem(accept: Option<&str>, content_type: Option<&str>, has_body: bool) -> Option<HeaderProblem> {
    let single = |name: &'static str, reason: String| HeaderProblem {
        headers: name,
        cause: Cause::new("illegal_argument_exception", reason),
    };
    let accept_version = match es_parse(accept, "Accept") {
        Ok(parsed) => parsed.flatten(),
        Err(reason) => return Some(single("Accept", reason)),
    };
    let content_version = match es_parse(content_type, "Content-Type") {
        Ok(parsed) => parsed.flatten(),
        Err(reason) => return Some(single("Content-Type", reason)),
    };
    let both = |reason: String| HeaderProblem {
        headers: "Accept, Content-Type",
        cause: Cause::new("status_exception", reason),
    };
    let number = |version: &Option<String>| match version {
        None => Ok(CURRENT_MAJOR),
        Some(text) => text.parse::<i8>().map(i16::from).map_err(|_| HeaderProblem {
            headers: "Accept, Content-Type",
            cause: Cause::new("number_format_exception", format!("For input string: \"{text}\"")),
        }),
    };
    let shown = |value: Option<&str>, version: &Option<String>| match (value, version) {
        (Some(value), _) if !value.contains(',') && value != "*/*" => value.to_string(),
        _ => "null".to_string(),
    };
    let (a, c) = (shown(accept, &accept_version), shown(content_type, &content_version));
    let accept_major = match number(&accept_version) {
        Ok(major) => major,
        Err(problem) => return Some(problem),
    };
    if !(MINIMUM_MAJOR..=CURRENT_MAJOR).contains(&accept_major) {
        return Some(both(format!(
            "Accept version must be either version {CURRENT_MAJOR} or {MINIMUM_MAJOR}, but found {accept_major}. Accept={a}"
        )));
    }
    if !has_body {
        return None;
    }
    let content_major = match number(&content_version) {
        Ok(major) => major,
        Err(problem) => return Some(problem),
    };
    if !(MINIMUM_MAJOR..=CURRENT_MAJOR).contains(&content_major) {
        return Some(both(format!(
            "Content-Type version must be either version {CURRENT_MAJOR} or {MINIMUM_MAJOR}, but found {content_major}. Content-Type={c}"
        )));
    }
    let required = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version";
    if content_major != accept_major {
        return Some(both(format!("{required} and the compatible versions must match. Accept={a}, Content-Type={c}")));
    }
    if accept_version.is_some() != content_version.is_some() {
        return Some(both(format!("{required}. Accept={a}, Content-Type={c}")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_es_parses() {
        let ok = [
            "application/json",
            "Application/JSON; charset=UTF-8",
            "application/x-ndjson",
            "application/vnd.elasticsearch+json; compatible-with=9",
            "application/vnd.elasticsearch+json;compatible-with=\"8\"",
        ];
        for value in ok {
            assert_eq!(body_type_problem(Some(value)), None, "{value}");
        }
        for value in ["text/plain", "application/vnd.elasticsearch+json; compatible-with=7", "json", "", "a b/c"] {
            assert_eq!(body_type_problem(Some(value)).map(|r| r.status), Some(406), "{value}");
        }
        assert_eq!(
            body_type_problem(None).map(|r| r.body["error"].clone()),
            Some("Content-Type header is missing".into())
        );
    }

    #[test]
    fn response_types() {
        let rows = [
            (None, None, "application/json"),
            (
                Some("*/*"),
                Some("application/vnd.elasticsearch+json; compatible-with=8"),
                "application/vnd.elasticsearch+json;compatible-with=8",
            ),
            (
                Some("application/vnd.elasticsearch+json; compatible-with=9, */*"),
                None,
                "application/vnd.elasticsearch+json;compatible-with=9",
            ),
            (Some("text/yaml"), None, "application/json"),
            (Some("garbage"), Some("application/json"), "application/json"),
        ];
        for (accept, content_type, expected) in rows {
            assert_eq!(response_type(accept, content_type), expected, "{accept:?} {content_type:?}");
        }
    }

    #[test]
    fn compatible_versions_as_es_9_checks_them() {
        let vnd = |n: &str| format!("application/vnd.elasticsearch+json; compatible-with={n}");
        let (v7, v8, v9) = (vnd("7"), vnd("8"), vnd("9"));
        let required = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version";
        type Row<'a> = (Option<&'a str>, Option<&'a str>, bool, Option<(&'a str, String)>);
        let rows: Vec<Row<'_>> = vec![
            (None, None, true, None),
            (Some(&v9), Some(&v9), true, None),
            (Some(&v8), Some(&v8), true, None),
            (Some(&v8), Some("application/json"), false, None),
            (Some("application/json, */*"), Some("application/json"), true, None),
            (
                Some(&v7),
                None,
                false,
                Some((
                    "Accept, Content-Type",
                    format!("Accept version must be either version 9 or 8, but found 7. Accept={v7}"),
                )),
            ),
            (
                None,
                Some(&v7),
                true,
                Some((
                    "Accept, Content-Type",
                    format!("Content-Type version must be either version 9 or 8, but found 7. Content-Type={v7}"),
                )),
            ),
            (None, Some(&v7), false, None),
            (
                Some(&v8),
                Some(&v9),
                true,
                Some((
                    "Accept, Content-Type",
                    format!("{required} and the compatible versions must match. Accept={v8}, Content-Type={v9}"),
                )),
            ),
            (
                None,
                Some(&v8),
                true,
                Some((
                    "Accept, Content-Type",
                    format!("{required} and the compatible versions must match. Accept=null, Content-Type={v8}"),
                )),
            ),
            (
                Some(&v9),
                Some("application/json"),
                true,
                Some(("Accept, Content-Type", format!("{required}. Accept={v9}, Content-Type=application/json"))),
            ),
            (Some("garbage"), None, false, Some(("Accept", "invalid media-type [garbage]".to_string()))),
            (Some(""), None, false, Some(("Accept", "Header [Accept] cannot be empty.".to_string()))),
            (
                None,
                Some("a/b; x = y"),
                false,
                Some(("Content-Type", "invalid parameters for header [a/b; x = y]".to_string())),
            ),
            (None, Some("application/json;"), true, None),
        ];
        for (accept, content_type, has_body, expected) in rows {
            let got = header_problem(accept, content_type, has_body).map(|p| (p.headers, p.cause.reason));
            assert_eq!(got, expected, "{accept:?} {content_type:?} {has_body}");
        }
        let reply = header_problem(Some(&v7), None, false).map(HeaderProblem::into_reply);
        let body =
            reply.map(|r| (r.status, r.body["error"]["type"].clone(), r.body["error"]["caused_by"]["type"].clone()));
        assert_eq!(body, Some((400, "media_type_header_exception".into(), "status_exception".into())));
    }
}
