//! Configuration with Kafka's own names and defaults.
//!
//! Field names serialize as Kafka spells them (`retention.ms`,
//! `min.insync.replicas`, ...), so a scenario file or a form reads like a
//! `server.properties` or a client config. Every default is Kafka's (Apache
//! Kafka 4.x); where librdkafka (Confluent.Kafka) differs, the doc says so.
//! Unknown names are refused, so a typo is reported instead of ignored.

use serde::{Serialize, Serializer};

use super::record::TimestampType;
use super::time::Millis;

/// `cleanup.policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CleanupPolicy {
    /// Delete closed segments older than `retention.ms` or beyond `retention.bytes`.
    #[default]
    Delete,
    /// Keep the latest record per key.
    Compact,
    /// Both: compact, and delete old segments.
    CompactDelete,
}

impl CleanupPolicy {
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CleanupPolicy::Delete => "delete",
            CleanupPolicy::Compact => "compact",
            CleanupPolicy::CompactDelete => "compact,delete",
        }
    }
    pub fn parse(text: &str) -> Option<CleanupPolicy> {
        let mut parts: Vec<&str> = text.split(',').map(str::trim).collect();
        crate::sort::sort(&mut parts);
        match parts.as_slice() {
            ["delete"] => Some(CleanupPolicy::Delete),
            ["compact"] => Some(CleanupPolicy::Compact),
            ["compact", "delete"] => Some(CleanupPolicy::CompactDelete),
            _ => None,
        }
    }
}

impl Serialize for CleanupPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
/// Per-topic configuration (`kafka-configs --entity-type topics`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicConfig {
    /// `cleanup.policy`, default `delete`.
    #[serde(rename = "cleanup.policy")]
    pub cleanup_policy: CleanupPolicy,
    /// `retention.ms`, default 604800000 (7 days); -1 keeps records forever.
    #[serde(rename = "retention.ms")]
    pub retention_ms: i64,
    /// `retention.bytes`, default -1 (no size limit). Per partition.
    #[serde(rename = "retention.bytes")]
    pub retention_bytes: i64,
    /// `segment.bytes`, default 1073741824 (1 GiB).
    #[serde(rename = "segment.bytes")]
    pub segment_bytes: i64,
    /// `segment.ms`, default 604800000 (7 days).
    #[serde(rename = "segment.ms")]
    pub segment_ms: i64,
    /// `delete.retention.ms`, default 86400000 (1 day): how long tombstones
    /// survive compaction.
    #[serde(rename = "delete.retention.ms")]
    pub delete_retention_ms: i64,
    /// `min.compaction.lag.ms`, default 0.
    #[serde(rename = "min.compaction.lag.ms")]
    pub min_compaction_lag_ms: i64,
    /// `min.cleanable.dirty.ratio`, default 0.5.
    #[serde(rename = "min.cleanable.dirty.ratio")]
    pub min_cleanable_dirty_ratio: f64,
    /// `min.insync.replicas`, default 1.
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: i32,
    /// `unclean.leader.election.enable`, default false.
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    /// `message.timestamp.type`, default `CreateTime`.
    #[serde(rename = "message.timestamp.type")]
    pub message_timestamp_type: TimestampType,
    /// `max.message.bytes`, default 1048588: the largest batch accepted.
    #[serde(rename = "max.message.bytes")]
    pub max_message_bytes: i64,
}

impl Default for TopicConfig {
    // Out of line, as the other configs' `default`s: inlined, each was copied into every reader
    // and writer that builds one (-840 B gzipped wasm for the four).
    #[inline(never)]
    fn default() -> Self {
        TopicConfig {
            cleanup_policy: CleanupPolicy::Delete,
            retention_ms: 604_800_000,
            retention_bytes: -1,
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
            delete_retention_ms: 86_400_000,
            min_compaction_lag_ms: 0,
            min_cleanable_dirty_ratio: 0.5,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            message_timestamp_type: TimestampType::CreateTime,
            max_message_bytes: 1_048_588,
        }
    }
}

