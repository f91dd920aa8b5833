//! Expected assignments come from Kafka's own documentation and tests where noted:
//! `RangeAssignor`/`RoundRobinAssignor`/`StickyAssignor` javadoc examples and
//! `clients/src/test/java/org/apache/kafka/clients/consumer/internals/AbstractStickyAssignorTest.java`.

use proptest::prelude::*;

use super::sticky::sort_in_java_hash_map_order;
use super::*;
use crate::collections::{VecMap, VecSet};
use crate::engine::config::AssignorName::{self, CooperativeSticky, Range, RoundRobin, Sticky};

const ALL: [AssignorName; 4] = [Range, RoundRobin, Sticky, CooperativeSticky];

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

fn topics(counts: &[(&str, i32)]) -> VecMap<String, i32> {
    counts.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

fn sorted(mut partitions: Vec<TopicPartition>) -> Vec<TopicPartition> {
    partitions.sort();
    partitions
}

/// The members of a group that all subscribe to `subscribed`, each reporting what it got in
/// `previous` as owned in `generation`.
fn rejoin(previous: &Assignment, subscribed: &[&str], generation: i32) -> Vec<MemberSubscription> {
    previous
        .iter()
        .map(|(id, owned)| {
            MemberSubscription::new(id.as_str(), subscribed.iter().copied()).owning(owned.clone(), generation)
        })
        .collect()
}

#[test]
fn range_gives_the_first_members_one_extra_partition() {
    // RangeAssignor javadoc: C0 and C1 on t0 and t1 with 3 partitions each.
    let members = [MemberSubscription::new("C0", ["t0", "t1"]), MemberSubscription::new("C1", ["t0", "t1"])];
    let result = assign(Range, &members, &topics(&[("t0", 3), ("t1", 3)]));
    assert_eq!(result["C0"], [tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)]);
    assert_eq!(result["C1"], [tp("t0", 2), tp("t1", 2)]);
}

#[test]
fn fourth_consumer_on_three_partitions_is_idle() {
    let members: Vec<_> = ["c1", "c2", "c3", "c4"].map(|id| MemberSubscription::new(id, ["orders"])).into();
    for assignor in ALL {
        let result = assign(assignor, &members, &topics(&[("orders", 3)]));
        assert_eq!(result.len(), 4, "{assignor:?}: every member is in the result");
        let idle: Vec<&String> = result.iter().filter(|(_, p)| p.is_empty()).map(|(m, _)| m).collect();
        assert_eq!(idle.len(), 1, "{assignor:?}: {result:?}");
        assert!(result.values().all(|p| p.len() <= 1), "{assignor:?}: {result:?}");
    }
    // Range and roundrobin deal in member-id order, so the last member waits.
    assert!(assign(Range, &members, &topics(&[("orders", 3)]))["c4"].is_empty());
    assert!(assign(RoundRobin, &members, &topics(&[("orders", 3)]))["c4"].is_empty());
}

#[test]
fn range_orders_static_members_by_group_instance_id_before_dynamic_ones() {
    let members = [
        MemberSubscription::new("a-dynamic", ["t"]),
        MemberSubscription::new("z-static", ["t"]).with_group_instance_id("instance-1"),
        MemberSubscription::new("m-static", ["t"]).with_group_instance_id("instance-2"),
    ];
    let result = assign(Range, &members, &topics(&[("t", 3)]));
    assert_eq!(result["z-static"], [tp("t", 0)]);
    assert_eq!(result["m-static"], [tp("t", 1)]);
    assert_eq!(result["a-dynamic"], [tp("t", 2)]);
}

#[test]
fn range_is_lopsided_across_topics_where_roundrobin_is_not() {
    let members = [MemberSubscription::new("C0", ["a", "b"]), MemberSubscription::new("C1", ["a", "b"])];
    let counts = topics(&[("a", 3), ("b", 3)]);
    let range = assign(Range, &members, &counts);
    assert_eq!((range["C0"].len(), range["C1"].len()), (4, 2));
    let roundrobin = assign(RoundRobin, &members, &counts);
    assert_eq!((roundrobin["C0"].len(), roundrobin["C1"].len()), (3, 3));
}

