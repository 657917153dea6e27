//! The token codec: how tokens are generated, encoded for clients and hashed for storage.
//!
//! Current Elasticsearch format (§4.1, §4.2): an access token is 24 random bytes (16 bytes plus
//! an 8-byte suffix shared with its refresh token); the client sees standard Base64 of
//! `VInt(version) VInt(24) bytes`. The store only ever sees SHA-256 hashes.

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::owner_tag::NAME_DIGEST_LEN;
pub use crate::owner_tag::{OwnerTag, OWNER_TAG_LEN};

/// Transport version written into new tokens: the first ES version with this format.
pub const TOKEN_VERSION: u32 = 8_500_035;
pub const TOKEN_LEN: usize = 24;
pub(crate) const RANDOM_LEN: usize = 16;
pub(crate) const SUFFIX_LEN: usize = 8;
pub const SALT_LEN: usize = 16;
/// A SHA-256 in base64url without padding.
const HASH_TEXT_LEN: usize = 43;
const DOC_ID_LEN: usize = "token_".len() + HASH_TEXT_LEN;
/// Longer strings are rejected before decoding, so a 10 KB "token" costs nothing.
const MAX_ENCODED_LEN: usize = 256;

/// Java's basic decoder accepts Base64 with or without padding; so do we.
const CLIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The 24 secret bytes of an access or refresh token, and the owner tag it was presented with
/// (tokens issued before the tag have none). Two tokens are equal when their bytes are: the tag
/// only names keys, it never identifies or authenticates a token.
#[derive(Clone)]
pub struct RawToken([u8; TOKEN_LEN], Option<OwnerTag>);

impl PartialEq for RawToken {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for RawToken {}
impl std::fmt::Debug for RawToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawToken(<redacted>)")
    }
}

impl RawToken {
    /// A token of 16 random bytes (more are ignored) and an 8-byte suffix.
    pub(crate) fn from_parts(random: &[u8], suffix: &[u8]) -> Self {
        let mut bytes = [0u8; TOKEN_LEN];
        for (slot, byte) in bytes.iter_mut().zip(random.iter().take(RANDOM_LEN).chain(suffix.iter())) {
            *slot = *byte;
        }
        RawToken(bytes, None)
    }

    /// This token as it is handed out with its owner's tag.
    pub fn tagged(mut self, tag: OwnerTag) -> RawToken {
        self.1 = Some(tag);
        self
    }

    /// The owner tag the token was presented with, if any.
    pub fn owner_tag(&self) -> Option<&OwnerTag> {
        self.1.as_ref()
    }

    /// The 24 bytes, for deriving from them (never for printing).
    pub(crate) fn bytes(&self) -> &[u8; TOKEN_LEN] {
        &self.0
    }

    fn suffix(&self) -> &[u8] {
        self.0.get(RANDOM_LEN..).unwrap_or_default()
    }

    /// The id of the document that holds this token (and its pair): `token_` + hash of suffix.
    pub fn doc_id(&self) -> String {
        let mut id = String::with_capacity(DOC_ID_LEN);
        id.push_str("token_");
        URL_SAFE_NO_PAD.encode_string(Sha256::digest(self.suffix()), &mut id);
        id
    }

