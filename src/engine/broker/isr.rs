//! The leader's view of its followers and Kafka's ISR rules
//! (`Partition.maybeShrinkIsr`, `maybeExpandIsr`, `Replica.updateFetchState`).
//!
//! The leader never changes the ISR by itself: it proposes a new ISR to the
//! controller (AlterPartition) and keeps the proposal as *pending* until the
//! controller answers or a new metadata image arrives. While a change is
//! pending no other change is proposed, and the high watermark is computed
//! over the *maximal* ISR (the committed ISR plus any replica being added),
//! so a replica joining the ISR already has every record below the HW.

use serde::{Deserialize, Serialize};

use crate::collections::VecMap;
use crate::engine::ids::BrokerId;
use crate::engine::protocol::{CorrelationId, MetadataImage};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// Kafka's `UnifiedLog.UnknownOffset`: a follower that has not fetched from
/// this leader yet.
pub const UNKNOWN_OFFSET: Offset = -1;

/// What the leader knows of one follower (Kafka's `ReplicaState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerState {
    /// The follower's log end offset: the offset of its last fetch.
    pub log_end_offset: Offset,
    pub log_start_offset: Offset,
    /// The last time the follower was caught up to the leader's log end offset.
    pub last_caught_up_ms: Millis,
    pub last_fetch_ms: Millis,
    /// The leader's log end offset at the follower's previous fetch.
    pub last_fetch_leader_leo: Offset,
}

impl FollowerState {
    /// Kafka's `resetReplicaState` for a new leader: the offsets are unknown
    /// until the follower fetches; a follower in the ISR counts as caught up
    /// now, so it has `replica.lag.time.max.ms` to show up.
    fn new_leader(in_isr: bool, now: Millis) -> Self {
        FollowerState {
            log_end_offset: UNKNOWN_OFFSET,
            log_start_offset: UNKNOWN_OFFSET,
            last_caught_up_ms: if in_isr { now } else { 0 },
            last_fetch_ms: 0,
            last_fetch_leader_leo: UNKNOWN_OFFSET,
        }
    }

    /// `Replica.isCaughtUp`: at the leader's log end offset, or caught up
    /// within the last `max_lag_ms`.
    pub fn is_caught_up(&self, leader_leo: Offset, now: Millis, max_lag_ms: Millis) -> bool {
        self.log_end_offset == leader_leo || now - self.last_caught_up_ms <= max_lag_ms
    }
}

/// An ISR change sent to the controller and not answered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingIsr {
    pub proposed: Vec<BrokerId>,
    pub correlation_id: CorrelationId,
}

/// State a replica keeps only while it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderState {
    /// This leader's epoch starts at this offset (its log end offset when it
    /// became leader): a follower joins the ISR only once it has reached it.
    pub epoch_start_offset: Offset,
    pub followers: VecMap<BrokerId, FollowerState>,
    pub pending: Option<PendingIsr>,
}

impl LeaderState {
    pub fn new(me: BrokerId, replicas: &[BrokerId], isr: &[BrokerId], epoch_start_offset: Offset, now: Millis) -> Self {
        let followers = replicas
            .iter()
            .filter(|r| **r != me)
            .map(|r| (*r, FollowerState::new_leader(isr.contains(r), now)))
            .collect();
        LeaderState { epoch_start_offset, followers, pending: None }
    }

    /// The replica set changed under the same leader (reassignment): track
    /// new replicas, forget removed ones.
    pub fn sync_replicas(&mut self, me: BrokerId, replicas: &[BrokerId]) {
        self.followers.retain(|id, _| replicas.contains(id));
        for r in replicas.iter().filter(|r| **r != me) {
            self.followers.entry(*r).or_insert_with(|| FollowerState::new_leader(false, 0));
        }
    }

    /// The committed ISR plus a replica being added by a pending expansion
    /// (Kafka's `maximalIsr`; a pending shrink still counts the old ISR).
    pub fn in_maximal_isr(&self, isr: &[BrokerId], broker: BrokerId) -> bool {
        isr.contains(&broker) || self.pending.as_ref().is_some_and(|p| p.proposed.contains(&broker))
    }

