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

/// A scenario file. Read by `engine::read` (field names, defaults, refusals),
/// written by `Serialize`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The seed used when none is given on the command line.
    pub seed: u64,
    /// Default end of the simulation, in simulated ms.
    pub until: Millis,
    pub cluster: ClusterSpec,
    pub topics: Vec<TopicSpec>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    /// Commands applied at simulated times.
    pub actions: Vec<TimedCommand>,
    /// Narration and a question for the browser app. Presentation only: the
    /// simulation never reads it, so it changes no trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<Lesson>,
}

/// A guided run: narration that appears as the clock passes each step, and
/// one predict-then-check question. The app pauses at `question.at` for the
/// learner to pick a choice, and again at `question.check_at`, when the
/// outcome is on screen, to reveal the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lesson {
    /// In time order.
    pub steps: Vec<LessonStep>,
    pub question: Option<Question>,
}

/// A line of narration, shown from simulated time `at` on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LessonStep {
    pub at: Millis,
    pub text: String,
}

/// "What will happen?", asked before it does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// When the run pauses and asks.
    pub at: Millis,
    pub prompt: String,
    pub choices: Vec<String>,
    /// Index into `choices` of what the simulation does (a test per
    /// scenario checks it against the trace).
    pub answer: u32,
    /// When the run pauses again and the answer is revealed: the outcome is
    /// visible by then.
    pub check_at: Millis,
    /// Why, shown with the answer.
    pub explanation: String,
}