    /// What the store keeps instead of the token.
    pub fn hash(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0))
    }

    /// Whether `stored_hash` is this token's hash, compared in constant time (as text, as
    /// stored, encoded on the stack).
    pub fn matches_hash(&self, stored_hash: &str) -> bool {
        let mut text = [0u8; HASH_TEXT_LEN];
        let written = URL_SAFE_NO_PAD.encode_slice(Sha256::digest(self.0), &mut text).unwrap_or(0);
        written == HASH_TEXT_LEN && bool::from(text.as_slice().ct_eq(stored_hash.as_bytes()))
    }

    /// The opaque string handed to clients: ES's format, then the owner tag if there is one.
    pub fn encode(&self) -> String {
        let mut buffer = Vec::with_capacity(TOKEN_LEN + OWNER_TAG_LEN + 6);
        write_vint(&mut buffer, TOKEN_VERSION);
        write_vint(&mut buffer, TOKEN_LEN as u32);
        buffer.extend_from_slice(&self.0);
        if let Some(tag) = &self.1 {
            buffer.extend_from_slice(tag.bytes());
        }
        CLIENT_BASE64.encode(buffer)
    }

    /// Parses a client string; `None` for anything that is not a current-format token.
    pub fn decode(text: &str) -> Option<RawToken> {
        match PresentedToken::access(text) {
            PresentedToken::Current(token) => Some(token),
            _ => None,
        }
    }

    /// What follows the version of a current-format token: `VInt(24)`, the bytes, and either
    /// an owner tag or nothing.
    fn decode_body(mut rest: &[u8]) -> Option<RawToken> {
        if read_vint(&mut rest)? as usize != TOKEN_LEN {
            return None;
        }
        let body = rest.get(..TOKEN_LEN)?;
        let token = RawToken::from_parts(body, body.get(RANDOM_LEN..)?);
        let after = rest.get(TOKEN_LEN..)?;
        // ES may emit its buffer's backing array, so trailing zero bytes are tolerated.
        if after.iter().all(|b| *b == 0) {
            return Some(token);
        }
        let tag: [u8; OWNER_TAG_LEN] = after.try_into().ok()?;
        Some(token.tagged(OwnerTag::from_bytes(tag)))
    }
}

/// A token string as ES's `TokenService` reads it (§4.2), before any document is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresentedToken {
    /// The format of ES 8.10 on, the only one edge-token issues.
    Current(RawToken),
    /// A well-formed token of ES 7.2 to 8.9 (a version and a 22-character id), or an unversioned
    /// 22-character refresh token: ES looks its document up; edge-token never stored one.
    Legacy,
    /// Anything ES gives up on before looking a document up: not Base64, too short, a version
    /// before 7.2 (encrypted with a key of the cluster that issued it), a bad length.
    Unknown,
}

impl PresentedToken {
    /// An access token, as ES's `decodeToken` reads it.
    pub fn access(text: &str) -> PresentedToken {
        Self::read(text, |rest, chars_left| {
            // ES asks for MINIMUM_BYTES more of the Base64 stream, then reads a string of any length.
            (chars_left >= LEGACY_MIN_CHARS && read_java_string(rest).is_some()).then_some(PresentedToken::Legacy)
        })
    }

    /// A refresh token, as ES's `findTokenFromRefreshToken` reads it: 22 characters are an
    /// unversioned token; a versioned one must hold a 22-character string.
    pub fn refresh(text: &str) -> PresentedToken {
        if text.encode_utf16().count() == LEGACY_ID_LEN {
            return PresentedToken::Legacy;
        }
        Self::read(text, |rest, _| (read_java_string(rest) == Some(LEGACY_ID_LEN)).then_some(PresentedToken::Legacy))
    }

    /// The version, then the current format or `legacy(rest, base64 characters left)`.
    fn read(text: &str, legacy: impl FnOnce(&mut &[u8], usize) -> Option<PresentedToken>) -> PresentedToken {
        if text.len() > MAX_ENCODED_LEN {
            return PresentedToken::Unknown;
        }
        // Decoded on the stack: a check decodes the token twice and needs no allocation for it.
        let mut buffer = [0u8; MAX_ENCODED_LEN / 4 * 3];
        let Some(bytes) = CLIENT_BASE64.decode_slice(text, &mut buffer).ok().and_then(|n| buffer.get(..n)) else {
            return PresentedToken::Unknown;
        };
        let mut rest = bytes;
        let Some(version) = read_vint(&mut rest) else {
            return PresentedToken::Unknown;
        };
        let found = if version >= TOKEN_VERSION {
            RawToken::decode_body(rest).map(PresentedToken::Current)
        } else if version >= VERSION_HASHED_TOKENS {
            // A streaming decoder has used at least this many characters to give the version.
            let used = (bytes.len() - rest.len()) * 8;
            legacy(&mut rest, text.trim_end_matches('=').len().saturating_sub(used.div_ceil(6)))
        } else {
            None
        };
        found.unwrap_or(PresentedToken::Unknown)
    }
}

