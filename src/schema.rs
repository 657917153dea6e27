//! The storage schema: which keys exist, what they hold, and when they expire.
//! The reasoning is in `docs/storage-schema.md`; this module is its single implementation.

use serde::Serialize;
use serde_json::{json, Value};

use crate::authentication::{Client, Subject};
use crate::codec::{name_digest, OwnerTag};
use crate::settings::{PURGE_GRACE_MS, REFRESH_LIFETIME_MS};
use crate::store::ttl_until;

/// One token document (ES's `token_<id>` doc, §4.3), under `t:<doc id>`. Read by
/// `token_documents` (its `TokenDocument` impl), not by a derived deserializer (wasm size), and
/// written by `token_text::document_text` (the owner's fields are text: this `Serialize` skips
/// them).
#[derive(Debug, Clone, Serialize)]
pub struct TokenRecord {
    pub creation_time: u64,
    pub access: AccessHalf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<RefreshHalf>,
    #[serde(skip)]
    pub owner: StoredOwner,
}

/// The token's owner as stored: the `_authenticate` fields as JSON text (`user`), kept verbatim
/// so that reading a document never builds the owner's value tree, and the two names the
/// engine files tokens under. Read and written by `token_text`.
#[derive(Debug, Clone)]
pub struct StoredOwner {
    pub username: String,
    pub realm: String,
    /// JSON text, as the document holds it (`token_text` checked it, or serde_json wrote it).
    pub user: String,
    /// The tag its tokens carry ([`OwnerTag::to_text`]), so that a check compares it without
    /// hashing the names again. Absent in documents written before the tag: computed then.
    pub tag: Option<String>,
}

impl StoredOwner {
    pub fn new(subject: &Subject) -> Option<StoredOwner> {
        let user = serde_json::to_string(subject).ok()?;
        let (username, realm) = (subject.username.clone(), subject.realm_name().to_string());
        let tag = Some(OwnerTag::of(&realm, &username).to_text());
        Some(StoredOwner { username, realm, user, tag })
    }

    /// The stored `_authenticate` fields: a JSON value's text.
    pub fn user_json(&self) -> &str {
        &self.user
    }

    /// The realm tokens are filed under: the effective user's (lookup) realm, as ES's
    /// `access_token.realm`.
    pub fn realm_name(&self) -> &str {
        &self.realm
    }

    /// The stored fields without their closing brace, when they are a non-empty object.
    fn open_object(&self) -> Option<&str> {
        let open = self.user.trim().strip_suffix('}')?;
        let inner = open.strip_prefix('{')?;
        (!inner.trim().is_empty()).then_some(open)
    }

    /// The tag of this owner's tokens: as stored, else computed from the two names.
    pub fn owner_tag(&self) -> OwnerTag {
        let stored = self.tag.as_deref().and_then(OwnerTag::from_text);
        stored.unwrap_or_else(|| OwnerTag::of(self.realm_name(), &self.username))
    }

    pub fn is_well_formed(&self) -> bool {
        self.open_object().is_some()
    }

    /// The `_authenticate` body as JSON text: the stored fields and `authentication_type`.
    pub fn authenticate_json(&self, authentication_type: &str) -> String {
        let mut out = String::new();
        self.push_authenticate_json(&mut out, authentication_type);
        out
    }

    /// [`StoredOwner::authenticate_json`] written at the end of `out` (no string of its own).
    pub fn push_authenticate_json(&self, out: &mut String, authentication_type: &str) {
        out.push_str(self.open_object().unwrap_or("{\"username\":null"));
        out.push_str(",\"authentication_type\":\"");
        out.push_str(authentication_type);
        out.push_str("\"}");
    }

