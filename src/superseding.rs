//! The pair that supersedes a refreshed token, derived instead of stored.
//!
//! Elasticsearch stores the superseding pair encrypted under a key derived from the refresh
//! token (§4.3). Here the pair is derived again on every refresh of one token: concurrent
//! refreshes, replays within 30 s and refreshes racing across locations all get the same pair
//! without the store holding it (docs/storage-schema.md, "Refresh without storing tokens").
//! The derivation is keyed by the service's secret (`TOKEN_SECRET`) as well as the refresh token:
//! the store holds neither, so a read of the store together with one refresh token does not let
//! anyone compute the next generations of that token's chain (docs/threat-model.md).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::codec::{RawToken, TokenPair, RANDOM_LEN, SALT_LEN, SUFFIX_LEN};

/// The shortest secret accepted, in characters: 32 random characters hold more than 128 bits.
pub const MIN_SECRET_CHARS: usize = 32;

/// The service's `TOKEN_SECRET`, the key of every superseding pair. Debug output never shows
/// it, and nothing that renders a reply or a log line reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(Vec<u8>);

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

impl TokenSecret {
    /// `None` for a secret shorter than [`MIN_SECRET_CHARS`] characters.
    pub fn new(text: &str) -> Option<TokenSecret> {
        (text.chars().count() >= MIN_SECRET_CHARS).then(|| TokenSecret(text.as_bytes().to_vec()))
    }
}

/// How a document's superseding pair is derived. The first refresh records which one it used
/// (as [`Derivation::stored`]), so that a replay within 30 s re-derives the pair that refresh
/// answered, also for documents refreshed before the keyed derivation existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation {
    /// Keyed by the refresh token alone: what releases before `TOKEN_SECRET` derived. Only
    /// replays of refreshes those releases made still use it.
    Unkeyed,
    /// Keyed by the secret, over the refresh token and the salt: every new refresh.
    Keyed,
}

const KEYED: u64 = 2;

impl Derivation {
    /// The value of the refreshed document's `derivation` field.
    pub fn stored(self) -> Option<u64> {
        match self {
            Derivation::Unkeyed => None,
            Derivation::Keyed => Some(KEYED),
        }
    }

