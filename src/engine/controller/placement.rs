//! Replica placement: which brokers hold the replicas of each new partition.
//!
//! This is Kafka's `AdminUtils.assignReplicasToBrokers` (the algorithm the
//! ZooKeeper-era controller and `kafka-reassign-partitions --generate` use,
//! documented in KIP-36). KRaft's `StripedReplicaPlacer` follows the same
//! ideas — spread leaders evenly, never two replicas of a partition on one
//! broker, alternate racks — with a different shuffle; the classic algorithm
//! is used here because its outcome can be worked out by hand:
//!
//! - Brokers are listed by id. With racks, the list alternates racks
//!   (`rack-alternated list`): racks in name order, one broker of each in turn.
//! - Partition `p`'s first replica (its preferred leader) is list entry
//!   `(p + start_index) % n`.
//! - Further replicas follow at a shift that grows by one every `n`
//!   partitions, so followers do not pile up behind the same leader. With
//!   racks, a broker is skipped while its rack already holds a replica of the
//!   partition and some rack holds none.
//!
//! `start_index` and `replica_shift` are random in Kafka; here the caller
//! draws them from the engine's seeded RNG, so placement is deterministic.
//! Brokers without `broker.rack` in a cluster where others have one count as
//! one more rack of their own (as KRaft does), instead of failing as the
//! ZooKeeper tool's `RackAwareMode.Enforced` did.

use crate::collections::VecMap;
use crate::engine::ids::{BrokerId, PartitionId};

/// A broker that may receive replicas (registered, unfenced, not shutting down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: BrokerId,
    pub rack: Option<String>,
}

/// Where the round robin starts. Both are indexes into the (rack-alternated)
/// broker list, `< candidates.len()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    pub start_index: usize,
    pub replica_shift: usize,
}

/// Replica lists for partitions `first_partition ..
/// first_partition + partitions`, preferred leader first.
///
/// The caller has checked `1 <= replication_factor <= candidates.len()`.
/// `candidates` must be sorted by id, without duplicates.
pub fn assign(
    candidates: &[Candidate],
    first_partition: PartitionId,
    partitions: PartitionId,
    replication_factor: i32,
    start: Start,
) -> Vec<Vec<BrokerId>> {
    assert!(replication_factor >= 1, "replication factor {replication_factor} checked by the caller");
    let rf = usize::try_from(replication_factor).expect("positive");
    assert!(rf <= candidates.len(), "replication factor {rf} larger than {} brokers", candidates.len());
    assert!(candidates.windows(2).all(|w| w[0].id < w[1].id), "candidates sorted by id, no duplicates");
    assert!(start.start_index < candidates.len() && start.replica_shift < candidates.len());
    let assignment = if candidates.iter().any(|c| c.rack.is_some()) {
        rack_aware(candidates, first_partition, partitions, rf, start)
    } else {
        let ids: Vec<BrokerId> = candidates.iter().map(|c| c.id).collect();
        rack_unaware(&ids, first_partition, partitions, rf, start)
    };
    for replicas in &assignment {
        assert_eq!(replicas.len(), rf, "every partition gets the full replication factor");
        assert!(
            replicas.iter().enumerate().all(|(i, b)| !replicas[..i].contains(b)),
            "a broker holds at most one replica of a partition: {replicas:?}"
        );
    }
    assignment
}

/// The `n`-th follower's position: `1 + (shift + j) % (n - 1)` after the
/// first replica, so it never lands on the first replica itself.
fn replica_index(first: usize, shift: usize, j: usize, n: usize) -> usize {
    let step = 1 + (shift + j) % (n - 1);
    (first + step) % n
}

fn partition_indexes(first_partition: PartitionId, partitions: PartitionId) -> impl Iterator<Item = usize> {
    let first = usize::try_from(first_partition.max(0)).expect("non-negative");
    let count = usize::try_from(partitions.max(0)).expect("non-negative");
    first..first + count
}

fn rack_unaware(
    brokers: &[BrokerId],
    first_partition: PartitionId,
    partitions: PartitionId,
    rf: usize,
    start: Start,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len();
    let mut shift = start.replica_shift;
    partition_indexes(first_partition, partitions)
        .map(|p| {
            if p > 0 && p % n == 0 {
                shift += 1;
            }
            let first = (p + start.start_index) % n;
            let mut replicas = vec![brokers[first]];
            replicas.extend((0..rf - 1).map(|j| brokers[replica_index(first, shift, j, n)]));
            replicas
        })
        .collect()
}

