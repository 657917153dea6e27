//! The maps of ES's has-privileges answer (§13) as Java builds them: `HashMap`s, whose iteration
//! order clients see, and sorted maps of names, each built with one lookup a key (a request may
//! name 100,000 application resources).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::user_privileges::java_sorted;

/// Java's `HashMap` iteration order for these keys, inserted in this order (first insertion
/// wins the position): ES's has-privileges maps are `HashMap`s, so clients see them this way.
pub fn java_hash_order(keys: Vec<String>) -> Vec<String> {
    // Each key's first position: one map type for all of this module's lookups keeps the wasm
    // small.
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for (at, key) in keys.iter().enumerate() {
        first.entry(key).or_insert(at);
    }
    let unique: Vec<&String> =
        keys.iter().enumerate().filter(|(at, key)| first.get(key.as_str()) == Some(at)).map(|(_, key)| key).collect();
    let mut capacity: usize = 16;
    while unique.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let bucket = |key: &String| {
        let hash = key.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)));
        ((hash ^ (hash >> 16)) as usize) & (capacity - 1)
    };
    // (bucket, insertion index): sorting these pairs keeps insertion order within a bucket.
    let mut slots: Vec<(usize, usize)> = unique.iter().enumerate().map(|(at, key)| (bucket(key), at)).collect();
    crate::sorting::sort(&mut slots);
    slots.iter().filter_map(|(_, at)| unique.get(*at).map(|key| key.to_string())).collect()
}

pub(crate) fn flag_map(entries: Vec<(String, bool)>) -> Map<String, Value> {
    // Repeats of a key are ANDed, as ES merges resource privileges.
    let (mut at, mut granted): (BTreeMap<&str, usize>, Vec<bool>) = (BTreeMap::new(), Vec::new());
    for (key, flag) in &entries {
        match at.get(key.as_str()).and_then(|at| granted.get_mut(*at)) {
            Some(all) => *all &= *flag,
            None => {
                at.insert(key, granted.len());
                granted.push(*flag);
            }
        }
    }
    let mut out = Map::new();
    for key in java_hash_order(entries.iter().map(|(key, _)| key.clone()).collect()) {
        let flag = at.get(key.as_str()).and_then(|at| granted.get(*at)).copied().unwrap_or(true);
        out.insert(key, json!(flag));
    }
    out
}

/// Flags by key, in the order keys were first given, and where each key is.
#[derive(Default)]
pub(crate) struct Grouped<'a> {
    at: BTreeMap<&'a str, usize>,
    groups: Vec<(&'a str, Vec<(String, bool)>)>,
}

impl<'a> Grouped<'a> {
    pub(crate) fn add(&mut self, key: &'a str, flags: impl IntoIterator<Item = (String, bool)>) {
        match self.at.get(key).and_then(|at| self.groups.get_mut(*at)) {
            Some((_, existing)) => existing.extend(flags),
            None => {
                self.at.insert(key, self.groups.len());
                self.groups.push((key, flags.into_iter().collect()));
            }
        }
    }

    /// `{key: {flag: granted}}`, keys in Java's string order.
    pub(crate) fn into_map(mut self) -> Map<String, Value> {
        let mut out = Map::new();
        for key in java_sorted(self.groups.iter().map(|(key, _)| key.to_string()).collect()) {
            let flags =
                self.at.get(key.as_str()).and_then(|at| self.groups.get_mut(*at)).map(|(_, f)| std::mem::take(f));
            out.insert(key, Value::Object(flag_map(flags.unwrap_or_default())));
        }
        out
    }
}
