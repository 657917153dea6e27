//! Media types as ES's REST layer reads them: which request bodies it parses, and in which type
//! it answers. Only JSON is produced; a client that speaks the compatibility type
//! (`application/vnd.elasticsearch+json; compatible-with=N`) gets it back.

use crate::errors::Reply;
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
}
