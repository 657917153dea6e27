//! Stored password hashes in the formats Elasticsearch's native realm and users file accept, so
//! an operator can bring hashes from an existing cluster:
//!   bcrypt            `$2a$` / `$2b$` / `$2y$`, cost 4..14
//!   `{PBKDF2}`        `{PBKDF2}<iterations>$<b64 salt>$<b64 key>`, PBKDF2-HMAC-SHA512
//!   `{PBKDF2_STRETCH}` the same over the hex SHA-512 of the password
//! This module reads a hash as ES's `Hasher.resolveFromHash` does, with its messages, and says
//! what a verifier needs; the host computes (WebCrypto, bcryptjs). It also owns the format of
//! new hashes ([`NEW_HASH`]), which the host computes from [`new_hash_format`].

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{json, Value};

const PBKDF2_PREFIX: &str = "{PBKDF2}";
const STRETCH_PREFIX: &str = "{PBKDF2_STRETCH}";
/// The iteration counts ES has a hasher for (`Hasher.resolve`): any other count is refused.
const PBKDF2_COSTS: [u32; 6] = [1000, 10000, 50000, 100000, 500000, 1000000];
const PBKDF2_DEFAULT_COST: u32 = 10000;
const BCRYPT_DEFAULT_COST: u32 = 10;
const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=14;
/// ES refuses a PBKDF2 salt shorter than this when verifying.
const MIN_SALT_BYTES: usize = 8;

/// New passwords are hashed as `{PBKDF2}` with 10000 iterations (ES's `pbkdf2` default):
/// WebCrypto derives natively, a few milliseconds of CPU, while bcrypt in plain JavaScript
/// costs tens of milliseconds, more than a Worker's CPU budget allows per request on the
/// smaller plans.
pub const NEW_HASH: Hasher = Hasher { kind: Kind::Pbkdf2, cost: PBKDF2_DEFAULT_COST };
const NEW_SALT_BYTES: usize = 32;
const NEW_KEY_BYTES: usize = 32;

/// Java's basic decoder: the standard alphabet, padding optional, nothing else.
const JAVA_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
const CANONICAL_BASE64: GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bcrypt,
    Pbkdf2,
    Pbkdf2Stretch,
}

impl Kind {
    fn id(self) -> &'static str {
        match self {
            Kind::Bcrypt => "bcrypt",
            Kind::Pbkdf2 => "pbkdf2",
            Kind::Pbkdf2Stretch => "pbkdf2_stretch",
        }
    }
}

/// One of ES's hashers: an algorithm at a cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hasher {
    pub kind: Kind,
    pub cost: u32,
}

impl Hasher {
    /// ES's name for the hasher (`BCRYPT`, `BCRYPT4`, `PBKDF2`, `PBKDF2_STRETCH_1000`, ...).
    pub fn name(&self) -> String {
        let (base, separator, default) = match self.kind {
            Kind::Bcrypt => ("BCRYPT", "", BCRYPT_DEFAULT_COST),
            Kind::Pbkdf2 => ("PBKDF2", "_", PBKDF2_DEFAULT_COST),
            Kind::Pbkdf2Stretch => ("PBKDF2_STRETCH", "_", PBKDF2_DEFAULT_COST),
        };
        if self.cost == default {
            base.to_string()
        } else {
            format!("{base}{separator}{}", self.cost)
        }
    }
}

/// What a stored hash is, as ES's `Hasher.resolveFromHash` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Described {
    /// A hasher this service can verify.
    Verifiable(Hasher),
    /// A hasher ES knows but this service does not store (plain text, SHA1, MD5, SSHA256), by
    /// ES's name.
    Other(&'static str),
}

