//! The producer partitioner: which partition a record goes to.
//!
//! - Keyed records: [`partition_for_key`], `toPositive(murmur2(key)) % numPartitions`, bit for bit as
//!   the Java client (`org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey`,
//!   hash from `org.apache.kafka.common.utils.Utils.murmur2`).
//! - Records without a key: [`StickyPartitioner`], the Java client's built-in "uniform sticky"
//!   partitioner (Kafka 3.3+, KIP-794), or [`RoundRobinPartitioner`] when `partitioner.class` is
//!   `org.apache.kafka.clients.producer.RoundRobinPartitioner`.
//!
//! # The classic surprise for .NET (and Python, Go-librdkafka, kcat) developers
//!
//! Confluent.Kafka wraps librdkafka, and librdkafka's default `partitioner` is
//! **`consistent_random`**: CRC32 of the key modulo the partition count ([`crc32_partition`]), with
//! empty and null keys sent to a random partition. The Java client uses murmur2. So the same key
//! produced from C# and from Java usually lands in *different* partitions of the same topic, and
//! per-key ordering across the two producers is lost. Set `partitioner=murmur2_random` in the
//! librdkafka / Confluent.Kafka config (`Partitioner = Partitioner.Murmur2Random` in C#) to get
//! Java's placement for every non-null key. (librdkafka's `murmur2_random` still hashes an *empty*
//! key, as Java does; only a null key goes to a random partition.)
//!
//! Every function here is pure; the sticky partitioner's randomness comes from the engine's seeded
//! RNG, passed in, so a run replays exactly.

use crate::collections::VecMap;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::ids::PartitionId;

/// `org.apache.kafka.common.utils.Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed
/// `0x9747b28c`, returned as the Java `int` it computes (so it may be negative).
///
/// The Java code works on signed `int`s with wrapping multiplication and `>>>` (logical shift);
/// unsigned arithmetic with `wrapping_mul` and `>>` is the same bits. The tail switch in Java falls
/// through (`case 3` then `case 2` then `case 1`), which the three `if`s below spell out.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    // 'm' and 'r' are mixing constants generated offline (comment from the Java source).
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java: `int h = seed ^ length;` a Java array is shorter than 2^31, so the cast keeps the bits.
    let mut h: u32 = SEED ^ (data.len() as u32);

    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// `org.apache.kafka.common.utils.Utils.toPositive`: clears the sign bit (`n & 0x7fffffff`).
///
/// Not `abs`: `toPositive(-1)` is `2147483647`, and `Integer.MIN_VALUE` maps to 0.
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition the Java producer picks for a record with this (serialized) key:
/// `toPositive(murmur2(key)) % numPartitions`.
///
/// An empty key is a key (it hashes); only a null key goes to the sticky partitioner.
///
/// # Panics
/// If `num_partitions` is not positive (Java would divide by zero).
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> PartitionId {
    assert!(num_partitions > 0, "a topic has at least one partition, got {num_partitions}");
    to_positive(murmur2(key)) % num_partitions
}