#[test]
fn assignors_skip_topics_the_cluster_does_not_have() {
    let members = [MemberSubscription::new("c1", ["exists", "missing"])];
    for assignor in ALL {
        let result = assign(assignor, &members, &topics(&[("exists", 2), ("unsubscribed", 4)]));
        assert_eq!(result["c1"], [tp("exists", 0), tp("exists", 1)], "{assignor:?}");
    }
}

#[test]
fn roundrobin_deals_partitions_in_turn() {
    // RoundRobinAssignor javadoc.
    let members = [MemberSubscription::new("C0", ["t0", "t1"]), MemberSubscription::new("C1", ["t0", "t1"])];
    let result = assign(RoundRobin, &members, &topics(&[("t0", 3), ("t1", 3)]));
    assert_eq!(result["C0"], [tp("t0", 0), tp("t0", 2), tp("t1", 1)]);
    assert_eq!(result["C1"], [tp("t0", 1), tp("t1", 0), tp("t1", 2)]);
}

#[test]
fn roundrobin_skips_members_not_subscribed_to_the_topic() {
    // RoundRobinAssignor javadoc: C0 on t0; C1 on t0, t1; C2 on t0, t1, t2.
    let members = [
        MemberSubscription::new("C0", ["t0"]),
        MemberSubscription::new("C1", ["t0", "t1"]),
        MemberSubscription::new("C2", ["t0", "t1", "t2"]),
    ];
    let result = assign(RoundRobin, &members, &topics(&[("t0", 1), ("t1", 2), ("t2", 3)]));
    assert_eq!(result["C0"], [tp("t0", 0)]);
    assert_eq!(result["C1"], [tp("t1", 0)]);
    assert_eq!(result["C2"], [tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)]);
}

#[test]
fn java_hash_map_order_matches_javas_for_kafkas_test_member_names() {
    // "consumer1".hashCode() lands in bucket 12 of 16, "consumer2" in 11, "consumer3" in 10, ...
    let mut names = vec!["consumer1", "consumer2", "consumer3", "consumer4"];
    sort_in_java_hash_map_order(&mut names, |n| n);
    assert_eq!(names, ["consumer4", "consumer3", "consumer2", "consumer1"]);
}

#[test]
fn sticky_starts_like_roundrobin_in_kafkas_javadoc_example() {
    // StickyAssignor javadoc, example 1: C0, C1, C2 on t0..t3 with 2 partitions each.
    let all = ["t0", "t1", "t2", "t3"];
    let members = ["C0", "C1", "C2"].map(|id| MemberSubscription::new(id, all));
    let counts = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
    let result = assign(Sticky, &members, &counts);
    assert_eq!(result["C0"], [tp("t0", 0), tp("t1", 1), tp("t3", 0)]);
    assert_eq!(result["C1"], [tp("t0", 1), tp("t2", 0), tp("t3", 1)]);
    assert_eq!(result["C2"], [tp("t1", 0), tp("t2", 1)]);
    assert_eq!(assign(RoundRobin, &members, &counts), result);
}

#[test]
fn sticky_keeps_every_partition_in_place_when_a_member_leaves() {
    // StickyAssignor javadoc, example 1 continued: C1 leaves; C0 and C2 keep all they had.
    let all = ["t0", "t1", "t2", "t3"];
    let counts = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
    let first = assign(Sticky, &["C0", "C1", "C2"].map(|id| MemberSubscription::new(id, all)), &counts);
    let mut remaining = first.clone();
    remaining.remove("C1");
    let second = assign(Sticky, &rejoin(&remaining, &all, 1), &counts);
    for member in ["C0", "C2"] {
        assert!(first[member].iter().all(|p| second[member].contains(p)), "{member} kept its partitions: {second:?}");
        assert_eq!(second[member].len(), 4);
    }
    // Roundrobin reshuffles instead.
    let roundrobin = assign(RoundRobin, &rejoin(&remaining, &all, 1), &counts);
    assert_eq!(roundrobin["C0"], [tp("t0", 0), tp("t1", 0), tp("t2", 0), tp("t3", 0)]);
}

#[test]
fn sticky_matches_kafka_on_two_topics_of_three_partitions() {
    // AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
    let members = ["consumer1", "consumer2"].map(|id| MemberSubscription::new(id, ["topic1", "topic2"]));
    let result = assign(Sticky, &members, &topics(&[("topic1", 3), ("topic2", 3)]));
    assert_eq!(result["consumer1"], [tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)]);
    assert_eq!(result["consumer2"], [tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)]);
}

