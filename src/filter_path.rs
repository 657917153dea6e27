//! `filter_path` as Elasticsearch applies it to a response (§16.1): a comma list of dotted
//! paths, `*` inside a name, `**` for any depth, `-` for an exclusion, `\.` for a dot inside a
//! name. Includes keep only what they name; exclusions then drop what they name. The root object
//! is always written, so a filter that keeps nothing gives `{}`.
//!
//! The rules are those of ES's FilterPath and FilterPathBasedFilter over Jackson's filtering
//! generator: a name that matches a path's last segment keeps (or drops) its whole value; a name
//! that matches an inner segment descends; array elements are filtered with the filter of the
//! array itself; scalars under a partial match are dropped by includes and kept by exclusions;
//! an object or array left empty is dropped, except that exclusions keep one that was empty to
//! begin with.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One node of the compiled path tree: its segment and the segments that may follow it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Node {
    pattern: String,
    is_final: bool,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn new(pattern: &str, is_final: bool) -> Self {
        Node { pattern: pattern.to_string(), is_final, children: BTreeMap::new() }
    }

    /// Inserts one path; a final segment replaces what was there, and a path under a segment
    /// that is already final adds nothing (ES's FilterPathBuilder).
    fn insert(&mut self, filter: &str) {
        let (head, rest) = split_segment(filter);
        match rest {
            Some(rest) if !head.is_empty() => {
                let child = self.children.entry(head.clone()).or_insert_with(|| Node::new(&head, false));
                if !child.is_final {
                    child.insert(rest);
                }
            }
            _ => {
                self.children.insert(head.clone(), Node::new(&head, true));
            }
        }
    }

    /// ES's FilterPath.matches: `true` when `name` ends a path here; otherwise the nodes that
    /// go on matching below `name` are pushed to `next`. A segment with `*` is a glob, `**`
    /// also matches at every depth below it.
    fn matches<'a>(&'a self, name: &str, next: &mut Vec<&'a Node>) -> bool {
        let mut found = Vec::new();
        for child in self.children.values() {
            let hit =
                if child.pattern.contains('*') { glob_match(&child.pattern, name) } else { child.pattern == name };
            if hit {
                if child.is_final {
                    return true;
                }
                found.push(child);
            }
        }
        next.extend(found);
        if self.pattern == "**" {
            next.push(self);
        }
        false
    }
}

/// The first segment of a path (with `\.` unescaped) and the rest after its dot, if any.
fn split_segment(filter: &str) -> (String, Option<&str>) {
    let mut escaped = false;
    let mut chars = filter.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if c == '.' {
            let head = filter.get(..index).unwrap_or_default();
            let head = if escaped { head.replace("\\.", ".") } else { head.to_string() };
            return (head, filter.get(index + 1..));
        }
        if c == '\\' && chars.peek().is_some_and(|(_, n)| *n == '.') {
            chars.next();
            escaped = true;
        }
    }
    let whole = if escaped { filter.replace("\\.", ".") } else { filter.to_string() };
    (whole, None)
}

/// ES's Glob.globMatch: `*` matches any run of characters, nothing else is special.
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = rest.get(at + part.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// What a filter says of one property or element.
enum Verdict<'a> {
    All,
    Drop,
    Partial(Vec<&'a Node>),
}

fn evaluate<'a>(filters: &[&'a Node], name: &str, inclusive: bool) -> Verdict<'a> {
    let mut next = Vec::new();
    for filter in filters {
        counted();
        if filter.matches(name, &mut next) {
            return if inclusive { Verdict::All } else { Verdict::Drop };
        }
    }
    // The nodes below a name are a set: a `**` node passes on itself and its children, so with
    // `**.**.…` a list of them would double at every level of the response (exponential in its
    // depth); as a set they are at most the tree's nodes. Only whether some node matches counts.
    let address = |node: &&Node| std::ptr::from_ref::<Node>(*node) as usize;
    crate::sorting::sort_by(&mut next, |a, b| address(a).cmp(&address(b)));
    next.dedup_by(|a, b| std::ptr::eq(*a, *b));
    match (next.is_empty(), inclusive) {
        (false, _) => Verdict::Partial(next),
        (true, true) => Verdict::Drop,
        (true, false) => Verdict::All,
    }
}

/// A value under a partial match: `None` when it is dropped.
fn filter_value(value: &Value, filters: &[&Node], inclusive: bool) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let (kept, filtered) = filter_object(map, filters, inclusive);
            keep_container(kept.is_empty(), filtered, inclusive).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(|item| filter_value(item, filters, inclusive)).collect();
            let filtered = kept.len() != items.len();
            keep_container(kept.is_empty(), filtered, inclusive).then_some(Value::Array(kept))
        }
        scalar => (!inclusive).then(|| scalar.clone()),
    }
}

/// FilterPathBasedFilter.includeEmptyObject/Array: a non-empty result is always written; an
/// empty one only by an exclusion that removed nothing from it.
fn keep_container(empty: bool, filtered: bool, inclusive: bool) -> bool {
    !empty || (!inclusive && !filtered)
}

