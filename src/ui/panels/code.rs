//! A client's configuration as code a learner can paste: Confluent.Kafka
//! for .NET (C#, on librdkafka) and Java client properties.
//!
//! librdkafka's defaults differ from the Java client's in places that
//! matter here (partitioner, `batch.size`, `message.timeout.ms`,
//! `isolation.level`, `max.in.flight`), and the simulation follows the Java
//! client, so the C# snippets set those explicitly, and say so where
//! librdkafka has no equivalent.

use crate::engine::client::{CommitMode, Subscription};
use crate::engine::config::{
    Acks, AssignorName, AutoOffsetReset, ConsumerConfig, IsolationLevel, Partitioner, ProducerConfig,
};
use crate::engine::snapshot::ClusterSnapshot;

/// `broker-1:9092,broker-2:9092,…` for the cluster's brokers.
pub fn bootstrap_servers(snap: &ClusterSnapshot) -> String {
    snap.brokers.iter().map(|b| format!("broker-{}:9092", b.id)).collect::<Vec<_>>().join(",")
}

fn csharp_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `new ProducerConfig { … }` and the builder.
pub fn producer_csharp(name: &str, config: &ProducerConfig, bootstrap: &str) -> String {
    let d = ProducerConfig::default();
    let mut lines = vec![
        format!("BootstrapServers = {},", csharp_string(bootstrap)),
        format!("ClientId = {},", csharp_string(if config.client_id.is_empty() { name } else { &config.client_id })),
        format!(
            "Acks = Acks.{},",
            match config.acks {
                Acks::None => "None",
                Acks::Leader => "Leader",
                Acks::All => "All",
            }
        ),
        format!("EnableIdempotence = {},", config.enable_idempotence),
        format!("LingerMs = {},", config.linger_ms),
        format!("BatchSize = {},", config.batch_size),
        format!("MessageTimeoutMs = {}, // delivery.timeout.ms", config.delivery_timeout_ms),
        format!("MaxInFlight = {},", config.max_in_flight_requests_per_connection),
    ];
    if config.request_timeout_ms != d.request_timeout_ms {
        lines.push(format!("RequestTimeoutMs = {},", config.request_timeout_ms));
    }
    if config.retries != d.retries {
        lines.push(format!("MessageSendMaxRetries = {},", config.retries));
    }
    if config.retry_backoff_ms != d.retry_backoff_ms {
        lines.push(format!("RetryBackoffMs = {},", config.retry_backoff_ms));
    }
    if let Some(id) = &config.transactional_id {
        lines.push(format!("TransactionalId = {},", csharp_string(id)));
        if config.transaction_timeout_ms != d.transaction_timeout_ms {
            lines.push(format!("TransactionTimeoutMs = {},", config.transaction_timeout_ms));
        }
    }
    if config.max_request_size != d.max_request_size {
        lines.push(format!("MessageMaxBytes = {}, // max.request.size", config.max_request_size));
    }
    if config.metadata_max_age_ms != d.metadata_max_age_ms {
        lines.push(format!("MetadataMaxAgeMs = {},", config.metadata_max_age_ms));
    }
    match config.partitioner_class {
        Partitioner::Default => lines.push(
            "Partitioner = Partitioner.Murmur2Random, // keys land on the partitions the Java client picks".to_string(),
        ),
        Partitioner::RoundRobin => {
            lines.push("// partitioner.class=RoundRobinPartitioner has no librdkafka equivalent".to_string())
        }
    }
    if config.partitioner_ignore_keys {
        lines.push("// partitioner.ignore.keys has no librdkafka equivalent".to_string());
    }
    let mut out = String::from("var config = new ProducerConfig\n{\n");
    for line in lines {
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("};\nusing var producer = new ProducerBuilder<string, string>(config).Build();");
    if config.transactional_id.is_some() {
        out.push_str("\nproducer.InitTransactions(TimeSpan.FromSeconds(30));");
    }
    out
}

/// Java producer properties.
pub fn producer_java(name: &str, config: &ProducerConfig, bootstrap: &str) -> String {
    let d = ProducerConfig::default();
    let mut lines = vec![
        format!("bootstrap.servers={bootstrap}"),
        format!("client.id={}", if config.client_id.is_empty() { name } else { &config.client_id }),
        format!("acks={}", config.acks.as_str()),
        format!("enable.idempotence={}", config.enable_idempotence),
        format!("linger.ms={}", config.linger_ms),
        format!("batch.size={}", config.batch_size),
        format!("delivery.timeout.ms={}", config.delivery_timeout_ms),
    ];
    let mut more = Vec::new();
    let mut extra = |differs: bool, line: String| {
        if differs {
            more.push(line);
        }
    };
    extra(config.retries != d.retries, format!("retries={}", config.retries));
    extra(config.retry_backoff_ms != d.retry_backoff_ms, format!("retry.backoff.ms={}", config.retry_backoff_ms));
    extra(
        config.request_timeout_ms != d.request_timeout_ms,
        format!("request.timeout.ms={}", config.request_timeout_ms),
    );
    extra(
        config.max_in_flight_requests_per_connection != d.max_in_flight_requests_per_connection,
        format!("max.in.flight.requests.per.connection={}", config.max_in_flight_requests_per_connection),
    );
    if let Some(id) = &config.transactional_id {
        extra(true, format!("transactional.id={id}"));
    }
    extra(
        config.transaction_timeout_ms != d.transaction_timeout_ms,
        format!("transaction.timeout.ms={}", config.transaction_timeout_ms),
    );
    extra(
        config.partitioner_class == Partitioner::RoundRobin,
        "partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner".to_string(),
    );
    extra(config.partitioner_ignore_keys, "partitioner.ignore.keys=true".to_string());
    extra(config.max_request_size != d.max_request_size, format!("max.request.size={}", config.max_request_size));
    extra(
        config.metadata_max_age_ms != d.metadata_max_age_ms,
        format!("metadata.max.age.ms={}", config.metadata_max_age_ms),
    );
    lines.extend(more);
    lines.push("key.serializer=org.apache.kafka.common.serialization.StringSerializer".to_string());
    lines.push("value.serializer=org.apache.kafka.common.serialization.StringSerializer".to_string());
    lines.join("\n")
}

/// The assignor a C# client would name: librdkafka takes one protocol type,
/// so a mixed list (Java's default `range, cooperative-sticky`) becomes the
/// one the group chose (`in_use`), or the first.
fn csharp_assignor(config: &ConsumerConfig, in_use: Option<&str>) -> Vec<String> {
    let list = &config.partition_assignment_strategy;
    let chosen =
        in_use.and_then(|p| list.iter().copied().find(|a| a.protocol_name() == p)).or_else(|| list.first().copied());
    let mut lines = Vec::new();
    match chosen {
        Some(AssignorName::Range) => {
            lines.push("PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,".into())
        }
        Some(AssignorName::RoundRobin) => {
            lines.push("PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,".into())
        }
        Some(AssignorName::CooperativeSticky) => {
            lines.push("PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,".into())
        }
        Some(AssignorName::Sticky) => lines
            .push("// the eager StickyAssignor has no librdkafka equivalent (CooperativeSticky is the closest)".into()),
        None => {}
    }
    if list.len() > 1 {
        let names: Vec<&str> = list.iter().map(|a| a.protocol_name()).collect();
        lines
            .push(format!("// the Java list is {}; librdkafka takes assignors of one protocol type", names.join(", ")));
    }
    lines
}

/// `new ConsumerConfig { … }`, the builder and the subscription, and how
/// the application commits.
pub fn consumer_csharp(
    name: &str,
    config: &ConsumerConfig,
    subscription: &Subscription,
    commit_mode: CommitMode,
    assignor_in_use: Option<&str>,
    bootstrap: &str,
) -> String {
    let d = ConsumerConfig::default();
    let mut lines = vec![format!("BootstrapServers = {},", csharp_string(bootstrap))];
    if let Some(group) = &config.group_id {
        lines.push(format!("GroupId = {},", csharp_string(group)));
    }
    lines.push(format!(
        "ClientId = {},",
        csharp_string(if config.client_id.is_empty() { name } else { &config.client_id })
    ));
    if let Some(instance) = &config.group_instance_id {
        lines.push(format!("GroupInstanceId = {},", csharp_string(instance)));
    }
    lines.push(format!(
        "AutoOffsetReset = AutoOffsetReset.{},",
        match config.auto_offset_reset {
            AutoOffsetReset::Earliest => "Earliest",
            AutoOffsetReset::Latest => "Latest",
            AutoOffsetReset::None => "Error, // auto.offset.reset=none",
        }
    ));
    let auto = config.enable_auto_commit && commit_mode == CommitMode::Auto;
    match commit_mode {
        CommitMode::AsyncAfterProcessing => {
            // Confluent.Kafka has no commitAsync: store the offset after
            // processing and let the background auto-commit send it.
            lines.push("EnableAutoCommit = true, // commits stored offsets in the background".into());
            lines.push("EnableAutoOffsetStore = false, // StoreOffset() after processing".into());
            lines.push(format!("AutoCommitIntervalMs = {},", config.auto_commit_interval_ms));
        }
        _ => {
            lines.push(format!("EnableAutoCommit = {auto},"));
            if auto {
                lines.push(format!("AutoCommitIntervalMs = {},", config.auto_commit_interval_ms));
            }
        }
    }
    if config.group_id.is_some() {
        lines.push(format!("SessionTimeoutMs = {},", config.session_timeout_ms));
        lines.push(format!("HeartbeatIntervalMs = {},", config.heartbeat_interval_ms));
        lines.push(format!("MaxPollIntervalMs = {},", config.max_poll_interval_ms));
        lines.extend(csharp_assignor(config, assignor_in_use));
    }
    lines.push(format!(
        "IsolationLevel = IsolationLevel.{},",
        match config.isolation_level {
            IsolationLevel::ReadUncommitted => "ReadUncommitted",
            IsolationLevel::ReadCommitted => "ReadCommitted",
        }
    ));
    if config.fetch_max_wait_ms != d.fetch_max_wait_ms {
        lines.push(format!("FetchWaitMaxMs = {},", config.fetch_max_wait_ms));
    }
    if config.fetch_min_bytes != d.fetch_min_bytes {
        lines.push(format!("FetchMinBytes = {},", config.fetch_min_bytes));
    }
    if config.max_poll_records != d.max_poll_records {
        lines.push("// max.poll.records has no librdkafka equivalent (Consume returns one record)".into());
    }
    let mut out = String::from("var config = new ConsumerConfig\n{\n");
    for line in lines {
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("};\nusing var consumer = new ConsumerBuilder<string, string>(config).Build();\n");
    match subscription {
        Subscription::Subscribe(topics) => {
            let list: Vec<String> = topics.iter().map(|t| csharp_string(t)).collect();
            out.push_str(&format!("consumer.Subscribe(new[] {{ {} }});\n", list.join(", ")));
        }
        Subscription::Assign(tps) => {
            let list: Vec<String> = tps
                .iter()
                .map(|tp| format!("new TopicPartition({}, {})", csharp_string(&tp.topic), tp.partition))
                .collect();
            out.push_str(&format!("consumer.Assign(new[] {{ {} }});\n", list.join(", ")));
        }
    }
    out.push_str("var result = consumer.Consume(cancellationToken);\n");
    out.push_str(match commit_mode {
        CommitMode::Auto => "Process(result); // offsets are committed on the auto-commit timer",
        CommitMode::SyncAfterProcessing => "Process(result);\nconsumer.Commit(result); // at-least-once",
        CommitMode::AsyncAfterProcessing => {
            "Process(result);\nconsumer.StoreOffset(result); // committed in the background"
        }
        CommitMode::SyncBeforeProcessing => "consumer.Commit(result); // at-most-once\nProcess(result);",
    });
    out
}

fn java_assignor(a: AssignorName) -> &'static str {
    match a {
        AssignorName::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
        AssignorName::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
        AssignorName::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
        AssignorName::CooperativeSticky => "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    }
}

/// Java consumer properties, and how the application commits.
pub fn consumer_java(name: &str, config: &ConsumerConfig, commit_mode: CommitMode, bootstrap: &str) -> String {
    let d = ConsumerConfig::default();
    let mut lines = vec![format!("bootstrap.servers={bootstrap}")];
    if let Some(group) = &config.group_id {
        lines.push(format!("group.id={group}"));
    }
    lines.push(format!("client.id={}", if config.client_id.is_empty() { name } else { &config.client_id }));
    if let Some(instance) = &config.group_instance_id {
        lines.push(format!("group.instance.id={instance}"));
    }
    lines.push(format!(
        "auto.offset.reset={}",
        match config.auto_offset_reset {
            AutoOffsetReset::Earliest => "earliest",
            AutoOffsetReset::Latest => "latest",
            AutoOffsetReset::None => "none",
        }
    ));
    let auto = config.enable_auto_commit && commit_mode == CommitMode::Auto;
    lines.push(format!("enable.auto.commit={auto}"));
    if auto {
        lines.push(format!("auto.commit.interval.ms={}", config.auto_commit_interval_ms));
    }
    if config.group_id.is_some() {
        lines.push(format!("session.timeout.ms={}", config.session_timeout_ms));
        lines.push(format!("heartbeat.interval.ms={}", config.heartbeat_interval_ms));
        lines.push(format!("max.poll.interval.ms={}", config.max_poll_interval_ms));
        let list: Vec<&str> = config.partition_assignment_strategy.iter().map(|a| java_assignor(*a)).collect();
        lines.push(format!("partition.assignment.strategy={}", list.join(",")));
    }
    lines.push(format!(
        "isolation.level={}",
        match config.isolation_level {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        }
    ));
    if config.max_poll_records != d.max_poll_records {
        lines.push(format!("max.poll.records={}", config.max_poll_records));
    }
    if config.fetch_max_wait_ms != d.fetch_max_wait_ms {
        lines.push(format!("fetch.max.wait.ms={}", config.fetch_max_wait_ms));
    }
    if config.fetch_min_bytes != d.fetch_min_bytes {
        lines.push(format!("fetch.min.bytes={}", config.fetch_min_bytes));
    }
    lines.push("key.deserializer=org.apache.kafka.common.serialization.StringDeserializer".to_string());
    lines.push("value.deserializer=org.apache.kafka.common.serialization.StringDeserializer".to_string());
    lines.push(
        match commit_mode {
            CommitMode::Auto => "# offsets are committed on the auto-commit timer, during poll()",
            CommitMode::SyncAfterProcessing => "# after processing each poll: consumer.commitSync(); (at-least-once)",
            CommitMode::AsyncAfterProcessing => "# after processing each poll: consumer.commitAsync();",
            CommitMode::SyncBeforeProcessing => "# before processing each poll: consumer.commitSync(); (at-most-once)",
        }
        .to_string(),
    );
    lines.join("\n")
}