    /// The highest high watermark the followers allow: the smallest log end
    /// offset over the maximal ISR, the leader's own included. A follower
    /// that has not fetched yet (`UNKNOWN_OFFSET`) holds it down.
    pub fn high_watermark_bound(&self, isr: &[BrokerId], leader_leo: Offset) -> Offset {
        self.followers
            .iter()
            .filter(|(id, _)| self.in_maximal_isr(isr, **id))
            .map(|(_, f)| f.log_end_offset)
            .fold(leader_leo, Offset::min)
    }

    /// A follower fetched at `fetch_offset` (`Replica.updateFetchStateOrThrow`).
    /// Returns false when `follower` is not a replica of this partition.
    pub fn update_follower(
        &mut self,
        follower: BrokerId,
        fetch_offset: Offset,
        follower_log_start: Offset,
        leader_leo: Offset,
        now: Millis,
    ) -> bool {
        let Some(state) = self.followers.get_mut(&follower) else {
            return false;
        };
        if fetch_offset >= leader_leo {
            state.last_caught_up_ms = state.last_caught_up_ms.max(now);
        } else if fetch_offset >= state.last_fetch_leader_leo {
            // It has everything the leader had at its previous fetch.
            state.last_caught_up_ms = state.last_caught_up_ms.max(state.last_fetch_ms);
        }
        state.log_end_offset = fetch_offset;
        state.log_start_offset = follower_log_start;
        state.last_fetch_leader_leo = leader_leo;
        state.last_fetch_ms = now;
        true
    }

    /// `Partition.maybeExpandIsr`: the ISR with `follower` added, when no
    /// change is pending, the follower is outside the ISR, has reached the
    /// high watermark and this leader's epoch start offset, and is eligible
    /// (registered, not fenced, not shutting down: KIP-841).
    pub fn expansion(
        &self,
        isr: &[BrokerId],
        follower: BrokerId,
        high_watermark: Offset,
        image: &MetadataImage,
    ) -> Option<Vec<BrokerId>> {
        if self.pending.is_some() || isr.contains(&follower) {
            return None;
        }
        let state = self.followers.get(&follower)?;
        let caught_up = state.log_end_offset >= high_watermark && state.log_end_offset >= self.epoch_start_offset;
        if !caught_up || !is_isr_eligible(image, follower) {
            return None;
        }
        let mut proposed = isr.to_vec();
        proposed.push(follower);
        Some(proposed)
    }

    /// `Partition.getOutOfSyncReplicas`: ISR followers that are neither at
    /// the leader's log end offset nor caught up within `max_lag_ms`. Empty
    /// while a change is pending.
    pub fn out_of_sync(&self, isr: &[BrokerId], leader_leo: Offset, now: Millis, max_lag_ms: Millis) -> Vec<BrokerId> {
        if self.pending.is_some() {
            return Vec::new();
        }
        isr.iter()
            .filter(|id| self.followers.get(id).is_some_and(|f| !f.is_caught_up(leader_leo, now, max_lag_ms)))
            .copied()
            .collect()
    }
}

