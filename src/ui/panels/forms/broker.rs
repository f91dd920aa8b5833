//! Add a broker (optionally with an id and a rack); remove a stopped one.

use yew::prelude::*;

use crate::engine::command::Command;
use crate::ui::panels::form::{self, FormHandle, Parse, Select, Text};
use crate::ui::panels::{FormDef, FormProps};

const ADD: &str = "add-broker";
const REMOVE: &str = "remove-broker";

pub static ADD_BROKER_FORM: FormDef =
    FormDef { init: |_| vec![("id", String::new()), ("rack", String::new())], view: add_broker_form };

fn add_broker_form(props: &FormProps, form: FormHandle) -> Html {
    let next_id = props.options.brokers.iter().map(|(id, _)| *id).max().unwrap_or(0) + 1;
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let id = p.optional_int::<i32>("id");
            let rack = p.optional_text("rack");
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let message = match id {
                Some(id) => format!("Broker {id} added."),
                None => "Broker added.".to_string(),
            };
            let reset = vec![("id".to_string(), String::new())];
            form::apply(&form, &on_apply, Command::AddBroker { id, rack }, message, reset, &[]);
        })
    };
    html! {
        <form class="action-form" data-testid={ADD} onsubmit={onsubmit} novalidate=true aria-label="Add a broker">
            { Text { name: "id", label: "Broker id", placeholder: Some(format!("{next_id} (next free)")),
                     inputmode: Some("numeric"), ..Text::default() }.render(&form, ADD) }
            { Text { name: "rack", label: "Rack (broker.rack)", placeholder: Some("none".into()),
                     hint: Some("Replicas of a partition are spread over racks.".into()), ..Text::default() }.render(&form, ADD) }
            { form::footer(&form, ADD, "Add broker") }
        </form>
    }
}

/// Decommission a broker that is stopped or crashed.
pub static REMOVE_BROKER_FORM: FormDef =
    FormDef { init: |_| vec![("broker", String::new())], view: remove_broker_form };

fn remove_broker_form(props: &FormProps, form: FormHandle) -> Html {
    let down: Vec<(String, String)> = props
        .options
        .brokers
        .iter()
        .filter(|(_, up)| !up)
        .map(|(id, _)| (id.to_string(), format!("broker {id}")))
        .collect();
    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let down = down.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let Some(choice) = form::selected(form.value("broker"), &down) else {
                p.fail("broker", "stop or kill a broker first");
                return form::refuse(&form, p.finish().err().unwrap_or_default());
            };
            let broker: i32 = choice.parse().unwrap_or_default();
            form::apply(
                &form,
                &on_apply,
                Command::RemoveBroker { broker },
                format!("Broker {broker} removed."),
                vec![],
                &[],
            );
        })
    };
    let hint = down.is_empty().then(|| "Only a stopped or crashed broker can be removed.".to_string());
    html! {
        <form class="action-form" data-testid={REMOVE} onsubmit={onsubmit} novalidate=true aria-label="Remove a broker">
            { Select { name: "broker", label: "Stopped broker", hint, options: down }.render(&form, REMOVE) }
            { form::footer(&form, REMOVE, "Remove broker") }
        </form>
    }
}
