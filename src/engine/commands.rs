//! Carrying out commands on a simulation: validate first, then act, so a
//! refused command leaves the cluster exactly as it was.

use super::client::consumer::Consumer;
use super::client::producer::Producer;
use super::command::{Command, CommandError};
use super::event::{ConsumerEvent, ProducerEvent};
use super::ids::{BrokerId, ClientId, NodeId};
use super::sim::{Client, NodeStatus, Simulation};

pub(crate) fn apply(sim: &mut Simulation, command: Command) -> Result<(), CommandError> {
    match command {
        Command::AddBroker { id, rack } => {
            let id = match id {
                Some(id) if id < 0 => {
                    return Err(CommandError::new("id", format!("broker ids must be >= 0, got {id}")))
                }
                Some(id) if sim.brokers.contains_key(&id) => {
                    return Err(CommandError::new("id", format!("broker {id} already exists")))
                }
                Some(id) => id,
                None => sim.brokers.keys().next_back().map_or(1, |max| max + 1),
            };
            sim.spawn_broker(id, rack);
            Ok(())
        }
        Command::RemoveBroker { broker } => {
            let status = broker_status(sim, broker)?;
            if status.is_up() {
                return Err(CommandError::new("broker", format!("broker {broker} is running: stop or kill it first")));
            }
            sim.remove_broker(broker);
            Ok(())
        }
        Command::KillBroker { broker } => {
            if !broker_status(sim, broker)?.is_up() {
                return Err(CommandError::new("broker", format!("broker {broker} is not running")));
            }
            sim.crash_broker(broker);
            Ok(())
        }
        Command::StopBroker { broker } => {
            match broker_status(sim, broker)? {
                NodeStatus::Running => {}
                NodeStatus::ShuttingDown => {
                    return Err(CommandError::new("broker", format!("broker {broker} is already shutting down")))
                }
                _ => return Err(CommandError::new("broker", format!("broker {broker} is not running"))),
            }
            sim.begin_broker_shutdown(broker);
            Ok(())
        }
        Command::RestartBroker { broker } => {
            if broker_status(sim, broker)?.is_up() {
                return Err(CommandError::new("broker", format!("broker {broker} is already running")));
            }
            sim.restart_broker(broker);
            Ok(())
        }
        Command::IsolateBroker { broker, from } => {
            broker_status(sim, broker)?;
            let except = match from {
                None => vec![],
                Some(from) => {
                    // Isolating from a set: everyone else stays reachable.
                    let mut others: Vec<NodeId> = vec![NodeId::Controller];
                    others.extend(sim.brokers.keys().map(|b| NodeId::Broker(*b)));
                    others.extend(sim.clients.keys().map(|c| NodeId::Client(*c)));
                    others.retain(|n| *n != NodeId::Broker(broker) && !from.contains(n));
                    others
                }
            };
            sim.isolate(NodeId::Broker(broker), except);
            Ok(())
        }
        Command::HealBroker { broker } => {
            broker_status(sim, broker)?;
            sim.heal_node(NodeId::Broker(broker));
            Ok(())
        }
        Command::SlowBroker { broker, extra_ms } => {
            broker_status(sim, broker)?;
            if extra_ms <= 0 {
                return Err(CommandError::new("extra_ms", format!("must be > 0, got {extra_ms}")));
            }
            sim.slow_node(NodeId::Broker(broker), extra_ms);
            Ok(())
        }
        Command::AddFault { fault } => {
            if let super::net::Fault::Drop { probability, .. } = &fault {
                if !(0.0..=1.0).contains(probability) {
                    return Err(CommandError::new(
                        "fault.probability",
                        format!("must be in [0, 1], got {}", crate::float_text::display(*probability)),
                    ));
                }
            }
            sim.add_fault(fault);
            Ok(())
        }
        Command::HealFault { id } => {
            if sim.heal_fault(id) {
                Ok(())
            } else {
                Err(CommandError::new("id", format!("no active fault with id {id}")))
            }
        }
        Command::CreateTopic { name, partitions, replication_factor, replica_assignment, config } => {
            validate_topic_name(&name)?;
            if partitions < 1 {
                return Err(CommandError::new("partitions", format!("must be at least 1, got {partitions}")));
            }
            config.validate().map_err(|m| CommandError::new("config", m))?;
            if let Some(assignment) = replica_assignment {
                if usize::try_from(partitions).ok() != Some(assignment.len()) {
                    return Err(CommandError::new(
                        "replica_assignment",
                        format!("lists {} partition(s) but partitions is {partitions}", assignment.len()),
                    ));
                }
                return sim
                    .with_controller(|c, ctx| c.create_topic_with_assignment(ctx, &name, assignment, config))
                    .map_err(|e| CommandError::new("replica_assignment", format!("{}: {}", e.error, e.message)));
            }
            let rf = replication_factor.unwrap_or(sim.controller.defaults.default_replication_factor);
            sim.with_controller(|c, ctx| c.create_topic(ctx, &name, partitions, rf, config))
                .map_err(|e| CommandError::new(admin_field(&e.message), format!("{}: {}", e.error, e.message)))
        }
        Command::AddPartitions { topic, total } => sim
            .with_controller(|c, ctx| c.create_partitions(ctx, &topic, total))
            .map_err(|e| CommandError::new("total", format!("{}: {}", e.error, e.message))),
        Command::DeleteTopic { topic } => sim
            .with_controller(|c, ctx| c.delete_topic(ctx, &topic))
            .map_err(|e| CommandError::new("topic", format!("{}: {}", e.error, e.message))),
        Command::AlterTopicConfig { topic, config } => {
            config.validate().map_err(|m| CommandError::new("config", m))?;
            sim.with_controller(|c, ctx| c.alter_topic_config(ctx, &topic, config))
                .map_err(|e| CommandError::new("topic", format!("{}: {}", e.error, e.message)))
        }
        Command::DeleteRecords { .. } => super::admin::delete_records(sim, command),
        Command::ResetGroupOffsets { .. } => super::admin::reset_group_offsets(sim, command),

        Command::AddProducer { name, config, workload } => {
            validate_client_name(sim, &name)?;
            config.validate().map_err(|m| CommandError::new("config", m))?;
            if let Some(w) = &workload {
                validate_rate(w.rate_per_sec)?;
            }
            let bootstrap = sim.bootstrap_brokers();
            let client_name = name.clone();
            sim.add_client(name, |id| Client::Producer(Producer::new(id, client_name, config, bootstrap, workload)));
            Ok(())
        }
        Command::SetWorkload { producer, workload } => {
            let id = running_producer(sim, &producer)?;
            if let Some(w) = &workload {
                validate_rate(w.rate_per_sec)?;
            }
            with_producer(sim, id, |p, ctx| {
                p.set_workload(ctx, workload);
                Ok(())
            })
        }
        Command::PauseProducer { producer } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| {
                p.set_paused(ctx, true);
                Ok(())
            })
        }
        Command::ResumeProducer { producer } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| {
                p.set_paused(ctx, false);
                Ok(())
            })
        }
        Command::Produce { producer, record } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| p.send(ctx, record).map_err(|e| CommandError::new("record", e.name())))
        }
        Command::BeginTransaction { producer } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| p.begin_transaction(ctx).map_err(CommandError::general))
        }
        Command::CommitTransaction { producer } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| p.commit_transaction(ctx).map_err(CommandError::general))
        }
        Command::AbortTransaction { producer } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| p.abort_transaction(ctx).map_err(CommandError::general))
        }
        Command::CloseProducer { producer } => {
            let id = running_producer(sim, &producer)?;
            with_producer(sim, id, |p, ctx| {
                p.close(ctx);
                Ok(())
            })
        }
        Command::CrashProducer { producer } => {
            let id = running_producer(sim, &producer)?;
            sim.record(NodeId::Client(id), ProducerEvent::ProducerCrashed { client: id }.into());
            sim.stop_client(id, NodeStatus::Crashed);
            Ok(())
        }

        Command::AddConsumer { name, config, app } => {
            validate_client_name(sim, &name)?;
            config.validate().map_err(|m| CommandError::new("config", m))?;
            if app.processing_ms_per_record < 0 {
                return Err(CommandError::new("app.processing_ms_per_record", "must be >= 0"));
            }
            if let super::client::Subscription::Subscribe(topics) = &app.subscription {
                if config.group_id.is_none() {
                    return Err(CommandError::new("config.group.id", "subscribe needs a group.id"));
                }
                if topics.is_empty() {
                    return Err(CommandError::new("app.subscription", "subscribe to at least one topic"));
                }
            }
            let bootstrap = sim.bootstrap_brokers();
            let client_name = name.clone();
            sim.add_client(name, |id| Client::Consumer(Consumer::new(id, client_name, config, app, bootstrap)));
            Ok(())
        }
        Command::CrashConsumer { consumer } => {
            let id = running_consumer(sim, &consumer)?;
            sim.record(NodeId::Client(id), ConsumerEvent::ConsumerCrashed { client: id }.into());
            if let Some(Client::Consumer(c)) = sim.clients.get_mut(&id).map(|slot| &mut slot.client) {
                c.crash();
            }
            sim.stop_client(id, NodeStatus::Crashed);
            Ok(())
        }
        Command::CloseConsumer { consumer } => {
            let id = running_consumer(sim, &consumer)?;
            sim.with_client(id, |c, ctx| {
                if let Client::Consumer(c) = c {
                    c.close(ctx);
                }
            });
            Ok(())
        }
        Command::Seek { consumer, tp, offset } => {
            let id = running_consumer(sim, &consumer)?;
            if offset < 0 {
                return Err(CommandError::new("offset", format!("must be >= 0, got {offset}")));
            }
            sim.with_client(id, |c, ctx| match c {
                Client::Consumer(c) => c.seek(ctx, tp, offset).map_err(|m| CommandError::new("tp", m)),
                Client::Producer(_) => unreachable!("running_consumer checked the kind"),
            })
        }
    }
}

