//! One consumer group on its coordinator: Kafka's `GroupMetadata` and
//! `MemberMetadata` (classic protocol), with the state machine written out:
//!
//! ```text
//!            +---------------------------------------------+
//!            v                                             |
//!   Empty -> PreparingRebalance -> CompletingRebalance -> Stable
//!            ^        |                    |               |
//!            |        +-> Empty            +---------------+--> PreparingRebalance
//!   (any state) -> Dead   (the coordinator unloaded the group)
//! ```
//!
//! - `Empty`: no members (maybe committed offsets). A first JoinGroup starts
//!   a rebalance, delayed by `group.initial.rebalance.delay.ms`.
//! - `PreparingRebalance`: waiting for every known member to (re)join, or
//!   for the rebalance timeout (the largest `max.poll.interval.ms`).
//! - `CompletingRebalance`: a generation is formed; waiting for the leader's
//!   SyncGroup with the assignment.
//! - `Stable`: the assignment is stored and sent; members heartbeat.
//! - `Dead`: the coordinator no longer owns the group.
//!
//! This file holds state and the small rules over it (protocol selection,
//! leader election, who has rejoined); the protocol handlers that drive it
//! are in `join.rs`, `rebalance.rs`, `sync.rs` and `session.rs`. Members are kept in join order: where Java walks a
//! `HashMap` (a new leader after the old one left, the member list sent to
//! the leader), the model takes the earliest member, so runs are repeatable.

use serde::{Deserialize, Serialize};

use super::offsets::CommittedOffset;
use super::Responder;
use crate::collections::{VecMap, VecSet};
use crate::engine::event::GroupEvent;
use crate::engine::ids::{BrokerId, ClientId, PartitionId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::group::{JoinGroupMember, JoinGroupProtocol, Subscription};
use crate::engine::time::Millis;

/// Kafka's `GroupState` (classic groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }

    /// `GroupState.validPreviousStates` in Kafka.
    fn may_follow(self, from: GroupState) -> bool {
        use GroupState::*;
        match self {
            Dead => true,
            CompletingRebalance => from == PreparingRebalance,
            Stable => from == CompletingRebalance,
            PreparingRebalance => matches!(from, Stable | CompletingRebalance | Empty),
            Empty => from == PreparingRebalance,
        }
    }
}

/// One member (`MemberMetadata`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub member_id: String,
    /// `group.instance.id` of a static member (KIP-345).
    pub group_instance_id: Option<String>,
    /// The client's `client.id` (from the JoinGroup that created the member).
    pub client_id: String,
    /// The simulated client node, once it has sent a request to this coordinator.
    pub client: Option<ClientId>,
    /// Kafka records the client's address; the model writes `/<node>`.
    pub client_host: String,
    pub session_timeout_ms: Millis,
    pub rebalance_timeout_ms: Millis,
    pub protocol_type: String,
    /// Assignors the member supports, in its order of preference.
    pub protocols: Vec<JoinGroupProtocol>,
    /// What the leader gave it in the last completed generation.
    pub assignment: Vec<TopicPartition>,
    /// Its JoinGroup, parked until the rebalance completes.
    pub awaiting_join: Option<Responder>,
    /// Its SyncGroup, parked until the leader's assignment is stored.
    pub awaiting_sync: Option<Responder>,
    /// Joined in the current rebalance and has not completed one yet: it is
    /// expired by the new-member join timeout even while awaiting the join.
    pub is_new: bool,
    /// Identifies the one live session-expiry timer (timers cannot be cancelled).
    pub heartbeat_token: u64,
    /// When the session was last renewed (heartbeat, join, sync, commit).
    pub last_heartbeat_ms: Millis,
    /// When the session expires unless renewed.
    pub session_deadline_ms: Millis,
}

impl Member {
    /// The member's metadata for `protocol` (its subscription).
    pub fn metadata(&self, protocol: &str) -> Option<&Subscription> {
        self.protocols.iter().find(|p| p.name == protocol).map(|p| &p.metadata)
    }

    pub fn supports(&self, protocol: &str) -> bool {
        self.protocols.iter().any(|p| p.name == protocol)
    }

    /// `MemberMetadata.matches`: the same protocols in the same order with the same metadata.
    pub fn matches(&self, protocols: &[JoinGroupProtocol]) -> bool {
        self.protocols == protocols
    }

