//! The clients panel, the event log, the metrics panel and the lag chart
//! rendered from a real run.

use std::cell::RefCell;
use std::rc::Rc;

use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::AssignorName;
use kafka_playground::ui::panels::{
    clients_panel, event_log, metrics_panel, use_event_log, ClientsPanelProps, EventLogProps, MetricsPanelProps,
};
use kafka_playground::ui::state::{AppState, Select};
use wasm_bindgen_test::wasm_bindgen_test;
use yew::Callback;

use super::{add_consumer, all, apply, choose, click, exists, find, fresh, root, run_for, settle, text};

/// Four consumers in one group on the 3-partition topic `orders`, settled.
fn four_consumers_on_three_partitions() -> Rc<AppState> {
    let mut state = run_for(fresh(), 1_000);
    for name in ["c1", "c2", "c3", "c4"] {
        state = apply(state, add_consumer(name, "g", AssignorName::Range));
    }
    run_for(state, 15_000)
}

fn recorder<T: 'static>() -> (Callback<T>, Rc<RefCell<Vec<T>>>) {
    let seen: Rc<RefCell<Vec<T>>> = Rc::default();
    let sink = seen.clone();
    (Callback::from(move |t| sink.borrow_mut().push(t)), seen)
}

#[wasm_bindgen_test]
async fn a_fourth_consumer_on_three_partitions_is_shown_idle() {
    let state = four_consumers_on_three_partitions();
    let (on_apply, applied) = recorder::<Command>();
    let (on_select, _) = recorder::<Select>();
    let root = root();
    let props = ClientsPanelProps { snapshot: state.snapshot.clone(), selected: None, on_apply, on_select };
    yew::Renderer::<ClientsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;

    assert_eq!(text(&root, "group-g-state"), "Stable");
    assert!(text(&root, "group-g-meta").contains("assignor range"), "{}", text(&root, "group-g-meta"));
    let states: Vec<String> =
        ["c1", "c2", "c3", "c4"].iter().map(|c| text(&root, &format!("consumer-{c}-state"))).collect();
    assert_eq!(states.iter().filter(|s| *s == "idle").count(), 1, "{states:?}");
    assert_eq!(states.iter().filter(|s| *s == "consuming").count(), 3, "{states:?}");
    let idle =
        ["c1", "c2", "c3", "c4"].into_iter().find(|c| text(&root, &format!("consumer-{c}-state")) == "idle").unwrap();
    assert!(text(&root, &format!("consumer-{idle}-idle")).starts_with("idle: more consumers than partitions"));
    assert!(!exists(&root, &format!("consumer-{idle}-partitions")), "an idle consumer has no partitions to list");
    let busy = ["c1", "c2", "c3", "c4"].into_iter().find(|c| *c != idle).unwrap();
    let summary = text(&root, &format!("consumer-{busy}-summary"));
    assert!(summary.starts_with("orders-") && summary.contains("(lag "), "{summary}");
    // Details (member id, position, committed, lag per partition) open on demand.
    assert!(!exists(&root, &format!("consumer-{busy}-partitions")));
    click(&root, &format!("consumer-{busy}-details"));
    settle().await;
    let table = text(&root, &format!("consumer-{busy}-partitions"));
    assert!(table.starts_with("PartitionPositionCommittedLag") && table.contains("orders-"), "{table}");
    assert!(text(&root, &format!("consumer-{busy}")).contains("auto-commit every 5000 ms"));

    // Crash and close send their commands; the difference is spelled out.
    let hint = text(&root, "group-g-crash-vs-close");
    assert!(
        hint.contains("Crash: no LeaveGroup, so a crashed member's partitions wait for session.timeout.ms (45 s)"),
        "{hint}"
    );
    assert!(hint.contains("Close: LeaveGroup, so the group rebalances at once"), "{hint}");
    click(&root, &format!("consumer-{busy}-crash"));
    click(&root, &format!("consumer-{idle}-close"));
    assert_eq!(
        *applied.borrow(),
        vec![Command::CrashConsumer { consumer: busy.into() }, Command::CloseConsumer { consumer: idle.into() }]
    );

    // The producer card: delivery numbers and its buttons.
    assert_eq!(text(&root, "producer-checkout-state"), "running");
    assert!(text(&root, "producer-checkout-workload").starts_with("→ orders · 5 records/s"));
    click(&root, "producer-checkout-pause");
    assert_eq!(applied.borrow().last(), Some(&Command::PauseProducer { producer: "checkout".into() }));
}

