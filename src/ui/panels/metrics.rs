//! Kafka's metrics by Kafka's names, each with a line saying what it
//! counts, its MBean, and a small trend line from the sampled history.

use yew::prelude::*;

use super::lag_chart::lag_chart;
use super::MetricsPanelProps;
use crate::engine::metrics::MeterReading;
use crate::float_text;
use crate::ui::history::Sample;
use crate::ui::markup::class_list;

/// One metric as the panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Kafka's name (`UnderReplicatedPartitions`).
    pub name: &'static str,
    /// Where Kafka publishes it.
    pub mbean: &'static str,
    /// The reading now (`3`, `12/s`).
    pub value: String,
    /// For meters: the count since the start.
    pub total: Option<u64>,
    pub explain: &'static str,
    /// The same reading over the sampled history, oldest first (empty: not sampled).
    pub series: Vec<f64>,
    /// `bad` / `warn` when the value is a problem, else "".
    pub tone: &'static str,
}

fn meter(name: &'static str, mbean: &'static str, r: MeterReading, explain: &'static str) -> MetricRow {
    MetricRow {
        name,
        mbean,
        value: format!("{}/s", r.per_sec),
        total: Some(r.total),
        explain,
        series: Vec::new(),
        tone: "",
    }
}

/// The rows, from the snapshot's metrics and the history's samples.
pub fn metric_rows(props: &MetricsPanelProps) -> Vec<MetricRow> {
    let m = &props.snapshot.metrics;
    let samples = &props.history.samples;
    // At most SPARK_POINTS points: every n-th sample, ending with the newest.
    let stride = samples.len().div_ceil(SPARK_POINTS).max(1);
    let series = |f: fn(&Sample) -> f64| {
        let mut points: Vec<f64> = samples.iter().rev().step_by(stride).map(|s| f(s)).collect();
        points.reverse();
        points
    };
    let bad_if = |v: u64, tone: &'static str| if v > 0 { tone } else { "" };
    let mut rows = vec![
        MetricRow {
            name: "UnderReplicatedPartitions",
            mbean: "kafka.server:type=ReplicaManager",
            value: m.under_replicated_partitions.to_string(),
            total: None,
            explain: "Partitions whose ISR is smaller than their replica list: a follower is down or behind. Healthy: 0.",
            series: series(|s| s.under_replicated_partitions as f64),
            tone: bad_if(m.under_replicated_partitions as u64, "warn"),
        },
        MetricRow {
            name: "OfflinePartitionsCount",
            mbean: "kafka.controller:type=KafkaController",
            value: m.offline_partitions_count.to_string(),
            total: None,
            explain: "Partitions with no leader: nobody can write to them or read from them. Healthy: 0.",
            series: series(|s| s.offline_partitions_count as f64),
            tone: bad_if(m.offline_partitions_count as u64, "bad"),
        },
        MetricRow {
            series: series(|s| s.messages_in_per_sec as f64),
            ..meter(
                "MessagesInPerSec",
                "kafka.server:type=BrokerTopicMetrics",
                m.messages_in_per_sec,
                "Records appended by partition leaders to user topics.",
            )
        },
        MetricRow {
            series: series(|s| s.bytes_in_per_sec as f64),
            ..meter(
                "BytesInPerSec",
                "kafka.server:type=BrokerTopicMetrics",
                m.bytes_in_per_sec,
                "Bytes of those records as stored (record batches, Kafka's encoding).",
            )
        },
        MetricRow {
            series: series(|s| s.failed_produce_requests_per_sec as f64),
            tone: bad_if(m.failed_produce_requests_per_sec.per_sec, "warn"),
            ..meter(
                "FailedProduceRequestsPerSec",
                "kafka.server:type=BrokerTopicMetrics",
                m.failed_produce_requests_per_sec,
                "Produce attempts that failed, per partition (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, timeouts…).",
            )
        },
        MetricRow {
            tone: bad_if(m.isr_shrinks_per_sec.per_sec, "warn"),
            ..meter(
                "IsrShrinksPerSec",
                "kafka.server:type=ReplicaManager",
                m.isr_shrinks_per_sec,
                "Followers a leader dropped from the ISR (not caught up for replica.lag.time.max.ms).",
            )
        },
        meter(
            "IsrExpandsPerSec",
            "kafka.server:type=ReplicaManager",
            m.isr_expands_per_sec,
            "Followers that caught up with their leader and rejoined the ISR.",
        ),
        meter(
            "LeaderElectionRateAndTimeMs",
            "kafka.controller:type=ControllerStats",
            m.leader_election_rate,
            "Leader elections by the controller (Kafka also times them; here they are counted).",
        ),
        MetricRow {
            tone: bad_if(m.unclean_leader_elections_per_sec.total, "bad"),
            ..meter(
                "UncleanLeaderElectionsPerSec",
                "kafka.controller:type=ControllerStats",
                m.unclean_leader_elections_per_sec,
                "Leaders chosen from outside the ISR (unclean.leader.election.enable): acknowledged records can be lost.",
            )
        },
    ];
    let lag = props.history.latest().map(|s| s.records_lag_max);
    rows.push(MetricRow {
        name: "records-lag-max",
        mbean: "kafka.consumer:type=consumer-fetch-manager-metrics",
        value: lag.map(|l| l.to_string()).unwrap_or_else(|| "–".to_string()),
        total: None,
        explain: "The most records any consumer is behind its partition's high watermark (largest over consumers).",
        series: series(|s| s.records_lag_max as f64),
        tone: "",
    });
    rows
}