/// The transport version of ES 7.2.0, the first whose tokens are ids rather than ciphertext.
const VERSION_HASHED_TOKENS: u32 = 7_020_099;
/// The length of the ids ES 7.2 to 8.9 issued (a Base64url UUID).
const LEGACY_ID_LEN: usize = 22;
/// ES's MINIMUM_BYTES for such a token (4 + 22 + 1), compared with what is left of the stream.
const LEGACY_MIN_CHARS: usize = 27;

/// Java's `StreamInput.readString`: a `VInt` count of UTF-16 units, each in one to three
/// bytes; the count, or `None` where ES's reader throws.
fn read_java_string(input: &mut &[u8]) -> Option<usize> {
    let count = read_vint(input)? as usize;
    for _ in 0..count {
        let (lead, rest) = input.split_first()?;
        let width = match lead >> 4 {
            0..=7 => 1,
            12 | 13 => 2,
            14 => 3,
            _ => return None,
        };
        *input = rest.get(width - 1..)?;
    }
    Some(count)
}

/// An access token and, except for client_credentials, its refresh token (same suffix).
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access: RawToken,
    pub refresh: Option<RawToken>,
}

/// Fills `buf` from the platform CSPRNG (`crypto.getRandomValues` in wasm).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| format!("no secure random source: {e}"))?;
    Ok(buf)
}

impl TokenPair {
    pub fn generate(with_refresh: bool) -> Result<TokenPair, String> {
        let access: [u8; TOKEN_LEN] = random_bytes()?;
        let refresh = if with_refresh {
            let random: [u8; RANDOM_LEN] = random_bytes()?;
            Some(RawToken::from_parts(&random, access.get(RANDOM_LEN..).unwrap_or_default()))
        } else {
            None
        };
        Ok(TokenPair { access: RawToken(access, None), refresh })
    }

    /// The pair as it is handed out, both tokens carrying their owner's tag.
    pub fn tagged(self, tag: OwnerTag) -> TokenPair {
        TokenPair { access: self.access.tagged(tag), refresh: self.refresh.map(|r| r.tagged(tag)) }
    }
}

pub fn encode_salt(salt: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(salt)
}

pub fn decode_salt(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A short, fixed-length, separator-free stand-in for a realm or user name inside a key.
pub fn name_digest(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.get(..NAME_DIGEST_LEN).unwrap_or_default())
}

