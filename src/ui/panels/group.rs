//! A consumer group (state, generation, assignor, coordinator, lag,
//! delivery numbers) and its consumers (member id, assignment, position,
//! committed offset and lag per partition, processing, commit mode), with
//! close vs crash and each consumer's config as code.

use yew::prelude::*;

use super::clients::{code_view, state_badge, CardFlags, ClientCard, ClientCardProps, ClientKind};
use super::code;
use super::describe::time_label;
use super::producer::id_part;
use crate::engine::client::consumer::{ConsumerSnapshot, ConsumerState};
use crate::engine::client::delivery::{DeliveryReport, DeliveryScope};
use crate::engine::client::CommitMode;
use crate::engine::command::Command;
use crate::engine::group::coordinator::{GroupSnapshot, GroupState};
use crate::engine::snapshot::{ClusterSnapshot, ConsumerView};
use crate::ui::markup::{bool_text, button, class_list};
use crate::ui::model;
use crate::ui::state::{Select, Shared};

/// What an idle consumer is told.
pub const IDLE_TEXT: &str = "idle: more consumers than partitions";

/// A group's state, and how it should read.
pub fn group_tone(state: GroupState) -> &'static str {
    match state {
        GroupState::Stable => "ok",
        GroupState::PreparingRebalance | GroupState::CompletingRebalance => "warn",
        GroupState::Empty => "muted",
        GroupState::Dead => "bad",
    }
}

/// A consumer's state in words, and how it should read.
pub fn consumer_state(state: ConsumerState) -> (&'static str, &'static str) {
    match state {
        ConsumerState::Assigned => ("assigned (no group)", "ok"),
        ConsumerState::Joining => ("joining", "warn"),
        ConsumerState::Syncing => ("syncing", "warn"),
        ConsumerState::Stable => ("consuming", "ok"),
        ConsumerState::Idle => ("idle", "muted"),
        ConsumerState::Closing => ("closing", "warn"),
        ConsumerState::Closed => ("closed", "muted"),
        ConsumerState::Crashed => ("crashed", "bad"),
        ConsumerState::Failed => ("failed", "bad"),
    }
}

/// When and how a consumer commits, in words.
pub fn commit_text(c: &ConsumerSnapshot) -> String {
    match c.commit_mode {
        CommitMode::Auto if c.auto_commit => {
            format!(
                "auto-commit every {} ms (may commit records still being processed)",
                c.config.auto_commit_interval_ms
            )
        }
        CommitMode::Auto => "no commits (enable.auto.commit=false)".into(),
        CommitMode::SyncAfterProcessing => "commitSync after processing: at-least-once".into(),
        CommitMode::AsyncAfterProcessing => "commitAsync after processing: at-least-once".into(),
        CommitMode::SyncBeforeProcessing => "commitSync before processing: at-most-once".into(),
    }
}

/// The delivery ledger's numbers for a scope, if the snapshot carries them.
pub fn delivery_of<'a>(snap: &'a ClusterSnapshot, scope: &DeliveryScope) -> Option<&'a DeliveryReport> {
    snap.delivery.iter().find(|d| &d.scope == scope).map(|d| &d.report)
}

fn delivery_line(report: Option<&DeliveryReport>, testid: String) -> Html {
    match report {
        None => html! {
            <p class="small muted" data-testid={testid}>{ "Duplicates / losses: nothing processed yet." }</p>
        },
        Some(r) => html! {
            <p class="small delivery" data-testid={testid}
                title="From the delivery ledger: duplicates = records processed more than once (at-least-once); losses = records committed past but never processed (at-most-once)">
                { format!("processed {} ({} distinct) · ", r.processed, r.distinct) }
                <span class={(r.duplicates > 0).then_some("tone-warn")}>{ format!("duplicates {}", r.duplicates) }</span>
                { " · " }
                <span class={(r.losses > 0).then_some("tone-bad")}>{ format!("losses {}", r.losses) }</span>
            </p>
        },
    }
}

