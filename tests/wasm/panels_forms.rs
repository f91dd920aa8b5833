//! The actions panel's forms in a real DOM: bad input is refused next to
//! its field and never becomes a command; the engine's refusals land next
//! to the field they name, and the cluster stays as it was.

use std::cell::RefCell;
use std::rc::Rc;

use kafka_playground::engine::client::{CommitMode, Subscription};
use kafka_playground::engine::command::{Command, CommandError};
use kafka_playground::engine::config::{Acks, AssignorName, AutoOffsetReset};
use kafka_playground::ui::panels::ActionsPanelProps;
use kafka_playground::ui::state::{Action, AppState};
use wasm_bindgen_test::wasm_bindgen_test;
use yew::{Callback, Reducible};

use super::{choose, click, exists, find, fresh, root, settle, text, type_into, ActionsPanel};

/// Mounts the actions panel with an `on_apply` that records every command
/// and answers `Ok` without touching any cluster.
async fn mount_recording() -> (web_sys::Element, Rc<RefCell<Vec<Command>>>) {
    let sent: Rc<RefCell<Vec<Command>>> = Rc::default();
    let sink = sent.clone();
    let on_apply = Callback::from(move |(command, reply): (Command, Callback<Result<(), CommandError>>)| {
        sink.borrow_mut().push(command);
        reply.emit(Ok(()));
    });
    let root = root();
    let props = ActionsPanelProps { snapshot: fresh().snapshot.clone(), on_apply };
    yew::Renderer::<ActionsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    (root, sent)
}

/// Mounts the actions panel on a real cluster: commands go through the
/// app's reducer (`Action::ApplyThen`), as in the app.
async fn mount_live() -> (web_sys::Element, Rc<RefCell<Rc<AppState>>>) {
    let state = Rc::new(RefCell::new(fresh()));
    let handle = state.clone();
    let on_apply = Callback::from(move |(command, reply): (Command, Callback<Result<(), CommandError>>)| {
        let current = handle.borrow().clone();
        *handle.borrow_mut() = current.reduce(Action::ApplyThen(command, reply));
    });
    let root = root();
    let props = ActionsPanelProps { snapshot: state.borrow().snapshot.clone(), on_apply };
    yew::Renderer::<ActionsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    (root, state)
}

fn attr(root: &web_sys::Element, test_id: &str, name: &str) -> Option<String> {
    find(root, test_id).get_attribute(name)
}

#[wasm_bindgen_test]
async fn create_topic_with_partitions_abc_shows_an_error_next_to_the_field_and_sends_nothing() {
    let (root, sent) = mount_recording().await;
    type_into(&root, "create-topic-name", "payments");
    type_into(&root, "create-topic-partitions", "abc");
    settle().await;
    click(&root, "create-topic-submit");
    settle().await;
    assert!(sent.borrow().is_empty(), "no command was sent: {:?}", sent.borrow());
    assert_eq!(text(&root, "create-topic-partitions-error"), "\"abc\" is not a number");
    assert_eq!(attr(&root, "create-topic-partitions", "aria-invalid").as_deref(), Some("true"));
    let described = attr(&root, "create-topic-partitions", "aria-describedby").unwrap_or_default();
    assert!(described.split(' ').any(|id| id == "create-topic-partitions-error"), "{described}");
    assert_eq!(find(&root, "create-topic-partitions-error").get_attribute("role").as_deref(), Some("alert"));
    // The other fields are fine and say nothing.
    assert!(!exists(&root, "create-topic-name-error"));
    assert_eq!(attr(&root, "create-topic-name", "aria-invalid"), None);

    // Fixing the field clears its message, and the form then sends one command.
    type_into(&root, "create-topic-partitions", "6");
    settle().await;
    assert!(!exists(&root, "create-topic-partitions-error"));
    click(&root, "create-topic-submit");
    settle().await;
    let sent = sent.borrow();
    match sent.as_slice() {
        [Command::CreateTopic { name, partitions: 6, replication_factor: Some(3), config, .. }] => {
            assert_eq!(name, "payments");
            assert_eq!(config.retention_ms, 604_800_000);
            assert_eq!(config.min_insync_replicas, 1);
        }
        other => panic!("one CreateTopic: {other:?}"),
    }
    assert_eq!(text(&root, "create-topic-done"), "Topic payments created.");
}

