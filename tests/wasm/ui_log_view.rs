//! The log view's columns: one per record of the drawn window, a gap where
//! offsets have no record (compaction), and the log end last, so replica
//! rows line up offset for offset.

use kafka_playground::engine::log::LogSnapshot;
use kafka_playground::ui::log_view::{column_of, columns, Column};
use kafka_playground::ui::model;
use kafka_playground::ui::state::Action;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::Reducible;

/// The leader's log of the scenario's first topic after `seconds` of simulated time.
fn leader_log(scenario: &str, seconds: u32) -> LogSnapshot {
    let mut state = crate::panels::lesson(scenario);
    state = state.reduce(Action::SetSpeed(100.0));
    for _ in 0..seconds * 10 {
        // Play on: the scenario's lesson pauses the run at its question.
        state = state.reduce(Action::Play).reduce(Action::Tick { dt_ms: 1.0 });
    }
    state = state.reduce(Action::Step);
    let topic = state.selection.topic.clone().expect("a topic");
    let tp = kafka_playground::engine::ids::TopicPartition::new(topic, 0);
    model::leader_replica(&state.snapshot, &tp).expect("a leader").log.clone()
}

fn check_shape(log: &LogSnapshot) -> Vec<Column> {
    let cols = columns(&[log]);
    assert_eq!(cols.last(), Some(&Column::End(log.log_end_offset)), "the log end comes last");
    let drawn: Vec<i64> = cols.iter().filter_map(|c| if let Column::Record(o) = c { Some(*o) } else { None }).collect();
    let records: Vec<i64> = log.records.iter().map(|r| r.offset).collect();
    assert_eq!(drawn, records, "one column per record of the window, in order");
    for pair in cols.windows(2) {
        if let [Column::Record(a), Column::Record(b)] = pair {
            assert_eq!(*b, a + 1, "consecutive record columns are consecutive offsets (else a gap between)");
        }
        if let [Column::Record(a), Column::Gap { from, to }] = pair {
            assert_eq!(*from, a + 1);
            assert!(to > from);
        }
    }
    cols
}

#[wasm_bindgen_test]
fn a_busy_log_is_drawn_from_its_newest_records_with_the_older_ones_summarised() {
    let log = leader_log("quickstart", 20);
    let cols = check_shape(&log);
    assert!(log.record_count > log.records.len() as u64, "more records than the window: {}", log.record_count);
    assert!(
        matches!(cols[0], Column::Older { from, to } if from == log.log_start_offset && to == log.records[0].offset)
    );
    assert_eq!(column_of(&cols, log.log_start_offset), Some(0), "an offset before the window maps to the first column");
    assert_eq!(column_of(&cols, log.log_end_offset), Some(cols.len() - 1));
}

#[wasm_bindgen_test]
fn a_compacted_log_drawn_whole_shows_the_removed_offsets_as_a_gap() {
    let log = leader_log("compaction", 45);
    let cols = check_shape(&log);
    assert_eq!(log.record_count, log.records.len() as u64, "the whole compacted log fits the window");
    let first = log.records[0].offset;
    assert!(first > log.log_start_offset, "compaction removed the oldest offsets");
    assert_eq!(cols[0], Column::Gap { from: log.log_start_offset, to: first });
}