    /// `MemberMetadata.vote`: its most preferred protocol among `candidates`.
    fn vote<'a>(&'a self, candidates: &VecSet<&str>) -> &'a str {
        self.protocols
            .iter()
            .map(|p| p.name.as_str())
            .find(|name| candidates.contains(name))
            .expect("a member supports every candidate protocol by definition")
    }

    /// `MemberMetadata.hasSatisfiedHeartbeat` when the session timer fires
    /// without a heartbeat since it was set: a member parked in JoinGroup or
    /// SyncGroup is alive by definition (the rebalance timeout governs it),
    /// except a new member, which the join timeout may expire.
    pub fn is_exempt_from_session_expiry(&self) -> bool {
        !self.is_new && (self.awaiting_join.is_some() || self.awaiting_sync.is_some())
    }
}

/// The delayed completion of a join phase (Kafka's `DelayedJoin` /
/// `InitialDelayedJoin` in the rebalance purgatory).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinDelay {
    pub token: u64,
    pub kind: JoinDelayKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum JoinDelayKind {
    /// Completes early as soon as every known member has rejoined; at the
    /// latest after the rebalance timeout.
    Rebalance,
    /// `group.initial.rebalance.delay.ms` for a group that was Empty: never
    /// completes early; when it fires and members joined meanwhile, it waits
    /// again (`min(delay, remaining)`) until the rebalance timeout is used up.
    Initial { configured_ms: Millis, delay_ms: Millis, remaining_ms: Millis },
}

/// One group on its coordinator (`GroupMetadata`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub id: String,
    /// Its `__consumer_offsets` partition.
    pub partition: PartitionId,
    pub state: GroupState,
    pub state_since_ms: Millis,
    pub generation: i32,
    /// `consumer` for every consumer group; set by the first member.
    pub protocol_type: Option<String>,
    /// The assignor chosen for the current generation.
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// In join order.
    pub members: Vec<Member>,
    /// KIP-394: member ids handed out with MEMBER_ID_REQUIRED whose owners
    /// have not joined with them yet, with their expiry token.
    pub pending_members: VecMap<String, u64>,
    /// Members of the new generation that have not sent SyncGroup yet.
    pub pending_sync: VecSet<String>,
    /// Token of the pending-sync deadline of the current generation.
    pub sync_token: Option<u64>,
    /// A member joined during the initial delay (extends it).
    pub new_member_added: bool,
    pub join_delay: Option<JoinDelay>,
    /// Committed offsets: the last durably committed offset per partition.
    pub offsets: VecMap<TopicPartition, CommittedOffset>,
}

impl Group {
    pub fn new(id: &str, partition: PartitionId, now: Millis) -> Group {
        Group {
            id: id.to_string(),
            partition,
            state: GroupState::Empty,
            state_since_ms: now,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: Vec::new(),
            pending_members: VecMap::new(),
            pending_sync: VecSet::new(),
            sync_token: None,
            new_member_added: false,
            join_delay: None,
            offsets: VecMap::new(),
        }
    }

    pub fn is(&self, state: GroupState) -> bool {
        self.state == state
    }

    /// Moves to `to`, emitting `GroupStateChanged`.
    ///
    /// # Panics
    /// On a transition Kafka's `GroupMetadata.assertValidTransition` refuses.
    pub fn transition_to(&mut self, ctx: &mut Ctx, coordinator: BrokerId, to: GroupState) {
        assert!(to.may_follow(self.state), "group {}: illegal transition {:?} -> {:?}", self.id, self.state, to);
        let from = self.state;
        self.state = to;
        self.state_since_ms = ctx.now;
        ctx.emit(GroupEvent::GroupStateChanged {
            group: self.id.clone(),
            coordinator,
            from: from.name().to_string(),
            to: to.name().to_string(),
        });
    }

    /// `canRebalance`: a rebalance may start from these states.
    pub fn can_rebalance(&self) -> bool {
        matches!(self.state, GroupState::Stable | GroupState::CompletingRebalance | GroupState::Empty)
    }

    pub fn has(&self, member_id: &str) -> bool {
        self.members.iter().any(|m| m.member_id == member_id)
    }