impl TopicConfig {
    /// Kafka's `LogConfig` validation: the message names the config.
    pub fn validate(&self) -> Result<(), String> {
        if self.retention_ms < -1 {
            return Err(format!("retention.ms must be -1 or >= 0, got {}", self.retention_ms));
        }
        if self.retention_bytes < -1 {
            return Err(format!("retention.bytes must be -1 or >= 0, got {}", self.retention_bytes));
        }
        // Kafka's minimum is 14 bytes (LegacyRecord.RECORD_OVERHEAD_V0).
        if self.segment_bytes < 14 {
            return Err(format!("segment.bytes must be at least 14, got {}", self.segment_bytes));
        }
        if self.segment_ms < 1 {
            return Err(format!("segment.ms must be at least 1, got {}", self.segment_ms));
        }
        if self.delete_retention_ms < 0 {
            return Err(format!("delete.retention.ms must be >= 0, got {}", self.delete_retention_ms));
        }
        if self.min_insync_replicas < 1 {
            return Err(format!("min.insync.replicas must be at least 1, got {}", self.min_insync_replicas));
        }
        if !(0.0..=1.0).contains(&self.min_cleanable_dirty_ratio) {
            return Err(format!(
                "min.cleanable.dirty.ratio must be between 0 and 1, got {}",
                crate::float_text::display(self.min_cleanable_dirty_ratio)
            ));
        }
        if self.max_message_bytes < 0 {
            return Err(format!("max.message.bytes must be >= 0, got {}", self.max_message_bytes));
        }
        Ok(())
    }
}

/// Broker configuration (`server.properties`), the parts the simulation models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokerConfig {
    /// `broker.rack`, default none.
    #[serde(rename = "broker.rack")]
    pub broker_rack: Option<String>,
    /// `replica.lag.time.max.ms`, default 30000: a follower that has not
    /// caught up to the leader's LEO for this long leaves the ISR.
    #[serde(rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: Millis,
    /// `replica.fetch.wait.max.ms`, default 500.
    #[serde(rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: Millis,
    /// `replica.fetch.min.bytes`, default 1.
    #[serde(rename = "replica.fetch.min.bytes")]
    pub replica_fetch_min_bytes: i32,
    /// `replica.fetch.backoff.ms`, default 1000.
    #[serde(rename = "replica.fetch.backoff.ms")]
    pub replica_fetch_backoff_ms: Millis,
    /// `log.retention.check.interval.ms`, default 300000 (5 minutes).
    #[serde(rename = "log.retention.check.interval.ms")]
    pub log_retention_check_interval_ms: Millis,
    /// `log.cleaner.backoff.ms`, default 15000.
    #[serde(rename = "log.cleaner.backoff.ms")]
    pub log_cleaner_backoff_ms: Millis,
    /// `broker.heartbeat.interval.ms`, default 2000 (KRaft).
    #[serde(rename = "broker.heartbeat.interval.ms")]
    pub broker_heartbeat_interval_ms: Millis,
    /// `broker.session.timeout.ms`, default 9000 (KRaft): the controller
    /// fences a broker it has not heard from for this long.
    #[serde(rename = "broker.session.timeout.ms")]
    pub broker_session_timeout_ms: Millis,
    /// `default.replication.factor`, default 1.
    #[serde(rename = "default.replication.factor")]
    pub default_replication_factor: i32,
    /// `num.partitions`, default 1.
    #[serde(rename = "num.partitions")]
    pub num_partitions: i32,
    /// `auto.create.topics.enable`, default true.
    #[serde(rename = "auto.create.topics.enable")]
    pub auto_create_topics_enable: bool,
    /// `offsets.topic.num.partitions`, default 50.
    #[serde(rename = "offsets.topic.num.partitions")]
    pub offsets_topic_num_partitions: i32,
    /// `offsets.topic.replication.factor`, default 3 (capped by the broker count
    /// only in this model's single-node convenience; Kafka refuses instead).
    #[serde(rename = "offsets.topic.replication.factor")]
    pub offsets_topic_replication_factor: i32,
    /// `offsets.topic.segment.bytes`, default 104857600.
    #[serde(rename = "offsets.topic.segment.bytes")]
    pub offsets_topic_segment_bytes: i64,
    /// `group.initial.rebalance.delay.ms`, default 3000.
    #[serde(rename = "group.initial.rebalance.delay.ms")]
    pub group_initial_rebalance_delay_ms: Millis,
    /// `group.min.session.timeout.ms`, default 6000.
    #[serde(rename = "group.min.session.timeout.ms")]
    pub group_min_session_timeout_ms: Millis,
    /// `group.max.session.timeout.ms`, default 1800000.
    #[serde(rename = "group.max.session.timeout.ms")]
    pub group_max_session_timeout_ms: Millis,
    /// `transaction.state.log.num.partitions`, default 50.
    #[serde(rename = "transaction.state.log.num.partitions")]
    pub transaction_state_log_num_partitions: i32,
    /// `transaction.max.timeout.ms`, default 900000.
    #[serde(rename = "transaction.max.timeout.ms")]
    pub transaction_max_timeout_ms: Millis,
    /// `transaction.state.log.replication.factor`, default 3 (capped by the
    /// broker count in this model, like `offsets.topic.replication.factor`).
    #[serde(rename = "transaction.state.log.replication.factor")]
    pub transaction_state_log_replication_factor: i32,
    /// `transaction.state.log.min.isr`, default 2: `min.insync.replicas` of
    /// `__transaction_state` (capped by its replication factor in this model).
    #[serde(rename = "transaction.state.log.min.isr")]
    pub transaction_state_log_min_isr: i32,
    /// `transaction.state.log.segment.bytes`, default 104857600.
    #[serde(rename = "transaction.state.log.segment.bytes")]
    pub transaction_state_log_segment_bytes: i64,
    /// `auto.leader.rebalance.enable`, default true: the controller moves
    /// leadership back to each partition's preferred (first) replica.
    #[serde(rename = "auto.leader.rebalance.enable")]
    pub auto_leader_rebalance_enable: bool,
    /// `leader.imbalance.check.interval.seconds`, default 300: how long after
    /// an imbalance appears the controller runs preferred leader elections.
    #[serde(rename = "leader.imbalance.check.interval.seconds")]
    pub leader_imbalance_check_interval_seconds: i64,
    /// `unclean.leader.election.enable` broker default, false.
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    /// `min.insync.replicas` broker default, 1.
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: i32,
}

