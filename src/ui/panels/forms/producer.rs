//! Add a producer: its application (topic, rate, keys) and its Kafka
//! config (acks, enable.idempotence, linger.ms, batch.size).

use yew::prelude::*;

use crate::engine::client::{KeyPattern, Workload};
use crate::engine::command::Command;
use crate::engine::config::{Acks, ProducerConfig};
use crate::ui::panels::form::{self, Check, FormHandle, Parse, Select, Text};
use crate::ui::panels::{options, FormDef, FormProps};

const ID: &str = "add-producer";

pub static ADD_PRODUCER_FORM: FormDef = FormDef {
    init: |_| {
        let d = ProducerConfig::default();
        vec![
            ("name", String::new()),
            ("workload.topic", String::new()),
            ("workload.rate_per_sec", "5".into()),
            ("workload.key.type", "random".into()),
            ("workload.key.prefix", "key-".into()),
            ("workload.key.cardinality", "8".into()),
            ("config.acks", d.acks.as_str().into()),
            ("config.enable.idempotence", d.enable_idempotence.to_string()),
            ("config.linger.ms", d.linger_ms.to_string()),
            ("config.batch.size", d.batch_size.to_string()),
            ("config.transactional.id", String::new()),
        ]
    },
    view: add_producer_form,
};

fn add_producer_form(props: &FormProps, form: FormHandle) -> Html {
    let topics = props.options.topic_options();
    let suggested = props.options.free_producer.clone();
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        let suggested = suggested.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let name = p.optional_text("name").unwrap_or_else(|| suggested.clone());
            let topic = form::selected(form.value("workload.topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("workload.topic", "create a topic first");
            }
            let rate_per_sec = p.number("workload.rate_per_sec");
            let key = parse_key(&mut p);
            let acks = Acks::parse(&p.text("config.acks")).unwrap_or_default();
            let config = ProducerConfig {
                client_id: name.clone(),
                acks,
                enable_idempotence: p.checked("config.enable.idempotence"),
                linger_ms: p.int("config.linger.ms"),
                batch_size: p.int("config.batch.size"),
                transactional_id: p.optional_text("config.transactional.id"),
                ..ProducerConfig::default()
            };
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let workload = Workload::new(topic.clone(), rate_per_sec, key);
            let message = format!("Producer {name} sends to {topic}.");
            let command = Command::AddProducer { name, config, workload: Some(workload) };
            form::apply(&form, &on_apply, command, message, vec![("name".into(), String::new())], &[]);
        })
    };
    let numeric = Some("numeric");
    html! {
        <form class="action-form" data-testid={ID} onsubmit={onsubmit} novalidate=true aria-label="Add a producer">
            { Text { name: "name", label: "Name", placeholder: Some(suggested), ..Text::default() }.render(&form, ID) }
            <div class="field-pair">
                { Select { name: "workload.topic", label: "Topic", hint: None, options: topics }.render(&form, ID) }
                { Text { name: "workload.rate_per_sec", label: "Records per second", inputmode: Some("decimal"),
                         ..Text::default() }.render(&form, ID) }
            </div>
            { key_fields(&form, ID) }
            <div class="field-pair">
                { Select { name: "config.acks", label: "acks", hint: None,
                           options: options::fixed(&[("all", "all (every in-sync replica)"), ("1", "1 (the leader)"), ("0", "0 (no answer)")]) }
                    .render(&form, ID) }
                { Check { name: "config.enable.idempotence", label: "enable.idempotence",
                          hint: Some("Needs acks=all. Without it a retried batch can be written twice.".into()) }.render(&form, ID) }
            </div>
            <div class="field-pair">
                { Text { name: "config.linger.ms", label: "linger.ms", inputmode: numeric, ..Text::default() }.render(&form, ID) }
                { Text { name: "config.batch.size", label: "batch.size (bytes)", inputmode: numeric, ..Text::default() }.render(&form, ID) }
            </div>
            { Text { name: "config.transactional.id", label: "transactional.id (empty: none)",
                     hint: Some("With one, the workload sends only inside a transaction you begin on the producer's card.".into()),
                     ..Text::default() }.render(&form, ID) }
            { form::footer(&form, ID, "Add producer") }
        </form>
    }
}

