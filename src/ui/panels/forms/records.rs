//! DeleteRecords (`kafka-delete-records`): move a partition's log start
//! offset forward; records before it are gone.

use yew::prelude::*;

use crate::engine::command::Command;
use crate::engine::ids::TopicPartition;
use crate::ui::panels::form::{self, FormHandle, Parse, Select, Text};
use crate::ui::panels::{FormDef, FormProps};

const ID: &str = "delete-records";

/// The engine names `tp` for a partition that does not exist or has no leader.
const ALIASES: &[(&str, &str)] = &[("tp", "tp.partition")];

pub static DELETE_RECORDS_FORM: FormDef = FormDef {
    init: |_| vec![("tp.topic", String::new()), ("tp.partition", "0".into()), ("before_offset", String::new())],
    view: delete_records_form,
};

fn delete_records_form(props: &FormProps, form: FormHandle) -> Html {
    let topics = props.options.topic_options();
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let topic = form::selected(form.value("tp.topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("tp.topic", "create a topic first");
            }
            let partition = p.int::<i32>("tp.partition");
            let before_offset = p.int::<i64>("before_offset");
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let tp = TopicPartition::new(topic, partition);
            let message = if before_offset == -1 {
                format!("{tp}: records below the high watermark deleted.")
            } else {
                format!("{tp}: records before offset {before_offset} deleted.")
            };
            form::apply(&form, &on_apply, Command::DeleteRecords { tp, before_offset }, message, vec![], ALIASES);
        })
    };
    html! {
        <form class="action-form" data-testid={ID} onsubmit={onsubmit} novalidate=true aria-label="Delete records">
            <div class="field-pair">
                { Select { name: "tp.topic", label: "Topic", hint: None, options: topics }.render(&form, ID) }
                { Text { name: "tp.partition", label: "Partition", inputmode: Some("numeric"), ..Text::default() }.render(&form, ID) }
            </div>
            { Text { name: "before_offset", label: "Delete records before offset", inputmode: Some("numeric"),
                     hint: Some("The new log start offset; -1 means the high watermark.".into()), ..Text::default() }.render(&form, ID) }
            { form::footer(&form, ID, "Delete records") }
        </form>
    }
}
