//! Stored password hashes row by row: how ES resolves them, the bounds this service puts on
//! what verifying one may cost (and their messages), and what the host computes with.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use edge_token::password_hash::{
    check, configured_hasher, constant_time_equal, describe, key_matches, new_hash, new_hash_format, salt as salt_of,
    verifier, Described, Hasher, Kind, NEW_HASH,
};
use serde_json::{json, Value};

fn bcrypt(minor: char, cost: &str) -> String {
    format!("$2{minor}${cost}${}", "a".repeat(53))
}

const SALT16: &str = "c2FsdHNhbHRzYWx0c2FsdA=="; // 16 bytes

fn b64(bytes: usize) -> String {
    STANDARD.encode(vec![7u8; bytes])
}

#[test]
fn hashes_are_described_as_es_resolves_them() {
    let hasher = |kind, cost| Ok(Described::Verifiable(Hasher { kind, cost }));
    let rows: Vec<(String, Result<Described, String>)> = vec![
        (bcrypt('a', "04"), hasher(Kind::Bcrypt, 4)),
        (bcrypt('b', "10"), hasher(Kind::Bcrypt, 10)),
        (bcrypt('y', "14"), hasher(Kind::Bcrypt, 14)),
        ("{PBKDF2}1000$c2FsdA==$a2V5".into(), hasher(Kind::Pbkdf2, 1000)),
        ("{PBKDF2}10000$x".into(), hasher(Kind::Pbkdf2, 10000)),
        ("{PBKDF2}0001000$x".into(), hasher(Kind::Pbkdf2, 1000)),
        ("{PBKDF2_STRETCH}1000000$x$y".into(), hasher(Kind::Pbkdf2Stretch, 1000000)),
        ("{SHA}abc".into(), Ok(Described::Other("SHA1"))),
        ("{MD5}abc".into(), Ok(Described::Other("MD5"))),
        ("{SSHA256}abc".into(), Ok(Described::Other("SSHA256"))),
        ("just-a-password".into(), Ok(Described::Other("NOOP"))),
        ("".into(), Ok(Described::Other("NOOP"))),
        ("$2x$10$abc".into(), Ok(Described::Other("NOOP"))),
        ("{PBKDF2}12345$c2FsdHNhbHQ=$a2V5".into(), Err("unknown hash function [pbkdf2_12345]".into())),
        ("{PBKDF2_STRETCH}7$c2FsdHNhbHQ=$a2V5".into(), Err("unknown hash function [pbkdf2_stretch_7]".into())),
        ("{PBKDF2}0$x".into(), Err("unknown hash function [pbkdf2_0]".into())),
        (
            "{PBKDF2}lots$c2FsdA==$a2V5".into(),
            Err("The number of iterations could not be determined from the provided PBKDF2 hash.".into()),
        ),
        (
            "{PBKDF2}10000".into(),
            Err("The number of iterations could not be determined from the provided PBKDF2 hash.".into()),
        ),
        (
            "{PBKDF2}1234567890$x".into(),
            Err("The number of iterations could not be determined from the provided PBKDF2 hash.".into()),
        ),
        (
            "{PBKDF2}$x".into(),
            Err("The number of iterations could not be determined from the provided PBKDF2 hash.".into()),
        ),
        (bcrypt('a', "15"), Err("unknown hash function [bcrypt15]".into())),
        (bcrypt('a', "03"), Err("unknown hash function [bcrypt3]".into())),
        ("$2a$10$tooshort".into(), Err("The provided password hash is not a valid bcrypt hash.".into())),
        (format!("$2a$10${}", "!".repeat(53)), Err("The provided password hash is not a valid bcrypt hash.".into())),
        (format!("$2a$1x${}", "a".repeat(53)), Err("The provided password hash is not a valid bcrypt hash.".into())),
        (format!("$2a$10_{}", "a".repeat(53)), Err("The provided password hash is not a valid bcrypt hash.".into())),
    ];
    for (hash, expected) in rows {
        assert_eq!(describe(&hash), expected, "{hash}");
    }
}

#[test]
fn hasher_names_are_es_names() {
    let rows = [
        (Kind::Bcrypt, 10, "BCRYPT"),
        (Kind::Bcrypt, 4, "BCRYPT4"),
        (Kind::Pbkdf2, 10000, "PBKDF2"),
        (Kind::Pbkdf2, 1000, "PBKDF2_1000"),
        (Kind::Pbkdf2Stretch, 10000, "PBKDF2_STRETCH"),
        (Kind::Pbkdf2Stretch, 50000, "PBKDF2_STRETCH_50000"),
    ];
    for (kind, cost, name) in rows {
        assert_eq!(Hasher { kind, cost }.name(), name);
    }
    assert_eq!(configured_hasher(), "PBKDF2");
}

