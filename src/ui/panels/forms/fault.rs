//! Message-level network faults (the engine's `Fault` as data): drop the
//! next N (or a share) of the messages between two nodes, optionally of one
//! kind only (produce responses: a lost acknowledgement), delay them, or
//! partition two nodes. Active faults are listed, each in a sentence that
//! says what it will do, with a Heal button.

use yew::prelude::*;

use crate::engine::command::Command;
use crate::engine::ids::NodeId;
use crate::engine::net::{Fault, LinkMatch};
use crate::engine::snapshot::ClusterSnapshot;
use crate::float_text;
use crate::ui::panels::form::{self, Check, FormAction, FormHandle, Parse, Select, Text};
use crate::ui::panels::{options, FormDef, FormProps};

const ID: &str = "add-fault";

/// Message kinds a fault can single out (the engine's `Message::kind`), with their plural in words.
const KINDS: &[(&str, &str)] = &[
    ("ProduceRequest", "produce requests"),
    ("ProduceResponse", "produce responses"),
    ("FetchRequest", "fetch requests"),
    ("FetchResponse", "fetch responses"),
    ("BrokerHeartbeatRequest", "broker heartbeats"),
    ("HeartbeatRequest", "group heartbeats"),
    ("JoinGroupRequest", "join-group requests"),
    ("OffsetCommitRequest", "offset commits"),
    ("EndTxnRequest", "end-transaction requests"),
    ("WriteTxnMarkersRequest", "transaction markers"),
    ("MetadataRequest", "metadata requests"),
];

/// A kind in words, plural ("produce responses"); every message when `None`.
fn kind_words(kind: Option<&str>) -> String {
    match kind {
        None => "messages".into(),
        Some(k) => KINDS.iter().find(|(v, _)| *v == k).map_or_else(|| k.to_string(), |(_, w)| w.to_string()),
    }
}

/// What the fault does to the clients and brokers it touches.
fn consequence(snap: &ClusterSnapshot, link: &LinkMatch) -> &'static str {
    let broker_to_broker = matches!((link.from, link.to), (Some(NodeId::Broker(_)), Some(NodeId::Broker(_))));
    let idempotent = snap
        .producers
        .iter()
        .find(|p| link.to == Some(NodeId::Client(p.producer.id)))
        .map(|p| p.producer.config.enable_idempotence);
    match link.kind.as_deref() {
        Some("ProduceResponse") => match idempotent {
            // Responses on a connection come in order: the next one reveals the
            // loss, and the client closes the connection (request.timeout.ms
            // only if nothing else was in flight or follows).
            Some(true) => {
                "the producer notices when the next response arrives first, closes the connection and retries; \
                 it is idempotent, so the broker discards the duplicate"
            }
            Some(false) => {
                "the producer notices when the next response arrives first, closes the connection and retries; \
                 the retry writes the batch a second time"
            }
            None => {
                "the producer notices when the next response arrives first, closes the connection and retries; \
                 without enable.idempotence the retry writes the batch twice"
            }
        },
        Some("ProduceRequest") => "the producer will retry after request.timeout.ms",
        Some("FetchRequest" | "FetchResponse") if broker_to_broker => {
            "the follower falls behind and leaves the ISR after replica.lag.time.max.ms"
        }
        Some("FetchRequest" | "FetchResponse") => "fetches time out and are retried",
        Some("BrokerHeartbeatRequest") => "the controller fences the broker after broker.session.timeout.ms",
        Some("HeartbeatRequest") => "the coordinator removes the consumer after session.timeout.ms and rebalances",
        Some("OffsetCommitRequest") => "commits fail: after a crash the group re-reads uncommitted records",
        Some(_) => "requests time out and are retried",
        None => "requests across this link time out and are retried",
    }
}