/// Kafka's metrics, by Kafka's names (from the throttled snapshot and
/// history, see `throttle`), then the lag chart (`lag_chart`). A function,
/// drawn by `EventLog`, which re-renders for the same data.
pub fn metrics_panel(props: &MetricsPanelProps) -> Html {
    let rows = metric_rows(props);
    html! {
        <>
            <section class="panel metrics-panel" aria-labelledby="metrics-title" data-testid="metrics-panel">
                <h2 id="metrics-title">{ "Metrics" }</h2>
                <p class="muted small">
                    { "Rates count the last simulated second (Kafka's meters report a moving average of the same thing)." }
                </p>
                <table class="metrics">
                    <thead>
                        <tr>
                            <th scope="col">{ "Metric" }</th>
                            <th scope="col" class="num">{ "Now" }</th>
                            <th scope="col"><span class="sr-only">{ "Trend" }</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(metric_row) }
                    </tbody>
                </table>
            </section>
            { lag_chart(&props.history) }
        </>
    }
}

fn metric_row(row: &MetricRow) -> Html {
    let testid = format!("metric-{}", row.name);
    let value_class = class_list("num metric-value", &[(!row.tone.is_empty(), &format!("tone-{}", row.tone))]);
    html! {
        <tr key={row.name}>
            <th scope="row">
                <code title={row.mbean}>{ row.name }</code>
                <div class="explain">{ row.explain }</div>
            </th>
            <td class={value_class}>
                <span data-testid={testid}>{ row.value.clone() }</span>
                if let Some(total) = row.total {
                    <div class="muted small">{ format!("{total} total") }</div>
                }
            </td>
            <td class="trend">{ sparkline(&row.series) }</td>
        </tr>
    }
}

const SPARK_W: f64 = 72.0;
const SPARK_POINTS: usize = 72;
const SPARK_H: f64 = 20.0;

/// A small line of the series (decorative: the number is the reading).
fn sparkline(series: &[f64]) -> Html {
    if series.len() < 2 {
        return html! {};
    }
    let max = series.iter().copied().fold(0.0_f64, f64::max);
    let step = SPARK_W / (series.len() - 1) as f64;
    let points: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let y = if max > 0.0 { SPARK_H - 1.0 - (v / max) * (SPARK_H - 2.0) } else { SPARK_H - 1.0 };
            format!("{},{}", float_text::fixed(i as f64 * step, 1), float_text::fixed(y, 1))
        })
        .collect();
    html! {
        <svg class="spark" viewBox={format!("0 0 {} {}", float_text::display(SPARK_W), float_text::display(SPARK_H))} width={float_text::display(SPARK_W)} height={float_text::display(SPARK_H)}
            aria-hidden="true" focusable="false">
            <polyline points={points.join(" ")} />
        </svg>
    }
}