/// KIP-841: only a registered broker that is neither fenced nor in
/// controlled shutdown may join an ISR.
pub fn is_isr_eligible(image: &MetadataImage, broker: BrokerId) -> bool {
    image.brokers.get(&broker).is_some_and(|b| !b.fenced && !b.in_controlled_shutdown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::BrokerRegistrationInfo;

    fn image_with(brokers: &[BrokerId]) -> MetadataImage {
        let mut image = MetadataImage::default();
        for b in brokers {
            image.brokers.insert(
                *b,
                BrokerRegistrationInfo { id: *b, rack: None, fenced: false, in_controlled_shutdown: false },
            );
        }
        image
    }

    #[test]
    fn a_new_leader_counts_isr_followers_as_caught_up_now_and_their_offsets_as_unknown() {
        let state = LeaderState::new(1, &[1, 2, 3], &[1, 2], 10, 5_000);
        assert_eq!(state.followers[&2].last_caught_up_ms, 5_000);
        assert_eq!(state.followers[&3].last_caught_up_ms, 0);
        assert_eq!(state.high_watermark_bound(&[1, 2], 10), UNKNOWN_OFFSET);
    }

    #[test]
    fn high_watermark_is_the_smallest_log_end_offset_of_the_isr() {
        let mut state = LeaderState::new(1, &[1, 2, 3], &[1, 2, 3], 0, 0);
        state.update_follower(2, 7, 0, 10, 1);
        state.update_follower(3, 4, 0, 10, 1);
        assert_eq!(state.high_watermark_bound(&[1, 2, 3], 10), 4);
        // Out of the ISR, broker 3 no longer holds the high watermark down.
        assert_eq!(state.high_watermark_bound(&[1, 2], 10), 7);
    }

    #[test]
    fn a_pending_expansion_counts_the_joining_replica_for_the_high_watermark() {
        let mut state = LeaderState::new(1, &[1, 2], &[1], 0, 0);
        state.update_follower(2, 3, 0, 10, 1);
        assert_eq!(state.high_watermark_bound(&[1], 10), 10);
        state.pending = Some(PendingIsr { proposed: vec![1, 2], correlation_id: 1 });
        assert_eq!(state.high_watermark_bound(&[1], 10), 3);
    }

    #[test]
    fn a_follower_fetching_at_the_leaders_previous_end_counts_as_caught_up_at_its_previous_fetch() {
        let mut state = LeaderState::new(1, &[1, 2], &[1, 2], 0, 0);
        state.update_follower(2, 0, 0, 5, 100);
        assert_eq!(state.followers[&2].last_caught_up_ms, 0);
        // The leader had 5 at the previous fetch; the follower now has it, the leader has 9.
        state.update_follower(2, 5, 0, 9, 200);
        assert_eq!(state.followers[&2].last_caught_up_ms, 100);
        state.update_follower(2, 9, 0, 9, 300);
        assert_eq!(state.followers[&2].last_caught_up_ms, 300);
    }

    #[test]
    fn a_follower_not_caught_up_for_longer_than_the_lag_limit_is_out_of_sync() {
        let mut state = LeaderState::new(1, &[1, 2, 3], &[1, 2, 3], 0, 0);
        state.update_follower(2, 10, 0, 10, 1_000);
        state.update_follower(3, 4, 0, 10, 1_000);
        assert!(state.out_of_sync(&[1, 2, 3], 10, 30_000, 30_000).is_empty());
        assert_eq!(state.out_of_sync(&[1, 2, 3], 10, 30_001, 30_000), vec![3]);
        state.pending = Some(PendingIsr { proposed: vec![1, 2], correlation_id: 9 });
        assert!(state.out_of_sync(&[1, 2, 3], 10, 30_001, 30_000).is_empty(), "nothing while a change is pending");
    }

    #[test]
    fn a_follower_joins_the_isr_once_it_reaches_the_high_watermark_and_the_epoch_start() {
        let image = image_with(&[1, 2]);
        let mut state = LeaderState::new(1, &[1, 2], &[1], 8, 0);
        state.update_follower(2, 5, 0, 10, 1);
        assert_eq!(state.expansion(&[1], 2, 5, &image), None, "below the epoch start offset");
        state.update_follower(2, 8, 0, 10, 2);
        assert_eq!(state.expansion(&[1], 2, 9, &image), None, "below the high watermark");
        assert_eq!(state.expansion(&[1], 2, 8, &image), Some(vec![1, 2]));
        let mut fenced = image.clone();
        fenced.brokers.get_mut(&2).unwrap().fenced = true;
        assert_eq!(state.expansion(&[1], 2, 8, &fenced), None, "a fenced broker is not eligible");
    }
}
