//! Every event as a sentence a learner can read:
//! "t=12.300s controller: orders-0 ISR shrank to [2,3] (removed 1; leader broker 2)".
//!
//! The matches are exhaustive (no `_` arm), so a new event variant does not
//! compile until it has a sentence — it cannot silently vanish from the log.

use crate::engine::event::consumer::{CommitTrigger, OffsetRange};
use crate::engine::event::{
    ClusterEvent, ConsumerEvent, Event, GroupEvent, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent, TxnEvent,
};
use crate::engine::ids::{BrokerId, ClientId, NodeId, TopicPartition};
use crate::engine::net::{Fault, LinkMatch};
use crate::engine::record::Offset;
use crate::engine::snapshot::ClusterSnapshot;
use crate::engine::time::Millis;
use crate::float_text;
use crate::ui::model;

/// "t=12.345s broker 2: <what happened>".
/// When a client's event starts with the client's name, the name is not
/// repeated: "t=6.276s consumer-3 was assigned orders-2 …".
pub fn describe(event: &TimedEvent, snap: &ClusterSnapshot) -> String {
    let names = |id: ClientId| model::client_name(snap, id).unwrap_or_else(|| format!("client {id}"));
    let text = sentence(&event.event, &names);
    let node = model::node_name(snap, event.node);
    let said = matches!(event.node, NodeId::Client(_))
        && text.strip_prefix(node.as_str()).is_some_and(|rest| rest.starts_with([' ', ':']));
    if said {
        format!("{} {text}", time_label(event.time))
    } else {
        format!("{} {node}: {text}", time_label(event.time))
    }
}

/// "t=12.345s".
pub fn time_label(ms: Millis) -> String {
    let ms = ms.max(0);
    format!("t={}.{:03}s", ms / 1000, ms % 1000)
}

/// What happened, in words (`name` gives a client's name).
pub fn sentence(event: &Event, name: &dyn Fn(ClientId) -> String) -> String {
    match event {
        Event::Cluster(e) => cluster(e),
        Event::Log(e) => log(e),
        Event::Replication(e) => replication(e),
        Event::Producer(e) => producer(e, name),
        Event::Consumer(e) => consumer(e, name),
        Event::Group(e) => group(e, name),
        Event::Txn(e) => txn(e, name),
    }
}

/// `[1,2,3]`, as Kafka's tools print an ISR.
pub fn brokers(ids: &[BrokerId]) -> String {
    format!("[{}]", ids.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(","))
}

fn partitions(tps: &[TopicPartition]) -> String {
    if tps.is_empty() {
        return "no partitions".to_string();
    }
    tps.iter().map(|tp| tp.to_string()).collect::<Vec<_>>().join(", ")
}

fn records(n: u32) -> String {
    if n == 1 {
        "1 record".to_string()
    } else {
        format!("{n} records")
    }
}

fn offsets(first: Offset, last: Offset) -> String {
    if first == last {
        format!("offset {first}")
    } else {
        format!("offsets {first}..{last}")
    }
}

fn node(n: NodeId) -> String {
    match n {
        NodeId::Controller => "the controller".to_string(),
        NodeId::Broker(b) => format!("broker {b}"),
        NodeId::Client(c) => format!("client {c}"),
    }
}

fn link(l: &LinkMatch) -> String {
    let end = |n: Option<NodeId>| n.map(node).unwrap_or_else(|| "any node".to_string());
    format!("from {} to {}", end(l.from), end(l.to))
}