fn rack_aware(
    candidates: &[Candidate],
    first_partition: PartitionId,
    partitions: PartitionId,
    rf: usize,
    start: Start,
) -> Vec<Vec<BrokerId>> {
    let rack_of: VecMap<BrokerId, Option<&str>> = candidates.iter().map(|c| (c.id, c.rack.as_deref())).collect();
    let arranged = rack_alternated_list(candidates);
    let n = arranged.len();
    let rack_count = rack_of.values().collect::<crate::collections::VecSet<_>>().len();
    let mut shift = start.replica_shift;
    partition_indexes(first_partition, partitions)
        .map(|p| {
            if p > 0 && p % n == 0 {
                shift += 1;
            }
            let first = (p + start.start_index) % n;
            let leader = arranged[first];
            let mut replicas = vec![leader];
            let mut racks_used = vec![rack_of[&leader]];
            let mut k = 0;
            while replicas.len() < rf {
                let broker = arranged[replica_index(first, shift * rack_count, k, n)];
                let rack = rack_of[&broker];
                // Skip a broker whose rack already has a replica while some
                // rack has none, or that already has one while some broker has none.
                let rack_ok = !racks_used.contains(&rack) || racks_used.len() == rack_count;
                let broker_ok = !replicas.contains(&broker) || replicas.len() == n;
                if rack_ok && broker_ok {
                    replicas.push(broker);
                    if !racks_used.contains(&rack) {
                        racks_used.push(rack);
                    }
                }
                k += 1;
                assert!(k <= n * n, "the search for a follower always ends within n * n steps");
            }
            replicas
        })
        .collect()
}

/// Racks in name order (no rack first), brokers of each rack by id, taken one
/// rack at a time: `{0: r1, 1: r3, 2: r3, 3: r2, 4: r2, 5: r1}` gives
/// `[0, 3, 1, 5, 4, 2]`.
pub fn rack_alternated_list(candidates: &[Candidate]) -> Vec<BrokerId> {
    let mut by_rack: VecMap<Option<&str>, std::collections::VecDeque<BrokerId>> = VecMap::new();
    for c in candidates {
        by_rack.entry(c.rack.as_deref()).or_default().push_back(c.id);
    }
    let mut result = Vec::with_capacity(candidates.len());
    while result.len() < candidates.len() {
        for brokers in by_rack.values_mut() {
            if let Some(id) = brokers.pop_front() {
                result.push(id);
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(ids: &[BrokerId]) -> Vec<Candidate> {
        ids.iter().map(|&id| Candidate { id, rack: None }).collect()
    }

    fn racked(pairs: &[(BrokerId, &str)]) -> Vec<Candidate> {
        pairs.iter().map(|&(id, rack)| Candidate { id, rack: Some(rack.to_string()) }).collect()
    }

    const ZERO: Start = Start { start_index: 0, replica_shift: 0 };

    #[test]
    fn rack_unaware_assignment_matches_kafkas_documented_example() {
        // The table in AdminUtils' doc comment: 5 brokers, 10 partitions, RF 3.
        let got = assign(&plain(&[0, 1, 2, 3, 4]), 0, 10, 3, ZERO);
        assert_eq!(got[0], vec![0, 1, 2]);
        assert_eq!(got[4], vec![4, 0, 1]);
        assert_eq!(got[5], vec![0, 2, 3]);
        assert_eq!(got[9], vec![4, 1, 2]);
    }

    #[test]
    fn rack_alternated_list_takes_one_broker_of_each_rack_in_turn() {
        let brokers = racked(&[(0, "rack1"), (1, "rack3"), (2, "rack3"), (3, "rack2"), (4, "rack2"), (5, "rack1")]);
        assert_eq!(rack_alternated_list(&brokers), vec![0, 3, 1, 5, 4, 2]);
    }

    #[test]
    fn rack_aware_assignment_matches_kafkas_documented_example() {
        let brokers = racked(&[(0, "rack1"), (1, "rack3"), (2, "rack3"), (3, "rack2"), (4, "rack2"), (5, "rack1")]);
        let got = assign(&brokers, 0, 6, 3, ZERO);
        let expected: Vec<Vec<BrokerId>> =
            vec![vec![0, 3, 1], vec![3, 1, 5], vec![1, 5, 4], vec![5, 4, 2], vec![4, 2, 0], vec![2, 0, 3]];
        assert_eq!(got, expected);
    }

    #[test]
    fn leaders_are_spread_evenly_over_brokers() {
        let got = assign(&plain(&[1, 2, 3]), 0, 6, 2, Start { start_index: 2, replica_shift: 1 });
        let mut leaders: VecMap<BrokerId, u32> = VecMap::new();
        for replicas in &got {
            *leaders.entry(replicas[0]).or_default() += 1;
        }
        assert_eq!(leaders.values().copied().collect::<Vec<_>>(), vec![2, 2, 2]);
    }

    #[test]
    fn added_partitions_continue_the_leader_round_robin() {
        let leaders = |a: Vec<Vec<BrokerId>>| a.into_iter().map(|r| r[0]).collect::<Vec<_>>();
        let all = assign(&plain(&[1, 2, 3, 4]), 0, 8, 2, ZERO);
        let tail = assign(&plain(&[1, 2, 3, 4]), 5, 3, 2, ZERO);
        assert_eq!(leaders(all[5..].to_vec()), leaders(tail), "partition p is led by broker (p + start) % n");
    }

    #[test]
    fn brokers_without_a_rack_form_a_rack_of_their_own() {
        let mut brokers = racked(&[(1, "a"), (2, "a")]);
        brokers.push(Candidate { id: 3, rack: None });
        for p in assign(&brokers, 0, 6, 2, ZERO) {
            assert!(p.contains(&3), "each partition uses both racks: {p:?}");
        }
    }
}
