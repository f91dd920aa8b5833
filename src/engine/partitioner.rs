//! The producer partitioner.
