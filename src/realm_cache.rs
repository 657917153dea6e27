//! The realms' cache of successful password logins (§17), as ES's CachingUsernamePasswordRealm
//! keeps one per realm: a login that succeeded is remembered by username, with the user it
//! yielded and a fast salted hash of its password (`cache.hash_algo`, ssha256), for `cache.ttl`
//! after it was written, for at most `cache.max_users` users (the least recently used go first).
//! A repeat login with the same password costs that hash instead of the realm's slow one; a
//! different password drops the entry and is checked against the store, as ES does ("the
//! password might have changed there"). Only enabled users are remembered.
//!
//! One cache serves both realms of the service (the reserved `elastic` and the native realm):
//! their usernames never overlap, and the realm of an entry is known from its username. It is
//! per instance (an isolate): a change made in one isolate clears its entry there (`forget`),
//! other isolates converge within the TTL (README, consistency).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::codec::random_bytes;
use crate::errors::{Cause, Reply};
use crate::settings::parse_time_value;
use crate::user_lookup::usernames;
use crate::users::{native_realm, reserved_realm, ELASTIC};

/// ES's defaults: `cache.ttl` 20m, `cache.max_users` 100,000, `cache.hash_algo` ssha256.
pub const DEFAULT_TTL_MS: u64 = 20 * 60 * 1000;
pub const DEFAULT_MAX_USERS: usize = 100_000;
const HASH_ALGO: &str = "ssha256";
/// ES's SSHA256 salt is 8 characters.
const SALT_BYTES: usize = 8;
/// The one node that answers `_clear_cache`: this instance. Named as GET / names the server.
const NODE: &str = "edge-token";

/// The cache's settings, as the env gives them (`REALM_CACHE_TTL`, `REALM_CACHE_MAX_USERS`,
/// `REALM_CACHE_HASH_ALGO`); a TTL of 0 (or ES's `-1`) turns the cache off, as in ES.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    pub ttl_ms: u64,
    pub max_users: usize,
}

impl CacheSettings {
    /// The settings, or the operator's message naming the setting that is wrong.
    pub fn parse(ttl: Option<&str>, max_users: Option<&str>, hash_algo: Option<&str>) -> Result<Self, String> {
        let ttl_ms = match ttl.map(str::trim) {
            None => DEFAULT_TTL_MS,
            Some("-1") => 0,
            Some(text) => parse_time_value("cache.ttl", text).map_err(|reply| {
                reply.body.pointer("/error/reason").and_then(Value::as_str).unwrap_or_default().to_string()
            })?,
        };
        let max_users = match max_users.map(str::trim) {
            None => DEFAULT_MAX_USERS,
            Some(text) => text.parse::<u32>().map_err(|_| {
                format!("failed to parse value [{text}] for setting [cache.max_users], must be an integer >= [0]")
            })? as usize,
        };
        if let Some(algo) = hash_algo.map(str::trim).filter(|a| !a.eq_ignore_ascii_case(HASH_ALGO)) {
            return Err(format!(
                "unsupported value [{algo}] for setting [cache.hash_algo]: this service caches with [{HASH_ALGO}]"
            ));
        }
        Ok(CacheSettings { ttl_ms, max_users })
    }
}

struct Entry {
    salt: [u8; SALT_BYTES],
    hash: [u8; 32],
    /// The `_authenticate` body the login yielded, as JSON text.
    principal: String,
    expires_at: u64,
    /// When the entry was last used, in the cache's own count.
    used: u64,
}

/// ssha256: SHA-256 of the password's UTF-8 bytes, then the salt's.
fn salted_hash(password: &str, salt: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(password.as_bytes()).chain_update(salt).finalize().into()
}

/// One instance's cache. `generation` counts the forgets and clears: a login that began
/// before one of them is not remembered (its record may be the one just replaced). A password
/// that does not match drops its entry without counting: it changed nothing in the store, and
/// failed guesses must not keep other users' logins out of the cache.
pub struct RealmCache {
    settings: CacheSettings,
    entries: BTreeMap<String, Entry>,
    /// The usernames by last use, oldest first: eviction in O(log n), not a scan.
    by_use: BTreeMap<u64, String>,
    uses: u64,
    generation: u64,
}

