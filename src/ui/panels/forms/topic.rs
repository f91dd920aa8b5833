//! Create a topic (partitions, replication factor, retention, segment size,
//! cleanup policy, min.insync.replicas); add partitions to one.

use yew::prelude::*;

use crate::engine::command::Command;
use crate::engine::config::{CleanupPolicy, TopicConfig};
use crate::engine::read::FromJson;
use crate::ui::panels::form::{self, FormHandle, Parse, Select, Text};
use crate::ui::panels::options::{self, FormOptions};
use crate::ui::panels::{FormDef, FormProps};

const CREATE: &str = "create-topic";
const ADD_PARTITIONS: &str = "add-partitions";

pub static CREATE_TOPIC_FORM: FormDef = FormDef { init: create_topic_values, view: create_topic_form };

fn create_topic_values(options: &FormOptions) -> Vec<(&'static str, String)> {
    let brokers = options.brokers.len().clamp(1, 3);
    let d = TopicConfig::default();
    vec![
        ("name", String::new()),
        ("partitions", "3".into()),
        ("replication_factor", brokers.to_string()),
        ("config.retention.ms", d.retention_ms.to_string()),
        ("config.retention.bytes", d.retention_bytes.to_string()),
        ("config.segment.bytes", d.segment_bytes.to_string()),
        ("config.cleanup.policy", d.cleanup_policy.as_str().into()),
        ("config.min.insync.replicas", d.min_insync_replicas.to_string()),
    ]
}

fn create_topic_form(props: &FormProps, form: FormHandle) -> Html {
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let name = p.required("name", "a topic name");
            let partitions = p.int::<i32>("partitions");
            let replication_factor = p.optional_int::<i32>("replication_factor");
            let config = TopicConfig {
                retention_ms: p.int("config.retention.ms"),
                retention_bytes: p.int("config.retention.bytes"),
                segment_bytes: p.int("config.segment.bytes"),
                cleanup_policy: CleanupPolicy::parse(&p.text("config.cleanup.policy")).unwrap_or_default(),
                min_insync_replicas: p.int("config.min.insync.replicas"),
                ..TopicConfig::default()
            };
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let message = format!("Topic {name} created.");
            let command =
                Command::CreateTopic { name, partitions, replication_factor, replica_assignment: None, config };
            form::apply(&form, &on_apply, command, message, vec![("name".into(), String::new())], &[]);
        })
    };
    let numeric = Some("numeric");
    html! {
        <form class="action-form" data-testid={CREATE} onsubmit={onsubmit} novalidate=true aria-label="Create a topic">
            { Text { name: "name", label: "Name", placeholder: Some("e.g. payments".into()),
                     hint: Some("Letters, digits, '.', '_' and '-'.".into()), ..Text::default() }.render(&form, CREATE) }
            <div class="field-pair">
                { Text { name: "partitions", label: "Partitions", inputmode: numeric, ..Text::default() }.render(&form, CREATE) }
                { Text { name: "replication_factor", label: "Replication factor", inputmode: numeric,
                         placeholder: Some("broker default".into()), ..Text::default() }.render(&form, CREATE) }
            </div>
            { Text { name: "config.retention.ms", label: "retention.ms", inputmode: numeric,
                     hint: Some("Closed segments older than this are deleted; -1 keeps them forever. Default 604800000 (7 days).".into()),
                     ..Text::default() }.render(&form, CREATE) }
            { Text { name: "config.retention.bytes", label: "retention.bytes", inputmode: numeric,
                     hint: Some("Per partition; -1: no size limit.".into()), ..Text::default() }.render(&form, CREATE) }
            { Text { name: "config.segment.bytes", label: "segment.bytes", inputmode: numeric,
                     hint: Some("Retention and compaction work on whole closed segments. Default 1073741824.".into()),
                     ..Text::default() }.render(&form, CREATE) }
            <div class="field-pair">
                { Select { name: "config.cleanup.policy", label: "cleanup.policy", hint: None,
                           options: options::fixed(&[("delete", "delete"), ("compact", "compact"), ("compact,delete", "compact,delete")]) }
                    .render(&form, CREATE) }
                { Text { name: "config.min.insync.replicas", label: "min.insync.replicas", inputmode: numeric,
                         ..Text::default() }.render(&form, CREATE) }
            </div>
            { form::footer(&form, CREATE, "Create topic") }
        </form>
    }
}

pub static ADD_PARTITIONS_FORM: FormDef =
    FormDef { init: |_| vec![("topic", String::new()), ("total", String::new())], view: add_partitions_form };

