//! The log view: each partition of a topic as a row of record cells, with
//! its log start, high watermark and log end offset, its segments (closed,
//! active, and the ones retention deletes next), compaction gaps, records
//! truncated away, and where every group and consumer is.
//!
//! All rows of a partition share one sequence of columns, so a follower's
//! row lines up under its leader's, offset for offset.

use std::any::Any;
use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::markup::{bool_text, class_list};
use super::memo::{memo, same_as, MemoView};
use super::model::{self, BrokerState, Marker, MarkerKind};
use super::state::{Select, Selection, Shared, Truncation, Truncations};
use crate::engine::broker::partition::RoleName;
use crate::engine::broker::ReplicaSnapshot;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::log::snapshot::LogRecord;
use crate::engine::log::LogSnapshot;
use crate::engine::record::{ControlType, Offset};
use crate::engine::snapshot::ClusterSnapshot;

/// Partitions shown before "show all".
pub const PARTITIONS_SHOWN: usize = 8;

/// One column of a partition's picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Offsets before the window (still in the log, not drawn): `from..to`.
    Older {
        from: Offset,
        to: Offset,
    },
    Record(Offset),
    /// Offsets with no record between two records (removed by compaction): `from..to`.
    Gap {
        from: Offset,
        to: Offset,
    },
    /// The log end offset: where the next record goes.
    End(Offset),
}

impl Column {
    /// Whether `offset` is drawn in this column.
    pub fn holds(&self, offset: Offset) -> bool {
        match *self {
            Column::Older { from, to } | Column::Gap { from, to } => offset >= from && offset < to,
            Column::Record(o) => o == offset,
            Column::End(o) => offset >= o,
        }
    }
}

/// The columns for a partition drawn from `rows` (the first is the leader's,
/// or the replica shown): the leader's record window, plus any offsets other
/// rows hold past it (a diverging suffix), then the log end.
pub fn columns(rows: &[&LogSnapshot]) -> Vec<Column> {
    let Some(first) = rows.first() else { return Vec::new() };
    let window_start = first.records.first().map_or(first.log_end_offset, |r| r.offset);
    let mut offsets: BTreeSet<Offset> = first.records.iter().map(|r| r.offset).collect();
    for row in &rows[1..] {
        offsets.extend(row.records.iter().map(|r| r.offset).filter(|o| *o >= first.log_end_offset));
    }
    let end = rows.iter().map(|r| r.log_end_offset).max().unwrap_or(first.log_end_offset).max(first.log_end_offset);
    let mut out = Vec::with_capacity(offsets.len() + 3);
    if window_start > first.log_start_offset {
        if first.record_count > first.records.len() as u64 {
            out.push(Column::Older { from: first.log_start_offset, to: window_start });
        } else {
            // Every record of the log is drawn: the offsets before the first
            // one were removed by compaction.
            out.push(Column::Gap { from: first.log_start_offset, to: window_start });
        }
    }
    let mut next: Option<Offset> = None;
    for o in offsets {
        if let Some(n) = next {
            if o > n {
                out.push(Column::Gap { from: n, to: o });
            }
        }
        out.push(Column::Record(o));
        next = Some(o + 1);
    }
    if let Some(n) = next {
        if end > n {
            out.push(Column::Gap { from: n, to: end });
        }
    }
    out.push(Column::End(end));
    out
}

/// The column drawing `offset` (the last one for offsets past the end).
pub fn column_of(columns: &[Column], offset: Offset) -> Option<usize> {
    columns.iter().position(|c| c.holds(offset)).or_else(|| {
        columns.first().and_then(|c| match c {
            Column::Older { from, .. } | Column::Gap { from, .. } | Column::Record(from) if offset < *from => Some(0),
            _ => None,
        })
    })
}

pub struct LogViewProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub truncations: Shared<Truncations>,
    pub selection: Selection,
    pub on_select: Callback<Select>,
    /// "Show all partitions" (the app's state).
    pub show_all: UseStateHandle<bool>,
}

