//! The simulated network: per-link latency and faults as data.
//!
//! Every message between nodes crosses the network. A link's fate is decided
//! by the rules below, in order, the first match winning (turmoil's `Verdict`).
//! Randomness (drop probability, jitter) comes from the engine's one seeded
//! RNG, so a faulty network is as reproducible as a healthy one.

use rand::Rng;
use rand_pcg::Pcg64;
use serde::{Deserialize, Serialize};

use super::ids::NodeId;
use super::time::Millis;

/// What happens to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered after this many milliseconds.
    Deliver(Millis),
    /// Lost on the wire.
    Drop,
}

/// Which messages a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct LinkMatch {
    /// Sender; `None` matches any node.
    pub from: Option<NodeId>,
    /// Receiver; `None` matches any node.
    pub to: Option<NodeId>,
    /// Match both directions of the link.
    pub both_ways: bool,
    /// Only messages of this kind (e.g. "ProduceResponse"); `None` matches all.
    pub kind: Option<String>,
}

impl LinkMatch {
    fn matches(&self, from: NodeId, to: NodeId, kind: &str) -> bool {
        let one_way = |a: NodeId, b: NodeId| self.from.is_none_or(|f| f == a) && self.to.is_none_or(|t| t == b);
        let endpoints = one_way(from, to) || (self.both_ways && one_way(to, from));
        endpoints && self.kind.as_deref().is_none_or(|k| k == kind)
    }
}

/// A fault, as data. Scenario files and the UI create these. Read by hand (`engine::read`)
/// from the same JSON as a derived internally tagged enum would accept.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// Drop matching messages: the next `count` of them (`None` = all), each with `probability`
    /// (default 1).
    Drop {
        #[serde(flatten)]
        link: LinkMatch,
        count: Option<u32>,
        probability: f64,
    },
    /// Add `extra_ms` of latency to matching messages (a slow link or a slow follower).
    Delay {
        #[serde(flatten)]
        link: LinkMatch,
        extra_ms: Millis,
    },
    /// Cut the network between two sets of nodes (both directions).
    Partition { side_a: Vec<NodeId>, side_b: Vec<NodeId> },
    /// Cut a node off from every other node (or from `except` nodes kept reachable).
    Isolate { node: NodeId, except: Vec<NodeId> },
}

/// A fault installed on the network, with the id used to heal it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveFault {
    pub id: u32,
    pub fault: Fault,
}

/// Network settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkConfig {
    /// One-way latency of every link, in milliseconds.
    pub latency_ms: Millis,
    /// Uniform random extra latency in [0, jitter_ms].
    pub jitter_ms: Millis,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { latency_ms: 1, jitter_ms: 0 }
    }
}

/// The network kernel: a plain struct with `&mut self` on mutating methods.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub config: NetworkConfig,
    faults: Vec<ActiveFault>,
    next_fault_id: u32,
}

impl Network {
    pub fn new(config: NetworkConfig) -> Self {
        Network { config, faults: Vec::new(), next_fault_id: 1 }
    }

    /// Installs a fault; returns its id.
    pub fn add_fault(&mut self, fault: Fault) -> u32 {
        let id = self.next_fault_id;
        self.next_fault_id += 1;
        self.faults.push(ActiveFault { id, fault });
        id
    }

