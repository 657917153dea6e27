//! Stored password hashes in the formats Elasticsearch's native realm and users file accept, so
//! an operator can bring hashes from an existing cluster:
//!   bcrypt            `$2a$` / `$2b$` / `$2y$`
//!   `{PBKDF2}`        `{PBKDF2}<iterations>$<b64 salt>$<b64 key>`, PBKDF2-HMAC-SHA512
//!   `{PBKDF2_STRETCH}` the same over the hex SHA-512 of the password
//! This module reads a hash as ES's `Hasher.resolveFromHash` does, with its messages ([`describe`]),
//! bounds what verifying it may cost ([`check`]) and says what a verifier needs; the host
//! computes (WebCrypto, bcryptjs). It also owns the format of new hashes ([`NEW_HASH`]), which
//! the host computes from [`new_hash_format`] and hands back as bytes ([`new_hash`]), and the
//! comparison of a derived key with a stored hash, in constant time ([`key_matches`]).
//!
//! Bounds: a hash is verified on every Basic login, on the request's CPU, and its cost comes from
//! the hash itself: unbounded, one imported user could make each of their logins (and each guess
//! at their password) cost seconds, and stand out by its timing. So only hashes between ES's own
//! minimums and a few times this service's default cost are taken, and a stored one outside them
//! never matches (see `docs/service.md`).

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

const PBKDF2_PREFIX: &str = "{PBKDF2}";
const STRETCH_PREFIX: &str = "{PBKDF2_STRETCH}";
/// The iteration counts ES has a hasher for (`Hasher.resolve`): any other count is ES's
/// "unknown hash function".
const PBKDF2_COSTS: [u32; 6] = [1000, 10000, 50000, 100000, 500000, 1000000];
const PBKDF2_DEFAULT_COST: u32 = 10000;
/// The iterations verified here: ES's set from its lowest, 1000, up to 100000, ten times the
/// default and workerd's own WebCrypto limit (it refuses PBKDF2 above 100000 iterations).
const PBKDF2_VERIFIED: std::ops::RangeInclusive<u32> = 1000..=100_000;
const BCRYPT_DEFAULT_COST: u32 = 10;
/// ES's bcrypt hashers, `BCRYPT4` to `BCRYPT14`: any other cost is ES's "unknown hash function".
const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=14;
/// The bcrypt costs verified here: ES's from its lowest, 4, up to 12, 2^2 = 4 times the
/// default 10 (bcrypt doubles its work per cost step; cost 10 is about 100 ms in bcryptjs).
const BCRYPT_VERIFIED: std::ops::RangeInclusive<u32> = 4..=12;
/// ES refuses a PBKDF2 salt shorter than this when verifying (`PBKDF2_MIN_SALT_LENGTH_IN_BYTES`).
const MIN_SALT_BYTES: usize = 8;
/// The salt ES makes (`generateSalt(32)` in `Hasher.getPbkdf2Hash`); no longer one is taken.
const MAX_SALT_BYTES: usize = 32;
/// ES's PBKDF2 key is a whole number of 128-bit blocks (`HMAC_SHA512_BLOCK_SIZE_IN_BITS`),
/// read from the stored text's length, at least one.
const KEY_BLOCK_BITS: usize = 128;
/// The key ES makes (`PBKDF2_KEY_LENGTH`, 256 bits); no longer one is taken: ES reads the
/// length from the text, so an unbounded text would be an unbounded derivation.
const MAX_KEY_BITS: usize = 256;
const INVALID_PBKDF2: &str = "The provided password hash is not a valid PBKDF2 hash.";

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

    /// The WebCrypto digest ES's stretch runs the password through before PBKDF2, whose
    /// lower-case hex is then PBKDF2's password (`PBKDF2_STRETCH`: SHA-512).
    fn prehash(self) -> Option<&'static str> {
        (self == Kind::Pbkdf2Stretch).then_some("SHA-512")
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
/// "key_bits"}` with the salt's bytes in canonical base64 and the stored key text, and for
/// `pbkdf2_stretch` its `"prehash"` (a digest name, [`Kind::prehash`]). `None` for
/// a hash that can never match, or that [`check`] refuses: such a hash fails closed, never
/// verified at its cost.
pub fn verifier(hash: &str) -> Option<Value> {
    check(hash).ok()
}

/// [`verifier`]'s answer for a hash this service takes, or why it does not, in ES's words where
/// ES has them: its "unknown hash function" and "configured hashing algorithm" messages, and
/// those of its PBKDF2 verification for a short salt or a key that is not whole blocks; for the
/// bounds ES does not have, messages in the same form.
pub fn check(hash: &str) -> Result<Value, String> {
    let hasher = match describe(hash)? {
        Described::Verifiable(hasher) => hasher,
        Described::Other(name) => {
            return Err(format!(
                "Provided password hash uses [{name}] but the configured hashing algorithm is [{}]",
                configured_hasher()
            ))
        }
    };
    check_cost(hasher)?;
    if hasher.kind == Kind::Bcrypt {
        return Ok(json!({"kind": hasher.kind.id(), "cost": hasher.cost}));
    }
    pbkdf2_verifier(hash, hasher)
}

