//! One producer: what its application sends (topic, rate, keys), its
//! Kafka config (acks, idempotence, linger, batch size), its delivery
//! numbers and recent errors, buttons to pause / resume / close / crash it,
//! a form to send one hand-written record, and its config as code.

use yew::prelude::*;

use super::clients::{code_view, state_badge, CardFlags, ClientCardProps};
use super::code;
use super::describe::time_label;
use super::form::{self, Check, FormAction, FormState, Parse, Select as SelectField, Text};
use super::options;
use crate::engine::blob::Blob;
use crate::engine::client::{KeyPattern, ProducerRecord, Workload};
use crate::engine::command::Command;
use crate::engine::record::Header;
use crate::engine::sim::NodeStatus;
use crate::engine::snapshot::{ClusterSnapshot, ProducerView};
use crate::float_text;
use crate::ui::markup::{bool_text, button, stat};
use crate::ui::state::{Select, Shared};

/// Header rows the produce form offers at most.
pub const HEADERS_MAX: u32 = 8;

/// A producer's state in a word, and how it should read (`ok`, `warn`, `bad`, `muted`).
pub fn producer_state(p: &ProducerView) -> (String, &'static str) {
    match (p.status, &p.producer) {
        (NodeStatus::Crashed, _) => ("crashed".into(), "bad"),
        (NodeStatus::Stopped, _) => ("closed".into(), "muted"),
        (_, s) if s.fatal_error.is_some() => {
            (format!("failed: {}", s.fatal_error.map(|e| e.name()).unwrap_or("")), "bad")
        }
        (_, s) if s.closing => ("closing".into(), "warn"),
        (_, s) if s.paused => ("paused".into(), "warn"),
        _ => ("running".into(), "ok"),
    }
}

/// How the workload picks keys, in words.
pub fn key_pattern(k: &KeyPattern) -> String {
    match k {
        KeyPattern::None => "null keys (the sticky partitioner spreads them)".into(),
        KeyPattern::Sequential { prefix, cardinality } => {
            format!("keys {prefix}0…{prefix}{} in turn", cardinality.saturating_sub(1))
        }
        KeyPattern::Random { prefix, cardinality } => {
            format!("a random key of {prefix}0…{prefix}{}", cardinality.saturating_sub(1))
        }
        KeyPattern::Fixed { key } => format!("always the key {key:?}"),
    }
}

/// "→ orders · 5 records/s".
pub fn workload_line(w: Option<&Workload>) -> String {
    match w {
        None => "no workload: sends only hand-written records".into(),
        Some(w) => {
            let limit = w.max_records.map(|m| format!(", {m} records in all")).unwrap_or_default();
            format!(
                "→ {} · {} records/s{limit} · {}",
                w.topic,
                float_text::display(w.rate_per_sec),
                key_pattern(&w.key)
            )
        }
    }
}

/// "transactional.id=tx · IN_TRANSACTION: … · partitions orders-0, orders-1".
pub fn transaction_line(id: &str, s: &crate::engine::client::producer::ProducerSnapshot) -> String {
    use crate::engine::client::producer::TransactionState as T;
    let Some(state) = s.transaction_state else { return format!("transactional.id={id}") };
    let meaning = match state {
        T::Uninitialized | T::Initializing => "initTransactions() is finding the coordinator and a producer id",
        T::Ready => "ready: begin a transaction (the workload sends only inside one)",
        T::InTransaction => "open: its records stay invisible to read_committed consumers until commit",
        T::CommittingTransaction => "committing: COMMIT markers are being written",
        T::AbortingTransaction => "aborting: ABORT markers are being written",
        T::AbortableError => "a send failed: only abort is allowed",
        T::FatalError => "fenced or failed for good: close the producer",
    };
    let mut line = format!("transactional.id={id} · {} · {meaning}", state.name());
    if !s.transaction_partitions.is_empty() {
        let tps: Vec<String> = s.transaction_partitions.iter().map(|tp| tp.to_string()).collect();
        line.push_str(&format!(" · partitions {}", tps.join(", ")));
    }
    if let Some(e) = s.transaction_error {
        line.push_str(&format!(" · last error {}", e.name()));
    }
    line
}