impl RealmCache {
    pub fn new(settings: CacheSettings) -> Self {
        RealmCache { settings, entries: BTreeMap::new(), by_use: BTreeMap::new(), uses: 0, generation: 0 }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Taken before a login reads the store; handed back to [`RealmCache::remember`].
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The user a cached login of `username` with `password` yields (its `_authenticate` body
    /// as JSON text), or `None`: no entry, an expired one, or another password, which drops the
    /// entry so the store decides (ES). A hit is now the most recently used.
    pub fn lookup(&mut self, username: &str, password: &str, now: u64) -> Option<String> {
        let entry = self.entries.get_mut(username)?;
        let matches: bool = salted_hash(password, &entry.salt).ct_eq(&entry.hash).into();
        if !matches || now >= entry.expires_at {
            self.drop_entry(username);
            return None;
        }
        self.uses += 1;
        self.by_use.remove(&entry.used);
        entry.used = self.uses;
        self.by_use.insert(self.uses, username.to_string());
        Some(entry.principal.clone())
    }

    /// Remembers a login that succeeded for an enabled user, unless the cache is off or an
    /// entry was forgotten since `generation` was taken. Past `max_users`, the least recently
    /// used entries go.
    pub fn remember(&mut self, username: &str, password: &str, principal: &Value, generation: u64, now: u64) {
        if self.settings.ttl_ms == 0 || self.settings.max_users == 0 || generation != self.generation {
            return;
        }
        if principal.get("enabled") != Some(&Value::Bool(true)) {
            return;
        }
        let Ok(salt) = random_bytes::<SALT_BYTES>() else {
            return; // no random source: not cached, never wrong
        };
        self.drop_entry(username);
        self.uses += 1;
        let entry = Entry {
            salt,
            hash: salted_hash(password, &salt),
            principal: principal.to_string(),
            expires_at: now.saturating_add(self.settings.ttl_ms),
            used: self.uses,
        };
        self.entries.insert(username.to_string(), entry);
        self.by_use.insert(self.uses, username.to_string());
        while self.entries.len() > self.settings.max_users {
            let Some((_, oldest)) = self.by_use.pop_first() else { break };
            self.entries.remove(&oldest);
        }
    }

    /// ES's `expire(username)`: after a password change, a delete, a disable.
    pub fn forget(&mut self, username: &str) {
        self.generation += 1;
        self.drop_entry(username);
    }

    fn drop_entry(&mut self, username: &str) {
        if let Some(old) = self.entries.remove(username) {
            self.by_use.remove(&old.used);
        }
    }

    /// Drops every entry of `realm` (all realms: `None`).
    fn forget_realm(&mut self, realm: Option<&str>) {
        self.generation += 1;
        let doomed: Vec<String> =
            self.entries.keys().filter(|name| realm.is_none_or(|r| realm_of(name) == r)).cloned().collect();
        for name in doomed {
            self.drop_entry(&name);
        }
    }

    /// POST /_security/realm/{realms}/_clear_cache?usernames=: `realms` as the path gives them
    /// (`*` or `_all` for every realm), `names` the `usernames` parameter. ES's nodes response:
    /// this instance is the one node; an unknown realm is its failure (what ES's node operation
    /// throws), after the realms named before it were cleared.
    pub fn clear(&mut self, realms: &str, names: Option<&str>) -> Reply {
        let names = names.map(usernames).unwrap_or_default();
        let realms = usernames(realms);
        let all = realms.is_empty() || realms.iter().any(|r| r == "_all" || r == "*");
        let targets: Vec<Option<&str>> =
            if all { vec![None] } else { realms.iter().map(|r| Some(r.as_str())).collect() };
        for realm in targets {
            if let Some(name) = realm.filter(|r| *r != reserved_realm().name && *r != native_realm().name) {
                return nodes_reply(Some(&format!("could not find active realm [{name}]")));
            }
            if names.is_empty() {
                self.forget_realm(realm);
            }
            for name in names.iter().filter(|n| realm.is_none_or(|r| realm_of(n) == r)) {
                self.forget(name);
            }
        }
        nodes_reply(None)
    }
}

/// The realm a username logs in through here.
fn realm_of(username: &str) -> String {
    if username == ELASTIC {
        reserved_realm().name
    } else {
        native_realm().name
    }
}

/// ES's nodes response (`RestActions.nodesResponseToXContent`) for this one node, or its failure.
fn nodes_reply(failure: Option<&str>) -> Reply {
    let mut header = Map::new();
    header.insert("total".into(), 1.into());
    header.insert("successful".into(), u8::from(failure.is_none()).into());
    header.insert("failed".into(), u8::from(failure.is_some()).into());
    let mut nodes = Map::new();
    match failure {
        None => {
            nodes.insert(NODE.into(), json!({"name": NODE}));
        }
        Some(reason) => {
            let cause = Cause::new("failed_node_exception", format!("Failed node [{NODE}]"))
                .with_metadata("node_id", NODE.into())
                .caused_by(Cause::new("illegal_argument_exception", reason));
            header.insert("failures".into(), Value::Array(vec![cause.to_json(true)]));
        }
    }
    Reply::ok(json!({"_nodes": header, "cluster_name": NODE, "nodes": nodes}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, enabled: bool) -> Value {
        json!({"username": name, "roles": [], "enabled": enabled})
    }

    fn cache(ttl: &str, max: &str) -> RealmCache {
        let settings = CacheSettings::parse(Some(ttl), Some(max), None);
        RealmCache::new(settings.unwrap_or(CacheSettings { ttl_ms: 1, max_users: 0 }))
    }

    #[test]
    fn settings_as_es_names_them() {
        let parse = CacheSettings::parse;
        assert_eq!(parse(None, None, None), Ok(CacheSettings { ttl_ms: 1_200_000, max_users: 100_000 }));
        assert_eq!(parse(Some("5s"), Some("10"), Some("SSHA256")), Ok(CacheSettings { ttl_ms: 5000, max_users: 10 }));
        assert_eq!(parse(Some("-1"), None, None).map(|s| s.ttl_ms), Ok(0));
        assert!(parse(Some("5"), None, None).is_err_and(|m| m.contains("[cache.ttl]")));
        assert!(parse(None, Some("-3"), None).is_err_and(|m| m.contains("[cache.max_users]")));
        assert!(parse(None, None, Some("bcrypt")).is_err_and(|m| m.contains("[cache.hash_algo]")));
    }

    #[test]
    fn a_hit_needs_the_same_password_and_a_miss_drops_the_entry() {
        let mut c = cache("20m", "10");
        c.remember("joe", "right", &user("joe", true), c.generation(), 0);
        assert!(c.lookup("joe", "right", 1).is_some_and(|p| p.contains("\"joe\"")));
        assert_eq!(c.lookup("joe", "wrong", 2), None);
        // ES: a mismatch clears the entry, so the right password is checked by the store again.
        assert_eq!(c.lookup("joe", "right", 3), None);
        assert!(c.is_empty());
    }

    #[test]
    fn entries_expire_after_the_ttl_from_their_write() {
        let mut c = cache("1m", "10");
        c.remember("joe", "pw", &user("joe", true), 0, 1000);
        assert!(c.lookup("joe", "pw", 60_999).is_some());
        assert_eq!(c.lookup("joe", "pw", 61_000), None);
    }

    #[test]
    fn least_recently_used_go_first_past_max_users() {
        let mut c = cache("1h", "2");
        c.remember("a", "pw", &user("a", true), 0, 0);
        c.remember("b", "pw", &user("b", true), 0, 0);
        assert!(c.lookup("a", "pw", 1).is_some());
        c.remember("c", "pw", &user("c", true), 0, 2);
        assert_eq!(c.len(), 2);
        assert_eq!(c.lookup("b", "pw", 3), None);
        assert!(c.lookup("a", "pw", 3).is_some() && c.lookup("c", "pw", 3).is_some());
    }

    #[test]
    fn nothing_is_remembered_when_off_disabled_or_forgotten_meanwhile() {
        let mut off = cache("0s", "10");
        off.remember("a", "pw", &user("a", true), 0, 0);
        let mut none = cache("1h", "0");
        none.remember("a", "pw", &user("a", true), 0, 0);
        let mut c = cache("1h", "10");
        c.remember("d", "pw", &user("d", false), 0, 0);
        let before = c.generation();
        c.forget("someone");
        c.remember("a", "pw", &user("a", true), before, 0);
        assert!(off.is_empty() && none.is_empty() && c.is_empty());
        // A wrong password is no change: a login that began before it is still remembered.
        c.remember("b", "pw", &user("b", true), c.generation(), 0);
        let before = c.generation();
        assert_eq!(c.lookup("b", "guess", 1), None);
        c.remember("a", "pw", &user("a", true), before, 1);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn clear_by_realm_and_username_with_es_body() {
        let mut c = cache("1h", "10");
        for name in ["elastic", "a", "b"] {
            c.remember(name, "pw", &user(name, true), 0, 0);
        }
        let ok = json!({"_nodes":{"total":1,"successful":1,"failed":0},"cluster_name":"edge-token","nodes":{"edge-token":{"name":"edge-token"}}});
        assert_eq!(c.clear("default_native", Some("a,elastic")).body, ok);
        assert_eq!(c.len(), 2);
        assert_eq!(c.clear("reserved", None).body, ok);
        assert_eq!(c.len(), 1);
        let failed = c.clear("default_native,nope", None);
        assert_eq!((failed.status, c.len()), (200, 0));
        let failure = json!({"type": "failed_node_exception", "reason": "Failed node [edge-token]", "node_id": "edge-token",
            "caused_by": {"type": "illegal_argument_exception", "reason": "could not find active realm [nope]"}});
        let nodes = json!({"total": 1, "successful": 0, "failed": 1, "failures": [failure]});
        assert_eq!(
            failed.body.to_string(),
            json!({"_nodes": nodes, "cluster_name": "edge-token", "nodes": {}}).to_string()
        );
        c.remember("a", "pw", &user("a", true), c.generation(), 0);
        assert_eq!(c.clear("*", Some("a")).body, ok);
        assert!(c.is_empty());
    }
}
