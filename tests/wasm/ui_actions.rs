//! The actions added for faults, transactions and topic/consumer/producer
//! changes, mounted in a real DOM on a live cluster: each command reaches
//! the engine and the snapshot shows its effect; bad input is refused next
//! to its field and the cluster is left as it was.

use std::cell::RefCell;
use std::rc::Rc;

use kafka_playground::engine::client::producer::TransactionState;
use kafka_playground::engine::command::{Command, CommandError};
use kafka_playground::engine::ids::NodeId;
use kafka_playground::engine::net::{Fault, LinkMatch};
use kafka_playground::engine::record::ControlType;
use kafka_playground::ui::panels::ActionsPanelProps;
use kafka_playground::ui::state::{Action, AppState};
use wasm_bindgen_test::wasm_bindgen_test;
use yew::{Callback, Reducible};

use crate::panels::{choose, click, exists, fresh, root, settle, text, type_into, ActionsPanel};

type Live = Rc<RefCell<Rc<AppState>>>;

/// Mounts the actions panel on `state`'s current snapshot; commands go through the app's reducer.
async fn mount(state: &Live) -> web_sys::Element {
    let handle = state.clone();
    let on_apply = Callback::from(move |(command, reply): (Command, Callback<Result<(), CommandError>>)| {
        let current = handle.borrow().clone();
        *handle.borrow_mut() = current.reduce(Action::ApplyThen(command, reply));
    });
    let root = root();
    let props = ActionsPanelProps { snapshot: state.borrow().snapshot.clone(), on_apply };
    yew::Renderer::<ActionsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

fn live() -> Live {
    Rc::new(RefCell::new(fresh()))
}

fn checkout_id(state: &Live) -> u32 {
    let snap = state.borrow().snapshot.clone();
    snap.producers.iter().find(|p| p.producer.name == "checkout").expect("the default producer").producer.id
}

#[wasm_bindgen_test]
async fn a_lost_acknowledgement_fault_reaches_the_engine_reads_as_a_sentence_and_heals() {
    let state = live();
    let producer = checkout_id(&state);
    let root = mount(&state).await;
    choose(&root, "add-fault-from", "broker-1");
    choose(&root, "add-fault-to", &format!("client-{producer}"));
    choose(&root, "add-fault-kind", "ProduceResponse");
    type_into(&root, "add-fault-count", "");
    settle().await;

    // A probability that is not a number never becomes a command.
    type_into(&root, "add-fault-probability", "often");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    assert_eq!(text(&root, "add-fault-probability-error"), "\"often\" is not a number");
    assert!(state.borrow().snapshot.faults.is_empty());

    // Out of range: the engine's refusal, next to the field; nothing installed.
    type_into(&root, "add-fault-probability", "2");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    assert_eq!(text(&root, "add-fault-probability-error"), "must be in [0, 1], got 2");
    assert!(state.borrow().snapshot.faults.is_empty());

    type_into(&root, "add-fault-probability", "1");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    let faults = state.borrow().snapshot.faults.clone();
    assert_eq!(faults.len(), 1, "{faults:?}");
    let expected = LinkMatch {
        from: Some(NodeId::Broker(1)),
        to: Some(NodeId::Client(producer)),
        both_ways: false,
        kind: Some("ProduceResponse".into()),
    };
    assert_eq!(faults[0].fault, Fault::Drop { link: expected, count: None, probability: 1.0 });

    // The list (on the new snapshot) says what it does, and Heal removes it from the engine.
    let root = mount(&state).await;
    let id = faults[0].id;
    assert_eq!(
        text(&root, &format!("fault-{id}-text")),
        "Produce responses from broker 1 to producer checkout are dropped: the producer notices when the next \
         response arrives first, closes the connection and retries; it is idempotent, so the broker discards the \
         duplicate"
    );
    click(&root, &format!("fault-{id}-heal"));
    settle().await;
    assert!(state.borrow().snapshot.faults.is_empty(), "healed in the engine");
}

#[wasm_bindgen_test]
async fn a_partition_needs_two_different_nodes_and_cuts_them_apart() {
    let state = live();
    let root = mount(&state).await;
    choose(&root, "add-fault-type", "partition");
    settle().await;
    choose(&root, "add-fault-from", "broker-2");
    choose(&root, "add-fault-to", "broker-2");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    assert_eq!(text(&root, "add-fault-to-error"), "pick a node other than the sender");
    assert!(state.borrow().snapshot.faults.is_empty());

    choose(&root, "add-fault-to", "controller");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    let faults = state.borrow().snapshot.faults.clone();
    assert_eq!(
        faults.iter().map(|f| f.fault.clone()).collect::<Vec<_>>(),
        vec![Fault::Partition { side_a: vec![NodeId::Broker(2)], side_b: vec![NodeId::Controller] }]
    );
    let root = mount(&state).await;
    let sentence = text(&root, &format!("fault-{}-text", faults[0].id));
    assert!(
        sentence.starts_with("Network partition: broker 2 and the controller cannot reach each other"),
        "{sentence}"
    );
    assert!(!exists(&root, "faults-empty"));
}

#[wasm_bindgen_test]
async fn a_delay_of_zero_is_refused_next_to_its_field() {
    let state = live();
    let root = mount(&state).await;
    choose(&root, "add-fault-type", "delay");
    settle().await;
    type_into(&root, "add-fault-extra-ms", "0");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    assert_eq!(text(&root, "add-fault-extra-ms-error"), "must be at least 1 ms");
    assert!(state.borrow().snapshot.faults.is_empty());
    type_into(&root, "add-fault-extra-ms", "250");
    choose(&root, "add-fault-to", "broker-3");
    settle().await;
    click(&root, "add-fault-submit");
    settle().await;
    let faults = state.borrow().snapshot.faults.clone();
    assert!(
        matches!(&faults[..], [f] if matches!(&f.fault, Fault::Delay { extra_ms: 250, link } if link.to == Some(NodeId::Broker(3)))),
        "{faults:?}"
    );
}

/// Mounts one producer's card on `state`'s snapshot; its buttons' commands go through the reducer.
async fn mount_producer(state: &Live, name: &str) -> web_sys::Element {
    use kafka_playground::ui::panels::clients::{ClientCard, ClientCardProps, ClientKind};
    let handle = state.clone();
    let on_apply = Callback::from(move |command: Command| {
        let current = handle.borrow().clone();
        *handle.borrow_mut() = current.reduce(Action::Apply(command));
    });
    let root = root();
    let props = ClientCardProps {
        kind: ClientKind::Producer,
        snapshot: state.borrow().snapshot.clone(),
        name: name.to_string().into(),
        selected: false,
        on_apply,
        on_select: Callback::noop(),
    };
    yew::Renderer::<ClientCard>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

fn txn_state(state: &Live, name: &str) -> Option<TransactionState> {
    let snap = state.borrow().snapshot.clone();
    snap.producers.iter().find(|p| p.producer.name == name).and_then(|p| p.producer.transaction_state)
}

fn run(state: &Live, ms: i64) {
    let current = state.borrow().clone();
    *state.borrow_mut() = crate::panels::run_for(current, ms);
}

#[wasm_bindgen_test]
async fn a_transactional_producer_begins_commits_and_aborts_from_its_card() {
    let state = live();
    // Added through the form: transactional.id, a workload on orders.
    let root = mount(&state).await;
    type_into(&root, "add-producer-name", "payments");
    type_into(&root, "add-producer-config-transactional-id", "payments-tx");
    settle().await;
    click(&root, "add-producer-submit");
    settle().await;
    run(&state, 3_000);
    assert_eq!(txn_state(&state, "payments"), Some(TransactionState::Ready));
    let sent_before = {
        let snap = state.borrow().snapshot.clone();
        snap.producers.iter().find(|p| p.producer.name == "payments").unwrap().producer.stats.records_sent
    };
    assert_eq!(sent_before, 0, "a transactional workload sends only inside a transaction");

    let card = mount_producer(&state, "payments").await;
    assert!(text(&card, "producer-payments-txn").contains("READY"));
    click(&card, "producer-payments-begin");
    settle().await;
    assert_eq!(txn_state(&state, "payments"), Some(TransactionState::InTransaction));
    run(&state, 2_000);
    let card = mount_producer(&state, "payments").await;
    let line = text(&card, "producer-payments-txn");
    assert!(line.contains("IN_TRANSACTION") && line.contains("partitions orders-"), "{line}");
    click(&card, "producer-payments-commit");
    settle().await;
    assert_eq!(txn_state(&state, "payments"), Some(TransactionState::CommittingTransaction));
    run(&state, 2_000);
    assert_eq!(txn_state(&state, "payments"), Some(TransactionState::Ready));
    let markers = |kind: ControlType| {
        let snap = state.borrow().snapshot.clone();
        snap.brokers
            .iter()
            .flat_map(|b| b.broker.replicas.iter())
            .filter(|r| r.tp.topic == "orders")
            .flat_map(|r| r.log.records.iter())
            .filter(|rec| rec.control == Some(kind))
            .count()
    };
    assert!(markers(ControlType::Commit) > 0, "COMMIT markers were written");

    // Abort: ABORT markers.
    let card = mount_producer(&state, "payments").await;
    click(&card, "producer-payments-begin");
    settle().await;
    run(&state, 2_000);
    let card = mount_producer(&state, "payments").await;
    click(&card, "producer-payments-abort");
    settle().await;
    run(&state, 2_000);
    assert_eq!(txn_state(&state, "payments"), Some(TransactionState::Ready));
    assert!(markers(ControlType::Abort) > 0, "ABORT markers were written");
}

#[wasm_bindgen_test]
async fn a_transactional_id_without_idempotence_is_refused_next_to_the_field() {
    let state = live();
    let root = mount(&state).await;
    let producers = state.borrow().snapshot.producers.len();
    type_into(&root, "add-producer-config-transactional-id", "tx");
    let check: web_sys::HtmlElement =
        wasm_bindgen::JsCast::dyn_into(crate::panels::find(&root, "add-producer-config-enable-idempotence")).unwrap();
    check.click();
    settle().await;
    click(&root, "add-producer-submit");
    settle().await;
    assert_eq!(
        text(&root, "add-producer-config-transactional-id-error"),
        "transactional.id requires enable.idempotence=true"
    );
    assert_eq!(state.borrow().snapshot.producers.len(), producers);
}

fn orders_config(state: &Live) -> Option<kafka_playground::engine::config::TopicConfig> {
    state.borrow().snapshot.metadata.topics.get("orders").map(|t| t.config.clone())
}

#[wasm_bindgen_test]
async fn altering_one_config_by_its_kafka_name_keeps_the_rest_and_unknown_names_are_refused() {
    let state = live();
    let root = mount(&state).await;
    let before = orders_config(&state).unwrap();
    type_into(&root, "alter-config-name", "retention.mss");
    type_into(&root, "alter-config-value", "60000");
    settle().await;
    click(&root, "alter-config-submit");
    settle().await;
    let message = text(&root, "alter-config-name-error");
    assert!(message.starts_with("retention.mss: unknown field `retention.mss`, expected one of"), "{message}");
    assert_eq!(orders_config(&state).unwrap(), before);

    // Out of range: the engine's message, next to the value.
    type_into(&root, "alter-config-name", "retention.ms");
    type_into(&root, "alter-config-value", "-5");
    settle().await;
    click(&root, "alter-config-submit");
    settle().await;
    assert_eq!(text(&root, "alter-config-value-error"), "retention.ms must be -1 or >= 0, got -5");
    assert_eq!(orders_config(&state).unwrap(), before);

    type_into(&root, "alter-config-value", "60000");
    settle().await;
    click(&root, "alter-config-submit");
    settle().await;
    let after = orders_config(&state).unwrap();
    assert_eq!(after.retention_ms, 60_000);
    assert_eq!(after.min_insync_replicas, 2, "the other configs are kept");
    assert_eq!(text(&root, "alter-config-done"), "orders: retention.ms=60000.");

    type_into(&root, "alter-config-name", "cleanup.policy");
    type_into(&root, "alter-config-value", "compact,delete");
    settle().await;
    click(&root, "alter-config-submit");
    settle().await;
    let after = orders_config(&state).unwrap();
    assert!(after.cleanup_policy.compacts() && after.cleanup_policy.deletes(), "{after:?}");
}

#[wasm_bindgen_test]
async fn deleting_a_topic_removes_it_from_the_cluster() {
    let state = live();
    let root = mount(&state).await;
    assert!(state.borrow().snapshot.metadata.topics.contains_key("orders"));
    click(&root, "delete-topic-submit");
    settle().await;
    assert!(!state.borrow().snapshot.metadata.topics.contains_key("orders"), "orders is gone");
    assert_eq!(text(&root, "delete-topic-done"), "Topic orders deleted.");
}

#[wasm_bindgen_test]
async fn a_producer_s_workload_changes_and_a_negative_rate_is_refused_by_the_engine() {
    use kafka_playground::engine::client::KeyPattern;
    let state = live();
    let root = mount(&state).await;
    let workload = |state: &Live| {
        let snap = state.borrow().snapshot.clone();
        snap.producers.iter().find(|p| p.producer.name == "checkout").unwrap().producer.workload.clone().unwrap()
    };
    let before = workload(&state);
    type_into(&root, "set-workload-workload-rate-per-sec", "-1");
    settle().await;
    click(&root, "set-workload-submit");
    settle().await;
    assert_eq!(text(&root, "set-workload-workload-rate-per-sec-error"), "must be between 0 and 10000000, got -1");
    assert_eq!(workload(&state), before);

    type_into(&root, "set-workload-workload-rate-per-sec", "200");
    choose(&root, "set-workload-workload-key-type", "fixed");
    settle().await;
    type_into(&root, "set-workload-workload-key-prefix", "vip");
    settle().await;
    click(&root, "set-workload-submit");
    settle().await;
    let after = workload(&state);
    assert_eq!(after.rate_per_sec, 200.0);
    assert_eq!(after.key, KeyPattern::Fixed { key: "vip".into() });
    let generated = |state: &Live| {
        let snap = state.borrow().snapshot.clone();
        snap.producers.iter().find(|p| p.producer.name == "checkout").unwrap().producer.records_generated
    };
    let (start, t0) = (generated(&state), state.borrow().now);
    run(&state, 1_000);
    let (made, seconds) = (generated(&state) - start, (state.borrow().now - t0) as f64 / 1000.0);
    let rate = made as f64 / seconds;
    assert!((180.0..=220.0).contains(&rate), "about 200 records a second, got {made} in {seconds} s");
}

#[wasm_bindgen_test]
async fn seeking_a_consumer_moves_its_position_and_a_bad_offset_is_refused() {
    let state = live();
    {
        let current = state.borrow().clone();
        let next = crate::panels::apply(
            current,
            crate::panels::add_consumer("c1", "g", kafka_playground::engine::config::AssignorName::Range),
        );
        *state.borrow_mut() = crate::panels::run_for(next, 10_000);
    }
    let position = |state: &Live| {
        let snap = state.borrow().snapshot.clone();
        let c = snap.consumers.iter().find(|c| c.consumer.name == "c1").unwrap();
        c.consumer.partitions.iter().find(|p| p.tp.to_string() == "orders-0").and_then(|p| p.position)
    };
    let before = position(&state).expect("c1 reads orders-0");
    assert!(before > 0, "records were consumed: {before}");
    let root = mount(&state).await;
    choose(&root, "seek-tp", "orders-0");
    choose(&root, "seek-to", "offset");
    settle().await;
    type_into(&root, "seek-value", "abc");
    settle().await;
    click(&root, "seek-submit");
    settle().await;
    assert_eq!(text(&root, "seek-value-error"), "\"abc\" is not a number");
    assert_eq!(position(&state), Some(before));
    type_into(&root, "seek-value", "-3");
    settle().await;
    click(&root, "seek-submit");
    settle().await;
    assert_eq!(text(&root, "seek-value-error"), "must be >= 0, got -3");
    assert_eq!(position(&state), Some(before));

    choose(&root, "seek-to", "earliest");
    settle().await;
    click(&root, "seek-submit");
    settle().await;
    assert_eq!(position(&state), Some(0), "back to the log start");
    assert_eq!(text(&root, "seek-done"), "c1 will read orders-0 from offset 0.");
}

#[wasm_bindgen_test]
fn seek_targets_are_read_from_the_leader_s_log() {
    use kafka_playground::engine::command::OffsetResetSpec as To;
    use kafka_playground::engine::ids::TopicPartition;
    use kafka_playground::ui::model::{leader_replica, seek_offset};
    let state = crate::panels::run_for(fresh(), 10_000);
    let snap = state.snapshot.clone();
    let tp = TopicPartition::new("orders", 1);
    let leader = leader_replica(&snap, &tp).expect("a leader");
    assert!(leader.high_watermark > 3, "records were written: {}", leader.high_watermark);
    assert_eq!(seek_offset(&snap, &tp, &To::Earliest, false), Ok(leader.log.log_start_offset));
    assert_eq!(seek_offset(&snap, &tp, &To::Latest, false), Ok(leader.high_watermark));
    assert_eq!(seek_offset(&snap, &tp, &To::Latest, true), Ok(leader.last_stable_offset));
    // The first record at or after the third record's timestamp.
    let third = &leader.log.records[2];
    let expected = leader.log.records.iter().find(|r| r.timestamp >= third.timestamp).unwrap().offset;
    assert_eq!(seek_offset(&snap, &tp, &To::Timestamp { timestamp: third.timestamp }, false), Ok(expected));
    assert_eq!(
        seek_offset(&snap, &tp, &To::Timestamp { timestamp: i64::MAX }, false),
        Ok(leader.high_watermark),
        "no record that late: the end"
    );
    assert_eq!(seek_offset(&snap, &tp, &To::Offset { offset: 2 }, false), Ok(2));
}
