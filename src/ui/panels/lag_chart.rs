//! Consumer-group lag over simulated time, drawn as inline SVG: one line
//! per group, each with its own colour from the colour-blind-safe palette
//! AND its own dash pattern (colour is never the only way to tell lines
//! apart), labelled axes, a legend, and a sentence per group saying what
//! the lines show.

use yew::prelude::*;

use super::describe::time_label;
use crate::engine::time::Millis;
use crate::float_text;
use crate::ui::history::History;

/// Palette slots (`--k0`…`--k6`) in the order lines use them: the darker,
/// more distinct colours first, the light yellow last.
pub const LINE_COLOURS: [u32; 7] = [4, 5, 2, 0, 6, 1, 3];
/// Dash patterns, one per line (solid first).
pub const LINE_DASHES: [&str; 7] = ["", "8 4", "2 3", "10 3 2 3", "4 4", "1 4", "14 4"];

/// One group's lag over the sampled history.
#[derive(Debug, Clone, PartialEq)]
pub struct LagSeries {
    pub group: String,
    /// (time, total lag), oldest first; only the samples where the group was known.
    pub points: Vec<(Millis, i64)>,
}

impl LagSeries {
    pub fn last(&self) -> i64 {
        self.points.last().map_or(0, |p| p.1)
    }
    /// The highest lag and when it was first reached.
    pub fn peak(&self) -> (i64, Millis) {
        self.points.iter().fold((0, 0), |best, &(t, v)| if v > best.0 { (v, t) } else { best })
    }
    /// Compared with about five simulated seconds earlier.
    pub fn trend(&self) -> &'static str {
        let Some(&(t_last, last)) = self.points.last() else { return "steady" };
        let earlier = self.points.iter().rev().find(|(t, _)| *t <= t_last - 5_000).or(self.points.first());
        match earlier.map(|&(_, v)| v) {
            Some(v) if last > v => "growing",
            Some(v) if last < v => "shrinking",
            _ => "steady",
        }
    }
}

/// Each group's series, by group name (so a group keeps its colour).
pub fn lag_series(history: &History) -> Vec<LagSeries> {
    let mut out: Vec<LagSeries> = Vec::new();
    for sample in &history.samples {
        for g in &sample.groups {
            let i = match out.binary_search_by(|s| s.group.as_str().cmp(&g.group)) {
                Ok(i) => i,
                Err(i) => {
                    out.insert(i, LagSeries { group: g.group.clone(), points: Vec::new() });
                    i
                }
            };
            out[i].points.push((sample.time, g.total));
        }
    }
    out
}

/// The sentence a screen reader gets instead of the picture.
pub fn summary(series: &[LagSeries], history: &History) -> String {
    if series.is_empty() {
        return "No consumer group has committed offsets yet: lag appears once a group commits.".to_string();
    }
    let span = match (history.samples.front(), history.samples.back()) {
        (Some(a), Some(b)) => crate::ui::model::format_time(b.time - a.time),
        _ => "0 s".to_string(),
    };
    let each: Vec<String> = series
        .iter()
        .map(|s| match s.peak() {
            (0, _) => format!("{}: no lag so far", s.group),
            (peak, at) => {
                format!("{}: lag {} now, {} (peak {peak} at {})", s.group, s.last(), s.trend(), time_label(at))
            }
        })
        .collect();
    format!("Lag over the last {span}. {}.", each.join("; "))
}

