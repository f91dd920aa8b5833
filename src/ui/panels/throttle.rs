//! Panels full of numbers do not need to redraw 20 or 60 times a second:
//! nobody reads that fast, and the frame budget belongs to the cluster
//! picture. [`use_throttled`] hands a component the newest value at most
//! every `every_ms` of wall time, and always catches up with the last one
//! (a trailing update), so a paused or stepped cluster is shown exactly.
//!
//! The app throttles the snapshot, history and event rings it hands the
//! clients, metrics, lag and event panels (through one throttle), and
//! its callbacks are made once: Yew skips a panel whose inputs did not
//! change. (A throttling wrapper component per panel was Yew's
//! per-component code four more times in the wasm.)

/// How often a panel shows a new snapshot, event ring or history at most (wall ms).
pub const PANEL_REFRESH_MS: f64 = 250.0;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use yew::platform::spawn_local;
use yew::platform::time::sleep;
use yew::prelude::*;

/// Wall-clock milliseconds (monotonic in the browser).
fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

struct Throttle<T> {
    shown: T,
    shown_at: f64,
    /// A trailing update is scheduled.
    pending: bool,
}

/// `value`, or the one shown less than `every_ms` ago. The first value is
/// shown at once; a newer one held back is shown when its time comes.
#[hook]
pub fn use_throttled<T>(value: T, every_ms: f64) -> T
where
    T: Clone + PartialEq + 'static,
{
    let state: Rc<RefCell<Throttle<T>>> = {
        let first = value.clone();
        use_mut_ref(move || Throttle { shown: first, shown_at: f64::NEG_INFINITY, pending: false })
    };
    let redraw = use_force_update();
    let now = now_ms();
    let mut s = state.borrow_mut();
    if s.shown != value {
        let waited = now - s.shown_at;
        if waited >= every_ms {
            s.shown = value;
            s.shown_at = now;
        } else if !s.pending {
            // A sleeping task rather than a timer handle: nothing to cancel
            // or leak; after an unmount the redraw does nothing.
            s.pending = true;
            let state = state.clone();
            let due = s.shown_at + every_ms;
            let wait = Duration::from_millis((every_ms - waited).ceil().max(1.0) as u64);
            spawn_local(async move {
                sleep(wait).await;
                let behind = {
                    let mut s = state.borrow_mut();
                    s.pending = false;
                    // A render since `due` took the newest value already (a
                    // running cluster renders every frame): the app need not
                    // render once more for it.
                    let behind = s.shown_at < due;
                    if behind {
                        s.shown_at = f64::NEG_INFINITY;
                    }
                    behind
                };
                if behind {
                    redraw.force_update();
                }
            });
        }
    }
    s.shown.clone()
}