/// Reads `hash`; `Err` holds ES's message when ES has no hasher for it (`UnsupportedHash`).
pub fn describe(hash: &str) -> Result<Described, String> {
    if ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p)) {
        return describe_bcrypt(hash).map(Described::Verifiable);
    }
    for (prefix, kind) in [(STRETCH_PREFIX, Kind::Pbkdf2Stretch), (PBKDF2_PREFIX, Kind::Pbkdf2)] {
        if let Some(rest) = hash.strip_prefix(prefix) {
            return describe_pbkdf2(rest, kind).map(Described::Verifiable);
        }
    }
    let other = [("{SHA}", "SHA1"), ("{MD5}", "MD5"), ("{SSHA256}", "SSHA256")]
        .iter()
        .find(|(prefix, _)| hash.starts_with(prefix))
        .map_or("NOOP", |(_, name)| name);
    Ok(Described::Other(other))
}

/// `$2x$NN$` and 53 characters of bcrypt's base64.
fn describe_bcrypt(hash: &str) -> Result<Hasher, String> {
    const INVALID: &str = "The provided password hash is not a valid bcrypt hash.";
    let bytes = hash.as_bytes();
    let digits = bytes.get(4..6).filter(|d| d.iter().all(u8::is_ascii_digit));
    let body = bytes
        .get(7..)
        .filter(|b| b.len() == 53 && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'/'));
    let (Some(digits), Some(_), Some(b'$')) = (digits, body, bytes.get(6)) else {
        return Err(INVALID.to_string());
    };
    let cost = digits.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    if !BCRYPT_COSTS.contains(&cost) {
        return Err(format!("unknown hash function [bcrypt{cost}]"));
    }
    Ok(Hasher { kind: Kind::Bcrypt, cost })
}

/// `<iterations>$...` after the prefix: 1 to 9 digits, one of ES's counts.
fn describe_pbkdf2(rest: &str, kind: Kind) -> Result<Hasher, String> {
    let digits = rest.split_once('$').map_or("", |(digits, _)| digits);
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|d| d.is_ascii_digit()) {
        return Err("The number of iterations could not be determined from the provided PBKDF2 hash.".to_string());
    }
    let cost = digits.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    if !PBKDF2_COSTS.contains(&cost) {
        return Err(format!("unknown hash function [{}_{cost}]", kind.id()));
    }
    Ok(Hasher { kind, cost })
}

/// ES's name for the hasher new passwords use, for its "configured hashing algorithm" message.
pub fn configured_hasher() -> String {
    NEW_HASH.name()
}