/// A round step for about four ticks up to `max`.
pub fn nice_step(max: f64) -> f64 {
    if max <= 4.0 {
        return 1.0;
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    step.max(1.0)
}

const W: f64 = 600.0;
const H: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;
/// The x axis covers at least this much simulated time.
const SPAN_MIN_MS: Millis = 10_000;
/// Points per line at most (every n-th sample).
const POINTS_MAX: usize = 240;

/// Consumer-group lag over simulated time. A function, drawn by the
/// metrics panel below its table: both show the same throttled history
/// (see `throttle`), and a component type of its own cost more wasm.
pub fn lag_chart(history: &History) -> Html {
    let series = lag_series(history);
    let text = summary(&series, history);
    let samples = &history.samples;
    let t1 = samples.back().map_or(0, |s| s.time);
    let t0 = samples.front().map_or(0, |s| s.time).min(t1 - SPAN_MIN_MS).max(0);
    let t1 = t1.max(t0 + SPAN_MIN_MS);
    let max = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).max().unwrap_or(0).max(1) as f64;
    let step = nice_step(max);
    let y_max = (max / step).ceil() * step;
    let x = |t: Millis| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - v / y_max * (H - TOP - BOTTOM);

    let y_ticks: Vec<f64> = (0..=((y_max / step) as i64)).map(|i| i as f64 * step).collect();
    let x_step = nice_step(((t1 - t0) / 1000) as f64).max(1.0) as Millis * 1000;
    let x_ticks: Vec<Millis> =
        (0..).map(|i| (t0 / x_step + i) * x_step).skip_while(|t| *t < t0).take_while(|t| *t <= t1).collect();

    html! {
        <section class="panel lag-chart" aria-labelledby="lag-title" data-testid="lag-chart">
            <h2 id="lag-title">{ "Consumer lag" }</h2>
            <figure class="chart">
                <svg viewBox={format!("0 0 {} {}", float_text::display(W), float_text::display(H))} role="img" aria-labelledby="lag-title lag-summary" data-testid="lag-svg">
                    <g class="grid">
                        { for y_ticks.iter().map(|v| html! {
                            <g>
                                <line x1={float_text::display(LEFT)} x2={float_text::display(W - RIGHT)} y1={float_text::display(y(*v))} y2={float_text::display(y(*v))} />
                                <text x={float_text::display(LEFT - 6.0)} y={float_text::display(y(*v) + 4.0)} text-anchor="end">{ float_text::display(*v) }</text>
                            </g>
                        }) }
                        { for x_ticks.iter().map(|t| html! {
                            <text x={float_text::display(x(*t))} y={float_text::display(H - BOTTOM + 16.0)} text-anchor="middle">{ format!("{} s", t / 1000) }</text>
                        }) }
                    </g>
                    <line class="axis" x1={float_text::display(LEFT)} x2={float_text::display(LEFT)} y1={float_text::display(TOP)} y2={float_text::display(H - BOTTOM)} />
                    <line class="axis" x1={float_text::display(LEFT)} x2={float_text::display(W - RIGHT)} y1={float_text::display(H - BOTTOM)} y2={float_text::display(H - BOTTOM)} />
                    <text class="axis-label" x={float_text::display((LEFT + W - RIGHT) / 2.0)} y={float_text::display(H - 4.0)} text-anchor="middle">
                        { "simulated time" }
                    </text>
                    <text class="axis-label" transform={format!("translate(14 {}) rotate(-90)", float_text::display((TOP + H - BOTTOM) / 2.0))} text-anchor="middle">
                        { "lag (records)" }
                    </text>
                    { for series.iter().enumerate().map(|(i, s)| {
                        let stride = s.points.len().div_ceil(POINTS_MAX).max(1);
                        let mut picked: Vec<&(Millis, i64)> = s.points.iter().rev().step_by(stride).collect();
                        picked.reverse();
                        let points: Vec<String> =
                            picked.iter().map(|(t, v)| format!("{},{}", float_text::fixed(x(*t), 1), float_text::fixed(y(*v as f64), 1))).collect();
                        html! {
                            <polyline key={s.group.clone()} class={format!("lag-line k{}", LINE_COLOURS[i % 7])}
                                stroke-dasharray={Some(LINE_DASHES[i % 7]).filter(|d| !d.is_empty())}
                                points={points.join(" ")} />
                        }
                    }) }
                </svg>
                <figcaption>
                    if !series.is_empty() {
                        <ul class="lag-legend" aria-hidden="true">
                            { for series.iter().enumerate().map(|(i, s)| html! {
                                <li key={s.group.clone()}>
                                    <svg width="28" height="10" viewBox="0 0 28 10">
                                        <line class={format!("lag-line k{}", LINE_COLOURS[i % 7])} x1="1" x2="27" y1="5" y2="5"
                                            stroke-dasharray={Some(LINE_DASHES[i % 7]).filter(|d| !d.is_empty())} />
                                    </svg>
                                    { format!(" {} ({})", s.group, s.last()) }
                                </li>
                            }) }
                        </ul>
                    }
                    <p id="lag-summary" class="small" data-testid="lag-summary">{ text }</p>
                </figcaption>
            </figure>
        </section>
    }
}
