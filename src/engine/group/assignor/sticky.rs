//! `sticky` and `cooperative-sticky`: Kafka's `AbstractStickyAssignor`
//! (`clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignor.java`,
//! Kafka 3.5+ without racks), shared by `StickyAssignor` and `CooperativeStickyAssignor`.
//!
//! Two goals, the first winning: a balanced assignment (counts differ by at most one when every
//! member subscribes to the same topics), and as few partitions moved as possible.
//!
//! Steps, as in Java:
//! 1. Resolve ownership claims (`resolve_ownership`): a member's `owned_partitions` count only
//!    for topics the group still subscribes to. When two members claim one partition, the claim
//!    with the higher generation wins; two claims in the *same* generation are both void.
//! 2. If all members subscribe to the same topics, the *constrained* algorithm: with
//!    `minQuota = floor(P/N)`, `maxQuota = ceil(P/N)` and `P % N` members allowed `maxQuota`,
//!    each member keeps its owned partitions (lowest partition numbers first) up to its quota,
//!    and the rest are dealt round-robin to the members still under quota.
//! 3. Otherwise the *general* algorithm: keep every valid owned partition, give each unassigned
//!    partition to the least-loaded member subscribed to its topic, then move partitions from
//!    members with 2+ more than another candidate until balanced, preferring to hand a partition
//!    back to its owner of an older generation and undoing moves that would only cycle.
//!
//! `cooperative-sticky` computes the same target, then holds back every partition that moves
//! from one member to another ([`assign_cooperative`], [`cooperative_first_round`]): the old
//! owner must revoke it first ([`cooperative_revocations`]), and rejoins, and the follow-up
//! rebalance hands it to the new owner (KIP-429).
//!
//! Java visits members in the iteration order of a `HashMap` keyed by member id, and that order
//! decides, for instance, which of several members owning too much keeps the extra partition.
//! `sort_in_java_hash_map_order` reproduces it from `String.hashCode`, so Kafka's own test
//! expectations hold here (members sharing a hash bucket, which Java orders by JoinGroup arrival,
//! are taken in member-id order).
//!
//! Deviations:
//! - Java's balancing loop, followed step by step, can run forever on some inputs: undoing an
//!   earlier move may take a partition from a third member, and two passes then undo each other
//!   endlessly (this module's property tests found such a group; it is kept as a unit test).
//!   Here a pass that starts from an assignment already seen ends the loop, and the usual
//!   "keep the old assignment unless balance improved" check follows.
//! - On inputs no coordinator produces: a member's subscription is compared as a set (Java
//!   treats an empty first subscription as "equal to anything"); a partition is handed back to
//!   an older-generation owner only if that owner still subscribes to its topic and takes part
//!   in balancing (Java would hand it back regardless, or fail on a null lookup).

use std::collections::VecDeque;

use super::{finish, subscribed_partition_counts, Assignment, MemberSubscription, DEFAULT_GENERATION};
use crate::collections::{VecMap, VecSet};
use crate::engine::ids::TopicPartition;

/// The sticky assignment and, from the constrained algorithm, the partitions changing owner.
pub(super) struct StickyResult {
    pub assignment: Assignment,
    /// Java's `partitionsTransferringOwnership`: partition -> new owner. `None` after the general
    /// algorithm, where the cooperative assignor computes it from the owned partitions instead.
    pub transferring: Option<VecMap<TopicPartition, String>>,
}

pub(super) fn assign(members: &[MemberSubscription], partitions_per_topic: &VecMap<String, i32>) -> StickyResult {
    if members.is_empty() {
        return StickyResult { assignment: Assignment::new(), transferring: Some(VecMap::new()) };
    }
    // Member-id order stands in for JoinGroup arrival order within a hash bucket.
    let mut visit: Vec<&MemberSubscription> = members.iter().collect();
    crate::sort::sort_by(&mut visit, |a, b| a.member_id.cmp(&b.member_id));
    sort_in_java_hash_map_order(&mut visit, |m| &m.member_id);
    let ownership = resolve_ownership(&visit, partitions_per_topic);
    if ownership.all_subscriptions_equal {
        constrained_assign(partitions_per_topic, &visit, ownership)
    } else {
        StickyResult { assignment: General::new(&visit, partitions_per_topic, ownership).build(), transferring: None }
    }
}

/// Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, wrapping.
fn java_string_hash(s: &str) -> u32 {
    s.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)))
}

/// Reorders `items` (given in insertion order) into the order in which a
/// `java.util.HashMap<String, _>`, filled by `put`s into a `new HashMap<>()`, iterates their keys:
/// by bucket `(h ^ (h >>> 16)) & (table - 1)`, where the table starts at 16 and doubles while
/// more than three quarters full; keys sharing a bucket stay in insertion order.
pub(super) fn sort_in_java_hash_map_order<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    let mut table = 16usize;
    while items.len() * 4 > table * 3 {
        table *= 2;
    }
    // A stable sort keeps insertion order within a bucket.
    crate::sort::sort_by_key(items, |item| {
        let h = java_string_hash(key(item));
        (h ^ (h >> 16)) as usize & (table - 1)
    });
}

/// Members' ownership claims after Java's `allSubscriptionsEqual` checks.
struct Ownership {
    /// Member -> the partitions it validly owns (every member has an entry).
    owned: VecMap<String, Vec<TopicPartition>>,
    /// Partitions claimed by two members of the same generation: owned by nobody.
    multiply_claimed: VecSet<TopicPartition>,
    all_subscriptions_equal: bool,
    /// The highest generation any member reports.
    max_generation: i32,
}

/// Java's `allSubscriptionsEqual`: compares subscriptions and resolves conflicting claims,
/// visiting members in `visit` order.
fn resolve_ownership(visit: &[&MemberSubscription], partitions_per_topic: &VecMap<String, i32>) -> Ownership {
    let mut owned: VecMap<String, Vec<TopicPartition>> =
        visit.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
    let mut multiply_claimed = VecSet::new();
    let mut claimed_by: VecMap<&TopicPartition, &MemberSubscription> = VecMap::new();
    let mut reference_topics: Option<VecSet<&str>> = None;
    let mut all_subscriptions_equal = true;
    let mut max_generation = DEFAULT_GENERATION;

    for &member in visit {
        let topics: VecSet<&str> = member.topics.iter().map(String::as_str).collect();
        match &reference_topics {
            None => reference_topics = Some(topics),
            Some(reference) => all_subscriptions_equal &= *reference == topics,
        }
        max_generation = max_generation.max(member.generation);

        let mut listed = VecSet::new();
        for tp in &member.owned_partitions {
            let exists = partitions_per_topic.get(&tp.topic).is_some_and(|&count| (0..count).contains(&tp.partition));
            if !exists || !listed.insert(tp) {
                continue;
            }
            match claimed_by.get(tp) {
                None => {
                    owned.get_mut(&member.member_id).expect("entry").push(tp.clone());
                    claimed_by.insert(tp, member);
                }
                Some(other) if other.generation == member.generation => {
                    // Two owners in one generation: trust neither.
                    multiply_claimed.insert(tp.clone());
                    owned.get_mut(&other.member_id).expect("entry").retain(|p| p != tp);
                    claimed_by.insert(tp, member);
                }
                Some(other) if other.generation < member.generation => {
                    owned.get_mut(&member.member_id).expect("entry").push(tp.clone());
                    owned.get_mut(&other.member_id).expect("entry").retain(|p| p != tp);
                    claimed_by.insert(tp, member);
                }
                Some(_) => {} // The other claim is from a newer generation and stands.
            }
        }
    }
    Ownership { owned, multiply_claimed, all_subscriptions_equal, max_generation }
}

/// Every partition of the given topics, sorted by (topic, partition).
fn all_partitions_sorted(partitions_per_topic: &VecMap<String, i32>) -> Vec<TopicPartition> {
    partitions_per_topic
        .iter()
        .flat_map(|(topic, &count)| (0..count).map(move |p| TopicPartition::new(topic.as_str(), p)))
        .collect()
}

