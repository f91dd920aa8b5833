//! The frame loop: on every `requestAnimationFrame` the app dispatches
//! `Action::Tick { dt_ms }` with the wall time since the previous frame; the
//! reducer advances the simulation by `dt × speed` (clamping long gaps, see
//! `state::FRAME_DT_MAX_MS`), then reports how long that took (tick and
//! render) with `Action::FrameCost`, which tunes how often the snapshot is
//! rebuilt.
//!
//! With `?bench` in the URL the loop also records, per frame, the interval
//! since the previous frame and the time the tick took (reducer + render),
//! in `window.__kpFrames` as `[interval_ms, work_ms]` pairs, for
//! `tests/e2e/frame_bench.mjs`.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::state::{Action, AppState};

/// The global the frame-time benchmark reads.
pub const BENCH_GLOBAL: &str = "__kpFrames";

/// A running frame loop; stops when dropped.
struct FrameLoop {
    stopped: Rc<Cell<bool>>,
    request_id: Rc<Cell<i32>>,
}

impl FrameLoop {
    fn start(on_frame: Rc<dyn Fn(f64)>) -> FrameLoop {
        let this = FrameLoop { stopped: Rc::new(Cell::new(false)), request_id: Rc::new(Cell::new(0)) };
        schedule(on_frame, this.stopped.clone(), this.request_id.clone(), None);
        this
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        self.stopped.set(true);
        if let Some(window) = web_sys::window() {
            let _ = window.cancel_animation_frame(self.request_id.get());
        }
    }
}

/// Requests the next frame. Each frame's closure frees itself once called
/// (`once_into_js`), so the loop holds no reference cycle.
fn schedule(on_frame: Rc<dyn Fn(f64)>, stopped: Rc<Cell<bool>>, request_id: Rc<Cell<i32>>, last: Option<f64>) {
    let Some(window) = web_sys::window() else { return };
    let id_cell = request_id.clone();
    let callback = Closure::once_into_js(move |timestamp: f64| {
        if stopped.get() {
            return;
        }
        let dt = last.map_or(0.0, |l| (timestamp - l).max(0.0));
        on_frame(dt);
        schedule(on_frame, stopped, request_id, Some(timestamp));
    });
    if let Ok(id) = window.request_animation_frame(callback.unchecked_ref()) {
        id_cell.set(id);
    }
}

fn performance_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Appends one frame's numbers to `window.__kpFrames`.
fn record_frame(interval_ms: f64, work_ms: f64) {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str(BENCH_GLOBAL);
    let frames = match js_sys::Reflect::get(&window, &key) {
        Ok(v) if v.is_instance_of::<js_sys::Array>() => v.unchecked_into::<js_sys::Array>(),
        _ => {
            let fresh = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&window, &key, &fresh);
            fresh
        }
    };
    let pair = js_sys::Array::of2(&JsValue::from_f64(interval_ms), &JsValue::from_f64(work_ms));
    frames.push(&pair);
}

/// Drives the app from animation frames for as long as the component lives.
#[hook]
pub fn use_frame_loop(dispatcher: UseReducerDispatcher<AppState>, record: bool) {
    use_effect_with((), move |_| {
        let on_frame: Rc<dyn Fn(f64)> = Rc::new(move |dt_ms: f64| {
            let started = performance_now();
            dispatcher.dispatch(Action::Tick { dt_ms });
            // Yew renders in a microtask queued by the dispatch; a task queued
            // now runs after it, so this measures the tick and the render.
            let dispatcher = dispatcher.clone();
            yew::platform::spawn_local(async move {
                let work_ms = performance_now() - started;
                // Tunes how often the snapshot is rebuilt; renders nothing.
                dispatcher.dispatch(Action::FrameCost { work_ms });
                if record {
                    record_frame(dt_ms, work_ms);
                }
            });
        });
        let frame_loop = FrameLoop::start(on_frame);
        move || drop(frame_loop)
    });
}
