//! The check's reader of token documents (`token_text::access_record`) against the derived
//! reader it replaced, row by row: the same documents accepted, the same values read.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use edge_token::schema::{AccessHalf, StoredOwner};
use edge_token::token_text::access_record;
use serde::Deserialize;
use serde_json::Value;

/// The derived reader, as the oracle. The owner's fields are read as a `Value` (`RawValue`
/// went with serde_json's `raw_value` feature): the same documents parse, short of the
/// recursion limit a `Value` has and the check's reader does not.
#[derive(Deserialize)]
struct Derived {
    creation_time: u64,
    access: DerivedAccess,
    owner: DerivedOwner,
}

#[derive(Deserialize)]
struct DerivedAccess {
    hash: String,
    expiration_time: u64,
}

#[derive(Deserialize)]
struct DerivedOwner {
    username: String,
    realm: String,
    user: Value,
    #[serde(default)]
    tag: Option<String>,
}

/// What both readers make of `text`, the owner's fields compared as values.
fn both(text: &str) -> (Option<String>, Option<String>) {
    let show = |(creation, access, owner): (u64, AccessHalf, StoredOwner)| {
        let user: Value = serde_json::from_str(&owner.user).unwrap_or(Value::Null);
        format!("{creation} {access:?} {} {} {user} {:?}", owner.username, owner.realm, owner.tag)
    };
    let oracle = serde_json::from_str::<Derived>(text).ok().map(|d| {
        let access = AccessHalf { hash: d.access.hash, expiration_time: d.access.expiration_time };
        let DerivedOwner { username, realm, user, tag } = d.owner;
        (d.creation_time, access, StoredOwner { username, realm, user: user.to_string(), tag })
    });
    (access_record(text).map(show), oracle.map(show))
}

#[test]
fn documents_read_as_the_derived_reader_read_them() {
    let access = r#""access":{"hash":"h","expiration_time":9}"#;
    let owner = r#""owner":{"username":"u","realm":"r","user":{"username":"u","metadata":{"n":1.5,"l":[null,true]}},"tag":"t"}"#;
    let doc = |fields: &str| format!("{{{fields}}}");
    let with_access = |value: &str| doc(&format!(r#""creation_time":1,"access":{value},{owner}"#));
    let with_owner = |value: &str| doc(&format!(r#""creation_time":1,{access},"owner":{value}"#));
    let with_time = |value: &str| doc(&format!(r#""creation_time":{value},{access},{owner}"#));
    let mut rows = vec![
        doc(&format!(r#""creation_time":1,{access},{owner}"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"refresh":{{"hash":"x","client":{{"a":[1,{{}}]}}}}"#)),
        doc(&format!(r#"{owner},"x":null,{access},"creation_time":1"#)),
        format!(" \n\t{{ \"creation_time\" : 1 ,\r\n {access} , {owner} }} \n"),
        doc(&format!(r#""creation_time":1,{access}"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"creation_time":1"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"x":1,"x":2"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"x":[1,}}"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"x":01"#)),
        doc(&format!(r#""creation_time":1,{access},{owner},"x":"\q""#)),
        doc(&format!(r#""creation_time":1,{access},{owner} "x":1"#)),
        doc(&format!(r#""creation_time":1,{access},{owner}"#)) + " x",
        doc(&format!(r#""creation_time":1,{access},{owner}"#)) + "}",
        doc(&format!(r#""creation_\u0074ime":1,{access},{owner}"#)),
        doc(&format!(r#""creation_time":1 {access},{owner}"#)),
        doc(&format!(r#"1:1,{access},{owner}"#)),
        format!(r#"[1,{{"hash":"h","expiration_time":9}},{{"username":"u","realm":"r","user":{{}}}}]"#),
        format!(r#"[1,["h",9],["u","r",{{"a":1}},"t"]]"#),
        format!(r#"[1,["h",9],["u","r",{{"a":1}},null]]"#),
        format!(r#"[1,["h",9],["u","r",{{"a":1}},"t",5]]"#),
        format!(r#"[1,["h",9],["u","r"]]"#),
        format!(r#"[1,["h",9],["u","r",{{}}],]"#),
        format!(r#"[1,["h",9] ["u","r",{{}}]]"#),
        "[]".into(),
        "{}".into(),
        "{".into(),
        "".into(),
        "null".into(),
        with_access(r#"{"hash":"h"}"#),
        with_access(r#"{"hash":"h","expiration_time":9,"hash":"h"}"#),
        with_access(r#"{"hash":"a\"b\\c\u00e9\ud83d\ude00","expiration_time":9}"#),
        with_access(r#"{"hash":"a\ud800","expiration_time":9}"#),
        with_access(r#"{"hash":"a\x","expiration_time":9}"#),
        with_access("{\"hash\":\"a\u{1}b\",\"expiration_time\":9}"),
        with_access("{\"hash\":\"é∂\",\"expiration_time\":9}"),
        with_access(r#"{"hash":7,"expiration_time":9}"#),
        with_access(r#"{"hash":null,"expiration_time":9}"#),
        with_access(r#"{"hash":"h","expiration_time":"9"}"#),
        with_access(r#"{"hash":"h","expiration_time":9,}"#),
        with_access(r#"["h",9]"#),
        with_access(r#"["h"]"#),
        with_access("[]"),
        with_access("null"),
        with_owner(r#"{"username":"u","realm":"r","user":{}}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{},"tag":null}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{},"tag":nul}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{},"tag":5}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{},"tag":"t","tag":"t"}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{}, "user":{}}"#),
        with_owner(r#"{"username":"u","realm":"r"}"#),
        with_owner(r#"{"username":"u","realm":"r","user":[1, "x", {"a":{"b":null}}]}"#),
        with_owner(r#"{"username":"u","realm":"r","user":"text"}"#),
        with_owner(r#"{"username":"u","realm":"r","user":-1.5e3}"#),
        with_owner(r#"{"username":"u","realm":"r","user":tru}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{"a":}}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{"a":1}x}"#),
        with_owner(r#"{"username":"u","realm":"r","user":12x}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{"a":1,"a":2}}"#),
        with_owner(r#"{"username":"u\n","realm":"r","user":{}}"#),
        with_owner(r#"{"username":"u","realm":"r","user":{},"tag":"t","other":{"k":[]}}"#),
    ];
    for value in ["0", "9", "18446744073709551615", "18446744073709551616", "99999999999999999999"] {
        rows.push(with_time(value));
    }
    for value in ["-1", "-0", "00", "01", "1.0", "1e3", "1E3", "1.", "+1", "\"1\"", "null", "true", "[1]", "1x"] {
        rows.push(with_time(value));
    }
    for text in &rows {
        let (read, oracle) = both(text);
        assert_eq!(read, oracle, "{text}");
    }
    assert!(rows.iter().filter(|t| both(t).1.is_some()).count() >= 15, "rows that parse");
}
