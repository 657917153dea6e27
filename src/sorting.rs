//! One small sort for the crate: heapsort, in place, O(n log n) at worst, not stable. Every
//! caller sorts by an order whose equal elements are interchangeable (or deduplicates them
//! next), so stability would change nothing; core's slice sorts cost the wasm several KB for
//! each element type they are used with.

use std::cmp::Ordering;

/// Sorts `items` ascending by `compare`.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let len = items.len();
    // The element type's part: one small closure per `T` and caller; the heap walk is shared.
    heapsort(len, &mut |a, b, swap| {
        if swap {
            items.swap(a, b);
            return false;
        }
        match (items.get(a), items.get(b)) {
            (Some(x), Some(y)) => compare(x, y) == Ordering::Less,
            _ => false,
        }
    });
}

/// Heapsort over positions `0..len`. `step(a, b, false)` says whether the element at `a` sorts
/// before the one at `b`; `step(a, b, true)` swaps them. Not generic, so compiled once for
/// every element type (core's slice sorts cost the wasm several KB per type, a generic heapsort
/// a few hundred bytes).
fn heapsort(len: usize, step: &mut dyn FnMut(usize, usize, bool) -> bool) {
    for root in (0..len / 2).rev() {
        sift_down(step, root, len);
    }
    for end in (1..len).rev() {
        step(0, end, true);
        sift_down(step, 0, end);
    }
}

/// Moves the element at `root` down the heap of positions `0..end` until it sorts no earlier
/// than its children.
fn sift_down(step: &mut dyn FnMut(usize, usize, bool) -> bool, mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && step(child, child + 1, false) {
            child += 1;
        }
        if !step(root, child, false) {
            return;
        }
        step(root, child, true);
        root = child;
    }
}

/// Sorts `items` ascending.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Java's `String.compareTo`, which ES sorts names by: UTF-16 code units.
pub fn java_string_order(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_core_does() {
        let mut seed = 7u64;
        for len in 0..70 {
            let mut items: Vec<u64> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (seed >> 33) % 13
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_unstable();
            sort(&mut items);
            assert_eq!(items, expected);
        }
        let mut words = vec!["b", "a", "c", "a"];
        sort_by(&mut words, |a, b| b.cmp(a));
        assert_eq!(words, ["c", "b", "a", "a"]);
    }
}
