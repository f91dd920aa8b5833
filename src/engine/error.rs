//! Kafka error codes, with Kafka's names. Every condition a client can see
//! travels as one of these inside a response, exactly as on the wire.

use serde::{Deserialize, Serialize};

macro_rules! kafka_errors {
    ($( $(#[$doc:meta])* $variant:ident = $code:expr, $name:literal; )*) => {
        /// A Kafka protocol error (`org.apache.kafka.common.protocol.Errors`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum KafkaError {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )*
        }

        impl KafkaError {
            /// The numeric error code on the wire.
            pub fn code(self) -> i16 {
                match self { $( KafkaError::$variant => $code, )* }
            }
            /// Kafka's name for the error, e.g. `NOT_ENOUGH_REPLICAS`.
            pub fn name(self) -> &'static str {
                match self { $( KafkaError::$variant => $name, )* }
            }
            /// The error for a wire code, if the engine knows it.
            pub fn from_code(code: i16) -> Option<KafkaError> {
                match code { $( $code => Some(KafkaError::$variant), )* _ => None }
            }
        }
    };
}

kafka_errors! {
    /// The server experienced an unexpected error.
    UnknownServerError = -1, "UNKNOWN_SERVER_ERROR";
    /// The requested offset is not within the range of offsets the partition holds.
    OffsetOutOfRange = 1, "OFFSET_OUT_OF_RANGE";
    /// The request named a topic or partition this server does not host.
    UnknownTopicOrPartition = 3, "UNKNOWN_TOPIC_OR_PARTITION";
    /// The partition has no leader right now (an election is in progress or no replica is alive).
    LeaderNotAvailable = 5, "LEADER_NOT_AVAILABLE";
    /// This broker is not the leader (or a follower) of the partition: refresh metadata.
    NotLeaderOrFollower = 6, "NOT_LEADER_OR_FOLLOWER";
    /// The request timed out.
    RequestTimedOut = 7, "REQUEST_TIMED_OUT";
    /// The request is larger than the broker or topic accepts.
    MessageTooLarge = 10, "MESSAGE_TOO_LARGE";
    /// The client could not reach the broker.
    NetworkException = 13, "NETWORK_EXCEPTION";
    /// The coordinator is loading the group's offsets and cannot answer yet.
    CoordinatorLoadInProgress = 14, "COORDINATOR_LOAD_IN_PROGRESS";
    /// The group coordinator is not available.
    CoordinatorNotAvailable = 15, "COORDINATOR_NOT_AVAILABLE";
    /// This broker is not the coordinator of the group.
    NotCoordinator = 16, "NOT_COORDINATOR";
    /// The batch is larger than the topic's `segment.bytes`: it could never fit in a segment.
    RecordListTooLarge = 18, "RECORD_LIST_TOO_LARGE";
    /// Fewer in-sync replicas than `min.insync.replicas`: the write was refused.
    NotEnoughReplicas = 19, "NOT_ENOUGH_REPLICAS";
    /// The write was appended, but the ISR shrank below `min.insync.replicas` before it was replicated.
    NotEnoughReplicasAfterAppend = 20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    /// The generation id in the request is not the group's current generation.
    IllegalGeneration = 22, "ILLEGAL_GENERATION";
    /// The member's protocol type or assignors are incompatible with the group's.
    InconsistentGroupProtocol = 23, "INCONSISTENT_GROUP_PROTOCOL";
    /// The group id is empty or otherwise invalid for this API.
    InvalidGroupId = 24, "INVALID_GROUP_ID";
    /// The coordinator does not know this member id.
    UnknownMemberId = 25, "UNKNOWN_MEMBER_ID";
    /// The session timeout is outside the broker's allowed range.
    InvalidSessionTimeout = 26, "INVALID_SESSION_TIMEOUT";
    /// The group is rebalancing: rejoin.
    RebalanceInProgress = 27, "REBALANCE_IN_PROGRESS";
    /// The committed offset's metadata or the offset itself is invalid.
    InvalidCommitOffsetSize = 28, "INVALID_COMMIT_OFFSET_SIZE";
    /// A topic with this name already exists.
    TopicAlreadyExists = 36, "TOPIC_ALREADY_EXISTS";
    /// The number of partitions is invalid.
    InvalidPartitions = 37, "INVALID_PARTITIONS";
    /// The replication factor is invalid (for example larger than the number of brokers).
    InvalidReplicationFactor = 38, "INVALID_REPLICATION_FACTOR";
    /// The manual replica assignment is invalid.
    InvalidReplicaAssignment = 39, "INVALID_REPLICA_ASSIGNMENT";
    /// A configuration value is invalid.
    InvalidConfig = 40, "INVALID_CONFIG";
    /// The request went to a node that is not the active controller (or the sender is ahead of it).
    NotController = 41, "NOT_CONTROLLER";
    /// The request is malformed or not allowed (for example an AlterPartition from a broker that does not lead).
    InvalidRequest = 42, "INVALID_REQUEST";
    /// The request asks for something the topic's configured policy forbids
    /// (for example DeleteRecords on a topic whose `cleanup.policy` is only `compact`).
    PolicyViolation = 44, "POLICY_VIOLATION";
    /// The broker received an out of order sequence number from an idempotent producer.
    OutOfOrderSequenceNumber = 45, "OUT_OF_ORDER_SEQUENCE_NUMBER";
    /// The broker already has this batch: a retry of a batch it appended.
    DuplicateSequenceNumber = 46, "DUPLICATE_SEQUENCE_NUMBER";
    /// The producer's epoch is older than the broker's: another instance fenced it.
    InvalidProducerEpoch = 47, "INVALID_PRODUCER_EPOCH";
    /// The transactional request is not valid in the transaction's current state.
    InvalidTxnState = 48, "INVALID_TXN_STATE";
    /// The producer id mapping is invalid.
    InvalidProducerIdMapping = 49, "INVALID_PRODUCER_ID_MAPPING";
    /// `transaction.timeout.ms` is larger than the broker's `transaction.max.timeout.ms`.
    InvalidTransactionTimeout = 50, "INVALID_TRANSACTION_TIMEOUT";
    /// Another transactional operation on this transactional id is in progress.
    ConcurrentTransactions = 51, "CONCURRENT_TRANSACTIONS";
    /// A transaction marker came from a coordinator older than the one the partition last heard from.
    TransactionCoordinatorFenced = 52, "TRANSACTION_COORDINATOR_FENCED";
    /// The broker does not know this producer id (its state expired or was removed by retention).
    UnknownProducerId = 59, "UNKNOWN_PRODUCER_ID";
    /// The leader epoch in the request is older than the broker's.
    FencedLeaderEpoch = 74, "FENCED_LEADER_EPOCH";
    /// The leader epoch in the request is newer than the broker's.
    UnknownLeaderEpoch = 75, "UNKNOWN_LEADER_EPOCH";
    /// The broker epoch (incarnation) in a controller request is not the registered one.
    StaleBrokerEpoch = 77, "STALE_BROKER_EPOCH";
    /// The leader's high watermark has not caught up yet, so the offset cannot be given.
    OffsetNotAvailable = 78, "OFFSET_NOT_AVAILABLE";
    /// A dynamic member must rejoin with the member id the coordinator just assigned.
    MemberIdRequired = 79, "MEMBER_ID_REQUIRED";
    /// The group has reached `group.max.size`.
    GroupMaxSizeReached = 81, "GROUP_MAX_SIZE_REACHED";
    /// Another consumer with the same `group.instance.id` replaced this one.
    FencedInstanceId = 82, "FENCED_INSTANCE_ID";
    /// A record is invalid for this topic (for example a record without a key on a compacted topic).
    InvalidRecord = 87, "INVALID_RECORD";
    /// A newer producer with the same `transactional.id` fenced this one.
    ProducerFenced = 90, "PRODUCER_FENCED";
    /// An AlterPartition carried a partition epoch older than the controller's (KIP-497).
    InvalidUpdateVersion = 95, "INVALID_UPDATE_VERSION";
    /// Another live broker is registered with this broker id (its session has not expired yet).
    DuplicateBrokerRegistration = 101, "DUPLICATE_BROKER_REGISTRATION";
    /// The controller has no registration for this broker id.
    BrokerIdNotRegistered = 102, "BROKER_ID_NOT_REGISTERED";
    /// The new ISR names a replica that is fenced, shutting down or not registered (KIP-841).
    IneligibleReplica = 107, "INELIGIBLE_REPLICA";
    /// Local (client-side) error as librdkafka and Confluent.Kafka name it:
    /// the record was not acknowledged within `delivery.timeout.ms`
    /// (`message.timeout.ms`); the Java client raises a `TimeoutException`.
    MsgTimedOut = -192, "_MSG_TIMED_OUT";
    /// Local (client-side) error as librdkafka and Confluent.Kafka name it:
    /// the record was still queued in the producer when its transaction was
    /// aborted, so it was never sent. The Java client fails it with a
    /// `TransactionAbortedException`.
    PurgeQueue = -152, "_PURGE_QUEUE";
}