impl Default for BrokerConfig {
    #[inline(never)]
    fn default() -> Self {
        BrokerConfig {
            broker_rack: None,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_min_bytes: 1,
            replica_fetch_backoff_ms: 1_000,
            log_retention_check_interval_ms: 300_000,
            log_cleaner_backoff_ms: 15_000,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            default_replication_factor: 1,
            num_partitions: 1,
            auto_create_topics_enable: true,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            offsets_topic_segment_bytes: 104_857_600,
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            transaction_state_log_num_partitions: 50,
            transaction_max_timeout_ms: 900_000,
            transaction_state_log_replication_factor: 3,
            transaction_state_log_min_isr: 2,
            transaction_state_log_segment_bytes: 104_857_600,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            unclean_leader_election_enable: false,
            min_insync_replicas: 1,
        }
    }
}

/// Producer `acks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Acks {
    /// `acks=0`: fire and forget; the producer never hears back.
    None,
    /// `acks=1`: the leader appended it.
    Leader,
    /// `acks=all` (`-1`): every in-sync replica has it. Kafka's default since 3.0.
    #[default]
    All,
}

impl Acks {
    pub fn as_str(self) -> &'static str {
        match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        }
    }
    /// The value on the wire (`ProduceRequest.acks`).
    pub fn wire_value(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
    pub fn parse(text: &str) -> Option<Acks> {
        match text.trim() {
            "0" => Some(Acks::None),
            "1" => Some(Acks::Leader),
            "all" | "-1" => Some(Acks::All),
            _ => None,
        }
    }
}