/// The log panel. A function, not a component: it is redrawn with every
/// snapshot anyway; each partition's log skips when its picture did not change.
pub fn log_view(props: LogViewProps) -> Html {
    let show_all = props.show_all.clone();
    let snap = &props.snapshot;
    let topics: Vec<&String> = snap.metadata.topics.keys().collect();
    let topic = props.selection.topic.clone().filter(|t| snap.metadata.topics.contains_key(t));
    let on_topic = props.on_select.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Select::Topic(select.value())
    });
    let toggle_all = {
        let show_all = show_all.clone();
        Callback::from(move |_: MouseEvent| show_all.set(!*show_all))
    };
    let partitions = topic.as_ref().and_then(|t| snap.metadata.topics.get(t)).map(|t| t.partitions.len()).unwrap_or(0);
    let shown = if *show_all { partitions } else { partitions.min(PARTITIONS_SHOWN) };
    let expanded = props.selection.partition.clone();
    // The selected partition is always shown, even past the first few.
    let mut indices: Vec<usize> = (0..shown).collect();
    if let Some(p) = expanded.as_ref().filter(|p| Some(&p.topic) == topic.as_ref()) {
        if p.partition as usize >= shown && (p.partition as usize) < partitions {
            indices.push(p.partition as usize);
        }
    }
    html! {
        <section class="panel logs" aria-labelledby="logs-title" data-testid="log-view">
            <div class="panel-head">
                <h2 id="logs-title">{ "Partition logs" }</h2>
                <label class="topic-pick">
                    <span>{ "Topic" }</span>
                    <select data-testid="topic-select" onchange={on_topic}>
                        { for topics.iter().map(|t| html! {
                            <option value={(*t).clone()} selected={Some(*t) == topic.as_ref()}>{ (*t).clone() }</option>
                        }) }
                    </select>
                </label>
            </div>
            { legend() }
            if let Some(topic) = &topic {
                <div class="partitions">
                    { for indices.iter().map(|i| {
                        let tp = TopicPartition::new(topic.clone(), *i as i32);
                        let is_expanded = expanded.as_ref() == Some(&tp);
                        let record = props.selection.record.as_ref().filter(|(t, _)| *t == tp).map(|(_, o)| *o);
                        let truncations = props.truncations.get(&tp).cloned().unwrap_or_default();
                        memo(Some(tp.to_string().into()), Rc::new(PartitionLogProps {
                            snapshot: snap.clone(), fingerprint: partition_fingerprint(snap, &tp), tp,
                            expanded: is_expanded, selected_record: record, truncations,
                            on_select: props.on_select.clone() }))
                    }) }
                </div>
                if partitions > PARTITIONS_SHOWN {
                    <button class="btn btn-link" onclick={toggle_all} aria-pressed={bool_text(*show_all)}>
                        { if *show_all { format!("Show the first {PARTITIONS_SHOWN} partitions") } else { format!("Show all {partitions} partitions") } }
                    </button>
                }
            } else {
                <p class="muted">{ "No topics yet." }</p>
            }
        </section>
    }
}

/// The legend's items: (the sample's classes, its glyph, the text).
const LEGEND: [(&str, &str, &str); 7] = [
    ("cell demo k0", "", "record (colour = key)"),
    ("cell demo k2 uncommitted", "", "above the high watermark (not readable yet)"),
    ("cell demo k4 doomed", "", "segment retention deletes next"),
    ("cell demo gap", "⋯", "compacted away"),
    ("hw-demo", "", "high watermark"),
    ("", "▲", " group's committed offset"),
    ("", "△", " consumer's position"),
];

/// (A function, not a component: a few static elements.)
fn legend() -> Html {
    html! {
        <ul class="log-legend" aria-label="How to read the logs">
            { for LEGEND.iter().map(|&(class, glyph, text)| html! {
                <li>
                    <span {class} aria-hidden="true">
                        if !glyph.is_empty() { { glyph } }
                    </span>
                    { text }
                </li>
            }) }
        </ul>
    }
}