/// A name usable in element ids.
pub fn id_part(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// A producer's card (drawn by `clients::ClientCard`, whose `open` flag is the send form's).
pub fn producer_card(props: &ClientCardProps, flags: CardFlags) -> Html {
    let CardFlags { open: produce_open, code_open, java } = flags;
    let snap = &props.snapshot;
    let Some(p) = snap.producers.iter().find(|p| p.producer.name == props.name.as_str()) else {
        return html! {};
    };
    let s = &p.producer;
    let key = id_part(&s.name);
    let (state, tone) = producer_state(p);
    let up = p.status.is_up() && !s.closing;
    let name = s.name.clone();
    let command = |make: fn(String) -> Command| {
        let name = name.clone();
        props.on_apply.reform(move |_: MouseEvent| make(name.clone()))
    };
    let toggle = |flag: &UseStateHandle<bool>| {
        let flag = flag.clone();
        Callback::from(move |_: MouseEvent| flag.set(!*flag))
    };
    let on_select = {
        let name = name.clone();
        props.on_select.reform(move |_: MouseEvent| Select::Client(name.clone()))
    };
    let idempotence = if s.config.enable_idempotence {
        if s.producer_id >= 0 {
            format!("idempotent (producer id {}, epoch {})", s.producer_id, s.producer_epoch)
        } else {
            "idempotent (no producer id yet)".to_string()
        }
    } else {
        "not idempotent: a retried batch can be written twice".to_string()
    };
    let queued: u32 = s.queued.iter().map(|q| q.records).sum();
    let failed: Vec<String> = s.stats.failed_by_error.iter().map(|(e, n)| format!("{e} × {n}")).collect();
    let recent_errors: Vec<String> = s
        .recent_deliveries
        .iter()
        .rev()
        .filter_map(|d| d.error.map(|e| (d, e)))
        .take(4)
        .map(|(d, e)| {
            let target = if d.tp.partition < 0 { d.tp.topic.clone() } else { d.tp.to_string() };
            format!("{} {target}: {} failed with {e}", time_label(d.time), d.count)
        })
        .collect();
    let bootstrap = code::bootstrap_servers(snap);

    html! {
        <article class={if props.selected { "client-card producer selected" } else { "client-card producer" }}
            data-testid={format!("producer-{key}")} aria-label={format!("producer {}", s.name)}>
            <div class="card-head">
                <button type="button" class="linkish client-name" onclick={on_select} aria-pressed={bool_text(props.selected)}
                    title="Select this producer">{ s.name.clone() }</button>
                { state_badge(&state, tone, format!("producer-{key}-state")) }
            </div>
            <p class="small" data-testid={format!("producer-{key}-workload")}>{ workload_line(s.workload.as_ref()) }</p>
            <p class="small muted">
                { format!("acks={} · {idempotence} · linger.ms={} · batch.size={}", s.config.acks.as_str(), s.config.linger_ms, s.config.batch_size) }
            </p>
            if let Some(t) = &s.transactional_id {
                <div class="txn" role="group" aria-label={format!("Transactions of {}", s.name)}>
                    <p class="small" data-testid={format!("producer-{key}-txn")}>{ transaction_line(t, s) }</p>
                    if up {
                        <div class="card-actions">
                            { button("btn", format!("producer-{key}-begin"), Some("beginTransaction()".into()), None,
                                command(|producer| Command::BeginTransaction { producer }), "Begin transaction") }
                            { button("btn btn-primary", format!("producer-{key}-commit"),
                                Some("commitTransaction(): flush, then COMMIT markers on every partition of the transaction".into()), None,
                                command(|producer| Command::CommitTransaction { producer }), "Commit") }
                            { button("btn btn-danger", format!("producer-{key}-abort"),
                                Some("abortTransaction(): ABORT markers; read_committed consumers skip the records".into()), None,
                                command(|producer| Command::AbortTransaction { producer }), "Abort") }
                        </div>
                    }
                </div>
            }
            <dl class="stats" data-testid={format!("producer-{key}-stats")}>
                { stat("sent", s.stats.records_sent.to_string(), None) }
                { stat("acknowledged", s.stats.records_acknowledged.to_string(), None) }
                { stat("failed", s.stats.records_failed.to_string(), (s.stats.records_failed > 0).then_some("tone-bad")) }
                { stat("retries", s.stats.retries.to_string(), None) }
                { stat("in flight", format!("{} req · {} rec", s.in_flight_requests, s.in_flight_records), None) }
                { stat("queued", (queued + s.records_awaiting_metadata).to_string(), None) }
            </dl>
            if !failed.is_empty() {
                <p class="small" data-testid={format!("producer-{key}-failed-by-error")}>{ format!("Failed by error: {}", failed.join(", ")) }</p>
            }
            if !recent_errors.is_empty() {
                <ul class="recent-errors small" aria-label="Recent delivery errors">
                    { for recent_errors.iter().map(|e| html! { <li>{ e.clone() }</li> }) }
                </ul>
            }
            <div class="card-actions">
                if up {
                    if s.paused {
                        { button("btn", format!("producer-{key}-resume"), None, None,
                            command(|producer| Command::ResumeProducer { producer }), "Resume") }
                    } else {
                        { button("btn", format!("producer-{key}-pause"), None, None,
                            command(|producer| Command::PauseProducer { producer }), "Pause") }
                    }
                    { button("btn", format!("producer-{key}-close"), Some("close(): flush what it holds, then stop".into()), None,
                        command(|producer| Command::CloseProducer { producer }), "Close") }
                    { button("btn btn-danger", format!("producer-{key}-crash"),
                        Some("The process dies: records not yet sent are lost".into()), None,
                        command(|producer| Command::CrashProducer { producer }), "Crash") }
                    { button("btn", format!("producer-{key}-produce"), None, Some(*produce_open), toggle(&produce_open),
                        "Send a record…") }
                }
                { button("btn", format!("producer-{key}-code"), None, Some(*code_open), toggle(&code_open), "Code") }
            </div>
            if up {
                <p class="hint">{ "Close flushes what the producer holds, then stops; crash loses what it has not sent." }</p>
            }
            if up && *produce_open {
                <ProduceForm snapshot={props.snapshot.clone()} producer={props.name.clone()}
                    default_topic={s.workload.as_ref().map(|w| AttrValue::from(w.topic.clone()))}
                    on_apply={props.on_apply.clone()} />
            }
            if *code_open {
                { code_view(code::producer_csharp(&s.name, &s.config, &bootstrap),
                    code::producer_java(&s.name, &s.config, &bootstrap), &java, format!("producer-{key}-code-view")) }
            }
        </article>
    }
}

#[derive(Properties, PartialEq)]
pub struct ProduceFormProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub producer: AttrValue,
    #[prop_or_default]
    pub default_topic: Option<AttrValue>,
    /// Fire and forget: the outcome shows in the status line.
    pub on_apply: Callback<Command>,
}