    /// The derivation a refreshed document records; `None` for a value this release does not
    /// know (written by a later one), which it cannot re-derive.
    pub fn from_stored(field: Option<u64>) -> Option<Derivation> {
        match field {
            None => Some(Derivation::Unkeyed),
            Some(KEYED) => Some(Derivation::Keyed),
            Some(_) => None,
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

/// HMAC accepts keys of any length, so `new_from_slice` cannot fail; `None` keeps that
/// impossible case out of the wasm without a panic.
fn mac_keyed_by(key: &[u8]) -> Option<HmacSha256> {
    HmacSha256::new_from_slice(key).ok()
}

/// One 32-byte block of the derivation, `label` 1 or 2.
fn block(old_refresh: &RawToken, salt: &[u8], derivation: Derivation, secret: &TokenSecret, label: u8) -> [u8; 32] {
    let mac = match derivation {
        // Unchanged from the release that introduced it, byte for byte.
        Derivation::Unkeyed => mac_keyed_by(old_refresh.bytes()).map(|mut mac| {
            mac.update(b"edge-token superseding pair v1");
            mac
        }),
        // The refresh token is a fixed 24 bytes and the label the last byte, so the message
        // splits one way only whatever the salt's length.
        Derivation::Keyed => mac_keyed_by(&secret.0).map(|mut mac| {
            mac.update(b"edge-token superseding pair v2");
            mac.update(old_refresh.bytes());
            mac
        }),
    };
    let Some(mut mac) = mac else {
        return [0u8; 32];
    };
    mac.update(salt);
    mac.update(&[label]);
    mac.finalize().into_bytes().into()
}

impl TokenPair {
    /// The pair that supersedes a refreshed token, and the salt of its own document: a pure
    /// function of the old refresh token, the salt stored beside its hash, and (keyed) the
    /// secret, so that every refresh of one token yields one pair.
    pub fn superseding(
        old_refresh: &RawToken,
        salt: &[u8],
        derivation: Derivation,
        secret: &TokenSecret,
    ) -> (TokenPair, [u8; SALT_LEN]) {
        let first = block(old_refresh, salt, derivation, secret, 1);
        let second = block(old_refresh, salt, derivation, secret, 2);
        let access_random = first.get(..RANDOM_LEN).unwrap_or_default();
        let suffix = first.get(RANDOM_LEN..RANDOM_LEN + SUFFIX_LEN).unwrap_or_default();
        let access = RawToken::from_parts(access_random, suffix);
        let refresh = RawToken::from_parts(second.get(..RANDOM_LEN).unwrap_or_default(), suffix);
        let mut next_salt = [0u8; SALT_LEN];
        for (slot, byte) in next_salt.iter_mut().zip(second.iter().skip(RANDOM_LEN)) {
            *slot = *byte;
        }
        (TokenPair { access, refresh: Some(refresh) }, next_salt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> TokenSecret {
        TokenSecret::new(text).unwrap()
    }

    const A: &str = "an-example-secret-of-32-chars-aa";
    const B: &str = "an-example-secret-of-32-chars-bb";

    fn refresh_token() -> RawToken {
        TokenPair::generate(true).unwrap().refresh.unwrap()
    }

    #[test]
    fn secrets_shorter_than_32_characters_are_refused() {
        assert!(TokenSecret::new(&"x".repeat(31)).is_none());
        assert!(TokenSecret::new("").is_none());
        assert!(TokenSecret::new(&"x".repeat(32)).is_some());
        // Characters, not bytes: 31 two-byte characters are still too short.
        assert!(TokenSecret::new(&"é".repeat(31)).is_none());
    }

    #[test]
    fn the_same_token_salt_and_secret_give_the_same_pair() {
        let refresh = refresh_token();
        let (a, salt_a) = TokenPair::superseding(&refresh, b"salt-1", Derivation::Keyed, &secret(A));
        let (b, salt_b) = TokenPair::superseding(&refresh, b"salt-1", Derivation::Keyed, &secret(A));
        assert_eq!((a.access.clone(), a.refresh.clone(), salt_a), (b.access, b.refresh, salt_b));
        assert_eq!(a.access.doc_id(), a.refresh.unwrap().doc_id());
        assert_ne!(a.access.doc_id(), refresh.doc_id());
    }

    #[test]
    fn a_different_secret_salt_or_derivation_gives_a_different_pair() {
        let refresh = refresh_token();
        let (base, base_salt) = TokenPair::superseding(&refresh, b"salt-1", Derivation::Keyed, &secret(A));
        let others = [
            TokenPair::superseding(&refresh, b"salt-1", Derivation::Keyed, &secret(B)),
            TokenPair::superseding(&refresh, b"salt-2", Derivation::Keyed, &secret(A)),
            TokenPair::superseding(&refresh, b"salt-1", Derivation::Unkeyed, &secret(A)),
        ];
        for (other, other_salt) in others {
            assert_ne!(other.access, base.access);
            assert_ne!(other.refresh, base.refresh);
            assert_ne!(other_salt, base_salt);
        }
    }

    #[test]
    fn the_unkeyed_derivation_ignores_the_secret() {
        let refresh = refresh_token();
        let (a, _) = TokenPair::superseding(&refresh, b"salt", Derivation::Unkeyed, &secret(A));
        let (b, _) = TokenPair::superseding(&refresh, b"salt", Derivation::Unkeyed, &secret(B));
        assert_eq!(a.access, b.access);
    }

    #[test]
    fn the_stored_field_round_trips_and_unknown_values_are_refused() {
        for derivation in [Derivation::Unkeyed, Derivation::Keyed] {
            assert_eq!(Derivation::from_stored(derivation.stored()), Some(derivation));
        }
        assert_eq!(Derivation::from_stored(Some(1)), None);
        assert_eq!(Derivation::from_stored(Some(3)), None);
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let shown = format!("{:?}", secret(A));
        assert_eq!(shown, "TokenSecret(<redacted>)");
    }
}
