//! The panels (clients, actions, event log, metrics, lag chart): pure
//! helpers here, components mounted in a real DOM in the submodules.

#[path = "panels_forms.rs"]
mod forms;
#[path = "panels_views.rs"]
mod views;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use kafka_playground::engine::client::{CommitMode, Subscription};
use kafka_playground::engine::command::{Command, CommandError};
use kafka_playground::engine::config::{Acks, AssignorName, AutoOffsetReset, ConsumerConfig, ProducerConfig};
use kafka_playground::engine::error::KafkaError;
use kafka_playground::engine::event::log::LostRecord;
use kafka_playground::engine::event::{Event, GroupEvent, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent};
use kafka_playground::engine::ids::{NodeId, TopicPartition};
use kafka_playground::ui::panels::code;
use kafka_playground::ui::panels::describe::{describe, sentence};
use kafka_playground::ui::panels::event_log::{rows, EventFilter};
use kafka_playground::ui::panels::facts::facts;
use kafka_playground::ui::panels::form::{field_for_error, parse_int};
use kafka_playground::ui::panels::lag_chart::{lag_series, nice_step, summary};
use kafka_playground::ui::state::{Action, AppState};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::Reducible;

// ------------------------------------------------------------ helpers

/// The actions panel mounted alone: in the app it is a function the app
/// draws (`panels::actions_panel`), so the tests give it a component.
#[yew::function_component(ActionsPanel)]
pub fn actions_panel_alone(props: &kafka_playground::ui::panels::ActionsPanelProps) -> yew::Html {
    kafka_playground::ui::panels::actions_panel(props)
}

/// The whole app mounted in a fresh element of the page, opened as `boot`
/// says (explicitly: the test page's URL is not the app's, and a session
/// another test saved must not be resumed here), after its first renders.
pub async fn mount_app(boot: kafka_playground::ui::Boot) -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let props = kafka_playground::ui::AppProps { boot: Some(Rc::new(boot)) };
    yew::Renderer::<kafka_playground::ui::App>::with_root_and_props(root.clone(), props).render();
    yew::platform::time::sleep(Duration::from_millis(150)).await;
    root
}

/// A lesson's scenario file, as the app fetches it from `scenarios/<id>.json`.
pub fn lesson_file(id: &str) -> &'static str {
    match id {
        "quickstart" => include_str!("../../scenarios/quickstart.json"),
        "acks1-leader-crash" => include_str!("../../scenarios/acks1-leader-crash.json"),
        "min-isr-not-enough-replicas" => include_str!("../../scenarios/min-isr-not-enough-replicas.json"),
        "compaction" => include_str!("../../scenarios/compaction.json"),
        "retention-out-of-range" => include_str!("../../scenarios/retention-out-of-range.json"),
        "idempotence" => include_str!("../../scenarios/idempotence.json"),
        other => panic!("no scenario file {other} in these tests"),
    }
}

/// A lesson loaded the way the picker loads it once its file is fetched.
pub fn lesson(id: &str) -> Rc<AppState> {
    let state = fresh().reduce(Action::LoadScenarioText { id: id.into(), json: lesson_file(id).into(), seed: None });
    assert_eq!(state.scenario.id, id, "{id} loads: {:?}", state.load_error);
    state
}

pub fn fresh() -> Rc<AppState> {
    Rc::new(AppState::load("new-cluster", None).expect("the default scenario loads"))
}

pub fn act(state: Rc<AppState>, action: Action) -> Rc<AppState> {
    state.reduce(action)
}

/// Runs the simulation for about `ms` of simulated time, fast.
pub fn run_for(state: Rc<AppState>, ms: i64) -> Rc<AppState> {
    let mut state = act(state, Action::SetSpeed(100.0));
    let until = state.now + ms;
    while state.now < until {
        state = act(state, Action::Tick { dt_ms: 50.0 });
    }
    state
}

/// Applies a command and asserts the engine took it.
pub fn apply(state: Rc<AppState>, command: Command) -> Rc<AppState> {
    let reply: Rc<RefCell<Option<Result<(), CommandError>>>> = Rc::default();
    let sink = reply.clone();
    let label = command.label();
    let state = act(state, Action::ApplyThen(command, yew::Callback::from(move |r| *sink.borrow_mut() = Some(r))));
    let result = reply.borrow().clone().expect("a reply");
    result.unwrap_or_else(|e| panic!("{label} refused: {e}"));
    state
}

/// A fresh element attached to the page.
pub fn root() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

pub async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

pub fn find(root: &web_sys::Element, test_id: &str) -> web_sys::Element {
    root.query_selector(&format!("[data-testid=\"{test_id}\"]"))
        .expect("valid selector")
        .unwrap_or_else(|| panic!("nothing has data-testid={test_id}"))
}

