//! Small ordered maps and sets as sorted vectors: [`VecMap`] and [`VecSet`].
//!
//! Why: the browser bundle (issue 6). `BTreeMap` is a node-based tree whose
//! search, insert, remove, iteration and drop code is large and instantiated
//! again for every key/value pair; the engine and UI used 89 of them, 17.6 % of
//! the wasm's function bytes. Most of those maps hold a handful of brokers,
//! partitions, topics, members or groups, where a sorted vector is both
//! smaller in code and faster (one binary search over contiguous keys).
//!
//! The map is one `Vec<(K, V)>`, the set a `Vec<T>`. Keys and values in two
//! vectors (so that search and key moves are generic over the key type only)
//! measured the same: 575.5 KB gzipped against 575.0 KB for the pairs, whose
//! code is simpler (`retain` is `Vec::retain_mut`, one pass).
//!
//! Iteration order is the key order, exactly as `BTreeMap`'s, and `insert`,
//! `remove`, `entry`, `range`, `append`, `split_off`, `FromIterator` behave as
//! theirs (a duplicate key replaces the value; the last one collected wins), so
//! traces are unchanged. What is not: insert and remove are O(n). Maps that grow
//! with traffic or time (event queue, anything keyed per offset, the delivery
//! ledger, compaction's map of record keys) stay `BTreeMap`; maps of in-flight
//! requests are bounded by connections and `max.in.flight.requests.per.connection`.
//!
//! Not `litemap` (ICU4X's flat map, built for code size): its API differs from
//! `BTreeMap`'s where this code relies on it (no `range`, `pop_first`,
//! `append`, `split_off`, `values_mut`, `first_key_value`; no set type), so
//! call sites would have to be rewritten.

use std::borrow::Borrow;
use std::fmt;
use std::ops::{Bound, Index, RangeBounds};
use std::{slice, vec};

/// Where `key` is in `items`, sorted by `key_of` (`Ok`), or where it would go (`Err`).
fn search<E, Q: Ord + ?Sized>(items: &[E], key_of: impl Fn(&E) -> &Q, key: &Q) -> Result<usize, usize> {
    items.binary_search_by(|e| key_of(e).cmp(key))
}

/// The index range of `items`, sorted by `key_of`, whose keys are inside `range`.
fn bounds<E, Q: Ord + ?Sized>(items: &[E], key_of: impl Fn(&E) -> &Q, range: &impl RangeBounds<Q>) -> (usize, usize) {
    let start = match range.start_bound() {
        Bound::Included(s) => items.partition_point(|e| key_of(e) < s),
        Bound::Excluded(s) => items.partition_point(|e| key_of(e) <= s),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(end) => items.partition_point(|e| key_of(e) <= end),
        Bound::Excluded(end) => items.partition_point(|e| key_of(e) < end),
        Bound::Unbounded => items.len(),
    };
    // `BTreeMap::range` panics on a start after the end; an empty range is the same answer here.
    (start, end.max(start))
}

/// An ordered map on one sorted vector of pairs, with `BTreeMap`'s API (the part this crate uses).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

pub type Iter<'a, K, V> = std::iter::Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
pub type IterMut<'a, K, V> = std::iter::Map<slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;
pub type IntoIter<K, V> = vec::IntoIter<(K, V)>;

/// An entry as the `(&key, &value)` pair `BTreeMap`'s iterators yield.
fn pair<K, V>(e: &(K, V)) -> (&K, &V) {
    (&e.0, &e.1)
}

/// The key of an entry, as a named function so that every method searching a map with the same types shares one
/// instantiation of the search.
fn key_of<K: Borrow<Q>, V, Q: ?Sized>(entry: &(K, V)) -> &Q {
    entry.0.borrow()
}

