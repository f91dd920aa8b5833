//! The whole cluster as data: what the UI renders and what tests and the
//! CLI read. Assembled from every node's own snapshot.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::broker::BrokerSnapshot;
use super::client::consumer::ConsumerSnapshot;
use super::client::delivery::{DeliveryReport, DeliveryScope};
use super::client::producer::ProducerSnapshot;
use super::ids::{BrokerId, ClientId};
use super::metrics::MetricsSnapshot;
use super::net::ActiveFault;
use super::protocol::MetadataImage;
use super::sim::{InFlight, NodeStatus, Simulation};
use super::time::Millis;

/// How much of each log to include (the UI shows a window of recent records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOptions {
    /// Records per partition replica, newest last.
    pub max_records_per_partition: u32,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions { max_records_per_partition: 64 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerView {
    pub id: BrokerId,
    pub status: NodeStatus,
    pub broker: BrokerSnapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerView {
    pub status: NodeStatus,
    #[serde(flatten)]
    pub producer: ProducerSnapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerView {
    pub status: NodeStatus,
    #[serde(flatten)]
    pub consumer: ConsumerSnapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSnapshot {
    pub time: Millis,
    pub seed: u64,
    /// The controller's metadata image: topics, partitions, leaders, ISR, epochs.
    pub metadata: Arc<MetadataImage>,
    pub brokers: Vec<BrokerView>,
    pub producers: Vec<ProducerView>,
    pub consumers: Vec<ConsumerView>,
    pub faults: Vec<ActiveFault>,
    pub in_flight: Vec<InFlight>,
    pub metrics: MetricsSnapshot,
    /// Per group (or group-less consumer): records processed, duplicates, losses.
    pub delivery: Vec<DeliveryView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub scope: DeliveryScope,
    #[serde(flatten)]
    pub report: DeliveryReport,
}

impl Simulation {
    pub fn snapshot(&self, options: SnapshotOptions) -> ClusterSnapshot {
        let brokers = self
            .brokers
            .iter()
            .map(|(id, slot)| BrokerView {
                id: *id,
                status: slot.status,
                broker: slot.broker.snapshot(self.now(), options.max_records_per_partition),
            })
            .collect();
        let mut producers = Vec::new();
        let mut consumers = Vec::new();
        for slot in self.clients.values() {
            match &slot.client {
                super::sim::Client::Producer(p) => {
                    producers.push(ProducerView { status: slot.status, producer: p.snapshot() })
                }
                super::sim::Client::Consumer(c) => {
                    consumers.push(ConsumerView { status: slot.status, consumer: c.snapshot() })
                }
            }
        }
        ClusterSnapshot {
            time: self.now(),
            seed: self.seed(),
            metadata: self.controller.image().clone(),
            brokers,
            producers,
            consumers,
            faults: self.network().faults().to_vec(),
            in_flight: self.in_flight(),
            metrics: self.metrics_snapshot(),
            delivery: self
                .delivery_reports()
                .into_iter()
                .map(|(scope, report)| DeliveryView { scope, report })
                .collect(),
        }
    }

    /// A client's id by name, for views that link names to ids.
    pub fn client_ids(&self) -> Vec<(String, ClientId)> {
        self.client_names_iter().map(|(n, id)| (n.clone(), *id)).collect()
    }
}