/// CRC-32 (IEEE 802.3, the zlib / `crc32` command polynomial), as librdkafka's `rd_crc32`.
///
/// Not CRC-32C: record batches use the Castagnoli polynomial; librdkafka's partitioner does not.
pub fn crc32(data: &[u8]) -> u32 {
    // Bitwise, reflected polynomial 0xEDB88320; keys are short, so no table is kept.
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// librdkafka's `consistent` partitioner (and `consistent_random` for a non-empty key):
/// `rd_crc32(key) % partition_cnt`, computed unsigned as in C.
///
/// This is where Confluent.Kafka (.NET), confluent-kafka-python and kcat put a keyed record by
/// default, and it is *not* where the Java client puts it; see the module documentation.
/// `consistent_random` sends an empty or null key to a random partition instead.
///
/// # Panics
/// If `num_partitions` is not positive.
pub fn crc32_partition(key: &[u8], num_partitions: i32) -> PartitionId {
    assert!(num_partitions > 0, "a topic has at least one partition, got {num_partitions}");
    (crc32(key) % num_partitions as u32) as PartitionId
}

/// The `index`-th partition counting over those with a leader (`available`, in partition order),
/// or over all `num_partitions` when none has one: what both Java partitioners do with their
/// random number or counter. `index` is non-negative.
fn pick_partition(available: &[PartitionId], num_partitions: i32, index: i32) -> PartitionId {
    if available.is_empty() {
        assert!(num_partitions > 0, "a topic has at least one partition, got {num_partitions}");
        index % num_partitions
    } else {
        available[index as usize % available.len()]
    }
}

/// Picks the next sticky partition as `BuiltInPartitioner.nextPartition` does without load
/// statistics: `toPositive(random int) % available.size()`.
fn random_partition(available: &[PartitionId], num_partitions: i32, rng: &mut impl RngCore) -> PartitionId {
    pick_partition(available, num_partitions, to_positive(rng.next_u32() as i32))
}

/// The built-in partitioner's state for records without a key, for one topic: Kafka 3.3+
/// `org.apache.kafka.clients.producer.internals.BuiltInPartitioner` (KIP-794, "uniform sticky").
///
/// All null-key records go to the current sticky partition. After each append the producer
/// reports the bytes appended ([`StickyPartitioner::on_append`]); once at least `batch.size`
/// bytes went to the partition *and* its last batch is full (ready to send), the partitioner
/// switches to a new partition chosen uniformly at random among the available ones (which may
/// be the same partition again). If the batch is not yet full (a long `linger.ms`), the switch
/// waits, but never beyond `2 * batch.size` bytes, so batches are not cut into fragments.
///
/// Not modelled: adaptive partitioning (`partitioner.adaptive.partitioning.enable`), which
/// weights the choice against partitions with long queues when queue sizes differ; with equal
/// queues Java also chooses uniformly.
///
/// Before Kafka 3.3 (KIP-480) the switch happened whenever a new batch was created; the visible
/// behaviour, "one partition per batch", is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickyPartitioner {
    /// Bytes to produce to a partition before switching: the producer's `batch.size`.
    sticky_batch_size: i32,
    /// The current sticky partition; chosen on the first null-key record.
    current: Option<PartitionId>,
    /// Bytes appended to `current` since it was chosen.
    produced_bytes: i32,
}

impl StickyPartitioner {
    /// A partitioner that switches after `sticky_batch_size` bytes (`batch.size`, default 16384).
    ///
    /// # Panics
    /// If `sticky_batch_size < 1`, as Java's constructor refuses it.
    pub fn new(sticky_batch_size: i32) -> Self {
        assert!(sticky_batch_size >= 1, "stickyBatchSize must be >= 1 but got {sticky_batch_size}");
        StickyPartitioner { sticky_batch_size, current: None, produced_bytes: 0 }
    }

    /// The current sticky partition, if one has been chosen.
    pub fn current(&self) -> Option<PartitionId> {
        self.current
    }

    /// Bytes appended to the current partition since it was chosen.
    pub fn produced_bytes(&self) -> i32 {
        self.produced_bytes
    }

    /// The partition for the next null-key record (Java's `peekCurrentPartitionInfo`): the
    /// current sticky partition, chosen at random the first time.
    ///
    /// `available` lists the partitions that have a leader, in partition order; `num_partitions`
    /// is the topic's partition count, used when none is available.
    pub fn partition(&mut self, available: &[PartitionId], num_partitions: i32, rng: &mut impl RngCore) -> PartitionId {
        if let Some(partition) = self.current {
            return partition;
        }
        let partition = random_partition(available, num_partitions, rng);
        self.current = Some(partition);
        self.produced_bytes = 0;
        partition
    }

    /// Records that `appended_bytes` went to the current partition (Java's `updatePartitionInfo`)
    /// and switches partition if enough was produced. `last_batch_full` is Java's `enableSwitch`:
    /// true when the partition's newest batch is full, so a switch does not strand a small batch.
    ///
    /// Returns the new partition when it switched.
    pub fn on_append(
        &mut self,
        appended_bytes: i32,
        last_batch_full: bool,
        available: &[PartitionId],
        num_partitions: i32,
        rng: &mut impl RngCore,
    ) -> Option<PartitionId> {
        assert!(self.current.is_some(), "on_append before a sticky partition was chosen");
        assert!(appended_bytes >= 0, "appended a negative number of bytes: {appended_bytes}");
        self.produced_bytes = self.produced_bytes.saturating_add(appended_bytes);
        let enough = self.produced_bytes >= self.sticky_batch_size && last_batch_full;
        let far_too_much = self.produced_bytes >= self.sticky_batch_size.saturating_mul(2);
        if !(enough || far_too_much) {
            return None;
        }
        let next = random_partition(available, num_partitions, rng);
        self.current = Some(next);
        self.produced_bytes = 0;
        Some(next)
    }
}