fn pair_mut<K, V>(e: &mut (K, V)) -> (&K, &mut V) {
    (&e.0, &mut e.1)
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap { entries: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(pair)
    }

    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.entries.iter_mut().map(pair_mut)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.entries.iter().map(|e| &e.0)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.entries.iter().map(|e| &e.1)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|e| &mut e.1)
    }

    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        self.entries.into_iter().map(|e| e.0)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.entries.into_iter().map(|e| e.1)
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(pair)
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(pair)
    }

    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.is_empty() {
            return None;
        }
        Some(self.entries.remove(0))
    }

    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    /// Keeps the entries for which `keep` is true, visiting them in key order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|e| keep(&e.0, &mut e.1));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        search(&self.entries, key_of::<K, V, Q>, key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        search(&self.entries, key_of::<K, V, Q>, key).ok().map(|i| pair(&self.entries[i]))
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        search(&self.entries, key_of::<K, V, Q>, key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        search(&self.entries, key_of::<K, V, Q>, key).is_ok()
    }

    /// Inserts `value` under `key`; returns the value it replaced, as `BTreeMap::insert` (the key is not replaced).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match search(&self.entries, key_of::<K, V, K>, &key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        let i = search(&self.entries, key_of::<K, V, Q>, key).ok()?;
        Some(self.entries.remove(i))
    }

    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        match search(&self.entries, key_of::<K, V, K>, &key) {
            Ok(index) => Entry::Occupied(OccupiedEntry { map: self, index }),
            Err(index) => Entry::Vacant(VacantEntry { map: self, index, key }),
        }
    }

    /// The entries whose keys are inside `range`, in key order.
    pub fn range<Q: Ord + ?Sized, R: RangeBounds<Q>>(&self, range: R) -> Iter<'_, K, V>
    where
        K: Borrow<Q>,
    {
        let (start, end) = bounds(&self.entries, key_of::<K, V, Q>, &range);
        self.entries[start..end].iter().map(pair)
    }

    pub fn range_mut<Q: Ord + ?Sized, R: RangeBounds<Q>>(&mut self, range: R) -> IterMut<'_, K, V>
    where
        K: Borrow<Q>,
    {
        let (start, end) = bounds(&self.entries, key_of::<K, V, Q>, &range);
        self.entries[start..end].iter_mut().map(pair_mut)
    }

    /// Moves every entry of `other` into `self`; `other`'s values win on equal keys, as `BTreeMap::append`.
    pub fn append(&mut self, other: &mut Self) {
        self.extend(std::mem::take(other));
    }

    /// Splits off the entries at and after `key`, as `BTreeMap::split_off`.
    pub fn split_off<Q: Ord + ?Sized>(&mut self, key: &Q) -> Self
    where
        K: Borrow<Q>,
    {
        let at = self.entries.partition_point(|e| e.0.borrow() < key);
        VecMap { entries: self.entries.split_off(at) }
    }
}

/// A view into one key's place in a [`VecMap`], as `btree_map::Entry`.
pub enum Entry<'a, K, V> {
    Occupied(OccupiedEntry<'a, K, V>),
    Vacant(VacantEntry<'a, K, V>),
}

pub struct OccupiedEntry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    index: usize,
}

pub struct VacantEntry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    index: usize,
    key: K,
}

impl<'a, K, V> Entry<'a, K, V> {
    pub fn or_insert(self, default: V) -> &'a mut V {
        self.or_insert_with(|| default)
    }

    pub fn or_insert_with(self, default: impl FnOnce() -> V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    pub fn and_modify(mut self, f: impl FnOnce(&mut V)) -> Self {
        if let Entry::Occupied(e) = &mut self {
            f(e.get_mut());
        }
        self
    }

    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => &e.key,
        }
    }
}

impl<'a, K, V> OccupiedEntry<'a, K, V> {
    pub fn key(&self) -> &K {
        &self.map.entries[self.index].0
    }

    pub fn get(&self) -> &V {
        &self.map.entries[self.index].1
    }

    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.entries[self.index].1
    }

    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.entries[self.index].1
    }

    pub fn insert(&mut self, value: V) -> V {
        std::mem::replace(self.get_mut(), value)
    }

    pub fn remove(self) -> V {
        self.map.entries.remove(self.index).1
    }
}

impl<'a, K, V> VacantEntry<'a, K, V> {
    pub fn key(&self) -> &K {
        &self.key
    }

