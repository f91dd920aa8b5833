//! Life cycle: registration, heartbeats, controlled shutdown, crash, topic deletion.

use super::harness::*;
use crate::engine::broker::BrokerTimer;
use crate::engine::config::BrokerConfig;
use crate::engine::error::KafkaError;
use crate::engine::event::{Event, ReplicationEvent};
use crate::engine::ids::NodeId;
use crate::engine::node::TestCtx;
use crate::engine::protocol::{
    BrokerHeartbeatResponse, BrokerRegistrationResponse, ControlledShutdownResponse, Message, MetadataImage, Request,
    Response,
};

#[test]
fn a_starting_broker_registers_heartbeats_at_once_then_on_its_interval() {
    let mut h = Harness::new(1);
    h.test = TestCtx::new(1);
    h.with(|b, ctx| b.start(ctx, 2));
    let requests = h.requests_to(NodeId::Controller);
    let (registration_id, Request::BrokerRegistration(r)) = &requests[0] else { panic!("expected a registration") };
    assert_eq!((r.broker_id, r.incarnation), (1, 2));
    let heartbeat = h.timers().into_iter().find(|(_, t)| matches!(t, BrokerTimer::Heartbeat { .. })).unwrap();
    assert_eq!(heartbeat.0, 2_000, "broker.heartbeat.interval.ms");

    // Unanswered: the next tick registers again.
    h.now = 2_000;
    h.fire(heartbeat.1.clone());
    assert!(matches!(h.requests_to(NodeId::Controller)[0].1, Request::BrokerRegistration(_)));

    h.now = 2_001;
    h.deliver(
        NodeId::Controller,
        Message::Response {
            correlation_id: *registration_id,
            body: Response::BrokerRegistration(BrokerRegistrationResponse { error: None }),
        },
    );
    let requests = h.requests_to(NodeId::Controller);
    assert!(
        matches!(requests[..], [(_, Request::BrokerHeartbeat(_))]),
        "the first heartbeat follows the registration at once, not a whole interval later"
    );
    h.now = 4_000;
    h.fire(heartbeat.1);
    let requests = h.requests_to(NodeId::Controller);
    let Request::BrokerHeartbeat(hb) = &requests[0].1 else { panic!("expected a heartbeat") };
    assert_eq!((hb.broker_id, hb.incarnation, hb.want_shutdown), (1, 2, false));
}

#[test]
fn a_heartbeat_error_makes_the_broker_register_again() {
    let mut h = Harness::new(1);
    h.deliver(
        NodeId::Controller,
        Message::Response {
            correlation_id: 1,
            body: Response::BrokerRegistration(BrokerRegistrationResponse { error: None }),
        },
    );
    h.sent();
    h.deliver(
        NodeId::Controller,
        Message::Response {
            correlation_id: 9,
            body: Response::BrokerHeartbeat(BrokerHeartbeatResponse {
                error: Some(KafkaError::StaleBrokerEpoch),
                is_fenced: true,
                should_shut_down: false,
            }),
        },
    );
    h.fire(BrokerTimer::Heartbeat { incarnation: 1 });
    assert!(matches!(h.requests_to(NodeId::Controller)[0].1, Request::BrokerRegistration(_)));
}

#[test]
fn controlled_shutdown_completes_once_the_controller_answered_and_nothing_is_led_here() {
    let mut h = Harness::new(1);
    h.apply(image(&[1, 2], 1, partition(Some(1), 1, 1, &[1, 2], &[1, 2])));
    h.sent();
    h.with(|b, ctx| b.begin_controlled_shutdown(ctx));
    let requests = h.requests_to(NodeId::Controller);
    let (correlation_id, Request::ControlledShutdown(_)) = &requests[0] else { panic!("expected ControlledShutdown") };
    h.deliver(
        NodeId::Controller,
        Message::Response {
            correlation_id: *correlation_id,
            body: Response::ControlledShutdown(ControlledShutdownResponse { error: None }),
        },
    );
    assert!(!h.shutdown_completed(), "still the leader of orders-0");
    h.apply(image(&[1, 2], 1, partition(Some(2), 2, 2, &[1, 2], &[2])));
    assert!(h.shutdown_completed());
}

#[test]
fn a_crash_keeps_the_log_and_high_watermark_and_the_replica_serves_again_after_the_next_image() {
    let mut h = Harness::new(1);
    h.apply(image(&[1], 1, partition(Some(1), 1, 1, &[1], &[1])));
    h.produce(1, batch(&["a", "b"]));
    assert_eq!(h.high_watermark(), 2);
    h.broker.crash();
    h.with(|b, ctx| b.start(ctx, 2));
    h.sent();
    h.produce(1, batch(&["c"]));
    assert_eq!(h.produce_responses(CLIENT)[0].partitions[0].error, Some(KafkaError::NotLeaderOrFollower));
    assert_eq!((h.log_end_offset(), h.high_watermark()), (2, 2));

    h.apply(image(&[1], 1, partition(Some(1), 2, 2, &[1], &[1])));
    h.sent();
    h.produce(1, batch(&["c"]));
    assert_eq!(h.produce_responses(CLIENT)[0].partitions[0].base_offset, 2);
}

#[test]
fn a_deleted_topic_removes_the_replica() {
    let mut h = Harness::new(1);
    h.apply(image(&[1], 1, partition(Some(1), 1, 1, &[1], &[1])));
    h.events();
    let brokers = image(&[1], 1, partition(None, 0, 0, &[], &[])).brokers;
    h.apply(MetadataImage { brokers, ..MetadataImage::default() });
    assert!(h.broker.replica(&tp()).is_none());
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::Replication(ReplicationEvent::ReplicaDeleted { broker: 1, .. }))));
}

#[test]
fn a_stale_image_is_ignored() {
    let mut h = Harness::new(1);
    h.apply(image(&[1, 2], 1, partition(Some(1), 3, 3, &[1, 2], &[1, 2])));
    let mut stale = image(&[1, 2], 1, partition(Some(2), 2, 2, &[1, 2], &[1, 2]));
    stale.version = 0;
    h.request(
        NodeId::Controller,
        Request::UpdateMetadata(crate::engine::protocol::UpdateMetadataRequest { image: std::sync::Arc::new(stale) }),
    );
    assert!(h.broker.replica(&tp()).unwrap().is_leader());
}

#[test]
fn the_periodic_checks_run_on_kafkas_intervals() {
    let mut h = Harness::with_config(1, BrokerConfig::default());
    h.test = TestCtx::new(1);
    h.with(|b, ctx| b.start(ctx, 1));
    let timers = h.timers();
    let after = |want: BrokerTimer| timers.iter().find(|(_, t)| *t == want).map(|(a, _)| *a);
    assert_eq!(after(BrokerTimer::IsrCheck), Some(15_000), "replica.lag.time.max.ms / 2");
    assert_eq!(after(BrokerTimer::RetentionCheck), Some(300_000), "log.retention.check.interval.ms");
    assert_eq!(after(BrokerTimer::CleanerCheck), Some(15_000), "log.cleaner.backoff.ms");
}