/// A partition's picture, drawn by `memo` (again only when these are not equal).
pub struct PartitionLogProps {
    /// Read only through `fingerprint`'s parts: a new snapshot in which this
    /// partition looks the same does not re-render it.
    pub snapshot: Shared<ClusterSnapshot>,
    /// `partition_fingerprint` of the snapshot.
    pub fingerprint: u64,
    pub tp: TopicPartition,
    /// Show every replica, not only the leader.
    pub expanded: bool,
    pub selected_record: Option<Offset>,
    pub truncations: Vec<Truncation>,
    pub on_select: Callback<Select>,
}

impl PartialEq for PartitionLogProps {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && self.tp == other.tp
            && self.expanded == other.expanded
            && self.selected_record == other.selected_record
            && self.truncations == other.truncations
            && self.on_select == other.on_select
    }
}

/// Everything `PartitionLog` draws from the snapshot, hashed: the
/// controller's view of the partition, each replica's role, offsets, window
/// and segments, and the groups' and consumers' markers.
pub fn partition_fingerprint(snap: &ClusterSnapshot, tp: &TopicPartition) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Some(p) = model::partition_image(snap, tp) {
        (p.leader, p.leader_epoch, &p.isr, &p.replicas).hash(&mut h);
    }
    for b in &snap.brokers {
        if let Some(r) = b.broker.replicas.iter().find(|r| &r.tp == tp) {
            let log = &r.log;
            (b.id, b.status as u8, r.role as u8, r.high_watermark, log.log_start_offset, log.log_end_offset)
                .hash(&mut h);
            (log.records.len(), log.records.first().map(|r| (r.offset, r.leader_epoch))).hash(&mut h);
            for seg in &log.segments {
                (seg.base_offset, seg.active, seg.deletable_next.is_some()).hash(&mut h);
            }
        }
    }
    for m in model::markers(snap, tp) {
        (m.offset, m.kind == MarkerKind::Committed, &m.label, &m.group).hash(&mut h);
    }
    h.finish()
}

/// One row of a partition's picture: a replica.
struct Row<'a> {
    broker: BrokerId,
    replica: &'a ReplicaSnapshot,
    role: &'static str,
    in_isr: bool,
}

impl MemoView for PartitionLogProps {
    fn view(&self) -> Html {
        partition_log(self)
    }
    fn same(&self, previous: &dyn Any) -> bool {
        same_as(self, previous)
    }
}

