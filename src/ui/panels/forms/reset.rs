//! Reset a group's committed offsets on a topic
//! (`kafka-consumer-groups --reset-offsets --to-earliest | --to-latest |
//! --to-datetime | --to-offset`). Kafka refuses while the group has members.

use yew::prelude::*;

use crate::engine::command::{Command, OffsetResetSpec};
use crate::ui::panels::form::{self, FormHandle, Parse, Select, Text};
use crate::ui::panels::{options, FormDef, FormProps};

const ID: &str = "reset-offsets";

pub static RESET_OFFSETS_FORM: FormDef = FormDef {
    init: |_| {
        vec![
            ("group", String::new()),
            ("topic", String::new()),
            ("spec.to", "earliest".into()),
            ("spec.value", String::new()),
        ]
    },
    view: reset_offsets_form,
};

fn reset_offsets_form(props: &FormProps, form: FormHandle) -> Html {
    let groups = options::same(props.options.groups.iter().cloned());
    let topics = props.options.topic_options();
    let to = form.value("spec.to").to_string();
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let (groups, topics) = (groups.clone(), topics.clone());
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let group = form::selected(form.value("group"), &groups).unwrap_or_default();
            if group.is_empty() {
                p.fail("group", "no group yet: add a consumer first");
            }
            let topic = form::selected(form.value("topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("topic", "create a topic first");
            }
            let spec = match p.text("spec.to").as_str() {
                "latest" => OffsetResetSpec::Latest,
                "timestamp" => OffsetResetSpec::Timestamp { timestamp: p.int("spec.value") },
                "offset" => OffsetResetSpec::Offset { offset: p.int("spec.value") },
                _ => OffsetResetSpec::Earliest,
            };
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let message = format!("Group {group} reset on {topic}.");
            form::apply(&form, &on_apply, Command::ResetGroupOffsets { group, topic, spec }, message, vec![], &[]);
        })
    };
    let value_label = if to == "timestamp" { "Timestamp (ms of simulated time)" } else { "Offset (every partition)" };
    html! {
        <form class="action-form" data-testid={ID} onsubmit={onsubmit} novalidate=true aria-label="Reset a group's offsets">
            <div class="field-pair">
                { Select { name: "group", label: "Group", hint: None, options: groups }.render(&form, ID) }
                { Select { name: "topic", label: "Topic", hint: None, options: topics }.render(&form, ID) }
            </div>
            { Select { name: "spec.to", label: "Reset to", hint: None,
                       options: options::fixed(&[("earliest", "earliest (log start)"), ("latest", "latest (high watermark)"),
                                                 ("timestamp", "the first record at or after a time"), ("offset", "an offset")]) }
                .render(&form, ID) }
            if to == "timestamp" || to == "offset" {
                { Text { name: "spec.value", label: value_label, inputmode: Some("numeric"), ..Text::default() }.render(&form, ID) }
            }
            <p class="hint">{ "Kafka resets only a group without active members: close its consumers (or wait for crashed ones' sessions to expire) first." }</p>
            { form::footer(&form, ID, "Reset offsets") }
        </form>
    }
}
