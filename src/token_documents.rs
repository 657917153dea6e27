//! Reading and writing token documents and the watermarks that cover them.

use futures_util::future::try_join3;

use serde_json::Value;

use crate::authentication::Client;
use crate::codec::{name_digest, RawToken};
use crate::json_fields::Fields;
use crate::schema::{self, keys, parse_watermark, AccessHalf, RefreshHalf, StoredOwner, TokenHalf, TokenRecord};
use crate::store::{KvStore, StoreError};
use crate::token_text;

/// What every reader of a token document needs of it, whether it builds the refresh half
/// ([`TokenRecord`]: refresh, invalidate) or lets the parser skip it ([`AccessRecord`]: a check).
pub trait TokenDocument: Sized {
    /// The document `text` holds, `None` when it does not parse.
    fn from_text(text: &str) -> Option<Self>;
    fn creation_time(&self) -> u64;
    fn owner(&self) -> &StoredOwner;
}

/// A whole document: its access half and owner as a check reads them (one derived reader for
/// both), then the refresh half from the same text with the field reader. Parsing the text
/// twice costs a refresh or an invalidation a few microseconds; a derived reader for the whole
/// record (with the refresh half's and its client's) cost the wasm about 5 kB (docs/wasm-size.md).
impl TokenDocument for TokenRecord {
    fn from_text(text: &str) -> Option<Self> {
        let AccessRecord { creation_time, access, owner } = AccessRecord::from_text(text)?;
        let refresh =
            Fields::parse(text, "struct TokenRecord").ok()?.take("refresh").map(refresh_half).transpose().ok()?;
        Some(TokenRecord { creation_time, access, refresh, owner })
    }
    fn creation_time(&self) -> u64 {
        self.creation_time
    }
    fn owner(&self) -> &StoredOwner {
        &self.owner
    }
}

/// The refresh half as its derived reader read it (unknown fields ignored, the options' null
/// as absent).
fn refresh_half(value: Value) -> Result<RefreshHalf, String> {
    let mut f = Fields::of(value, "struct RefreshHalf")?;
    let client = f.required("client")?;
    let mut c = Fields::of(client, "struct Client")?;
    Ok(RefreshHalf {
        hash: f.required_string("hash")?,
        refresh_time: f.optional_u64("refresh_time")?,
        derivation: f.optional_u64("derivation")?,
        salt: f.required_string("salt")?,
        client: Client { username: c.required_string("username")?, realm: c.required_string("realm")? },
    })
}

/// A token document as a check reads it: the refresh half is skipped, not built.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    pub creation_time: u64,
    pub access: AccessHalf,
    pub owner: StoredOwner,
}

impl TokenDocument for AccessRecord {
    fn from_text(text: &str) -> Option<Self> {
        let (creation_time, access, owner) = token_text::access_record(text)?;
        Some(AccessRecord { creation_time, access, owner })
    }
    fn creation_time(&self) -> u64 {
        self.creation_time
    }
    fn owner(&self) -> &StoredOwner {
        &self.owner
    }
}

/// The document `doc_id`, unless it is absent, unreadable or past its purge time.
pub async fn load<S: KvStore>(store: &S, doc_id: &str, now: u64) -> Result<Option<TokenRecord>, StoreError> {
    Ok(store.get(&keys::record(doc_id)).await?.and_then(|text| parse_record(&text, now)))
}

/// A stored document, unless it is unreadable or past its purge time. A record that does not
/// parse is treated as absent: it can never validate a token.
pub fn parse_record<T: TokenDocument>(text: &str, now: u64) -> Option<T> {
    T::from_text(text).filter(|r| now < schema::end_of_life(r.creation_time()) && r.owner().is_well_formed())
}