    pub fn insert(self, value: V) -> &'a mut V {
        {
            self.map.entries.insert(self.index, (self.key, value));
            &mut self.map.entries[self.index].1
        }
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = VecMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for VecMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut VecMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> Index<&Q> for VecMap<K, V> {
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for VecMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>> serde::Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for MapVisitor<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = VecMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// An ordered set on a sorted vector, with `BTreeSet`'s API (the part this crate uses).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VecSet<T> {
    items: Vec<T>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> VecSet<T> {
    pub const fn new() -> Self {
        VecSet { items: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn iter(&self) -> slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    pub fn pop_first(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        Some(self.items.remove(0))
    }

    pub fn pop_last(&mut self) -> Option<T> {
        self.items.pop()
    }

    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

impl<T: Ord> VecSet<T> {
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        search(&self.items, T::borrow, value).is_ok()
    }

    pub fn get<Q: Ord + ?Sized>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
    {
        search(&self.items, T::borrow, value).ok().map(|i| &self.items[i])
    }

    /// Adds `value`; false if it was already there (the stored value is kept, as `BTreeSet::insert`).
    pub fn insert(&mut self, value: T) -> bool {
        match search(&self.items, <T as Borrow<T>>::borrow, &value) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, value);
                true
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.take(value).is_some()
    }

    pub fn take<Q: Ord + ?Sized>(&mut self, value: &Q) -> Option<T>
    where
        T: Borrow<Q>,
    {
        let i = search(&self.items, T::borrow, value).ok()?;
        Some(self.items.remove(i))
    }

    pub fn range<Q: Ord + ?Sized, R: RangeBounds<Q>>(&self, range: R) -> slice::Iter<'_, T>
    where
        T: Borrow<Q>,
    {
        let (start, end) = bounds(&self.items, T::borrow, &range);
        self.items[start..end].iter()
    }

    pub fn append(&mut self, other: &mut Self) {
        self.extend(std::mem::take(other));
    }

    pub fn split_off<Q: Ord + ?Sized>(&mut self, value: &Q) -> Self
    where
        T: Borrow<Q>,
    {
        let at = self.items.partition_point(|k| k.borrow() < value);
        VecSet { items: self.items.split_off(at) }
    }

    /// The values in both sets, in order.
    pub fn intersection<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = &'a T> + 'a {
        self.iter().filter(move |v| other.contains(*v))
    }

    /// The values in `self` but not in `other`, in order.
    pub fn difference<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = &'a T> + 'a {
        self.iter().filter(move |v| !other.contains(*v))
    }

    pub fn is_subset(&self, other: &Self) -> bool {
        self.iter().all(|v| other.contains(v))
    }

    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }

    pub fn is_disjoint(&self, other: &Self) -> bool {
        self.intersection(other).next().is_none()
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<'a, T: Ord + Copy + 'a> Extend<&'a T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = VecSet::new();
        set.extend(iter);
        set
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for VecSet<T> {
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: serde::Serialize> serde::Serialize for VecSet<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: serde::Deserialize<'de> + Ord> serde::Deserialize<'de> for VecSet<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through a Vec: the sequence visitor is already instantiated for the element types used here.
        Ok(Vec::<T>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn insert_replaces_the_value_and_returns_the_old_one_as_btreemap() {
        let mut m = VecMap::new();
        let mut b = BTreeMap::new();
        for (k, v) in [(3, "c"), (1, "a"), (2, "b"), (1, "A"), (3, "C")] {
            assert_eq!(m.insert(k, v), b.insert(k, v));
        }
        assert_eq!(m.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_eq!(m.len(), 3);
        assert_eq!(m[&1], "A");
    }

    #[test]
    fn lookups_borrow_the_key() {
        let m: VecMap<String, i32> = [("b".to_string(), 2), ("a".to_string(), 1)].into_iter().collect();
        assert_eq!(m.get("a"), Some(&1));
        assert!(m.contains_key("b"));
        assert!(!m.contains_key("c"));
        assert_eq!(m["b"], 2);
        let mut m = m;
        *m.get_mut("a").unwrap() += 10;
        assert_eq!(m.remove("a"), Some(11));
        assert_eq!(m.remove("a"), None);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn entry_inserts_in_order_or_modifies() {
        let mut m: VecMap<&str, Vec<i32>> = VecMap::new();
        m.entry("b").or_default().push(1);
        m.entry("a").or_insert_with(|| vec![2]);
        m.entry("b").or_default().push(3);
        m.entry("c").and_modify(|v| v.push(9)).or_insert(vec![4]);
        m.entry("c").and_modify(|v| v.push(5)).or_insert(vec![0]);
        assert_eq!(format!("{m:?}"), r#"{"a": [2], "b": [1, 3], "c": [4, 5]}"#);
        match m.entry("a") {
            Entry::Occupied(e) => assert_eq!(e.remove(), vec![2]),
            Entry::Vacant(_) => panic!("a is there"),
        }
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn range_matches_btreemap() {
        let m: VecMap<i32, i32> = (0..20).step_by(3).map(|k| (k, k * 10)).collect();
        let b: BTreeMap<i32, i32> = (0..20).step_by(3).map(|k| (k, k * 10)).collect();
        for (lo, hi) in [(0, 20), (1, 6), (3, 3), (3, 4), (-5, 2), (19, 30)] {
            assert_eq!(m.range(lo..hi).collect::<Vec<_>>(), b.range(lo..hi).collect::<Vec<_>>());
            assert_eq!(m.range(lo..=hi).collect::<Vec<_>>(), b.range(lo..=hi).collect::<Vec<_>>());
            assert_eq!(m.range(..hi).next_back(), b.range(..hi).next_back());
            assert_eq!(m.range(lo..).collect::<Vec<_>>(), b.range(lo..).collect::<Vec<_>>());
            let excl = (Bound::Excluded(lo), Bound::Unbounded);
            assert_eq!(m.range(excl).collect::<Vec<_>>(), b.range(excl).collect::<Vec<_>>());
        }
        let mut m = m;
        for (_, v) in m.range_mut(6..=9) {
            *v = -1;
        }
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [0, 30, -1, -1, 120, 150, 180]);
    }

    #[test]
    fn retain_append_split_off_pop_match_btreemap() {
        let mut m: VecMap<i32, i32> = (0..10).map(|k| (k, k)).collect();
        let mut b: BTreeMap<i32, i32> = (0..10).map(|k| (k, k)).collect();
        m.retain(|k, v| {
            *v += 1;
            k % 3 != 0
        });
        b.retain(|k, v| {
            *v += 1;
            k % 3 != 0
        });
        assert_eq!(m.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        let mut mo: VecMap<i32, i32> = [(2, 100), (11, 110)].into();
        let mut bo: BTreeMap<i32, i32> = [(2, 100), (11, 110)].into();
        m.append(&mut mo);
        b.append(&mut bo);
        assert!(mo.is_empty());
        assert_eq!(m.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        let (mt, bt) = (m.split_off(&5), b.split_off(&5));
        assert_eq!(m.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_eq!(mt.into_iter().collect::<Vec<_>>(), bt.into_iter().collect::<Vec<_>>());
        assert_eq!(m.first_key_value(), b.first_key_value());
        assert_eq!(m.last_key_value(), b.last_key_value());
        assert_eq!(m.pop_first(), b.pop_first());
        assert_eq!(m.pop_last(), b.pop_last());
        assert_eq!(m.clone().into_values().collect::<Vec<_>>(), b.clone().into_values().collect::<Vec<_>>());
        for v in m.values_mut() {
            *v = 0;
        }
        assert!(m.values().all(|v| *v == 0));
    }

    #[test]
    fn collect_keeps_the_last_duplicate_as_btreemap() {
        let pairs = [(1, 'a'), (0, 'b'), (1, 'c')];
        let m: VecMap<_, _> = pairs.into_iter().collect();
        let b: BTreeMap<_, _> = pairs.into_iter().collect();
        assert_eq!(m.into_iter().collect::<Vec<_>>(), b.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn serializes_and_prints_as_btreemap() {
        let m: VecMap<String, i32> = [("b".to_string(), 2), ("a".to_string(), 1)].into();
        let b: BTreeMap<String, i32> = [("b".to_string(), 2), ("a".to_string(), 1)].into();
        assert_eq!(serde_json::to_string(&m).unwrap(), serde_json::to_string(&b).unwrap());
        assert_eq!(format!("{m:?}"), format!("{b:?}"));
        let back: VecMap<String, i32> = serde_json::from_str(r#"{"z": 1, "a": 2, "z": 3}"#).unwrap();
        assert_eq!(back.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("a", 2), ("z", 3)]);
        let s: VecSet<i32> = [3, 1, 2, 1].into();
        let bs: BTreeSet<i32> = [3, 1, 2, 1].into();
        assert_eq!(serde_json::to_string(&s).unwrap(), serde_json::to_string(&bs).unwrap());
        assert_eq!(format!("{s:?}"), format!("{bs:?}"));
        assert_eq!(serde_json::from_str::<VecSet<i32>>("[2, 1, 2]").unwrap(), [1, 2].into());
    }

    #[test]
    fn set_matches_btreeset() {
        let mut s = VecSet::new();
        let mut b = BTreeSet::new();
        for v in [5, 1, 3, 1, 9, 5] {
            assert_eq!(s.insert(v), b.insert(v));
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_eq!((s.first(), s.last()), (b.first(), b.last()));
        assert!(s.contains(&3) && !s.contains(&4));
        assert_eq!(s.remove(&3), b.remove(&3));
        assert_eq!(s.remove(&3), b.remove(&3));
        let other: VecSet<i32> = [1, 2, 9].into();
        let bother: BTreeSet<i32> = [1, 2, 9].into();
        assert_eq!(s.intersection(&other).collect::<Vec<_>>(), b.intersection(&bother).collect::<Vec<_>>());
        assert_eq!(s.difference(&other).collect::<Vec<_>>(), b.difference(&bother).collect::<Vec<_>>());
        assert_eq!(s.range(2..).collect::<Vec<_>>(), b.range(2..).collect::<Vec<_>>());
        assert!(VecSet::from([1, 9]).is_subset(&s) && !other.is_subset(&s));
        s.retain(|v| *v > 1);
        b.retain(|v| *v > 1);
        assert_eq!(s.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        assert_eq!(s.pop_first(), b.pop_first());
        assert_eq!(s.into_iter().collect::<Vec<_>>(), b.into_iter().collect::<Vec<_>>());
        let names: VecSet<String> = ["b", "a"].map(String::from).into();
        assert!(names.contains("a"));
    }
}