#[test]
fn sticky_keeps_owned_partitions_when_a_member_joins() {
    // AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics.
    let all = ["topic1", "topic2"];
    let counts = topics(&[("topic1", 3), ("topic2", 4)]);
    let first = assign(Sticky, &["consumer1", "consumer2"].map(|id| MemberSubscription::new(id, all)), &counts);
    assert_eq!(first["consumer1"], [tp("topic1", 0), tp("topic1", 2), tp("topic2", 1), tp("topic2", 3)]);
    assert_eq!(first["consumer2"], [tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)]);

    let mut members = rejoin(&first, &all, 1);
    members.push(MemberSubscription::new("consumer3", all).owning(vec![], 1));
    members.push(MemberSubscription::new("consumer4", all).owning(vec![], 1));
    let round = assign_cooperative(&members, &counts);
    assert_eq!(round.target["consumer1"], [tp("topic1", 0), tp("topic2", 1)]);
    assert_eq!(round.target["consumer2"], sorted(vec![tp("topic2", 0), tp("topic1", 1)]));
    assert_eq!(round.target["consumer3"], [tp("topic1", 2), tp("topic2", 3)]);
    assert_eq!(round.target["consumer4"], [tp("topic2", 2)]);
    let expected_moves: VecMap<TopicPartition, String> = [
        (tp("topic1", 2), "consumer3".to_string()),
        (tp("topic2", 3), "consumer3".to_string()),
        (tp("topic2", 2), "consumer4".to_string()),
    ]
    .into();
    assert_eq!(round.transferring, expected_moves);
    assert_eq!(assign(Sticky, &members, &counts), round.target);
}

#[test]
fn sticky_gives_the_extra_partition_to_members_in_javas_visiting_order() {
    // AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers: both
    // consumer1 and consumer2 own two of four partitions, only one of them may keep two, and Java
    // visits consumer2 first.
    let all = ["topic1", "topic2"];
    let members = [
        MemberSubscription::new("consumer1", all).owning(vec![tp("topic1", 0), tp("topic2", 0)], 1),
        MemberSubscription::new("consumer2", all).owning(vec![tp("topic1", 1), tp("topic2", 1)], 1),
        MemberSubscription::new("consumer3", all).owning(vec![], 1),
    ];
    let round = assign_cooperative(&members, &topics(&[("topic1", 2), ("topic2", 2)]));
    assert_eq!(round.target["consumer1"], [tp("topic1", 0)]);
    assert_eq!(round.target["consumer2"], [tp("topic1", 1), tp("topic2", 1)]);
    assert_eq!(round.target["consumer3"], [tp("topic2", 0)]);
    assert_eq!(round.transferring, [(tp("topic2", 0), "consumer3".to_string())].into());
}

#[test]
fn sticky_fills_members_under_quota_first() {
    // AbstractStickyAssignorTest.testAllConsumersAreUnderMinQuota and
    // testAllConsumersReachExpectedQuotaAndAreConsideredFilled.
    let all = ["topic1", "topic2"];
    let members = [
        MemberSubscription::new("consumer1", all).owning(vec![tp("topic1", 0)], 1),
        MemberSubscription::new("consumer2", all).owning(vec![tp("topic1", 1)], 1),
        MemberSubscription::new("consumer3", all).owning(vec![], 1),
    ];
    let result = assign(Sticky, &members, &topics(&[("topic1", 2), ("topic2", 3)]));
    assert_eq!(result["consumer1"], [tp("topic1", 0), tp("topic2", 1)]);
    assert_eq!(result["consumer2"], [tp("topic1", 1), tp("topic2", 2)]);
    assert_eq!(result["consumer3"], [tp("topic2", 0)]);

    let members = [
        MemberSubscription::new("consumer1", ["topic"]).owning(vec![tp("topic", 0), tp("topic", 1)], 1),
        MemberSubscription::new("consumer2", ["topic"]).owning(vec![tp("topic", 2)], 1),
        MemberSubscription::new("consumer3", ["topic"]).owning(vec![], 1),
    ];
    let round = assign_cooperative(&members, &topics(&[("topic", 4)]));
    assert_eq!(round.target["consumer1"], [tp("topic", 0), tp("topic", 1)]);
    assert_eq!(round.target["consumer2"], [tp("topic", 2)]);
    assert_eq!(round.target["consumer3"], [tp("topic", 3)]);
    assert!(round.transferring.is_empty());
}

