//! The browser app (Yew). A first, minimal screen: write records by hand and
//! see their size in Kafka's v2 format, computed by the engine as you type.
//!
//! `state` holds the one reducer; the components here only render it and
//! turn input into `Action`s. The `data-testid`s are what the browser tests
//! (`tests/wasm`, `tests/e2e`) look for.

mod state;

pub use state::{Action, Draft};

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::record::RECORD_BATCH_OVERHEAD;

#[function_component(App)]
pub fn app() -> Html {
    let draft = use_reducer(Draft::default);
    let dispatch = |make: fn(String) -> Action| {
        let draft = draft.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.dispatch(make(input.value()));
        })
    };
    let on_key = dispatch(Action::SetKey);
    let on_value = dispatch(Action::SetValue);
    let on_append = {
        let draft = draft.dispatcher();
        Callback::from(move |_| draft.dispatch(Action::Append))
    };
    let on_clear = {
        let draft = draft.dispatcher();
        Callback::from(move |_| draft.dispatch(Action::Clear))
    };

    html! {
        <main class="app" data-testid="app">
            <header>
                <h1>{ "Kafka playground" }</h1>
                <p class="tagline">{ "A Kafka cluster you can hold in your hand. Coming soon: brokers, replicas and consumer groups. For now, write records and watch their size." }</p>
            </header>
            <section class="card">
                <h2>{ "A record" }</h2>
                <label>{ "key" }
                    <input data-testid="record-key" placeholder="null" value={draft.key.clone()} oninput={on_key} />
                </label>
                <label>{ "value" }
                    <input data-testid="record-value" value={draft.value.clone()} oninput={on_value} />
                </label>
                <p>{ "Size on the wire: " }<strong data-testid="record-size">{ format!("{} bytes", draft.record().size_in_bytes()) }</strong></p>
                <button data-testid="append-record" onclick={on_append}>{ "Append to batch" }</button>
            </section>
            <BatchView draft={(*draft).clone()} {on_clear} />
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct BatchViewProps {
    draft: Draft,
    on_clear: Callback<MouseEvent>,
}

#[function_component(BatchView)]
fn batch_view(props: &BatchViewProps) -> Html {
    let batch = props.draft.batch();
    html! {
        <section class="card">
            <h2>{ "The batch" }</h2>
            <p>
                <strong data-testid="batch-count">{ records_label(batch.record_count()) }</strong>
                { ", " }
                <strong data-testid="batch-size">{ format!("{} bytes", batch.size_in_bytes()) }</strong>
                { format!(" ({RECORD_BATCH_OVERHEAD}-byte header included)") }
            </p>
            <ol data-testid="batch-records" start="0">
                { for batch.records.iter().map(|r| html! {
                    <li>
                        <code>{ r.key.as_ref().map_or("null".to_string(), |k| k.to_text_lossy()) }</code>
                        { " → " }
                        <code>{ r.value.as_ref().map_or("null".to_string(), |v| v.to_text_lossy()) }</code>
                        { format!(" ({} bytes)", r.size_in_bytes()) }
                    </li>
                }) }
            </ol>
            <button data-testid="clear-batch" onclick={props.on_clear.clone()}>{ "Clear" }</button>
        </section>
    }
}

fn records_label(count: u32) -> String {
    if count == 1 {
        "1 record".to_string()
    } else {
        format!("{count} records")
    }
}
