//! Invalidating a realm, a user, or a user in a realm (§2.8) in segments that each fit one
//! Worker invocation: at most [`SEGMENT_OPS`] KV operations, the watermark write included.
//!
//! A [`BulkJob`] is the invalidation's whole state: its scope, the time `now` it counts with,
//! where each listing stands (`bulk_listing`), and the counts so far. A segment reads on from
//! there; the one that reaches the end of the scope writes the one watermark. Where a host has
//! no per-invocation limit (Node, the Durable Object) the segments run in one loop
//! ([`invalidate_scope`]); on Workers each further segment runs in an invocation of its own,
//! reached with the job as a continuation (`docs/storage-schema.md`).

use serde_json::{json, Value};

use crate::bulk_listing::{Budget, Halt, Listing};
use crate::clock::Clock;
use crate::codec::name_digest;
use crate::errors::{illegal_argument, store_unavailable, Reply};
use crate::invalidate::Counts;
use crate::recent_invalidations;
use crate::schema::{self, keys, IndexEntry};
use crate::store::{KvStore, ListedKey, StoreError};

/// KV operations per segment: Workers allows 1,000 per invocation, and the first segment runs in
/// the request's own invocation, after the caller's authentication (a few operations) and with
/// room for the write's 429 retries (`www/kv-guard.js`, 3 at most).
pub const SEGMENT_OPS: u32 = 900;
/// The fewest KV operations a segment may have: one listing read and the watermark's write.
pub const MIN_SEGMENT_OPS: u32 = 2;
/// Segments one request may run: Workers allows 32 invocations per request, and each further
/// segment is one (a service binding call).
pub const MAX_SEGMENTS: u32 = 32;

/// Whose tokens a bulk invalidation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Realm(String),
    User(String),
    UserInRealm(String, String),
}

impl Scope {
    fn watermark_key(&self) -> String {
        match self {
            Scope::Realm(realm) => keys::realm_watermark(realm),
            Scope::UserInRealm(realm, user) => keys::user_watermark(realm, user),
            Scope::User(user) => keys::all_realms_watermark_by_digest(&name_digest(user)),
        }
    }

    fn index_prefix(&self) -> String {
        match self {
            Scope::Realm(realm) => keys::realm_index_prefix(realm, None),
            Scope::UserInRealm(realm, user) => keys::realm_index_prefix(realm, Some(user)),
            Scope::User(user) => keys::user_index_prefix(user),
        }
    }
}

/// For a user in every realm: the realm whose tokens are being read, and its two watermarks
/// that can cover them (the realm's, the user's in it), at most.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RealmGroup {
    pub(crate) realm_digest: String,
    pub(crate) mark: Option<u64>,
}

/// A bulk invalidation under way (see the module's documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkJob {
    pub(crate) scope: Scope,
    pub(crate) now: u64,
    pub(crate) counts: Counts,
    pub(crate) segments: u32,
    /// Whether the watermarks read once per job were read: `own` and `fixed`.
    pub(crate) started: bool,
    /// The scope's own watermark before this invalidation; the new one is never older.
    pub(crate) own: Option<u64>,
    /// The newest watermark that covers every token of the scope (its own, and for a user in a
    /// realm the realm's and the user's in every realm).
    pub(crate) fixed: Option<u64>,
    pub(crate) group: Option<RealmGroup>,
    /// The scope's index keys, then the halves invalidated by themselves, then (a realm only)
    /// its users' watermarks and the users' watermarks in every realm.
    pub(crate) tokens: Listing,
    pub(crate) singles: Listing,
    pub(crate) user_marks: Listing,
    pub(crate) all_realm_marks: Listing,
}

/// One token of an index listing, by digests: `r:<realm>:<user>:<doc>` or `u:<user>:<realm>:<doc>`.
struct Listed {
    realm: String,
    user: String,
    doc: String,
    entry: IndexEntry,
}

