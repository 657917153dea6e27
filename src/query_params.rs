//! Query parameters as ES's REST layer reads them (§16.2): RestUtils' query-string decoding
//! (`&` and `;` separate, `+` is a space, `%%` is a `%`, the last of a repeated name wins),
//! ES's strict booleans, and BaseRestHandler's refusal of a parameter no one read, with its
//! Levenshtein "did you mean" suggestions.

use crate::errors::{Cause, Reply};

/// The decoded parameters of a request, in first-seen order, one value per name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// `paramAsBoolean`: absent or blank is `default`, empty is `true`, else `true`/`false`
    /// only; the error is ES's message.
    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.get(name) {
            None => Ok(default),
            Some("") => Ok(true),
            Some(value) if value.trim().is_empty() => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(value) => Err(format!("Failed to parse value [{value}] as only [true] or [false] are allowed.")),
        }
    }
}

/// The parameters of `uri` (path and query), or ES's 400 for an escape it cannot decode.
pub fn decode_query(uri: &str) -> Result<QueryParams, Reply> {
    let mut pairs = Vec::new();
    let Some((_, query)) = uri.split_once('?') else {
        return Ok(QueryParams::default());
    };
    let query = query.split('#').next().unwrap_or_default();
    for part in query.split(['&', ';']).filter(|p| !p.is_empty()) {
        // `=v` names nothing: RestUtils then reads `v` as a name with an empty value.
        let (name, value) = match part.split_once('=') {
            Some(("", value)) => (value, None),
            Some((name, value)) => (name, Some(value)),
            None => (part, None),
        };
        if name.is_empty() {
            continue;
        }
        let name = decode_component(name, true).map_err(bad_parameter)?;
        let value = match value {
            Some(value) => decode_component(value, true).map_err(bad_parameter)?,
            None => String::new(),
        };
        pairs.push((name, value));
    }
    Ok(QueryParams(deduplicated(pairs)))
}

/// One pair per name, at the name's first position with its last value (RestUtils puts each
/// pair in a map: the last value wins, the first-seen order stays). Positions are sorted by
/// name, so thousands of distinct names cost O(n log n) comparisons, not a search per name.
fn deduplicated(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    fn name(pairs: &[(String, String)], i: usize) -> &str {
        pairs.get(i).map(|(n, _)| n.as_str()).unwrap_or_default()
    }
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    crate::sorting::sort_by(&mut order, |&a, &b| {
        counted();
        name(&pairs, a).cmp(name(&pairs, b)).then(a.cmp(&b))
    });
    // last[first] is the position of the value kept for the name first seen at `first`.
    let mut last: Vec<Option<usize>> = vec![None; pairs.len()];
    let mut first = None;
    for (k, &i) in order.iter().enumerate() {
        let same = k > 0
            && order.get(k - 1).is_some_and(|&p| {
                counted();
                name(&pairs, p) == name(&pairs, i)
            });
        if !same {
            first = Some(i);
        }
        if let Some(slot) = first.and_then(|f| last.get_mut(f)) {
            *slot = Some(i);
        }
    }
    let mut kept = Vec::new();
    for (position, value_at) in last.into_iter().enumerate() {
        let Some(value_at) = value_at else { continue };
        let value = pairs.get_mut(value_at).map(|(_, v)| std::mem::take(v)).unwrap_or_default();
        let name = pairs.get_mut(position).map(|(n, _)| std::mem::take(n)).unwrap_or_default();
        kept.push((name, value));
    }
    kept
}

