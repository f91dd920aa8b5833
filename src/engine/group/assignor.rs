//! Partition assignors.
