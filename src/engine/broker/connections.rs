//! Client connections, muted while a request is being handled (Kafka's
//! `SocketServer`: a processor reads one request from a channel, mutes the
//! channel, and unmutes it only once that request's response has been sent).
//! So the requests of one connection are handled one at a time and answered
//! in the order they were sent; a client's `max.in.flight.requests.per.connection`
//! only lets requests wait in the socket (here: in the connection's queue).
//! An `acks=0` produce gets no response: Kafka unmutes at once ("no-op
//! response"), and so does this.
//!
//! Only clients' main connections are modelled. The Java consumer talks to
//! its group coordinator over a second connection (`AbstractCoordinator`
//! uses node id `MAX_VALUE - id`), so group requests bypass the queue; the
//! replica fetchers and the transaction marker sender of other brokers keep
//! one request in flight each.

use std::collections::VecDeque;

use crate::collections::VecMap;
use crate::engine::ids::NodeId;
use crate::engine::protocol::{CorrelationId, Request};

/// One client's connection to this broker.
#[derive(Debug, Default)]
struct Connection {
    /// The request being handled: the channel is muted until it is answered.
    in_progress: Option<CorrelationId>,
    /// Requests read from the socket after it, in arrival order.
    queued: VecDeque<(CorrelationId, Request)>,
}

#[derive(Debug, Default)]
pub struct Connections {
    open: VecMap<NodeId, Connection>,
    /// Connections with a request in progress (a fast path: no scan of the
    /// handler's effects when nothing waits for a response).
    muted: u32,
}

/// Whether requests of this kind travel on a client's main connection.
pub fn uses_main_connection(from: NodeId, body: &Request) -> bool {
    matches!(from, NodeId::Client(_))
        && !matches!(
            body,
            Request::JoinGroup(_)
                | Request::SyncGroup(_)
                | Request::Heartbeat(_)
                | Request::LeaveGroup(_)
                | Request::OffsetCommit(_)
                | Request::OffsetFetch(_)
        )
}

/// Whether the broker answers the request (an `acks=0` produce is not).
fn expects_response(body: &Request) -> bool {
    !matches!(body, Request::Produce(p) if p.acks == 0)
}

impl Connections {
    /// A request read from `peer`'s connection: returned to be handled now,
    /// or queued behind the one in progress.
    pub fn offer(
        &mut self,
        peer: NodeId,
        correlation_id: CorrelationId,
        body: Request,
    ) -> Option<(CorrelationId, Request)> {
        let connection = self.open.entry(peer).or_default();
        if connection.in_progress.is_some() {
            connection.queued.push_back((correlation_id, body));
            return None;
        }
        if expects_response(&body) {
            connection.in_progress = Some(correlation_id);
            self.muted += 1;
        }
        Some((correlation_id, body))
    }

    /// Whether any connection waits for a response to be sent.
    pub fn any_muted(&self) -> bool {
        self.muted > 0
    }

    /// A response went to `peer`: if it answers the request in progress, the
    /// connection is unmuted and the requests to handle next are returned
    /// (several when `acks=0` produces, which are not answered, come first).
    pub fn on_response_sent(&mut self, peer: NodeId, correlation_id: CorrelationId) -> Vec<(CorrelationId, Request)> {
        let Some(connection) = self.open.get_mut(&peer) else {
            return Vec::new();
        };
        if connection.in_progress != Some(correlation_id) {
            return Vec::new(); // an answer to a connection closed since
        }
        connection.in_progress = None;
        self.muted -= 1;
        let mut next = Vec::new();
        while let Some((id, body)) = connection.queued.pop_front() {
            let answered = expects_response(&body);
            next.push((id, body));
            if answered {
                connection.in_progress = Some(id);
                self.muted += 1;
                break;
            }
        }
        if connection.in_progress.is_none() {
            self.open.remove(&peer);
        }
        next
    }

    /// The peer closed the connection (or its process died): queued requests
    /// are dropped; an answer to the one in progress goes nowhere.
    pub fn close(&mut self, peer: NodeId) {
        if let Some(connection) = self.open.remove(&peer) {
            if connection.in_progress.is_some() {
                self.muted -= 1;
            }
        }
    }

    /// The broker's process died: every connection is gone.
    pub fn clear(&mut self) {
        *self = Connections::default();
    }

    /// Requests waiting behind another one, over all connections.
    pub fn queued(&self) -> u32 {
        self.open.values().map(|c| c.queued.len() as u32).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{MetadataRequest, ProduceRequest};

    const PEER: NodeId = NodeId::Client(9);

    fn produce(acks: i16) -> Request {
        Request::Produce(ProduceRequest { transactional_id: None, acks, timeout_ms: 30_000, partitions: Vec::new() })
    }

    #[test]
    fn a_second_request_waits_until_the_first_is_answered() {
        let mut c = Connections::default();
        assert!(c.offer(PEER, 1, produce(-1)).is_some());
        assert!(c.offer(PEER, 2, produce(-1)).is_none());
        assert!(c
            .offer(PEER, 3, Request::Metadata(MetadataRequest { topics: None, allow_auto_topic_creation: false }))
            .is_none());
        assert!(c.on_response_sent(PEER, 7).is_empty(), "an answer to another request unmutes nothing");
        let next: Vec<CorrelationId> = c.on_response_sent(PEER, 1).into_iter().map(|(id, _)| id).collect();
        assert_eq!(next, vec![2]);
        assert_eq!(c.queued(), 1);
        let next: Vec<CorrelationId> = c.on_response_sent(PEER, 2).into_iter().map(|(id, _)| id).collect();
        assert_eq!(next, vec![3]);
        assert!(c.on_response_sent(PEER, 3).is_empty());
        assert!(!c.any_muted());
    }

    #[test]
    fn acks_0_produces_do_not_mute_the_connection() {
        let mut c = Connections::default();
        assert!(c.offer(PEER, 1, produce(0)).is_some());
        assert!(c.offer(PEER, 2, produce(0)).is_some());
        assert!(!c.any_muted());
        assert!(c.offer(PEER, 3, produce(1)).is_some());
        assert!(c.offer(PEER, 4, produce(0)).is_none());
        assert!(c.offer(PEER, 5, produce(1)).is_none());
        let next: Vec<CorrelationId> = c.on_response_sent(PEER, 3).into_iter().map(|(id, _)| id).collect();
        assert_eq!(next, vec![4, 5], "the unanswered produce and the next answered one");
    }

    #[test]
    fn a_closed_connection_forgets_its_queue() {
        let mut c = Connections::default();
        c.offer(PEER, 1, produce(-1));
        c.offer(PEER, 2, produce(-1));
        c.close(PEER);
        assert!(!c.any_muted());
        assert!(c.on_response_sent(PEER, 1).is_empty());
        assert!(c.offer(PEER, 3, produce(-1)).is_some(), "a new connection starts unmuted");
    }
}