#[wasm_bindgen_test]
async fn a_crashed_member_is_shown_holding_its_partitions_until_its_session_expires() {
    let state = four_consumers_on_three_partitions();
    let victim = state
        .snapshot
        .consumers
        .iter()
        .find(|c| !c.consumer.assignment.is_empty())
        .map(|c| c.consumer.name.clone())
        .unwrap();
    let state = run_for(apply(state, Command::CrashConsumer { consumer: victim.clone() }), 2_000);
    let (on_apply, _) = recorder::<Command>();
    let (on_select, _) = recorder::<Select>();
    let root = root();
    let props = ClientsPanelProps { snapshot: state.snapshot.clone(), selected: None, on_apply, on_select };
    yew::Renderer::<ClientsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(text(&root, &format!("consumer-{victim}-state")), "crashed");
    let group = text(&root, "group-g");
    assert!(group.contains(&format!("{victim} is gone but still a member")), "{group}");
    assert!(group.contains("until its session expires in"), "{group}");
}

#[wasm_bindgen_test]
async fn the_code_toggle_shows_the_client_config_in_c_sharp_and_java() {
    let state = apply(run_for(fresh(), 500), add_consumer("c1", "billing", AssignorName::CooperativeSticky));
    let state = run_for(state, 6_000);
    let (on_apply, _) = recorder::<Command>();
    let (on_select, selected) = recorder::<Select>();
    let root = root();
    let props =
        ClientsPanelProps { snapshot: state.snapshot.clone(), selected: Some("c1".into()), on_apply, on_select };
    yew::Renderer::<ClientsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(find(&root, "consumer-c1").class_list().contains("selected"));
    assert!(!exists(&root, "consumer-c1-code-view"));
    click(&root, "consumer-c1-code");
    settle().await;
    let cs = text(&root, "consumer-c1-code-view");
    assert!(cs.contains("GroupId = \"billing\","), "{cs}");
    assert!(cs.contains("PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,"), "{cs}");
    let java_button = all(&find(&root, "consumer-c1-code-view"), "button")
        .into_iter()
        .find(|b| b.text_content().as_deref() == Some("Java"))
        .unwrap();
    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(java_button).unwrap().click();
    settle().await;
    let java = text(&root, "consumer-c1-code-view");
    assert!(java.contains("group.id=billing"), "{java}");
    // The producer's code too.
    click(&root, "producer-checkout-code");
    settle().await;
    assert!(text(&root, "producer-checkout-code-view").contains("Acks = Acks.All,"));
    // Clicking a client's name selects it.
    let name = all(&find(&root, "consumer-c1"), "button.client-name").remove(0);
    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(name).unwrap().click();
    assert_eq!(*selected.borrow(), vec![Select::Client("c1".into())]);
}

#[wasm_bindgen_test]
async fn the_event_log_filtered_by_broker_shows_only_that_broker_s_events() {
    let state = run_for(fresh(), 3_000);
    let state = run_for(apply(state, Command::KillBroker { broker: 3 }), 12_000);
    let (on_select, selected) = recorder::<Select>();
    let root = root();
    let props = EventLogProps {
        snapshot: state.snapshot.clone(),
        events: state.events.clone(),
        notable: state.events.notable(),
        on_select,
        history: state.history.clone(),
    };
    yew::Renderer::<EventLog>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let rows = |root: &web_sys::Element| all(root, "li.event-row");
    let notable = rows(&root);
    assert!(!notable.is_empty());
    let first = notable[0].text_content().unwrap_or_default();
    assert!(first.starts_with("t="), "{first}");
    // Notable only (the default) leaves out appends; turning it off lets them in.
    assert!(!notable.iter().any(|r| r.text_content().unwrap_or_default().contains("appended at")));
    click(&root, "event-filter-notable");
    settle().await;
    assert!(rows(&root).iter().any(|r| r.text_content().unwrap_or_default().contains("appended at")));

    choose(&root, "event-filter-broker", "3");
    settle().await;
    let only_3 = rows(&root);
    assert!(!only_3.is_empty());
    for row in &only_3 {
        let brokers = row.get_attribute("data-brokers").unwrap_or_default();
        assert!(brokers.split(',').any(|b| b == "3"), "{brokers}: {:?}", row.text_content());
    }
    assert!(only_3.iter().any(|r| r.text_content().unwrap_or_default().contains("broker 3 crashed")));

    // Topic and partition narrow it further; clicking a row selects its partition.
    choose(&root, "event-filter-broker", "");
    choose(&root, "event-filter-topic", "orders");
    settle().await;
    choose(&root, "event-filter-partition", "1");
    settle().await;
    let partition_1 = rows(&root);
    assert!(!partition_1.is_empty());
    assert!(partition_1.iter().all(|r| r.text_content().unwrap_or_default().contains("orders-1")));
    let button = all(&partition_1[0], "button").remove(0);
    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(button).unwrap().click();
    assert_eq!(
        *selected.borrow(),
        vec![Select::Partition(kafka_playground::engine::ids::TopicPartition::new("orders", 1))]
    );
}

/// The clients panel is a function (the app draws it through `ui::memo`): mounted alone here.
#[yew::function_component(ClientsPanel)]
fn clients(props: &ClientsPanelProps) -> yew::Html {
    clients_panel(props)
}

