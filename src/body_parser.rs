//! Parses a request body the way Elasticsearch's `ObjectParser` does for an object of optional
//! string fields, with its error messages (§2.3 rows 1, 5, 6; §3.1).
//!
//! serde_json does the JSON work; a visitor records which fields arrived and with which token
//! type, so errors carry the `[line:col]` serde_json reports where the problem was found.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

use crate::body_text::body_text;
use crate::errors::{request_body_required, Cause, Reply};

/// The fields an object parser accepts, by name, in their order of arrival.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StringFields(Vec<(&'static str, String)>);

impl StringFields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(field, _)| *field == name).map(|(_, value)| value.as_str())
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(field, _)| *field)
    }
}

/// Parses `body` as an object whose members are all optional strings named in `allowed`.
/// `parser` is ES's parser name (`invalidate_token`, `token_request`).
pub fn parse_string_fields(
    parser: &'static str,
    allowed: &'static [&'static str],
    body: &[u8],
) -> Result<StringFields, Reply> {
    if body.is_empty() {
        return Err(request_body_required());
    }
    let mut deserializer = serde_json::Deserializer::from_str(body_text(body)?);
    let fields = deserializer
        .deserialize_any(ObjectVisitor { parser, allowed })
        .and_then(|fields| deserializer.end().map(|()| fields))
        .map_err(|error| parse_error(&error))?;
    Ok(fields)
}

/// `[l:c] message`, as XContentParseException renders its location. Shared by every parser
/// of request bodies (also `json_value`), so locations look the same everywhere.
pub(crate) fn parse_error(error: &serde_json::Error) -> Reply {
    let text = error.to_string();
    // serde_json appends " at line L column C"; ES puts the location in front instead.
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(head, _)| head);
    let reason = if error.line() == 0 {
        message.to_string()
    } else {
        format!("[{}:{}] {}", error.line(), error.column(), message)
    };
    Cause::new("x_content_parse_exception", reason).into_reply(400)
}

/// XContentParser's token names, used in "doesn't support values of type" errors.
fn token_name(unexpected: &de::Unexpected<'_>) -> &'static str {
    match unexpected {
        de::Unexpected::Bool(_) => "VALUE_BOOLEAN",
        de::Unexpected::Unsigned(_) | de::Unexpected::Signed(_) | de::Unexpected::Float(_) => "VALUE_NUMBER",
        de::Unexpected::Str(_) | de::Unexpected::Char(_) => "VALUE_STRING",
        de::Unexpected::Unit | de::Unexpected::Option => "VALUE_NULL",
        de::Unexpected::Seq => "START_ARRAY",
        de::Unexpected::Map => "START_OBJECT",
        _ => "VALUE_EMBEDDED_OBJECT",
    }
}

struct ObjectVisitor {
    parser: &'static str,
    allowed: &'static [&'static str],
}