pub fn partition_log(props: &PartitionLogProps) -> Html {
    let snap = &props.snapshot;
    let tp = &props.tp;
    let sentence = model::partition_sentence(snap, tp);
    let image = model::partition_image(snap, tp);
    let Some((shown_broker, shown)) = model::display_replica(snap, tp) else {
        return html! {
            <section class="partition" aria-label={sentence.clone()}>
                <p>{ sentence }</p>
            </section>
        };
    };
    let leader_is_live = model::leader_replica(snap, tp).is_some();
    let mut rows = vec![Row {
        broker: shown_broker,
        replica: shown,
        role: if leader_is_live { "leader" } else { "offline" },
        in_isr: image.is_some_and(|p| p.isr.contains(&shown_broker)),
    }];
    if props.expanded {
        let replicas = image.map(|p| p.replicas.clone()).unwrap_or_default();
        for b in replicas.into_iter().filter(|b| *b != shown_broker) {
            let Some(view) = model::broker(snap, b) else { continue };
            let Some(replica) = view.broker.replicas.iter().find(|r| &r.tp == tp) else { continue };
            let up = BrokerState::of(view).is_up();
            rows.push(Row {
                broker: b,
                replica,
                role: if !up || replica.role == RoleName::Offline { "offline" } else { "follower" },
                in_isr: image.is_some_and(|p| p.isr.contains(&b)),
            });
        }
    }
    let logs: Vec<&LogSnapshot> = rows.iter().map(|r| &r.replica.log).collect();
    let cols = columns(&logs);
    let markers = model::markers(snap, tp);
    let leader_records = &shown.log.records;

    let tp_for_select = tp.clone();
    let on_title = props.on_select.reform(move |_: MouseEvent| Select::Partition(tp_for_select.clone()));
    let on_keydown = Callback::from(roving_focus);

    let lines: Vec<(Html, Html)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| replica_row(row, &cols, leader_records, i == 0, props))
        .chain(marker_lines(&markers, &cols))
        .collect();

    let selected = props.selected_record.and_then(|o| {
        rows.iter().find_map(|r| r.replica.log.records.iter().find(|x| x.offset == o).map(|x| (r.broker, x)))
    });

    html! {
        <section class={if props.expanded { "partition expanded" } else { "partition" }} aria-label={sentence.clone()}
            data-testid={format!("partition-{tp}")}>
            <header class="partition-head">
                <button class="partition-title" onclick={on_title} aria-expanded={bool_text(props.expanded)}
                    title="Show every replica of this partition">{ tp.to_string() }</button>
                <span class="sentence" data-testid={format!("partition-{tp}-summary")}>{ sentence }</span>
            </header>
            { segment_strip(&shown.log) }
            <div class="log-body">
                <div class="log-labels" aria-hidden="true">
                    <span class="row-label ruler">{ "offset" }</span>
                    { for lines.iter().map(|(label, _)| label.clone()) }
                </div>
                <div class="log-scroll">
                    <div class="log-grid" role="group" aria-label={format!("Records of {tp}")} onkeydown={on_keydown}>
                        { ruler(&cols, &shown.log, shown.high_watermark) }
                        { for lines.into_iter().map(|(_, row)| row) }
                    </div>
                </div>
            </div>
            if let Some((broker, record)) = selected {
                { record_detail(tp, broker, record) }
            }
            { for props.truncations.iter().map(|t| truncation_note(tp, t)) }
        </section>
    }
}

/// Segments shown at most in the strip (the newest).
pub const SEGMENTS_SHOWN: usize = 8;

/// The shown replica's segments, newest last: closed or active, records,
/// and the ones retention deletes next (they may be older than the cells).
fn segment_strip(log: &LogSnapshot) -> Html {
    let hidden = log.segments.len().saturating_sub(SEGMENTS_SHOWN);
    let doomed_hidden = log.segments[..hidden].iter().filter(|s| s.deletable_next.is_some()).count();
    html! {
        <ol class="segments" aria-label="Segments">
            if hidden > 0 {
                <li class={if doomed_hidden > 0 { "seg more doomed" } else { "seg more" }}>
                    { if doomed_hidden > 0 { format!("{hidden} older ({doomed_hidden} deleted next)") } else { format!("{hidden} older") } }
                </li>
            }
            { for log.segments[hidden..].iter().map(|seg| {
                let state = if seg.active { "active" } else { "closed" };
                let mut text = format!("{}–{} · {} rec · {state}", seg.base_offset, seg.next_offset.max(seg.base_offset + 1) - 1, seg.record_count);
                if seg.next_offset <= seg.base_offset {
                    text = format!("{}– · empty · {state}", seg.base_offset);
                }
                let doomed = seg.deletable_next.map(|r| match r {
                    crate::engine::log::retention::RetentionReason::RetentionMs => "retention.ms",
                    crate::engine::log::retention::RetentionReason::RetentionBytes => "retention.bytes",
                    crate::engine::log::retention::RetentionReason::LogStartOffset => "below log start",
                });
                html! {
                    <li class={class_list("seg", &[(true, state), (doomed.is_some(), "doomed")])}
                        title={format!("segment {}: {} bytes, {} batches", seg.base_offset, seg.size_bytes, seg.batch_count)}>
                        { text }
                        if let Some(why) = doomed {
                            <strong class="seg-doom">{ format!(" · deleted next ({why})") }</strong>
                        }
                    </li>
                }
            }) }
        </ol>
    }
}