/// Java's `ConstrainedAssignmentBuilder` (all members subscribe to the same topics), visiting
/// members in `visit` order when they keep owned partitions.
fn constrained_assign(
    partitions_per_topic: &VecMap<String, i32>,
    visit: &[&MemberSubscription],
    ownership: Ownership,
) -> StickyResult {
    let Ownership { owned, multiply_claimed, .. } = ownership;
    let total: i32 = partitions_per_topic.values().sum();
    let members = owned.len() as i32;
    let min_quota = total / members;
    let max_quota = (total + members - 1) / members;
    // How many members get maxQuota (zero when minQuota == maxQuota).
    let expected_over_min = total % members;
    let mut current_over_min = 0;

    let mut assignment: Assignment = owned.keys().map(|m| (m.clone(), Vec::new())).collect();
    let mut assigned = VecSet::new();
    let mut revoked = VecSet::new();
    let mut under_min: Vec<String> = Vec::new();
    let mut exactly_min: VecDeque<String> = VecDeque::new();

    // 1. Keep owned partitions, up to the quota this member may have.
    for member in visit.iter().map(|m| &m.member_id) {
        let claims = &owned[member];
        let mut mine: Vec<TopicPartition> =
            claims.iter().filter(|tp| !multiply_claimed.contains(*tp)).cloned().collect();
        crate::sort::sort_by(&mut mine, |a, b| a.partition.cmp(&b.partition).then_with(|| a.topic.cmp(&b.topic)));
        let count = mine.len() as i32;
        let keep = if count < min_quota {
            under_min.push(member.clone());
            count
        } else if count >= max_quota && current_over_min < expected_over_min {
            current_over_min += 1;
            if current_over_min == expected_over_min {
                exactly_min.clear();
            }
            max_quota
        } else {
            if current_over_min < expected_over_min {
                exactly_min.push_back(member.clone());
            }
            min_quota
        };
        let (kept, lost) = mine.split_at(keep as usize);
        assignment.get_mut(member).expect("entry").extend_from_slice(kept);
        assigned.extend(kept.iter().cloned());
        revoked.extend(lost.iter().cloned());
    }

    // 2. Deal the rest round-robin: first to members under minQuota, then one each to members
    //    at minQuota until `expected_over_min` members have maxQuota.
    crate::sort::sort(&mut under_min);
    crate::sort::sort(exactly_min.make_contiguous());
    let mut transferring = VecMap::new();
    let mut next = 0usize; // Java's iterator over `under_min`, restarted when exhausted.
    for tp in all_partitions_sorted(partitions_per_topic).into_iter().filter(|tp| !assigned.contains(tp)) {
        let (consumer, from_under_min) = if next < under_min.len() {
            next += 1;
            (under_min[next - 1].clone(), true)
        } else if !under_min.is_empty() {
            next = 1;
            (under_min[0].clone(), true)
        } else {
            let consumer = exactly_min.pop_front().expect("the quotas leave room for every partition");
            (consumer, false)
        };
        if revoked.contains(&tp) || multiply_claimed.contains(&tp) {
            transferring.insert(tp.clone(), consumer.clone());
        }
        let partitions = assignment.get_mut(&consumer).expect("entry");
        partitions.push(tp);
        let count = partitions.len() as i32;
        if count == min_quota && from_under_min {
            next -= 1;
            under_min.remove(next);
            exactly_min.push_back(consumer);
        } else if count == max_quota {
            current_over_min += 1;
        }
    }

    // Java's verifyUnfilledMembers.
    if !under_min.is_empty() {
        assert_eq!(current_over_min, expected_over_min, "members left under minQuota with maxQuota slots unfilled");
        for member in &under_min {
            assert_eq!(assignment[member].len() as i32, min_quota, "{member} did not reach minQuota");
        }
    }
    StickyResult { assignment, transferring: Some(transferring) }
}

/// Java's `PartitionMovements`: which partitions moved between which members during the general
/// algorithm, so a move that would send a partition back and forth is replaced by undoing the
/// earlier move.
#[derive(Default)]
struct PartitionMovements {
    /// topic -> (from, to) -> partitions of the topic that made that move.
    by_topic: VecMap<String, VecMap<(String, String), VecSet<TopicPartition>>>,
    /// partition -> (first owner, current owner).
    moves: VecMap<TopicPartition, (String, String)>,
}