/// The object's kept properties, and whether any was removed or changed away.
fn filter_object(map: &Map<String, Value>, filters: &[&Node], inclusive: bool) -> (Map<String, Value>, bool) {
    let mut kept = Map::new();
    let mut filtered = false;
    for (name, value) in map {
        let out = match evaluate(filters, name, inclusive) {
            Verdict::All => Some(value.clone()),
            Verdict::Drop => None,
            Verdict::Partial(next) => filter_value(value, &next, inclusive),
        };
        match out {
            Some(out) => {
                kept.insert(name.clone(), out);
            }
            None => filtered = true,
        }
    }
    (kept, filtered)
}

/// The include and exclude paths of a `filter_path` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPath {
    includes: Option<Node>,
    excludes: Option<Node>,
}

impl FilterPath {
    /// Compiles a `filter_path` value (ES's tokenizeByCommaToSet: trimmed, empty entries
    /// skipped); `None` when it filters nothing.
    pub fn parse(value: &str) -> Option<FilterPath> {
        let mut includes: Option<Node> = None;
        let mut excludes: Option<Node> = None;
        for filter in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let (tree, path) = match filter.strip_prefix('-') {
                Some(path) => (&mut excludes, path),
                None => (&mut includes, filter),
            };
            let root = tree.get_or_insert_with(Node::default);
            let path = path.trim();
            if !path.is_empty() {
                root.insert(path);
            }
        }
        (includes.is_some() || excludes.is_some()).then_some(FilterPath { includes, excludes })
    }

    /// The response body as ES writes it under this filter: includes first, then exclusions.
    /// A body that is not an object is written as it is.
    pub fn apply(&self, body: &Value) -> Value {
        let Value::Object(map) = body else {
            return body.clone();
        };
        let mut out = map.clone();
        if let Some(root) = &self.includes {
            out = filter_object(&out, &[root], true).0;
        }
        if let Some(root) = &self.excludes {
            out = filter_object(&out, &[root], false).0;
        }
        Value::Object(out)
    }
}