/// Left/Right/Home/End move focus between the cells of a row.
fn roving_focus(e: KeyboardEvent) {
    let key = e.key();
    if !matches!(key.as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
        return;
    }
    let Some(current) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
    if !current.class_list().contains("cell") {
        return;
    }
    let Some(row) = current.parent_element() else { return };
    let cells = row.get_elements_by_tag_name("button");
    let count = cells.length();
    let index = (0..count).find(|i| cells.item(*i).is_some_and(|c| c == current));
    let Some(index) = index else { return };
    let target = match key.as_str() {
        "ArrowLeft" => index.checked_sub(1),
        "ArrowRight" => (index + 1 < count).then_some(index + 1),
        "Home" => Some(0),
        _ => count.checked_sub(1),
    };
    if let Some(el) = target.and_then(|i| cells.item(i)).and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
        e.prevent_default();
        let _ = el.focus();
    }
}

fn ruler(cols: &[Column], log: &LogSnapshot, hw: Offset) -> Html {
    html! {
        <div class="log-row ruler" aria-hidden="true">
            { for cols.iter().map(|c| match *c {
                Column::Older { from, .. } => html! { <span key="older" class="col older">{ format!("{from}…") }</span> },
                Column::Record(o) => {
                    let mut label = String::new();
                    if o == log.log_start_offset { label = "start".into() }
                    else if o == hw { label = "HW".into() }
                    else if o % 5 == 0 { label = o.to_string() }
                    html! { <span key={o.to_string()} class={if o == hw { "col hw" } else { "col" }}>{ label }</span> }
                }
                Column::Gap { from, .. } => html! { <span key={format!("gap{from}")} class="col gap"></span> },
                Column::End(o) => html! {
                    <span key="end" class={if o == hw { "col end hw" } else { "col end" }}>{ if o == hw { "HW=LEO".to_string() } else { "LEO".to_string() } }</span>
                },
            }) }
        </div>
    }
}

/// The CSS classes of a record's cell (one string: cheaper than `classes!`
/// for hundreds of cells).
#[allow(clippy::too_many_arguments)]
fn cell_class(
    r: &LogRecord,
    colour: Option<String>,
    hw: Offset,
    log: &LogSnapshot,
    segment: Option<&crate::engine::log::snapshot::SegmentSnapshot>,
    seg_start: bool,
    diverged: bool,
    selected: bool,
) -> String {
    let mut c = String::with_capacity(64);
    c.push_str("cell ");
    c.push_str(colour.as_deref().unwrap_or("knull"));
    let mut add = |on: bool, name: &str| {
        if on {
            c.push(' ');
            c.push_str(name);
        }
    };
    add(r.offset >= hw, "uncommitted");
    add(r.offset == hw, "hw");
    add(r.offset == log.log_start_offset, "log-start");
    add(seg_start, "seg-start");
    add(segment.is_some_and(|s| s.active), "active");
    add(segment.is_some_and(|s| !s.active), "closed");
    add(segment.is_some_and(|s| s.deletable_next.is_some()), "doomed");
    add(r.control.is_some(), "control");
    add(r.value.is_none(), "tombstone");
    add(r.transactional, "txn");
    add(diverged, "diverged");
    add(selected, "selected");
    c
}

fn key_text(r: &LogRecord) -> String {
    match &r.key {
        Some(k) => k.to_text_lossy(),
        None => "null".to_string(),
    }
}

fn record_label(r: &LogRecord, hw: Offset) -> String {
    if let Some(c) = r.control {
        let kind = if c == ControlType::Commit { "COMMIT" } else { "ABORT" };
        return format!("offset {}: transaction marker {kind} (producer {})", r.offset, r.producer_id);
    }
    let mut s = format!("offset {}, key {}", r.offset, key_text(r));
    if r.value.is_none() {
        s.push_str(", tombstone (null value)");
    }
    if r.offset >= hw {
        s.push_str(", above the high watermark");
    }
    s
}