/// Every hash put-user takes or refuses, with the refusal: ES's own messages for what ES has
/// no hasher for, then the bounds on what verifying costs (bcrypt 4..12, PBKDF2 1000..100000
/// iterations, 8..32-byte salts, 128..256-bit keys).
#[test]
fn hashes_are_checked_against_the_cost_bounds() {
    let salt32 = b64(32);
    let key32 = b64(32);
    let key16 = b64(16);
    let pbkdf2 = |cost: u32, salt: &str, key: &str| format!("{{PBKDF2}}{cost}${salt}${key}");
    let over =
        |name: &str, what: &str| format!("Provided password hash uses [{name}] but this service verifies {what} only");
    let rows: Vec<(String, Result<(), String>)> = vec![
        // Taken: ES's hashers at the bounds, ES's own salt and key, and the smallest ES verifies.
        (bcrypt('a', "04"), Ok(())),
        (bcrypt('y', "12"), Ok(())),
        (pbkdf2(1000, &salt32, &key32), Ok(())),
        (pbkdf2(100000, &salt32, &key32), Ok(())),
        (format!("{{PBKDF2_STRETCH}}50000${salt32}${key32}"), Ok(())),
        (pbkdf2(10000, &b64(8), &key16), Ok(())),
        // 63 characters still read as 256 bits (ES's arithmetic), though only 44 can ever match.
        (pbkdf2(10000, &salt32, &"A".repeat(63)), Ok(())),
        // Costlier than the bounds: ES knows the hasher, this service does not verify it.
        (bcrypt('a', "13"), Err(over("BCRYPT13", "bcrypt costs [4] to [12]"))),
        (bcrypt('b', "14"), Err(over("BCRYPT14", "bcrypt costs [4] to [12]"))),
        (pbkdf2(500000, &salt32, &key32), Err(over("PBKDF2_500000", "PBKDF2 iterations [1000] to [100000]"))),
        (
            format!("{{PBKDF2_STRETCH}}1000000${salt32}${key32}"),
            Err(over("PBKDF2_STRETCH_1000000", "PBKDF2 iterations [1000] to [100000]")),
        ),
        // The key's length is read from its text: more than ES's 256 bits is refused.
        (pbkdf2(10000, &salt32, &"A".repeat(64)), Err("PBKDF2 key length must be at most [256 bits]".into())),
        (pbkdf2(10000, &salt32, &b64(64)), Err("PBKDF2 key length must be at most [256 bits]".into())),
        (pbkdf2(10000, &salt32, &"A".repeat(20_000)), Err("PBKDF2 key length must be at most [256 bits]".into())),
        (
            pbkdf2(10000, &salt32, &"A".repeat(21)),
            Err("PBKDF2 key length must be positive and multiple of [128 bits]".into()),
        ),
        (pbkdf2(10000, &salt32, ""), Err("PBKDF2 key length must be positive and multiple of [128 bits]".into())),
        // Salts: ES's minimum, and no longer than ES's own.
        (pbkdf2(10000, &b64(7), &key32), Err("PBKDF2 salt must be at least [8 bytes] long".into())),
        (pbkdf2(10000, &b64(33), &key32), Err("PBKDF2 salt must be at most [32 bytes] long".into())),
        (pbkdf2(10000, &b64(1 << 16), &key32), Err("PBKDF2 salt must be at most [32 bytes] long".into())),
        // Not three parts, or a salt that is not base64.
        ("{PBKDF2}10000$only-two-parts".into(), Err("The provided password hash is not a valid PBKDF2 hash.".into())),
        (
            format!("{}$extra", pbkdf2(10000, &salt32, &key32)),
            Err("The provided password hash is not a valid PBKDF2 hash.".into()),
        ),
        (pbkdf2(10000, "not base64", &key32), Err("The provided password hash is not a valid PBKDF2 hash.".into())),
        // What ES has no hasher for: ES's messages.
        (pbkdf2(100, &salt32, &key32), Err("unknown hash function [pbkdf2_100]".into())),
        (bcrypt('a', "03"), Err("unknown hash function [bcrypt3]".into())),
        (
            "{SHA}abc".into(),
            Err("Provided password hash uses [SHA1] but the configured hashing algorithm is [PBKDF2]".into()),
        ),
    ];
    for (hash, expected) in rows {
        let label: String = hash.chars().take(60).collect();
        assert_eq!(check(&hash).map(|_| ()), expected, "{label}");
        assert_eq!(verifier(&hash).is_some(), expected.is_ok(), "{label}");
    }
}