#[test]
fn sticky_balances_mixed_subscriptions_like_kafka() {
    // AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions (general algorithm).
    let members = [
        MemberSubscription::new("consumer1", ["topic1"]),
        MemberSubscription::new("consumer2", ["topic1", "topic2"]),
        MemberSubscription::new("consumer3", ["topic1"]),
    ];
    let result = assign(Sticky, &members, &topics(&[("topic1", 3), ("topic2", 2)]));
    assert_eq!(result["consumer1"], [tp("topic1", 0), tp("topic1", 2)]);
    assert_eq!(result["consumer2"], [tp("topic2", 0), tp("topic2", 1)]);
    assert_eq!(result["consumer3"], [tp("topic1", 1)]);
}

#[test]
fn sticky_is_more_balanced_than_roundrobin_with_mixed_subscriptions() {
    // StickyAssignor javadoc, example 2: C0 on t0; C1 on t0, t1; C2 on t0, t1, t2.
    let members = [
        MemberSubscription::new("C0", ["t0"]),
        MemberSubscription::new("C1", ["t0", "t1"]),
        MemberSubscription::new("C2", ["t0", "t1", "t2"]),
    ];
    let counts = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
    let result = assign(Sticky, &members, &counts);
    assert_eq!(result["C0"], [tp("t0", 0)]);
    assert_eq!(result["C1"], [tp("t1", 0), tp("t1", 1)]);
    assert_eq!(result["C2"], [tp("t2", 0), tp("t2", 1), tp("t2", 2)]);

    // C0 leaves: sticky moves only t0-0 (to C1, the least loaded), keeping the other five.
    let c1 = MemberSubscription::new("C1", ["t0", "t1"]).owning(result["C1"].clone(), 1);
    let c2 = MemberSubscription::new("C2", ["t0", "t1", "t2"]).owning(result["C2"].clone(), 1);
    let after = assign(Sticky, &[c1, c2], &counts);
    assert_eq!(after["C1"], [tp("t0", 0), tp("t1", 0), tp("t1", 1)]);
    assert_eq!(after["C2"], [tp("t2", 0), tp("t2", 1), tp("t2", 2)]);
}

#[test]
fn sticky_hands_a_partition_claimed_twice_to_the_newer_generation() {
    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration.
    let all = ["topic", "topic2"];
    let claimed = vec![tp("topic", 0), tp("topic", 2), tp("topic2", 1)];
    let members = [
        MemberSubscription::new("consumer1", all).owning(claimed.clone(), 10),
        MemberSubscription::new("consumer2", all).owning(claimed.clone(), 9),
    ];
    let round = assign_cooperative(&members, &topics(&[("topic", 3), ("topic2", 3)]));
    assert_eq!(round.target["consumer1"], claimed);
    assert_eq!(round.target["consumer2"], [tp("topic", 1), tp("topic2", 0), tp("topic2", 2)]);
    assert!(round.transferring.is_empty());
}

#[test]
fn sticky_trusts_neither_of_two_claims_in_the_same_generation() {
    let members = [
        MemberSubscription::new("a", ["t"]).owning(vec![tp("t", 0), tp("t", 1)], 4),
        MemberSubscription::new("b", ["t"]).owning(vec![tp("t", 1)], 4),
    ];
    let round = assign_cooperative(&members, &topics(&[("t", 2)]));
    let new_owner = round.transferring.get(&tp("t", 1)).expect("t-1 is held back until both let go");
    assert!(!round.assignment[new_owner].contains(&tp("t", 1)));
    assert_eq!(round.target["a"], [tp("t", 0)]);
}

