//! One `_has_privileges` request's wildcard work (src/index_matching.rs, `Matching`): matches
//! copy nothing and stop early, a (name, privilege) asked again is decided once, and a role of
//! many patterns asked about many names stops at `WILDCARD_STEPS` with ES's too-complex 500.
//! Work is counted in steps and matches, never timed.

use edge_token::errors::Reply;
use edge_token::index_matching::{Matching, MATCH_STEPS, WILDCARD_STEPS};
use edge_token::lucene_regexp::Regexps;
use edge_token::privileges::{wildcard_matches, wildcard_within};
use edge_token::roles::RoleTable;
use edge_token::user_privileges::{has_privileges_matching, parse_check};
use serde_json::{json, Value};

/// `_has_privileges` of `body` by a user holding `assigned` in `roles`: the reply, the wildcard
/// steps and the wildcard matches.
fn ask(roles: &RoleTable, assigned: &str, body: &Value) -> (Reply, usize, usize) {
    let check = parse_check("u", &body.to_string());
    assert!(check.is_ok(), "the body parses");
    let Ok(check) = check else { return (Reply::ok(json!({})), 0, 0) };
    let mut regexps = Regexps::default();
    let mut matching = Matching::new(&mut regexps);
    let reply = has_privileges_matching(roles, "u", &[assigned.to_string()], &check, &mut matching);
    (reply, matching.steps(), matching.matches())
}

fn long_names(count: usize, prefix: &str) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:04}{}", "a".repeat(246 - prefix.len()))).collect()
}

#[test]
fn kibana_system_asked_about_a_thousand_long_names_is_cheap() {
    let roles = RoleTable::new();
    for prefix in ["", ".kibana-", "logs-"] {
        let body = json!({"index": [{"names": long_names(1000, prefix), "privileges": ["read"]}]});
        let (reply, steps, matches) = ask(&roles, "kibana_system", &body);
        assert_eq!(reply.status, 200, "{prefix}");
        assert!(steps < 1_000_000, "{prefix}: {steps} steps");
        // A trailing `*` ends the match: `.kibana*` and the like, matched on through the rest
        // of each name, were 291,000 steps.
        assert!(prefix != ".kibana-" || steps < 100_000, "{prefix}: {steps} steps");
        // The five restricted-index patterns and at most the role's patterns, once a name.
        assert!(matches <= 1000 * 140, "{prefix}: {matches} matches");
    }
}

#[test]
fn a_name_asked_again_is_decided_once() {
    let roles = RoleTable::new();
    let one = json!({"index": [{"names": ["logs-1"], "privileges": ["read", "write"]}]});
    let (reply, _, once) = ask(&roles, "kibana_system", &one);
    assert_eq!(reply.status, 200);
    let again = json!({"index": [{"names": vec!["logs-1"; 300], "privileges": ["read", "write", "READ"]},
        {"names": ["logs-1"], "privileges": ["write"]}]});
    let (reply, _, matches) = ask(&roles, "kibana_system", &again);
    assert_eq!(reply.body["index"], json!({"logs-1": {"read": false, "write": false, "READ": false}}));
    assert_eq!(matches, once);
}

/// A role holding `patterns` for `read`.
fn role_of(patterns: &[String]) -> RoleTable {
    let roles = json!({"many": {"indices": [{"names": patterns, "privileges": ["read"]}]}});
    RoleTable::from_setting(&roles.to_string()).unwrap_or_default()
}

#[test]
fn many_stored_patterns_times_many_names_stop_at_the_request_budget() {
    // 50,000 patterns fit a put-role body; against 1,000 names, 50,000,000 matches.
    let patterns: Vec<String> = (0..50_000).map(|i| format!("logs-{i}-*")).collect();
    let body = json!({"index": [{"names": long_names(1000, ""), "privileges": ["read"]}]});
    let (reply, steps, matches) = ask(&role_of(&patterns), "many", &body);
    assert_eq!(steps, WILDCARD_STEPS);
    assert!(matches <= WILDCARD_STEPS / (MATCH_STEPS + 1) + 1, "{matches} matches");
    let error = (reply.status, reply.body["error"]["type"].clone(), reply.body["error"]["reason"].clone());
    assert_eq!(error.0, 500);
    assert_eq!(error.1, json!("too_complex_to_determinize_exception"));
    assert!(error.2.as_str().is_some_and(|r| r.starts_with("Determinizing logs-")), "{:?}", error.2);
    // Stars that look through every character reach it with fewer matches.
    let stars: Vec<String> = (0..1000).map(|i| format!("*a*{i}")).collect();
    let (reply, steps, matches) = ask(&role_of(&stars), "many", &body);
    assert_eq!((reply.status, steps), (500, WILDCARD_STEPS));
    assert!(matches < 100_000, "{matches} matches");
}

#[test]
fn below_the_budget_many_patterns_answer_as_each_match_does() {
    let patterns: Vec<String> = (0..300).map(|i| format!("logs-{}*", i * 7)).collect();
    let names: Vec<String> = (0..1000).map(|i| format!("logs-{i}")).collect();
    let body = json!({"index": [{"names": names, "privileges": ["read"]}]});
    let (reply, steps, _) = ask(&role_of(&patterns), "many", &body);
    assert_eq!(reply.status, 200);
    assert!(steps < WILDCARD_STEPS, "{steps}");
    for name in &names {
        let expected = patterns.iter().any(|pattern| wildcard_matches(pattern, name));
        assert_eq!(reply.body["index"][name]["read"], json!(expected), "{name}");
    }
}

/// The matcher before it matched on offsets: both texts copied into characters.
fn by_characters(pattern: &[char], text: &[char]) -> bool {
    match (pattern.split_first(), text.split_first()) {
        (None, _) => text.is_empty(),
        (Some(('*', rest)), more) => {
            by_characters(rest, text) || more.is_some_and(|(_, more)| by_characters(pattern, more))
        }
        (Some((wanted, rest)), Some((c, more))) => (*wanted == '?' || wanted == c) && by_characters(rest, more),
        (Some(_), None) => false,
    }
}

#[test]
fn wildcards_match_characters_not_bytes() {
    let units = ["a", "b", "é", "𝄞", "?", "*", "."];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut word = |max: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = seed % (max + 1);
        (0..len).map(|i| units.get(((seed >> (i * 3)) % 7) as usize).copied().unwrap_or("a")).collect::<String>()
    };
    for _ in 0..20_000 {
        let (pattern, text) = (word(6), word(7));
        let expected = by_characters(&pattern.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>());
        assert_eq!(wildcard_matches(&pattern, &text), expected, "{pattern} on {text}");
    }
    // `?` is one character of any width; a byte of a wider one is not a character.
    assert!(wildcard_matches("a?b", "a𝄞b") && !wildcard_matches("a??b", "a𝄞b"));
    assert!(wildcard_matches("*é", "xé") && !wildcard_matches("*?é", "é"));
    assert_eq!(wildcard_within("a*", &"a".repeat(250), usize::MAX), (Some(true), 2));
    assert_eq!(wildcard_within("*b", &"a".repeat(250), 100).0, None);
}