/// `consumer-3-9a2773dc-f9e3-…` → `consumer-3-9a27…` (the whole id is in the title).
pub fn short_member_id(id: &str) -> String {
    // client.id, a dash, then a UUID: keep the client id and 4 characters of the UUID.
    match id.char_indices().rev().nth(35) {
        Some((cut, _)) if id.len() > 40 => format!("{}…", &id[..(cut + 4).min(id.len())]),
        _ => id.to_string(),
    }
}

fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "–".to_string())
}

pub struct GroupCardProps<'a> {
    pub snapshot: &'a Shared<ClusterSnapshot>,
    pub group: &'a str,
    pub selected: Option<&'a str>,
    pub on_apply: &'a Callback<Command>,
    pub on_select: &'a Callback<Select>,
}

/// A consumer group's card, keyed by the group id. A function, not a
/// component: the clients panel re-renders only for a new snapshot (or
/// selection), which a group card would re-render for anyway; its consumer
/// cards still skip when their own data did not change.
pub fn group_card(props: GroupCardProps) -> Html {
    let snap = props.snapshot;
    let id = props.group;
    let key = id_part(id);
    let g = model::groups(snap).into_iter().find(|g| g.group_id == id);
    let mut consumers: Vec<&ConsumerView> =
        snap.consumers.iter().filter(|c| c.consumer.group.as_deref() == Some(id)).collect();
    // Live consumers first, in the order they were added.
    crate::sort::sort_by_key(&mut consumers, |c| !c.status.is_up());
    let lag = g.map(|g| model::group_lag(snap, g)).unwrap_or_default();
    let total: i64 = lag.iter().map(|l| l.lag).sum();
    let leader_name = g.and_then(|g| {
        let leader = g.leader.as_ref()?;
        let m = g.members.iter().find(|m| &m.member_id == leader)?;
        m.client.and_then(|c| model::client_name(snap, c)).or_else(|| Some(m.client_id.clone()))
    });
    html! {
        <article key={id} class="group-card" data-testid={format!("group-{key}")} aria-labelledby={format!("group-{key}-title")}>
            <div class="card-head">
                <h4 id={format!("group-{key}-title")}>{ format!("group {id}") }</h4>
                if let Some(g) = g {
                    { state_badge(g.state.name(), group_tone(g.state), format!("group-{key}-state")) }
                } else {
                    { state_badge("no coordinator yet", "muted", format!("group-{key}-state")) }
                }
            </div>
            if let Some(g) = g {
                <p class="small muted" data-testid={format!("group-{key}-meta")}>
                    { format!("generation {} · assignor {} · coordinator broker {} (__consumer_offsets-{})",
                        g.generation, g.protocol.as_deref().unwrap_or("none yet"), g.coordinator, g.offsets_partition) }
                    if let Some(leader) = leader_name {
                        { format!(" · leader {leader}") }
                    }
                </p>
            }
            <p class="small" data-testid={format!("group-{key}-lag")}
                title="kafka-consumer-groups LAG: the partition's high watermark minus the group's committed offset">
                if lag.is_empty() {
                    { "Lag: no committed offsets yet" }
                } else {
                    { format!("Lag {total}") }
                    { format!(" — {}", lag.iter().map(|l| format!("{}: {}", l.tp, l.lag)).collect::<Vec<_>>().join(", ")) }
                }
            </p>
            { delivery_line(delivery_of(snap, &DeliveryScope::Group(id.to_string())), format!("group-{key}-delivery")) }
            { orphan_members(snap, g) }
            <ul class="members">
                { for consumers.iter().map(|c| {
                    let name = c.consumer.name.clone();
                    html! {
                        <ClientCard kind={ClientKind::Consumer} key={name.clone()} snapshot={snap.clone()} name={name.clone()}
                            selected={props.selected == Some(name.as_str())}
                            on_apply={props.on_apply.clone()} on_select={props.on_select.clone()} />
                    }
                }) }
            </ul>
            if consumers.iter().any(|c| c.status.is_up()) {
                <p class="hint" data-testid={format!("group-{key}-crash-vs-close")}>
                    { format!("Crash: no LeaveGroup, so a crashed member's partitions wait for session.timeout.ms ({} s). Close: LeaveGroup, so the group rebalances at once.",
                        session_timeout_s(&consumers)) }
                </p>
            }
        </article>
    }
}