/// The send form's header rows: the ids of its `headers.<id>.key` fields,
/// in the order they were added (a new row takes the highest id + 1).
fn header_rows(form: &FormState) -> Vec<u32> {
    let mut ids: Vec<u32> =
        form.fields().filter_map(|f| f.strip_prefix("headers.")?.strip_suffix(".key")?.parse().ok()).collect();
    crate::sort::sort(&mut ids);
    ids
}

/// `producer.send()` of one record: topic, optional partition, key, value
/// (or a tombstone), headers.
#[function_component(ProduceForm)]
pub fn produce_form(props: &ProduceFormProps) -> Html {
    let topic = props.default_topic.as_ref().map(|t| t.to_string()).unwrap_or_default();
    let form = form::use_form(move || {
        vec![
            ("record.topic", topic),
            ("record.partition", String::new()),
            ("record.key", String::new()),
            ("record.value", String::new()),
            ("record.tombstone", "false".into()),
        ]
    });
    let rows = header_rows(&form);
    let form_id = format!("produce-{}", id_part(&props.producer));
    let topics = options::same(options::user_topics(&props.snapshot));

    let onsubmit = {
        let form = form.clone();
        let snapshot = props.snapshot.clone();
        let producer = props.producer.to_string();
        let on_apply = props.on_apply.clone();
        let topics = topics.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let topic = form::selected(form.value("record.topic"), &topics).unwrap_or_default();
            if topic.is_empty() {
                p.fail("record.topic", "create a topic first");
            }
            let partition = p.optional_int::<i32>("record.partition");
            if let (Some(n), Some(count)) = (partition, options::partition_count(&snapshot, &topic)) {
                if n < 0 || n >= count {
                    p.fail("record.partition", format!("{topic} has partitions 0 to {}", count - 1));
                }
            }
            let key = p.optional_text("record.key").map(Blob::from);
            let value = if p.checked("record.tombstone") {
                None
            } else {
                Some(Blob::from(form.value("record.value").to_string()))
            };
            let mut headers = Vec::new();
            for row in header_rows(&form) {
                let (k, v) = (format!("headers.{row}.key"), format!("headers.{row}.value"));
                let name = p.text(&k);
                let text = form.value(&v).to_string();
                if name.is_empty() && text.is_empty() {
                    continue;
                }
                if name.is_empty() {
                    p.fail(&k, "name the header");
                }
                headers.push(Header { key: name, value: Some(Blob::from(text)) });
            }
            match p.finish() {
                Err(errors) => form::refuse(&form, errors),
                Ok(()) => {
                    let record =
                        ProducerRecord { topic: topic.clone(), partition, key, value, headers, timestamp: None };
                    on_apply.emit(Command::Produce { producer: producer.clone(), record });
                    form.dispatch(FormAction::Applied { message: format!("Sent to {topic}."), reset: Vec::new() });
                }
            }
        })
    };
    let add_header = {
        let form = form.clone();
        let next = rows.last().map_or(1, |last| last + 1);
        let full = rows.len() as u32 >= HEADERS_MAX;
        Callback::from(move |_: MouseEvent| {
            if full {
                return;
            }
            form.dispatch(FormAction::Set(format!("headers.{next}.key"), String::new()));
            form.dispatch(FormAction::Set(format!("headers.{next}.value"), String::new()));
        })
    };

    html! {
        <form class="action-form produce-form" data-testid={form_id.clone()} onsubmit={onsubmit} novalidate=true
            aria-label={format!("Send one record with {}", props.producer)}>
            { SelectField { name: "record.topic", label: "Topic", hint: None, options: topics }.render(&form, &form_id) }
            { Text { name: "record.partition", label: "Partition (empty: the partitioner picks)", inputmode: Some("numeric"),
                     ..Text::default() }.render(&form, &form_id) }
            { Text { name: "record.key", label: "Key (empty: null key)", ..Text::default() }.render(&form, &form_id) }
            { Text { name: "record.value", label: "Value", ..Text::default() }.render(&form, &form_id) }
            { Check { name: "record.tombstone", label: "Tombstone (null value: deletes the key under compaction)", hint: None }
                .render(&form, &form_id) }
            <fieldset class="headers">
                <legend>{ "Headers" }</legend>
                { for rows.iter().enumerate().map(|(i, row)| {
                    let (k, v) = (format!("headers.{row}.key"), format!("headers.{row}.value"));
                    let remove = {
                        let form = form.clone();
                        let (k, v) = (k.clone(), v.clone());
                        Callback::from(move |_: MouseEvent| form.dispatch(FormAction::Remove(vec![k.clone(), v.clone()])))
                    };
                    let n = i + 1;
                    html! {
                        <div class="header-row" key={*row}>
                            { Text { name: &k, label: &format!("Header {n} name"), ..Text::default() }.render(&form, &form_id) }
                            { Text { name: &v, label: &format!("Header {n} value"), ..Text::default() }.render(&form, &form_id) }
                            <button type="button" class="btn btn-link" onclick={remove}
                                aria-label={format!("Remove header {n}")}>{ "remove" }</button>
                        </div>
                    }
                }) }
                if (rows.len() as u32) < HEADERS_MAX {
                    <button type="button" class="btn btn-link" data-testid={format!("{form_id}-add-header")} onclick={add_header}>
                        { "+ header" }
                    </button>
                }
            </fieldset>
            { form::footer(&form, &form_id, "Send") }
        </form>
    }
}