impl PartitionMovements {
    fn remove_record(&mut self, tp: &TopicPartition) -> (String, String) {
        let pair = self.moves.remove(tp).expect("a recorded move");
        let for_topic = self.by_topic.get_mut(&tp.topic).expect("a recorded topic");
        let partitions = for_topic.get_mut(&pair).expect("a recorded pair");
        partitions.remove(tp);
        if partitions.is_empty() {
            for_topic.remove(&pair);
        }
        if for_topic.is_empty() {
            self.by_topic.remove(&tp.topic);
        }
        pair
    }

    fn add_record(&mut self, tp: &TopicPartition, pair: (String, String)) {
        self.moves.insert(tp.clone(), pair.clone());
        self.by_topic.entry(tp.topic.clone()).or_default().entry(pair).or_default().insert(tp.clone());
    }

    fn move_partition(&mut self, tp: &TopicPartition, old: &str, new: &str) {
        if self.moves.contains_key(tp) {
            let (source, destination) = self.remove_record(tp);
            assert_eq!(destination, old, "a partition moves from where it is");
            if source != new {
                self.add_record(tp, (source, new.to_owned()));
            }
        } else {
            self.add_record(tp, (old.to_owned(), new.to_owned()));
        }
    }

    /// Java's `getTheActualPartitionToBeMoved`: if a partition of the same topic already moved
    /// the opposite way, move that one back instead (Java takes any; this takes the smallest).
    fn partition_to_move(&self, tp: &TopicPartition, old: &str, new: &str) -> TopicPartition {
        let Some(for_topic) = self.by_topic.get(&tp.topic) else {
            return tp.clone();
        };
        let old = match self.moves.get(tp) {
            Some((source, destination)) => {
                assert_eq!(destination, old, "a partition moves from where it is");
                source.as_str()
            }
            None => old,
        };
        match for_topic.get(&(new.to_owned(), old.to_owned())) {
            Some(reverse) => reverse.first().expect("no empty sets are kept").clone(),
            None => tp.clone(),
        }
    }
}

/// Java's `GeneralAssignmentBuilder` (members subscribe to different topics).
struct General<'a> {
    partitions_per_topic: &'a VecMap<String, i32>,
    members: &'a [&'a MemberSubscription],
    max_generation: i32,
    /// topic -> members subscribed to it (`topic2AllPotentialConsumers`).
    topic_consumers: VecMap<String, Vec<String>>,
    /// member -> its subscribed topics that exist (`consumer2AllPotentialTopics`).
    consumer_topics: VecMap<String, VecSet<String>>,
    /// member -> partitions (`currentAssignment`).
    current: Assignment,
    /// partition -> member (`currentPartitionConsumer`).
    partition_consumer: VecMap<TopicPartition, String>,
    /// Partitions, topics with fewer potential consumers first (`sortedAllPartitions`).
    sorted_partitions: Vec<TopicPartition>,
    /// Members by (partition count, member id) (`sortedCurrentSubscriptions`).
    by_load: VecSet<(usize, String)>,
    /// Some member lost a partition of a topic it unsubscribed from.
    revocation_required: bool,
    movements: PartitionMovements,
}