/// `org.apache.kafka.clients.producer.RoundRobinPartitioner`: every record, keyed or not, goes to
/// the next partition, with one counter per topic.
///
/// The counter indexes the *available* partitions (those with a leader), so while a leader is
/// missing the cycle skips its partition; with none available it indexes all partitions.
///
/// This models the partitioner as fixed by KAFKA-17632 (apache/kafka PR #17620, in Kafka 4.0 and
/// backported to 3.9). From Kafka 2.4 until that fix the producer asked the partitioner twice for
/// every record that opened a new batch, and with an even partition count the Java
/// RoundRobinPartitioner sent records to only half of the partitions (KAFKA-16283, KAFKA-9965).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundRobinPartitioner {
    /// Next counter value per topic; Java's `AtomicInteger`, wrapping at `i32::MAX`.
    counters: VecMap<String, i32>,
}

impl RoundRobinPartitioner {
    pub fn new() -> Self {
        Self::default()
    }

    /// The partition for the next record to `topic`.
    ///
    /// `available` lists the partitions that have a leader, in partition order; `num_partitions`
    /// is the topic's partition count, used when none is available.
    pub fn partition(&mut self, topic: &str, available: &[PartitionId], num_partitions: i32) -> PartitionId {
        let counter = self.counters.entry(topic.to_owned()).or_insert(0);
        let next = to_positive(*counter);
        *counter = counter.wrapping_add(1);
        pick_partition(available, num_partitions, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    /// Kafka's own vectors, copied from `UtilsTest.testMurmur2` in apache/kafka
    /// (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    #[test]
    fn murmur2_matches_kafkas_utils_test_vectors() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            // Kafka writes this one as `new byte[] {'a', 'b', 'c'}`.
            (b"abc", 479470107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "murmur2({:?})", String::from_utf8_lossy(key));
        }
    }

    /// librdkafka's `tests/0048-partitioner.c` lists `toPositive(murmur2(key))` for its keys,
    /// "using tests/java/Murmur2Cli", i.e. computed by the Java client.
    #[test]
    fn positive_murmur2_matches_librdkafkas_java_computed_vectors() {
        let cases: [(&[u8], i32); 4] = [
            (b"", 0x106e08d9),
            (b"23456", 0x058d780f),
            (b"this is another string with more length to it perhaps", 0x4f7703da),
            (b"hejsan", 0x5ec19395),
        ];
        for (key, expected) in cases {
            assert_eq!(to_positive(murmur2(key)), expected, "{:?}", String::from_utf8_lossy(key));
        }
    }

    /// kafka-python's `test/test_partitioner.py` (`test_murmur2_java_compatibility`): partitions
    /// of a 1000-partition topic, "compare with output from Kafka's
    /// org.apache.kafka.clients.producer.Partitioner".
    #[test]
    fn keys_land_where_the_java_producer_puts_them_on_1000_partitions() {
        let cases: [(&[u8], i32); 6] =
            [(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)];
        for (key, expected) in cases {
            assert_eq!(partition_for_key(key, 1000), expected, "{key:?}");
        }
    }