impl Serialize for Acks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
/// How records without a key pick a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Partitioner {
    /// The default: keyed records by murmur2, null keys stick to one
    /// partition until a batch is sent (KIP-480 / KIP-794).
    #[default]
    #[serde(rename = "default")]
    Default,
    /// `org.apache.kafka.clients.producer.RoundRobinPartitioner`: every
    /// record to the next partition, keys ignored.
    #[serde(rename = "org.apache.kafka.clients.producer.RoundRobinPartitioner")]
    RoundRobin,
}

/// Producer configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerConfig {
    /// `client.id`, default empty.
    #[serde(rename = "client.id")]
    pub client_id: String,
    /// `acks`, default `all`.
    pub acks: Acks,
    /// `batch.size`, default 16384 bytes per partition batch.
    #[serde(rename = "batch.size")]
    pub batch_size: i32,
    /// `linger.ms`, default 5 (Kafka 4.0 and librdkafka; 0 before Kafka 4.0).
    #[serde(rename = "linger.ms")]
    pub linger_ms: Millis,
    /// `retries`, default 2147483647.
    pub retries: i32,
    /// `retry.backoff.ms`, default 100.
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: Millis,
    /// `request.timeout.ms`, default 30000.
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: Millis,
    /// `delivery.timeout.ms`, default 120000 (librdkafka: `message.timeout.ms`, 300000).
    #[serde(rename = "delivery.timeout.ms")]
    pub delivery_timeout_ms: Millis,
    /// `max.in.flight.requests.per.connection`, default 5.
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight_requests_per_connection: i32,
    /// `enable.idempotence`, default true (since Kafka 3.0).
    #[serde(rename = "enable.idempotence")]
    pub enable_idempotence: bool,
    /// `transactional.id`, default none.
    #[serde(rename = "transactional.id")]
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`, default 60000.
    #[serde(rename = "transaction.timeout.ms")]
    pub transaction_timeout_ms: Millis,
    /// `partitioner.class`, default the built-in partitioner.
    #[serde(rename = "partitioner.class")]
    pub partitioner_class: Partitioner,
    /// `partitioner.ignore.keys`, default false.
    #[serde(rename = "partitioner.ignore.keys")]
    pub partitioner_ignore_keys: bool,
    /// `max.request.size`, default 1048576.
    #[serde(rename = "max.request.size")]
    pub max_request_size: i32,
    /// `metadata.max.age.ms`, default 300000.
    #[serde(rename = "metadata.max.age.ms")]
    pub metadata_max_age_ms: Millis,
}

impl Default for ProducerConfig {
    #[inline(never)]
    fn default() -> Self {
        ProducerConfig {
            client_id: String::new(),
            acks: Acks::All,
            batch_size: 16_384,
            linger_ms: 5,
            retries: i32::MAX,
            retry_backoff_ms: 100,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: 120_000,
            max_in_flight_requests_per_connection: 5,
            enable_idempotence: true,
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            partitioner_class: Partitioner::Default,
            partitioner_ignore_keys: false,
            max_request_size: 1_048_576,
            metadata_max_age_ms: 300_000,
        }
    }
}

impl ProducerConfig {
    /// `ProducerConfig` validation, with Kafka's rules for idempotence.
    pub fn validate(&self) -> Result<(), String> {
        if self.batch_size < 0 {
            return Err(format!("batch.size must be >= 0, got {}", self.batch_size));
        }
        if self.linger_ms < 0 {
            return Err(format!("linger.ms must be >= 0, got {}", self.linger_ms));
        }
        if self.retries < 0 {
            return Err(format!("retries must be >= 0, got {}", self.retries));
        }
        if self.request_timeout_ms < 0 {
            return Err(format!("request.timeout.ms must be >= 0, got {}", self.request_timeout_ms));
        }
        if self.max_in_flight_requests_per_connection < 1 {
            return Err(format!(
                "max.in.flight.requests.per.connection must be at least 1, got {}",
                self.max_in_flight_requests_per_connection
            ));
        }
        // Kafka: "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms".
        if self.delivery_timeout_ms < self.linger_ms + self.request_timeout_ms {
            return Err(format!(
                "delivery.timeout.ms ({}) must be equal to or larger than linger.ms + request.timeout.ms ({})",
                self.delivery_timeout_ms,
                self.linger_ms + self.request_timeout_ms
            ));
        }
        if self.enable_idempotence {
            if self.max_in_flight_requests_per_connection > 5 {
                return Err("enable.idempotence requires max.in.flight.requests.per.connection <= 5".into());
            }
            if self.acks != Acks::All {
                return Err(
                    "enable.idempotence requires acks=all (set enable.idempotence=false to use another acks)".into()
                );
            }
            if self.retries == 0 {
                return Err("enable.idempotence requires retries > 0".into());
            }
        }
        if self.transactional_id.is_some() && !self.enable_idempotence {
            return Err("transactional.id requires enable.idempotence=true".into());
        }
        Ok(())
    }
}

/// `auto.offset.reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoOffsetReset {
    Earliest,
    /// Kafka's default.
    #[default]
    Latest,
    /// Raise `OFFSET_OUT_OF_RANGE` / `NoOffsetForPartitionException` instead.
    None,
}