impl<'a> General<'a> {
    fn new(
        members: &'a [&'a MemberSubscription],
        partitions_per_topic: &'a VecMap<String, i32>,
        ownership: Ownership,
    ) -> Self {
        let mut topic_consumers: VecMap<String, Vec<String>> =
            partitions_per_topic.keys().map(|t| (t.clone(), Vec::new())).collect();
        let mut consumer_topics = VecMap::new();
        for member in members {
            let topics: VecSet<String> =
                member.topics.iter().filter(|t| partitions_per_topic.contains_key(*t)).cloned().collect();
            for topic in &topics {
                topic_consumers.get_mut(topic).expect("entry").push(member.member_id.clone());
            }
            consumer_topics.insert(member.member_id.clone(), topics);
        }
        let current = ownership.owned;
        let partition_consumer = current
            .iter()
            .flat_map(|(member, partitions)| partitions.iter().map(move |tp| (tp.clone(), member.clone())))
            .collect();
        let mut sorted_topics: Vec<&String> = partitions_per_topic.keys().collect();
        crate::sort::sort_by_key(&mut sorted_topics, |t| (topic_consumers[*t].len(), *t));
        let sorted_partitions = sorted_topics
            .into_iter()
            .flat_map(|t| (0..partitions_per_topic[t]).map(move |p| TopicPartition::new(t.as_str(), p)))
            .collect();
        General {
            partitions_per_topic,
            members,
            max_generation: ownership.max_generation,
            topic_consumers,
            consumer_topics,
            current,
            partition_consumer,
            sorted_partitions,
            by_load: VecSet::new(),
            revocation_required: false,
            movements: PartitionMovements::default(),
        }
    }

    fn build(mut self) -> Assignment {
        // Claims from members of an older generation: where they may hand a partition back to.
        let mut previous: VecMap<TopicPartition, (String, i32)> = VecMap::new();
        for member in self.members {
            if member.generation >= self.max_generation {
                continue;
            }
            for tp in &member.owned_partitions {
                let newer = previous.get(tp).is_none_or(|(_, generation)| member.generation > *generation);
                if newer {
                    previous.insert(tp.clone(), (member.member_id.clone(), member.generation));
                }
            }
        }

        // Keep owned partitions of topics the owner still subscribes to.
        let mut assigned = VecSet::new();
        for (member, partitions) in &mut self.current {
            let topics = &self.consumer_topics[member];
            partitions.retain(|tp| {
                let keep = topics.contains(&tp.topic);
                if keep {
                    assigned.insert(tp.clone());
                } else {
                    self.revocation_required = true;
                }
                keep
            });
        }
        let unassigned: Vec<TopicPartition> =
            self.sorted_partitions.iter().filter(|tp| !assigned.contains(*tp)).cloned().collect();
        self.by_load = self.current.iter().map(|(m, p)| (p.len(), m.clone())).collect();
        self.balance(&previous, unassigned);
        self.current
    }

    fn load_key(&self, member: &str) -> (usize, String) {
        (self.current[member].len(), member.to_owned())
    }

    fn subscribes(&self, member: &str, topic: &str) -> bool {
        self.consumer_topics[member].contains(topic)
    }

    fn max_assignment_size(&self, member: &str) -> usize {
        self.consumer_topics[member].iter().map(|t| self.partitions_per_topic[t] as usize).sum()
    }

    fn balance(&mut self, previous: &VecMap<TopicPartition, (String, i32)>, mut unassigned: Vec<TopicPartition>) {
        let initializing = self.by_load.last().is_none_or(|(count, _)| *count == 0);

        for tp in &unassigned {
            // The least-loaded member subscribed to the topic.
            let candidate = self.by_load.iter().find(|(_, m)| self.subscribes(m, &tp.topic)).cloned();
            if let Some((count, member)) = candidate {
                self.by_load.remove(&(count, member.clone()));
                self.current.get_mut(&member).expect("entry").push(tp.clone());
                self.partition_consumer.insert(tp.clone(), member.clone());
                self.by_load.insert((count + 1, member));
            }
        }

        // Only topics with two or more potential consumers, and members that could change, take part.
        let fixed_topics: VecSet<String> =
            self.topic_consumers.iter().filter(|(_, c)| c.len() < 2).map(|(t, _)| t.clone()).collect();
        self.sorted_partitions.retain(|tp| !fixed_topics.contains(&tp.topic));
        unassigned.retain(|tp| !fixed_topics.contains(&tp.topic));
        let mut fixed = Assignment::new();
        let members: Vec<String> = self.consumer_topics.keys().cloned().collect();
        for member in members {
            if !self.can_participate(&member) {
                self.by_load.remove(&self.load_key(&member));
                let partitions = self.current.remove(&member).expect("entry");
                fixed.insert(member, partitions);
            }
        }

        let before = self.current.clone();
        let before_owners = self.partition_consumer.clone();
        if !self.revocation_required {
            // First try to balance by moving only the partitions that were just handed out.
            self.perform_reassignments(&unassigned, previous);
        }
        let reassignable = std::mem::take(&mut self.sorted_partitions);
        let moved = self.perform_reassignments(&reassignable, previous);
        if !initializing && moved && balance_score(&self.current) >= balance_score(&before) {
            // Moving made it no better: keep what members had.
            self.current = before;
            self.partition_consumer = before_owners;
        }
        self.current.append(&mut fixed);
    }

    fn can_participate(&self, member: &str) -> bool {
        let partitions = &self.current[member];
        partitions.len() < self.max_assignment_size(member)
            || partitions.iter().any(|tp| self.topic_consumers[&tp.topic].len() >= 2)
    }

    /// Java's `isBalanced`: counts differ by at most one, or no member with fewer partitions
    /// could take one from a member with two or more than it.
    fn is_balanced(&self) -> bool {
        let (Some((min, _)), Some((max, _))) = (self.by_load.first(), self.by_load.last()) else {
            return true;
        };
        if min + 1 >= *max {
            return true;
        }
        for (_, member) in &self.by_load {
            let mine = &self.current[member];
            if mine.len() == self.max_assignment_size(member) {
                continue;
            }
            for topic in &self.consumer_topics[member] {
                for p in 0..self.partitions_per_topic[topic] {
                    let tp = TopicPartition::new(topic.as_str(), p);
                    if mine.contains(&tp) {
                        continue;
                    }
                    let other = self.partition_consumer.get(&tp).and_then(|o| self.current.get(o));
                    if other.is_some_and(|o| mine.len() + 1 < o.len()) {
                        return false;
                    }
                }
            }
        }
        true
    }

    fn perform_reassignments(
        &mut self,
        reassignable: &[TopicPartition],
        previous: &VecMap<TopicPartition, (String, i32)>,
    ) -> bool {
        let mut moved = false;
        // Java repeats passes until one moves nothing. When undoing an earlier move swaps in a
        // partition held by a third member, two passes can undo each other forever (found by
        // this module's property tests); stop when a pass starts from an assignment seen before.
        let mut seen = VecSet::new();
        loop {
            if !seen.insert(self.current.clone()) {
                return moved;
            }
            let mut modified = false;
            for tp in reassignable {
                if self.is_balanced() {
                    break;
                }
                let Some(owner) = self.partition_consumer.get(tp).cloned() else { continue };
                let Some(owner_load) = self.current.get(&owner).map(Vec::len) else { continue };

                // Hand it back to its owner from an older generation if that evens things out.
                if let Some((previous_owner, _)) = previous.get(tp) {
                    let eligible = self.subscribes(previous_owner, &tp.topic);
                    if eligible && self.current.get(previous_owner).is_some_and(|p| owner_load > p.len() + 1) {
                        self.reassign_to(tp, previous_owner);
                        moved = true;
                        modified = true;
                        continue;
                    }
                }

                let better = self.topic_consumers[&tp.topic]
                    .iter()
                    .any(|other| self.current.get(other).is_some_and(|p| owner_load > p.len() + 1));
                if better {
                    let new_owner = self
                        .by_load
                        .iter()
                        .find(|(_, m)| self.subscribes(m, &tp.topic))
                        .map(|(_, m)| m.clone())
                        .expect("a less loaded subscriber exists");
                    self.reassign_to(tp, &new_owner);
                    moved = true;
                    modified = true;
                }
            }
            if !modified {
                return moved;
            }
        }
    }

    fn reassign_to(&mut self, tp: &TopicPartition, new_owner: &str) {
        let owner = self.partition_consumer[tp].clone();
        let to_move = self.movements.partition_to_move(tp, &owner, new_owner);
        let old_owner = self.partition_consumer[&to_move].clone();
        self.by_load.remove(&self.load_key(&old_owner));
        self.by_load.remove(&self.load_key(new_owner));
        self.movements.move_partition(&to_move, &old_owner, new_owner);
        self.current.get_mut(&old_owner).expect("entry").retain(|p| *p != to_move);
        self.current.get_mut(new_owner).expect("entry").push(to_move.clone());
        self.partition_consumer.insert(to_move, new_owner.to_owned());
        self.by_load.insert(self.load_key(new_owner));
        self.by_load.insert(self.load_key(&old_owner));
    }
}

