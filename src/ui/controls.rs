//! The clock and scenario controls: play / pause / step, speed on a log
//! scale, the simulated clock, the timeline (rewind to any moment of the
//! run, fork from there), the seed and the scenario picker.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::model::format_time;
use super::scenarios::BUILT_IN;
use super::state::{SPEED_MAX, SPEED_MIN};
use crate::engine::time::Millis;
use crate::float_text;

/// Slider position (log10 of the speed) to speed.
pub fn speed_of_slider(position: f64) -> f64 {
    10f64.powf(position).clamp(SPEED_MIN, SPEED_MAX)
}

/// Speed to slider position.
pub fn slider_of_speed(speed: f64) -> f64 {
    speed.clamp(SPEED_MIN, SPEED_MAX).log10()
}

/// `0.1×`, `2.5×`, `100×`.
pub fn format_speed(speed: f64) -> String {
    if speed >= 10.0 {
        format!("{}×", float_text::fixed(speed, 0))
    } else if speed >= 1.0 {
        format!("{}×", float_text::fixed(speed, 1))
    } else {
        format!("{}×", float_text::fixed(speed, 2))
    }
}

/// Parses a seed typed by a person: a whole number 0 ..= 2^64 - 1.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter a seed (a whole number)".to_string());
    }
    text.parse::<u64>().map_err(|_| format!("{text:?} is not a whole number from 0 to {}", u64::MAX))
}

pub struct ControlsProps {
    pub playing: bool,
    pub speed: f64,
    pub now: Millis,
    pub seed: u64,
    /// The running scenario's id.
    pub scenario_id: AttrValue,
    pub on_toggle_play: Callback<()>,
    pub on_step: Callback<()>,
    pub on_speed: Callback<f64>,
    pub on_seed: Callback<u64>,
    pub on_scenario: Callback<String>,
    pub on_help: Callback<()>,
    /// The furthest time this run has reached (the timeline's end).
    pub horizon: Millis,
    /// Commands given after `now` (after a rewind) that `on_fork` forgets.
    pub later_commands: u32,
    pub on_seek: Callback<Millis>,
    pub on_fork: Callback<()>,
    /// The embedded view: no scenario picker and no seed field (the page
    /// embedding it chose the lesson).
    pub compact: bool,
}

/// The controls' own state: the seed being typed and its error, and the
/// timeline's thumb while it is dragged.
pub struct ControlsState {
    seed_text: UseStateHandle<String>,
    seed_error: UseStateHandle<Option<String>>,
    dragging: UseStateHandle<Option<Millis>>,
}

/// [`ControlsState`], a hook of the app (the controls are drawn by
/// [`controls`], a function: they change with the clock every frame).
#[hook]
pub fn use_controls(seed: u64) -> ControlsState {
    let seed_text = use_state(|| seed.to_string());
    let seed_error = use_state(|| None::<String>);
    {
        // A new run (scenario change) resets the field to the running seed.
        let seed_text = seed_text.clone();
        let seed_error = seed_error.clone();
        use_effect_with(seed, move |seed| {
            seed_text.set(seed.to_string());
            seed_error.set(None);
        });
    }
    // While the timeline's thumb is dragged it shows the drag, not the
    // running clock; letting go rewinds (one replay, not one per pixel).
    let dragging = use_state(|| None::<Millis>);
    ControlsState { seed_text, seed_error, dragging }
}

