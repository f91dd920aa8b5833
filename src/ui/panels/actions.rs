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
use super::{ActionsPanelProps, FormProps};

/// One form's disclosure (one function: inlined, thirteen copies of this markup were wasm bytes).
#[inline(never)]
fn section(id: &'static str, title: &'static str, open: bool, body: Html) -> Html {
    html! {
        <details class="action" data-testid={format!("action-{id}")} {open}>
            <summary>{ title }</summary>
            { body }
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
            { section("add-consumer", "Add a consumer", true,
                html! { <ActionForm def={&ADD_CONSUMER_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("add-fault", "Network faults (drop, delay, partition)", false,
                html! { <ActionForm def={&FAULT_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("add-producer", "Add a producer", false,
                html! { <ActionForm def={&ADD_PRODUCER_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("set-workload", "Change a producer's workload", false,
                html! { <ActionForm def={&WORKLOAD_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("create-topic", "Create a topic", false,
                html! { <ActionForm def={&CREATE_TOPIC_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("add-partitions", "Add partitions", false,
                html! { <ActionForm def={&ADD_PARTITIONS_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("alter-config", "Alter a topic's config", false,
                html! { <ActionForm def={&ALTER_CONFIG_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("delete-topic", "Delete a topic", false,
                html! { <ActionForm def={&DELETE_TOPIC_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("seek", "Seek a consumer", false,
                html! { <ActionForm def={&SEEK_FORM} options={options.clone()} snapshot={props.snapshot.clone()} on_apply={on_apply.clone()} /> }) }
            { section("reset-offsets", "Reset a group's offsets", false,
                html! { <ActionForm def={&RESET_OFFSETS_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("delete-records", "Delete records", false,
                html! { <ActionForm def={&DELETE_RECORDS_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("add-broker", "Add a broker", false,
                html! { <ActionForm def={&ADD_BROKER_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
            { section("remove-broker", "Remove a broker", false,
                html! { <ActionForm def={&REMOVE_BROKER_FORM} options={options.clone()} on_apply={on_apply.clone()} /> }) }
        </section>
    }
}