/// A PBKDF2 hash's salt and key, within ES's minimums and what ES makes.
fn pbkdf2_verifier(hash: &str, hasher: Hasher) -> Result<Value, String> {
    let prefix = if hasher.kind == Kind::Pbkdf2Stretch { STRETCH_PREFIX } else { PBKDF2_PREFIX };
    let mut parts = hash.get(prefix.len()..).unwrap_or_default().split('$');
    let (Some(_), Some(salt), Some(key), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(INVALID_PBKDF2.to_string());
    };
    let salt = decode_java_base64(salt).ok_or(INVALID_PBKDF2)?;
    if salt.len() < MIN_SALT_BYTES {
        return Err(format!("PBKDF2 salt must be at least [{MIN_SALT_BYTES} bytes] long"));
    }
    if salt.len() > MAX_SALT_BYTES {
        return Err(format!("PBKDF2 salt must be at most [{MAX_SALT_BYTES} bytes] long"));
    }
    let key_bits = key_bits(key);
    if key_bits == 0 {
        return Err(format!("PBKDF2 key length must be positive and multiple of [{KEY_BLOCK_BITS} bits]"));
    }
    if key_bits > MAX_KEY_BITS {
        return Err(format!("PBKDF2 key length must be at most [{MAX_KEY_BITS} bits]"));
    }
    let mut verifier = json!({
        "kind": hasher.kind.id(),
        "cost": hasher.cost,
        "salt": CANONICAL_BASE64.encode(salt),
        "key": key,
        "key_bits": key_bits,
    });
    if let (Some(prehash), Some(fields)) = (hasher.kind.prehash(), verifier.as_object_mut()) {
        fields.insert("prehash".into(), prehash.into());
    }
    Ok(verifier)
}

/// A hasher ES knows, at a cost above this service's bounds, is refused by its ES name.
fn check_cost(hasher: Hasher) -> Result<(), String> {
    let (verified, what) = match hasher.kind {
        Kind::Bcrypt => (&BCRYPT_VERIFIED, "bcrypt costs"),
        Kind::Pbkdf2 | Kind::Pbkdf2Stretch => (&PBKDF2_VERIFIED, "PBKDF2 iterations"),
    };
    if verified.contains(&hasher.cost) {
        return Ok(());
    }
    Err(format!(
        "Provided password hash uses [{}] but this service verifies {what} [{}] to [{}] only",
        hasher.name(),
        verified.start(),
        verified.end()
    ))
}

/// ES derives the key length from the stored text: (chars * 3 / 64) * 128 bits, a multiple of
/// the HMAC-SHA512 block of 128 bits. Counted no further than 256 characters (1536 bits, far
/// past the bound), so a long text costs no more to read than a short one.
fn key_bits(key: &str) -> usize {
    let chars = key.chars().take(MAX_KEY_BITS).count();
    chars * 3 / 64 * KEY_BLOCK_BITS
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

/// The new hash of a salt and key the host derived as [`new_hash_format`] says:
/// `{PBKDF2}<cost>$` + base64(salt) + `$` + base64(key); `None` for bytes of other lengths.
pub fn new_hash(salt: &[u8], key: &[u8]) -> Option<String> {
    if salt.len() != NEW_SALT_BYTES || key.len() != NEW_KEY_BYTES {
        return None;
    }
    Some(format!("{PBKDF2_PREFIX}{}${}${}", NEW_HASH.cost, CANONICAL_BASE64.encode(salt), CANONICAL_BASE64.encode(key)))
}

/// The salt of a PBKDF2 hash this service verifies, as bytes for the host's derivation.
pub fn salt(hash: &str) -> Option<Vec<u8>> {
    let verifier = verifier(hash)?;
    CANONICAL_BASE64.decode(verifier.get("salt")?.as_str()?).ok()
}

/// Whether `derived`, the key the host derived with `hash`'s [`verifier`], is the key `hash`
/// stores. ES compares the key's canonical base64 with the stored text (`Hasher.verifyPbkdf2Hash`,
/// `CharArrays.constantTimeEquals`), so a stored key in another spelling (no padding) never
/// matches; in constant time, so the time does not tell how much of a guess matched.
pub fn key_matches(hash: &str, derived: &[u8]) -> bool {
    let Some(key) = verifier(hash).and_then(|v| v.get("key").and_then(Value::as_str).map(str::to_owned)) else {
        return false;
    };
    constant_time_equal(CANONICAL_BASE64.encode(derived).as_bytes(), key.as_bytes())
}

/// Two byte strings compared without an early exit on their contents (a different length is
/// unequal at once: lengths are not secret here).
pub fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
