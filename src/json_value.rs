//! The core's strict reader for JSON bodies the service parses whole (put user), read as ES's
//! parser reads them rather than as a lenient JSON library does: a duplicate key is an error
//! (ES turns on Jackson's strict duplicate detection), and so is nesting deeper than
//! [`MAX_DEPTH`]. Errors are `x_content_parse_exception`s with the `[line:col]` location in
//! front, rendered by `body_parser::parse_error` like every other body parse error.
//!
//! The depth limit is lower than Jackson's 1000 on purpose, and it is the one limit of the
//! repository: a user's metadata travels into every token document made for that user, and
//! the engine reads those back with serde_json, whose recursion limit is 128 levels. Metadata
//! deeper than that would make tokens that can never be checked. The reader refuses at the
//! limit itself, so it never recurses further than [`MAX_DEPTH`] levels.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

use crate::body_parser::parse_error;
use crate::errors::Reply;

/// Nesting levels a JSON value may have, its own outer container counted.
pub const MAX_DEPTH: usize = 100;

/// `text` as a JSON value, or ES's 400 for a syntax error, a duplicate key or too deep a
/// nesting (the first of them in document order). A leading byte order mark is skipped, as for
/// every body (`body_text::without_bom`).
pub fn parse_strict(text: &str) -> Result<Value, Reply> {
    let mut deserializer = serde_json::Deserializer::from_str(crate::body_text::without_bom(text));
    StrictValue { level: 0 }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| parse_error(&error))
}

/// Nesting depth of a JSON value as [`parse_strict`] counts it: the containers around the
/// innermost value, the outer one included (a scalar is 0, `{"a":[1]}` is 2). Without
/// recursion: the value may be deep.
pub fn depth(value: &Value) -> usize {
    nesting(value, 0)
}

/// The depth of an object given as its members (createToken's metadata): one more than its
/// deepest member.
pub fn object_depth(members: &Map<String, Value>) -> usize {
    members.values().map(|value| nesting(value, 1)).max().unwrap_or(1)
}

/// The deepest container level under `value`, which sits inside `outer` containers.
fn nesting(value: &Value, outer: usize) -> usize {
    let mut deepest = outer;
    let mut pending = vec![(value, outer)];
    while let Some((value, level)) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items.iter().map(|v| (v, level + 1))),
            Value::Object(map) => pending.extend(map.values().map(|v| (v, level + 1))),
            _ => {}
        }
        if value.is_array() || value.is_object() {
            deepest = deepest.max(level + 1);
        }
    }
    deepest
}

/// One value inside `level` open containers.
struct StrictValue {
    level: usize,
}

