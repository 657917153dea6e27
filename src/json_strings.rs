//! A JSON array of strings and nulls (the values of a bulk KV read as the host hands them over:
//! realmAnswer's, the stored roles of the privilege calls), read with serde_json's messages,
//! position included, but without serde's typed reader: `Vec<Option<String>>` reaches serde_json's
//! `invalid_type`, whose message formatting links f64 printing (docs/wasm-size.md).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::cell::Cell;
use std::fmt;

/// The values `json` holds, or the message `serde_json::from_str::<Vec<Option<String>>>` gives.
pub fn strings_or_nulls(json: &str) -> Result<Vec<Option<String>>, String> {
    let container = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let read = deserializer
        .deserialize_any(Strings { container: &container, element: None })
        .and_then(|read| deserializer.end().map(|()| read));
    match read {
        Ok(Read::List(values)) => Ok(values),
        // Never: the outer reader answers a list or an error.
        Ok(Read::One(_)) => Ok(Vec::new()),
        Err(error) => Err(container.get().map_or_else(|| error.to_string(), |found| container_error(json, found))),
    }
}

/// A container where a string (or the array) was expected: the element (`None`: the value
/// itself), what it is, and what was expected.
type Container = (Option<usize>, &'static str, &'static str);

/// serde_json reports a container of the wrong type where it starts, before reading it; the
/// visitor sees it only once it is open, so its message is made here.
fn container_error(json: &str, (element, found, expected): Container) -> String {
    let at = container_start(json.as_bytes(), element);
    let before = json.as_bytes().get(..at).unwrap_or_default();
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    format!("invalid type: {found}, expected {expected} at line {line} column {}", at - line_start)
}

/// Where the value or the array's element `element` starts. The elements before it were read
/// as strings or nulls, so the text up to it is well formed.
fn container_start(bytes: &[u8], element: Option<usize>) -> usize {
    let space = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r')) {
            i += 1;
        }
        i
    };
    let mut at = space(0);
    let Some(element) = element else { return at };
    at += 1; // `[`
    for _ in 0..element {
        at = space(at);
        if bytes.get(at) == Some(&b'"') {
            at += 1;
            while let Some(b) = bytes.get(at) {
                at += if *b == b'\\' { 2 } else { 1 };
                if *b == b'"' {
                    break;
                }
            }
        } else {
            at += "null".len();
        }
        at = space(at) + 1; // `,`
    }
    space(at)
}

const SEQUENCE: &str = "a sequence";
const STRING: &str = "a string";

/// The array (`element` is `None`) or one of its elements: one visitor for both, so that the
/// wasm has one copy of serde_json's `deserialize_any` for it, not two.
struct Strings<'a> {
    container: &'a Cell<Option<Container>>,
    element: Option<usize>,
}

enum Read {
    List(Vec<Option<String>>),
    One(Option<String>),
}

impl Strings<'_> {
    fn expected(&self) -> &'static str {
        if self.element.is_some() {
            STRING
        } else {
            SEQUENCE
        }
    }
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        E::custom(format!("invalid type: {found}, expected {}", self.expected()))
    }
    fn container<E: de::Error>(&self, found: &'static str) -> E {
        self.container.set(Some((self.element, found, self.expected())));
        self.wrong(found)
    }
}

impl<'de> DeserializeSeed<'de> for Strings<'_> {
    type Value = Read;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Read, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strings<'_> {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        if self.element.is_some() {
            return Err(self.container("sequence"));
        }
        let mut values = Vec::new();
        while let Some(read) =
            seq.next_element_seed(Strings { container: self.container, element: Some(values.len()) })?
        {
            if let Read::One(value) = read {
                values.push(value);
            }
        }
        Ok(Read::List(values))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Read, A::Error> {
        Err(self.container("map"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read, E> {
        match self.element {
            Some(_) => Ok(Read::One(Some(v.to_string()))),
            None => Err(self.wrong(&format!("string {v:?}"))),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        match self.element {
            Some(_) => Ok(Read::One(None)),
            None => Err(self.wrong("null")),
        }
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read, E> {
        Err(self.wrong(&format!("boolean `{v}`")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read, E> {
        Err(self.wrong(&format!("integer `{v}`")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read, E> {
        Err(self.wrong(&format!("integer `{v}`")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read, E> {
        // serde_json prints the float with its own formatter, as `Number` does (never `f64`'s).
        let printed = Number::from_f64(v).map(|n| n.to_string()).unwrap_or_default();
        Err(self.wrong(&format!("floating point `{printed}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed reader this replaced, as the oracle.
    fn typed(json: &str) -> Result<Vec<Option<String>>, String> {
        serde_json::from_str::<Vec<Option<String>>>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn values_and_messages_are_the_typed_readers() {
        let rows = [
            r#"["a",null,"b\"c\\d\u00e9"]"#,
            "[]",
            " [ null ] ",
            "\n[\n\"x\" ,\n null\n]\n",
            "null",
            "true",
            "5",
            "-5",
            "-0",
            "5.5",
            "1e300",
            "-1.5e-7",
            "18446744073709551616",
            r#""s""#,
            r#""a \"quoted\" one""#,
            "{}",
            r#"  {"a":1}"#,
            "\n\n  {}",
            r#"["a",1]"#,
            r#"["a",-2]"#,
            r#"["a",2.25]"#,
            r#"[true]"#,
            r#"[false,"a"]"#,
            r#"["a",[]]"#,
            r#"["a\"]", ["x"]]"#,
            "[\"a\",\n  {\"k\":1}]",
            "[null,\n\"\\\\\",\r\n\t[1]]",
            r#"["é", {}]"#,
            r#"[1, }"#,
            r#"[[], }"#,
            r#"["a" "b"]"#,
            r#"["a",]"#,
            "[",
            r#"["a","#,
            "[nul]",
            "[tru]",
            r#"["\x"]"#,
            r#"["\ud800"]"#,
            "[] x",
            "",
            "   ",
            r#"["a"]]"#,
            "[01]",
            "[-]",
            r#"["a\u0000b"]"#,
            "[\"a\u{1}b\"]",
        ];
        for json in rows {
            assert_eq!(strings_or_nulls(json), typed(json), "{json:?}");
        }
    }

    #[test]
    fn deep_arrays_fail_as_the_typed_reader_does() {
        let json = format!("[{}{}]", "[".repeat(200), "]".repeat(200));
        assert_eq!(strings_or_nulls(&json), typed(&json));
        assert!(strings_or_nulls(&json).is_err());
    }
}