    pub fn to_authenticate_body(&self, authentication_type: &str) -> Value {
        serde_json::from_str(&self.authenticate_json(authentication_type)).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessHalf {
    pub hash: String,
    pub expiration_time: u64,
}

/// The two halves of a token document. Each half's invalidation is its own key (never a field
/// of the document): KV has no compare-and-set, so a flag inside the document could be lost
/// to a concurrent rewrite of it (a refresh, or the other half's invalidation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHalf {
    Access,
    Refresh,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshHalf {
    pub hash: String,
    /// Set by the first refresh; the superseding pair is re-derived from `salt` (see
    /// superseding.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_time: Option<u64>,
    /// Set by the first refresh with `refresh_time`: which derivation made the pair
    /// (`superseding::Derivation::stored`), so that replays re-derive that same pair. Absent in
    /// documents refreshed before the derivation was keyed by the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivation: Option<u64>,
    pub salt: String,
    pub client: Client,
}

impl TokenRecord {
    /// The refresh half (and the document's 24 h window, §3.5 rule 2) ends here.
    pub fn refresh_deadline(&self) -> u64 {
        refresh_deadline(self.creation_time)
    }

    /// When ExpiredTokenRemover would have deleted the document.
    pub fn end_of_life(&self) -> u64 {
        end_of_life(self.creation_time)
    }

    pub fn is_purged(&self, now: u64) -> bool {
        now >= self.end_of_life()
    }

    pub fn ttl_seconds(&self, now: u64) -> u64 {
        ttl_until(now, self.end_of_life())
    }

    /// The tag its tokens carry: the digests of the owner's realm and user (codec.rs).
    pub fn owner_tag(&self) -> OwnerTag {
        self.owner.owner_tag()
    }

    pub fn index_entry(&self, access_invalidated: bool, refresh_invalidated: bool) -> IndexEntry {
        IndexEntry {
            creation_time: self.creation_time,
            access_expiration: self.access.expiration_time,
            has_refresh: self.refresh.is_some(),
            access_invalidated,
            refresh_invalidated,
        }
    }
}

/// What a realm or user listing needs of one token, carried as the index key's metadata so
/// bulk invalidation counts from list pages alone (well under KV's 1,024-byte metadata cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    pub creation_time: u64,
    pub access_expiration: u64,
    pub has_refresh: bool,
    pub access_invalidated: bool,
    pub refresh_invalidated: bool,
}

const HAS_REFRESH: u64 = 1;
const ACCESS_INVALIDATED: u64 = 2;
const REFRESH_INVALIDATED: u64 = 4;

impl IndexEntry {
    pub fn to_metadata(self) -> Value {
        let flags = [
            (self.has_refresh, HAS_REFRESH),
            (self.access_invalidated, ACCESS_INVALIDATED),
            (self.refresh_invalidated, REFRESH_INVALIDATED),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .fold(0, |acc, (_, bit)| acc | bit);
        json!({"c": self.creation_time, "e": self.access_expiration, "f": flags})
    }

    pub fn from_metadata(metadata: &Value) -> Option<IndexEntry> {
        let flags = metadata.get("f")?.as_u64()?;
        Some(IndexEntry {
            creation_time: metadata.get("c")?.as_u64()?,
            access_expiration: metadata.get("e")?.as_u64()?,
            has_refresh: flags & HAS_REFRESH != 0,
            access_invalidated: flags & ACCESS_INVALIDATED != 0,
            refresh_invalidated: flags & REFRESH_INVALIDATED != 0,
        })
    }
}

/// Key names. Realm and user names enter keys as fixed-length digests: no escaping, no
/// separator inside a component, and keys stay far below KV's 512-byte limit. The keys a
/// check reads are joined with `concat`, not `format!` (a check builds six of them).
pub mod keys {
    use super::name_digest;

    use super::TokenHalf;

    pub const RECORD_PREFIX: &str = "t:";

    pub fn record(doc_id: &str) -> String {
        [RECORD_PREFIX, doc_id].concat()
    }

    fn half_tag(half: TokenHalf) -> &'static str {
        match half {
            TokenHalf::Access => "a",
            TokenHalf::Refresh => "r",
        }
    }

    /// `i:<realm>:<user>:<doc>:a` / `:r`: present when that half was invalidated by itself.
    /// Listed by a bulk invalidation of its realm or user (`invalidations_prefix`), whose counts
    /// so stay exact without a write to the token's index keys.
    pub fn invalidation(realm_digest: &str, user_digest: &str, doc_id: &str, half: TokenHalf) -> String {
        ["i:", realm_digest, ":", user_digest, ":", doc_id, ":", half_tag(half)].concat()
    }

    /// Listing `i:<realm>:` or `i:<realm>:<user>:`.
    pub fn invalidations_prefix(realm_digest: &str, user_digest: Option<&str>) -> String {
        match user_digest {
            Some(user) => format!("i:{realm_digest}:{user}:"),
            None => format!("i:{realm_digest}:"),
        }
    }

    /// `i:<doc>:a` / `i:<doc>:r`: how earlier versions recorded a half invalidated by itself
    /// (with the index flags for bulk counts). Still read by every status read, in the same bulk
    /// get, until the tokens they cover are gone (24 h and the purge grace after their creation).
    pub fn legacy_invalidation(doc_id: &str, half: TokenHalf) -> String {
        ["i:", doc_id, ":", half_tag(half)].concat()
    }

    /// `r:<realm>:<user>:<doc>`: listing `r:<realm>:` or `r:<realm>:<user>:`.
    pub fn realm_index(realm: &str, user: &str, doc_id: &str) -> String {
        format!("r:{}:{}:{doc_id}", name_digest(realm), name_digest(user))
    }

    pub fn realm_index_prefix(realm: &str, user: Option<&str>) -> String {
        match user {
            Some(user) => format!("r:{}:{}:", name_digest(realm), name_digest(user)),
            None => format!("r:{}:", name_digest(realm)),
        }
    }

    /// `u:<user>:<realm>:<doc>`: listing a user across realms.
    pub fn user_index(realm: &str, user: &str, doc_id: &str) -> String {
        format!("u:{}:{}:{doc_id}", name_digest(user), name_digest(realm))
    }