/// The members' `session.timeout.ms` in seconds (the first live one's).
fn session_timeout_s(consumers: &[&ConsumerView]) -> i64 {
    consumers.iter().find(|c| c.status.is_up()).map_or(45, |c| c.consumer.config.session_timeout_ms / 1000)
}

/// Members the coordinator still holds whose consumer is no longer running
/// (crashed: no LeaveGroup) — they keep their partitions until their session expires.
fn orphan_members(snap: &ClusterSnapshot, g: Option<&GroupSnapshot>) -> Html {
    let Some(g) = g else { return html! {} };
    let orphans: Vec<String> = g
        .members
        .iter()
        .filter(|m| m.client.is_none_or(|id| snap.consumers.iter().any(|c| c.consumer.id == id && !c.status.is_up())))
        .map(|m| {
            let who = m.client.and_then(|c| model::client_name(snap, c)).unwrap_or_else(|| m.client_id.clone());
            let left = (m.session_deadline_ms - snap.time).max(0);
            format!(
                "{who} is gone but still a member: {} wait{} until its session expires in {} (session.timeout.ms={})",
                if m.assignment.is_empty() {
                    "nothing".to_string()
                } else {
                    m.assignment.iter().map(|tp| tp.to_string()).collect::<Vec<_>>().join(", ")
                },
                if m.assignment.len() == 1 { "s" } else { "" },
                model::format_time(left),
                m.session_timeout_ms
            )
        })
        .collect();
    html! {
        { for orphans.into_iter().map(|text| html! { <p class="small tone-warn orphan">{ text }</p> }) }
    }
}