    pub fn member(&self, member_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.member_id == member_id)
    }

    pub fn member_mut(&mut self, member_id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.member_id == member_id)
    }

    pub fn is_leader(&self, member_id: &str) -> bool {
        self.leader.as_deref() == Some(member_id)
    }

    /// The member id currently holding a `group.instance.id`.
    pub fn static_member(&self, group_instance_id: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.group_instance_id.as_deref() == Some(group_instance_id))
            .map(|m| m.member_id.as_str())
    }

    /// `isStaticMemberFenced`: the instance id belongs to another member id
    /// (a newer instance of the same static consumer replaced this one).
    pub fn is_static_member_fenced(&self, group_instance_id: Option<&str>, member_id: &str) -> bool {
        group_instance_id.and_then(|id| self.static_member(id)).is_some_and(|current| current != member_id)
    }

    /// Adds a member; the first member sets the protocol type, and becomes
    /// leader if the group has none.
    pub fn add(&mut self, member: Member) {
        assert!(!self.has(&member.member_id), "member {} joined group {} twice", member.member_id, self.id);
        assert!(
            member.group_instance_id.as_deref().and_then(|id| self.static_member(id)).is_none(),
            "two members of group {} share a group.instance.id",
            self.id
        );
        if self.members.is_empty() {
            self.protocol_type = Some(member.protocol_type.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member.member_id.clone());
        }
        self.members.push(member);
    }

    /// Removes a member; a removed leader is replaced by the earliest remaining member.
    pub fn remove(&mut self, member_id: &str) -> Option<Member> {
        let index = self.members.iter().position(|m| m.member_id == member_id)?;
        let member = self.members.remove(index);
        self.pending_sync.remove(member_id);
        if self.is_leader(member_id) {
            self.leader = self.members.first().map(|m| m.member_id.clone());
        }
        Some(member)
    }

    /// `replaceStaticMember`: a static member came back with a new member id
    /// (it restarted); it keeps its place, its assignment and leadership.
    /// A request the old instance left parked is answered FENCED_INSTANCE_ID
    /// by the caller, from what this returns.
    pub fn replace_static_member(
        &mut self,
        old_member_id: &str,
        new_member_id: &str,
    ) -> (Option<Responder>, Option<Responder>) {
        assert!(!self.has(new_member_id), "the new member id is fresh");
        let member = self.member_mut(old_member_id).expect("the static member being replaced exists");
        member.member_id = new_member_id.to_string();
        let parked = (member.awaiting_join.take(), member.awaiting_sync.take());
        if self.pending_sync.remove(old_member_id) {
            self.pending_sync.insert(new_member_id.to_string());
        }
        if self.is_leader(old_member_id) {
            self.leader = Some(new_member_id.to_string());
        }
        parked
    }

    /// The largest rebalance timeout of the members: how long a rebalance may wait.
    pub fn rebalance_timeout_ms(&self) -> Millis {
        self.members.iter().map(|m| m.rebalance_timeout_ms).max().unwrap_or(0)
    }

    /// `hasAllMembersJoined`: every member is parked in JoinGroup and no
    /// member id handed out is still unclaimed.
    pub fn has_all_members_joined(&self) -> bool {
        self.members.iter().all(|m| m.awaiting_join.is_some()) && self.pending_members.is_empty()
    }

    /// `notYetRejoinedMembers`.
    pub fn not_yet_rejoined(&self) -> Vec<&Member> {
        self.members.iter().filter(|m| m.awaiting_join.is_none()).collect()
    }

    /// Protocols every member supports (`candidateProtocols`), in no particular order.
    fn candidate_protocols(&self) -> VecSet<&str> {
        let Some(first) = self.members.first() else {
            return VecSet::new();
        };
        first
            .protocols
            .iter()
            .map(|p| p.name.as_str())
            .filter(|name| self.members.iter().all(|m| m.supports(name)))
            .collect()
    }

    /// `supportsProtocols`: an Empty group takes any consumer; otherwise the
    /// protocol type must match and the member must support at least one
    /// protocol that every current member supports.
    pub fn supports_protocols(&self, protocol_type: &str, protocols: &[JoinGroupProtocol]) -> bool {
        if self.is(GroupState::Empty) {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        let common = self.candidate_protocols();
        self.protocol_type.as_deref() == Some(protocol_type)
            && protocols.iter().any(|p| common.contains(p.name.as_str()))
    }

    /// `selectProtocol`: each member votes for its most preferred protocol
    /// among those all members support; the most votes win. Java breaks a tie
    /// by `HashMap` order; the model takes the leader's preference, so the
    /// choice is repeatable.
    ///
    /// # Panics
    /// If the group has no members or no common protocol (the join checks prevent both).
    pub fn select_protocol(&self) -> String {
        assert!(!self.members.is_empty(), "cannot select a protocol for an empty group");
        let candidates = self.candidate_protocols();
        assert!(!candidates.is_empty(), "group {}: members share no protocol", self.id);
        let mut votes: VecMap<&str, u32> = VecMap::new();
        for member in &self.members {
            *votes.entry(member.vote(&candidates)).or_default() += 1;
        }
        let most = votes.values().copied().max().expect("at least one vote");
        let leader = self.leader.as_deref().and_then(|id| self.member(id)).unwrap_or(&self.members[0]);
        leader
            .protocols
            .iter()
            .map(|p| p.name.as_str())
            .find(|name| votes.get(name) == Some(&most))
            .unwrap_or_else(|| votes.iter().find(|(_, &v)| v == most).map(|(n, _)| *n).expect("a winner"))
            .to_string()
    }

    /// `maybeElectNewJoinedLeader`: a leader that did not rejoin is replaced
    /// by the earliest member that did. False when nobody rejoined.
    pub fn maybe_elect_new_joined_leader(&mut self) -> bool {
        let Some(leader) = self.leader.as_deref() else {
            return false;
        };
        if self.member(leader).is_some_and(|m| m.awaiting_join.is_some()) {
            return true;
        }
        match self.members.iter().find(|m| m.awaiting_join.is_some()) {
            Some(joined) => {
                self.leader = Some(joined.member_id.clone());
                true
            }
            None => false,
        }
    }

    /// `initNextGeneration`: bump the generation and pick the protocol; the
    /// group goes to CompletingRebalance, or Empty when nobody is left.
    pub fn init_next_generation(&mut self, ctx: &mut Ctx, coordinator: BrokerId) {
        assert!(self.is(GroupState::PreparingRebalance), "a generation forms at the end of a join phase");
        self.generation += 1;
        if self.members.is_empty() {
            self.protocol = None;
            self.transition_to(ctx, coordinator, GroupState::Empty);
        } else {
            self.protocol = Some(self.select_protocol());
            self.transition_to(ctx, coordinator, GroupState::CompletingRebalance);
        }
    }

    /// What the leader receives in its JoinGroup response: every member with
    /// its subscription for the chosen protocol (`currentMemberMetadata`).
    pub fn current_member_metadata(&self) -> Vec<JoinGroupMember> {
        let protocol = self.protocol.as_deref().expect("a generation with members has a protocol");
        self.members
            .iter()
            .map(|m| JoinGroupMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                metadata: m.metadata(protocol).expect("every member supports the chosen protocol").clone(),
            })
            .collect()
    }

    /// Asserts the bookkeeping invariants (checked after every handler in tests).
    #[cfg(test)]
    pub fn check_invariants(&self) {
        let ids: VecSet<&str> = self.members.iter().map(|m| m.member_id.as_str()).collect();
        assert_eq!(ids.len(), self.members.len(), "member ids are unique");
        let instances: Vec<&str> = self.members.iter().filter_map(|m| m.group_instance_id.as_deref()).collect();
        let unique: VecSet<&str> = instances.iter().copied().collect();
        assert_eq!(unique.len(), instances.len(), "instance ids are unique");
        match &self.leader {
            Some(leader) => assert!(ids.contains(leader.as_str()), "the leader is a member"),
            None => assert!(self.members.is_empty(), "a group with members has a leader"),
        }
        assert!(self.pending_sync.iter().all(|id| ids.contains(id.as_str())), "pending syncs are members");
        assert!(self.pending_members.keys().all(|id| !ids.contains(id.as_str())), "pending members have not joined");
        if self.state == GroupState::Empty {
            assert!(self.members.is_empty(), "an Empty group has no members");
        }
        if matches!(self.state, GroupState::CompletingRebalance | GroupState::Stable) {
            assert!(!self.members.is_empty(), "a {:?} group has members", self.state);
            assert!(self.protocol.is_some(), "a {:?} group has a protocol", self.state);
        }
        if self.state != GroupState::PreparingRebalance {
            assert!(self.join_delay.is_none(), "only a rebalancing group waits for joins");
        }
    }
}