/// The event log is a function with a hook (the app draws it through `ui::memo`): mounted alone here.
#[yew::function_component(EventLog)]
fn events(props: &EventLogProps) -> yew::Html {
    let state = use_event_log(props);
    event_log(props, &state)
}

/// The metrics panel is a function (the event log's component draws it): mounted alone here.
#[yew::function_component(Metrics)]
fn metrics(props: &MetricsPanelProps) -> yew::Html {
    metrics_panel(props)
}

#[wasm_bindgen_test]
async fn the_metrics_panel_names_every_metric_as_kafka_does_and_the_lag_chart_draws_each_group() {
    let mut state = run_for(fresh(), 1_000);
    state = apply(state, add_consumer("a1", "alpha", AssignorName::Range));
    state = apply(state, add_consumer("b1", "beta", AssignorName::Range));
    let state = run_for(state, 20_000);
    let root = root();
    let props = MetricsPanelProps { snapshot: state.snapshot.clone(), history: state.history.clone() };
    yew::Renderer::<Metrics>::with_root_and_props(root.clone(), props).render();
    settle().await;
    for name in [
        "UnderReplicatedPartitions",
        "OfflinePartitionsCount",
        "MessagesInPerSec",
        "BytesInPerSec",
        "FailedProduceRequestsPerSec",
        "IsrShrinksPerSec",
        "IsrExpandsPerSec",
        "LeaderElectionRateAndTimeMs",
        "UncleanLeaderElectionsPerSec",
        "records-lag-max",
    ] {
        assert!(exists(&root, &format!("metric-{name}")), "{name} is shown");
    }
    assert_eq!(text(&root, "metric-UnderReplicatedPartitions"), "0");
    let rate = text(&root, "metric-MessagesInPerSec");
    assert!(rate.ends_with("/s") && rate != "0/s", "records flow: {rate}");

    // The lag chart is drawn below the metrics.
    let chart_root = root;
    let lines = all(&find(&chart_root, "lag-svg"), "polyline.lag-line");
    assert_eq!(lines.len(), 2, "one line per group");
    let dashes: Vec<Option<String>> = lines.iter().map(|l| l.get_attribute("stroke-dasharray")).collect();
    assert_ne!(dashes[0], dashes[1], "lines differ by dash pattern, not only by colour");
    let summary = text(&chart_root, "lag-summary");
    assert!(summary.contains("alpha: lag ") && summary.contains("beta: lag "), "{summary}");
    assert_eq!(find(&chart_root, "lag-svg").get_attribute("aria-labelledby").as_deref(), Some("lag-title lag-summary"));
}

#[wasm_bindgen_test]
async fn the_send_form_produces_one_hand_written_record_with_headers() {
    let state = run_for(fresh(), 500);
    let (on_apply, applied) = recorder::<Command>();
    let (on_select, _) = recorder::<Select>();
    let root = root();
    let props = ClientsPanelProps { snapshot: state.snapshot.clone(), selected: None, on_apply, on_select };
    yew::Renderer::<ClientsPanel>::with_root_and_props(root.clone(), props).render();
    settle().await;
    click(&root, "producer-checkout-produce");
    settle().await;
    super::type_into(&root, "produce-checkout-record-partition", "7");
    super::type_into(&root, "produce-checkout-record-key", "customer-1");
    super::type_into(&root, "produce-checkout-record-value", "{\"total\": 12}");
    click(&root, "produce-checkout-add-header");
    settle().await;
    super::type_into(&root, "produce-checkout-headers-1-value", "web");
    settle().await;
    click(&root, "produce-checkout-submit");
    settle().await;
    assert!(applied.borrow().is_empty(), "nothing sent: {:?}", applied.borrow());
    assert_eq!(text(&root, "produce-checkout-record-partition-error"), "orders has partitions 0 to 2");
    assert_eq!(text(&root, "produce-checkout-headers-1-key-error"), "name the header");
    super::type_into(&root, "produce-checkout-record-partition", "");
    super::type_into(&root, "produce-checkout-headers-1-key", "source");
    settle().await;
    click(&root, "produce-checkout-submit");
    settle().await;
    let applied = applied.borrow();
    let [Command::Produce { producer, record }] = applied.as_slice() else { panic!("one Produce: {applied:?}") };
    assert_eq!(producer, "checkout");
    assert_eq!(record.topic, "orders");
    assert_eq!(record.partition, None, "empty: the partitioner picks");
    assert_eq!(record.key.as_ref().map(|k| k.as_bytes().to_vec()), Some(b"customer-1".to_vec()));
    assert_eq!(record.value.as_ref().map(|v| v.as_bytes().to_vec()), Some(b"{\"total\": 12}".to_vec()));
    assert_eq!(record.headers.len(), 1);
    assert_eq!(record.headers[0].key, "source");
    assert_eq!(record.headers[0].value.as_ref().map(|v| v.as_bytes().to_vec()), Some(b"web".to_vec()));
    assert_eq!(text(&root, "produce-checkout-done"), "Sent to orders.");
}