/// Java's `getBalanceScore`: the sum over pairs of members of the difference in their counts.
fn balance_score(assignment: &Assignment) -> usize {
    let sizes: Vec<usize> = assignment.values().map(Vec::len).collect();
    sizes.iter().enumerate().flat_map(|(i, a)| sizes[i + 1..].iter().map(move |b| a.abs_diff(*b))).sum()
}

/// One rebalance of `cooperative-sticky`, as the leader computes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CooperativeAssignment {
    /// The balanced, sticky assignment the group converges to (what `sticky` would give).
    pub target: Assignment,
    /// What SyncGroup hands each member now: the target minus every partition in `transferring`.
    pub assignment: Assignment,
    /// Partitions moving from one member to another -> their new owner. Their old owners revoke
    /// them and rejoin; the follow-up rebalance gives them to the new owner.
    pub transferring: VecMap<TopicPartition, String>,
}

/// `CooperativeStickyAssignor.assign`: the sticky target, then `adjustAssignment` holds back the
/// partitions changing owner, using the constrained algorithm's own record of them when it ran
/// and [`cooperative_first_round`]'s rule otherwise, exactly as Java does.
pub fn assign_cooperative(
    members: &[MemberSubscription],
    partitions_per_topic: &VecMap<String, i32>,
) -> CooperativeAssignment {
    let partitions_per_topic = subscribed_partition_counts(members, partitions_per_topic);
    let StickyResult { assignment, transferring } = assign(members, &partitions_per_topic);
    let target = finish(members, &partitions_per_topic, assignment);
    let transferring = transferring.unwrap_or_else(|| partitions_transferring_ownership(members, &target));
    let assignment = hold_back(&target, &transferring);
    CooperativeAssignment { target, assignment, transferring }
}