fn fault(f: &Fault) -> String {
    match f {
        Fault::Drop { link: l, count, probability } => {
            let how_many = match count {
                Some(n) => format!("the next {n} messages"),
                None => "messages".to_string(),
            };
            let chance = if *probability >= 1.0 {
                String::new()
            } else {
                format!(" with probability {}", float_text::display(*probability))
            };
            format!("drop {how_many} {}{chance}", link(l))
        }
        Fault::Delay { link: l, extra_ms } => format!("delay messages {} by {extra_ms} ms", link(l)),
        Fault::Partition { side_a, side_b } => {
            let side = |s: &[NodeId]| s.iter().map(|n| node(*n)).collect::<Vec<_>>().join(", ");
            format!("network partition between {{{}}} and {{{}}}", side(side_a), side(side_b))
        }
        Fault::Isolate { node: n, except } if except.is_empty() => format!("{} cut off from every node", node(*n)),
        Fault::Isolate { node: n, except } => format!(
            "{} cut off from every node except {}",
            node(*n),
            except.iter().map(|e| node(*e)).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn cluster(e: &ClusterEvent) -> String {
    match e {
        ClusterEvent::BrokerStarted { broker, rack: Some(rack) } => format!("broker {broker} started in rack {rack}"),
        ClusterEvent::BrokerStarted { broker, rack: None } => format!("broker {broker} started"),
        ClusterEvent::BrokerCrashed { broker } => {
            format!("broker {broker} crashed (killed: no controlled shutdown; the controller notices after broker.session.timeout.ms)")
        }
        ClusterEvent::BrokerShuttingDown { broker } => {
            format!("broker {broker} began a controlled shutdown: its leaderships move away first")
        }
        ClusterEvent::BrokerStopped { broker } => format!("broker {broker} stopped"),
        ClusterEvent::BrokerRemoved { broker } => format!("broker {broker} was removed from the cluster"),
        ClusterEvent::BrokerFenced { broker, reason } => format!("broker {broker} fenced: {reason}"),
        ClusterEvent::BrokerUnfenced { broker } => {
            format!("broker {broker} unfenced: it may lead partitions and rejoin ISRs")
        }
        ClusterEvent::TopicCreated { topic, partitions, replication_factor } => format!(
            "topic {topic} created with {partitions} partition{}, replication factor {replication_factor}",
            if *partitions == 1 { "" } else { "s" }
        ),
        ClusterEvent::PartitionsAdded { topic, from, to } => {
            format!("topic {topic} grew from {from} to {to} partitions")
        }
        ClusterEvent::TopicDeleted { topic } => format!("topic {topic} deleted"),
        ClusterEvent::TopicConfigChanged { topic } => format!("topic {topic}: configuration changed"),
        ClusterEvent::FaultAdded { id, fault: f } => format!("network fault #{id}: {}", fault(f)),
        ClusterEvent::FaultHealed { id } => format!("network fault #{id} healed"),
        ClusterEvent::MessageDropped { from, to, kind } => {
            format!("{kind} from {} to {} lost on the network", node(*from), node(*to))
        }
        ClusterEvent::CommandRejected { command, error } => format!("command {command} refused: {error}"),
    }
}

fn log(e: &LogEvent) -> String {
    match e {
        LogEvent::RecordsAppended { tp, broker, base_offset, last_offset, count, bytes, is_leader, .. } => {
            let role = if *is_leader { "leader" } else { "follower copy" };
            format!(
                "{tp}: {} appended at {} on broker {broker} ({role}, {bytes} bytes)",
                records(*count),
                offsets(*base_offset, *last_offset)
            )
        }
        LogEvent::SegmentRolled { tp, broker, base_offset } => {
            format!("{tp}: broker {broker} rolled a new segment starting at offset {base_offset}")
        }
        LogEvent::SegmentDeleted { tp, broker, base_offset, next_offset, records: n, reason } => format!(
            "{tp}: broker {broker} deleted the segment {} ({}) because of {reason}",
            offsets(*base_offset, (*next_offset - 1).max(*base_offset)),
            records(*n)
        ),
        LogEvent::LogStartOffsetAdvanced { tp, broker, log_start_offset } => {
            format!("{tp}: log start offset on broker {broker} is now {log_start_offset}")
        }
        LogEvent::LogCompacted { tp, broker, removed_records, removed_tombstones } => format!(
            "{tp}: broker {broker} compacted the log: {} superseded by newer ones with the same key, {} removed",
            records(*removed_records),
            if *removed_tombstones == 1 { "1 tombstone".to_string() } else { format!("{removed_tombstones} tombstones") }
        ),
        LogEvent::LogTruncated { tp, broker, truncated_to, lost } => {
            if lost.is_empty() {
                format!("{tp}: broker {broker} truncated its log to offset {truncated_to} (nothing lost)")
            } else {
                let shown: Vec<String> = lost.iter().take(5).map(|r| r.offset.to_string()).collect();
                let more = if lost.len() > 5 { format!(" and {} more", lost.len() - 5) } else { String::new() };
                format!(
                    "{tp}: broker {broker} truncated its log to offset {truncated_to}: {} LOST (offsets {}{more})",
                    records(lost.len() as u32),
                    shown.join(", ")
                )
            }
        }
        LogEvent::DuplicateBatch { tp, broker, producer_id, base_sequence, base_offset, last_offset, .. } => format!(
            "{tp}: broker {broker} recognised a retried batch (producer id {producer_id}, sequence {base_sequence}) \
             already stored at {}: not appended again (idempotence)",
            offsets(*base_offset, *last_offset)
        ),
        LogEvent::ProduceRejected { tp, broker, error, records: n, .. } => {
            format!("{tp}: leader broker {broker} refused {} with {error}", records(*n))
        }
        LogEvent::LogReset { tp, broker, log_start_offset, removed_records } => format!(
            "{tp}: broker {broker} fell below the leader's log start and restarted its log at {log_start_offset} ({} removed)",
            records(*removed_records)
        ),
    }
}

fn replication(e: &ReplicationEvent) -> String {
    match e {
        ReplicationEvent::LeaderElected { tp, leader, epoch, isr, unclean } => {
            let mut s = format!("{tp}: broker {leader} elected leader (epoch {epoch}, ISR {})", brokers(isr));
            if *unclean {
                s.push_str(" — UNCLEAN election from outside the ISR: acknowledged records may be lost");
            }
            s
        }
        ReplicationEvent::PartitionOffline { tp, epoch } => {
            format!("{tp}: OFFLINE — no live replica can lead (epoch {epoch})")
        }
        ReplicationEvent::BecameLeader { tp, broker, epoch } => {
            format!("{tp}: broker {broker} is now the leader (epoch {epoch})")
        }
        ReplicationEvent::BecameFollower { tp, broker, leader: Some(leader), epoch } => {
            format!("{tp}: broker {broker} now follows broker {leader} (epoch {epoch})")
        }
        ReplicationEvent::BecameFollower { tp, broker, leader: None, epoch } => {
            format!("{tp}: broker {broker} is a follower with no leader to fetch from (epoch {epoch})")
        }
        ReplicationEvent::IsrShrunk { tp, leader, removed, isr } => format!(
            "{tp} ISR shrank to {} (removed {}; leader broker {leader})",
            brokers(isr),
            removed.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")
        ),
        ReplicationEvent::IsrExpanded { tp, leader, added, isr } => format!(
            "{tp} ISR expanded to {} (added {}; leader broker {leader})",
            brokers(isr),
            added.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")
        ),
        ReplicationEvent::RemovedFromIsr { tp, broker, leader, isr } => {
            let leader = leader.map(|l| format!("broker {l} still leads")).unwrap_or_else(|| "no leader".to_string());
            format!(
                "{tp}: the controller took broker {broker} out of the ISR, now {} ({leader})",
                brokers(isr)
            )
        }
        ReplicationEvent::HwAdvanced { tp, broker, high_watermark } => {
            format!("{tp}: high watermark on broker {broker} advanced to {high_watermark}")
        }
        ReplicationEvent::LsoAdvanced { tp, broker, last_stable_offset } => {
            format!("{tp}: last stable offset on broker {broker} advanced to {last_stable_offset}")
        }
        ReplicationEvent::IsrChangeRequested { tp, leader, isr, proposed, reason } => format!(
            "{tp}: leader broker {leader} asks the controller to change the ISR from {} to {}: {reason}",
            brokers(isr),
            brokers(proposed)
        ),
        ReplicationEvent::IsrChangeFailed { tp, leader, error: Some(error) } => {
            format!("{tp}: the controller refused leader broker {leader}'s ISR change with {error}; the ISR stays")
        }
        ReplicationEvent::IsrChangeFailed { tp, leader, error: None } => {
            format!("{tp}: leader broker {leader}'s ISR change timed out; the ISR stays")
        }
        ReplicationEvent::ReplicaDeleted { tp, broker } => format!("{tp}: broker {broker} deleted its replica"),
        ReplicationEvent::FetcherBackedOff { broker, leader, reason } => format!(
            "broker {broker} cannot fetch from leader broker {leader} ({reason}); retrying after replica.fetch.backoff.ms"
        ),
    }
}

fn producer(e: &ProducerEvent, name: &dyn Fn(ClientId) -> String) -> String {
    match e {
        ProducerEvent::ProducerStarted { name: n, .. } => format!("producer {n} started"),
        ProducerEvent::ProducerIdAssigned { client, producer_id, producer_epoch } => {
            format!("{} got producer id {producer_id}, epoch {producer_epoch}", name(*client))
        }
        ProducerEvent::BatchSent { client, tp, broker, records: n, attempt } => {
            let retry = if *attempt > 1 { format!(" (retry {})", attempt - 1) } else { String::new() };
            format!("{} sent {} for {tp} to broker {broker}{retry}", name(*client), records(*n))
        }
        ProducerEvent::RecordsAcknowledged { client, tp, base_offset, count } if *base_offset < 0 => format!(
            "{}: {} for {tp} counted as delivered (acks=0: no acknowledgement, offset unknown)",
            name(*client),
            records(*count)
        ),
        ProducerEvent::RecordsAcknowledged { client, tp, base_offset, count } => format!(
            "{}: {} acknowledged by {tp} at {}",
            name(*client),
            records(*count),
            offsets(*base_offset, base_offset + *count as Offset - 1)
        ),
        ProducerEvent::ProduceFailed { client, tp, error, records: n, will_retry } => {
            let target =
                if tp.partition < 0 { format!("topic {} (no partition yet)", tp.topic) } else { tp.to_string() };
            let then = if *will_retry { "will retry" } else { "given up: the send fails" };
            format!("{}: {} for {target} failed with {error}; {then}", name(*client), records(*n))
        }
        ProducerEvent::MetadataRefreshed { client } => format!("{} refreshed its metadata", name(*client)),
        ProducerEvent::EpochBumpRequested { client, tp, error } => format!(
            "{} must bump its producer epoch after {error} on {tp}: sequence numbers restart at 0",
            name(*client)
        ),
        ProducerEvent::ProducerFatalError { client, error } => {
            format!("{} hit the fatal error {error}: every send now fails", name(*client))
        }
        ProducerEvent::ProducerClosing { client } => format!("{} is closing: flushing what it holds", name(*client)),
        ProducerEvent::ProducerClosed { client } => format!("{} closed", name(*client)),
        ProducerEvent::ProducerCrashed { client } => {
            format!("{} crashed: records it had not sent yet are gone", name(*client))
        }
    }
}

fn trigger(t: CommitTrigger) -> &'static str {
    match t {
        CommitTrigger::Auto => "auto-commit timer",
        CommitTrigger::Sync => "commitSync",
        CommitTrigger::Async => "commitAsync",
        CommitTrigger::Close => "close()",
        CommitTrigger::Revoke => "before giving up partitions in a rebalance",
    }
}

fn consumer(e: &ConsumerEvent, name: &dyn Fn(ClientId) -> String) -> String {
    match e {
        ConsumerEvent::ConsumerStarted { name: n, group: Some(g), .. } => format!("consumer {n} started in group {g}"),
        ConsumerEvent::ConsumerStarted { name: n, group: None, .. } => {
            format!("consumer {n} started without a group (assign mode)")
        }
        ConsumerEvent::RecordsFetched { client, tp, first_offset, last_offset, count, gaps } => format!(
            "{} fetched {} of {tp} ({}){}",
            name(*client),
            records(*count),
            offsets(*first_offset, *last_offset),
            skipped(gaps)
        ),
        ConsumerEvent::RecordsProcessed { client, tp, first_offset, last_offset, count, gaps, .. } => format!(
            "{} processed {} of {tp} ({}){}",
            name(*client),
            records(*count),
            offsets(*first_offset, *last_offset),
            skipped(gaps)
        ),
        ConsumerEvent::PositionReset { client, tp, offset, reason } => {
            format!("{}: position on {tp} reset to {offset} ({reason})", name(*client))
        }
        ConsumerEvent::FetchError { client, tp, error } => {
            format!("{}: fetching {tp} failed with {error}", name(*client))
        }
        ConsumerEvent::OffsetsCommitted { client, group, trigger: t, offsets: committed } => {
            let list: Vec<String> = committed.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
            format!("{} committed {} for group {group} ({})", name(*client), list.join(", "), trigger(*t))
        }
        ConsumerEvent::CoordinatorDiscovered { client, group, coordinator } => {
            format!("{}: broker {coordinator} coordinates group {group}", name(*client))
        }
        ConsumerEvent::JoiningGroup { client, group, reason, .. } => {
            format!("{} sends JoinGroup to group {group} ({reason})", name(*client))
        }
        ConsumerEvent::LeftGroup { client, group, reason, sent_leave_group, .. } => {
            let how = if *sent_leave_group {
                "LeaveGroup sent: the group rebalances at once"
            } else {
                "static member: no LeaveGroup, it stays a member until session.timeout.ms"
            };
            format!("{} left group {group}: {reason} ({how})", name(*client))
        }
        ConsumerEvent::ConsumerFailed { client, error, message } => {
            format!("{} stopped on {error}: {message}", name(*client))
        }
        ConsumerEvent::ConsumerClosed { client } => format!("{} closed", name(*client)),
        ConsumerEvent::ConsumerCrashed { client } => {
            format!("{} crashed: no LeaveGroup, its partitions wait for session.timeout.ms", name(*client))
        }
    }
}

fn skipped(gaps: &[OffsetRange]) -> String {
    let n: i64 = gaps.iter().map(|g| g.last - g.first + 1).sum();
    match n {
        0 => String::new(),
        1 => "; 1 offset holds no record for the application".to_string(),
        n => format!("; {n} offsets hold no record for the application"),
    }
}

fn group(e: &GroupEvent, name: &dyn Fn(ClientId) -> String) -> String {
    match e {
        GroupEvent::GroupStateChanged { group, coordinator, from, to } => {
            format!("group {group}: {from} → {to} (coordinator broker {coordinator})")
        }
        GroupEvent::MemberJoined { group, member_id, client: Some(c) } => {
            format!("group {group}: {} joined as member {member_id}", name(*c))
        }
        GroupEvent::MemberJoined { group, member_id, client: None } => {
            format!("group {group}: member {member_id} joined")
        }
        GroupEvent::MemberLeft { group, member_id, reason } => {
            format!("group {group}: member {member_id} left ({reason})")
        }
        GroupEvent::Rebalance { group, generation, protocol, leader, members } => format!(
            "group {group}: generation {generation} formed with {members} member{}, assignor {protocol}, leader {leader}",
            if *members == 1 { "" } else { "s" }
        ),
        GroupEvent::AssignmentReceived { group, client, generation, partitions: ps } if ps.is_empty() => format!(
            "{} got no partitions in generation {generation} of group {group}: idle",
            name(*client)
        ),
        GroupEvent::AssignmentReceived { group, client, generation, partitions: ps } => format!(
            "{} was assigned {} in generation {generation} of group {group}",
            name(*client),
            partitions(ps)
        ),
        GroupEvent::PartitionsRevoked { group, client, partitions: ps } => {
            format!("{} gave up {} for a rebalance of group {group}", name(*client), partitions(ps))
        }
        GroupEvent::OffsetCommitted { group, tp, offset, client: Some(c) } => {
            format!("group {group} committed offset {offset} for {tp} (from {})", name(*c))
        }
        GroupEvent::OffsetCommitted { group, tp, offset, client: None } => {
            format!("group {group} committed offset {offset} for {tp} (admin)")
        }
        GroupEvent::CommitFailed { group, client, error } => {
            format!("{}: commit for group {group} failed with {error}", name(*client))
        }
        GroupEvent::CoordinatorMoved { group, coordinator: Some(c) } => {
            format!("group {group}: coordinator is now broker {c}")
        }
        GroupEvent::CoordinatorMoved { group, coordinator: None } => format!("group {group} has no coordinator"),
        GroupEvent::AssignmentComputed { group, client, generation, protocol, assignments } => {
            let each: Vec<String> =
                assignments.iter().map(|(member, ps)| format!("{member} → {}", partitions(ps))).collect();
            format!(
                "{} (leader of group {group}) ran {protocol} for generation {generation}: {}",
                name(*client),
                each.join("; ")
            )
        }
        GroupEvent::PartitionsLost { group, client, partitions: ps } => format!(
            "{} lost {} of group {group} without revoking them (no commit)",
            name(*client),
            partitions(ps)
        ),
        GroupEvent::RebalanceTriggered { group, generation, reason } => {
            format!("group {group}: rebalance after generation {generation} ({reason})")
        }
    }
}

fn txn(e: &TxnEvent, name: &dyn Fn(ClientId) -> String) -> String {
    let outcome = |commit: bool| if commit { "commit" } else { "abort" };
    match e {
        TxnEvent::TransactionBegun { client, transactional_id } => {
            format!("{} began a transaction ({transactional_id})", name(*client))
        }
        TxnEvent::PartitionAddedToTransaction { transactional_id, tp } => {
            format!("transaction {transactional_id}: {tp} added")
        }
        TxnEvent::TransactionCommitted { transactional_id, producer_id } => {
            format!("transaction {transactional_id} (producer id {producer_id}) committed")
        }
        TxnEvent::TransactionAborted { transactional_id, producer_id, reason } => {
            format!("transaction {transactional_id} (producer id {producer_id}) aborted: {reason}")
        }
        TxnEvent::MarkerWritten { tp, producer_id, commit } => format!(
            "{tp}: {} marker written for producer id {producer_id}",
            if *commit { "COMMIT" } else { "ABORT" }
        ),
        TxnEvent::TransactionEndRequested { client, transactional_id, commit } => format!(
            "{} calls {}Transaction() ({transactional_id})",
            name(*client),
            outcome(*commit)
        ),
        TxnEvent::TransactionEnded { client, transactional_id, commit } => format!(
            "{}: the coordinator decided to {} transaction {transactional_id}",
            name(*client),
            outcome(*commit)
        ),
        TxnEvent::TransactionError { client, transactional_id, error, fatal } => {
            let then = if *fatal { "fatal: a new producer is needed" } else { "abortable: call abortTransaction()" };
            format!("{}: transaction {transactional_id} error {error} ({then})", name(*client))
        }
        TxnEvent::TransactionStateChanged { broker, transactional_id, state, .. } => {
            format!("coordinator broker {broker}: transaction {transactional_id} is {state}")
        }
        TxnEvent::TransactionTimedOut { broker, transactional_id, .. } => format!(
            "coordinator broker {broker} aborted transaction {transactional_id}: open longer than transaction.timeout.ms"
        ),
    }
}