/// A fault in one sentence: "produce responses from broker 1 to producer p1 are dropped: the producer will retry …".
pub fn sentence(snap: &ClusterSnapshot, fault: &Fault) -> String {
    let mut text = lower_sentence(snap, fault);
    // The sentence starts with one of our own ASCII words; `char::to_uppercase` would bring
    // Unicode's case tables (16 KB of wasm) along for it.
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

fn lower_sentence(snap: &ClusterSnapshot, fault: &Fault) -> String {
    let name = |n: NodeId| options::node_label(snap, n);
    let names = |ns: &[NodeId]| ns.iter().map(|n| name(*n)).collect::<Vec<_>>().join(", ");
    let path = |l: &LinkMatch| {
        let end = |n: Option<NodeId>| n.map_or_else(|| "any node".to_string(), name);
        if l.both_ways {
            format!("between {} and {} (both ways)", end(l.from), end(l.to))
        } else {
            format!("from {} to {}", end(l.from), end(l.to))
        }
    };
    match fault {
        Fault::Drop { link, count, probability } => {
            let what = kind_words(link.kind.as_deref());
            let (which, verb) = match count {
                Some(1) => (format!("the next {}", what.strip_suffix('s').unwrap_or(&what)), "is"),
                Some(n) => (format!("the next {n} {what}"), "are"),
                None => (what, "are"),
            };
            let chance = if *probability >= 1.0 {
                String::new()
            } else {
                format!(", each with probability {}", float_text::display(*probability))
            };
            format!("{which} {} {verb} dropped{chance}: {}", path(link), consequence(snap, link))
        }
        Fault::Delay { link, extra_ms } => {
            format!(
                "{} {} arrive {extra_ms} ms late: a slow link (past request.timeout.ms, requests time out)",
                kind_words(link.kind.as_deref()),
                path(link)
            )
        }
        Fault::Partition { side_a, side_b } => format!(
            "network partition: {} and {} cannot reach each other: requests between them time out",
            names(side_a),
            names(side_b)
        ),
        Fault::Isolate { node, except } if except.is_empty() => {
            format!("{} is cut off from every other node: its requests and replies are lost", name(*node))
        }
        Fault::Isolate { node, except } => {
            format!("{} is cut off from every node except {}", name(*node), names(except))
        }
    }
}

pub static FAULT_FORM: FormDef = FormDef {
    init: |_| {
        vec![
            ("type", "drop".into()),
            ("from", String::new()),
            ("to", String::new()),
            ("both_ways", "false".into()),
            ("kind", String::new()),
            ("count", "1".into()),
            ("probability", "1".into()),
            ("extra_ms", "500".into()),
        ]
    },
    view: fault_form,
};

fn fault_form(props: &FormProps, form: FormHandle) -> Html {
    let kind = form.value("type").to_string();
    let mut ends = vec![(String::new(), "any node".to_string())];
    ends.extend(props.options.nodes.iter().cloned());
    let nodes = if kind == "partition" { props.options.nodes.clone() } else { ends };
    let mut kinds = vec![(String::new(), "every kind".to_string())];
    kinds.extend(KINDS.iter().map(|(v, w)| (v.to_string(), w.to_string())));

    let onsubmit = {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        let nodes = nodes.clone();
        form::on_submit(move || {
            let mut p = Parse::new(&form);
            let end = |name: &str| form::selected(form.value(name), &nodes).and_then(|v| options::parse_node(&v));
            let (from, to) = (end("from"), end("to"));
            if from.is_some() && from == to {
                p.fail("to", "pick a node other than the sender");
            }
            let link = LinkMatch { from, to, both_ways: p.checked("both_ways"), kind: p.optional_text("kind") };
            let fault = match p.text("type").as_str() {
                "partition" => {
                    for (field, node) in [("from", from), ("to", to)] {
                        if node.is_none() {
                            p.fail(field, "a partition needs a node on each side");
                        }
                    }
                    Fault::Partition { side_a: from.into_iter().collect(), side_b: to.into_iter().collect() }
                }
                "delay" => {
                    let extra_ms = p.int("extra_ms");
                    if extra_ms <= 0 {
                        p.fail("extra_ms", "must be at least 1 ms");
                    }
                    Fault::Delay { link, extra_ms }
                }
                _ => {
                    let count = p.optional_int::<u32>("count");
                    if count == Some(0) {
                        p.fail("count", "must be at least 1 (empty: every message)");
                    }
                    Fault::Drop { link, count, probability: p.number("probability") }
                }
            };
            if let Err(errors) = p.finish() {
                return form::refuse(&form, errors);
            }
            let message = "Fault added: see it under Active faults.".to_string();
            form::apply(
                &form,
                &on_apply,
                Command::AddFault { fault },
                message,
                vec![],
                &[("fault.probability", "probability")],
            );
        })
    };
    let heal = |id: u32| {
        let form = form.clone();
        let on_apply = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| {
            let form = form.clone();
            let reply = Callback::from(move |result: Result<(), _>| {
                if let Err(error) = result {
                    form.dispatch(FormAction::Refused {
                        errors: Default::default(),
                        general: Some(format!("{error}")),
                    });
                }
            });
            on_apply.emit((Command::HealFault { id }, reply));
        })
    };
    let numeric = Some("numeric");
    let (from_label, to_label) = if kind == "partition" { ("One side", "Other side") } else { ("From", "To") };
    html! {
        <>
        <form class="action-form" data-testid={ID} onsubmit={onsubmit} novalidate=true aria-label="Add a network fault">
            { Select { name: "type", label: "Fault", hint: None,
                       options: options::fixed(&[("drop", "drop messages"), ("delay", "delay messages"),
                                                 ("partition", "partition two nodes")]) }.render(&form, ID) }
            <div class="field-pair">
                { Select { name: "from", label: from_label, hint: None, options: nodes.clone() }.render(&form, ID) }
                { Select { name: "to", label: to_label, hint: None, options: nodes }.render(&form, ID) }
            </div>
            if kind != "partition" {
                { Select { name: "kind", label: "Only messages of kind", options: kinds,
                           hint: Some("Produce responses from a broker to a producer: a lost acknowledgement.".into()) }
                    .render(&form, ID) }
                { Check { name: "both_ways", label: "Both directions", hint: None }.render(&form, ID) }
            }
            if kind == "drop" {
                <div class="field-pair">
                    { Text { name: "count", label: "How many (empty: every one)", inputmode: numeric, ..Text::default() }
                        .render(&form, ID) }
                    { Text { name: "probability", label: "Probability (0 to 1)", inputmode: Some("decimal"), ..Text::default() }
                        .render(&form, ID) }
                </div>
            }
            if kind == "delay" {
                { Text { name: "extra_ms", label: "Extra latency (ms)", inputmode: numeric, ..Text::default() }.render(&form, ID) }
            }
            { form::footer(&form, ID, "Add fault") }
        </form>
        <h3 class="small" id="faults-title">{ "Active faults" }</h3>
        if props.options.faults.is_empty() {
            <p class="hint" data-testid="faults-empty">{ "None: every message arrives." }</p>
        } else {
            <ul class="fault-list" data-testid="faults" aria-labelledby="faults-title">
                { for props.options.faults.iter().map(|(id, text)| html! {
                    <li key={*id} data-testid={format!("fault-{id}")}>
                        <span data-testid={format!("fault-{id}-text")}>{ text.clone() }</span>
                        { " " }
                        <button type="button" class="btn" data-testid={format!("fault-{id}-heal")}
                            aria-label={format!("Heal fault {id}: {text}")} onclick={heal(*id)}>{ "Heal" }</button>
                    </li>
                }) }
            </ul>
        }
        </>
    }
}
