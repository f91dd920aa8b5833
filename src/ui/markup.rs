//! Markup shapes drawn by one shared function each instead of an `html!`
//! (or `classes!`) expansion at every use: the view functions are the
//! biggest code we own in the wasm bundle.

use yew::prelude::*;

/// A class attribute: `base`, then each name whose flag is set, separated by single spaces.
#[inline(never)]
pub fn class_list(base: &str, extra: &[(bool, &str)]) -> String {
    let mut c = String::with_capacity(48);
    c.push_str(base);
    for &(on, name) in extra {
        if on && !name.is_empty() {
            if !c.is_empty() {
                c.push(' ');
            }
            c.push_str(name);
        }
    }
    c
}

/// A `type="button"` button with a static label, as the client cards draw
/// their actions: `title` and `aria-expanded` only when given.
#[inline(never)]
pub fn button(
    class: &'static str,
    testid: String,
    title: Option<AttrValue>,
    expanded: Option<bool>,
    onclick: Callback<MouseEvent>,
    text: &'static str,
) -> Html {
    let expanded = expanded.map(bool_text);
    html! {
        <button type="button" {class} data-testid={testid} {title} aria-expanded={expanded} {onclick}>{ text }</button>
    }
}

/// One `<div><dt>term</dt><dd>value</dd></div>` of a `<dl class="stats">`.
#[inline(never)]
pub fn stat(term: &'static str, value: String, class: Option<&'static str>) -> Html {
    html! { <div><dt>{ term }</dt><dd {class}>{ value }</dd></div> }
}

/// `"true"` or `"false"` for `aria-pressed` / `aria-expanded`, without
/// formatting a `String` at every element.
pub fn bool_text(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}
