//! One replica's partition log.