    pub fn user_index_prefix(user: &str) -> String {
        format!("u:{}:", name_digest(user))
    }

    /// Watermark for one user in every realm: `w:*:<user>` (`*` is not in a digest's alphabet).
    pub fn all_realms_watermark_by_digest(user_digest: &str) -> String {
        ["w:*:", user_digest].concat()
    }

    pub const ALL_REALMS_WATERMARKS_PREFIX: &str = "w:*:";

    /// Watermark for a whole realm: `w:<realm>`.
    pub fn realm_watermark_by_digest(realm_digest: &str) -> String {
        ["w:", realm_digest].concat()
    }

    /// Watermark for one user in one realm: `w:<realm>:<user>`.
    pub fn user_watermark_by_digest(realm_digest: &str, user_digest: &str) -> String {
        ["w:", realm_digest, ":", user_digest].concat()
    }

    /// The three watermarks that can cover a token: its realm's, its user's in that realm, and
    /// its user's in every realm.
    pub fn covering_watermarks(realm_digest: &str, user_digest: &str) -> [String; 3] {
        [
            realm_watermark_by_digest(realm_digest),
            user_watermark_by_digest(realm_digest, user_digest),
            all_realms_watermark_by_digest(user_digest),
        ]
    }

    pub fn user_watermarks_prefix(realm_digest: &str) -> String {
        format!("w:{realm_digest}:")
    }

    pub fn realm_watermark(realm: &str) -> String {
        realm_watermark_by_digest(&name_digest(realm))
    }

    pub fn user_watermark(realm: &str, user: &str) -> String {
        user_watermark_by_digest(&name_digest(realm), &name_digest(user))
    }
}

/// A refresh token can be used until 24 h after its document was created (§3.5 rule 2).
pub fn refresh_deadline(creation_time: u64) -> u64 {
    creation_time.saturating_add(REFRESH_LIFETIME_MS)
}

pub fn end_of_life(creation_time: u64) -> u64 {
    refresh_deadline(creation_time).saturating_add(PURGE_GRACE_MS)
}

/// A bulk invalidation, recorded once: every token of its scope created at or before `at`
/// is invalidated (both halves). Its value and metadata are the time in ms.
pub fn watermark_value(at: u64) -> (String, Value) {
    (at.to_string(), json!({"t": at}))
}

pub fn parse_watermark(value: Option<&str>) -> Option<u64> {
    value?.trim().parse().ok()
}

pub fn watermark_from_metadata(metadata: Option<&Value>) -> Option<u64> {
    metadata?.get("t")?.as_u64()
}

/// A watermark is needed until the last token it can cover has left the store.
pub fn watermark_ttl_seconds(now: u64, at: u64) -> u64 {
    ttl_until(now, end_of_life(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(user: &str) -> StoredOwner {
        StoredOwner { username: "u".into(), realm: "r".into(), user: user.into(), tag: None }
    }

    #[test]
    fn stored_owner_splices_only_well_formed_objects() {
        let nested = owner(r#"{"username":"u","lookup_realm":{"name":"r","type":"native"}}"#);
        assert_eq!(
            nested.authenticate_json("token"),
            r#"{"username":"u","lookup_realm":{"name":"r","type":"native"},"authentication_type":"token"}"#
        );
        assert!(nested.to_authenticate_body("token").is_object());
        for bad in ["{}", "{ }", "[]", "\"x\"", "1", "null"] {
            assert!(!owner(bad).is_well_formed(), "{bad}");
        }
    }

    #[test]
    fn index_metadata_round_trips_and_stays_small() {
        let entry = IndexEntry {
            creation_time: 1_800_000_000_000,
            access_expiration: 1_800_000_600_000,
            has_refresh: true,
            access_invalidated: false,
            refresh_invalidated: true,
        };
        let metadata = entry.to_metadata();
        assert_eq!(IndexEntry::from_metadata(&metadata), Some(entry));
        assert!(metadata.to_string().len() < 100);
        assert_eq!(IndexEntry::from_metadata(&json!({"c": 1})), None);
    }

    #[test]
    fn keys_parse_back_and_separate_realms_and_users() {
        let key = keys::realm_index("saml1", "a:b", "token_x");
        assert_eq!(key.split(':').count(), 4);
        assert!(key.starts_with(&keys::realm_index_prefix("saml1", Some("a:b"))));
        assert!(key.starts_with(&keys::realm_index_prefix("saml1", None)));
        assert!(!key.starts_with(&keys::realm_index_prefix("saml", None)));
        let user_key = keys::user_index("saml1", "a:b", "token_x");
        assert!(user_key.starts_with(&keys::user_index_prefix("a:b")));
        assert!(!keys::realm_watermark("r").starts_with(&keys::user_watermarks_prefix(&name_digest("r"))));
    }
}
