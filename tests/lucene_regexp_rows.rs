//! Lucene regular expressions in role patterns (src/lucene_regexp.rs), row by row: the reserved
//! roles' own patterns, then each piece of Lucene's syntax.

use edge_token::lucene_regexp::matches;
use edge_token::privileges::pattern_matches;

#[test]
fn the_reserved_roles_patterns() {
    let viewer = "~(([.]|ilm-history-).*)";
    for (name, expected) in
        [("logs", true), ("metrics-x", true), (".kibana", false), ("ilm-history-7", false), ("ilm", true), ("", true)]
    {
        assert_eq!(matches(viewer, name), expected, "{viewer} on [{name}]");
    }
    let kibana = r"metrics-.*&~(metrics-endpoint\.metadata_current_default.*)";
    for (name, expected) in [
        ("metrics-system", true),
        ("metrics-endpoint.metadata_current_default", false),
        ("metrics-endpoint.metadata_current_default-1", false),
        ("metrics-endpoint.metadata_united", true),
        ("logs-x", false),
    ] {
        assert_eq!(matches(kibana, name), expected, "{kibana} on [{name}]");
    }
    let monitoring = "metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*";
    assert!(matches(monitoring, "metrics-kibana.stack_monitoring.x"));
    assert!(!matches(monitoring, "metrics-apm"));
}

#[test]
fn lucene_syntax() {
    let rows: &[(&str, &str, bool)] = &[
        ("abc", "abc", true),
        ("abc", "abcd", false),
        ("a.c", "abc", true),
        ("a*", "", true),
        ("a+", "", false),
        ("a+", "aaa", true),
        ("ab?c", "ac", true),
        ("a{2}", "aa", true),
        ("a{2}", "aaa", false),
        ("a{2,}", "aaaa", true),
        ("a{2,3}", "aaaa", false),
        ("[a-c]x", "bx", true),
        ("[^a-c]x", "bx", false),
        ("[^a-c]x", "dx", true),
        ("@", "anything at all", true),
        ("#", "", false),
        ("#|x", "x", true),
        ("()", "", true),
        ("\"a.b\"", "a.b", true),
        ("\"a.b\"", "axb", false),
        (r"a\.b", "axb", false),
        ("<1-100>", "42", true),
        ("<1-100>", "101", false),
        ("<1-100>", "007", true),
        ("<01-10>", "07", true),
        ("<01-10>", "7", false),
        ("x&y", "x", false),
        ("~x", "y", true),
        ("~x", "x", false),
        ("a~(b)c", "axc", true),
        ("a~(b)c", "abc", false),
        ("((a*)*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false),
        ("(a|b", "a", false),
        ("<name>", "name", false),
        ("a{300}", "a", false),
    ];
    for (pattern, text, expected) in rows {
        assert_eq!(matches(pattern, text), *expected, "/{pattern}/ on [{text}]");
    }
}

#[test]
fn slashes_make_a_pattern_a_regular_expression() {
    assert!(pattern_matches("/logs-.*/", "logs-a"));
    assert!(!pattern_matches("logs-.*", "logs-a"), "a wildcard pattern: `.` is itself");
    assert!(pattern_matches("logs-*", "logs-a"));
    assert!(!pattern_matches("/~(([.]|ilm-history-).*)/", ".security-7"));
    // Longer than an index name may be: never matched by a regular expression.
    assert!(!pattern_matches("/@/", &"a".repeat(256)));
}