#[wasm_bindgen_test]
async fn an_engine_refusal_appears_next_to_its_field_and_the_cluster_is_unchanged() {
    let (root, state) = mount_live().await;
    let topics_before = state.borrow().snapshot.metadata.topics.len();
    let log_before = state.borrow().runner().log().len();
    type_into(&root, "create-topic-name", "payments");
    type_into(&root, "create-topic-config-retention-ms", "-5");
    settle().await;
    click(&root, "create-topic-submit");
    settle().await;
    assert_eq!(text(&root, "create-topic-config-retention-ms-error"), "retention.ms must be -1 or >= 0, got -5");
    assert_eq!(attr(&root, "create-topic-config-retention-ms", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(state.borrow().snapshot.metadata.topics.len(), topics_before, "no topic was created");
    assert_eq!(state.borrow().runner().log().len(), log_before, "nothing was applied");

    // A replication factor larger than the cluster: the controller's refusal, on its field.
    type_into(&root, "create-topic-config-retention-ms", "60000");
    type_into(&root, "create-topic-replication-factor", "5");
    settle().await;
    click(&root, "create-topic-submit");
    settle().await;
    let message = text(&root, "create-topic-replication-factor-error");
    assert!(message.starts_with("INVALID_REPLICATION_FACTOR"), "{message}");
    assert_eq!(state.borrow().snapshot.metadata.topics.len(), topics_before);

    // A good topic goes through.
    type_into(&root, "create-topic-replication-factor", "3");
    settle().await;
    click(&root, "create-topic-submit");
    settle().await;
    assert!(state.borrow().snapshot.metadata.topics.contains_key("payments"));
    assert!(!exists(&root, "create-topic-replication-factor-error"));
}

#[wasm_bindgen_test]
async fn the_consumer_form_builds_the_consumer_asked_for() {
    let (root, sent) = mount_recording().await;
    type_into(&root, "add-consumer-config-group-id", "billing");
    choose(&root, "add-consumer-config-partition-assignment-strategy", "cooperative-sticky");
    choose(&root, "add-consumer-app-commit-mode", "sync_before");
    choose(&root, "add-consumer-config-auto-offset-reset", "earliest");
    type_into(&root, "add-consumer-app-processing-ms-per-record", "20");
    settle().await;
    click(&root, "add-consumer-submit");
    settle().await;
    let sent = sent.borrow();
    let [Command::AddConsumer { name, config, app }] = sent.as_slice() else { panic!("one AddConsumer: {sent:?}") };
    assert_eq!(name, "consumer-1", "an empty name takes the suggested free name");
    assert_eq!(config.group_id.as_deref(), Some("billing"));
    assert_eq!(config.partition_assignment_strategy, vec![AssignorName::CooperativeSticky]);
    assert_eq!(config.auto_offset_reset, AutoOffsetReset::Earliest);
    assert!(!config.enable_auto_commit, "manual commits turn enable.auto.commit off");
    assert_eq!(app.commit_mode, CommitMode::SyncBeforeProcessing);
    assert_eq!(app.processing_ms_per_record, 20);
    assert_eq!(app.subscription, Subscription::Subscribe(vec!["orders".into()]));
}

#[wasm_bindgen_test]
async fn acks_1_with_idempotence_is_refused_by_the_engine_next_to_the_idempotence_box() {
    let (root, state) = mount_live().await;
    let producers = state.borrow().snapshot.producers.len();
    choose(&root, "add-producer-config-acks", "1");
    settle().await;
    click(&root, "add-producer-submit");
    settle().await;
    let message = text(&root, "add-producer-config-enable-idempotence-error");
    assert!(message.starts_with("enable.idempotence requires acks=all"), "{message}");
    assert_eq!(state.borrow().snapshot.producers.len(), producers);
    // Unticking idempotence makes it valid.
    let check: web_sys::HtmlElement =
        wasm_bindgen::JsCast::dyn_into(find(&root, "add-producer-config-enable-idempotence")).unwrap();
    check.click();
    settle().await;
    click(&root, "add-producer-submit");
    settle().await;
    let snap = state.borrow().snapshot.clone();
    let added = snap.producers.iter().find(|p| p.producer.name == "producer-1").expect("producer-1 added");
    assert_eq!(added.producer.config.acks, Acks::Leader);
    assert!(!added.producer.config.enable_idempotence);
}

#[wasm_bindgen_test]
async fn bad_numbers_in_every_number_field_of_a_form_are_all_reported_at_once() {
    let (root, sent) = mount_recording().await;
    type_into(&root, "add-producer-workload-rate-per-sec", "fast");
    type_into(&root, "add-producer-config-linger-ms", "1.5");
    type_into(&root, "add-producer-config-batch-size", "99999999999");
    settle().await;
    click(&root, "add-producer-submit");
    settle().await;
    assert!(sent.borrow().is_empty());
    assert_eq!(text(&root, "add-producer-workload-rate-per-sec-error"), "\"fast\" is not a number");
    assert_eq!(text(&root, "add-producer-config-linger-ms-error"), "\"1.5\" is not a whole number");
    assert_eq!(text(&root, "add-producer-config-batch-size-error"), "must be at most 2147483647");
}

#[wasm_bindgen_test]
async fn resetting_offsets_of_a_group_with_members_is_refused_with_kafka_s_message() {
    let (root, state) = mount_live().await;
    {
        let current = state.borrow().clone();
        let next = super::apply(current, super::add_consumer("c1", "g", AssignorName::Range));
        *state.borrow_mut() = super::run_for(next, 8_000);
    }
    // The panel was mounted with the first snapshot; remount with the new one.
    let root2 = super::root();
    let handle = state.clone();
    let on_apply = Callback::from(move |(command, reply): (Command, Callback<Result<(), CommandError>>)| {
        let current = handle.borrow().clone();
        *handle.borrow_mut() = current.reduce(Action::ApplyThen(command, reply));
    });
    let props = ActionsPanelProps { snapshot: state.borrow().snapshot.clone(), on_apply };
    yew::Renderer::<ActionsPanel>::with_root_and_props(root2.clone(), props).render();
    settle().await;
    drop(root);
    choose(&root2, "reset-offsets-group", "g");
    choose(&root2, "reset-offsets-spec-to", "offset");
    settle().await;
    type_into(&root2, "reset-offsets-spec-value", "x1");
    settle().await;
    click(&root2, "reset-offsets-submit");
    settle().await;
    assert_eq!(text(&root2, "reset-offsets-spec-value-error"), "\"x1\" is not a number");
    type_into(&root2, "reset-offsets-spec-value", "0");
    settle().await;
    click(&root2, "reset-offsets-submit");
    settle().await;
    let message = text(&root2, "reset-offsets-group-error");
    assert!(message.contains("can only be reset if the group 'g' is inactive"), "{message}");
}