/// A replica's (label, row of cells).
fn replica_row(
    row: &Row,
    cols: &[Column],
    leader_records: &[LogRecord],
    is_first: bool,
    props: &PartitionLogProps,
) -> (Html, Html) {
    let log = &row.replica.log;
    let hw = row.replica.high_watermark;
    let records = &log.records;
    let find = |o: Offset| records.binary_search_by_key(&o, |r| r.offset).ok().map(|i| &records[i]);
    let find_leader =
        |o: Offset| leader_records.binary_search_by_key(&o, |r| r.offset).ok().map(|i| &leader_records[i]);
    let segment_of =
        |o: Offset| log.segments.iter().position(|s| o >= s.base_offset && o < s.next_offset.max(s.base_offset + 1));
    let last_record_col = cols.iter().rposition(|c| matches!(c, Column::Record(o) if find(*o).is_some()));
    let label = format!(
        "B{} {}{}",
        row.broker,
        row.role,
        if row.in_isr || row.role == "offline" { "" } else { " · not in ISR" }
    );
    let mut prev_segment: Option<usize> = None;
    let detail = format!(
        "broker {} ({}): log start {}, high watermark {}, log end {}",
        row.broker, row.role, log.log_start_offset, hw, log.log_end_offset
    );
    let label_html = html! {
        <span class={format!("row-label role-{}", row.role)} title={detail.clone()}>{ label }</span>
    };
    let row_html = html! {
        <div class={format!("log-row role-{}", row.role)} role="group" aria-label={detail}
            data-testid={format!("log-row-{}-{}", row.replica.tp, row.broker)}>
            { for cols.iter().enumerate().map(|(i, c)| match *c {
                Column::Older { from, to } => {
                    let text = if is_first { format!("⋯{}", to - from) } else { String::new() };
                    html! { <span key="older" class="cell older" title={format!("offsets {from}–{} not drawn", to - 1)}>{ text }</span> }
                }
                Column::Gap { from, to } => {
                    let what = if from >= log.log_end_offset { "not in this log".to_string() } else { format!("{} offsets removed by compaction", to - from) };
                    html! { <span key={format!("gap{from}")} class="cell gap" title={format!("offsets {from}–{}: {what}", to - 1)}>{ "⋯" }</span> }
                }
                Column::End(o) => {
                    let here = o == log.log_end_offset;
                    html! {
                        <span key="end" class={class_list("cell end", &[(here, "leo"), (hw == log.log_end_offset && here, "hw")])}
                            title={format!("log end offset {}", log.log_end_offset)}></span>
                    }
                }
                Column::Record(o) => match find(o) {
                    Some(r) => {
                        let seg = segment_of(o);
                        let seg_start = seg.is_some() && seg != prev_segment;
                        prev_segment = seg;
                        let segment = seg.and_then(|s| log.segments.get(s));
                        let diverged = !is_first && find_leader(o).is_some_and(|l| l.leader_epoch != r.leader_epoch);
                        let colour = r.key.as_ref().map(|k| format!("k{}", model::key_colour_index(k.as_bytes())));
                        let selected = is_first && props.selected_record == Some(o);
                        let tp = props.tp.clone();
                        let on_click = props.on_select.reform(move |_: MouseEvent| Select::Record(tp.clone(), o));
                        let mut title = record_label(r, hw);
                        if let Some(s) = segment {
                            title.push_str(&format!("; segment {} ({})", s.base_offset, if s.active { "active" } else { "closed" }));
                            if let Some(reason) = s.deletable_next {
                                title.push_str(&format!(", retention deletes it next ({reason:?})"));
                            }
                        }
                        if diverged { title.push_str("; differs from the leader's record (will be truncated)"); }
                        html! {
                            <button key={o.to_string()} class={cell_class(r, colour, hw, log, segment, seg_start, diverged, selected)}
                                tabindex={if Some(i) == last_record_col { "0" } else { "-1" }}
                                aria-label={title.clone()} {title} aria-pressed={bool_text(selected)}
                                onclick={on_click}>
                                { match r.control { Some(ControlType::Commit) => "C", Some(ControlType::Abort) => "A", None if r.value.is_none() => "∅", None => "" } }
                            </button>
                        }
                    }
                    None => {
                        let why = if o >= log.log_end_offset { "missing: not replicated here yet" } else if o < log.log_start_offset { "deleted here" } else { "not in this window" };
                        html! { <span key={o.to_string()} class={if o == hw { "cell missing hw" } else { "cell missing" }} title={format!("offset {o}: {why}")}></span> }
                    }
                },
            }) }
        </div>
    };
    (label_html, row_html)
}