#[test]
fn cooperative_sticky_moves_only_the_partitions_it_must() {
    // c1 owns all six partitions; c2 joins. The target splits them 3/3 and c1 keeps its three
    // lowest; in the first rebalance c1 revokes the other three and c2 gets nothing yet.
    let counts = topics(&[("orders", 6)]);
    let all: Vec<TopicPartition> = (0..6).map(|p| tp("orders", p)).collect();
    let members =
        [MemberSubscription::new("c1", ["orders"]).owning(all.clone(), 3), MemberSubscription::new("c2", ["orders"])];
    let first = assign_cooperative(&members, &counts);
    assert_eq!(first.target["c1"], all[..3]);
    assert_eq!(first.target["c2"], all[3..]);
    assert_eq!(first.assignment["c1"], all[..3]);
    assert!(first.assignment["c2"].is_empty(), "c2 waits until c1 has revoked: {first:?}");
    assert_eq!(cooperative_first_round(&first.target, &members), first.assignment);

    let owned_before: Assignment = [("c1".to_string(), all.clone())].into();
    let revoked = cooperative_revocations(&owned_before, &first.assignment);
    assert_eq!(revoked, [("c1".to_string(), all[3..].to_vec())].into());

    // c1 revokes and rejoins: the follow-up rebalance hands the three partitions to c2.
    let members = [
        MemberSubscription::new("c1", ["orders"]).owning(first.assignment["c1"].clone(), 4),
        MemberSubscription::new("c2", ["orders"]).owning(first.assignment["c2"].clone(), 4),
    ];
    let second = assign_cooperative(&members, &counts);
    assert_eq!(second.assignment, first.target);
    assert!(second.transferring.is_empty());
    assert!(cooperative_revocations(&first.assignment, &second.assignment).is_empty());
}

#[test]
fn cooperative_sticky_hands_out_a_departed_members_partitions_at_once() {
    let counts = topics(&[("orders", 4)]);
    let members = [
        MemberSubscription::new("c1", ["orders"]).owning(vec![tp("orders", 0), tp("orders", 1)], 2),
        MemberSubscription::new("c3", ["orders"]).owning(vec![], 2),
    ];
    // c2, which owned orders-2 and orders-3, left: nobody has to revoke anything.
    let round = assign_cooperative(&members, &counts);
    assert_eq!(round.assignment, round.target);
    assert_eq!(round.assignment["c3"], [tp("orders", 2), tp("orders", 3)]);
}

#[test]
fn sticky_balancing_stops_where_kafkas_loop_would_cycle_forever() {
    // Found by `cooperative_rounds_converge_to_the_target`: when the newcomer joins, Java's
    // performReassignments keeps moving alpha-2 between member-0 and member-2 (undoing a move
    // swaps in a partition of a third member) and never returns.
    let counts = topics(&[("alpha", 3), ("beta", 8), ("delta", 5), ("gamma", 3)]);
    let members = [
        MemberSubscription::new("member-0", ["alpha", "delta"]),
        MemberSubscription::new("member-1", ["beta", "gamma"]),
        MemberSubscription::new("member-2", ["alpha"]),
        MemberSubscription::new("member-3", ["delta"]),
        MemberSubscription::new("member-4", ["beta", "gamma"]),
    ];
    let first = assign(CooperativeSticky, &members, &counts);
    let mut members: Vec<MemberSubscription> =
        members.iter().map(|m| m.clone().owning(first[&m.member_id].clone(), 1)).collect();
    members.push(MemberSubscription::new("newcomer", TOPIC_NAMES));
    let round = assign_cooperative(&members, &counts);
    let loads: Vec<usize> = round.target.values().map(Vec::len).collect();
    assert_eq!(loads.iter().sum::<usize>(), 19);
    assert!(round.target["newcomer"].len() >= 3, "the newcomer gets a share: {round:?}");
}

// ---------------------------------------------------------------------------------------------
// Properties over random groups.

#[derive(Debug, Clone)]
struct Group {
    members: Vec<MemberSubscription>,
    partitions_per_topic: VecMap<String, i32>,
}

const TOPIC_NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

fn static_id_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![3 => Just(None), 1 => (0u8..8).prop_map(|i| Some(format!("instance-{i}")))]
}

/// Up to 7 members, each subscribing to a random subset of up to 4 topics (one of which the
/// cluster may not have), with random static ids.
fn group_strategy() -> impl Strategy<Value = Group> {
    let counts = proptest::collection::vec(0i32..9, 4);
    let members = proptest::collection::vec((proptest::collection::vec(any::<bool>(), 4), static_id_strategy()), 1..8);
    (counts, members, any::<bool>()).prop_map(|(counts, members, drop_delta)| {
        let mut partitions_per_topic: VecMap<String, i32> =
            TOPIC_NAMES.iter().zip(counts).map(|(t, n)| (t.to_string(), n)).collect();
        if drop_delta {
            partitions_per_topic.remove("delta");
        }
        let mut used_instances = VecSet::new();
        let members = members
            .into_iter()
            .enumerate()
            .map(|(i, (subscribed, instance))| {
                let topics: Vec<&str> =
                    TOPIC_NAMES.iter().zip(subscribed).filter(|(_, s)| *s).map(|(t, _)| *t).collect();
                let mut member = MemberSubscription::new(format!("member-{i}"), topics);
                if let Some(instance) = instance.filter(|id| used_instances.insert(id.clone())) {
                    member = member.with_group_instance_id(instance);
                }
                member
            })
            .collect();
        Group { members, partitions_per_topic }
    })
}

