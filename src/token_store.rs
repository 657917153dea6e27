//! Reading and writing token documents and the watermarks that cover them.

use futures_util::future::{try_join, try_join3};

use crate::authentication::Subject;
use crate::codec::name_digest;
use crate::schema::{keys, parse_watermark, TokenRecord};
use crate::store::{KvStore, StoreError};

/// The document `doc_id`, unless it is absent, unreadable or past its purge time.
pub async fn load<S: KvStore>(store: &S, doc_id: &str, now: u64) -> Result<Option<TokenRecord>, StoreError> {
    let Some(text) = store.get(&keys::record(doc_id)).await? else {
        return Ok(None);
    };
    // A record that does not parse is treated as absent: it can never validate a token.
    let record = serde_json::from_str::<TokenRecord>(&text).ok();
    Ok(record.filter(|r| !r.is_purged(now)))
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
    let metadata = record.index_entry().to_metadata();
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

/// Writes a changed flag: the document must be written; the index keys only keep later
/// bulk counts exact, so their failure does not undo the invalidation.
pub async fn save_flags<S: KvStore>(store: &S, doc_id: &str, record: &TokenRecord, now: u64) -> Result<(), StoreError> {
    let realm = record.owner.realm_name();
    let user = &record.owner.username;
    let metadata = record.index_entry().to_metadata();
    let ttl = record.ttl_seconds(now);
    let realm_key = keys::realm_index(realm, user, doc_id);
    let user_key = keys::user_index(realm, user, doc_id);
    save_record(store, doc_id, record, now).await?;
    let _ =
        try_join(store.put(&realm_key, "", ttl, Some(&metadata)), store.put(&user_key, "", ttl, Some(&metadata))).await;
    Ok(())
}

/// The three watermarks that can cover a token of `owner`: realm, user in realm, user anywhere.
pub fn watermark_keys(realm: &str, username: &str) -> Vec<String> {
    let realm_digest = name_digest(realm);
    let user_digest = name_digest(username);
    vec![
        keys::realm_watermark_by_digest(&realm_digest),
        keys::user_watermark_by_digest(&realm_digest, &user_digest),
        keys::all_realms_watermark_by_digest(&user_digest),
    ]
}

/// The latest bulk invalidation that applies to `owner`'s tokens, in one bulk read.
pub async fn latest_watermark<S: KvStore>(store: &S, owner: &Subject) -> Result<Option<u64>, StoreError> {
    let values = store.get_many(&watermark_keys(owner.realm_name(), &owner.username)).await?;
    Ok(values.iter().filter_map(|v| parse_watermark(v.as_deref())).max())
}

/// Whether any bulk invalidation at or after its creation covers `record`.
pub async fn is_covered<S: KvStore>(store: &S, record: &TokenRecord) -> Result<bool, StoreError> {
    Ok(latest_watermark(store, &record.owner).await?.is_some_and(|t| t >= record.creation_time))
}

/// ES's "tokens index exists" (§2.6): here, whether any token document is stored.
pub async fn any_token_exists<S: KvStore>(store: &S) -> Result<bool, StoreError> {
    Ok(!store.list(keys::RECORD_PREFIX, None, 1).await?.keys.is_empty())
}