/// One line per group (committed offset ▲, positions △ of its consumers on
/// this partition), then one per consumer outside any group.
fn marker_lines(markers: &[Marker], cols: &[Column]) -> Vec<(Html, Html)> {
    let mut lines: Vec<(String, Vec<&Marker>)> = Vec::new();
    for m in markers {
        let key = m.group.clone().unwrap_or_else(|| m.label.clone());
        match lines.iter_mut().find(|(k, _)| *k == key) {
            Some(line) => line.1.push(m),
            None => lines.push((key, vec![m])),
        }
    }
    let lefts = column_lefts(cols);
    let centre = |m: &Marker| column_of(cols, m.offset).map(|i| lefts[i] + column_width(&cols[i]) / 2);
    lines
        .into_iter()
        .map(|(label, ms)| {
            let text: Vec<String> = ms
                .iter()
                .map(|m| match m.kind {
                    MarkerKind::Committed => format!("group {} committed offset {}", m.label, m.offset),
                    MarkerKind::Position => format!("consumer {} at position {}", m.label, m.offset),
                })
                .collect();
            let text = text.join("; ");
            let committed = ms.iter().find(|m| m.kind == MarkerKind::Committed).and_then(|m| centre(m));
            // The stretch a group has read past its committed offset (processed or in flight, not committed).
            let furthest = ms.iter().filter(|m| m.kind == MarkerKind::Position).filter_map(|m| centre(m)).max();
            let bar = committed.zip(furthest).filter(|(c, p)| p > c);
            // The label carries the offset too: the mark may be scrolled out of view, or before the window.
            let main = ms.iter().find(|m| m.kind == MarkerKind::Committed).or(ms.first()).map(|m| m.offset);
            let before =
                main.is_some_and(|o| cols.first().is_some_and(|c| !c.holds(o) && column_of(cols, o) == Some(0)));
            let shown_label = match main {
                Some(o) if before => format!("{label} ◂{o}"),
                Some(o) => format!("{label} {o}"),
                None => label,
            };
            let label_html = html! { <span class="row-label marks" title={text.clone()}>{ shown_label }</span> };
            let row_html = html! {
                <div class={if committed.is_some() { "log-row markers committed" } else { "log-row markers position" }}
                    aria-label={text} role="note">
                    <span class="mark-track" style={format!("width:{}px", lefts.last().copied().unwrap_or(0) + 60)}>
                        if let Some((c, p)) = bar {
                            <span class="mark-bar" style={format!("left:{c}px;width:{}px", p - c)}></span>
                        }
                        { for ms.iter().filter_map(|m| centre(m).map(|x| (m, x))).map(|(m, x)| {
                            let (glyph, class) = match m.kind {
                                MarkerKind::Committed => ("▲", "mark committed"),
                                MarkerKind::Position => ("△", "mark position"),
                            };
                            html! {
                                <span class={class} style={format!("left:{}px", x.saturating_sub(6))}
                                    title={format!("{} {}", m.label, m.offset)}>{ glyph }</span>
                            }
                        }) }
                    </span>
                </div>
            };
            (label_html, row_html)
        })
        .collect()
}

/// Column widths in px: these must match `.cell` / `.col` widths in www/app.css.
const CELL_W: u32 = 20;
const OLDER_W: u32 = 42;
const GAP_W: u32 = 12;
const END_W: u32 = 52;
/// `--cell-gap` in www/app.css.
const COL_GAP: u32 = 2;