pub fn controls(props: ControlsProps, state: &ControlsState) -> Html {
    let (seed_text, seed_error) = (&state.seed_text, &state.seed_error);

    let on_play = props.on_toggle_play.reform(|_: MouseEvent| ());
    let on_step = props.on_step.reform(|_: MouseEvent| ());
    let on_help = props.on_help.reform(|_: MouseEvent| ());
    let on_speed = props.on_speed.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        speed_of_slider(float_text::parse(&input.value()).unwrap_or(0.0))
    });
    let on_seed_input = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            seed_text.set(input.value());
        })
    };
    let on_seed_submit = {
        let seed_text = seed_text.clone();
        let seed_error = seed_error.clone();
        let on_seed = props.on_seed.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match parse_seed(&seed_text) {
                Ok(seed) => {
                    seed_error.set(None);
                    on_seed.emit(seed);
                }
                Err(message) => seed_error.set(Some(message)),
            }
        })
    };
    let on_scenario = props.on_scenario.reform(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        select.value()
    });

    let dragging = &state.dragging;
    let on_timeline_input = {
        let dragging = dragging.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dragging.set(float_text::parse(&input.value()).map(|v| v as Millis));
        })
    };
    let on_timeline_change = {
        let (dragging, on_seek) = (dragging.clone(), props.on_seek.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dragging.set(None);
            if let Some(v) = float_text::parse(&input.value()) {
                on_seek.emit(v as Millis);
            }
        })
    };
    let on_fork = props.on_fork.reform(|_: MouseEvent| ());
    let shown_time = (**dragging).unwrap_or(props.now);
    let behind = props.horizon - props.now;

    let speed_text = format_speed(props.speed);
    html! {
        <div class="controls" role="toolbar" aria-label="Simulation controls">
            <button class="btn btn-primary play" data-testid="play-pause" onclick={on_play}
                aria-label={if props.playing { "Pause (Space)" } else { "Play (Space)" }}>
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button class="btn" data-testid="step" onclick={on_step}
                aria-label="Step to the next event (Right arrow)" title="Step to the next event (→)">
                { "Step ▸" }
            </button>
            <label class="speed">
                <span>{ "Speed" }</span>
                <input type="range" data-testid="speed" min="-1" max="2" step="0.05"
                    value={float_text::fixed(slider_of_speed(props.speed), 2)}
                    aria-valuetext={format!("{speed_text} real time")}
                    oninput={on_speed} />
                <output data-testid="speed-value">{ speed_text }</output>
            </label>
            <div class="clock" aria-label="Simulated time">
                <span class="clock-label">{ "t =" }</span>
                <output data-testid="sim-clock">{ format_time(props.now) }</output>
            </div>
            <div class="timeline">
                <input type="range" data-testid="timeline" min="0" max={props.horizon.to_string()} step="1"
                    value={shown_time.to_string()} aria-label="Timeline: rewind to any moment of this run"
                    aria-valuetext={format_time(shown_time)}
                    title="Drag back to replay this run from an earlier moment"
                    oninput={on_timeline_input} onchange={on_timeline_change} />
                if behind > 0 {
                    <span class="muted small" data-testid="timeline-behind">
                        { format!("rewound: {} before the end", format_time(behind)) }
                    </span>
                }
                if props.later_commands > 0 {
                    <button type="button" class="btn" data-testid="fork" onclick={on_fork}
                        title="The run goes another way from here: commands you gave later will not happen">
                        { format!("Fork here (forget {} later command{})", props.later_commands,
                            if props.later_commands == 1 { "" } else { "s" }) }
                    </button>
                }
            </div>
            if !props.compact {
            <label class="scenario">
                <span>{ "Scenario" }</span>
                <select data-testid="scenario" onchange={on_scenario}>
                    { for BUILT_IN.iter().map(|b| html! {
                        <option value={b.id} selected={b.id == props.scenario_id.as_str()}>{ b.title }</option>
                    }) }
                    if !BUILT_IN.iter().any(|b| b.id == props.scenario_id.as_str()) {
                        <option value={props.scenario_id.clone()} selected=true>{ props.scenario_id.clone() }</option>
                    }
                </select>
            </label>
            <form class="seed" onsubmit={on_seed_submit}>
                <label>
                    <span>{ "Seed" }</span>
                    <input type="text" inputmode="numeric" data-testid="seed" size="8"
                        value={(**seed_text).clone()} oninput={on_seed_input}
                        aria-invalid={seed_error.is_some().then_some("true")}
                        aria-describedby={seed_error.is_some().then_some("seed-error")} />
                </label>
                <button class="btn" type="submit" title="Restart the scenario with this seed">{ "Restart" }</button>
                if let Some(message) = &**seed_error {
                    <span id="seed-error" class="field-error" role="alert">{ message.clone() }</span>
                }
            </form>
            }
            <button class="btn help-btn" onclick={on_help} aria-label="Keyboard shortcuts (?)" title="Keyboard shortcuts (?)">{ "?" }</button>
        </div>
    }
}
