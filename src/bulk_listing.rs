//! The pieces a bulk invalidation reads its scope with, one segment at a time: a budget of KV
//! operations, and listings read page by page whose unread keys are kept between segments.
//!
//! Why: Workers allows 1,000 KV operations per invocation and lists 1,000 keys per page, so a
//! realm of 1,000,000 tokens cannot be listed in one invocation. KV lists in key order, and the
//! listings of one scope sort alike (by user, then document; a user's own by realm, then
//! document), so they are read side by side (a merge) and each can stop at any key and go on.

use std::collections::VecDeque;

use serde_json::{json, Value};

use crate::store::{KvStore, ListedKey, StoreError, LIST_PAGE_LIMIT};

/// Why a segment stopped before its scope was read to the end.
#[derive(Debug)]
pub enum Halt {
    /// Its budget is spent (one operation stays for the watermark write): carry on later.
    Budget,
    Store(StoreError),
}

impl From<StoreError> for Halt {
    fn from(error: StoreError) -> Self {
        Halt::Store(error)
    }
}

/// The KV operations a segment may still make. One is always kept for the watermark write, so
/// a segment that reads its scope to the end can also finish it.
#[derive(Debug)]
pub struct Budget {
    left: u32,
    spent: u32,
}

impl Budget {
    pub fn new(operations: u32) -> Self {
        Budget { left: operations, spent: 0 }
    }

    /// Takes one operation for a read, or halts when only the write's is left.
    pub fn spend(&mut self) -> Result<(), Halt> {
        if self.left <= 1 {
            return Err(Halt::Budget);
        }
        self.left -= 1;
        self.spent += 1;
        Ok(())
    }

    /// Operations this segment made so far (the write not included).
    pub fn spent(&self) -> u32 {
        self.spent
    }
}

/// One prefix listed page by page. `complete` once its last page was read; the keys read and
/// not yet consumed stay in `keys`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    prefix: String,
    cursor: Option<String>,
    keys: VecDeque<ListedKey>,
    complete: bool,
}

impl Listing {
    pub fn new(prefix: String) -> Self {
        Listing { prefix, ..Listing::default() }
    }

    /// A listing with nothing in it (a scope that does not need this one).
    pub fn empty() -> Self {
        Listing { complete: true, ..Listing::default() }
    }

    /// The key `at` places ahead of the next one, reading pages as needed; `None` past the end.
    pub async fn peek<S: KvStore>(
        &mut self,
        store: &S,
        budget: &mut Budget,
        at: usize,
    ) -> Result<Option<&ListedKey>, Halt> {
        while self.keys.len() <= at && !self.complete {
            budget.spend()?;
            let page = store.list(&self.prefix, self.cursor.as_deref(), LIST_PAGE_LIMIT).await?;
            self.keys.extend(page.keys);
            match page.cursor {
                Some(next) if Some(&next) != self.cursor.as_ref() => self.cursor = Some(next),
                _ => self.complete = true,
            }
        }
        Ok(self.keys.get(at))
    }

    /// Consumes the next key.
    pub fn pop(&mut self) {
        self.keys.pop_front();
    }

    /// Consumes keys while `before` says they come before the position being read.
    pub async fn skip_while<S: KvStore>(
        &mut self,
        store: &S,
        budget: &mut Budget,
        before: impl Fn(&str) -> bool,
    ) -> Result<(), Halt> {
        while let Some(key) = self.peek(store, budget, 0).await? {
            if !before(&key.name) {
                break;
            }
            self.pop();
        }
        Ok(())
    }

    /// `{"cursor","complete","keys":[[name, metadata]...]}`: where the listing stands. The prefix
    /// is not written: a continuation names its scope, and the prefixes follow from it.
    pub fn to_json(&self) -> Value {
        let keys: Vec<Value> = self.keys.iter().map(|k| json!([k.name, k.metadata])).collect();
        json!({"cursor": self.cursor, "complete": self.complete, "keys": keys})
    }

    /// This listing (its prefix) where `to_json` wrote that it stood.
    pub fn restore(&self, value: &Value) -> Option<Listing> {
        let prefix = self.prefix.clone();
        let cursor = match value.get("cursor")? {
            Value::Null => None,
            other => Some(other.as_str()?.to_string()),
        };
        let keys = value.get("keys")?.as_array()?.iter().map(listed_key).collect::<Option<VecDeque<_>>>()?;
        Some(Listing { prefix, cursor, keys, complete: value.get("complete")?.as_bool()? })
    }
}

fn listed_key(value: &Value) -> Option<ListedKey> {
    let name = value.get(0)?.as_str()?.to_string();
    let metadata = value.get(1).filter(|m| !m.is_null()).cloned();
    Some(ListedKey { name, metadata })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use pollster::block_on;

    #[test]
    fn a_listing_stops_where_its_budget_ends_and_goes_on_from_there() {
        let store = MemoryStore::new(0);
        for i in 0..2_500 {
            block_on(store.put(&format!("p:{i:05}"), "", 60, None)).unwrap();
        }
        let mut listing = Listing::new("p:".into());
        let mut names = Vec::new();
        let mut segments = 0;
        loop {
            segments += 1;
            let mut budget = Budget::new(2);
            let next = block_on(listing.peek(&store, &mut budget, 0));
            match next {
                Ok(Some(key)) => {
                    names.push(key.name.clone());
                    listing.pop();
                }
                Ok(None) => break,
                Err(Halt::Budget) => listing = Listing::new("p:".into()).restore(&listing.to_json()).unwrap(),
                Err(Halt::Store(error)) => panic!("{error}"),
            }
            // A budget of 2 allows one page per segment: the rest waits in the listing.
            while let Ok(Some(key)) = block_on(listing.peek(&store, &mut Budget::new(1), 0)) {
                names.push(key.name.clone());
                listing.pop();
            }
        }
        assert_eq!(names.len(), 2_500);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        assert!(segments >= 3, "{segments}");
    }
}
