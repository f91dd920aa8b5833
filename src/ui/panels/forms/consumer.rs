//! Add a consumer to a group: group.id, the topic it subscribes to, its
//! assignor, how it commits, how long each record takes, and
//! auto.offset.reset.

use yew::prelude::*;

use crate::engine::client::{CommitMode, ConsumerApp, Subscription};
use crate::engine::command::Command;
use crate::engine::config::{AssignorName, AutoOffsetReset, ConsumerConfig};
use crate::ui::panels::form::{self, FormHandle, Parse, Select, Text};
use crate::ui::panels::{options, FormDef, FormProps};

const ID: &str = "add-consumer";

/// `partition.assignment.strategy` choices: Kafka's default list, or one assignor.
const ASSIGNORS: [(&str, &str); 5] = [
    ("default", "range, cooperative-sticky (Kafka's default)"),
    ("range", "range"),
    ("roundrobin", "roundrobin"),
    ("sticky", "sticky"),
    ("cooperative-sticky", "cooperative-sticky"),
];

const COMMIT_MODES: [(&str, &str); 4] = [
    ("auto", "auto-commit (enable.auto.commit=true)"),
    ("sync_after", "commitSync after processing (at-least-once)"),
    ("async_after", "commitAsync after processing"),
    ("sync_before", "commitSync before processing (at-most-once)"),
];

fn assignors(choice: &str) -> Vec<AssignorName> {
    match choice {
        "range" => vec![AssignorName::Range],
        "roundrobin" => vec![AssignorName::RoundRobin],
        "sticky" => vec![AssignorName::Sticky],
        "cooperative-sticky" => vec![AssignorName::CooperativeSticky],
        _ => ConsumerConfig::default().partition_assignment_strategy,
    }
}

fn commit_mode(choice: &str) -> CommitMode {
    match choice {
        "sync_after" => CommitMode::SyncAfterProcessing,
        "async_after" => CommitMode::AsyncAfterProcessing,
        "sync_before" => CommitMode::SyncBeforeProcessing,
        _ => CommitMode::Auto,
    }
}

pub static ADD_CONSUMER_FORM: FormDef = FormDef {
    init: |_| {
        vec![
            ("name", String::new()),
            ("config.group.id", String::new()),
            ("app.subscription", String::new()),
            ("config.partition.assignment.strategy", "default".into()),
            ("app.commit_mode", "auto".into()),
            ("app.processing_ms_per_record", "0".into()),
            ("config.auto.offset.reset", "latest".into()),
        ]
    },
    view: add_consumer_form,
};

fn add_consumer_form(props: &FormProps, form: FormHandle) -> Html {
    let topics = props.options.topic_options();
    let groups = props.options.groups.clone();
    let suggested_name = props.options.free_consumer.clone();
    let suggested_group = groups.first().cloned().unwrap_or_else(|| "my-group".to_string());
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        let (suggested_name, suggested_group) = (suggested_name.clone(), suggested_group.clone());
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let name = p.optional_text("name").unwrap_or_else(|| suggested_name.clone());
            let group = p.optional_text("config.group.id").unwrap_or_else(|| suggested_group.clone());
            let topic = form::selected(form.value("app.subscription"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("app.subscription", "create a topic first");
            }
            let processing_ms_per_record = p.int::<i64>("app.processing_ms_per_record");
            let mode = commit_mode(&p.text("app.commit_mode"));
            let auto_offset_reset = match p.text("config.auto.offset.reset").as_str() {
                "earliest" => AutoOffsetReset::Earliest,
                "none" => AutoOffsetReset::None,
                _ => AutoOffsetReset::Latest,
            };
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let config = ConsumerConfig {
                client_id: name.clone(),
                group_id: Some(group.clone()),
                auto_offset_reset,
                enable_auto_commit: mode == CommitMode::Auto,
                partition_assignment_strategy: assignors(form.value("config.partition.assignment.strategy")),
                ..ConsumerConfig::default()
            };
            let app = ConsumerApp {
                subscription: Subscription::Subscribe(vec![topic.clone()]),
                processing_ms_per_record,
                commit_mode: mode,
            };
            let message = format!("Consumer {name} joins group {group} on {topic}.");
            form::apply(
                &form,
                &on_apply,
                Command::AddConsumer { name, config, app },
                message,
                vec![("name".into(), String::new())],
                &[],
            );
        })
    };
    let list_id = format!("{ID}-groups");
    html! {
        <form class="action-form" data-testid={ID} onsubmit={onsubmit} novalidate=true aria-label="Add a consumer">
            <div class="field-pair">
                { Text { name: "name", label: "Name", placeholder: Some(suggested_name), ..Text::default() }.render(&form, ID) }
                { Text { name: "config.group.id", label: "group.id", placeholder: Some(suggested_group),
                         list: Some(list_id.clone()), ..Text::default() }.render(&form, ID) }
            </div>
            <datalist id={list_id}>
                { for groups.iter().map(|g| html! { <option value={g.clone()} /> }) }
            </datalist>
            { Select { name: "app.subscription", label: "Subscribe to topic", hint: None, options: topics }.render(&form, ID) }
            { Select { name: "config.partition.assignment.strategy", label: "Assignor (partition.assignment.strategy)",
                       hint: Some("Members of one group must share an assignor.".into()), options: options::fixed(&ASSIGNORS) }
                .render(&form, ID) }
            { Select { name: "app.commit_mode", label: "Commits", hint: None, options: options::fixed(&COMMIT_MODES) }.render(&form, ID) }
            <div class="field-pair">
                { Text { name: "app.processing_ms_per_record", label: "Processing ms per record", inputmode: Some("numeric"),
                         ..Text::default() }.render(&form, ID) }
                { Select { name: "config.auto.offset.reset", label: "auto.offset.reset", hint: None,
                           options: options::fixed(&[("latest", "latest (Kafka's default)"), ("earliest", "earliest"), ("none", "none")]) }
                    .render(&form, ID) }
            </div>
            { form::footer(&form, ID, "Add consumer") }
        </form>
    }
}
