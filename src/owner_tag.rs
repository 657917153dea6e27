//! The owner tag a token string carries after ES's bytes (docs/storage-schema.md): the
//! digests of its owner's realm and user, as its keys are named, so that a check reads the
//! document, its invalidation keys and its watermarks in one bulk get.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The digests of a token's realm and user as its keys name them ([`name_digest`]), carried
/// after the token bytes so that a check reads the document, its invalidation keys and its
/// watermarks in one bulk get (docs/storage-schema.md). Never trusted: a check compares it with
/// the document's owner before using what it named.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OwnerTag([u8; OWNER_TAG_LEN]);

/// The digests of names in keys: the first 16 bytes of SHA-256 (`codec::name_digest`).
pub(crate) const NAME_DIGEST_LEN: usize = 16;
pub const OWNER_TAG_LEN: usize = 2 * NAME_DIGEST_LEN;

impl OwnerTag {
    pub fn of(realm: &str, user: &str) -> OwnerTag {
        let mut tag = [0u8; OWNER_TAG_LEN];
        let digests = Sha256::digest(realm.as_bytes()).into_iter().take(NAME_DIGEST_LEN);
        let digests = digests.chain(Sha256::digest(user.as_bytes()).into_iter().take(NAME_DIGEST_LEN));
        for (slot, byte) in tag.iter_mut().zip(digests) {
            *slot = byte;
        }
        OwnerTag(tag)
    }

    pub(crate) fn from_bytes(bytes: [u8; OWNER_TAG_LEN]) -> OwnerTag {
        OwnerTag(bytes)
    }

    /// The bytes a token string carries after ES's.
    pub(crate) fn bytes(&self) -> &[u8; OWNER_TAG_LEN] {
        &self.0
    }

    /// As a document stores it: base64url, 43 characters.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_text(text: &str) -> Option<OwnerTag> {
        let mut tag = [0u8; OWNER_TAG_LEN];
        (URL_SAFE_NO_PAD.decode_slice(text, &mut tag).ok()? == OWNER_TAG_LEN).then_some(OwnerTag(tag))
    }

    /// The realm's and the user's digests as keys spell them.
    pub fn digests(&self) -> (String, String) {
        let (realm, user) = self.0.split_at(NAME_DIGEST_LEN);
        (URL_SAFE_NO_PAD.encode(realm), URL_SAFE_NO_PAD.encode(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::name_digest;

    #[test]
    fn the_tag_holds_the_key_digests_and_round_trips_as_text() {
        let tag = OwnerTag::of("default_native", "alice");
        assert_eq!(tag.digests(), (name_digest("default_native"), name_digest("alice")));
        assert_eq!(OwnerTag::from_text(&tag.to_text()), Some(tag));
        assert_eq!(OwnerTag::from_text(&tag.to_text()[1..]), None);
        assert_eq!(OwnerTag::from_text(&format!("{}A", tag.to_text())), None);
    }
}
