//! Reading and writing token documents and the watermarks that cover them.

use futures_util::future::try_join3;

use crate::codec::name_digest;
use crate::schema::{keys, parse_watermark, TokenHalf, TokenRecord};
use crate::store::{KvStore, StoreError};

/// The document `doc_id`, unless it is absent, unreadable or past its purge time.
pub async fn load<S: KvStore>(store: &S, doc_id: &str, now: u64) -> Result<Option<TokenRecord>, StoreError> {
    Ok(store.get(&keys::record(doc_id)).await?.and_then(|text| parse_record(&text, now)))
}

/// A stored document, unless it is unreadable or past its purge time. A record that does not
/// parse is treated as absent: it can never validate a token.
pub fn parse_record(text: &str, now: u64) -> Option<TokenRecord> {
    serde_json::from_str::<TokenRecord>(text).ok().filter(|r| !r.is_purged(now) && r.owner.is_well_formed())
}

/// Writes the document only; for changes that the index metadata does not carry.
pub async fn save_record<S: KvStore>(
    store: &S,
    doc_id: &str,
    record: &TokenRecord,
    now: u64,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(record).map_err(|e| StoreError(e.to_string()))?;
    store.put(&keys::record(doc_id), &text, record.ttl_seconds(now), None).await
}

/// Writes the document and both index keys, all with the document's lifetime.
pub async fn save_with_index<S: KvStore>(
    store: &S,
    doc_id: &str,
    record: &TokenRecord,
    now: u64,
) -> Result<(), StoreError> {
    let realm = record.owner.realm_name();
    let user = &record.owner.username;
    let metadata = record.index_entry(false, false).to_metadata();
    let ttl = record.ttl_seconds(now);
    let realm_key = keys::realm_index(realm, user, doc_id);
    let user_key = keys::user_index(realm, user, doc_id);
    try_join3(
        save_record(store, doc_id, record, now),
        store.put(&realm_key, "", ttl, Some(&metadata)),
        store.put(&user_key, "", ttl, Some(&metadata)),
    )
    .await
    .map(|_| ())
}

/// Records that one half was invalidated: one write, its own key, which checks read and bulk
/// invalidations of the owner list (their counts of previously invalidated halves).
pub async fn mark_invalidated<S: KvStore>(
    store: &S,
    doc_id: &str,
    record: &TokenRecord,
    half: TokenHalf,
    now: u64,
) -> Result<(), StoreError> {
    let key =
        keys::invalidation(&name_digest(record.owner.realm_name()), &name_digest(&record.owner.username), doc_id, half);
    store.put(&key, "1", record.ttl_seconds(now), None).await
}

/// Whether each half of a document is invalidated, read in one bulk get: the halves' own
/// keys and the three watermarks that can cover the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
    pub access_invalidated: bool,
    pub refresh_invalidated: bool,
    /// The latest bulk invalidation of the owner's realm or user, if any.
    pub watermark: Option<u64>,
}

impl Status {
    pub fn covered(&self, record: &TokenRecord) -> bool {
        self.watermark.is_some_and(|t| t >= record.creation_time)
    }

    /// Invalidated by itself or by a bulk invalidation.
    pub fn is_invalidated(&self, record: &TokenRecord, half: TokenHalf) -> bool {
        let own = match half {
            TokenHalf::Access => self.access_invalidated,
            TokenHalf::Refresh => self.refresh_invalidated,
        };
        own || self.covered(record)
    }
}

pub async fn status<S: KvStore>(store: &S, doc_id: &str, record: &TokenRecord) -> Result<Status, StoreError> {
    let values = store.get_many(&status_keys(doc_id, record)).await?;
    Ok(Status::from_values(&values))
}

/// What [`status`] reads, in one bulk get: the two halves' invalidation keys, their keys of
/// earlier versions, then the watermarks.
pub fn status_keys(doc_id: &str, record: &TokenRecord) -> Vec<String> {
    let (realm, user) = (name_digest(record.owner.realm_name()), name_digest(&record.owner.username));
    let mut wanted = Vec::with_capacity(7);
    for half in [TokenHalf::Access, TokenHalf::Refresh] {
        wanted.push(keys::invalidation(&realm, &user, doc_id, half));
        wanted.push(keys::legacy_invalidation(doc_id, half));
    }
    wanted.extend(keys::covering_watermarks(&realm, &user));
    wanted
}

impl Status {
    /// From the values of [`status_keys`], in their order.
    pub fn from_values(values: &[Option<String>]) -> Status {
        let present = |i: usize| values.get(i).is_some_and(Option::is_some);
        Status {
            access_invalidated: present(0) || present(1),
            refresh_invalidated: present(2) || present(3),
            watermark: values.iter().skip(4).filter_map(|v| parse_watermark(v.as_deref())).max(),
        }
    }
}

/// ES's "tokens index exists" (§2.6): here, whether any token document is stored.
pub async fn any_token_exists<S: KvStore>(store: &S) -> Result<bool, StoreError> {
    Ok(!store.list(keys::RECORD_PREFIX, None, 1).await?.keys.is_empty())
}
