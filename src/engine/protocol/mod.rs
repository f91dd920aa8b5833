//! Messages between nodes: Kafka's APIs as typed requests and responses,
//! plus the KRaft controller plane. Each API's types live in a file of their
//! own; field names follow Kafka's message JSON specs (snake_cased) so the
//! wire protocol maps one to one. Errors travel inside responses as
//! `KafkaError`, per partition where Kafka puts them per partition.

pub mod controller;
pub mod fetch;
pub mod group;
pub mod metadata;
pub mod offsets;
pub mod produce;
pub mod txn;

use serde::{Deserialize, Serialize};

pub use controller::*;
pub use fetch::*;
pub use group::*;
pub use metadata::*;
pub use offsets::*;
pub use produce::*;
pub use txn::*;

/// Matches a response to its request (Kafka's `correlation_id`).
pub type CorrelationId = i32;

/// Everything that crosses the simulated network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dir", rename_all = "snake_case")]
pub enum Message {
    Request {
        correlation_id: CorrelationId,
        body: Request,
    },
    Response {
        correlation_id: CorrelationId,
        body: Response,
    },
    /// The request could not be delivered: the receiving process is not
    /// running (TCP connection refused). Sent back to the requester.
    ConnectionRefused {
        correlation_id: CorrelationId,
    },
    /// The peer process died: every request in flight to it is lost (the
    /// OS resets the TCP connections of a killed process).
    Disconnected,
}

macro_rules! apis {
    ($( $(#[$doc:meta])* $api:ident($req:ty, $resp:ty); )*) => {
        /// A request, one variant per Kafka API.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "api")]
        pub enum Request { $( $(#[$doc])* $api($req), )* }

        /// A response, one variant per Kafka API.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "api")]
        pub enum Response { $( $(#[$doc])* $api($resp), )* }

        impl Request {
            /// Kafka's name of the API (`Produce`, `Fetch`, ...).
            pub fn api_name(&self) -> &'static str {
                match self { $( Request::$api(_) => stringify!($api), )* }
            }
        }
        impl Response {
            pub fn api_name(&self) -> &'static str {
                match self { $( Response::$api(_) => stringify!($api), )* }
            }
        }
    };
}

apis! {
    Produce(ProduceRequest, ProduceResponse);
    Fetch(FetchRequest, FetchResponse);
    ListOffsets(ListOffsetsRequest, ListOffsetsResponse);
    Metadata(MetadataRequest, MetadataResponse);
    DeleteRecords(DeleteRecordsRequest, DeleteRecordsResponse);
    FindCoordinator(FindCoordinatorRequest, FindCoordinatorResponse);
    JoinGroup(JoinGroupRequest, JoinGroupResponse);
    SyncGroup(SyncGroupRequest, SyncGroupResponse);
    Heartbeat(HeartbeatRequest, HeartbeatResponse);
    LeaveGroup(LeaveGroupRequest, LeaveGroupResponse);
    OffsetCommit(OffsetCommitRequest, OffsetCommitResponse);
    OffsetFetch(OffsetFetchRequest, OffsetFetchResponse);
    InitProducerId(InitProducerIdRequest, InitProducerIdResponse);
    AddPartitionsToTxn(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse);
    AddOffsetsToTxn(AddOffsetsToTxnRequest, AddOffsetsToTxnResponse);
    TxnOffsetCommit(TxnOffsetCommitRequest, TxnOffsetCommitResponse);
    EndTxn(EndTxnRequest, EndTxnResponse);
    WriteTxnMarkers(WriteTxnMarkersRequest, WriteTxnMarkersResponse);
    /// Broker -> controller (KRaft): registration when a broker starts.
    BrokerRegistration(BrokerRegistrationRequest, BrokerRegistrationResponse);
    /// Broker -> controller (KRaft): liveness, every `broker.heartbeat.interval.ms`.
    BrokerHeartbeat(BrokerHeartbeatRequest, BrokerHeartbeatResponse);
    /// Partition leader -> controller: ISR change.
    AlterPartition(AlterPartitionRequest, AlterPartitionResponse);
    /// Broker -> controller: controlled shutdown (move leadership away first).
    ControlledShutdown(ControlledShutdownRequest, ControlledShutdownResponse);
    /// Controller -> broker: a new metadata image (KRaft brokers replay the
    /// metadata log; the model pushes the image, with its version).
    UpdateMetadata(UpdateMetadataRequest, UpdateMetadataResponse);
}

impl Message {
    /// A short kind used by network faults and the UI: `ProduceRequest`, `FetchResponse`, ...
    pub fn kind(&self) -> String {
        match self {
            Message::Request { body, .. } => format!("{}Request", body.api_name()),
            Message::Response { body, .. } => format!("{}Response", body.api_name()),
            Message::ConnectionRefused { .. } => "ConnectionRefused".to_string(),
            Message::Disconnected => "Disconnected".to_string(),
        }
    }

    /// Records this message carries (for in-flight animation and byte metrics).
    pub fn record_count(&self) -> u32 {
        match self {
            Message::Request { body: Request::Produce(p), .. } => {
                p.partitions.iter().map(|p| p.batch.record_count()).sum()
            }
            Message::Response { body: Response::Fetch(f), .. } => {
                f.partitions.iter().map(|p| p.batches.iter().map(|b| b.record_count()).sum::<u32>()).sum()
            }
            _ => 0,
        }
    }
}