fn admin_field(message: &str) -> &'static str {
    // Kafka's messages start with a capital: "Replication factor: 5 larger than available brokers: 3."
    let message = message.to_ascii_lowercase();
    if message.contains("replication") {
        "replication_factor"
    } else if message.contains("partition") {
        "partitions"
    } else {
        "name"
    }
}

fn broker_status(sim: &Simulation, broker: BrokerId) -> Result<NodeStatus, CommandError> {
    sim.broker_status(broker).ok_or_else(|| CommandError::new("broker", format!("no broker with id {broker}")))
}

/// Kafka's `Topic.validate`: 1..=249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
fn validate_topic_name(name: &str) -> Result<(), CommandError> {
    let bad = |m: String| Err(CommandError::new("name", m));
    if name.is_empty() {
        return bad("topic name is empty".into());
    }
    if name == "." || name == ".." {
        return bad(format!("topic name cannot be {name:?}"));
    }
    if name.len() > 249 {
        return bad(format!("topic name is {} characters; the maximum is 249", name.len()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return bad(format!(
            "topic name {name:?} contains {c:?}: only ASCII letters, digits, '.', '_' and '-' are legal"
        ));
    }
    Ok(())
}

fn validate_client_name(sim: &Simulation, name: &str) -> Result<(), CommandError> {
    if name.trim().is_empty() {
        return Err(CommandError::new("name", "a client needs a name"));
    }
    if sim.client_id(name).is_some() {
        return Err(CommandError::new("name", format!("a client named {name:?} already exists")));
    }
    Ok(())
}

fn validate_rate(rate: f64) -> Result<(), CommandError> {
    if !rate.is_finite() || !(0.0..=10_000_000.0).contains(&rate) {
        return Err(CommandError::new(
            "workload.rate_per_sec",
            format!("must be between 0 and 10000000, got {}", crate::float_text::display(rate)),
        ));
    }
    Ok(())
}

fn running_client(sim: &Simulation, name: &str, field: &str) -> Result<ClientId, CommandError> {
    let id = sim.client_id(name).ok_or_else(|| CommandError::new(field, format!("no client named {name:?}")))?;
    if !sim.clients[&id].status.is_up() {
        return Err(CommandError::new(field, format!("{name:?} is not running")));
    }
    Ok(id)
}

fn running_producer(sim: &Simulation, name: &str) -> Result<ClientId, CommandError> {
    let id = running_client(sim, name, "producer")?;
    match sim.clients[&id].client {
        Client::Producer(_) => Ok(id),
        Client::Consumer(_) => Err(CommandError::new("producer", format!("{name:?} is a consumer"))),
    }
}

fn running_consumer(sim: &Simulation, name: &str) -> Result<ClientId, CommandError> {
    let id = running_client(sim, name, "consumer")?;
    match sim.clients[&id].client {
        Client::Consumer(_) => Ok(id),
        Client::Producer(_) => Err(CommandError::new("consumer", format!("{name:?} is a producer"))),
    }
}

fn with_producer(
    sim: &mut Simulation,
    id: ClientId,
    f: impl FnOnce(&mut Producer, &mut super::node::Ctx) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    sim.with_client(id, |client, ctx| match client {
        Client::Producer(p) => f(p, ctx),
        Client::Consumer(_) => unreachable!("running_producer checked the kind"),
    })
}
