//! Replication end to end: a whole `Simulation` (controller, brokers, a
//! producer) driven through `Command`s, asserting on the event trace and on
//! the brokers' replicas. Each test pins its seed.

mod durability;
mod harness;
mod lifecycle;
mod random_faults;
