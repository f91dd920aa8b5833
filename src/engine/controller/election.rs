//! Leader election rules: Kafka's `PartitionChangeBuilder`, for one partition.
//!
//! Given a partition, the ISR it should have, and which brokers are live
//! (registered, unfenced, not in controlled shutdown), decide its leader:
//!
//! 1. the current leader stays if it is live and in the target ISR;
//! 2. else the first replica (in assignment order) that is live and in the
//!    target ISR leads;
//! 3. else, with `unclean.leader.election.enable`, the first live replica
//!    leads and the ISR becomes just that replica (records it lacks are lost);
//! 4. else nobody leads: the partition is offline.
//!
//! The ISR never becomes empty: when the last member leaves, KRaft keeps it,
//! so that when it returns it can lead again without losing data.
//! Every leader change (to nobody included) bumps `leader_epoch`; every
//! change at all bumps `partition_epoch` (KIP-497).

use crate::engine::ids::BrokerId;
use crate::engine::protocol::PartitionImage;

/// Which election a change runs (Kafka's `PartitionChangeBuilder.Election`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Election {
    /// Only an in-sync replica may lead.
    Clean,
    /// An in-sync replica if there is one, else any live replica.
    Unclean,
    /// The preferred (first) replica when it is live and in sync; otherwise as `Clean`.
    Preferred,
}

impl Election {
    /// `Unclean` when the topic allows it, else `Clean`.
    pub fn for_topic(unclean_leader_election_enable: bool) -> Election {
        if unclean_leader_election_enable {
            Election::Unclean
        } else {
            Election::Clean
        }
    }
}

/// What happened to the partition's leadership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderOutcome {
    Unchanged,
    /// A new leader; `unclean` when it came from outside the ISR.
    Elected {
        leader: BrokerId,
        unclean: bool,
    },
    /// The leader is gone and no replica may take over.
    Offline,
}

/// A partition's new state and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionChange {
    pub partition: PartitionImage,
    pub leader: LeaderOutcome,
    /// Replicas that left the ISR, in the old ISR's order.
    pub removed: Vec<BrokerId>,
    /// Replicas that joined the ISR, in the new ISR's order.
    pub added: Vec<BrokerId>,
}