impl StrictValue {
    /// The level of a container opening here, or the error when it would be one too many.
    fn open<E: de::Error>(&self) -> Result<usize, E> {
        let level = self.level + 1;
        if level > MAX_DEPTH {
            return Err(E::custom(format!(
                "Document nesting depth ({level}) exceeds the maximum allowed ({MAX_DEPTH})"
            )));
        }
        Ok(level)
    }
}

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // JSON text never holds NaN or infinity; serde_json refuses out-of-range numbers itself.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let level = self.open()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue { level })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let level = self.open()?;
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if members.contains_key(&key) {
                return Err(de::Error::custom(format!("Duplicate field '{key}'")));
            }
            let value = map.next_value_seed(StrictValue { level })?;
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `{"a":` n times, 1, then the closing braces: n levels of objects.
    fn deep_object(n: usize) -> String {
        format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n))
    }

    fn reason(text: &str) -> String {
        match parse_strict(text) {
            Ok(value) => format!("ok {value}"),
            Err(reply) => {
                let error = &reply.body["error"];
                format!(
                    "{} {} {}",
                    reply.status,
                    error["type"].as_str().unwrap_or(""),
                    error["reason"].as_str().unwrap_or("")
                )
            }
        }
    }

    #[test]
    fn values_read_as_written_in_member_order() {
        let rows = [
            (r#"{"b":1,"a":[true,null,"x",-2,1.5]}"#, json!({"b":1,"a":[true,null,"x",-2,1.5]})),
            ("[]", json!([])),
            ("\"s\"", json!("s")),
            (" 12 ", json!(12)),
            (r#"{"a":{"a":1},"b":{"a":2}}"#, json!({"a":{"a":1},"b":{"a":2}})),
        ];
        for (text, expected) in rows {
            assert_eq!(parse_strict(text).ok(), Some(expected.clone()), "{text}");
            let keys: Vec<String> = parse_strict(text)
                .ok()
                .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
                .unwrap_or_default();
            let expected_keys: Vec<String> =
                expected.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
            assert_eq!(keys, expected_keys, "{text}");
        }
    }

    #[test]
    fn errors_are_located_es_parse_errors() {
        let deep_101 = deep_object(101);
        let array_101 = format!("{}1{}", "[".repeat(101), "]".repeat(101));
        // serde_json closes an empty container before it reports, so the column is one further.
        let empty_101 = format!("{}{}", "[".repeat(101), "]".repeat(101));
        let rows: Vec<(&str, String)> = vec![
            (r#"{"a":1,"a":2}"#, "400 x_content_parse_exception [1:10] Duplicate field 'a'".into()),
            ("{\"p\":\"x\",\n\"p\":\"y\"}", "400 x_content_parse_exception [2:3] Duplicate field 'p'".into()),
            (r#"{"m":{"k":1,"k":2}}"#, "400 x_content_parse_exception [1:15] Duplicate field 'k'".into()),
            (r#"[{"k":1},{"k":2}]"#, "ok [{\"k\":1},{\"k\":2}]".into()),
            (
                &deep_101,
                "400 x_content_parse_exception [1:501] Document nesting depth (101) exceeds the maximum allowed (100)"
                    .into(),
            ),
            (
                &array_101,
                "400 x_content_parse_exception [1:101] Document nesting depth (101) exceeds the maximum allowed (100)"
                    .into(),
            ),
            (
                &empty_101,
                "400 x_content_parse_exception [1:102] Document nesting depth (101) exceeds the maximum allowed (100)"
                    .into(),
            ),
            ("{", "400 x_content_parse_exception [1:1] EOF while parsing an object".into()),
            ("{} x", "400 x_content_parse_exception [1:4] trailing characters".into()),
            ("", "400 x_content_parse_exception [1:0] EOF while parsing a value".into()),
        ];
        for (text, expected) in rows {
            assert_eq!(reason(text), expected, "{}", text.chars().take(40).collect::<String>());
        }
    }

    #[test]
    fn the_limit_is_exact_and_far_deeper_input_is_refused_without_recursing() {
        assert!(parse_strict(&deep_object(MAX_DEPTH)).is_ok());
        assert!(parse_strict(&deep_object(MAX_DEPTH + 1)).is_err());
        // Past serde_json's own limit of 128, and far past any stack: still the depth error.
        for n in [129, 100_000] {
            let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
            assert!(reason(&text).ends_with("Document nesting depth (101) exceeds the maximum allowed (100)"), "{n}");
        }
        // The depth error comes before a duplicate further on, in document order.
        let text = format!("{{\"a\":{},\"a\":1}}", deep_object(100));
        assert!(reason(&text).contains("Document nesting depth (101)"));
    }

    #[test]
    fn depth_counts_containers_as_the_reader_does() {
        let rows = [
            (json!(1), 0),
            (json!([]), 1),
            (json!({"a":[1]}), 2),
            (json!({"a":{"b":{}}, "c":1}), 3),
            (json!([[], [[[]]]]), 4),
        ];
        for (value, expected) in rows {
            assert_eq!(depth(&value), expected, "{value}");
        }
        let deepest = parse_strict(&deep_object(MAX_DEPTH)).unwrap_or_default();
        assert_eq!(depth(&deepest), MAX_DEPTH);
        let members = |value: Value| value.as_object().cloned().unwrap_or_default();
        let object_rows = [(json!({}), 1), (json!({"a":1}), 1), (json!({"a":[{}],"b":2}), 3)];
        for (value, expected) in object_rows {
            assert_eq!(object_depth(&members(value.clone())), expected, "{value}");
            assert_eq!(depth(&value), expected, "{value}");
        }
    }
}