/// The first round of an incremental (cooperative) rebalance towards `target`: each member gets
/// its target partitions except those it does not own yet and that another member still owns
/// (and must revoke first). A partition whose owner left the group, or that nobody owned, is
/// handed out at once.
///
/// Ownership is what each member reported in `owned_partitions` (Java's
/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership` + `adjustAssignment`).
/// Once the old owners revoke and rejoin, running the assignor again gives the held-back
/// partitions to their new owners: that is the second rebalance.
pub fn cooperative_first_round(target: &Assignment, members: &[MemberSubscription]) -> Assignment {
    hold_back(target, &partitions_transferring_ownership(members, target))
}

/// What each member must give up when its assignment goes from `previous` to `target`
/// (`owned - assigned`, which Java's `ConsumerCoordinator` passes to `onPartitionsRevoked` under
/// the cooperative protocol before rejoining). Only members with something to revoke appear.
pub fn cooperative_revocations(previous: &Assignment, target: &Assignment) -> Assignment {
    let mut revocations = Assignment::new();
    for (member, owned) in previous {
        let kept: VecSet<&TopicPartition> = target.get(member).into_iter().flatten().collect();
        let revoked: Vec<TopicPartition> = owned.iter().filter(|tp| !kept.contains(tp)).cloned().collect();
        if !revoked.is_empty() {
            revocations.insert(member.clone(), revoked);
        }
    }
    revocations
}

/// Java's `computePartitionsTransferringOwnership`: partitions a member gets but did not own,
/// which some member owned and does not keep.
fn partitions_transferring_ownership(
    members: &[MemberSubscription],
    target: &Assignment,
) -> VecMap<TopicPartition, String> {
    let mut added = VecMap::new();
    let mut revoked = VecSet::new();
    for member in members {
        let Some(assigned) = target.get(&member.member_id) else { continue };
        let owned: VecSet<&TopicPartition> = member.owned_partitions.iter().collect();
        let assigned_set: VecSet<&TopicPartition> = assigned.iter().collect();
        for tp in assigned.iter().filter(|tp| !owned.contains(tp)) {
            added.insert(tp.clone(), member.member_id.clone());
        }
        revoked.extend(owned.into_iter().filter(|tp| !assigned_set.contains(tp)).cloned());
    }
    added.retain(|tp, _| revoked.contains(tp));
    added
}

/// `adjustAssignment`: the target without the partitions still changing owner.
fn hold_back(target: &Assignment, transferring: &VecMap<TopicPartition, String>) -> Assignment {
    let mut assignment = target.clone();
    for (tp, new_owner) in transferring {
        if let Some(partitions) = assignment.get_mut(new_owner) {
            partitions.retain(|p| p != tp);
        }
    }
    assignment
}
