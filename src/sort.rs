//! One stable sort for the whole crate, instantiated once.
//!
//! std's `sort_by` / `sort_by_key` are generic over the element and the closure, so every call
//! site compiles its own copy of the sort (a few KB of wasm each, twenty-odd copies). Here the
//! comparison and the moves go through `dyn FnMut`: one merge sort orders a `Vec<u32>` of
//! indices, and the permutation is then applied with swaps. The generic part left at each call
//! site is two small closures. Stable like std's `sort_by`: equal elements keep their order, so
//! results are the same as std's stable sort (and deterministic, unlike `sort_unstable` on ties).

use std::cmp::Ordering;

/// Sorts `v` stably by `compare` (same result as `v.sort_by(compare)`).
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let order = sorted_order(v.len(), &mut |a, b| compare(&v[a], &v[b]));
    permute(order, &mut |a, b| v.swap(a, b));
}

/// Sorts `v` stably by the key `f` computes (same result as `v.sort_by_key(f)`; like std, the
/// key is computed at every comparison).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` stably in ascending order (same result as `v.sort()`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The indices `0..len` in the order that sorts the elements they stand for, equal ones in
/// index order.
///
/// A bottom-up merge sort (runs of 1, 2, 4, ... merged, the left run winning ties): a few
/// hundred bytes of wasm where std's driftsort is several KB; O(n log n) comparisons like std.
fn sorted_order(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<u32> {
    let count = u32::try_from(len).expect("fewer than 2^32 elements");
    let mut order: Vec<u32> = (0..count).collect();
    let mut merged = order.clone();
    let mut width = 1;
    while width < len {
        for start in (0..len).step_by(2 * width) {
            let mid = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut left, mut right) = (start, mid);
            for slot in &mut merged[start..end] {
                let take_right = right < end
                    && (left == mid || compare(order[right] as usize, order[left] as usize) == Ordering::Less);
                let from = if take_right { &mut right } else { &mut left };
                *slot = order[*from];
                *from += 1;
            }
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

/// Moves the element at `order[i]` to position `i` for every `i`, following each cycle of the
/// permutation with swaps (`order` marks a finished position by pointing it at itself).
fn permute(mut order: Vec<u32>, swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] as usize != at {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                // The element that started here has been carried along to `at`: cycle done.
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (no OS randomness in this crate).
    fn lcg(state: &mut u64) -> u64 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *state >> 33
    }

    #[test]
    fn matches_std_stable_sort_including_ties() {
        let mut state = 7;
        for len in 0..200 {
            // Few distinct keys so ties are common; the second field tells equal keys apart.
            let items: Vec<(u64, usize)> = (0..len).map(|i| (lcg(&mut state) % 5, i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|item| item.0);
            let mut ours = items.clone();
            sort_by_key(&mut ours, |item| item.0);
            assert_eq!(ours, expected, "len {len}");
        }
    }

    #[test]
    fn sorts_by_ord_and_by_comparator() {
        let mut words = vec!["pear", "apple", "fig", "apple", "banana"];
        sort(&mut words);
        assert_eq!(words, ["apple", "apple", "banana", "fig", "pear"]);
        sort_by(&mut words, |a, b| b.len().cmp(&a.len()));
        assert_eq!(words, ["banana", "apple", "apple", "pear", "fig"]);
    }

    #[test]
    fn moves_owned_values_without_losing_any() {
        let mut names: Vec<String> = (0..50).map(|i| format!("m-{}", (i * 37) % 50)).collect();
        let mut expected = names.clone();
        expected.sort();
        sort(&mut names);
        assert_eq!(names, expected);
    }
}
