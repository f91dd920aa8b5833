//! Autosave: the session (the same scenario file "Export JSON" writes: the
//! scenario, this run's seed and every command) is kept in this browser's
//! `localStorage` as it changes, with the simulated time reached, so
//! reloading the page, or coming back later, resumes the same run at the
//! same moment. The engine is deterministic, so a resumed run is the same
//! run, not an approximation of it.
//!
//! Only the full app saves and restores: an embedded lesson (`?embed`), the
//! benchmark, or a URL that names a scenario or carries a share link starts
//! what it asks for and leaves the saved session alone.

use std::rc::Rc;

use yew::prelude::*;

use super::state::AppState;
use crate::engine::scenario::TimedCommand;
use crate::engine::time::Millis;

/// The storage key; the version changes if the saved shape ever does.
pub const KEY: &str = "kafka-playground.session.v1";

/// How often (wall ms) the saved time moves on while the run plays (the
/// clock can run at 100×). Commands, seeds and scenario changes are saved at once.
const SAVE_EVERY_MS: f64 = 2_000.0;

/// Resuming replays the run from its start; a run left playing for hours
/// at 100× would take long to replay, so it resumes at most this far in
/// (its later commands still happen, at their times, as it plays on).
pub const RESUME_MAX_MS: Millis = 15 * 60 * 1000;

/// A session read back from storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    /// The scenario id the picker shows (`quickstart`, `imported` …).
    pub id: String,
    /// Simulated time the run had reached.
    pub now: Millis,
    /// The session as a scenario file's text (parsed like an import).
    pub scenario_json: String,
    /// Which of its actions are the scenario's own script (indices), so
    /// "Fork" after a reload still tells them from the learner's commands.
    pub script: Vec<u32>,
}

fn storage() -> Option<web_sys::Storage> {
    // `local_storage` fails in sandboxed iframes and can be disabled: then
    // there is simply no autosave.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved text: one line of header (`id`, `now` and the script's
/// indices, tab-separated), then the scenario JSON. A plain header keeps
/// restoring to the one JSON parse an import does.
pub fn encode(saved: &Saved) -> String {
    let script: Vec<String> = saved.script.iter().map(u32::to_string).collect();
    format!("{}\t{}\t{}\n{}", saved.id, saved.now, script.join(","), saved.scenario_json)
}

/// Reads `encode`'s text back; `Err` names what is wrong with it.
pub fn decode(text: &str) -> Result<Saved, String> {
    let (header, json) = text.split_once('\n').ok_or("it has no header line")?;
    let mut fields = header.split('\t');
    let id = fields.next().unwrap_or_default();
    let now = fields.next().ok_or("its header has no time")?;
    let now = now.parse::<Millis>().ok().filter(|t| *t >= 0).ok_or_else(|| format!("bad time {now:?}"))?;
    if id.is_empty() {
        return Err("it has no scenario id".to_string());
    }
    let script = fields
        .next()
        .unwrap_or_default()
        .split(',')
        .filter(|i| !i.is_empty())
        .map(|i| i.parse::<u32>().map_err(|_| format!("bad script index {i:?}")))
        .collect::<Result<Vec<u32>, String>>()?;
    Ok(Saved { id: id.to_string(), now, scenario_json: json.to_string(), script })
}

/// The positions in `actions` of the `script`'s commands (each matched once).
pub fn script_indices(actions: &[TimedCommand], script: &[TimedCommand]) -> Vec<u32> {
    let mut left: Vec<&TimedCommand> = script.iter().collect();
    let mut found = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        if let Some(k) = left.iter().position(|s| *s == action) {
            left.swap_remove(k);
            found.push(i as u32);
        }
    }
    found
}

/// The session saved in this browser, if any; a damaged one is reported and forgotten.
pub fn load() -> Option<Result<Saved, String>> {
    let storage = storage()?;
    let text = storage.get_item(KEY).ok().flatten()?;
    let saved = decode(&text);
    if saved.is_err() {
        clear();
    }
    Some(saved)
}

/// Forgets the saved session.
pub fn clear() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(KEY);
    }
}

fn save(state: &AppState) {
    let Some(storage) = storage() else { return };
    let session = state.session_scenario();
    let script = script_indices(&session.actions, &state.scenario.script);
    let scenario_json = session.to_json();
    let saved = Saved { id: state.scenario.id.clone(), now: state.now, scenario_json, script };
    // A full storage quota only costs the autosave.
    let _ = storage.set_item(KEY, &encode(&saved));
}

/// Saves the session whenever it changes: a new scenario or seed, a command
/// (applied or refused), and every `SAVE_EVERY_MS` of wall time.
#[hook]
pub fn use_autosave(state: UseReducerHandle<AppState>, enabled: bool) {
    let commands = state.runner().log().len();
    let key = (
        enabled,
        Rc::as_ptr(&state.scenario.0) as usize,
        state.seed,
        commands,
        state.last_outcome.as_ref().map(|o| o.seq),
        (state.wall_ms / SAVE_EVERY_MS) as u64,
    );
    use_effect_with(key, move |(enabled, ..)| {
        if *enabled {
            save(&state);
        }
    });
}