/// `isolation.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// Kafka's default: read up to the high watermark, open and aborted
    /// transactions included.
    #[default]
    ReadUncommitted,
    /// Read up to the last stable offset, aborted transactions filtered out.
    ReadCommitted,
}

/// A partition assignment strategy (`partition.assignment.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AssignorName {
    #[serde(rename = "range")]
    Range,
    #[serde(rename = "roundrobin")]
    RoundRobin,
    #[serde(rename = "sticky")]
    Sticky,
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl AssignorName {
    /// The protocol name sent in JoinGroup, as Kafka's assignors report it.
    pub fn protocol_name(self) -> &'static str {
        match self {
            AssignorName::Range => "range",
            AssignorName::RoundRobin => "roundrobin",
            AssignorName::Sticky => "sticky",
            AssignorName::CooperativeSticky => "cooperative-sticky",
        }
    }
    /// Whether the assignor uses the incremental (cooperative) rebalance protocol.
    pub fn is_cooperative(self) -> bool {
        matches!(self, AssignorName::CooperativeSticky)
    }
}

/// Consumer configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerConfig {
    /// `client.id`, default empty.
    #[serde(rename = "client.id")]
    pub client_id: String,
    /// `group.id`, default none (assign mode only).
    #[serde(rename = "group.id")]
    pub group_id: Option<String>,
    /// `group.instance.id`, default none (dynamic membership).
    #[serde(rename = "group.instance.id")]
    pub group_instance_id: Option<String>,
    /// `auto.offset.reset`, default `latest`.
    #[serde(rename = "auto.offset.reset")]
    pub auto_offset_reset: AutoOffsetReset,
    /// `enable.auto.commit`, default true.
    #[serde(rename = "enable.auto.commit")]
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`, default 5000.
    #[serde(rename = "auto.commit.interval.ms")]
    pub auto_commit_interval_ms: Millis,
    /// `fetch.min.bytes`, default 1.
    #[serde(rename = "fetch.min.bytes")]
    pub fetch_min_bytes: i32,
    /// `fetch.max.bytes`, default 52428800.
    #[serde(rename = "fetch.max.bytes")]
    pub fetch_max_bytes: i32,
    /// `fetch.max.wait.ms`, default 500.
    #[serde(rename = "fetch.max.wait.ms")]
    pub fetch_max_wait_ms: Millis,
    /// `max.partition.fetch.bytes`, default 1048576.
    #[serde(rename = "max.partition.fetch.bytes")]
    pub max_partition_fetch_bytes: i32,
    /// `max.poll.records`, default 500.
    #[serde(rename = "max.poll.records")]
    pub max_poll_records: i32,
    /// `max.poll.interval.ms`, default 300000.
    #[serde(rename = "max.poll.interval.ms")]
    pub max_poll_interval_ms: Millis,
    /// `session.timeout.ms`, default 45000 (since Kafka 3.0).
    #[serde(rename = "session.timeout.ms")]
    pub session_timeout_ms: Millis,
    /// `heartbeat.interval.ms`, default 3000.
    #[serde(rename = "heartbeat.interval.ms")]
    pub heartbeat_interval_ms: Millis,
    /// `partition.assignment.strategy`, default `[range, cooperative-sticky]`.
    #[serde(rename = "partition.assignment.strategy")]
    pub partition_assignment_strategy: Vec<AssignorName>,
    /// `isolation.level`, default `read_uncommitted`.
    #[serde(rename = "isolation.level")]
    pub isolation_level: IsolationLevel,
    /// `request.timeout.ms`, default 30000.
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: Millis,
    /// `retry.backoff.ms`, default 100.
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: Millis,
    /// `metadata.max.age.ms`, default 300000: refresh metadata at least this often.
    #[serde(rename = "metadata.max.age.ms")]
    pub metadata_max_age_ms: Millis,
    /// `default.api.timeout.ms`, default 60000: how long `commitSync()` keeps retrying.
    #[serde(rename = "default.api.timeout.ms")]
    pub default_api_timeout_ms: Millis,
}

impl Default for ConsumerConfig {
    #[inline(never)]
    fn default() -> Self {
        ConsumerConfig {
            client_id: String::new(),
            group_id: None,
            group_instance_id: None,
            auto_offset_reset: AutoOffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            fetch_min_bytes: 1,
            fetch_max_bytes: 52_428_800,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            max_poll_records: 500,
            max_poll_interval_ms: 300_000,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            partition_assignment_strategy: vec![AssignorName::Range, AssignorName::CooperativeSticky],
            isolation_level: IsolationLevel::ReadUncommitted,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            metadata_max_age_ms: 300_000,
            default_api_timeout_ms: 60_000,
        }
    }
}

impl ConsumerConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_poll_records < 1 {
            return Err(format!("max.poll.records must be at least 1, got {}", self.max_poll_records));
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(format!(
                "heartbeat.interval.ms ({}) must be lower than session.timeout.ms ({})",
                self.heartbeat_interval_ms, self.session_timeout_ms
            ));
        }
        if self.partition_assignment_strategy.is_empty() {
            return Err("partition.assignment.strategy must name at least one assignor".into());
        }
        if self.auto_commit_interval_ms < 0 {
            return Err(format!("auto.commit.interval.ms must be >= 0, got {}", self.auto_commit_interval_ms));
        }
        if self.group_instance_id.is_some() && self.group_id.is_none() {
            return Err("group.instance.id requires group.id".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_config_reads_kafka_names_and_keeps_defaults() {
        let config: TopicConfig =
            serde_json::from_str(r#"{"retention.ms": 60000, "cleanup.policy": "compact,delete"}"#).unwrap();
        assert_eq!(config.retention_ms, 60_000);
        assert_eq!(config.cleanup_policy, CleanupPolicy::CompactDelete);
        assert_eq!(config.segment_bytes, 1_073_741_824);
    }

    #[test]
    fn unknown_config_names_are_refused_by_name() {
        let err = serde_json::from_str::<TopicConfig>(r#"{"retention.mss": 1}"#).unwrap_err();
        assert!(err.to_string().contains("retention.mss"), "{err}");
    }

    #[test]
    fn acks_accepts_strings_and_numbers() {
        let c: ProducerConfig = serde_json::from_str(r#"{"acks": 1, "enable.idempotence": false}"#).unwrap();
        assert_eq!(c.acks, Acks::Leader);
        let c: ProducerConfig = serde_json::from_str(r#"{"acks": "-1"}"#).unwrap();
        assert_eq!(c.acks, Acks::All);
    }

    #[test]
    fn idempotence_with_acks_1_is_refused_as_kafka_does() {
        let c = ProducerConfig { acks: Acks::Leader, ..ProducerConfig::default() };
        assert!(c.validate().unwrap_err().contains("acks=all"));
    }
}