// Counts the filter nodes matched against names (the tests' step count).
#[cfg(test)]
thread_local! {
    static MATCHES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn counted() {
    #[cfg(test)]
    MATCHES.with(|c| c.set(c.get() + 1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repeated_double_wildcards_cost_linear_steps() {
        // 18 levels of objects, `zzz` at the bottom: each `**` used to put itself and its child
        // in the next level's list, so 6 of them made 52,959 matches here.
        let mut body = json!({"zzz": 1, "other": 2});
        for level in 0..18 {
            body = json!({ format!("k{level}"): body, "n": level });
        }
        let filter = FilterPath::parse(&format!("{}.zzz", ["**"; 6].join(".")));
        MATCHES.with(|c| c.set(0));
        let out = filter.map(|f| f.apply(&body));
        let matches = MATCHES.with(std::cell::Cell::get);
        // At most the 8 nodes of the tree for each of the 38 names.
        assert!(matches <= 38 * 8, "{matches} matches");
        let mut expected = json!({"zzz": 1});
        for level in 0..18 {
            expected = json!({ format!("k{level}"): expected });
        }
        assert_eq!(out, Some(expected));
    }

    fn body() -> Value {
        json!({
            "access_token": "a",
            "type": "Bearer",
            "expires_in": 1200,
            "authentication": {
                "username": "elastic",
                "roles": ["superuser"],
                "full_name": null,
                "metadata": {},
                "authentication_realm": {"name": "reserved", "type": "reserved"},
                "lookup_realm": {"name": "reserved", "type": "reserved"},
            },
            "tokens": [{"id": 1, "name": "x"}, {"id": 2}, 3],
            "empty": [],
            "a.b": 1,
        })
    }

    #[test]
    fn filters_row_by_row() {
        let rows: &[(&str, Value)] = &[
            ("access_token,expires_in", json!({"access_token": "a", "expires_in": 1200})),
            (" access_token , ", json!({"access_token": "a"})),
            ("nothing", json!({})),
            ("authentication.username", json!({"authentication": {"username": "elastic"}})),
            (
                "authentication.*_realm.name",
                json!({"authentication": {
                    "authentication_realm": {"name": "reserved"}, "lookup_realm": {"name": "reserved"}}}),
            ),
            ("*.username,type", json!({"type": "Bearer", "authentication": {"username": "elastic"}})),
            (
                "**.type",
                json!({"authentication": {
                "authentication_realm": {"type": "reserved"}, "lookup_realm": {"type": "reserved"}}}),
            ),
            ("tokens.id", json!({"tokens": [{"id": 1}, {"id": 2}]})),
            ("tokens.nope,empty.x,authentication.roles.x", json!({})),
            ("authentication.metadata", json!({"authentication": {"metadata": {}}})),
            ("authentication.metadata.x", json!({})),
            ("a\\.b", json!({"a.b": 1})),
            ("a.b", json!({})),
            ("acc*_t*n", json!({"access_token": "a"})),
            ("authentication,authentication.username", json!({"authentication": body()["authentication"]})),
        ];
        for (filter, expected) in rows {
            let parsed = FilterPath::parse(filter);
            let got = parsed.map(|f| f.apply(&body()));
            assert_eq!(got.as_ref(), Some(expected), "filter_path={filter}");
        }
    }

    #[test]
    fn exclusions_row_by_row() {
        let out = |filter: &str| FilterPath::parse(filter).map(|f| f.apply(&body()));
        let mut expected = body();
        if let Some(map) = expected.as_object_mut() {
            map.remove("authentication");
            map.remove("tokens");
        }
        assert_eq!(out("-authentication,-tokens"), Some(expected));
        let auth = out("-authentication.*_realm,-authentication.metadata.x").map(|b| b["authentication"].clone());
        assert_eq!(
            auth,
            Some(json!({"username": "elastic", "roles": ["superuser"], "full_name": null, "metadata": {}}))
        );
        // Elements of an array are filtered with the array's filter; an empty array stays.
        let tokens = out("-tokens.name,-empty.x").map(|b| (b["tokens"].clone(), b["empty"].clone()));
        assert_eq!(tokens, Some((json!([{"id": 1}, {"id": 2}, 3]), json!([]))));
        // An object emptied by the exclusion goes; the root stays as `{}`.
        assert_eq!(out("-tokens.*").map(|b| b.get("tokens").cloned()), Some(Some(json!([3]))));
        assert_eq!(out("-**"), Some(json!({})));
        // Includes first, then exclusions.
        assert_eq!(
            out("authentication.*_realm,-**.type"),
            Some(json!({"authentication": {
            "authentication_realm": {"name": "reserved"}, "lookup_realm": {"name": "reserved"}}}))
        );
        assert_eq!(out("-"), Some(body()));
    }

    #[test]
    fn what_filters_nothing() {
        assert_eq!(FilterPath::parse(""), None);
        assert_eq!(FilterPath::parse(" , ,"), None);
        let filter = FilterPath::parse("x");
        assert_eq!(filter.map(|f| f.apply(&json!([1]))), Some(json!([1])));
    }

    #[test]
    fn globs() {
        let rows = [("*", "", true), ("a*", "abc", true), ("*c", "abc", true), ("a*c*e", "abcde", true)];
        for (pattern, name, expected) in rows {
            assert_eq!(glob_match(pattern, name), expected, "{pattern} {name}");
        }
        assert!(!glob_match("a*a", "a") && !glob_match("b*", "abc") && !glob_match("abc", "ab"));
    }
    #[test]
    fn double_wildcards_row_by_row() {
        // The results of the list-based matching, kept by the set-based one.
        let body = json!({
            "access_token": "a", "type": "Bearer",
            "authentication": {"username": "elastic", "roles": ["superuser", {"type": "x"}],
                "metadata": {"a": {"type": 1, "b": {"type": 2, "name": "n", "c": {"d": {"type": 3}}}},
                    "x": [{"name": 1}, {"type": 2}]},
                "authentication_realm": {"name": "reserved", "type": "reserved"},
                "lookup_realm": {"name": "reserved", "type": "reserved"}},
            "tokens": [{"id": 1, "name": "x", "type": {"type": 1}}, {"id": 2}, 3], "empty": [], "e": {}
        });
        let rows = [
            (
                r#"**.**.**.type"#,
                r#"{"authentication":{"metadata":{"a":{"type":1,"b":{"type":2,"c":{"d":{"type":3}}}},"x":[{"type":2}]}}}"#,
            ),
            (
                r#"authentication.**.name"#,
                r#"{"authentication":{"metadata":{"a":{"b":{"name":"n"}},"x":[{"name":1}]},"authentication_realm":{"name":"reserved"},"lookup_realm":{"name":"reserved"}}}"#,
            ),
            (r#"**.a.**.type"#, r#"{"authentication":{"metadata":{"a":{"b":{"type":2,"c":{"d":{"type":3}}}}}}}"#),
            (r#"**.metadata.**.c"#, r#"{"authentication":{"metadata":{"a":{"b":{"c":{"d":{"type":3}}}}}}}"#),
            (r#"**.x.**"#, r#"{"authentication":{"metadata":{"x":[{"name":1},{"type":2}]}}}"#),
            (
                r#"*.**.*.type"#,
                r#"{"authentication":{"metadata":{"a":{"type":1,"b":{"type":2,"c":{"d":{"type":3}}}},"x":[{"type":2}]}}}"#,
            ),
            (
                r#"**.d.type,**.b.type"#,
                r#"{"authentication":{"metadata":{"a":{"b":{"type":2,"c":{"d":{"type":3}}}}}}}"#,
            ),
            (r#"**.e.**"#, r#"{}"#),
            (r#"tokens.**.type"#, r#"{"tokens":[{"type":{"type":1}}]}"#),
        ];
        for (filter, expected) in rows {
            let got = FilterPath::parse(filter).map(|f| f.apply(&body).to_string());
            assert_eq!(got.as_deref(), Some(expected), "filter_path={filter}");
        }
    }
}