    #[test]
    fn to_positive_clears_the_sign_bit_instead_of_negating() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-973932308), -973932308 & 0x7fff_ffff);
        assert_eq!(to_positive(42), 42);
    }

    #[test]
    fn one_partition_takes_every_key() {
        for key in [&b""[..], b"x", b"order-17"] {
            assert_eq!(partition_for_key(key, 1), 0);
        }
    }

    /// CRC-32 values from librdkafka's `tests/0048-partitioner.c` ("acquired using the 'crc32'
    /// command on OSX"), checked against Python's `zlib.crc32` too.
    #[test]
    fn crc32_matches_librdkafkas_consistent_partitioner_vectors() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"23456"), 0xb1b451d7);
        assert_eq!(crc32(b"this is another string with more length to it perhaps"), 0xb0150df7);
        assert_eq!(crc32(b"hejsan"), 0xd077037e);
        for partitions in [7, 17] {
            assert_eq!(crc32_partition(b"23456", partitions), (0xb1b451d7u32 % partitions as u32) as i32);
            assert_eq!(crc32_partition(b"hejsan", partitions), (0xd077037eu32 % partitions as u32) as i32);
        }
    }

    #[test]
    fn librdkafka_default_and_java_disagree_on_the_same_key() {
        // The surprise the module docs describe, on librdkafka's own 17-partition test topic.
        assert_eq!(crc32_partition(b"hejsan", 17), (0xd077037eu32 % 17) as i32);
        assert_eq!(partition_for_key(b"hejsan", 17), 0x5ec19395 % 17);
        assert_ne!(crc32_partition(b"hejsan", 17), partition_for_key(b"hejsan", 17));
    }

    #[test]
    fn sticky_partitioner_keeps_one_partition_until_a_full_batch_is_produced() {
        let mut rng = Pcg64::seed_from_u64(7);
        let available = [0, 1, 2, 3, 4, 5];
        let mut sticky = StickyPartitioner::new(100);
        let first = sticky.partition(&available, 6, &mut rng);
        for _ in 0..9 {
            assert_eq!(sticky.partition(&available, 6, &mut rng), first);
            assert_eq!(sticky.on_append(10, true, &available, 6, &mut rng), None);
        }
        assert_eq!(sticky.produced_bytes(), 90);
        assert_eq!(sticky.partition(&available, 6, &mut rng), first);
        let switched = sticky.on_append(10, true, &available, 6, &mut rng);
        assert!(switched.is_some());
        assert_eq!(sticky.current(), switched);
        assert_eq!(sticky.produced_bytes(), 0);
    }

    #[test]
    fn sticky_partitioner_waits_for_the_batch_to_fill_but_not_past_twice_the_batch_size() {
        let mut rng = Pcg64::seed_from_u64(7);
        let available = [0, 1, 2];
        let mut sticky = StickyPartitioner::new(100);
        sticky.partition(&available, 3, &mut rng);
        assert_eq!(sticky.on_append(150, false, &available, 3, &mut rng), None);
        assert!(sticky.on_append(50, false, &available, 3, &mut rng).is_some());
    }

    #[test]
    fn sticky_partitioner_only_chooses_partitions_with_a_leader() {
        let mut rng = Pcg64::seed_from_u64(1);
        let available = [1, 4];
        let mut sticky = StickyPartitioner::new(1);
        let mut seen = Vec::new();
        seen.push(sticky.partition(&available, 6, &mut rng));
        for _ in 0..200 {
            seen.push(sticky.on_append(1, true, &available, 6, &mut rng).unwrap());
        }
        assert!(seen.iter().all(|p| available.contains(p)));
        assert!(seen.contains(&1) && seen.contains(&4), "both available partitions get chosen: {seen:?}");
    }

    #[test]
    fn sticky_partitioner_is_deterministic_for_a_seed() {
        let run = |seed| {
            let mut rng = Pcg64::seed_from_u64(seed);
            let mut sticky = StickyPartitioner::new(1);
            let available: Vec<i32> = (0..12).collect();
            let mut seen = vec![sticky.partition(&available, 12, &mut rng)];
            for _ in 0..50 {
                seen.push(sticky.on_append(1, true, &available, 12, &mut rng).unwrap());
            }
            seen
        };
        assert_eq!(run(99), run(99));
        assert_ne!(run(99), run(100));
    }

    #[test]
    fn round_robin_cycles_through_every_partition_per_topic() {
        let mut rr = RoundRobinPartitioner::new();
        let all = [0, 1, 2, 3];
        let orders: Vec<i32> = (0..6).map(|_| rr.partition("orders", &all, 4)).collect();
        assert_eq!(orders, [0, 1, 2, 3, 0, 1]);
        // Another topic has its own counter.
        assert_eq!(rr.partition("payments", &all, 4), 0);
        assert_eq!(rr.partition("orders", &all, 4), 2);
    }

    #[test]
    fn round_robin_skips_partitions_without_a_leader() {
        let mut rr = RoundRobinPartitioner::new();
        let picks: Vec<i32> = (0..4).map(|_| rr.partition("t", &[0, 2], 3)).collect();
        assert_eq!(picks, [0, 2, 0, 2]);
        // With no leader anywhere, the counter indexes all partitions.
        assert_eq!(rr.partition("t", &[], 3), 4 % 3);
    }

    proptest::proptest! {
        #[test]
        fn every_key_maps_to_a_partition_of_the_topic(key in proptest::collection::vec(proptest::num::u8::ANY, 0..64), n in 1i32..10_000) {
            let p = partition_for_key(&key, n);
            proptest::prop_assert!((0..n).contains(&p));
            let c = crc32_partition(&key, n);
            proptest::prop_assert!((0..n).contains(&c));
        }
    }
}