/// The workload's key pattern from the `workload.key.*` fields.
pub fn parse_key(p: &mut Parse) -> KeyPattern {
    match p.text("workload.key.type").as_str() {
        "none" => KeyPattern::None,
        "fixed" => KeyPattern::Fixed { key: p.required("workload.key.prefix", "the key") },
        kind => {
            let prefix = p.text("workload.key.prefix");
            let cardinality = p.int::<u32>("workload.key.cardinality");
            if cardinality == 0 {
                // (A parse error, recorded first, is kept.)
                p.fail("workload.key.cardinality", "must be at least 1");
            }
            if kind == "sequential" {
                KeyPattern::Sequential { prefix, cardinality }
            } else {
                KeyPattern::Random { prefix, cardinality }
            }
        }
    }
}

/// The `workload.key.*` fields: pattern, prefix (or the key), cardinality.
pub fn key_fields(form: &FormHandle, id: &str) -> Html {
    let key_type = form.value("workload.key.type").to_string();
    html! {
        <>
            { Select { name: "workload.key.type", label: "Keys", hint: None,
                       options: options::fixed(&[("random", "random key of N"), ("sequential", "N keys in turn"),
                                                 ("fixed", "always one key"), ("none", "null keys")]) }.render(form, id) }
            if key_type != "none" {
                <div class="field-pair">
                    { Text { name: "workload.key.prefix", label: if key_type == "fixed" { "Key" } else { "Key prefix" },
                             ..Text::default() }.render(form, id) }
                    if key_type != "fixed" {
                        { Text { name: "workload.key.cardinality", label: "N (distinct keys)", inputmode: Some("numeric"),
                                 ..Text::default() }.render(form, id) }
                    }
                </div>
            }
        </>
    }
}

const WORKLOAD: &str = "set-workload";

/// Change what a running producer's application sends (`SetWorkload`): topic, rate, keys.
pub static WORKLOAD_FORM: FormDef = FormDef {
    init: |_| {
        vec![
            ("producer", String::new()),
            ("workload.topic", String::new()),
            ("workload.rate_per_sec", "10".into()),
            ("workload.key.type", "random".into()),
            ("workload.key.prefix", "key-".into()),
            ("workload.key.cardinality", "8".into()),
        ]
    },
    view: workload_form,
};

fn workload_form(props: &FormProps, form: FormHandle) -> Html {
    let producers = options::same(props.options.producers.iter().map(|(p, _)| p.clone()));
    let topics = props.options.topic_options();
    let chosen = form::selected(form.value("producer"), &producers);
    let current = props.options.producers.iter().find(|(p, _)| Some(p) == chosen.as_ref()).map(|(_, w)| w.as_ref());
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let (producers, topics) = (producers.clone(), topics.clone());
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let producer = form::selected(form.value("producer"), &producers).unwrap_or_default();
            if producer.is_empty() {
                p.fail("producer", "no running producer: add one first");
            }
            let topic = form::selected(form.value("workload.topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("workload.topic", "create a topic first");
            }
            let rate_per_sec = p.number("workload.rate_per_sec");
            let key = parse_key(&mut p);
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let workload = Workload::new(topic, rate_per_sec, key);
            let message =
                format!("{producer} now sends {}.", crate::ui::panels::producer::workload_line(Some(&workload)));
            form::apply(
                &form,
                &on_apply,
                Command::SetWorkload { producer, workload: Some(workload) },
                message,
                vec![],
                &[],
            );
        })
    };
    let hint = current.map(|w| format!("Now: {}", crate::ui::panels::producer::workload_line(w)));
    html! {
        <form class="action-form" data-testid={WORKLOAD} onsubmit={onsubmit} novalidate=true aria-label="Change a producer's workload">
            { Select { name: "producer", label: "Producer", hint, options: producers }.render(&form, WORKLOAD) }
            <div class="field-pair">
                { Select { name: "workload.topic", label: "Topic", hint: None, options: topics }.render(&form, WORKLOAD) }
                { Text { name: "workload.rate_per_sec", label: "Records per second", inputmode: Some("decimal"),
                         ..Text::default() }.render(&form, WORKLOAD) }
            </div>
            { key_fields(&form, WORKLOAD) }
            { form::footer(&form, WORKLOAD, "Change workload") }
        </form>
    }
}
