//! One request's regular-expression work (src/lucene_regexp.rs, `Regexps`): `_has_privileges`
//! of many names against a role's `/regex/` costs at most `REQUEST_STEPS` in all, then answers
//! ES's too-complex 500; below that, answers are those of one match at a time.

use edge_token::errors::Reply;
use edge_token::index_matching::Matching;
use edge_token::lucene_regexp::{matches, try_matches, Regexps, TooComplex, MAX_STEPS, REQUEST_STEPS};
use edge_token::roles::RoleTable;
use edge_token::user_privileges::{has_privileges_matching, parse_check};
use serde_json::{json, Value};

/// Inside the per-match bound, but not by much: about 97,000 steps on a 250-character name.
fn near_the_bound() -> String {
    "(@{0,255})".repeat(3)
}

/// `_has_privileges` for `read` on `names` by a user holding `role`, with the request's regexps.
fn ask(role: Value, names: &[String], regexps: &mut Regexps) -> Reply {
    let roles = RoleTable::from_setting(&json!({ "r": role }).to_string()).unwrap_or_default();
    let body = json!({"index": [{"names": names, "privileges": ["read"]}]}).to_string();
    match parse_check("u", &body) {
        Ok(check) => has_privileges_matching(&roles, "u", &["r".to_string()], &check, &mut Matching::new(regexps)),
        Err(reply) => reply,
    }
}

fn long_names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{i:04}{}", "a".repeat(246))).collect()
}

#[test]
fn a_request_of_a_thousand_names_near_the_per_match_bound_stops_at_the_request_budget() {
    let pattern = near_the_bound();
    let names = long_names(1000);
    // One match is inside the per-match bound: today's answer for one name.
    assert_eq!(try_matches(&pattern, names.first().map_or("", String::as_str)), Ok(true));
    let role = json!({"indices": [{"names": [format!("/{pattern}/")], "privileges": ["read"]}]});
    let mut regexps = Regexps::default();
    let reply = ask(role, &names, &mut regexps);
    // Without the request's budget: 1,000 matches, about 97,000,000 steps (2.4 s native).
    assert!(regexps.steps() <= REQUEST_STEPS.min(1_000_000), "{} steps", regexps.steps());
    let error = (reply.status, reply.body["error"]["type"].clone(), reply.body["error"]["reason"].clone());
    let reason = format!("Determinizing {pattern} would require more than 10000 effort.");
    assert_eq!(error, (500, json!("too_complex_to_determinize_exception"), json!(reason)));
}

#[test]
fn below_the_request_budget_the_answers_are_those_of_one_match_each() {
    let pattern = near_the_bound();
    let role = json!({"indices": [{"names": [format!("/{pattern}/")], "privileges": ["read"]}]});
    // Ten such matches fit in the budget.
    let mut regexps = Regexps::default();
    let reply = ask(role.clone(), &long_names(10), &mut regexps);
    assert_eq!((reply.status, reply.body["has_all_requested"].clone()), (200, json!(true)));
    assert!(regexps.steps() > 9 * 90_000, "{}", regexps.steps());
    // The same name 1,000 times is matched once.
    let same = vec!["0000".to_string() + &"a".repeat(246); 1000];
    let mut regexps = Regexps::default();
    let reply = ask(role, &same, &mut regexps);
    assert_eq!((reply.status, reply.body["has_all_requested"].clone()), (200, json!(true)));
    assert!(regexps.steps() < MAX_STEPS, "{}", regexps.steps());
}

#[test]
fn repeated_names_and_patterns_answer_as_before() {
    // The same regex in two groups and as viewer's, names asked again with other privileges.
    let roles = RoleTable::from_setting(
        &json!({"r": {"indices": [
            {"names": ["/logs-.*/", "/~(([.]|ilm-history-).*)/"], "privileges": ["read"]},
            {"names": ["/logs-.*/"], "privileges": ["write"]}]}})
        .to_string(),
    )
    .unwrap_or_default();
    let body = r#"{"index":[{"names":["logs-1",".kibana","logs-1","metrics-x"],"privileges":["read","write"]},
        {"names":["logs-1",".kibana"],"privileges":["write","read"]}]}"#;
    let check = parse_check("u", body);
    assert!(check.is_ok(), "the body parses");
    let Ok(check) = check else { return };
    let mut regexps = Regexps::default();
    let reply = has_privileges_matching(&roles, "u", &["r".to_string()], &check, &mut Matching::new(&mut regexps));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["index"],
        json!({
            "logs-1": {"read": true, "write": true},
            ".kibana": {"read": false, "write": false},
            "metrics-x": {"read": true, "write": false}
        })
    );
}

#[test]
fn a_pair_is_matched_once_per_request_with_the_same_answer() {
    let rows: &[(&str, &str)] = &[
        ("logs-.*", "logs-a"),
        ("logs-.*", "metrics"),
        ("~(([.]|ilm-history-).*)", ".security-7"),
        ("a{2,3}&~(aaa)", "aa"),
        ("<1-100>", "042"),
        ("(a|b", "a"),
        ("@", &"a".repeat(256)),
    ];
    let mut regexps = Regexps::default();
    let mut first = Vec::new();
    for (pattern, name) in rows {
        first.push(regexps.try_matches(pattern, name));
    }
    let spent = regexps.steps();
    // Again, in another order: the answers kept, nothing spent.
    for ((pattern, name), answer) in rows.iter().zip(&first).rev() {
        assert_eq!(regexps.try_matches(pattern, name), *answer, "/{pattern}/ on [{name}]");
        assert_eq!(Ok(matches(pattern, name)), *answer, "/{pattern}/ on [{name}]");
    }
    assert_eq!(regexps.steps(), spent);
}

#[test]
fn a_spent_budget_makes_every_new_match_too_complex() {
    let mut regexps = Regexps::with_budget(200);
    assert_eq!(regexps.try_matches("logs-.*", "logs-a"), Ok(true));
    let mut outcome = Ok(true);
    for i in 0..100 {
        outcome = regexps.try_matches("logs-.*", &format!("logs-{i}"));
        if outcome.is_err() {
            break;
        }
    }
    assert_eq!(outcome, Err(TooComplex));
    assert!(regexps.steps() <= 200, "{}", regexps.steps());
    assert_eq!(regexps.try_matches("x", "y"), Err(TooComplex));
    // What was found before is still known.
    assert_eq!(regexps.try_matches("logs-.*", "logs-a"), Ok(true));
}