/// Up to 7 members all subscribing to the same topics.
fn uniform_group_strategy() -> impl Strategy<Value = (Vec<String>, usize, VecMap<String, i32>)> {
    (proptest::collection::vec(0i32..12, 1..4), 1usize..8).prop_map(|(counts, members)| {
        let partitions_per_topic: VecMap<String, i32> =
            TOPIC_NAMES.iter().zip(counts).map(|(t, n)| (t.to_string(), n)).collect();
        (partitions_per_topic.keys().cloned().collect(), members, partitions_per_topic)
    })
}

fn check_valid(group: &Group, result: &Assignment) -> Result<(), TestCaseError> {
    prop_assert_eq!(result.len(), group.members.len());
    let mut owner: VecMap<&TopicPartition, &str> = VecMap::new();
    for member in &group.members {
        for p in &result[&member.member_id] {
            prop_assert!(member.subscribes(&p.topic), "{} got {} without subscribing", member.member_id, p);
            prop_assert!(owner.insert(p, &member.member_id).is_none(), "{} assigned twice", p);
        }
    }
    for (topic, &count) in &group.partitions_per_topic {
        let subscribed = group.members.iter().any(|m| m.subscribes(topic));
        for partition in 0..count {
            let assigned = owner.contains_key(&TopicPartition::new(topic.as_str(), partition));
            prop_assert_eq!(assigned, subscribed, "{}-{} assigned iff someone subscribes", topic, partition);
        }
    }
    Ok(())
}

