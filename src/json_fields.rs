//! A host's JSON object read field by field (the host's own inputs: createToken's request, the
//! CORS env), with serde's messages less their position. One reader over `serde_json::Value`
//! costs the wasm less than a derived deserializer per struct.

use serde_json::{Map, Value};

/// The fields of one JSON object, taken out one by one.
#[derive(Debug, Default)]
pub struct Fields(Map<String, Value>);

/// How serde names a value of the wrong type (`serde::de::Unexpected`).
fn unexpected(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

fn invalid_type(value: &Value, expected: &str) -> String {
    format!("invalid type: {}, expected {expected}", unexpected(value))
}

impl Fields {
    /// The object `json` holds; `what` names it in the error for any other value.
    pub fn parse(json: &str, what: &str) -> Result<Fields, String> {
        match serde_json::from_str(json).map_err(|e| e.to_string())? {
            Value::Object(map) => Ok(Fields(map)),
            other => Err(invalid_type(&other, what)),
        }
    }

    /// The object `value` is.
    pub fn of(value: Value, what: &str) -> Result<Fields, String> {
        match value {
            Value::Object(map) => Ok(Fields(map)),
            other => Err(invalid_type(&other, what)),
        }
    }

    /// serde's `deny_unknown_fields`: the first field not in `known` is an error.
    pub fn only(&self, known: &[&str]) -> Result<(), String> {
        let Some(field) = self.0.keys().find(|k| !known.contains(&k.as_str())) else {
            return Ok(());
        };
        let names: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        let expected = match names.as_slice() {
            [] => "there are no fields".to_string(),
            [one] => format!("expected {one}"),
            [a, b] => format!("expected {a} or {b}"),
            all => format!("expected one of {}", all.join(", ")),
        };
        Err(format!("unknown field `{field}`, {expected}"))
    }

    /// The field's value, `None` when absent or null (an `Option` field).
    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key).filter(|v| !v.is_null())
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(invalid_type(&other, "a string")),
        }
    }

    /// A field that must be there, of any value.
    pub fn required(&mut self, key: &str) -> Result<Value, String> {
        self.0.remove(key).ok_or_else(|| format!("missing field `{key}`"))
    }

    /// A field that must be there (null is a wrong type, as serde has it).
    pub fn required_string(&mut self, key: &str) -> Result<String, String> {
        match self.0.remove(key) {
            None => Err(format!("missing field `{key}`")),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(invalid_type(&other, "a string")),
        }
    }

    pub fn boolean(&mut self, key: &str) -> Result<Option<bool>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(invalid_type(&other, "a boolean")),
        }
    }

    pub fn object(&mut self, key: &str) -> Result<Option<Map<String, Value>>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => Err(invalid_type(&other, "a map")),
        }
    }

    /// A list of strings; absent is empty (`#[serde(default)]`), null is a wrong type.
    pub fn strings(&mut self, key: &str) -> Result<Vec<String>, String> {
        self.0.remove(key).map_or(Ok(Vec::new()), string_list)
    }

    /// A list of strings, `None` when absent or null.
    pub fn optional_strings(&mut self, key: &str) -> Result<Option<Vec<String>>, String> {
        self.take(key).map(string_list).transpose()
    }

    /// A number, as serde reads an `Option<f64>`.
    pub fn number(&mut self, key: &str) -> Result<Option<f64>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(invalid_type(&other, "f64")),
        }
    }

    /// An `Option<u64>`: absent or null is `None`.
    pub fn optional_u64(&mut self, key: &str) -> Result<Option<u64>, String> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) => Ok(Some(v)),
                None if n.is_i64() => Err(format!("invalid value: integer `{n}`, expected u64")),
                None => Err(invalid_type(&Value::Number(n), "u64")),
            },
            Some(other) => Err(invalid_type(&other, "u64")),
        }
    }

    /// A map; absent is empty (`#[serde(default)]`), null is a wrong type.
    pub fn object_or_empty(&mut self, key: &str) -> Result<Map<String, Value>, String> {
        match self.0.remove(key) {
            None => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map),
            Some(other) => Err(invalid_type(&other, "a map")),
        }
    }

    /// A boolean; absent is false (`#[serde(default)]`), null is a wrong type.
    pub fn boolean_or_false(&mut self, key: &str) -> Result<bool, String> {
        match self.0.remove(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(invalid_type(&other, "a boolean")),
        }
    }

    /// A field that must be there, a boolean.
    pub fn required_boolean(&mut self, key: &str) -> Result<bool, String> {
        match self.0.remove(key) {
            None => Err(format!("missing field `{key}`")),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(invalid_type(&other, "a boolean")),
        }
    }
}

