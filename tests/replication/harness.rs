//! A cluster under test and helpers to drive it and read its trace.

use kafka_playground::engine::blob::Blob;
use kafka_playground::engine::client::ProducerRecord;
use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::{Acks, ProducerConfig, TopicConfig};
use kafka_playground::engine::event::{Event, LogEvent, ProducerEvent, TimedEvent};
use kafka_playground::engine::ids::{BrokerId, NodeId, TopicPartition};
use kafka_playground::engine::net::Fault;
use kafka_playground::engine::record::Offset;
use kafka_playground::engine::sim::{ClusterSpec, Simulation};
use kafka_playground::engine::time::Millis;

pub fn orders() -> TopicPartition {
    TopicPartition::new("orders", 0)
}

pub struct Cluster {
    pub sim: Simulation,
    /// Every event so far, in trace order.
    pub events: Vec<TimedEvent>,
}

impl Cluster {
    /// `brokers` brokers (ids 1..), one-partition internal topics, and the
    /// topic `orders` with one partition, replication factor `rf`.
    pub fn new(brokers: i32, rf: i32, config: TopicConfig, seed: u64) -> Self {
        let mut spec = ClusterSpec::with_brokers(brokers);
        spec.broker_config.offsets_topic_num_partitions = 1;
        spec.broker_config.transaction_state_log_num_partitions = 1;
        let mut cluster = Cluster { sim: Simulation::new(&spec, seed).expect("a valid cluster"), events: Vec::new() };
        cluster.apply(Command::CreateTopic {
            replica_assignment: None,
            name: "orders".into(),
            partitions: 1,
            replication_factor: Some(rf),
            config,
        });
        cluster.run_for(2_000);
        cluster
    }

    pub fn apply(&mut self, command: Command) {
        let text = format!("{command:?}");
        self.sim.apply(command).unwrap_or_else(|e| panic!("{text} refused: {e}"));
    }

    pub fn run_for(&mut self, ms: Millis) {
        self.sim.run_for(ms);
        self.events.extend(self.sim.drain_events());
    }

    pub fn leader(&self) -> Option<BrokerId> {
        self.sim.controller().image().partition("orders", 0).and_then(|p| p.leader)
    }

    pub fn isr(&self) -> Vec<BrokerId> {
        self.sim.controller().image().partition("orders", 0).map(|p| p.isr.clone()).unwrap_or_default()
    }

    pub fn replicas(&self) -> Vec<BrokerId> {
        self.sim.controller().image().partition("orders", 0).map(|p| p.replicas.clone()).unwrap_or_default()
    }

    pub fn add_producer(&mut self, name: &str, acks: Acks, idempotent: bool) {
        let config = ProducerConfig { acks, enable_idempotence: idempotent, ..ProducerConfig::default() };
        self.apply(Command::AddProducer { name: name.into(), config, workload: None });
    }

    /// Sends one record to `orders-0` and lets `gap_ms` pass.
    pub fn produce(&mut self, producer: &str, value: &str, gap_ms: Millis) {
        self.apply(Command::Produce {
            producer: producer.into(),
            record: ProducerRecord {
                topic: "orders".into(),
                partition: Some(0),
                key: Some(Blob::from(value)),
                value: Some(Blob::from(value)),
                headers: vec![],
                timestamp: None,
            },
        });
        self.run_for(gap_ms);
    }

    pub fn add_fault(&mut self, fault: Fault) {
        self.apply(Command::AddFault { fault });
    }

    pub fn partition_brokers(&mut self, side_a: &[BrokerId], side_b: &[BrokerId]) {
        self.add_fault(Fault::Partition {
            side_a: side_a.iter().map(|b| NodeId::Broker(*b)).collect(),
            side_b: side_b.iter().map(|b| NodeId::Broker(*b)).collect(),
        });
    }

    /// Offsets acknowledged to producers on `orders-0`, in order.
    pub fn acknowledged_offsets(&self) -> Vec<Offset> {
        self.events
            .iter()
            .filter_map(|e| match &e.event {
                Event::Producer(ProducerEvent::RecordsAcknowledged { tp, base_offset, count, .. })
                    if *tp == orders() && *base_offset >= 0 =>
                {
                    Some((*base_offset..*base_offset + *count as Offset).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The values in a broker's replica of `orders-0` below its high watermark, in offset order.
    pub fn committed_values(&self, broker: BrokerId) -> Vec<String> {
        let replica = self.sim.broker(broker).and_then(|b| b.replica(&orders())).expect("hosts orders-0");
        let log = &replica.log;
        let read = log.read(log.log_start_offset(), u32::MAX, replica.high_watermark()).expect("readable");
        read.batches
            .iter()
            .filter(|b| !b.is_control())
            .flat_map(|b| b.records.iter().map(|r| r.value.as_ref().map(Blob::to_text_lossy).unwrap_or_default()))
            .collect()
    }

    pub fn log_end_offset(&self, broker: BrokerId) -> Offset {
        self.sim.broker(broker).and_then(|b| b.replica(&orders())).map_or(-1, |r| r.log_end_offset())
    }

    pub fn log_events(&self) -> impl Iterator<Item = (&TimedEvent, &LogEvent)> {
        self.events.iter().filter_map(|e| match &e.event {
            Event::Log(l) => Some((e, l)),
            _ => None,
        })
    }

    pub fn others(&self, broker: BrokerId) -> Vec<BrokerId> {
        self.replicas().into_iter().filter(|b| *b != broker).collect()
    }
}