impl ObjectVisitor {
    fn not_an_object<E: de::Error>(&self, unexpected: de::Unexpected<'_>) -> E {
        E::custom(format!("[{}] Expected START_OBJECT but was: {}", self.parser, token_name(&unexpected)))
    }
}

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = StringFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] an object", self.parser)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringFields, A::Error> {
        let mut fields = StringFields::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Some(name) = self.allowed.iter().find(|allowed| **allowed == key) else {
                return Err(de::Error::custom(format!("[{}] unknown field [{}]", self.parser, key)));
            };
            if fields.get(name).is_some() {
                return Err(de::Error::custom(format!("Duplicate field '{name}'")));
            }
            let value = map.next_value_seed(StringValue { parser: self.parser, field: name })?;
            fields.0.push((name, value));
        }
        Ok(fields)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<StringFields, A::Error> {
        Err(self.not_an_object(de::Unexpected::Seq))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<StringFields, E> {
        Err(self.not_an_object(de::Unexpected::Str(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<StringFields, E> {
        Err(self.not_an_object(de::Unexpected::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StringFields, E> {
        Err(self.not_an_object(de::Unexpected::Signed(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StringFields, E> {
        Err(self.not_an_object(de::Unexpected::Unsigned(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StringFields, E> {
        Err(self.not_an_object(de::Unexpected::Float(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<StringFields, E> {
        Err(self.not_an_object(de::Unexpected::Unit))
    }
}

/// One member's value: a string, or the ES error naming the token type it got instead.
struct StringValue {
    parser: &'static str,
    field: &'static str,
}

impl StringValue {
    fn wrong_type<E: de::Error>(&self, unexpected: de::Unexpected<'_>) -> E {
        E::custom(format!(
            "[{}] {} doesn't support values of type: {}",
            self.parser,
            self.field,
            token_name(&unexpected)
        ))
    }
}

impl<'de> DeserializeSeed<'de> for StringValue {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringValue {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string for [{}]", self.field)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Err(self.wrong_type(de::Unexpected::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Err(self.wrong_type(de::Unexpected::Signed(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Err(self.wrong_type(de::Unexpected::Unsigned(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Err(self.wrong_type(de::Unexpected::Float(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(self.wrong_type(de::Unexpected::Unit))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.wrong_type(de::Unexpected::Seq))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.wrong_type(de::Unexpected::Map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body_text::MAX_BODY_BYTES;

    const FIELDS: &[&str] = &["token", "refresh_token", "realm_name", "username"];

    fn reason(body: &str) -> (u16, String, String) {
        let reply = parse_string_fields("invalidate_token", FIELDS, body.as_bytes()).unwrap_err();
        let error = &reply.body["error"];
        (reply.status, error["type"].as_str().unwrap().into(), error["reason"].as_str().unwrap().into())
    }

    #[test]
    fn strings_are_collected_in_order() {
        let fields = parse_string_fields("invalidate_token", FIELDS, br#"{"username":"u","token":""}"#).unwrap();
        assert_eq!(fields.get("username"), Some("u"));
        assert_eq!(fields.get("token"), Some(""));
        assert_eq!(fields.names().collect::<Vec<_>>(), vec!["username", "token"]);
    }

    #[test]
    fn parse_errors_are_es_shaped() {
        let cases = [
            ("", 400, "parse_exception", "request body is required"),
            (r#"{"x":1}"#, 400, "x_content_parse_exception", "[1:4] [invalidate_token] unknown field [x]"),
            (
                r#"{"token":5}"#,
                400,
                "x_content_parse_exception",
                "[1:10] [invalidate_token] token doesn't support values of type: VALUE_NUMBER",
            ),
            (
                r#"{"token":null}"#,
                400,
                "x_content_parse_exception",
                "[1:13] [invalidate_token] token doesn't support values of type: VALUE_NULL",
            ),
            (
                r#"{"username":{"a":[1]}}"#,
                400,
                "x_content_parse_exception",
                "[1:13] [invalidate_token] username doesn't support values of type: START_OBJECT",
            ),
            (
                r#"{"username":true}"#,
                400,
                "x_content_parse_exception",
                "[1:16] [invalidate_token] username doesn't support values of type: VALUE_BOOLEAN",
            ),
            (
                "[1]",
                400,
                "x_content_parse_exception",
                "[1:1] [invalidate_token] Expected START_OBJECT but was: START_ARRAY",
            ),
            (
                "\"s\"",
                400,
                "x_content_parse_exception",
                "[1:3] [invalidate_token] Expected START_OBJECT but was: VALUE_STRING",
            ),
            (r#"{"token":"a","token":"b"}"#, 400, "x_content_parse_exception", "[1:20] Duplicate field 'token'"),
        ];
        for (body, status, kind, text) in cases {
            assert_eq!(reason(body), (status, kind.to_string(), text.to_string()), "{body}");
        }
    }

    #[test]
    fn syntax_errors_nesting_and_bad_utf8_are_parse_errors_not_panics() {
        let deep = format!("{{\"username\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        let bodies: Vec<Vec<u8>> = vec![
            b"{".to_vec(),
            b"not json".to_vec(),
            b"{\"token\":\"a\"} trailing".to_vec(),
            b"{\"token\":\"\xff\xfe\"}".to_vec(),
            b"  ".to_vec(),
            b"{\"token\":\"a\0b\"}".to_vec(),
            deep.into_bytes(),
        ];
        for body in bodies {
            let reply = parse_string_fields("invalidate_token", FIELDS, &body).unwrap_err();
            assert_eq!(reply.status, 400);
            assert_eq!(reply.body["error"]["type"], "x_content_parse_exception");
        }
    }

    #[test]
    fn oversized_bodies_are_rejected_before_parsing() {
        let body = vec![b' '; MAX_BODY_BYTES + 1];
        let reply = parse_string_fields("invalidate_token", FIELDS, &body).unwrap_err();
        assert_eq!(reply.status, 413);
    }
}