/// The partition after moving to `target_isr` with `election`, or `None`
/// when nothing would change. `target_isr` must be a subset of the replicas.
pub fn change(
    current: &PartitionImage,
    target_isr: &[BrokerId],
    election: Election,
    live: impl Fn(BrokerId) -> bool,
) -> Option<PartitionChange> {
    assert!(target_isr.iter().all(|b| current.replicas.contains(b)), "ISR {target_isr:?} outside the replicas");
    let mut isr: Vec<BrokerId> = if target_isr.is_empty() { current.isr.clone() } else { target_isr.to_vec() };
    let valid = |b: BrokerId, isr: &[BrokerId]| isr.contains(&b) && live(b);

    let preferred = current.replicas.first().copied().filter(|&b| valid(b, &isr));
    let kept = current.leader.filter(|&b| valid(b, &isr));
    let from_isr = || current.replicas.iter().copied().find(|&b| valid(b, &isr));
    let (leader, unclean) = match (election, preferred, kept) {
        (Election::Preferred, Some(p), _) => (Some(p), false),
        (_, _, Some(k)) => (Some(k), false),
        _ => match from_isr() {
            Some(b) => (Some(b), false),
            None if election == Election::Unclean => match current.replicas.iter().copied().find(|&b| live(b)) {
                Some(b) => (Some(b), true),
                None => (None, false),
            },
            None => (None, false),
        },
    };
    if unclean {
        isr = vec![leader.expect("an unclean election found a leader")];
    }

    let leader_changed = leader != current.leader;
    if !leader_changed && isr == current.isr {
        return None;
    }
    let partition = PartitionImage {
        partition: current.partition,
        replicas: current.replicas.clone(),
        isr,
        leader,
        leader_epoch: current.leader_epoch + i32::from(leader_changed),
        partition_epoch: current.partition_epoch + 1,
    };
    assert!(!partition.isr.is_empty(), "the ISR is never empty");
    assert!(partition.leader.is_none_or(|l| partition.isr.contains(&l) && live(l)), "a leader is live and in sync");
    let outcome = match leader {
        _ if !leader_changed => LeaderOutcome::Unchanged,
        Some(leader) => LeaderOutcome::Elected { leader, unclean },
        None => LeaderOutcome::Offline,
    };
    let removed = current.isr.iter().copied().filter(|b| !partition.isr.contains(b)).collect();
    let added = partition.isr.iter().copied().filter(|b| !current.isr.contains(b)).collect();
    Some(PartitionChange { partition, leader: outcome, removed, added })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(replicas: &[BrokerId], isr: &[BrokerId], leader: Option<BrokerId>) -> PartitionImage {
        PartitionImage {
            partition: 0,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            leader,
            leader_epoch: 4,
            partition_epoch: 7,
        }
    }

    fn without(isr: &[BrokerId], b: BrokerId) -> Vec<BrokerId> {
        isr.iter().copied().filter(|&x| x != b).collect()
    }

    #[test]
    fn a_live_in_sync_leader_keeps_leading_when_a_follower_leaves() {
        let p = partition(&[1, 2, 3], &[1, 2, 3], Some(1));
        let c = change(&p, &without(&p.isr, 3), Election::Clean, |b| b != 3).unwrap();
        assert_eq!(c.leader, LeaderOutcome::Unchanged);
        assert_eq!((c.partition.leader_epoch, c.partition.partition_epoch), (4, 8));
        assert_eq!(c.removed, vec![3]);
    }

    #[test]
    fn the_first_in_sync_replica_in_assignment_order_takes_over() {
        let p = partition(&[1, 2, 3], &[3, 2, 1], Some(1));
        let c = change(&p, &without(&p.isr, 1), Election::Clean, |b| b != 1).unwrap();
        assert_eq!(c.leader, LeaderOutcome::Elected { leader: 2, unclean: false });
        assert_eq!(c.partition.isr, vec![3, 2]);
        assert_eq!((c.partition.leader_epoch, c.partition.partition_epoch), (5, 8));
    }

    #[test]
    fn the_last_isr_member_stays_in_the_isr_when_it_dies() {
        let p = partition(&[1, 2], &[1], Some(1));
        let c = change(&p, &without(&p.isr, 1), Election::Clean, |b| b == 2).unwrap();
        assert_eq!(c.leader, LeaderOutcome::Offline);
        assert_eq!(c.partition.isr, vec![1]);
        assert_eq!(c.partition.leader, None);
        assert_eq!(c.partition.leader_epoch, 5);
    }

    #[test]
    fn unclean_election_shrinks_the_isr_to_the_new_leader() {
        let p = partition(&[1, 2, 3], &[1], Some(1));
        let c = change(&p, &[], Election::Unclean, |b| b == 3).unwrap();
        assert_eq!(c.leader, LeaderOutcome::Elected { leader: 3, unclean: true });
        assert_eq!(c.partition.isr, vec![3]);
    }

    #[test]
    fn preferred_election_moves_leadership_back_to_the_first_replica() {
        let p = partition(&[1, 2, 3], &[1, 2, 3], Some(2));
        let c = change(&p, &p.isr, Election::Preferred, |_| true).unwrap();
        assert_eq!(c.leader, LeaderOutcome::Elected { leader: 1, unclean: false });
        let balanced = partition(&[1, 2, 3], &[2, 3], Some(2));
        assert_eq!(change(&balanced, &balanced.isr, Election::Preferred, |_| true), None);
    }

    #[test]
    fn nothing_changes_when_nothing_would() {
        let p = partition(&[1, 2], &[1, 2], Some(1));
        assert_eq!(change(&p, &[1, 2], Election::Unclean, |_| true), None);
    }
}