/// `(user, doc, half tag)` of `i:<realm>:<user>:<doc>:<a|r>`.
fn single_of(name: &str) -> Option<(&str, &str, &str)> {
    let mut parts = name.split(':').skip(2);
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// The user digest of `w:<realm>:<user>` or `w:*:<user>`.
fn marked_user(name: &str) -> Option<&str> {
    name.split(':').nth(2)
}

impl BulkJob {
    pub fn new(scope: Scope, now: u64) -> Self {
        let tokens = Listing::new(scope.index_prefix());
        let (singles, user_marks, all_realm_marks) = match &scope {
            Scope::Realm(realm) => {
                let digest = name_digest(realm);
                (
                    Listing::new(keys::invalidations_prefix(&digest, None)),
                    Listing::new(keys::user_watermarks_prefix(&digest)),
                    Listing::new(keys::ALL_REALMS_WATERMARKS_PREFIX.to_string()),
                )
            }
            Scope::UserInRealm(realm, user) => (
                Listing::new(keys::invalidations_prefix(&name_digest(realm), Some(&name_digest(user)))),
                Listing::empty(),
                Listing::empty(),
            ),
            // One listing per realm the user's tokens are in, begun when the first is read.
            Scope::User(_) => (Listing::empty(), Listing::empty(), Listing::empty()),
        };
        BulkJob {
            scope,
            now,
            counts: Counts::default(),
            segments: 0,
            started: false,
            own: None,
            fixed: None,
            group: None,
            tokens,
            singles,
            user_marks,
            all_realm_marks,
        }
    }

    /// Segments run so far.
    pub fn segments(&self) -> u32 {
        self.segments
    }

    /// Reads on until the scope is read to the end (`Ok`) or the budget is spent.
    async fn advance<S: KvStore>(&mut self, store: &S, budget: &mut Budget) -> Result<(), Halt> {
        if !self.started {
            self.read_fixed_marks(store, budget).await?;
            self.started = true;
        }
        let by_user = matches!(self.scope, Scope::User(_));
        loop {
            let Some(key) = self.tokens.peek(store, budget, 0).await? else {
                return Ok(());
            };
            let Some(token) = listed(key, by_user) else {
                self.tokens.pop();
                continue;
            };
            let covering = self.covering(store, budget, &token).await?;
            let (access, refresh) = self.singles_of(store, budget, &token).await?;
            let mut entry = token.entry;
            // The index flags are what earlier versions wrote; the `i:` keys what this one writes.
            entry.access_invalidated |= access;
            entry.refresh_invalidated |= refresh;
            count_token(&mut self.counts, &entry, covering, self.now);
            self.tokens.pop();
        }
    }

    /// The watermarks that are the same for every token of the scope, read once.
    async fn read_fixed_marks<S: KvStore>(&mut self, store: &S, budget: &mut Budget) -> Result<(), Halt> {
        let own_key = self.scope.watermark_key();
        let wanted = match &self.scope {
            Scope::UserInRealm(realm, user) => {
                let (realm, user) = (name_digest(realm), name_digest(user));
                keys::covering_watermarks(&realm, &user).to_vec()
            }
            _ => vec![own_key.clone()],
        };
        budget.spend()?;
        let values = crate::token_documents::read(store, &wanted).await?;
        for (key, value) in wanted.iter().zip(values) {
            let at = schema::parse_watermark(value.as_deref());
            if *key == own_key {
                self.own = at;
            }
            self.fixed = self.fixed.max(at);
        }
        Ok(())
    }

    /// The newest watermark that can cover `token`.
    async fn covering<S: KvStore>(
        &mut self,
        store: &S,
        budget: &mut Budget,
        token: &Listed,
    ) -> Result<Option<u64>, Halt> {
        match self.scope {
            Scope::Realm(_) => {
                let user = token.user.as_str();
                let mut newest = self.fixed;
                for marks in [&mut self.user_marks, &mut self.all_realm_marks] {
                    marks.skip_while(store, budget, |name| marked_user(name).is_some_and(|u| u < user)).await?;
                    let found = marks.peek(store, budget, 0).await?;
                    if let Some(key) = found.filter(|k| marked_user(&k.name) == Some(user)) {
                        newest = newest.max(schema::watermark_from_metadata(key.metadata.as_ref()));
                    }
                }
                Ok(newest)
            }
            Scope::UserInRealm(..) => Ok(self.fixed),
            Scope::User(_) => {
                if self.group.as_ref().is_none_or(|g| g.realm_digest != token.realm) {
                    self.begin_realm_group(store, budget, token).await?;
                }
                Ok(self.fixed.max(self.group.as_ref().and_then(|g| g.mark)))
            }
        }
    }

    /// A user in every realm, reaching a realm's tokens: that realm's two watermarks, and a
    /// listing of its halves invalidated by themselves.
    async fn begin_realm_group<S: KvStore>(
        &mut self,
        store: &S,
        budget: &mut Budget,
        token: &Listed,
    ) -> Result<(), Halt> {
        let wanted =
            [keys::realm_watermark_by_digest(&token.realm), keys::user_watermark_by_digest(&token.realm, &token.user)];
        budget.spend()?;
        let values = store.get_many(&wanted).await?;
        let mark = values.iter().map(|v| schema::parse_watermark(v.as_deref())).max().flatten();
        self.group = Some(RealmGroup { realm_digest: token.realm.clone(), mark });
        self.singles = Listing::new(keys::invalidations_prefix(&token.realm, Some(&token.user)));
        Ok(())
    }

    /// Which halves of `token` were invalidated by themselves (their `i:` keys).
    async fn singles_of<S: KvStore>(
        &mut self,
        store: &S,
        budget: &mut Budget,
        token: &Listed,
    ) -> Result<(bool, bool), Halt> {
        let at = (token.user.as_str(), token.doc.as_str());
        // Keys before this token can match no later one either (every listing is in key order).
        self.singles.skip_while(store, budget, |name| single_of(name).is_some_and(|(u, d, _)| (u, d) < at)).await?;
        let (mut access, mut refresh) = (false, false);
        for ahead in 0..2 {
            let Some(key) = self.singles.peek(store, budget, ahead).await? else { break };
            match single_of(&key.name) {
                Some((u, d, half)) if (u, d) == at => {
                    access |= half == "a";
                    refresh |= half == "r";
                }
                _ => break,
            }
        }
        Ok((access, refresh))
    }

    /// Writes the one watermark (`max(old, now)`, stamped when written) and answers the counts.
    /// A failed write fails the call: nothing is reported invalidated unless it is.
    async fn finish<S: KvStore>(self, store: &S, clock: Clock, ticket: recent_invalidations::Ticket) -> Reply {
        let key = self.scope.watermark_key();
        // Stamped when written, not when the call began: a refresh in this location that read the
        // store before this write made its successor no later than this, so the watermark covers it.
        let at = self.own.unwrap_or(0).max(self.now).max(clock.read(store));
        let (value, metadata) = schema::watermark_value(at);
        match store.put(&key, &value, schema::watermark_ttl_seconds(self.now, at), Some(&metadata)).await {
            Ok(()) => {
                ticket.written(at, clock.read(store));
                self.counts.reply(200)
            }
            Err(error) => store_unavailable(&error.0),
        }
    }
}

fn listed(key: &ListedKey, by_user: bool) -> Option<Listed> {
    let mut parts = key.name.split(':').skip(1);
    let (first, second, doc) = (parts.next()?, parts.next()?, parts.next()?);
    let (realm, user) = if by_user { (second, first) } else { (first, second) };
    Some(Listed {
        realm: realm.to_string(),
        user: user.to_string(),
        doc: doc.to_string(),
        entry: IndexEntry::from_metadata(key.metadata.as_ref()?)?,
    })
}

/// §2.8: which documents are selected, and how each of their halves counts.
fn count_token(counts: &mut Counts, entry: &IndexEntry, covering: Option<u64>, now: u64) {
    if now >= schema::end_of_life(entry.creation_time) {
        return;
    }
    let covered = covering.is_some_and(|t| t >= entry.creation_time);
    let access_invalidated = entry.access_invalidated || covered;
    let refresh_invalidated = entry.refresh_invalidated || covered;
    let refresh_live = schema::refresh_deadline(entry.creation_time) >= now;
    let selected = (!access_invalidated && entry.access_expiration >= now)
        || (entry.has_refresh && !refresh_invalidated && refresh_live);
    if !selected {
        return;
    }
    if entry.has_refresh {
        counts.count(refresh_invalidated);
    }
    counts.count(access_invalidated);
}

/// The whole invalidation in this call, segment after segment: for hosts without a limit per
/// invocation. Refreshes of this instance see it from its start (recent_invalidations).
pub async fn invalidate_scope<S: KvStore>(store: &S, scope: Scope, now: u64, clock: Clock) -> Reply {
    let mut job = BulkJob::new(scope, now);
    let ticket = recent_invalidations::begin(&job.scope.watermark_key(), now);
    loop {
        match job.advance(store, &mut Budget::new(SEGMENT_OPS)).await {
            Ok(()) => return job.finish(store, clock, ticket).await,
            Err(Halt::Budget) => job.segments += 1,
            Err(Halt::Store(error)) => return store_unavailable(&error.0),
        }
    }
}

/// What one segment left: the answer, or the job to go on with in another invocation.
#[derive(Debug)]
pub enum Segment {
    Done(Reply),
    More(Box<BulkJob>),
}

/// One segment of at most `operations` KV operations (the write included). A job that is not
/// done after [`MAX_SEGMENTS`] fails as the store failing would: no watermark, nothing counted.
pub async fn run_segment<S: KvStore>(store: &S, mut job: BulkJob, operations: u32, clock: Clock) -> Segment {
    let too_many = || {
        let reason =
            format!("the bulk invalidation needs more than {MAX_SEGMENTS} invocations of {operations} KV operations");
        Segment::Done(store_unavailable(&reason))
    };
    if job.segments >= MAX_SEGMENTS {
        return too_many();
    }
    job.segments += 1;
    // This instance's refreshes see the invalidation while a segment of it runs here; the one
    // that writes stamps its watermark after this, which covers every refresh that read before.
    let ticket = recent_invalidations::begin(&job.scope.watermark_key(), clock.read(store));
    match job.advance(store, &mut Budget::new(operations)).await {
        Ok(()) => Segment::Done(job.finish(store, clock, ticket).await),
        Err(Halt::Budget) if job.segments >= MAX_SEGMENTS => too_many(),
        Err(Halt::Budget) => Segment::More(Box::new(job)),
        Err(Halt::Store(StoreError(error))) => Segment::Done(store_unavailable(&error)),
    }
}

/// The operations per segment a host asked for in its options (`"segmented": true` for
/// [`SEGMENT_OPS`], or a smaller number), or `None` to run the whole invalidation in this call.
pub fn segment_ops(options_json: &str) -> Result<Option<u32>, Reply> {
    let options: Value = serde_json::from_str(options_json).unwrap_or(Value::Null);
    match options.get("segmented") {
        None | Some(Value::Null | Value::Bool(false)) => Ok(None),
        Some(Value::Bool(true)) => Ok(Some(SEGMENT_OPS)),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(ops) if ops >= u64::from(MIN_SEGMENT_OPS) => {
                Ok(Some(u32::try_from(ops).unwrap_or(SEGMENT_OPS).min(SEGMENT_OPS)))
            }
            _ => Err(illegal_argument(format!(
                "invalid options: [segmented] must be true or a number of KV operations ({MIN_SEGMENT_OPS} or more)"
            ))),
        },
        Some(_) => Err(illegal_argument("invalid options: [segmented] must be true or a number of KV operations")),
    }
}

/// The KV operations per segment a host was set up with (`BULK_SEGMENT_OPS`, checked at
/// start-up): a whole number from [`MIN_SEGMENT_OPS`] to [`SEGMENT_OPS`], else `None`. Unlike
/// the options' number, one past the bound is refused, not lowered: it is the operator's typo.
pub fn segment_ops_setting(text: &str) -> Option<u32> {
    text.trim().parse().ok().filter(|ops| (MIN_SEGMENT_OPS..=SEGMENT_OPS).contains(ops))
}

/// The answer of a segment that stopped early: `{"continuation": "<the job as JSON text>"}`.
pub fn continuation_reply(job: &BulkJob) -> Reply {
    Reply::ok(json!({"continuation": crate::bulk_continuation::write(job).to_string()}))
}