fn add_partitions_form(props: &FormProps, form: FormHandle) -> Html {
    let topics = props.options.topic_options();
    let topic = form::selected(form.value("topic"), &topics);
    let now = topic.as_deref().and_then(|t| props.options.partitions_of(t));
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let topic = form::selected(form.value("topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("topic", "create a topic first");
            }
            let total = p.int::<i32>("total");
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let message = format!("{topic} now has {total} partitions.");
            form::apply(&form, &on_apply, Command::AddPartitions { topic, total }, message, vec![], &[]);
        })
    };
    let hint = now.map(|n| {
        format!("It has {n} now. Partitions can only be added; keyed records may then map to other partitions.")
    });
    html! {
        <form class="action-form" data-testid={ADD_PARTITIONS} onsubmit={onsubmit} novalidate=true aria-label="Add partitions">
            { Select { name: "topic", label: "Topic", hint: None, options: topics }.render(&form, ADD_PARTITIONS) }
            { Text { name: "total", label: "New partition count", inputmode: Some("numeric"),
                     placeholder: now.map(|n| (n + 1).to_string()), hint, ..Text::default() }.render(&form, ADD_PARTITIONS) }
            { form::footer(&form, ADD_PARTITIONS, "Add partitions") }
        </form>
    }
}

const DELETE: &str = "delete-topic";

pub static DELETE_TOPIC_FORM: FormDef = FormDef { init: |_| vec![("topic", String::new())], view: delete_topic_form };

fn delete_topic_form(props: &FormProps, form: FormHandle) -> Html {
    let topics = props.options.topic_options();
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let topic = form::selected(form.value("topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("topic", "there is no topic to delete");
            }
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let message = format!("Topic {topic} deleted.");
            form::apply(&form, &on_apply, Command::DeleteTopic { topic }, message, vec![], &[]);
        })
    };
    html! {
        <form class="action-form" data-testid={DELETE} onsubmit={onsubmit} novalidate=true aria-label="Delete a topic">
            { Select { name: "topic", label: "Topic", options: topics,
                       hint: Some("Its partitions and records go; producers sending to it get UNKNOWN_TOPIC_OR_PARTITION.".into()) }
                .render(&form, DELETE) }
            { form::footer(&form, DELETE, "Delete topic") }
        </form>
    }
}

const ALTER: &str = "alter-config";

/// A topic's config as Kafka's name → JSON value (`retention.ms` → 604800000).
fn config_map(config: &TopicConfig) -> serde_json::Map<String, serde_json::Value> {
    match crate::engine::json::parse(&crate::engine::write::to_json(config)) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// `kafka-configs --alter --entity-type topics --add-config name=value`: one
/// config by its Kafka name; the rest of the topic's config is kept. An
/// unknown name or a value of the wrong type is refused by the config's own
/// deserializer, an out-of-range value by the engine.
pub static ALTER_CONFIG_FORM: FormDef = FormDef {
    init: |_| vec![("topic", String::new()), ("name", String::new()), ("value", String::new())],
    view: alter_config_form,
};

fn alter_config_form(props: &FormProps, form: FormHandle) -> Html {
    let topics = props.options.topic_options();
    let topic = form::selected(form.value("topic"), &topics);
    let current = topic.as_ref().and_then(|t| props.options.configs.iter().find(|(n, _)| n == t)).map(|(_, c)| c);
    let names: Vec<String> = config_map(&TopicConfig::default()).keys().cloned().collect();
    let now = current.and_then(|c| config_map(c).get(form.value("name").trim()).map(|v| v.to_string()));
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        let configs = props.options.configs.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let topic = form::selected(form.value("topic"), &topics).unwrap_or_default();
            let config = configs.iter().find(|(n, _)| *n == topic).map(|(_, c)| c.clone());
            if config.is_none() {
                p.fail("topic", "create a topic first");
            }
            let name = p.required("name", "a config name such as retention.ms");
            let text = p.required("value", "a value");
            let mut map = config_map(&config.clone().unwrap_or_default());
            let value = crate::engine::json::parse(&text).unwrap_or(serde_json::Value::String(text.clone()));
            map.insert(name.clone(), value);
            let altered = TopicConfig::from_json(&serde_json::Value::Object(map));
            if let Err(e) = &altered {
                let field = if e.message.starts_with("unknown field") { "name" } else { "value" };
                p.fail(field, format!("{name}: {}", e.message));
            }
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let Ok(config) = altered else { return };
            let message = format!("{topic}: {name}={text}.");
            let command = Command::AlterTopicConfig { topic, config };
            form::apply(&form, &on_apply, command, message, vec![], &[("config", "value")]);
        })
    };
    html! {
        <form class="action-form" data-testid={ALTER} onsubmit={onsubmit} novalidate=true aria-label="Alter a topic's config">
            { Select { name: "topic", label: "Topic", hint: None, options: topics }.render(&form, ALTER) }
            <div class="field-pair">
                { Text { name: "name", label: "Config name", list: Some("topic-config-names".into()),
                         placeholder: Some("retention.ms".into()), ..Text::default() }.render(&form, ALTER) }
                { Text { name: "value", label: "New value", hint: now.map(|v| format!("Now {v}.")), ..Text::default() }
                    .render(&form, ALTER) }
            </div>
            <datalist id="topic-config-names">
                { for names.iter().map(|n| html! { <option value={n.clone()} /> }) }
            </datalist>
            { form::footer(&form, ALTER, "Alter config") }
        </form>
    }
}
