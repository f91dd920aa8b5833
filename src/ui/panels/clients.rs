//! The clients panel: every producer, then every consumer by group (the
//! group's state from its coordinator, each member's assignment, position,
//! committed offset and lag), then consumers without a group.

use std::any::Any;

use yew::prelude::*;

use super::group::{consumer_card, group_card, GroupCardProps};
use super::options;
use super::producer::producer_card;
use super::ClientsPanelProps;
use crate::engine::command::Command;
use crate::engine::snapshot::ClusterSnapshot;
use crate::ui::markup::{bool_text, class_list};
use crate::ui::memo::{same_as, MemoView};
use crate::ui::state::{Select, Shared};

/// Drawn by `memo`: again only when its (throttled, see `throttle`)
/// snapshot or the selection changed.
impl MemoView for ClientsPanelProps {
    fn view(&self) -> Html {
        clients_panel(self)
    }
    fn same(&self, previous: &dyn Any) -> bool {
        same_as(self, previous)
    }
}

/// Producers, and consumers by group.
pub fn clients_panel(props: &ClientsPanelProps) -> Html {
    let snap = &props.snapshot;
    let selected = props.selected.as_deref();
    let groups = options::group_ids(snap);
    let groupless: Vec<&str> =
        snap.consumers.iter().filter(|c| c.consumer.group.is_none()).map(|c| c.consumer.name.as_str()).collect();
    html! {
        <section class="panel clients-panel" aria-labelledby="clients-title" data-testid="clients-panel">
            <h2 id="clients-title">{ "Clients" }</h2>
            <h3 class="sub">{ format!("Producers ({})", snap.producers.len()) }</h3>
            if snap.producers.is_empty() {
                <p class="muted small">{ "No producers yet: add one under Actions." }</p>
            }
            { for snap.producers.iter().map(|p| {
                let name = p.producer.name.clone();
                html! {
                    <ClientCard kind={ClientKind::Producer} key={name.clone()} snapshot={snap.clone()} name={name.clone()}
                        selected={selected == Some(name.as_str())}
                        on_apply={props.on_apply.clone()} on_select={props.on_select.clone()} />
                }
            }) }
            <h3 class="sub">{ format!("Consumer groups ({})", groups.len()) }</h3>
            if groups.is_empty() {
                <p class="muted small">{ "No consumer groups yet: add a consumer under Actions." }</p>
            }
            { for groups.iter().map(|g| group_card(GroupCardProps { snapshot: snap, group: g, selected,
                on_apply: &props.on_apply, on_select: &props.on_select })) }
            if !groupless.is_empty() {
                <h3 class="sub">{ "Consumers without a group (assign)" }</h3>
                <ul class="members">
                    { for groupless.iter().map(|name| html! {
                        <ClientCard kind={ClientKind::Consumer} key={name.to_string()} snapshot={snap.clone()} name={name.to_string()}
                            selected={selected == Some(*name)}
                            on_apply={props.on_apply.clone()} on_select={props.on_select.clone()} />
                    }) }
                </ul>
            }
        </section>
    }
}

/// Which client a [`ClientCard`] shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClientKind {
    Producer,
    Consumer,
}

#[derive(Properties, PartialEq)]
pub struct ClientCardProps {
    pub kind: ClientKind,
    pub snapshot: Shared<ClusterSnapshot>,
    pub name: AttrValue,
    pub selected: bool,
    pub on_apply: Callback<Command>,
    pub on_select: Callback<Select>,
}

/// A card's switches: `open` (a producer's send form, a consumer's
/// details), the code view, and the code view's language (kept while the
/// card lives).
pub struct CardFlags {
    pub open: UseStateHandle<bool>,
    pub code_open: UseStateHandle<bool>,
    pub java: UseStateHandle<bool>,
}

/// A producer's or a consumer's card: one component for both (its
/// switches are the same three flags), re-rendered only when its
/// snapshot, selection or callbacks changed.
#[function_component(ClientCard)]
pub fn client_card(props: &ClientCardProps) -> Html {
    let flags = CardFlags { open: use_state(|| false), code_open: use_state(|| false), java: use_state(|| false) };
    match props.kind {
        ClientKind::Producer => producer_card(props, flags),
        ClientKind::Consumer => consumer_card(props, flags),
    }
}

/// A client's or group's state, in words (the colour only repeats them).
/// `tone`: `ok`, `warn`, `bad` or `muted`. (A function, not a component:
/// its card re-renders it anyway, and a component is Yew machinery per type.)
#[inline(never)]
pub fn state_badge(text: &str, tone: &str, testid: String) -> Html {
    html! {
        <span class={class_list("badge", &[(!tone.is_empty(), &format!("badge-{tone}"))])} data-testid={testid}>
            { text.to_string() }
        </span>
    }
}

/// A client's configuration as Confluent.Kafka (C#) or Java code; `java`
/// (its card's state, so this is a function, not a component) picks which.
pub fn code_view(csharp: String, java_text: String, java: &UseStateHandle<bool>, testid: String) -> Html {
    let pick = |to_java: bool| {
        let java = java.clone();
        Callback::from(move |_: MouseEvent| java.set(to_java))
    };
    let (caption, text) =
        if **java { ("Java client properties", java_text) } else { ("Confluent.Kafka (C#) configuration", csharp) };
    html! {
        <figure class="code-view" data-testid={testid}>
            <div class="code-tabs" role="group" aria-label="Language">
                <button type="button" class="btn btn-link" aria-pressed={bool_text(!**java)} onclick={pick(false)}>{ "C#" }</button>
                <button type="button" class="btn btn-link" aria-pressed={bool_text(**java)} onclick={pick(true)}>{ "Java" }</button>
            </div>
            <figcaption class="sr-only">{ caption }</figcaption>
            <pre tabindex="0"><code>{ text }</code></pre>
        </figure>
    }
}