    /// Removes a fault; returns whether it existed.
    pub fn heal(&mut self, id: u32) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        before != self.faults.len()
    }

    /// Removes every fault that mentions `node` (used when a broker is healed or restarted).
    pub fn heal_node(&mut self, node: NodeId) -> Vec<u32> {
        let mut healed = Vec::new();
        self.faults.retain(|f| {
            let mentions = match &f.fault {
                Fault::Isolate { node: n, .. } => *n == node,
                Fault::Delay { link, .. } | Fault::Drop { link, .. } => {
                    link.from == Some(node) || link.to == Some(node)
                }
                Fault::Partition { side_a, side_b } => side_a.contains(&node) || side_b.contains(&node),
            };
            if mentions {
                healed.push(f.id);
            }
            !mentions
        });
        healed
    }

    pub fn faults(&self) -> &[ActiveFault] {
        &self.faults
    }

    /// Whether the two nodes can talk at all (partitions and isolation only).
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        self.faults.iter().all(|f| !cuts(&f.fault, a, b))
    }

    /// Decides the fate of one message of kind `kind` from `from` to `to`.
    pub fn verdict(&mut self, from: NodeId, to: NodeId, kind: &str, rng: &mut Pcg64) -> Verdict {
        let mut delay = self.config.latency_ms;
        if self.config.jitter_ms > 0 {
            delay += rng.gen_range(0..=self.config.jitter_ms);
        }
        let mut exhausted = None;
        for active in self.faults.iter_mut() {
            match &mut active.fault {
                fault @ (Fault::Partition { .. } | Fault::Isolate { .. }) => {
                    if cuts(fault, from, to) {
                        return Verdict::Drop;
                    }
                }
                Fault::Drop { link, count, probability } => {
                    if link.matches(from, to, kind) && count.is_none_or(|c| c > 0) {
                        let hit = *probability >= 1.0 || rng.gen_bool(probability.clamp(0.0, 1.0));
                        if hit {
                            if let Some(c) = count {
                                *c -= 1;
                                if *c == 0 {
                                    exhausted = Some(active.id);
                                }
                            }
                            if let Some(id) = exhausted {
                                self.heal(id);
                            }
                            return Verdict::Drop;
                        }
                    }
                }
                Fault::Delay { link, extra_ms } => {
                    if link.matches(from, to, kind) {
                        delay += *extra_ms;
                    }
                }
            }
        }
        Verdict::Deliver(delay)
    }
}

fn cuts(fault: &Fault, a: NodeId, b: NodeId) -> bool {
    match fault {
        Fault::Partition { side_a, side_b } => {
            (side_a.contains(&a) && side_b.contains(&b)) || (side_a.contains(&b) && side_b.contains(&a))
        }
        Fault::Isolate { node, except } => (a == *node && !except.contains(&b)) || (b == *node && !except.contains(&a)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn isolated_broker_loses_messages_both_ways_until_healed() {
        let mut net = Network::new(NetworkConfig::default());
        let mut rng = Pcg64::seed_from_u64(1);
        let id = net.add_fault(Fault::Isolate { node: NodeId::Broker(2), except: vec![] });
        assert_eq!(net.verdict(NodeId::Broker(1), NodeId::Broker(2), "Fetch", &mut rng), Verdict::Drop);
        assert_eq!(net.verdict(NodeId::Broker(2), NodeId::Controller, "BrokerHeartbeat", &mut rng), Verdict::Drop);
        assert_eq!(net.verdict(NodeId::Broker(1), NodeId::Broker(3), "Fetch", &mut rng), Verdict::Deliver(1));
        assert!(net.heal(id));
        assert_eq!(net.verdict(NodeId::Broker(1), NodeId::Broker(2), "Fetch", &mut rng), Verdict::Deliver(1));
    }

    #[test]
    fn counted_drop_drops_exactly_that_many_then_heals_itself() {
        let mut net = Network::new(NetworkConfig::default());
        let mut rng = Pcg64::seed_from_u64(1);
        let link =
            LinkMatch { to: Some(NodeId::Client(7)), kind: Some("ProduceResponse".into()), ..Default::default() };
        net.add_fault(Fault::Drop { link, count: Some(1), probability: 1.0 });
        let v = |net: &mut Network, rng: &mut Pcg64, kind| net.verdict(NodeId::Broker(1), NodeId::Client(7), kind, rng);
        assert_eq!(v(&mut net, &mut rng, "FetchResponse"), Verdict::Deliver(1));
        assert_eq!(v(&mut net, &mut rng, "ProduceResponse"), Verdict::Drop);
        assert_eq!(v(&mut net, &mut rng, "ProduceResponse"), Verdict::Deliver(1));
        assert!(net.faults().is_empty());
    }

    #[test]
    fn delay_adds_to_the_link_latency() {
        let mut net = Network::new(NetworkConfig { latency_ms: 2, jitter_ms: 0 });
        let mut rng = Pcg64::seed_from_u64(1);
        let link = LinkMatch { from: Some(NodeId::Broker(3)), both_ways: true, ..Default::default() };
        net.add_fault(Fault::Delay { link, extra_ms: 500 });
        assert_eq!(net.verdict(NodeId::Broker(1), NodeId::Broker(3), "Fetch", &mut rng), Verdict::Deliver(502));
        assert_eq!(net.verdict(NodeId::Broker(1), NodeId::Broker(2), "Fetch", &mut rng), Verdict::Deliver(2));
    }
}