/// Elasticsearch's variable-length int: 7 bits a byte, low groups first.
fn write_vint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_vint(input: &mut &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    for shift in [0u32, 7, 14, 21, 28] {
        let (byte, rest) = input.split_first()?;
        *input = rest;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_round_trip_and_share_a_suffix() {
        let pair = TokenPair::generate(true).unwrap();
        let refresh = pair.refresh.clone().unwrap();
        let decoded = RawToken::decode(&pair.access.encode()).unwrap();
        assert_eq!(decoded, pair.access);
        assert_eq!(pair.access.doc_id(), refresh.doc_id());
        assert_ne!(pair.access.hash(), refresh.hash());
        assert!(pair.access.matches_hash(&pair.access.hash()));
        assert!(!pair.access.matches_hash(&refresh.hash()));
    }

    #[test]
    fn encoding_is_version_length_bytes_in_standard_base64() {
        let token = RawToken([7u8; TOKEN_LEN], None);
        let bytes = CLIENT_BASE64.decode(token.encode()).unwrap();
        // 8_500_035 as a VInt is four bytes; then the length 24; then the token.
        assert_eq!(&bytes[..5], &[0xc3, 0xe6, 0x86, 0x04, 24]);
        assert_eq!(&bytes[5..], &[7u8; TOKEN_LEN]);
        assert!(token.encode().ends_with('='));
    }

    #[test]
    fn decode_rejects_everything_that_is_not_a_current_token() {
        let good = RawToken([9u8; TOKEN_LEN], None);
        let mut trailing_garbage = CLIENT_BASE64.decode(good.encode()).unwrap();
        trailing_garbage.push(1);
        let mut old_version = vec![];
        write_vint(&mut old_version, 7_020_099);
        write_vint(&mut old_version, 24);
        old_version.extend_from_slice(&[1u8; 24]);
        let cases = [
            String::new(),
            "not base64 !!".into(),
            "dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu".into(),
            CLIENT_BASE64.encode(trailing_garbage),
            CLIENT_BASE64.encode(old_version),
            CLIENT_BASE64.encode([0xffu8; 40]),
            "A".repeat(10_000),
            "vLBPvmAB6KvwvJZr27cS".into(),
        ];
        for case in cases {
            assert!(RawToken::decode(&case).is_none(), "{case:.40}");
        }
    }

    #[test]
    fn decode_tolerates_missing_padding_and_trailing_zeros() {
        let good = RawToken([3u8; TOKEN_LEN], None);
        assert!(RawToken::decode(good.encode().trim_end_matches('=')).is_some());
        let mut padded = CLIENT_BASE64.decode(good.encode()).unwrap();
        padded.extend_from_slice(&[0, 0, 0]);
        assert_eq!(RawToken::decode(&CLIENT_BASE64.encode(padded)), Some(good));
    }

    #[test]
    fn tokens_of_es_7_2_to_8_9_are_legacy_and_older_ones_unknown() {
        let legacy = |version: u32, id: &str| {
            let mut bytes = vec![];
            write_vint(&mut bytes, version);
            write_vint(&mut bytes, id.len() as u32);
            bytes.extend_from_slice(id.as_bytes());
            CLIENT_BASE64.encode(bytes)
        };
        let id = "35GOegX8TPqhcxtw5joNeA";
        assert_eq!(legacy(8_000_099, id), "46ToAxYzNUdPZWdYOFRQcWhjeHR3NWpvTmVB");
        for version in [7_020_099, 8_090_099, 8_499_999] {
            assert_eq!(PresentedToken::access(&legacy(version, id)), PresentedToken::Legacy);
            assert_eq!(PresentedToken::refresh(&legacy(version, id)), PresentedToken::Legacy);
        }
        assert_eq!(PresentedToken::access(&legacy(7_010_099, id)), PresentedToken::Unknown);
        assert_eq!(PresentedToken::refresh(id), PresentedToken::Legacy);
        assert_eq!(PresentedToken::refresh(&legacy(8_000_099, &"x".repeat(23))), PresentedToken::Unknown);
        assert_eq!(PresentedToken::access(&legacy(8_000_099, &"x".repeat(23))), PresentedToken::Legacy);
        // 27 characters must follow the six the version used: a 19-character id leaves 26.
        assert_eq!(PresentedToken::access(&legacy(8_000_099, &"x".repeat(19))), PresentedToken::Unknown);
        assert_eq!(PresentedToken::access(&legacy(8_000_099, &"x".repeat(20))), PresentedToken::Legacy);
        let current = RawToken([5u8; TOKEN_LEN], None);
        assert_eq!(PresentedToken::refresh(&current.encode()), PresentedToken::Current(current));
    }

    #[test]
    fn a_tag_rides_after_the_bytes_and_names_the_owners_keys() {
        let tag = OwnerTag::of("default_native", "alice");
        let token = RawToken([4u8; TOKEN_LEN], None).tagged(tag);
        let decoded = RawToken::decode(&token.encode()).unwrap();
        assert_eq!(decoded.owner_tag(), Some(&tag));
        assert_eq!(decoded, RawToken([4u8; TOKEN_LEN], None));
        assert_eq!(decoded.doc_id(), RawToken([4u8; TOKEN_LEN], None).doc_id());
        // Only a whole tag is read as one: a byte more or less is not a token.
        let bytes = CLIENT_BASE64.decode(token.encode()).unwrap();
        for cut in [&bytes[..bytes.len() - 1], &[bytes.as_slice(), &[1]].concat()[..]] {
            assert!(RawToken::decode(&CLIENT_BASE64.encode(cut)).is_none());
        }
        // Untagged tokens (and their trailing zeros) still decode, with no tag.
        let untagged = RawToken::decode(&RawToken([4u8; TOKEN_LEN], None).encode()).unwrap();
        assert_eq!(untagged.owner_tag(), None);
    }

    #[test]
    fn debug_output_never_shows_token_bytes() {
        let pair = TokenPair::generate(true).unwrap();
        assert_eq!(format!("{:?}", pair.access), "RawToken(<redacted>)");
    }
}
