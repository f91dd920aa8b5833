//! The engine gives the same answers in the browser as natively (the native
//! side of each expectation is pinned by the engine's unit tests).

use std::sync::Arc;

use kafka_playground::engine::blob::Blob;
use kafka_playground::engine::error::KafkaError;
use kafka_playground::engine::record::{Record, RecordBatch, TimestampType, RECORD_BATCH_OVERHEAD};
use wasm_bindgen_test::wasm_bindgen_test;

fn record(offset_delta: i32, key: Option<&str>, value: &str) -> Record {
    Record {
        offset_delta,
        timestamp_delta: 0,
        key: key.map(Blob::from),
        value: Some(Blob::from(value)),
        headers: vec![],
    }
}

#[wasm_bindgen_test]
fn kafka_error_names_and_codes_match_kafka() {
    assert_eq!(KafkaError::NotEnoughReplicas.name(), "NOT_ENOUGH_REPLICAS");
    assert_eq!(KafkaError::NotEnoughReplicas.code(), 19);
    assert_eq!(KafkaError::from_code(6), Some(KafkaError::NotLeaderOrFollower));
}

#[wasm_bindgen_test]
fn record_with_ten_byte_value_and_no_key_is_seventeen_bytes() {
    assert_eq!(record(0, None, "0123456789").size_in_bytes(), 17);
}

#[wasm_bindgen_test]
fn batch_size_is_header_plus_records() {
    let batch = RecordBatch {
        base_offset: 100,
        last_offset_delta: 1,
        partition_leader_epoch: 0,
        first_timestamp: 0,
        max_timestamp: 0,
        timestamp_type: TimestampType::CreateTime,
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
        is_transactional: false,
        control: None,
        records: Arc::new(vec![record(0, None, "0123456789"), record(1, Some("k"), "0123456789")]),
    };
    assert_eq!(RECORD_BATCH_OVERHEAD, 61);
    // The keyed record is one byte of key longer: 17 + 1.
    assert_eq!(batch.size_in_bytes(), 61 + 17 + 18);
    assert_eq!(batch.next_offset(), 102);
}