fn string_list(value: Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err(invalid_type(&value, "a sequence"));
    };
    // A loop, not `collect::<Result<..>>` (one iterator adapter less in the wasm).
    let mut strings = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => strings.push(s),
            other => return Err(invalid_type(&other, "a string")),
        }
    }
    Ok(strings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The derive this reader stands in for, as the oracle of its messages.
    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Derived {
        name: String,
        note: Option<String>,
        on: Option<bool>,
        at: Option<f64>,
        must: bool,
        opt: Option<Vec<String>>,
        #[serde(default)]
        list: Vec<String>,
        meta: Option<Map<String, Value>>,
        #[serde(default)]
        map: Map<String, Value>,
        #[serde(default)]
        flag: bool,
        count: Option<u64>,
    }

    fn read(json: &str) -> Result<(), String> {
        let mut f = Fields::parse(json, "struct Derived")?;
        f.only(&["name", "note", "on", "at", "must", "opt", "list", "meta", "map", "flag", "count"])?;
        f.number("at")?;
        f.required_string("name")?;
        f.string("note")?;
        f.boolean("on")?;
        f.required_boolean("must")?;
        f.optional_strings("opt")?;
        f.strings("list")?;
        f.object("meta")?;
        f.object_or_empty("map")?;
        f.boolean_or_false("flag")?;
        f.optional_u64("count")?;
        Ok(())
    }

    #[test]
    fn messages_are_serdes_less_the_position() {
        let cases = [
            r#"{"name":"a","note":null,"on":true,"must":false,"opt":["o"],"list":["x"],"meta":{"k":1}}"#,
            r#"{"name":"a","must":true,"opt":null}"#,
            r#"{"name":"a","must":null}"#,
            r#"{"name":"a","at":1.5,"must":true}"#,
            r#"{"name":"a","at":-7,"must":true}"#,
            r#"{"name":"a","at":"7","must":true}"#,
            r#"{"name":"a","must":true,"opt":"x"}"#,
            r#"{"name":"a","must":true,"opt":[null]}"#,
            r#"{"name":"a","zzz":1}"#,
            r#"{"note":"n"}"#,
            r#"{"name":5}"#,
            r#"{"name":null}"#,
            r#"{"name":"a","must":true,"note":1.5}"#,
            r#"{"name":"a","must":true,"on":"yes"}"#,
            r#"{"name":"a","must":true,"list":null}"#,
            r#"{"name":"a","must":true,"list":[1]}"#,
            r#"{"name":"a","must":true,"meta":[]}"#,
            r#"{"name":"a","must":true,"map":{"k":[1]},"flag":true}"#,
            r#"{"name":"a","must":true,"map":null}"#,
            r#"{"name":"a","must":true,"map":"m"}"#,
            r#"{"name":"a","must":true,"flag":null}"#,
            r#"{"name":"a","must":true,"flag":0}"#,
            r#"{"name":"a","must":true,"count":7}"#,
            r#"{"name":"a","must":true,"count":null}"#,
            r#"{"name":"a","must":true,"count":-7}"#,
            r#"{"name":"a","must":true,"count":7.5}"#,
            r#"{"name":"a","must":true,"count":"7"}"#,
            r#"{"name":"a","must":true,"note":"\"q\""}"#,
            r#""text""#,
        ];
        for json in cases {
            let oracle = serde_json::from_str::<Derived>(json).map(|_| ()).map_err(|e| {
                let text = e.to_string();
                text.split(" at line ").next().unwrap_or_default().to_string()
            });
            assert_eq!(read(json), oracle, "{json}");
        }
        assert!(read("{").is_err());
        // serde would also read a struct from an array of its fields in order; no host sends one.
        assert_eq!(read("[]"), Err("invalid type: sequence, expected struct Derived".into()));
    }

    #[test]
    fn unknown_field_lists() {
        let f = Fields::parse(r#"{"x":1}"#, "a map").unwrap_or_default();
        assert_eq!(f.only(&[]), Err("unknown field `x`, there are no fields".into()));
        assert_eq!(f.only(&["a"]), Err("unknown field `x`, expected `a`".into()));
        assert_eq!(f.only(&["a", "b"]), Err("unknown field `x`, expected `a` or `b`".into()));
    }
}