impl std::fmt::Display for KafkaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl KafkaError {
    /// Whether the error means the client's metadata is stale (Java's
    /// `InvalidMetadataException` subclasses): refresh it before retrying.
    pub fn invalidates_metadata(self) -> bool {
        matches!(
            self,
            KafkaError::NotLeaderOrFollower
                | KafkaError::UnknownTopicOrPartition
                | KafkaError::LeaderNotAvailable
                | KafkaError::FencedLeaderEpoch
                | KafkaError::UnknownLeaderEpoch
                | KafkaError::NetworkException
        )
    }

    /// Whether a client retries the request after this error (Kafka's
    /// `RetriableException` subclasses).
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            KafkaError::UnknownTopicOrPartition
                | KafkaError::LeaderNotAvailable
                | KafkaError::NotLeaderOrFollower
                | KafkaError::RequestTimedOut
                | KafkaError::NetworkException
                | KafkaError::CoordinatorLoadInProgress
                | KafkaError::CoordinatorNotAvailable
                | KafkaError::NotCoordinator
                | KafkaError::NotEnoughReplicas
                | KafkaError::NotEnoughReplicasAfterAppend
                | KafkaError::ConcurrentTransactions
                | KafkaError::FencedLeaderEpoch
                | KafkaError::UnknownLeaderEpoch
                | KafkaError::OffsetNotAvailable
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_match_kafka() {
        assert_eq!(KafkaError::NotEnoughReplicas.code(), 19);
        assert_eq!(KafkaError::NotEnoughReplicas.name(), "NOT_ENOUGH_REPLICAS");
        assert_eq!(KafkaError::from_code(6), Some(KafkaError::NotLeaderOrFollower));
        assert_eq!(serde_json::to_string(&KafkaError::RebalanceInProgress).unwrap(), "\"REBALANCE_IN_PROGRESS\"");
    }
}