#[test]
fn verifiers_carry_what_the_host_computes_with() {
    let key44 = "A".repeat(44);
    let rows: Vec<(String, Option<Value>)> = vec![
        (bcrypt('y', "05"), Some(json!({"kind":"bcrypt","cost":5}))),
        (
            format!("{{PBKDF2}}10000${SALT16}${key44}"),
            Some(json!({"kind":"pbkdf2","cost":10000,"salt":SALT16,"key":key44,"key_bits":256})),
        ),
        // Padding is optional, as for Java's decoder; the salt comes back canonical.
        (
            format!("{{PBKDF2_STRETCH}}1000$c2FsdHNhbHRzYWx0c2FsdA${key44}"),
            Some(
                json!({"kind":"pbkdf2_stretch","cost":1000,"salt":SALT16,"key":key44,"key_bits":256,"prehash":"SHA-512"}),
            ),
        ),
        // 22 characters: floor(66 / 64) blocks of 128 bits.
        (
            format!("{{PBKDF2}}1000${SALT16}${}", "C".repeat(22)),
            Some(json!({"kind":"pbkdf2","cost":1000,"salt":SALT16,"key":"C".repeat(22),"key_bits":128})),
        ),
        // A 512-bit key: ES verifies it, this service refuses it (longer than ES's own).
        (format!("{{PBKDF2_STRETCH}}1000${SALT16}${}", "B".repeat(88)), None),
        ("{PBKDF2}10000$not base64$AAAA".into(), None),
        (format!("{{PBKDF2}}10000$c2FsdA==${key44}"), None), // 4-byte salt, ES's minimum is 8
        ("{PBKDF2}10000$only-two-parts".into(), None),
        (format!("{{PBKDF2}}10000${SALT16}${key44}$extra"), None),
        (format!("{{PBKDF2}}10000${SALT16}${}", "A".repeat(20)), None), // under one block
        (format!("{{PBKDF2}}10000$c2FsdHNhbHRzYWx0c2FsdA=$${key44}"), None),
        ("{PBKDF2}12345$c2FsdA==$a2V5".into(), None),
        (format!("{{PBKDF2}}500000${SALT16}${key44}"), None),
        (bcrypt('a', "13"), None),
        ("{SHA}anything".into(), None),
        ("plain".into(), None),
        ("".into(), None),
    ];
    for (hash, expected) in rows {
        assert_eq!(verifier(&hash), expected, "{hash}");
    }
}

#[test]
fn new_hashes_are_read_back_as_the_configured_hasher() {
    let format = new_hash_format();
    assert_eq!(format, json!({"kind":"pbkdf2","cost":10000,"prefix":"{PBKDF2}10000$","salt_bytes":32,"key_bits":256}));
    let made = format!("{}{}${}", format["prefix"].as_str().unwrap(), b64(32), STANDARD.encode([9u8; 32]));
    assert_eq!(describe(&made), Ok(Described::Verifiable(NEW_HASH)));
    assert_eq!(verifier(&made).map(|v| v["key_bits"].clone()), Some(format["key_bits"].clone()));
}

#[test]
fn new_hashes_are_written_and_keys_compared_by_the_core() {
    let (salt, key) = ([1u8; 32], [2u8; 32]);
    let hash = new_hash(&salt, &key).unwrap();
    assert_eq!(hash, format!("{{PBKDF2}}10000${}${}", STANDARD.encode(salt), STANDARD.encode(key)));
    let read = verifier(&hash).unwrap();
    assert_eq!(
        (read["salt"].as_str(), read["key"].as_str()),
        (Some(STANDARD.encode(salt).as_str()), Some(STANDARD.encode(key).as_str()))
    );
    assert!(key_matches(&hash, &key));
    assert_eq!(salt_of(&hash), Some(salt.to_vec()));
    assert_eq!(salt_of(&bcrypt('a', "10")), None);
    assert!(!key_matches(&hash, &[3u8; 32]));
    assert!(!key_matches(&hash, &key[..31]));
    // Only what the format says: other lengths are the host's mistake.
    assert_eq!(new_hash(&salt[..31], &key), None);
    assert_eq!(new_hash(&salt, &[2u8; 64]), None);
    // As ES: the canonical base64 of the key against the stored text, so an unpadded one never matches.
    let unpadded = hash.trim_end_matches('=');
    assert!(verifier(unpadded).is_some());
    assert!(!key_matches(unpadded, &key));
    // A hash that is not PBKDF2 (or not readable) matches no key.
    assert!(!key_matches(&bcrypt('a', "10"), &key));
    assert!(!key_matches("", &[]));
    assert!(constant_time_equal(b"abc", b"abc"));
    assert!(!constant_time_equal(b"abc", b"abd"));
    assert!(!constant_time_equal(b"abc", b"abcd"));
}