pub fn exists(root: &web_sys::Element, test_id: &str) -> bool {
    root.query_selector(&format!("[data-testid=\"{test_id}\"]")).expect("valid selector").is_some()
}

pub fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let list = root.query_selector_all(selector).expect("valid selector");
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect()
}

pub fn text(root: &web_sys::Element, test_id: &str) -> String {
    find(root, test_id).text_content().unwrap_or_default()
}

pub fn click(root: &web_sys::Element, test_id: &str) {
    find(root, test_id).dyn_into::<web_sys::HtmlElement>().unwrap().click();
}

/// Types into a text input as a person would (an `input` event that bubbles).
pub fn type_into(root: &web_sys::Element, test_id: &str, value: &str) {
    let input: web_sys::HtmlInputElement = find(root, test_id).dyn_into().unwrap();
    input.set_value(value);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

/// Picks an option of a `<select>` (a `change` event that bubbles).
pub fn choose(root: &web_sys::Element, test_id: &str, value: &str) {
    let select: web_sys::HtmlSelectElement = find(root, test_id).dyn_into().unwrap();
    select.set_value(value);
    assert_eq!(select.value(), value, "{test_id} has an option {value}");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    select.dispatch_event(&event).unwrap();
}

fn timed(time: i64, node: NodeId, event: Event) -> TimedEvent {
    TimedEvent { time, seq: 1, node, event }
}

// ------------------------------------------------------------ describe()

#[wasm_bindgen_test]
fn an_isr_shrink_reads_as_a_sentence_with_time_node_partition_and_brokers() {
    let state = fresh();
    let event = timed(
        12_300,
        NodeId::Controller,
        Event::Replication(ReplicationEvent::IsrShrunk {
            tp: TopicPartition::new("orders", 0),
            leader: 2,
            removed: vec![1],
            isr: vec![2, 3],
        }),
    );
    assert_eq!(
        describe(&event, &state.snapshot),
        "t=12.300s controller: orders-0 ISR shrank to [2,3] (removed 1; leader broker 2)"
    );
}

#[wasm_bindgen_test]
fn a_client_s_own_event_does_not_repeat_its_name() {
    let state = fresh();
    let id = state.snapshot.producers[0].producer.id;
    let closed = timed(1_000, NodeId::Client(id), Event::Producer(ProducerEvent::ProducerClosed { client: id }));
    assert_eq!(describe(&closed, &state.snapshot), "t=1.000s checkout closed");
    let refreshed = timed(2_500, NodeId::Broker(2), Event::Producer(ProducerEvent::MetadataRefreshed { client: id }));
    assert_eq!(describe(&refreshed, &state.snapshot), "t=2.500s broker 2: checkout refreshed its metadata");
}

#[wasm_bindgen_test]
fn a_truncation_that_lost_records_says_so_and_an_empty_assignment_says_idle() {
    let lost = (5..12).map(|offset| LostRecord { offset, key: None, value: None, producer_id: -1 }).collect::<Vec<_>>();
    let truncated =
        Event::Log(LogEvent::LogTruncated { tp: TopicPartition::new("orders", 1), broker: 1, truncated_to: 5, lost });
    let names = |id: u32| format!("c{id}");
    let text = sentence(&truncated, &names);
    assert_eq!(
        text,
        "orders-1: broker 1 truncated its log to offset 5: 7 records LOST (offsets 5, 6, 7, 8, 9 and 2 more)"
    );
    let idle = Event::Group(GroupEvent::AssignmentReceived {
        group: "g".into(),
        client: 4,
        generation: 2,
        partitions: vec![],
    });
    assert_eq!(sentence(&idle, &names), "c4 got no partitions in generation 2 of group g: idle");
    let failed = Event::Producer(ProducerEvent::ProduceFailed {
        client: 7,
        tp: TopicPartition::new("orders", -1),
        error: KafkaError::MsgTimedOut,
        records: 3,
        will_retry: false,
    });
    assert_eq!(
        sentence(&failed, &names),
        "c7: 3 records for topic orders (no partition yet) failed with _MSG_TIMED_OUT; given up: the send fails"
    );
}

#[wasm_bindgen_test]
fn every_event_of_a_busy_run_has_a_readable_sentence() {
    // Traffic, a group with a rebalance, a crashed leader and a failover.
    let mut state = run_for(fresh(), 2_000);
    for name in ["c1", "c2"] {
        state = apply(state, add_consumer(name, "g", AssignorName::Range));
    }
    state = run_for(state, 10_000);
    state = apply(state, Command::KillBroker { broker: 1 });
    state = run_for(state, 15_000);
    let events: Vec<&TimedEvent> = state.events.iter().collect();
    assert!(events.len() > 100, "a busy run has events ({})", events.len());
    let mut kinds = std::collections::BTreeSet::new();
    for e in events {
        let text = describe(e, &state.snapshot);
        kinds.insert(facts(e).kind);
        assert!(text.starts_with("t="), "{text}");
        assert!(text.len() > 20, "a sentence, not a stub: {text}");
        assert!(!text.contains("Some(") && !text.contains("None") && !text.contains("{ "), "no Debug output: {text}");
    }
    for kind in ["LeaderElected", "Rebalance", "RecordsAppended", "BrokerCrashed", "AssignmentReceived"] {
        assert!(kinds.contains(kind), "the run had a {kind}: {kinds:?}");
    }
}

pub fn add_consumer(name: &str, group: &str, assignor: AssignorName) -> Command {
    Command::AddConsumer {
        name: name.into(),
        config: ConsumerConfig {
            group_id: Some(group.into()),
            auto_offset_reset: AutoOffsetReset::Earliest,
            partition_assignment_strategy: vec![assignor],
            ..ConsumerConfig::default()
        },
        app: kafka_playground::engine::client::ConsumerApp {
            subscription: Subscription::Subscribe(vec!["orders".into()]),
            processing_ms_per_record: 0,
            commit_mode: CommitMode::Auto,
        },
    }
}

// ------------------------------------------------------------ filters

#[wasm_bindgen_test]
fn an_isr_change_involves_its_leader_and_the_replicas_it_moved() {
    let event = timed(
        0,
        NodeId::Controller,
        Event::Replication(ReplicationEvent::IsrExpanded {
            tp: TopicPartition::new("orders", 2),
            leader: 3,
            added: vec![1],
            isr: vec![3, 1],
        }),
    );
    let f = facts(&event);
    assert_eq!((f.area, f.kind), ("replication", "IsrExpanded"));
    assert_eq!(f.brokers, vec![3, 1]);
    assert_eq!(f.topic, Some("orders"));
    assert_eq!(f.tp.map(|tp| tp.partition), Some(2));
    let only_broker_2 = EventFilter { broker: Some(2), notable_only: false, ..EventFilter::default() };
    assert!(!only_broker_2.matches(&f));
    let only_broker_1 = EventFilter { broker: Some(1), notable_only: false, ..EventFilter::default() };
    assert!(only_broker_1.matches(&f));
    let partition_2 = EventFilter { topic: Some("orders".into()), partition: Some(2), ..EventFilter::default() };
    assert!(partition_2.matches(&f));
    let partition_0 = EventFilter { topic: Some("orders".into()), partition: Some(0), ..EventFilter::default() };
    assert!(!partition_0.matches(&f));
}

#[wasm_bindgen_test]
fn filtering_by_broker_keeps_exactly_the_events_that_involve_it() {
    let state = run_for(fresh(), 5_000);
    let everything = EventFilter { notable_only: false, ..EventFilter::default() };
    let (all_rows, kinds) = rows(&state.events, &everything, &state.snapshot);
    assert!(kinds.contains(&"RecordsAppended"), "{kinds:?}");
    assert!(all_rows.iter().any(|r| !r.brokers.contains(&2)), "some events do not involve broker 2");
    let broker_2 = EventFilter { broker: Some(2), notable_only: false, ..EventFilter::default() };
    let (rows_2, _) = rows(&state.events, &broker_2, &state.snapshot);
    assert!(!rows_2.is_empty());
    assert!(rows_2.iter().all(|r| r.brokers.contains(&2)));
    // Newest first.
    assert!(rows_2.windows(2).all(|w| w[0].seq > w[1].seq));
}

// ------------------------------------------------------------ forms: parsing and errors

#[wasm_bindgen_test]
fn numbers_are_parsed_with_a_message_for_each_kind_of_mistake() {
    assert_eq!(parse_int::<i32>("12"), Ok(Some(12)));
    assert_eq!(parse_int::<i64>(" 604_800_000 "), Ok(Some(604_800_000)));
    assert_eq!(parse_int::<i32>(""), Ok(None));
    assert_eq!(parse_int::<i32>("abc"), Err("\"abc\" is not a number".to_string()));
    assert_eq!(parse_int::<i32>("2.5"), Err("\"2.5\" is not a whole number".to_string()));
    assert_eq!(parse_int::<i32>("3000000000"), Err("must be at most 2147483647".to_string()));
    assert_eq!(parse_int::<u32>("-1"), Err("must be at least 0".to_string()));
}

#[wasm_bindgen_test]
fn an_engine_refusal_lands_on_the_field_it_names() {
    let fields =
        ["name", "partitions", "config.retention.ms", "config.min.insync.replicas", "tp.topic", "tp.partition"];
    let e = |field: &str, message: &str| CommandError::new(field, message);
    assert_eq!(field_for_error(&e("partitions", "must be at least 1"), &fields, &[]).as_deref(), Some("partitions"));
    let retention = e("config", "retention.ms must be -1 or >= 0, got -5");
    assert_eq!(field_for_error(&retention, &fields, &[]).as_deref(), Some("config.retention.ms"));
    let min_isr = e("config", "min.insync.replicas must be at least 1, got 0");
    assert_eq!(field_for_error(&min_isr, &fields, &[]).as_deref(), Some("config.min.insync.replicas"));
    let elsewhere = e("config", "segment.ms must be at least 1, got 0");
    assert_eq!(field_for_error(&elsewhere, &fields, &[]), None, "a config the form does not show");
    let tp = e("tp", "UNKNOWN_TOPIC_OR_PARTITION: orders-9 does not exist");
    assert_eq!(field_for_error(&tp, &fields, &[]).as_deref(), Some("tp.topic"));
    assert_eq!(field_for_error(&tp, &fields, &[("tp", "tp.partition")]).as_deref(), Some("tp.partition"));
    assert_eq!(field_for_error(&CommandError::general("no"), &fields, &[]), None);
}

// ------------------------------------------------------------ code

#[wasm_bindgen_test]
fn a_producer_with_acks_1_reads_as_confluent_kafka_and_java_config() {
    let config = ProducerConfig { acks: Acks::Leader, enable_idempotence: false, ..ProducerConfig::default() };
    let cs = code::producer_csharp("checkout", &config, "broker-1:9092");
    for line in [
        "var config = new ProducerConfig",
        "    BootstrapServers = \"broker-1:9092\",",
        "    ClientId = \"checkout\",",
        "    Acks = Acks.Leader,",
        "    EnableIdempotence = false,",
        "    LingerMs = 5,",
        "    BatchSize = 16384,",
        "    MessageTimeoutMs = 120000, // delivery.timeout.ms",
        "    Partitioner = Partitioner.Murmur2Random,",
    ] {
        assert!(cs.contains(line), "C# has {line:?}:\n{cs}");
    }
    let java = code::producer_java("checkout", &config, "broker-1:9092");
    for line in ["acks=1", "enable.idempotence=false", "linger.ms=5", "batch.size=16384", "client.id=checkout"] {
        assert!(java.lines().any(|l| l == line), "Java has {line:?}:\n{java}");
    }
    assert!(!java.contains("retries="), "defaults are left out:\n{java}");
}

#[wasm_bindgen_test]
fn a_consumer_reads_as_confluent_kafka_config_with_librdkafka_s_differences_spelled_out() {
    let config = ConsumerConfig {
        group_id: Some("billing".into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        ..ConsumerConfig::default()
    };
    let subscription = Subscription::Subscribe(vec!["orders".into()]);
    let cs =
        code::consumer_csharp("c1", &config, &subscription, CommitMode::SyncAfterProcessing, Some("range"), "b:9092");
    for line in [
        "    GroupId = \"billing\",",
        "    AutoOffsetReset = AutoOffsetReset.Earliest,",
        "    EnableAutoCommit = false,",
        "    SessionTimeoutMs = 45000,",
        "    HeartbeatIntervalMs = 3000,",
        "    MaxPollIntervalMs = 300000,",
        "    PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,",
        "    IsolationLevel = IsolationLevel.ReadUncommitted,",
        "consumer.Subscribe(new[] { \"orders\" });",
        "consumer.Commit(result); // at-least-once",
    ] {
        assert!(cs.contains(line), "C# has {line:?}:\n{cs}");
    }
    assert!(cs.contains("range, cooperative-sticky"), "the Java default list is explained:\n{cs}");
    let java = code::consumer_java("c1", &config, CommitMode::Auto, "b:9092");
    for line in [
        "group.id=billing",
        "enable.auto.commit=true",
        "auto.commit.interval.ms=5000",
        "partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    ] {
        assert!(java.lines().any(|l| l == line), "Java has {line:?}:\n{java}");
    }
}

// ------------------------------------------------------------ lag chart helpers

#[wasm_bindgen_test]
fn the_lag_chart_says_in_words_what_it_draws() {
    let state = fresh();
    assert_eq!(
        summary(&lag_series(&state.history), &state.history),
        "No consumer group has committed offsets yet: lag appears once a group commits."
    );
    let mut state = apply(state, add_consumer("c1", "g", AssignorName::Range));
    state = run_for(state, 20_000);
    let series = lag_series(&state.history);
    assert_eq!(series.iter().map(|s| s.group.as_str()).collect::<Vec<_>>(), vec!["g"]);
    let text = summary(&series, &state.history);
    assert!(text.starts_with("Lag over the last "), "{text}");
    assert!(text.contains("g: lag "), "{text}");
    assert_eq!(nice_step(3.0), 1.0);
    assert_eq!(nice_step(37.0), 10.0);
    assert_eq!(nice_step(900.0), 500.0);
}