/// A consumer's card (drawn by `clients::ClientCard`, whose `open` flag is the details').
pub fn consumer_card(props: &ClientCardProps, flags: CardFlags) -> Html {
    let CardFlags { open: details_open, code_open, java } = flags;
    let snap = &props.snapshot;
    let Some(view) = snap.consumers.iter().find(|c| c.consumer.name == props.name.as_str()) else {
        return html! {};
    };
    let c = &view.consumer;
    let key = id_part(&c.name);
    let (state, tone) = consumer_state(c.state);
    let up = view.status.is_up() && c.state != ConsumerState::Closing;
    let name = c.name.clone();
    let command = |make: fn(String) -> Command| {
        let name = name.clone();
        props.on_apply.reform(move |_: MouseEvent| make(name.clone()))
    };
    let on_select = {
        let name = name.clone();
        props.on_select.reform(move |_: MouseEvent| Select::Client(name.clone()))
    };
    let on_code = {
        let code_open = code_open.clone();
        Callback::from(move |_: MouseEvent| code_open.set(!*code_open))
    };
    let on_details = {
        let details_open = details_open.clone();
        Callback::from(move |_: MouseEvent| details_open.set(!*details_open))
    };
    // A selected consumer shows its details; the others keep to one line.
    let open = *details_open || props.selected;
    let summary = if c.partitions.is_empty() {
        "no partitions yet".to_string()
    } else {
        c.partitions
            .iter()
            .map(|p| match p.lag {
                Some(lag) => format!("{} (lag {lag})", p.tp),
                None => format!("{} (nothing committed yet)", p.tp),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let bootstrap = code::bootstrap_servers(snap);
    let session_s = c.config.session_timeout_ms / 1000;
    let crash_title =
        format!("The process dies without LeaveGroup: its partitions wait for session.timeout.ms ({session_s} s)");
    let processing = match (&c.processing.current, c.processing.processing_ms_per_record) {
        (_, 0) => "processing is instant".to_string(),
        (Some(r), ms) => {
            format!("{ms} ms per record (now {} offset {}, done at {})", r.tp, r.offset, time_label(r.done_at))
        }
        (None, ms) => format!("{ms} ms per record"),
    };

    html! {
        <li class={class_list("client-card consumer", &[(props.selected, "selected"), (!view.status.is_up(), "gone")])}
            data-testid={format!("consumer-{key}")}>
            <div class="card-head">
                <button type="button" class="linkish client-name" onclick={on_select} aria-pressed={bool_text(props.selected)}
                    title="Select this consumer">{ c.name.clone() }</button>
                { state_badge(state, tone, format!("consumer-{key}-state")) }
                if c.is_leader {
                    <span class="badge badge-muted" title="The group leader runs the assignor">{ "leader" }</span>
                }
            </div>
            if c.state == ConsumerState::Idle {
                <p class="idle-note small" data-testid={format!("consumer-{key}-idle")}>
                    <strong>{ IDLE_TEXT }</strong>
                    { " — it heartbeats and takes over partitions when a member leaves." }
                </p>
            }
            if view.status.is_up() && c.state != ConsumerState::Idle {
                <p class="small" data-testid={format!("consumer-{key}-summary")}>{ summary }</p>
            }
            if view.status.is_up() && open {
                <p class="small muted">
                    <span title={c.member_id.clone()}>
                        { c.member_id.as_deref().map(|m| format!("member {}", short_member_id(m))).unwrap_or_else(|| "no member id yet".to_string()) }
                    </span>
                    { c.generation.map(|g| format!(" · generation {g}")).unwrap_or_default() }
                    { c.assignor.as_ref().map(|a| format!(" · {a}")).unwrap_or_default() }
                </p>
                if !c.partitions.is_empty() {
                    <table class="assignment" data-testid={format!("consumer-{key}-partitions")}>
                        <thead>
                            <tr>
                                <th scope="col">{ "Partition" }</th>
                                <th scope="col" class="num" title="The offset of the next record the application gets">{ "Position" }</th>
                                <th scope="col" class="num" title="The group's committed offset (CURRENT-OFFSET)">{ "Committed" }</th>
                                <th scope="col" class="num" title="High watermark minus committed offset (LAG)">{ "Lag" }</th>
                            </tr>
                        </thead>
                        <tbody>
                            { for c.partitions.iter().map(|p| html! {
                                <tr key={p.tp.to_string()}>
                                    <th scope="row">{ p.tp.to_string() }</th>
                                    <td class="num">{ or_dash(p.position) }</td>
                                    <td class="num">{ or_dash(p.committed) }</td>
                                    <td class="num">{ or_dash(p.lag) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
                <p class="small">
                    { format!("{} · {processing}", commit_text(c)) }
                </p>
                <p class="small muted" data-testid={format!("consumer-{key}-counters")}>
                    { format!("processed {} · fetched {} · commits {}{} · rebalances {}",
                        c.counters.records_processed, c.counters.records_fetched, c.counters.commits,
                        if c.counters.commit_failures > 0 { format!(" ({} failed)", c.counters.commit_failures) } else { String::new() },
                        c.counters.rebalances) }
                </p>
                if c.group.is_none() {
                    { delivery_line(delivery_of(snap, &DeliveryScope::Consumer(c.id)), format!("consumer-{key}-delivery")) }
                }
            }
            <div class="card-actions">
                if up {
                    { button("btn", format!("consumer-{key}-close"),
                        Some("close(): LeaveGroup, so the group rebalances at once".into()), None,
                        command(|consumer| Command::CloseConsumer { consumer }), "Close") }
                    { button("btn btn-danger", format!("consumer-{key}-crash"), Some(crash_title.into()), None,
                        command(|consumer| Command::CrashConsumer { consumer }), "Crash") }
                }
                if view.status.is_up() {
                    { button("btn", format!("consumer-{key}-details"), None, Some(open), on_details, "Details") }
                }
                { button("btn", format!("consumer-{key}-code"), None, Some(*code_open), on_code, "Code") }
            </div>
            if *code_open {
                { code_view(code::consumer_csharp(&c.name, &c.config, &c.subscription, c.commit_mode, c.assignor.as_deref(), &bootstrap),
                    code::consumer_java(&c.name, &c.config, c.commit_mode, &bootstrap), &java, format!("consumer-{key}-code-view")) }
            }
        </li>
    }
}
