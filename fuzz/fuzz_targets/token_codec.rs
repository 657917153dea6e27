//! The token codec (§4.1, §4.2): decoding arbitrary client strings, round trips, and the
//! superseding pair derived from any token and any stored salt, either way it can be derived.
#![no_main]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use edge_token::codec::{decode_salt, encode_salt, RawToken, TokenPair, TOKEN_LEN, TOKEN_VERSION};
use edge_token::superseding::{Derivation, TokenSecret};
use libfuzzer_sys::fuzz_target;

/// An independent writer of Elasticsearch's VInt, to cross-check the codec's reader.
fn vint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Everything that must hold for a token the codec accepted.
fn check_token(token: &RawToken) {
    let encoded = token.encode();
    let again = RawToken::decode(&encoded);
    assert_eq!(again.as_ref(), Some(token), "decode(encode(t)) != t");
    let again = again.unwrap_or_else(|| token.clone());
    assert_eq!(again.encode(), encoded, "encode is not canonical");
    assert_eq!(token.doc_id(), again.doc_id(), "doc_id is not stable");
    assert_eq!(token.hash(), again.hash(), "hash is not stable");
    assert_eq!(token.doc_id(), token.doc_id());
    assert!(token.doc_id().starts_with("token_"));
    assert!(token.matches_hash(&token.hash()));
    assert!(!token.matches_hash(&token.doc_id()));
    // Missing padding is tolerated, as Java's basic decoder does.
    assert_eq!(RawToken::decode(encoded.trim_end_matches('=')).as_ref(), Some(token));
}

fn check_superseding(token: &RawToken, salt: &[u8]) {
    let Some(secret) = TokenSecret::new("fuzz-token-secret-of-at-least-32-characters") else {
        panic!("the fuzz secret is long enough");
    };
    for derivation in [Derivation::Keyed, Derivation::Unkeyed] {
        check_derivation(token, salt, derivation, &secret);
    }
}

fn check_derivation(token: &RawToken, salt: &[u8], derivation: Derivation, secret: &TokenSecret) {
    let (pair, next_salt) = TokenPair::superseding(token, salt, derivation, secret);
    let (again, next_again) = TokenPair::superseding(token, salt, derivation, secret);
    assert_eq!(pair.access, again.access, "superseding is not deterministic");
    assert_eq!(pair.refresh, again.refresh, "superseding is not deterministic");
    assert_eq!(next_salt, next_again, "superseding salt is not deterministic");
    let Some(refresh) = pair.refresh.as_ref() else {
        panic!("a superseding pair always has a refresh token");
    };
    assert_eq!(pair.access.doc_id(), refresh.doc_id(), "the pair must share one document");
    assert_ne!(pair.access.hash(), refresh.hash());
    assert_ne!(&pair.access, token, "the successor must differ from the token it supersedes");
    check_token(&pair.access);
    check_token(refresh);
    assert_eq!(decode_salt(&encode_salt(&next_salt)).as_deref(), Some(&next_salt[..]));
}

fuzz_target!(|data: &[u8]| {
    // 1. Any client string: decode never panics, and whatever it accepts round-trips.
    let text = String::from_utf8_lossy(data);
    if let Some(token) = RawToken::decode(&text) {
        check_token(&token);
        check_superseding(&token, data);
    }
    // The stored salt is read back from the store: arbitrary text must not panic either.
    if let Some(salt) = decode_salt(&text) {
        assert_eq!(encode_salt(&salt), text, "salt decoding is not canonical");
    }

    // 2. A well-formed encoding built from the input: 24 token bytes, then a version, then
    //    trailing bytes; the codec must accept it exactly when ES would (version >= current,
    //    only zeros after the 24 bytes), and give back the same bytes.
    let Some((bytes, rest)) = data.split_first_chunk::<TOKEN_LEN>() else {
        return;
    };
    let (version, rest) = match rest.split_first_chunk::<4>() {
        Some((v, rest)) => (u32::from_le_bytes(*v), rest),
        None => (TOKEN_VERSION, rest),
    };
    let (trailing, salt) = match rest.split_first() {
        Some((n, salt)) => (usize::from(n % 4), salt),
        None => (0, rest),
    };
    let trailing_byte = salt.first().copied().unwrap_or(0);
    let mut buffer = Vec::new();
    vint(&mut buffer, version);
    vint(&mut buffer, TOKEN_LEN as u32);
    buffer.extend_from_slice(bytes);
    buffer.extend(std::iter::repeat_n(trailing_byte, trailing));
    let should_accept = version >= TOKEN_VERSION && (trailing == 0 || trailing_byte == 0);
    for encoded in [STANDARD.encode(&buffer), STANDARD_NO_PAD.encode(&buffer)] {
        let decoded = RawToken::decode(&encoded);
        assert_eq!(decoded.is_some(), should_accept, "version {version}, {trailing} trailing byte(s) {trailing_byte}");
        if let Some(token) = decoded {
            check_token(&token);
            // The canonical encoding carries the same 24 bytes.
            let mut canonical = Vec::new();
            vint(&mut canonical, TOKEN_VERSION);
            vint(&mut canonical, TOKEN_LEN as u32);
            canonical.extend_from_slice(bytes);
            assert_eq!(token.encode(), STANDARD.encode(&canonical), "encode lost or changed token bytes");
            check_superseding(&token, salt);
        }
    }
});
