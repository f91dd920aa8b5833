//! Seek a consumer on one of its partitions (`seekToBeginning`, `seekToEnd`,
//! `offsetsForTimes` + `seek`, `seek(offset)`); the offset is read from the
//! snapshot (`model::seek_offset`) and sent as `Command::Seek`.

use yew::prelude::*;

use crate::engine::command::{Command, OffsetResetSpec};
use crate::engine::ids::TopicPartition;
use crate::engine::snapshot::ClusterSnapshot;
use crate::ui::model;
use crate::ui::panels::form::{self, FormHandle, Parse, Select, Text};
use crate::ui::panels::{options, FormDef, FormProps};

const ID: &str = "seek";

/// Whether the consumer reads only committed records (`isolation.level=read_committed`).
fn read_committed(snap: &ClusterSnapshot, consumer: &str) -> bool {
    use crate::engine::config::IsolationLevel;
    snap.consumers
        .iter()
        .find(|c| c.consumer.name == consumer)
        .is_some_and(|c| c.consumer.config.isolation_level == IsolationLevel::ReadCommitted)
}

/// Drawn with `FormProps::snapshot` set: for the consumers' assignments and the offsets to seek to.
pub static SEEK_FORM: FormDef = FormDef {
    init: |_| {
        vec![("consumer", String::new()), ("tp", String::new()), ("to", "earliest".into()), ("value", String::new())]
    },
    view: seek_form,
};

fn seek_form(props: &FormProps, form: FormHandle) -> Html {
    let Some(snap) = &props.snapshot else { return Html::default() };
    let consumers = options::same(snap.consumers.iter().filter(|c| c.status.is_up()).map(|c| c.consumer.name.clone()));
    let consumer = form::selected(form.value("consumer"), &consumers);
    let assigned: Vec<(String, String)> = snap
        .consumers
        .iter()
        .find(|c| Some(&c.consumer.name) == consumer.as_ref())
        .map(|c| c.consumer.assignment.iter().map(|tp| (tp.to_string(), tp.to_string())).collect())
        .unwrap_or_default();
    let to = form.value("to").to_string();
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let snapshot = snap.clone();
        let (consumers, assigned) = (consumers.clone(), assigned.clone());
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let consumer = form::selected(form.value("consumer"), &consumers).unwrap_or_default();
            if consumer.is_empty() {
                p.fail("consumer", "no running consumer: add one first");
            }
            let tp = form::selected(form.value("tp"), &assigned).and_then(|t| {
                let (topic, partition) = t.rsplit_once('-')?;
                Some(TopicPartition::new(topic, partition.parse().ok()?))
            });
            if tp.is_none() && !consumer.is_empty() {
                p.fail("tp", "the consumer has no partitions assigned yet");
            }
            let spec = match p.text("to").as_str() {
                "latest" => OffsetResetSpec::Latest,
                "timestamp" => OffsetResetSpec::Timestamp { timestamp: p.int("value") },
                "offset" => OffsetResetSpec::Offset { offset: p.int("value") },
                _ => OffsetResetSpec::Earliest,
            };
            let offset = match &tp {
                Some(tp) => model::seek_offset(&snapshot, tp, &spec, read_committed(&snapshot, &consumer))
                    .unwrap_or_else(|m| {
                        p.fail("to", m);
                        0
                    }),
                None => 0,
            };
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let Some(tp) = tp else { return };
            let message = format!("{consumer} will read {tp} from offset {offset}.");
            form::apply(
                &form,
                &on_apply,
                Command::Seek { consumer, tp, offset },
                message,
                vec![],
                &[("offset", "value")],
            );
        })
    };
    let value_label = if to == "timestamp" { "Timestamp (ms of simulated time)" } else { "Offset" };
    html! {
        <form class="action-form" data-testid={ID} onsubmit={onsubmit} novalidate=true aria-label="Seek a consumer">
            <div class="field-pair">
                { Select { name: "consumer", label: "Consumer", hint: None, options: consumers }.render(&form, ID) }
                { Select { name: "tp", label: "Partition (assigned to it)", hint: None, options: assigned }.render(&form, ID) }
            </div>
            { Select { name: "to", label: "Seek to", hint: None,
                       options: options::fixed(&[("earliest", "earliest (log start)"), ("latest", "latest (high watermark)"),
                                                 ("timestamp", "the first record at or after a time"), ("offset", "an offset")]) }
                .render(&form, ID) }
            if to == "timestamp" || to == "offset" {
                { Text { name: "value", label: value_label, inputmode: Some("numeric"), ..Text::default() }.render(&form, ID) }
            }
            <p class="hint">{ "The consumer's position moves at once; its group's committed offset moves with its next commit." }</p>
            { form::footer(&form, ID, "Seek") }
        </form>
    }
}
