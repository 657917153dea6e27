//! Put user, row by row: every parse and validation message ES gives, the normalized request,
//! the checks after authorization, and the stored record.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use edge_token::put_user::{self, PutUserRequest};
use serde_json::{json, Value};

const PW: &str = "s3krit-password";
/// 32 bytes of base64: ES's PBKDF2 salt and key length.
const SALT32: &str = "c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=";
const KEY32: &str = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";

/// `(status, type, reason)` of a failed parse of `body` for user `joe`, or the request's JSON.
fn outcome(body: &str) -> String {
    match put_user::parse("joe", body) {
        Ok(request) => serde_json::to_string(&request).unwrap_or_default(),
        Err(reply) => {
            let error = &reply.body["error"];
            format!(
                "{} {} | {}",
                reply.status,
                error["type"].as_str().unwrap_or("?"),
                error["reason"].as_str().unwrap_or("?")
            )
        }
    }
}

#[test]
fn parse_errors_and_validation_in_es_order_with_es_messages() {
    let bcrypt = format!("$2a$10${}", "a".repeat(53));
    // The body's own object and 100 levels of metadata: one level too many.
    let deep = deep_metadata(100);
    let rows: Vec<(String, &str)> = vec![
        ("".into(), "400 parse_exception | request body is required"),
        ("{".into(), "400 x_content_parse_exception | [1:1] EOF while parsing an object"),
        ("xyz".into(), "400 x_content_parse_exception | [1:1] expected value"),
        (r#"{"roles":[]} x"#.into(), "400 x_content_parse_exception | [1:14] trailing characters"),
        (
            format!("{{\"password\":\"{PW}\",\n\"password\":\"other-pw\",\"roles\":[]}}"),
            "400 x_content_parse_exception | [2:10] Duplicate field 'password'",
        ),
        (deep, "400 x_content_parse_exception | [1:548] Document nesting depth (101) exceeds the maximum allowed (100)"),
        ("[1,2]".into(), "400 parse_exception | expected an object, but found token [START_ARRAY]"),
        ("null".into(), "400 parse_exception | expected an object, but found token [VALUE_NULL]"),
        ("\"text\"".into(), "400 parse_exception | expected an object, but found token [VALUE_STRING]"),
        (format!(r#"{{"password":"{PW}"}}"#), "400 action_request_validation_exception | Validation Failed: 1: roles are missing;"),
        (
            format!(r#"{{"password":"{PW}","roles":[],"metadata":{{"_hidden":1}}}}"#),
            "400 action_request_validation_exception | Validation Failed: 1: metadata keys may not start with [_];",
        ),
        (
            format!(r#"{{"password":"{PW}","metadata":{{"ok":1,"_x":2}}}}"#),
            "400 action_request_validation_exception | Validation Failed: 1: roles are missing;2: metadata keys may not start with [_];",
        ),
        (
            r#"{"password":"short","roles":[]}"#.into(),
            "400 validation_exception | Validation Failed: 1: passwords must be at least [6] characters long;",
        ),
        // Parse errors come first: a short password is reported before the missing roles.
        (
            r#"{"password":"short"}"#.into(),
            "400 validation_exception | Validation Failed: 1: passwords must be at least [6] characters long;",
        ),
        // Six UTF-16 units: two of them are one astral character.
        (r#"{"password":"abcd😀","roles":[]}"#.into(), r#"{"username":"joe","password":"abcd😀","roles":[],"full_name":null,"email":null,"metadata":null,"enabled":true}"#),
        (
            format!(r#"{{"password":"{PW}","roles":[],"nickname":"x"}}"#),
            "400 parse_exception | failed to parse add user request. unexpected field [nickname]",
        ),
        (
            r#"{"password":123456,"roles":[]}"#.into(),
            "400 parse_exception | expected field [password] to be of type string, but found [VALUE_NUMBER] instead",
        ),
        (
            r#"{"password_hash":null,"roles":[]}"#.into(),
            "400 parse_exception | expected field [password_hash] to be of type string, but found [VALUE_NULL] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[],"enabled":"yes"}}"#),
            "400 parse_exception | expected field [enabled] to be of type boolean, but found [VALUE_STRING] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[],"full_name":1}}"#),
            "400 parse_exception | expected field [full_name] to be of type string, but found [VALUE_NUMBER] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[],"email":[]}}"#),
            "400 parse_exception | expected field [email] to be of type string, but found [START_ARRAY] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[],"metadata":"m"}}"#),
            "400 parse_exception | expected field [metadata] to be of type object, but found [VALUE_STRING] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[],"metadata":null}}"#),
            "400 parse_exception | expected field [metadata] to be of type object, but found [VALUE_NULL] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[1]}}"#),
            "400 parse_exception | could not parse [roles] field. expected a string array but one of the value in the array is [VALUE_NUMBER]",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":[[]]}}"#),
            "400 parse_exception | could not parse [roles] field. expected a string array but one of the value in the array is [START_ARRAY]",
        ),
        (
            format!(r#"{{"password":"{PW}","roles":{{}}}}"#),
            "400 parse_exception | could not parse [roles] field. expected a string array but found [START_OBJECT] value instead",
        ),
        (
            format!(r#"{{"username":"joey","password":"{PW}","roles":[]}}"#),
            "400 illegal_argument_exception | [username] in source does not match the username provided [joe]",
        ),
        (
            format!(r#"{{"username":true,"password":"{PW}","roles":[]}}"#),
            "400 parse_exception | expected field [username] to be of type string, but found [VALUE_BOOLEAN] instead",
        ),
        (
            format!(r#"{{"password":"{PW}","password_hash":"{bcrypt}","roles":[]}}"#),
            "400 validation_exception | Validation Failed: 1: password_hash has already been set;",
        ),
        (
            format!(r#"{{"password_hash":"{bcrypt}","password":"{PW}","roles":[]}}"#),
            "400 validation_exception | Validation Failed: 1: password_hash has already been set;",
        ),
        (
            r#"{"password_hash":"plain-text","roles":[]}"#.into(),
            "400 illegal_argument_exception | Provided password hash uses [NOOP] but the configured hashing algorithm is [PBKDF2]",
        ),
        (
            r#"{"password_hash":"{SHA}abc","roles":[]}"#.into(),
            "400 illegal_argument_exception | Provided password hash uses [SHA1] but the configured hashing algorithm is [PBKDF2]",
        ),
        (
            r#"{"password_hash":"{PBKDF2}12345$abc$def","roles":[]}"#.into(),
            "400 illegal_argument_exception | unknown hash function [pbkdf2_12345]",
        ),
        (
            r#"{"password_hash":"$2a$10$short","roles":[]}"#.into(),
            "400 illegal_argument_exception | The provided password hash is not a valid bcrypt hash.",
        ),
        // Hashes ES knows but whose verification costs more than this service's bounds, and
        // PBKDF2 salts and keys outside what ES makes (password_hash_rows.rs has every bound).
        (
            format!(r#"{{"password_hash":"$2a$13${}","roles":[]}}"#, "a".repeat(53)),
            "400 illegal_argument_exception | Provided password hash uses [BCRYPT13] but this service verifies bcrypt costs [4] to [12] only",
        ),
        (
            format!(r#"{{"password_hash":"{{PBKDF2}}1000000${SALT32}${KEY32}","roles":[]}}"#),
            "400 illegal_argument_exception | Provided password hash uses [PBKDF2_1000000] but this service verifies PBKDF2 iterations [1000] to [100000] only",
        ),
        (
            format!(r#"{{"password_hash":"{{PBKDF2}}10000${SALT32}${}","roles":[]}}"#, "A".repeat(20_000)),
            "400 illegal_argument_exception | PBKDF2 key length must be at most [256 bits]",
        ),
        (
            format!(r#"{{"password_hash":"{{PBKDF2}}10000$c2FsdA==${KEY32}","roles":[]}}"#),
            "400 illegal_argument_exception | PBKDF2 salt must be at least [8 bytes] long",
        ),
        (
            r#"{"password_hash":"{PBKDF2}10000$x","roles":[]}"#.into(),
            "400 illegal_argument_exception | The provided password hash is not a valid PBKDF2 hash.",
        ),
    ];
    for (body, expected) in rows {
        assert_eq!(outcome(&body), expected, "{body}");
    }
}

/// A valid body whose metadata object is `levels` containers deep.
fn deep_metadata(levels: usize) -> String {
    format!(r#"{{"password":"{PW}","roles":[],"metadata":{}1{}}}"#, "{\"a\":".repeat(levels), "}".repeat(levels))
}

#[test]
fn accepted_bodies_are_normalized() {
    assert!(put_user::parse("joe", &deep_metadata(99)).is_ok(), "the deepest body accepted");
    let bcrypt = format!("$2y$04${}", "b".repeat(53));
    let rows: Vec<(String, String)> = vec![
        (
            format!(r#"{{"password":"{PW}","roles":" a, b,,c ","full_name":null,"enabled":false}}"#),
            format!(
                r#"{{"username":"joe","password":"{PW}","roles":["a","b","c"],"full_name":null,"email":null,"metadata":null,"enabled":false}}"#
            ),
        ),
        (
            format!(
                r#"{{"username":"joe","password_hash":"{bcrypt}","roles":[],"email":"j@x","metadata":{{"k":{{"n":[1]}}}}}}"#
            ),
            format!(
                r#"{{"username":"joe","password_hash":"{bcrypt}","roles":[],"full_name":null,"email":"j@x","metadata":{{"k":{{"n":[1]}}}},"enabled":true}}"#
            ),
        ),
        (
            r#"{"roles":"","full_name":"Joe"}"#.into(),
            r#"{"username":"joe","roles":[],"full_name":"Joe","email":null,"metadata":null,"enabled":true}"#.into(),
        ),
    ];
    for (body, expected) in rows {
        assert_eq!(outcome(&body), expected, "{body}");
    }
}

fn request(username: &str, roles: &[&str]) -> PutUserRequest {
    let body = json!({"password": PW, "roles": roles}).to_string();
    put_user::parse(username, &body).unwrap_or_else(|reply| panic!("{}", reply.body))
}

#[test]
fn checks_after_authorization() {
    let name_rule = "names must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.";
    let rows: Vec<(&str, Vec<&str>, Option<String>)> = vec![
        ("joe", vec!["superuser"], None),
        ("elastic", vec![], Some("1: user [elastic] is reserved and only the password can be changed;".into())),
        (
            "kibana_system",
            vec![],
            Some("1: user [kibana_system] is reserved and only the password can be changed;".into()),
        ),
        ("_system", vec![], Some("1: user [_system] is internal;".into())),
        // Usernames in the native realm: at most 507 characters (roles: 1024).
        (" padded", vec![], Some(format!("1: User {};", name_rule.replace("1024", "507")))),
        ("a\u{0}b", vec![], Some(format!("1: User {};", name_rule.replace("1024", "507")))),
        ("joe", vec!["ok", " bad", "bad "], Some(format!("1: Role {name_rule};2: Role {name_rule};"))),
        ("_xpack", vec![""], Some(format!("1: user [_xpack] is internal;2: Role {name_rule};"))),
    ];
    for (username, roles, expected) in rows {
        let problem = put_user::problems(&request(username, &roles));
        let reason = problem.as_ref().map(|reply| reply.body["error"]["reason"].as_str().unwrap_or("").to_string());
        assert_eq!(reason, expected.map(|e| format!("Validation Failed: {e}")), "{username:?} {roles:?}");
        if let Some(reply) = problem {
            assert_eq!(
                (reply.status, reply.body["error"]["type"].as_str()),
                (400, Some("action_request_validation_exception"))
            );
        }
    }
}

#[test]
fn at_most_1000_roles_that_may_be_stored() {
    let names: Vec<String> = (0..1001).map(|i| format!("r{i}")).collect();
    let mut roles: Vec<&str> = names.iter().map(String::as_str).collect();
    let reason = |roles: &[&str]| {
        put_user::problems(&request("joe", roles)).map(|r| r.body["error"]["reason"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        reason(&roles),
        Some(
            "Validation Failed: 1: a user can be assigned at most [1000] roles other than the reserved roles, got [1001];"
                .into()
        )
    );
    // Repeated names, reserved roles and names that cannot be stored are never read.
    let long = "x".repeat(600);
    roles.pop();
    roles.extend(["r0", "r1", "superuser", "kibana_admin", &long]);
    assert_eq!(reason(&roles), None);
}

/// What [`stored`] answers: the stored value and `created`, or the error.
type Stored = Result<(Value, bool), String>;

/// `{"record":..,"created":..}` as (stored value, created), or the error reason.
fn stored(request: PutUserRequest, new_hash: Option<&str>, existing: Option<&str>) -> Stored {
    let reply = put_user::record(request, new_hash.map(str::to_string), existing);
    if reply.status != 200 {
        return Err(format!("{} {}", reply.status, reply.body["error"]["reason"].as_str().unwrap_or("")));
    }
    let record = reply.body["record"].as_str().and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
    Ok((record, reply.body["created"].as_bool().unwrap_or(false)))
}

#[test]
fn records_to_store() {
    let old = r#"{"username":"joe","password_hash":"OLD","roles":["a"],"full_name":"Old","email":null,"metadata":{"m":1},"enabled":false}"#;
    let other = old.replace("\"joe\"", "\"jim\"");
    let without_password = |body: &str| put_user::parse("joe", body).unwrap_or_else(|reply| panic!("{}", reply.body));
    let fresh = json!({"username":"joe","password_hash":"NEW","roles":["superuser"],"full_name":null,"email":null,"metadata":{},"enabled":true});
    let required = "400 Validation Failed: 1: password must be specified unless you are updating an existing user;";
    let rows: Vec<(PutUserRequest, Option<&str>, Option<&str>, Stored)> = vec![
        (request("joe", &["superuser"]), Some("NEW"), None, Ok((fresh.clone(), true))),
        // An update replaces every field but keeps the old hash when no password is given.
        (request("joe", &["superuser"]), Some("NEW"), Some(old), Ok((fresh, false))),
        (
            without_password(r#"{"roles":["b"],"full_name":"Joe"}"#),
            None,
            Some(old),
            Ok((
                json!({"username":"joe","password_hash":"OLD","roles":["b"],"full_name":"Joe","email":null,"metadata":{},"enabled":true}),
                false,
            )),
        ),
        (without_password(r#"{"roles":[]}"#), None, None, Err(required.into())),
        // A record of another name, or one that does not parse, is not this user's.
        (without_password(r#"{"roles":[]}"#), None, Some(&other), Err(required.into())),
        (without_password(r#"{"roles":[]}"#), None, Some("garbage"), Err(required.into())),
        (without_password(r#"{"roles":[]}"#), None, Some(r#"{"username":"joe","roles":[]}"#), Err(required.into())),
        (request("joe", &[]), None, Some(old), Err("400 invalid put user request: the password was not hashed".into())),
        (
            request("elastic", &[]),
            Some("NEW"),
            None,
            Err("400 Validation Failed: 1: user [elastic] is reserved and only the password can be changed;".into()),
        ),
    ];
    for (index, (request, new_hash, existing, expected)) in rows.into_iter().enumerate() {
        assert_eq!(stored(request, new_hash, existing), expected, "row {index}");
    }
    // A given hash is stored as given.
    let bcrypt = format!("$2b$04${}", "c".repeat(53));
    let given = without_password(&format!(r#"{{"password_hash":"{bcrypt}","roles":[]}}"#));
    assert_eq!(stored(given, None, Some(old)).map(|(record, _)| record["password_hash"].clone()), Ok(json!(bcrypt)));
    // A request handed back by the host is checked again: no call order stores a hash that
    // put-user refuses.
    let mut costly = without_password(&format!(r#"{{"password_hash":"{bcrypt}","roles":[]}}"#));
    costly.password_hash = Some(format!("$2b$14${}", "c".repeat(53)));
    let refused = "400 Provided password hash uses [BCRYPT14] but this service verifies bcrypt costs [4] to [12] only";
    assert_eq!(stored(costly, None, Some(old)), Err(refused.into()));
}

#[test]
fn requests_round_trip_through_the_host() {
    let parsed = request("joe", &["a"]);
    let text = serde_json::to_string(&parsed).unwrap_or_default();
    assert_eq!(put_user::from_json(&text), Ok(parsed));
    for bad in ["", "{}", r#"{"username":"joe","roles":[],"enabled":true,"extra":1}"#] {
        let reply = put_user::from_json(bad).err();
        assert_eq!(reply.map(|r| r.body["error"]["type"].clone()), Some(json!("illegal_argument_exception")), "{bad}");
    }
}