/// RestUtils.decodeComponent; its messages quote the component.
pub fn decode_component(s: &str, plus_as_space: bool) -> Result<String, String> {
    if !(s.contains('%') || plus_as_space && s.contains('+')) {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'+' if plus_as_space => out.push(b' '),
            b'%' => {
                let Some(&first) = bytes.get(i + 1) else {
                    return Err(format!("unterminated escape sequence at end of string: {s}"));
                };
                if first == b'%' {
                    out.push(b'%');
                    i += 2;
                    continue;
                }
                let Some(&second) = bytes.get(i + 2) else {
                    return Err(format!("partial escape sequence at end of string: {s}"));
                };
                match (hex(first), hex(second)) {
                    (Some(high), Some(low)) => out.push(high * 16 + low),
                    _ => {
                        return Err(format!(
                            "invalid escape sequence `%{}{}' at index {i} of: {s}",
                            char::from(first),
                            char::from(second)
                        ))
                    }
                }
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// RestRequest.BadParameterException around the decoder's IllegalArgumentException.
fn bad_parameter(message: String) -> Reply {
    Cause::new("bad_parameter_exception", format!("java.lang.IllegalArgumentException: {message}"))
        .caused_by(Cause::new("illegal_argument_exception", message))
        .into_reply(400)
}

/// BaseRestHandler.unrecognized: `request [path] contains unrecognized parameter(s): [x] ->
/// did you mean [y]?`, the invalid names sorted, suggestions by Lucene's Levenshtein
/// similarity above 0.5, best first, then by name.
pub fn unrecognized(path: &str, invalid: &[&str], candidates: &[&str]) -> String {
    let mut invalid = invalid.to_vec();
    crate::sorting::sort(&mut invalid);
    invalid.dedup();
    let plural = if invalid.len() > 1 { "s" } else { "" };
    let mut message = format!("request [{path}] contains unrecognized parameter{plural}: ");
    for (index, name) in invalid.iter().enumerate() {
        if index > 0 {
            message.push_str(", ");
        }
        message.push_str(&format!("[{name}]"));
        let mut scored: Vec<(f32, &str)> =
            candidates.iter().map(|c| (similarity(name, c), *c)).filter(|(score, _)| *score > 0.5).collect();
        crate::sorting::sort_by(&mut scored, |a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        match scored.as_slice() {
            [] => {}
            [(_, only)] => message.push_str(&format!(" -> did you mean [{only}]?")),
            many => {
                let names: Vec<&str> = many.iter().map(|(_, n)| *n).collect();
                message.push_str(&format!(" -> did you mean any of [{}]?", names.join(", ")));
            }
        }
    }
    message
}

/// Lucene's LevenshteinDistance.getDistance: 1 - edits / longer length, in f32. Two names
/// whose lengths alone need enough edits to score 0.5 or less are not compared (the score only
/// falls as edits grow): a query of thousands of unknown names costs little per name, and a
/// score of 0.5 or less is then only a bound, which is all `unrecognized` reads.
fn similarity(target: &str, other: &str) -> f32 {
    let (a_len, b_len) = (target.chars().count(), other.chars().count());
    if a_len == 0 || b_len == 0 {
        return if a_len == b_len { 1.0 } else { 0.0 };
    }
    let longer = a_len.max(b_len) as f32;
    let score = |edits: usize| 1.0f32 - (edits as f32 / longer);
    let at_least = a_len.abs_diff(b_len);
    if score(at_least) <= 0.5 {
        return score(at_least);
    }
    let a: Vec<char> = target.chars().collect();
    let b: Vec<char> = other.chars().collect();
    let mut previous: Vec<usize> = (0..=a.len()).collect();
    let mut current: Vec<usize> = Vec::with_capacity(a.len() + 1);
    for (j, cb) in b.iter().enumerate() {
        current.clear();
        current.push(j + 1);
        for (i, ca) in a.iter().enumerate() {
            let substitute = previous.get(i).map_or(usize::MAX, |d| d + usize::from(ca != cb));
            let delete = previous.get(i + 1).map_or(usize::MAX, |d| d + 1);
            let insert = current.get(i).map_or(usize::MAX, |d| d + 1);
            current.push(substitute.min(delete).min(insert));
        }
        std::mem::swap(&mut previous, &mut current);
    }
    score(previous.last().copied().unwrap_or_default())
}

// Counts the comparisons of two names that deduplicating a query makes (the tests' step count).
#[cfg(test)]
thread_local! {
    static NAME_COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn counted() {
    #[cfg(test)]
    NAME_COMPARISONS.with(|c| c.set(c.get() + 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_names_cost_n_log_n_comparisons() {
        // 8,000 distinct names: a linear find per name made ~32 million comparisons.
        let names: Vec<String> = (0..8_000).map(|i| format!("p{i}")).collect();
        let uri = format!("/x?{}&p5=last&p0=again", names.join("&"));
        NAME_COMPARISONS.with(|c| c.set(0));
        let params = decode_query(&uri).unwrap_or_default();
        let comparisons = NAME_COMPARISONS.with(std::cell::Cell::get);
        assert!(comparisons < 8_002 * 3 * 14, "{comparisons} comparisons");
        assert_eq!(params.names().count(), 8_000);
        assert_eq!(params.names().take(2).collect::<Vec<_>>(), ["p0", "p1"]);
        assert_eq!((params.get("p5"), params.get("p0"), params.get("p7999")), (Some("last"), Some("again"), Some("")));
    }

    fn params(uri: &str) -> Vec<(String, String)> {
        decode_query(uri).map(|p| p.0).unwrap_or_default()
    }

    #[test]
    fn query_strings_as_rest_utils_reads_them() {
        let pairs =
            |list: &[(&str, &str)]| list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let rows: &[(&str, &[(&str, &str)])] = &[
            ("/x", &[]),
            ("/x?", &[]),
            ("/x?a=1&b&c=", &[("a", "1"), ("b", ""), ("c", "")]),
            ("/x?a=1;a=2", &[("a", "2")]),
            ("/x?=v&&f%5Fp=a+b%2Cc%%", &[("v", ""), ("f_p", "a b,c%")]),
            ("/x?a=b=c", &[("a", "b=c")]),
            ("/x?caf%C3%A9=%ff", &[("café", "\u{fffd}")]),
        ];
        for (uri, expected) in rows {
            assert_eq!(params(uri), pairs(expected), "{uri}");
        }
    }

    #[test]
    fn bad_escapes_are_es_400s() {
        let rows = [
            ("/x?pretty=%", "unterminated escape sequence at end of string: %"),
            ("/x?a=b%4", "partial escape sequence at end of string: b%4"),
            ("/x?a%zz=1", "invalid escape sequence `%zz' at index 1 of: a%zz"),
        ];
        for (uri, message) in rows {
            let reply = decode_query(uri).err();
            let body = reply
                .as_ref()
                .map(|r| (r.status, r.body["error"]["type"].clone(), r.body["error"]["caused_by"]["reason"].clone()));
            assert_eq!(body, Some((400, "bad_parameter_exception".into(), message.into())), "{uri}");
        }
        let reply = decode_query("/x?pretty=%").err().map(|r| r.body["error"]["reason"].clone());
        assert_eq!(
            reply,
            Some("java.lang.IllegalArgumentException: unterminated escape sequence at end of string: %".into())
        );
    }

    #[test]
    fn booleans_as_es_parses_them() {
        let query = decode_query("/x?a&b=true&c=false&d=+&e=yes").unwrap_or_default();
        assert_eq!(query.boolean("a", false), Ok(true));
        assert_eq!(query.boolean("b", false), Ok(true));
        assert_eq!(query.boolean("c", true), Ok(false));
        assert_eq!(query.boolean("d", false), Ok(false));
        assert_eq!(query.boolean("zz", true), Ok(true));
        assert_eq!(
            query.boolean("e", false),
            Err("Failed to parse value [yes] as only [true] or [false] are allowed.".into())
        );
    }

    #[test]
    fn unrecognized_messages() {
        let globals = ["error_trace", "filter_path", "format", "human", "pretty"];
        let rows: &[(&[&str], &str)] = &[
            (&["x"], "request [/p] contains unrecognized parameter: [x]"),
            (&["prety"], "request [/p] contains unrecognized parameter: [prety] -> did you mean [pretty]?"),
            (
                &["z", "filter_paths"],
                "request [/p] contains unrecognized parameters: [filter_paths] -> did you mean [filter_path]?, [z]",
            ),
            (&["forma"], "request [/p] contains unrecognized parameter: [forma] -> did you mean [format]?"),
            (&["humanx", "humanx"], "request [/p] contains unrecognized parameter: [humanx] -> did you mean [human]?"),
        ];
        for (invalid, expected) in rows {
            assert_eq!(unrecognized("/p", invalid, &globals), *expected);
        }
        let several = unrecognized("/p", &["refrash"], &["refresh", "refrain", "username"]);
        assert_eq!(
            several,
            "request [/p] contains unrecognized parameter: [refrash] -> did you mean any of [refresh, refrain]?"
        );
        assert!((similarity("prety", "pretty") - (1.0 - 1.0 / 6.0)).abs() < f32::EPSILON);
        assert_eq!(similarity("", ""), 1.0);
    }
}