pub(crate) fn default_until() -> Millis {
    60_000
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: PartitionId,
    pub replication_factor: Option<i32>,
    /// Manual placement, one broker list per partition, preferred leader first.
    pub replica_assignment: Option<Vec<Vec<BrokerId>>>,
    pub config: TopicConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerSpec {
    pub name: String,
    pub config: ProducerConfig,
    pub workload: Option<Workload>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerSpec {
    pub name: String,
    pub config: ConsumerConfig,
    pub app: ConsumerApp,
}

/// A command and when to apply it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
        let scenario: Scenario = super::read::parse(text)?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Checks a scenario built by other means than `from_json` (the
    /// compiled-in ones, `built_in`).
    pub fn checked(self) -> Result<Scenario, ScenarioError> {
        self.check()?;
        Ok(self)
    }

    /// The scenario as compact JSON (a share link's payload, a saved session): serde_json's
    /// text of the derived `Serialize`, written by hand (`engine::write`).
    pub fn to_json(&self) -> String {
        super::write::to_json(self)
    }

    /// The scenario as serde_json's pretty JSON, made by indenting `to_json`'s text: one
    /// writer of the scenario tree serves both (they are wasm bytes).
    pub fn to_json_pretty(&self) -> String {
        indent_json(&self.to_json())
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
        if let Some(lesson) = &self.lesson {
            lesson.check(self.until)?;
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

impl Lesson {
    /// Times within `0..=until`, steps in order, the question after the last
    /// choice is made possible and its answer one of its choices.
    fn check(&self, until: Millis) -> Result<(), ScenarioError> {
        let error = |path: String, message: String| Err(ScenarioError { path: format!("lesson.{path}"), message });
        let in_run = |path: String, at: Millis| {
            if (0..=until).contains(&at) {
                Ok(())
            } else {
                error(path, format!("must be between 0 and until ({until}), got {at}"))
            }
        };
        let mut previous = 0;
        for (i, step) in self.steps.iter().enumerate() {
            in_run(format!("steps[{i}].at"), step.at)?;
            if step.at < previous {
                return error(
                    format!("steps[{i}].at"),
                    format!("steps must be in time order: {} comes after a step at {previous}", step.at),
                );
            }
            previous = step.at;
            if step.text.trim().is_empty() {
                return error(format!("steps[{i}].text"), "must not be empty".into());
            }
        }
        let Some(q) = &self.question else { return Ok(()) };
        in_run("question.at".into(), q.at)?;
        in_run("question.check_at".into(), q.check_at)?;
        if q.check_at <= q.at {
            return error(
                "question.check_at".into(),
                format!("must be after question.at ({}), got {}", q.at, q.check_at),
            );
        }
        if q.prompt.trim().is_empty() {
            return error("question.prompt".into(), "must not be empty".into());
        }
        if q.explanation.trim().is_empty() {
            return error("question.explanation".into(), "must not be empty".into());
        }
        if q.choices.len() < 2 {
            return error("question.choices".into(), format!("needs at least 2 choices, got {}", q.choices.len()));
        }
        if let Some(i) = q.choices.iter().position(|c| c.trim().is_empty()) {
            return error(format!("question.choices[{i}]"), "must not be empty".into());
        }
        if q.answer as usize >= q.choices.len() {
            return error(
                "question.answer".into(),
                format!("must index a choice (0..={}), got {}", q.choices.len() - 1, q.answer),
            );
        }
        Ok(())
    }
}

/// The scenarios the browser app builds without a file: the sandbox it
/// opens on (no request before the first render) and the frame-time
/// benchmark's cluster. The lessons are files in `scenarios/`, fetched by the
/// app when picked (`ui::scenarios`).
pub mod built_in {
    use super::{ConsumerSpec, ProducerSpec, Scenario, TopicSpec};
    use crate::engine::client::{CommitMode, ConsumerApp, KeyPattern, Subscription, Workload};
    use crate::engine::config::{Acks, AutoOffsetReset, BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};
    use crate::engine::sim::{BrokerSpec, ClusterSpec};

    fn cluster(racks: &[Option<&str>], offsets_partitions: i32, tweak: impl FnOnce(&mut BrokerConfig)) -> ClusterSpec {
        let mut spec = ClusterSpec::with_brokers(racks.len() as i32);
        spec.brokers = (1..).zip(racks).map(|(id, rack)| BrokerSpec { id, rack: rack.map(str::to_string) }).collect();
        spec.broker_config.offsets_topic_num_partitions = offsets_partitions;
        spec.broker_config.transaction_state_log_num_partitions = 1;
        tweak(&mut spec.broker_config);
        spec
    }

    fn topic(name: &str, partitions: i32, replication_factor: Option<i32>, config: TopicConfig) -> TopicSpec {
        TopicSpec { name: name.into(), partitions, replication_factor, replica_assignment: None, config }
    }

    fn topic_config(tweak: impl FnOnce(&mut TopicConfig)) -> TopicConfig {
        let mut config = TopicConfig::default();
        tweak(&mut config);
        config
    }

    /// `acks=all` (the default, idempotent), or `acks=1` without idempotence.
    fn producer_config(acks: Acks) -> ProducerConfig {
        let mut config = ProducerConfig { acks, ..ProducerConfig::default() };
        if !matches!(acks, Acks::All) {
            config.enable_idempotence = false;
        }
        config
    }

    fn producer(name: &str, config: ProducerConfig, workload: Workload) -> ProducerSpec {
        ProducerSpec { name: name.into(), config, workload: Some(workload) }
    }

    fn random(prefix: &str, cardinality: u32) -> KeyPattern {
        KeyPattern::Random { prefix: prefix.into(), cardinality }
    }

    /// A consumer in `group` with `auto.offset.reset=earliest`, subscribed to `topic`.
    pub fn consumer(
        name: &str,
        group: &str,
        topic: &str,
        processing_ms_per_record: i64,
        commit_mode: CommitMode,
    ) -> ConsumerSpec {
        ConsumerSpec {
            name: name.into(),
            config: ConsumerConfig {
                group_id: Some(group.into()),
                auto_offset_reset: AutoOffsetReset::Earliest,
                ..ConsumerConfig::default()
            },
            app: ConsumerApp {
                subscription: Subscription::Subscribe(vec![topic.into()]),
                processing_ms_per_record,
                commit_mode,
            },
        }
    }

    fn min_insync_2() -> TopicConfig {
        topic_config(|c| c.min_insync_replicas = 2)
    }

    fn racks_abc() -> [Option<&'static str>; 3] {
        [Some("a"), Some("b"), Some("c")]
    }

    /// The app's opening cluster: three brokers in racks a, b and c, one
    /// replicated topic and a producer, to add consumers to and break.
    pub fn new_cluster() -> Scenario {
        Scenario {
            name: "New cluster: three brokers, one topic, one producer".into(),
            description: "Three brokers in racks a, b and c, the topic orders (3 partitions, replication factor 3, min.insync.replicas 2) and a producer sending 5 keyed records a second with acks=all. Add consumers, kill brokers, and watch.".into(),
            seed: 42,
            until: 600_000,
            cluster: cluster(&racks_abc(), 3, |_| {}),
            topics: vec![topic("orders", 3, Some(3), min_insync_2())],
            producers: vec![producer("checkout", producer_config(Acks::All), Workload::new("orders", 5.0, random("customer-", 8)))],
            consumers: vec![],
            actions: vec![],
            lesson: None,
        }
    }

    /// The frame-time benchmark's cluster (BENCHMARKS.md): `brokers` brokers
    /// in racks r1, r2, r0, …, one topic `events` of `partitions` partitions
    /// with replication factor 3 (or fewer brokers), `groups` groups of
    /// `consumers` auto-committing consumers each, and two producers sending
    /// `records_per_sec` records a second between them (one `acks=all`
    /// idempotent, one `acks=1`).
    pub fn bench(brokers: i32, partitions: i32, groups: u32, consumers: u32, records_per_sec: f64) -> Scenario {
        let racks: Vec<String> = (1..=brokers.max(1)).map(|id| format!("r{}", id % 3)).collect();
        let racks: Vec<Option<&str>> = racks.iter().map(|r| Some(r.as_str())).collect();
        let rate = records_per_sec / 2.0;
        let mut clients = Vec::new();
        for g in 1..=groups {
            for c in 1..=consumers {
                clients.push(consumer(&format!("g{g}-c{c}"), &format!("group-{g}"), "events", 0, CommitMode::Auto));
            }
        }
        Scenario {
            name: format!("Benchmark: {brokers} brokers, {partitions} partitions, {groups} groups of {consumers}"),
            description: "The frame-time benchmark's cluster.".into(),
            seed: 1,
            until: 600_000,
            cluster: cluster(&racks, 8, |_| {}),
            topics: vec![topic("events", partitions, Some(brokers.clamp(1, 3)), TopicConfig::default())],
            producers: vec![
                producer("p1", producer_config(Acks::All), Workload::new("events", rate, random("k", 1000))),
                producer("p2", producer_config(Acks::Leader), Workload::new("events", rate, random("u", 1000))),
            ],
            consumers: clients,
            actions: vec![],
            lesson: None,
        }
    }
}

/// Lays out compact JSON as `serde_json::to_string_pretty` does: two-space indent, one member
/// or element per line, `": "` after keys, `{}` and `[]` kept empty on one line.
fn indent_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        out.push(c);
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => {
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                out.pop();
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => newline(&mut out, depth),
            ':' => out.push(' '),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_is_serde_jsons_pretty_layout() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let scenario = Scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let expected = serde_json::to_string_pretty(&scenario).unwrap();
                assert_eq!(scenario.to_json_pretty(), expected, "{}", path.display());
            }
        }
        let tricky = serde_json::json!({"a": [], "b": {}, "c": [1, {"d": "x,y:{[\"]}\\"}], "e": [[]]});
        assert_eq!(indent_json(&tricky.to_string()), serde_json::to_string_pretty(&tricky).unwrap());
    }

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
        // Commands are read through one flat struct (command.rs), so the
        // path reaches the field.
        assert_eq!(err.path, "actions[0].do.broker");
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

    /// A scenario (until 10 s) with `lesson` as its lesson.
    fn with_lesson(lesson: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(&format!(
            r#"{{"name": "t", "until": 10000, "cluster": {{"brokers": [{{"id": 1}}]}}, "lesson": {lesson}}}"#
        ))
    }

    const GOOD_QUESTION: &str = r#""question": {"at": 2000, "prompt": "p?", "choices": ["a", "b", "c"],
        "answer": 1, "check_at": 5000, "explanation": "e"}"#;

    #[test]
    fn a_lesson_loads_and_changes_nothing_without_one() {
        let s = with_lesson(&format!(
            r#"{{"steps": [{{"at": 0, "text": "one"}}, {{"at": 3000, "text": "two"}}], {GOOD_QUESTION}}}"#
        ))
        .unwrap();
        let lesson = s.lesson.as_ref().unwrap();
        assert_eq!(lesson.steps.len(), 2);
        assert_eq!(lesson.question.as_ref().unwrap().answer, 1);
        assert_eq!(Scenario::from_json(&s.to_json_pretty()).unwrap(), s, "round trip");
        assert!(!Scenario::from_json(MINIMAL).unwrap().to_json_pretty().contains("lesson"));
    }

    #[test]
    fn lesson_errors_name_the_field_and_the_problem() {
        let cases = [
            (
                format!(r#"{{"steps": [{{"at": 3000, "text": "a"}}, {{"at": 1000, "text": "b"}}], {GOOD_QUESTION}}}"#),
                "lesson.steps[1].at",
                "time order",
            ),
            (r#"{"steps": [{"at": 12000, "text": "a"}]}"#.to_string(), "lesson.steps[0].at", "until (10000)"),
            (r#"{"steps": [{"at": -1, "text": "a"}]}"#.to_string(), "lesson.steps[0].at", "between 0"),
            (r#"{"steps": [{"at": 1, "text": " "}]}"#.to_string(), "lesson.steps[0].text", "empty"),
            (GOOD_QUESTION.replace(r#""answer": 1"#, r#""answer": 3"#), "lesson.question.answer", "got 3"),
            (GOOD_QUESTION.replace("5000", "1000"), "lesson.question.check_at", "after question.at (2000)"),
            (GOOD_QUESTION.replace("5000", "2000"), "lesson.question.check_at", "after question.at"),
            (GOOD_QUESTION.replace("5000", "60000"), "lesson.question.check_at", "until (10000)"),
            (GOOD_QUESTION.replace(r#", "b", "c""#, ""), "lesson.question.choices", "at least 2"),
            (GOOD_QUESTION.replace(r#""b""#, r#""""#), "lesson.question.choices[1]", "empty"),
            (GOOD_QUESTION.replace(r#""e""#, r#""""#), "lesson.question.explanation", "empty"),
        ];
        for (lesson, path, message) in cases {
            let lesson = if lesson.starts_with('"') { format!("{{{lesson}}}") } else { lesson };
            let err = with_lesson(&lesson).unwrap_err();
            assert_eq!(err.path, path, "{lesson}: {err}");
            assert!(err.message.contains(message), "{lesson}: {err}");
        }
    }

    #[test]
    fn unknown_lesson_fields_are_refused() {
        let err = with_lesson(r#"{"steps": [{"at": 1, "text": "a", "colour": "red"}]}"#).unwrap_err();
        assert_eq!(err.path, "lesson.steps[0].colour");
        let err = with_lesson(r#"{"narration": []}"#).unwrap_err();
        assert!(err.message.contains("unknown field `narration`"), "{err}");
    }

    #[test]
    fn checked_applies_the_lesson_checks_too() {
        let mut s = Scenario::from_json(MINIMAL).unwrap();
        s.lesson = Some(Lesson {
            steps: vec![],
            question: Some(Question {
                at: 10,
                prompt: "p".into(),
                choices: vec!["a".into(), "b".into()],
                answer: 2,
                check_at: 20,
                explanation: "e".into(),
            }),
        });
        assert_eq!(s.checked().unwrap_err().path, "lesson.question.answer");
    }

    #[test]
    fn the_new_cluster_value_equals_the_json_it_replaced() {
        let json = r#"{
  "name": "New cluster: three brokers, one topic, one producer",
  "description": "Three brokers in racks a, b and c, the topic orders (3 partitions, replication factor 3, min.insync.replicas 2) and a producer sending 5 keyed records a second with acks=all. Add consumers, kill brokers, and watch.",
  "seed": 42,
  "until": 600000,
  "cluster": {
    "brokers": [{"id": 1, "rack": "a"}, {"id": 2, "rack": "b"}, {"id": 3, "rack": "c"}],
    "broker_config": {"offsets.topic.num.partitions": 3, "transaction.state.log.num.partitions": 1}
  },
  "topics": [
    {"name": "orders", "partitions": 3, "replication_factor": 3, "config": {"min.insync.replicas": 2}}
  ],
  "producers": [
    {"name": "checkout", "config": {"acks": "all"},
     "workload": {"topic": "orders", "rate_per_sec": 5, "key": {"type": "random", "prefix": "customer-", "cardinality": 8}}}
  ]
}"#;
        assert_eq!(built_in::new_cluster(), Scenario::from_json(json).unwrap());
    }

    /// The JSON the browser app used to build for `?bench=` (ui::scenarios::BenchSpec).
    fn bench_json(brokers: i32, partitions: i32, groups: u32, per_group: u32, records_per_sec: f64) -> String {
        let broker_list: Vec<String> =
            (1..=brokers.max(1)).map(|id| format!(r#"{{"id": {id}, "rack": "r{}"}}"#, id % 3)).collect();
        let rf = brokers.clamp(1, 3);
        let mut consumers = Vec::new();
        for g in 1..=groups {
            for c in 1..=per_group {
                consumers.push(format!(
                    r#"{{"name": "g{g}-c{c}", "config": {{"group.id": "group-{g}", "auto.offset.reset": "earliest"}},
                       "app": {{"subscription": {{"subscribe": ["events"]}}, "processing_ms_per_record": 0, "commit_mode": "auto"}}}}"#
                ));
            }
        }
        let rate = records_per_sec / 2.0;
        format!(
            r#"{{
  "name": "Benchmark: {brokers} brokers, {partitions} partitions, {groups} groups of {per_group}",
  "description": "The frame-time benchmark's cluster.",
  "seed": 1,
  "until": 600000,
  "cluster": {{"brokers": [{b}], "broker_config": {{"offsets.topic.num.partitions": 8, "transaction.state.log.num.partitions": 1}}}},
  "topics": [{{"name": "events", "partitions": {partitions}, "replication_factor": {rf}}}],
  "producers": [
    {{"name": "p1", "config": {{"acks": "all"}}, "workload": {{"topic": "events", "rate_per_sec": {rate}, "key": {{"type": "random", "prefix": "k", "cardinality": 1000}}}}}},
    {{"name": "p2", "config": {{"acks": 1, "enable.idempotence": false}}, "workload": {{"topic": "events", "rate_per_sec": {rate}, "key": {{"type": "random", "prefix": "u", "cardinality": 1000}}}}}}
  ],
  "consumers": [{c}]
}}"#,
            b = broker_list.join(", "),
            c = consumers.join(",\n"),
        )
    }

    #[test]
    fn the_bench_value_equals_the_json_it_replaced() {
        for (b, p, g, c, r) in [(6, 24, 4, 4, 1000.0), (1, 3, 1, 2, 101.0), (24, 192, 8, 6, 8000.0), (0, 1, 0, 0, 0.5)]
        {
            let file = Scenario::from_json(&bench_json(b, p, g, c, r)).unwrap();
            assert_eq!(built_in::bench(b, p, g, c, r), file, "{b} {p} {g} {c} {r}");
        }
    }
}
