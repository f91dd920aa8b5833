//! Keyboard shortcuts, and the help overlay that lists them.
//!
//! Shortcuts act only when focus is not in a control that uses the key
//! itself (a text field, a slider, a button: space on a focused button
//! presses that button, as it should).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::state::{Action, AppState};

/// Every shortcut, for the overlay: (keys, what it does).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "Play or pause the simulation"),
    ("→", "Step: advance to the next thing that happens (pauses)"),
    ("+ / −", "Faster / slower"),
    ("↑ / ↓, Home / End", "In the event log: move between events"),
    ("?", "Show or hide this help"),
    ("Esc", "Close this help; clear the selection"),
];

/// What a key does, if it is a shortcut.
pub fn action_for_key(key: &str, speed: f64) -> Option<Action> {
    match key {
        " " | "Spacebar" => Some(Action::TogglePlay),
        "ArrowRight" => Some(Action::Step),
        "?" => Some(Action::ToggleHelp),
        "+" | "=" => Some(Action::SetSpeed(speed * 2.0)),
        "-" | "_" => Some(Action::SetSpeed(speed / 2.0)),
        "Escape" => Some(Action::CloseHelp),
        _ => None,
    }
}

/// Whether the element that has focus uses keys itself.
fn focus_wants_keys(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let tag = element.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select" | "button" | "a" | "summary" | "option")
        || element.has_attribute("contenteditable")
}

/// Listens for shortcuts on the window while the component lives.
#[hook]
pub fn use_shortcuts(state: UseReducerHandle<AppState>) {
    let state_ref = use_mut_ref(|| state.clone());
    *state_ref.borrow_mut() = state;
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                return;
            }
            let key = e.key();
            // Escape always works; other keys leave focused controls alone.
            if key != "Escape" && focus_wants_keys(e.target()) {
                return;
            }
            let handle = state_ref.borrow().clone();
            if let Some(action) = action_for_key(&key, handle.speed) {
                e.prevent_default();
                if key == "Escape" {
                    handle.dispatch(Action::Select(super::state::Select::Clear));
                }
                handle.dispatch(action);
            }
        });
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ = w.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = window {
                let _ = w.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            drop(listener);
        }
    });
}

/// The help dialog's elements, for its focus handling.
pub struct HelpRefs {
    close: NodeRef,
    dialog: NodeRef,
}

/// The help dialog's focus handling, a hook of the app (the dialog itself
/// is drawn by [`help_overlay`], a function): focus moves into the dialog
/// on open, and returns to whatever opened it on close.
#[hook]
pub fn use_help_focus(open: bool) -> HelpRefs {
    let close_ref = use_node_ref();
    let dialog_ref = use_node_ref();
    let opener = use_mut_ref(|| None::<web_sys::HtmlElement>);
    {
        let close_ref = close_ref.clone();
        use_effect_with(open, move |open| {
            let document = web_sys::window().and_then(|w| w.document());
            if *open {
                *opener.borrow_mut() =
                    document.and_then(|d| d.active_element()).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            } else if let Some(element) = opener.borrow_mut().take() {
                let _ = element.focus();
            }
        });
    }
    HelpRefs { close: close_ref, dialog: dialog_ref }
}

/// The list of shortcuts, as a modal dialog (`refs` from
/// [`use_help_focus`]): Tab and Shift+Tab stay inside it, Escape (the
/// global shortcut) or Close shuts it.
pub fn help_overlay(open: bool, on_close: &Callback<()>, refs: &HelpRefs) -> Html {
    if !open {
        return html! {};
    }
    let (close_ref, dialog_ref) = (refs.close.clone(), refs.dialog.clone());
    let trap_tab = {
        let dialog_ref = dialog_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Tab" {
                return;
            }
            let Some(dialog) = dialog_ref.cast::<web_sys::Element>() else { return };
            let Ok(list) =
                dialog.query_selector_all("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])")
            else {
                return;
            };
            let focusable: Vec<web_sys::HtmlElement> =
                (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
            let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else { return };
            let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
            let at = |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == el.as_ref() as &web_sys::Element);
            let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
            if e.shift_key() && (at(first) || !inside) {
                e.prevent_default();
                let _ = last.focus();
            } else if !e.shift_key() && (at(last) || !inside) {
                e.prevent_default();
                let _ = first.focus();
            }
        })
    };
    let on_backdrop = {
        let on_close = on_close.clone();
        Callback::from(move |e: MouseEvent| {
            if e.target() == e.current_target() {
                on_close.emit(());
            }
        })
    };
    html! {
        <div class="overlay" onclick={on_backdrop}>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help-overlay"
                ref={dialog_ref} onkeydown={trap_tab}>
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <table class="shortcuts">
                    <tbody>
                        { for SHORTCUTS.iter().map(|(keys, what)| html! {
                            <tr><th scope="row"><kbd>{ *keys }</kbd></th><td>{ *what }</td></tr>
                        }) }
                    </tbody>
                </table>
                <p class="hint">{ "Tab moves between controls; Enter or Space presses the focused button." }</p>
                <button ref={close_ref} class="btn" data-testid="help-close" onclick={on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
            </div>
        </div>
    }
}
