//! What the UI and tests see of the controller: the image, each broker's
//! session, and counters.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Controller;
use crate::engine::ids::BrokerId;
use crate::engine::protocol::MetadataImage;
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControllerSnapshot {
    pub image: Arc<MetadataImage>,
    /// Registered brokers, by id.
    pub brokers: Vec<BrokerSessionSnapshot>,
    /// Partitions without a leader (Kafka's `OfflinePartitionsCount`).
    pub offline_partitions_count: u32,
    /// Leader changes the controller made since the start (clean and unclean).
    pub leader_election_count: u64,
    pub unclean_leader_election_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSessionSnapshot {
    pub broker: BrokerId,
    /// The registered process (`None` until a bootstrap broker's process introduced itself).
    pub incarnation: Option<u32>,
    pub last_heartbeat_ms: Millis,
    /// When the broker is fenced unless it heartbeats (`None` while fenced).
    pub session_expires_at_ms: Option<Millis>,
    pub fenced: bool,
    pub in_controlled_shutdown: bool,
    /// The latest metadata version the broker reported applying (-1: none yet).
    pub metadata_version: i64,
}

impl Controller {
    pub fn snapshot(&self) -> ControllerSnapshot {
        let timeout = self.defaults.broker_session_timeout_ms;
        let brokers = self
            .sessions
            .iter()
            .map(|(&broker, s)| {
                let registration = &self.image.brokers[&broker];
                BrokerSessionSnapshot {
                    broker,
                    incarnation: s.incarnation,
                    last_heartbeat_ms: s.last_heartbeat_ms,
                    session_expires_at_ms: (!registration.fenced).then_some(s.last_heartbeat_ms + timeout),
                    fenced: registration.fenced,
                    in_controlled_shutdown: registration.in_controlled_shutdown,
                    metadata_version: s.metadata_version,
                }
            })
            .collect();
        let partitions = self.image.topics.values().flat_map(|t| &t.partitions);
        let offline = partitions.filter(|p| p.leader.is_none()).count();
        ControllerSnapshot {
            image: Arc::clone(&self.image),
            brokers,
            offline_partitions_count: u32::try_from(offline).expect("fits"),
            leader_election_count: self.leader_elections,
            unclean_leader_election_count: self.unclean_leader_elections,
        }
    }
}
