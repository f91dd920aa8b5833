//! Scenario files: a cluster, its topics and clients, and timed actions, as
//! JSON. The format is documented in `scenarios/README.md`.
//!
//! Loading never panics: a malformed file gets a `ScenarioError` naming the
//! field (`actions[2].do.broker`) and the problem.

use serde::{Deserialize, Serialize};

use super::client::{ConsumerApp, Workload};
use super::command::{Command, CommandError};
use super::config::{ConsumerConfig, ProducerConfig, TopicConfig};
use super::ids::{BrokerId, PartitionId};
use super::sim::{ClusterSpec, Simulation};
use super::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The seed used when none is given on the command line.
    #[serde(default)]
    pub seed: u64,
    /// Default end of the simulation, in simulated ms.
    #[serde(default = "default_until")]
    pub until: Millis,
    pub cluster: ClusterSpec,
    #[serde(default)]
    pub topics: Vec<TopicSpec>,
    #[serde(default)]
    pub producers: Vec<ProducerSpec>,
    #[serde(default)]
    pub consumers: Vec<ConsumerSpec>,
    /// Commands applied at simulated times.
    #[serde(default)]
    pub actions: Vec<TimedCommand>,
}

fn default_until() -> Millis {
    60_000
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: PartitionId,
    #[serde(default)]
    pub replication_factor: Option<i32>,
    /// Manual placement, one broker list per partition, preferred leader first.
    #[serde(default)]
    pub replica_assignment: Option<Vec<Vec<BrokerId>>>,
    #[serde(default)]
    pub config: TopicConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    pub name: String,
    #[serde(default)]
    pub config: ProducerConfig,
    #[serde(default)]
    pub workload: Option<Workload>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    pub name: String,
    #[serde(default)]
    pub config: ConsumerConfig,
    pub app: ConsumerApp,
}

/// A command and when to apply it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedCommand {
    /// Simulated time in ms.
    pub at: Millis,
    #[serde(rename = "do")]
    pub command: Command,
}

/// What is wrong with a scenario, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioError {
    /// A path into the file: `topics[0].config.retention.ms`, `actions[3].at`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() || self.path == "." {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    fn at(path: impl Into<String>, error: CommandError) -> Self {
        let path = path.into();
        let path = match error.field {
            Some(field) => format!("{path}.{field}"),
            None => path,
        };
        ScenarioError { path, message: error.message }
    }
}

impl Scenario {
    /// Parses and checks a scenario file.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let inner = e.inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!("not valid JSON: {inner}")
            } else {
                strip_position(&inner.to_string())
            };
            ScenarioError { path: e.path().to_string(), message }
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("scenarios serialize")
    }

    /// Checks what can be checked before running.
    fn check(&self) -> Result<(), ScenarioError> {
        if self.until < 0 {
            return Err(ScenarioError { path: "until".into(), message: format!("must be >= 0, got {}", self.until) });
        }
        for (i, action) in self.actions.iter().enumerate() {
            if action.at < 0 {
                return Err(ScenarioError {
                    path: format!("actions[{i}].at"),
                    message: format!("must be >= 0, got {}", action.at),
                });
            }
        }
        for (i, t) in self.topics.iter().enumerate() {
            t.config.validate().map_err(|m| ScenarioError { path: format!("topics[{i}].config"), message: m })?;
        }
        for (i, p) in self.producers.iter().enumerate() {
            p.config.validate().map_err(|m| ScenarioError { path: format!("producers[{i}].config"), message: m })?;
        }
        for (i, c) in self.consumers.iter().enumerate() {
            c.config.validate().map_err(|m| ScenarioError { path: format!("consumers[{i}].config"), message: m })?;
        }
        Ok(())
    }

    /// The commands that set the scenario up at time 0, each with its path in the file.
    pub fn setup_commands(&self) -> Vec<(String, Command)> {
        let mut commands = Vec::new();
        for (i, t) in self.topics.iter().enumerate() {
            commands.push((
                format!("topics[{i}]"),
                Command::CreateTopic {
                    name: t.name.clone(),
                    partitions: t.partitions,
                    replication_factor: t.replication_factor,
                    replica_assignment: t.replica_assignment.clone(),
                    config: t.config.clone(),
                },
            ));
        }
        for (i, p) in self.producers.iter().enumerate() {
            commands.push((
                format!("producers[{i}]"),
                Command::AddProducer { name: p.name.clone(), config: p.config.clone(), workload: p.workload.clone() },
            ));
        }
        for (i, c) in self.consumers.iter().enumerate() {
            commands.push((
                format!("consumers[{i}]"),
                Command::AddConsumer { name: c.name.clone(), config: c.config.clone(), app: c.app.clone() },
            ));
        }
        commands
    }

    /// A simulation with the cluster, topics and clients set up at time 0.
    pub fn build(&self, seed: u64) -> Result<Simulation, ScenarioError> {
        let mut sim = Simulation::new(&self.cluster, seed).map_err(|e| ScenarioError::at("cluster", e))?;
        for (path, command) in self.setup_commands() {
            sim.apply(command).map_err(|e| ScenarioError::at(path, e))?;
        }
        Ok(sim)
    }
}

/// serde_json appends " at line L column C", which means nothing once the
/// path names the field.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"name": "t", "cluster": {"brokers": [{"id": 1}]}}"#;

    #[test]
    fn minimal_scenario_loads_with_defaults() {
        let s = Scenario::from_json(MINIMAL).unwrap();
        assert_eq!(s.until, 60_000);
        assert!(s.actions.is_empty());
    }

    #[test]
    fn unknown_topic_config_is_reported_with_its_path() {
        let text = r#"{"name": "t", "cluster": {"brokers": [{"id": 1}]},
            "topics": [{"name": "orders", "partitions": 3, "config": {"retention.mss": 5}}]}"#;
        let err = Scenario::from_json(text).unwrap_err();
        assert_eq!(err.path, "topics[0].config.retention.mss");
        assert!(err.message.contains("unknown field `retention.mss`"), "{}", err.message);
    }

    #[test]
    fn wrong_type_in_an_action_names_the_action_and_the_bad_value() {
        let text = r#"{"name": "t", "cluster": {"brokers": [{"id": 1}]},
            "actions": [{"at": 100, "do": {"type": "kill_broker", "broker": "one"}}]}"#;
        let err = Scenario::from_json(text).unwrap_err();
        // Commands are tagged by "type", which serde buffers, so the path
        // stops at the command; the message still names the bad value.
        assert_eq!(err.path, "actions[0].do");
        assert!(err.message.contains("invalid type: string \"one\""), "{}", err.message);
    }

    #[test]
    fn negative_action_time_is_refused() {
        let text = r#"{"name": "t", "cluster": {"brokers": [{"id": 1}]},
            "actions": [{"at": -5, "do": {"type": "kill_broker", "broker": 1}}]}"#;
        let err = Scenario::from_json(text).unwrap_err();
        assert_eq!(err.path, "actions[0].at");
    }

    #[test]
    fn broken_json_says_so() {
        let err = Scenario::from_json("{\"name\": ").unwrap_err();
        assert!(err.message.starts_with("not valid JSON"), "{}", err.message);
    }

    #[test]
    fn invalid_topic_name_fails_the_build_with_the_topic_path() {
        let text = r#"{"name": "t", "cluster": {"brokers": [{"id": 1}]},
            "topics": [{"name": "bad name", "partitions": 1}]}"#;
        let err = Scenario::from_json(text).unwrap().build(1).err().unwrap();
        assert_eq!(err.path, "topics[0].name");
    }
}