fn spread(result: &Assignment) -> usize {
    let counts = result.values().map(Vec::len);
    counts.clone().max().unwrap_or(0) - counts.min().unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_partition_goes_to_exactly_one_subscriber(group in group_strategy()) {
        for assignor in ALL {
            let result = assign(assignor, &group.members, &group.partitions_per_topic);
            check_valid(&group, &result)?;
        }
    }

    #[test]
    fn assignments_are_deterministic_whatever_the_member_order(group in group_strategy()) {
        for assignor in ALL {
            let result = assign(assignor, &group.members, &group.partitions_per_topic);
            prop_assert_eq!(&assign(assignor, &group.members, &group.partitions_per_topic), &result);
            let mut reversed = group.members.clone();
            reversed.reverse();
            prop_assert_eq!(&assign(assignor, &reversed, &group.partitions_per_topic), &result);
        }
    }

    #[test]
    fn sticky_rebalances_stay_valid_after_random_changes(group in group_strategy(), generation in 1i32..5, leave in any::<proptest::sample::Index>()) {
        for assignor in [Sticky, CooperativeSticky] {
            let first = assign(assignor, &group.members, &group.partitions_per_topic);
            let mut members: Vec<MemberSubscription> = group
                .members
                .iter()
                .map(|m| m.clone().owning(first[&m.member_id].clone(), generation))
                .collect();
            members.remove(leave.index(members.len()));
            let remaining = Group { members, partitions_per_topic: group.partitions_per_topic.clone() };
            let second = assign(assignor, &remaining.members, &remaining.partitions_per_topic);
            check_valid(&remaining, &second)?;
            let round = assign_cooperative(&remaining.members, &remaining.partitions_per_topic);
            prop_assert_eq!(&round.target, &second);
            for (member, partitions) in &round.assignment {
                prop_assert!(partitions.iter().all(|p| round.target[member].contains(p)));
            }
        }
    }

    #[test]
    fn sticky_copes_with_any_ownership_claims(
        group in group_strategy(),
        claims in proptest::collection::vec((proptest::collection::vec((0usize..4, -1i32..9), 0..6), -1i32..4), 8),
    ) {
        // Stale, conflicting, duplicated and nonexistent claims, in any generation.
        let members: Vec<MemberSubscription> = group
            .members
            .iter()
            .zip(claims)
            .map(|(m, (owned, generation))| {
                let owned = owned.into_iter().map(|(t, p)| TopicPartition::new(TOPIC_NAMES[t], p)).collect();
                m.clone().owning(owned, generation)
            })
            .collect();
        let group = Group { members, partitions_per_topic: group.partitions_per_topic };
        for assignor in [Sticky, CooperativeSticky] {
            let result = assign(assignor, &group.members, &group.partitions_per_topic);
            check_valid(&group, &result)?;
        }
        let round = assign_cooperative(&group.members, &group.partitions_per_topic);
        for (member, partitions) in &round.assignment {
            prop_assert!(partitions.iter().all(|p| round.target[member].contains(p)));
            prop_assert!(round.transferring.keys().all(|p| !partitions.contains(p)));
        }
        prop_assert_eq!(cooperative_first_round(&round.target, &group.members).len(), group.members.len());
    }

    #[test]
    fn sticky_with_identical_subscriptions_is_balanced((subscribed, members, counts) in uniform_group_strategy()) {
        let members: Vec<_> = (0..members).map(|i| MemberSubscription::new(format!("m{i}"), subscribed.iter().cloned())).collect();
        for assignor in ALL {
            let result = assign(assignor, &members, &counts);
            if assignor != Range {
                prop_assert!(spread(&result) <= 1, "{:?}: {:?}", assignor, result);
            }
        }
    }

    #[test]
    fn a_member_leaving_only_moves_that_members_partitions(
        (subscribed, members, counts) in uniform_group_strategy(),
        leave in any::<proptest::sample::Index>(),
    ) {
        let members: Vec<_> = (0..members).map(|i| MemberSubscription::new(format!("m{i}"), subscribed.iter().cloned())).collect();
        for assignor in [Sticky, CooperativeSticky] {
            let before = assign(assignor, &members, &counts);
            let leaver = &members[leave.index(members.len())].member_id;
            let stayers: Vec<MemberSubscription> = members
                .iter()
                .filter(|m| &m.member_id != leaver)
                .map(|m| m.clone().owning(before[&m.member_id].clone(), 1))
                .collect();
            if stayers.is_empty() {
                continue;
            }
            let round = assign_cooperative(&stayers, &counts);
            let after = assign(assignor, &stayers, &counts);
            prop_assert_eq!(&round.target, &after);
            prop_assert!(spread(&after) <= 1, "{:?}", after);
            for member in &stayers {
                let kept = before[&member.member_id].iter().all(|p| after[&member.member_id].contains(p));
                prop_assert!(kept, "{} lost a partition: before {:?} after {:?}", member.member_id, before, after);
            }
            // Nothing moves between members who stay, so nothing waits for a revocation.
            prop_assert!(round.transferring.is_empty());
            prop_assert_eq!(&round.assignment, &after);
        }
    }

    #[test]
    fn cooperative_rounds_converge_to_the_target(group in group_strategy()) {
        // A stable group, then a newcomer subscribing to everything. Follow the incremental
        // protocol: each round hands out the target minus what others still own; members that
        // lost partitions revoke them and rejoin, which starts the next round.
        let first = assign(CooperativeSticky, &group.members, &group.partitions_per_topic);
        let mut members: Vec<MemberSubscription> =
            group.members.iter().map(|m| m.clone().owning(first[&m.member_id].clone(), 1)).collect();
        members.push(MemberSubscription::new("newcomer", TOPIC_NAMES));
        let mut rounds = 0;
        loop {
            let round = assign_cooperative(&members, &group.partitions_per_topic);
            // Nobody is handed a partition another member still owns.
            for (member, partitions) in &round.assignment {
                for p in partitions {
                    let other = members.iter().find(|m| &m.member_id != member && m.owned_partitions.contains(p));
                    prop_assert!(other.is_none(), "{} handed to {} while {:?} owns it", p, member, other);
                }
            }
            if round.transferring.is_empty() {
                prop_assert_eq!(&round.assignment, &round.target);
                break;
            }
            rounds += 1;
            // Kafka's own general algorithm may change its target once the revoked partitions
            // are free, so a group with mixed subscriptions can take more than one extra round.
            prop_assert!(rounds <= 4, "no convergence after {} rounds: {:?}", rounds, round);
            let generation = 1 + rounds;
            members = members.iter().map(|m| m.clone().owning(round.assignment[&m.member_id].clone(), generation)).collect();
        }
    }
}
