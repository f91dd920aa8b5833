//! The actions panel: forms that build commands, each in a disclosure
//! (`<details>`, keyboard-operable) so the panel stays short.

use std::rc::Rc;

use yew::prelude::*;

use super::form;
use super::forms::{
    ADD_BROKER_FORM, ADD_CONSUMER_FORM, ADD_PARTITIONS_FORM, ADD_PRODUCER_FORM, ALTER_CONFIG_FORM, CREATE_TOPIC_FORM,
    DELETE_RECORDS_FORM, DELETE_TOPIC_FORM, FAULT_FORM, REMOVE_BROKER_FORM, RESET_OFFSETS_FORM, SEEK_FORM,
    WORKLOAD_FORM,
};
use super::options::FormOptions;
use super::{ActionsPanelProps, ApplyThen, FormDef, FormProps};
use crate::engine::snapshot::ClusterSnapshot;
use crate::ui::state::Shared;

/// One form's disclosure and the form (one function: inlined, thirteen
/// copies of this markup and of the form's props were wasm bytes).
#[inline(never)]
fn section(
    (id, title, open): (&'static str, &'static str, bool),
    def: &'static FormDef,
    options: &Rc<FormOptions>,
    snapshot: Option<Shared<ClusterSnapshot>>,
    on_apply: &ApplyThen,
) -> Html {
    html! {
        <details class="action" data-testid={format!("action-{id}")} {open}>
            <summary>{ title }</summary>
            <ActionForm {def} options={options.clone()} {snapshot} on_apply={on_apply.clone()} />
        </details>
    }
}

/// Any form of the panel: its values (one `use_reducer`), drawn by its `FormDef`.
#[function_component(ActionForm)]
fn action_form(props: &FormProps) -> Html {
    let form = {
        let (init, options) = (props.def.init, props.options.clone());
        form::use_form(move || init(&options))
    };
    (props.def.view)(props, form)
}

/// Forms that build commands (add broker / topic / producer / consumer, reset offsets, delete records...).
/// A function, not a component: the app redraws it with every snapshot.
pub fn actions_panel(props: &ActionsPanelProps) -> Html {
    let on_apply = &props.on_apply;
    // Not throttled: a form's suggestions (the next free client name, a new
    // topic) must be current the moment a command went through. Cheap to
    // compute, and compared by value, so the forms re-render only when they change.
    let options = Rc::new(FormOptions::of(&props.snapshot));
    html! {
        <section class="panel actions-panel" aria-labelledby="actions-title" data-testid="actions-panel">
            <h2 id="actions-title">{ "Actions" }</h2>
            <p class="hint">{ "Kill, stop, restart, isolate or slow a broker from its card in the cluster view; pause, close or crash a client from the clients panel." }</p>
            { section(("add-consumer", "Add a consumer", true), &ADD_CONSUMER_FORM, &options, None, on_apply) }
            { section(("add-fault", "Network faults (drop, delay, partition)", false), &FAULT_FORM, &options, None, on_apply) }
            { section(("add-producer", "Add a producer", false), &ADD_PRODUCER_FORM, &options, None, on_apply) }
            { section(("set-workload", "Change a producer's workload", false), &WORKLOAD_FORM, &options, None, on_apply) }
            { section(("create-topic", "Create a topic", false), &CREATE_TOPIC_FORM, &options, None, on_apply) }
            { section(("add-partitions", "Add partitions", false), &ADD_PARTITIONS_FORM, &options, None, on_apply) }
            { section(("alter-config", "Alter a topic's config", false), &ALTER_CONFIG_FORM, &options, None, on_apply) }
            { section(("delete-topic", "Delete a topic", false), &DELETE_TOPIC_FORM, &options, None, on_apply) }
            { section(("seek", "Seek a consumer", false), &SEEK_FORM, &options, Some(props.snapshot.clone()), on_apply) }
            { section(("reset-offsets", "Reset a group's offsets", false), &RESET_OFFSETS_FORM, &options, None, on_apply) }
            { section(("delete-records", "Delete records", false), &DELETE_RECORDS_FORM, &options, None, on_apply) }
            { section(("add-broker", "Add a broker", false), &ADD_BROKER_FORM, &options, None, on_apply) }
            { section(("remove-broker", "Remove a broker", false), &REMOVE_BROKER_FORM, &options, None, on_apply) }
        </section>
    }
}