/// Writes the document only; for changes that the index metadata does not carry.
pub async fn save_record<S: KvStore>(
    store: &S,
    doc_id: &str,
    record: &TokenRecord,
    now: u64,
) -> Result<(), StoreError> {
    let text = token_text::document_text(record).map_err(|e| StoreError(e.to_string()))?;
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

/// The value of a half's invalidation key (only its presence is read).
pub const INVALIDATED: &str = "1";

/// Records that one half was invalidated: one write, its own key, which checks read and bulk
/// invalidations of the owner list (their counts of previously invalidated halves). The key and
/// its lifetime in seconds (the document's).
pub fn invalidation_write(doc_id: &str, record: &TokenRecord, half: TokenHalf, now: u64) -> (String, u64) {
    let key =
        keys::invalidation(&name_digest(record.owner.realm_name()), &name_digest(&record.owner.username), doc_id, half);
    (key, record.ttl_seconds(now))
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
    pub fn covered(&self, record: &impl TokenDocument) -> bool {
        self.watermark.is_some_and(|t| t >= record.creation_time())
    }

    /// Invalidated by itself or by a bulk invalidation.
    pub fn is_invalidated(&self, record: &impl TokenDocument, half: TokenHalf) -> bool {
        let own = match half {
            TokenHalf::Access => self.access_invalidated,
            TokenHalf::Refresh => self.refresh_invalidated,
        };
        own || self.covered(record)
    }
}

/// Reads one half's status: its own keys and the watermarks (one bulk get).
pub async fn status<S: KvStore>(
    store: &S,
    doc_id: &str,
    record: &impl TokenDocument,
    half: TokenHalf,
) -> Result<Status, StoreError> {
    let values = store.get_many(&status_keys(doc_id, record, half)).await?;
    Ok(Status::from_values(&values, half))
}

/// What a status read of `half` reads, in one bulk get: the three watermarks that can cover
/// the document, then the half's invalidation key and its key of earlier versions. Only that
/// half's flag is read; the other stays false.
pub fn status_keys(doc_id: &str, record: &impl TokenDocument, half: TokenHalf) -> Vec<String> {
    let owner = record.owner();
    let (realm, user) = (name_digest(owner.realm_name()), name_digest(&owner.username));
    status_keys_by_digest(&realm, &user, doc_id, half)
}

/// How many keys a status read has.
const STATUS_KEYS: usize = 5;

fn status_keys_by_digest(realm: &str, user: &str, doc_id: &str, half: TokenHalf) -> Vec<String> {
    let [realm_mark, user_mark, everywhere_mark] = keys::covering_watermarks(realm, user);
    let own = keys::invalidation(realm, user, doc_id, half);
    vec![realm_mark, user_mark, everywhere_mark, own, keys::legacy_invalidation(doc_id, half)]
}

impl Status {
    /// From the values of [`status_keys`] for `half`, in their order.
    pub fn from_values(values: &[Option<String>], half: TokenHalf) -> Status {
        let present = |i: usize| values.get(i).is_some_and(Option::is_some);
        let own = present(3) || present(4);
        Status {
            access_invalidated: own && half == TokenHalf::Access,
            refresh_invalidated: own && half == TokenHalf::Refresh,
            watermark: values.iter().take(3).filter_map(|v| parse_watermark(v.as_deref())).max(),
        }
    }
}

/// The keys of a token's first read: its document and, when the token carries its owner's tag,
/// the status keys of `half` that the tag names, so that one bulk get answers it.
pub fn first_read_keys(presented: &RawToken, doc_id: &str, half: TokenHalf) -> Vec<String> {
    // `first_read_status_count` says how many keys this adds after the document's.
    let mut wanted = vec![keys::record(doc_id)];
    if let Some(tag) = presented.owner_tag() {
        let (realm, user) = tag.digests();
        wanted.extend(status_keys_by_digest(&realm, &user, doc_id, half));
    }
    wanted
}

/// How many values of [`first_read_keys`] come after the document's: a host that found none of
/// them passes none (see `src/wasm/check.rs`).
pub fn first_read_status_count(presented: &RawToken) -> usize {
    if presented.owner_tag().is_some() {
        STATUS_KEYS
    } else {
        0
    }
}

/// The document of a first read, and its status when the tag named this document's owner
/// (`status`: the values of [`first_read_keys`] after the document's). A tag that names anyone
/// else (tampered, or a token's trailing bytes) is ignored: its status values are not this
/// document's, so the caller reads the status again by the owner the document names.
pub fn from_first_read<T: TokenDocument>(
    presented: &RawToken,
    document: Option<&str>,
    status: &[Option<String>],
    now: u64,
    half: TokenHalf,
) -> Option<(T, Option<Status>)> {
    let record: T = parse_record(document?, now)?;
    let tag_is_owner = presented.owner_tag().is_some_and(|tag| *tag == record.owner().owner_tag());
    let status = (tag_is_owner && status.len() == STATUS_KEYS).then(|| Status::from_values(status, half));
    Some((record, status))
}

/// The document and, when the tag verified, its status: one bulk get for a tagged token, one
/// get for another (whose status [`status_after`] then reads).
pub async fn load_first<S: KvStore>(
    store: &S,
    presented: &RawToken,
    doc_id: &str,
    now: u64,
    half: TokenHalf,
) -> Result<Option<(TokenRecord, Option<Status>)>, StoreError> {
    let values = read(store, &first_read_keys(presented, doc_id, half)).await?;
    let (document, status) = split_first_read(&values);
    Ok(from_first_read(presented, document, status, now, half))
}

/// The values of `keys` in one read: a get for one key, else a bulk get.
pub async fn read<S: KvStore>(store: &S, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
    match keys {
        [one] => Ok(vec![store.get(one).await?]),
        _ => store.get_many(keys).await,
    }
}

/// A first read's values as the document and the rest (its status values).
pub fn split_first_read(values: &[Option<String>]) -> (Option<&str>, &[Option<String>]) {
    values.split_first().map_or((None, &[][..]), |(document, status)| (document.as_deref(), status))
}

/// The status a first read already gave, or one more bulk get for it.
pub async fn status_after<S: KvStore>(
    store: &S,
    doc_id: &str,
    record: &TokenRecord,
    half: TokenHalf,
    read: Option<Status>,
) -> Result<Status, StoreError> {
    match read {
        Some(status) => Ok(status),
        None => status(store, doc_id, record, half).await,
    }
}

/// ES's "tokens index exists" (§2.6): here, whether any token document is stored.
pub async fn any_token_exists<S: KvStore>(store: &S) -> Result<bool, StoreError> {
    Ok(!store.list(keys::RECORD_PREFIX, None, 1).await?.keys.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The derive `TokenRecord::from_text` replaced, as its oracle.
    #[derive(Deserialize)]
    struct Derived {
        creation_time: u64,
        access: DerivedAccess,
        #[serde(default)]
        refresh: Option<DerivedRefresh>,
        owner: DerivedOwner,
    }

    /// The owner's fields as a `Value` (`RawValue` went with serde_json's `raw_value` feature).
    #[derive(Deserialize)]
    struct DerivedOwner {
        username: String,
        realm: String,
        user: Value,
        #[serde(default)]
        tag: Option<String>,
    }

    #[derive(Deserialize)]
    struct DerivedAccess {
        hash: String,
        expiration_time: u64,
    }

    #[derive(Deserialize)]
    struct DerivedRefresh {
        hash: String,
        #[serde(default)]
        refresh_time: Option<u64>,
        #[serde(default)]
        derivation: Option<u64>,
        salt: String,
        client: Client,
    }

    fn derived(text: &str) -> Option<String> {
        let d: Derived = serde_json::from_str(text).ok()?;
        let refresh = d.refresh.map(|r| RefreshHalf {
            hash: r.hash,
            refresh_time: r.refresh_time,
            derivation: r.derivation,
            salt: r.salt,
            client: r.client,
        });
        let access = AccessHalf { hash: d.access.hash, expiration_time: d.access.expiration_time };
        let DerivedOwner { username, realm, user, tag } = d.owner;
        let owner = StoredOwner { username, realm, user: user.to_string(), tag };
        let record = TokenRecord { creation_time: d.creation_time, access, refresh, owner };
        token_text::document_text(&record).ok()
    }

    #[test]
    fn whole_records_read_as_the_derive_did() {
        let owner = r#""owner":{"username":"u","realm":"r","user":{"username":"u","metadata":{"n":1.5}},"tag":"t"}"#;
        let access = r#""access":{"hash":"a","expiration_time":9}"#;
        let client = r#""client":{"username":"c","realm":"cr"}"#;
        let refresh = |fields: &str| format!(r#"{{"creation_time":1,{access},"refresh":{{{fields}}},{owner}}}"#);
        let rows = [
            format!(r#"{{"creation_time":1,{access},{owner}}}"#),
            format!(r#"{{"creation_time":1,{access},"refresh":null,{owner}}}"#),
            refresh(&format!(r#""hash":"h","salt":"s",{client}"#)),
            refresh(&format!(r#""hash":"h","refresh_time":5,"derivation":2,"salt":"s",{client},"x":[]"#)),
            refresh(&format!(r#""hash":"h","refresh_time":null,"salt":"s",{client}"#)),
            refresh(&format!(r#""hash":"h","refresh_time":-5,"salt":"s",{client}"#)),
            refresh(&format!(r#""hash":"h","refresh_time":5.5,"salt":"s",{client}"#)),
            refresh(&format!(r#""hash":"h","derivation":"2","salt":"s",{client}"#)),
            refresh(&format!(r#""hash":null,"salt":"s",{client}"#)),
            refresh(&format!(r#""salt":"s",{client}"#)),
            refresh(r#""hash":"h","salt":"s""#),
            refresh(r#""hash":"h","salt":"s","client":{"username":"c"}"#),
            refresh(r#""hash":"h","salt":"s","client":{"username":"c","realm":7}"#),
            refresh(r#""hash":"h","salt":"s","client":null"#),
            format!(r#"{{"creation_time":1,{access},"refresh":[],{owner}}}"#),
            format!(r#"{{"creation_time":1,"refresh":null,{owner}}}"#),
            format!(r#"{{"creation_time":"1",{access},{owner}}}"#),
            "[]".to_string(),
            "{".to_string(),
        ];
        for text in &rows {
            let read = TokenRecord::from_text(text).and_then(|r| token_text::document_text(&r).ok());
            assert_eq!(read, derived(text), "{text}");
        }
        assert!(rows.iter().filter(|t| derived(t).is_some()).count() >= 4, "rows that parse");
    }
}