fn column_width(c: &Column) -> u32 {
    match c {
        Column::Older { .. } => OLDER_W,
        Column::Record(_) => CELL_W,
        Column::Gap { .. } => GAP_W,
        Column::End(_) => END_W,
    }
}

/// Each column's left edge in px from the first column.
fn column_lefts(cols: &[Column]) -> Vec<u32> {
    let mut x = 0;
    cols.iter()
        .map(|c| {
            let left = x;
            x += column_width(c) + COL_GAP;
            left
        })
        .collect()
}

fn record_detail(tp: &TopicPartition, broker: BrokerId, r: &LogRecord) -> Html {
    let text = |b: &Option<crate::engine::blob::Blob>| b.as_ref().map_or("null".to_string(), |b| b.to_text_lossy());
    html! {
        <div class="record-detail" data-testid="record-detail" aria-live="polite">
            <h3>{ format!("{tp} offset {} (broker {broker}'s copy)", r.offset) }</h3>
            <dl>
                <dt>{ "key" }</dt>
                <dd>
                    if let Some(k) = &r.key {
                        <span class={format!("swatch k{}", model::key_colour_index(k.as_bytes()))} aria-hidden="true"></span>
                    }
                    <code>{ text(&r.key) }</code>
                </dd>
                <dt>{ "value" }</dt><dd><code>{ if r.value.is_none() && r.control.is_none() { "null (tombstone)".to_string() } else { text(&r.value) } }</code></dd>
                <dt>{ "headers" }</dt>
                <dd>
                    if r.headers.is_empty() { { "none" } }
                    { for r.headers.iter().map(|h| html! { <code class="header">{ format!("{}={}", h.key, text(&h.value)) }</code> }) }
                </dd>
                <dt>{ "timestamp" }</dt><dd>{ model::format_time(r.timestamp) }</dd>
                <dt>{ "batch" }</dt><dd>{ format!("base offset {}, leader epoch {}", r.batch_base_offset, r.leader_epoch) }</dd>
                <dt>{ "producer" }</dt>
                <dd>{ if r.producer_id >= 0 { format!("id {}, epoch {}, sequence {}", r.producer_id, r.producer_epoch, r.sequence) } else { "not idempotent (no producer id)".to_string() } }</dd>
                if r.transactional || r.control.is_some() {
                    <dt>{ "transaction" }</dt>
                    <dd>{ match r.control { Some(ControlType::Commit) => "COMMIT marker", Some(ControlType::Abort) => "ABORT marker", None => "transactional record" } }</dd>
                }
            </dl>
        </div>
    }
}

fn truncation_note(tp: &TopicPartition, t: &Truncation) -> Html {
    let range = match t.lost.last() {
        Some(last) if last.offset > t.truncated_to => format!(" (offsets {}–{})", t.truncated_to, last.offset),
        Some(last) => format!(" (offset {})", last.offset),
        None => String::new(),
    };
    let drawn = if (t.lost.len() as u32) < t.lost_count {
        format!(" The last {} are drawn.", t.lost.len())
    } else {
        String::new()
    };
    let sentence = format!(
        "At {} broker {} truncated {tp} to offset {}: {} record{} lost{range}.{drawn}",
        model::format_time(t.time),
        t.broker,
        t.truncated_to,
        t.lost_count,
        if t.lost_count == 1 { "" } else { "s" },
    );
    html! {
        <div class="truncation" role="note" data-testid="truncation">
            <p>{ sentence }</p>
            if !t.lost.is_empty() {
                <div class="lost-cells" aria-hidden="true">
                    { for t.lost.iter().map(|l| {
                        let colour = l.key.as_ref().map_or("knull".to_string(), |k| format!("k{}", model::key_colour_index(k.as_bytes())));
                        let key = l.key.as_ref().map_or("null".to_string(), |k| k.to_text_lossy());
                        html! { <span class={format!("cell lost {colour}")} title={format!("offset {} key {key}: truncated", l.offset)}></span> }
                    }) }
                </div>
            }
        </div>
    }
}
