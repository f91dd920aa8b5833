//! Save and share a session: export the running scenario with its command
//! log as a JSON file, import one, or put it in a share link (`#s=` and the
//! percent-encoded JSON) that replays the same run when opened. The JSON is
//! a scenario file (`scenarios/README.md`), so the CLI replays it too. A bad
//! or tampered file or link is refused with a message naming the problem,
//! and the running cluster is left as it was (`AppState::restart`).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::fetch::{get, read_text};
use crate::engine::scenario::Scenario;

/// The `#s=` fragment's JSON, or why it cannot be read.
pub fn decode(encoded: &str) -> Result<String, String> {
    js_sys::decode_uri_component(encoded).map(String::from).map_err(|_| {
        "the shared link is damaged: its #s= part is not valid percent-encoding (was it cut short?)".to_string()
    })
}

/// The `#s=` fragment for a scenario (compact JSON, percent-encoded).
pub fn encode(scenario: &Scenario) -> String {
    js_sys::encode_uri_component(&scenario.to_json()).into()
}

/// Starts a download of `text` as a file named `name`.
fn download(name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(link) = document.create_element("a") else { return };
    let href = format!("data:application/json;charset=utf-8,{}", String::from(js_sys::encode_uri_component(text)));
    let _ = link.set_attribute("href", &href);
    let _ = link.set_attribute("download", name);
    if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
}

/// Reads the file chosen in `input` as text and hands it to `then`.
fn read_file(input: &HtmlInputElement, then: Callback<String>) {
    let Some(file) = get(input, &"files".into()).and_then(|files| get(&files, &0.into())) else { return };
    read_text(&file, move |text| then.emit(text));
}

pub struct SessionProps {
    /// Asks the reducer for the session as a scenario.
    pub on_export: Callback<Callback<Rc<Scenario>>>,
    /// Restart with a scenario file's text.
    pub on_import: Callback<String>,
    /// The last share link made (the app's state).
    pub share_url: UseStateHandle<Option<String>>,
}

/// The save / share menu. A function, not a component: a few elements
/// redrawn with the app's header (a component type costs more wasm).
pub fn session_menu(props: SessionProps) -> Html {
    let share_url = props.share_url.clone();
    let export = props.on_export.reform(|_: MouseEvent| {
        Callback::from(|s: Rc<Scenario>| download("kafka-playground-session.json", &s.to_json_pretty()))
    });
    let share = {
        let share_url = share_url.clone();
        props.on_export.reform(move |_: MouseEvent| {
            let share_url = share_url.clone();
            Callback::from(move |s: Rc<Scenario>| {
                let Some(location) = web_sys::window().map(|w| w.location()) else { return };
                let fragment = format!("s={}", encode(&s));
                let _ = location.set_hash(&fragment);
                share_url.set(location.href().ok());
            })
        })
    };
    let import = {
        let on_import = props.on_import.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            read_file(&input, on_import.clone());
            input.set_value("");
        })
    };
    let select_all = Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select());
    html! {
        <details class="session" data-testid="session">
            <summary>{ "Save / share" }</summary>
            <div class="session-body">
                <p class="hint">{ "The scenario, its seed and every command so far: opening it replays the same run." }</p>
                <button type="button" class="btn" data-testid="session-export" onclick={export}>{ "Export JSON" }</button>
                <input type="file" id="session-import" data-testid="session-import" class="sr-only"
                    accept=".json,application/json" onchange={import} />
                <label class="btn" for="session-import">{ "Import JSON…" }</label>
                <button type="button" class="btn" data-testid="session-share" onclick={share}>{ "Share link" }</button>
                if let Some(url) = &*share_url {
                    <label for="session-share-url">{ "Share link (copy it):" }</label>
                    <input type="text" readonly=true id="session-share-url" data-testid="session-share-url"
                        value={url.clone()} onfocus={select_all} />
                }
            </div>
        </details>
    }
}