/// What the host needs to check a password against `hash`, as JSON:
/// `{"kind":"bcrypt","cost"}`, or `{"kind":"pbkdf2"|"pbkdf2_stretch","cost","salt","key",
/// "key_bits"}` with the salt's bytes in canonical base64 and the stored key text. `None` for
/// a hash that can never match (unsupported, another hasher, or a malformed PBKDF2 hash).
pub fn verifier(hash: &str) -> Option<Value> {
    let Ok(Described::Verifiable(hasher)) = describe(hash) else {
        return None;
    };
    if hasher.kind == Kind::Bcrypt {
        return Some(json!({"kind": hasher.kind.id(), "cost": hasher.cost}));
    }
    let prefix = if hasher.kind == Kind::Pbkdf2Stretch { STRETCH_PREFIX } else { PBKDF2_PREFIX };
    let mut parts = hash.get(prefix.len()..)?.split('$');
    let (Some(_), Some(salt), Some(key), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let salt = decode_java_base64(salt).filter(|s| s.len() >= MIN_SALT_BYTES)?;
    let key_bits = key_bits(key).filter(|bits| *bits > 0)?;
    Some(json!({
        "kind": hasher.kind.id(),
        "cost": hasher.cost,
        "salt": CANONICAL_BASE64.encode(salt),
        "key": key,
        "key_bits": key_bits,
    }))
}

/// ES derives the key length from the stored text: (chars * 3 / 64) * 128 bits, a multiple of
/// the HMAC-SHA512 block of 128 bits.
fn key_bits(key: &str) -> Option<usize> {
    Some(key.chars().count().checked_mul(3)? / 64 * 128)
}

/// Strict standard base64 as Java's basic decoder takes it, or `None`.
fn decode_java_base64(text: &str) -> Option<Vec<u8>> {
    JAVA_BASE64.decode(text).ok()
}

/// The format of a new hash, as JSON: the host derives `key_bits` with PBKDF2 `kind` at `cost`
/// over a random salt of `salt_bytes`, and stores `prefix` + base64(salt) + `$` + base64(key).
pub fn new_hash_format() -> Value {
    json!({
        "kind": NEW_HASH.kind.id(),
        "cost": NEW_HASH.cost,
        "prefix": format!("{PBKDF2_PREFIX}{}$", NEW_HASH.cost),
        "salt_bytes": NEW_SALT_BYTES,
        "key_bits": NEW_KEY_BYTES * 8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bcrypt(minor: char, cost: &str) -> String {
        format!("$2{minor}${cost}${}", "a".repeat(53))
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
            (
                format!("$2a$10${}", "!".repeat(53)),
                Err("The provided password hash is not a valid bcrypt hash.".into()),
            ),
            (
                format!("$2a$1x${}", "a".repeat(53)),
                Err("The provided password hash is not a valid bcrypt hash.".into()),
            ),
            (
                format!("$2a$10_{}", "a".repeat(53)),
                Err("The provided password hash is not a valid bcrypt hash.".into()),
            ),
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

    #[test]
    fn verifiers_carry_what_the_host_computes_with() {
        let salt16 = "c2FsdHNhbHRzYWx0c2FsdA=="; // 16 bytes
        let key44 = "A".repeat(44);
        let rows: Vec<(String, Option<Value>)> = vec![
            (bcrypt('y', "05"), Some(json!({"kind":"bcrypt","cost":5}))),
            (
                format!("{{PBKDF2}}10000${salt16}${key44}"),
                Some(json!({"kind":"pbkdf2","cost":10000,"salt":salt16,"key":key44,"key_bits":256})),
            ),
            // Padding is optional, as for Java's decoder; the salt comes back canonical.
            (
                format!("{{PBKDF2_STRETCH}}1000$c2FsdHNhbHRzYWx0c2FsdA${}", "B".repeat(88)),
                Some(json!({"kind":"pbkdf2_stretch","cost":1000,"salt":salt16,"key":"B".repeat(88),"key_bits":512})),
            ),
            // 22 characters: floor(66 / 64) blocks of 128 bits.
            (
                format!("{{PBKDF2}}1000${salt16}${}", "C".repeat(22)),
                Some(json!({"kind":"pbkdf2","cost":1000,"salt":salt16,"key":"C".repeat(22),"key_bits":128})),
            ),
            ("{PBKDF2}10000$not base64$AAAA".into(), None),
            (format!("{{PBKDF2}}10000$c2FsdA==${key44}"), None), // 4-byte salt, ES's minimum is 8
            ("{PBKDF2}10000$only-two-parts".into(), None),
            (format!("{{PBKDF2}}10000${salt16}${key44}$extra"), None),
            (format!("{{PBKDF2}}10000${salt16}${}", "A".repeat(20)), None), // under one block
            (format!("{{PBKDF2}}10000$c2FsdHNhbHRzYWx0c2FsdA=$${key44}"), None),
            ("{PBKDF2}12345$c2FsdA==$a2V5".into(), None),
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
        assert_eq!(
            format,
            json!({"kind":"pbkdf2","cost":10000,"prefix":"{PBKDF2}10000$","salt_bytes":32,"key_bits":256})
        );
        let made = format!(
            "{}{}${}",
            format["prefix"].as_str().unwrap_or(""),
            CANONICAL_BASE64.encode([7u8; NEW_SALT_BYTES]),
            CANONICAL_BASE64.encode([9u8; NEW_KEY_BYTES])
        );
        assert_eq!(describe(&made), Ok(Described::Verifiable(NEW_HASH)));
        assert_eq!(verifier(&made).map(|v| v["key_bits"].clone()), Some(format["key_bits"].clone()));
    }
}
